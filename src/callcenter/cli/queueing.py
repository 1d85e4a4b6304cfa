"""`callcenter erlang` and `callcenter staff`: staffing from the command line.

Parse → one library call (:mod:`callcenter.queueing`) → render (table, CSV, JSON, XLSX).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from callcenter.cli.common import DbOpt
from callcenter.errors import InputError, ModelError
from callcenter.queueing import SLVariant, Targets, evaluate, required_agents, traffic_erlangs
from callcenter.queueing.plan import PlanParameters, StaffingPlan, staffing_plan_from_table
from callcenter.timegrid import grain_minutes

console = Console()


class ErlangFormat(StrEnum):
    table = "table"
    json = "json"


class PlanFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def parse_sl(text: str) -> tuple[float, float]:
    """'80/20' → (0.80, 20.0): percent answered within seconds."""
    parts = text.replace(" ", "").split("/")
    try:
        if len(parts) != 2:
            raise ValueError
        pct, sec = float(parts[0].rstrip("%")), float(parts[1].rstrip("s"))
    except ValueError:
        raise ModelError(f"cannot read service level {text!r}", where="--sl",
                         hint="write percent/seconds, e.g. 80/20") from None
    if not (0 < pct < 100) or not (sec >= 0) or not math.isfinite(sec):
        raise ModelError(f"service level {text!r} out of range", where="--sl",
                         hint="percent in (0, 100), seconds >= 0, e.g. 80/20")
    return pct / 100.0, sec


def parse_interval(text: str) -> int:
    """'30m' / '1h' / '15' → minutes."""
    try:
        minutes = int(text) if text.strip().isdigit() else grain_minutes(text)
    except ValueError:
        minutes = None
    if minutes is None or minutes <= 0 or 1440 % minutes:
        raise ModelError(f"cannot read interval {text!r}", where="--interval",
                         hint="use 15m, 30m or 1h")
    return minutes


def _targets(sl: str | None, asa: float | None, abandon: float | None,
             occupancy: float | None, variant: SLVariant) -> Targets:
    level, threshold = parse_sl(sl) if sl else (None, 20.0)
    return Targets(
        service_level=level, threshold_s=threshold, asa_s=asa,
        max_abandon=None if abandon is None else abandon / 100.0,
        max_occupancy=None if occupancy is None else occupancy / 100.0,
        sl_variant=variant,
    )


def erlang_report(calls: float, interval_minutes: int, aht_s: float, targets: Targets,
                  patience_s: float | None) -> dict[str, Any]:
    """Erlang C (and Erlang A when a patience is given) requirement for one interval."""
    traffic = float(traffic_erlangs(calls, aht_s, interval_minutes * 60.0))
    models: dict[str, Any] = {}
    for name, patience in (("erlang_c", None), ("erlang_a", patience_s)):
        if name == "erlang_a" and patience is None:
            continue
        if name == "erlang_c" and targets.max_abandon is not None:
            models[name] = {"note": "no abandonment in Erlang C: give --patience for Erlang A"}
            continue
        req = required_agents(np.array([traffic]), aht_s, targets, patience_s=patience,
                              fractional=True)
        n = int(req.agents[0])
        below = evaluate(max(n - 1, 0), traffic, aht_s, threshold_s=targets.threshold_s,
                         patience_s=patience, sl_variant=targets.sl_variant)
        perf = req.performance
        assert req.fractional is not None
        models[name] = {
            "agents": n,
            "agents_fractional": float(req.fractional[0]),
            "service_level": float(perf.service_level[0]),
            "asa_s": float(perf.asa_s[0]),
            "p_wait": float(perf.p_wait[0]),
            "abandon_rate": float(perf.p_abandon[0]),
            "occupancy": float(perf.occupancy[0]),
            "with_one_agent_less": {
                "agents": max(n - 1, 0),
                "service_level": float(below.service_level),
                "asa_s": float(below.asa_s),
                "abandon_rate": float(below.p_abandon),
                "occupancy": float(below.occupancy),
            },
        }
    return {
        "calls": calls, "interval_minutes": interval_minutes, "aht_s": aht_s,
        "patience_s": patience_s, "traffic_erlangs": traffic,
        "targets": {"service_level": targets.service_level, "threshold_s": targets.threshold_s,
                    "asa_s": targets.asa_s, "max_abandon": targets.max_abandon,
                    "max_occupancy": targets.max_occupancy,
                    "sl_variant": str(targets.sl_variant)},
        "models": models,
    }


def read_forecast(path: Path) -> pa.Table:
    """CSV or Parquet forecast → Arrow table (columns checked by the plan)."""
    if not path.exists():
        raise InputError(f"forecast file not found: {path}", where=str(path), hint="check the path")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return pq.read_table(path)
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"cannot read forecast: {e}", where=str(path),
                         hint="CSV with a header row, or Parquet") from None


def _fmt(v: float, pct: bool = False) -> str:
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    return f"{100 * v:.1f} %" if pct else f"{v:.2f}"


def _print_erlang(rep: dict[str, Any]) -> None:
    t = Table(title=f"Staffing 人员需求 — {rep['calls']:g} calls / {rep['interval_minutes']} min, "
                    f"AHT {rep['aht_s']:g} s, traffic {rep['traffic_erlangs']:.3f} Erl")
    t.add_column("measure 指标")
    names = list(rep["models"])
    for name in names:
        label = "Erlang C" if name == "erlang_c" else f"Erlang A (patience {rep['patience_s']:g} s)"
        t.add_column(label, justify="right")
    rows = [("agents required 所需座席", "agents", False),
            ("fractional 小数需求", "agents_fractional", False),
            ("service level 服务水平", "service_level", True),
            ("ASA 平均应答速度 (s)", "asa_s", False),
            ("P(wait) 排队概率", "p_wait", True),
            ("abandon rate 放弃率", "abandon_rate", True),
            ("occupancy 占用率", "occupancy", True)]
    for label, key, pct in rows:
        cells = []
        for name in names:
            m = rep["models"][name]
            if "note" in m:
                cells.append(m["note"] if key == "agents" else "")
            elif key == "agents":
                cells.append(str(m[key]))
            else:
                cells.append(_fmt(m[key], pct))
        t.add_row(label, *cells)
    for label, key, pct in (("with N−1: service level", "service_level", True),
                            ("with N−1: ASA (s)", "asa_s", False)):
        t.add_row(label, *[_fmt(rep["models"][n]["with_one_agent_less"][key], pct)
                           if "note" not in rep["models"][n] else "" for n in names])
    console.print(t)
    tg = rep["targets"]
    console.print(f"targets: SL {tg['service_level']} within {tg['threshold_s']:g} s "
                  f"({tg['sl_variant']}), ASA {tg['asa_s']}, abandon {tg['max_abandon']}, "
                  f"occupancy {tg['max_occupancy']}")


def _write_plan(plan: StaffingPlan, fmt: PlanFormat, output: Path | None) -> None:
    table = plan.intervals
    if fmt is PlanFormat.table:
        t = Table(title="Staffing plan 排班人力计划")
        cols = ["interval_start", "calls", "traffic_erlangs", "agents_required",
                "agents_scheduled", "service_level", "asa_s", "abandon_rate", "occupancy"]
        for c in cols:
            t.add_column(c, justify="right")
        for row in table.select(cols).to_pylist():
            t.add_row(*[(f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row.values()])
        console.print(t)
        s = plan.summary
        console.print(
            f"headcount 编制 (interval method 分时段法): {s['headcount_interval_method']:.1f}   "
            f"Unicom formula 联通公式: {s['headcount_unicom_formula']:.1f}   "
            f"team leaders 班组长: {s['team_leaders']}   agent-hours 人时: "
            f"{s['agent_hours_required']:.1f} → scheduled {s['agent_hours_scheduled']:.1f}")
        return
    if fmt is PlanFormat.json:
        doc = {"summary": plan.summary, "intervals": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
            for r in table.to_pylist()]}
        text = json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text)
        return
    if fmt is PlanFormat.csv:
        import pyarrow.csv as pacsv

        if output:
            pacsv.write_csv(table, output)
        else:
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink)
            typer.echo(sink.getvalue().to_pybytes().decode("utf-8"), nl=False)
        return
    if output is None:
        raise ModelError("xlsx needs an output file", where="--format xlsx",
                         hint="add --output plan.xlsx")
    _write_xlsx(plan, output)


def _json_default(v: Any) -> Any:
    if isinstance(v, float) and math.isinf(v):
        return None
    return str(v)


def _write_xlsx(plan: StaffingPlan, output: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "plan 计划"
    names = plan.intervals.column_names
    ws.append(names)
    for row in plan.intervals.to_pylist():
        ws.append([None if isinstance(v, float) and math.isinf(v) else v
                   for v in (row[n] for n in names)])
    ss = wb.create_sheet("summary 汇总")
    for k, v in plan.summary.items():
        ss.append([k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v])
    wb.save(output)


def register(app: typer.Typer) -> None:
    @app.command("erlang")
    def erlang_cmd(
        calls: Annotated[float, typer.Option("--calls", help="calls offered in the interval")],
        aht: Annotated[float, typer.Option("--aht", help="average handle time, seconds")],
        interval: Annotated[str, typer.Option("--interval", help="interval length: 15m, 30m, 1h")] = "30m",
        sl: Annotated[str | None, typer.Option("--sl", help="service level target percent/seconds, e.g. 80/20")] = "80/20",
        asa: Annotated[float | None, typer.Option("--asa", help="maximum ASA, seconds")] = None,
        abandon: Annotated[float | None, typer.Option("--max-abandon", help="maximum abandon rate, % (Erlang A)")] = None,
        occupancy: Annotated[float | None, typer.Option("--max-occupancy", help="maximum occupancy, %")] = None,
        patience: Annotated[float | None, typer.Option("--patience", help="mean caller patience, seconds → adds Erlang A")] = None,
        variant: Annotated[SLVariant, typer.Option("--sl-variant", help="Erlang A service-level definition")] = SLVariant.OFFERED,
        fmt: Annotated[ErlangFormat, typer.Option("--format", help="table or json")] = ErlangFormat.table,
    ) -> None:
        """Agents needed for one interval: Erlang C and Erlang A side by side (话务员需求计算)."""
        minutes = parse_interval(interval)
        targets = _targets(sl, asa, abandon, occupancy, variant)
        rep = erlang_report(calls, minutes, aht, targets, patience)
        if fmt is ErlangFormat.json:
            typer.echo(json.dumps(rep, ensure_ascii=False, indent=2,
                                  default=_json_default).replace("Infinity", "null"))
        else:
            _print_erlang(rep)

    @app.command("staff")
    def staff_cmd(
        forecast: Annotated[Path | None, typer.Option("--forecast", help="CSV/Parquet: interval_start, calls (or forecast), optional aht_s")] = None,
        from_warehouse: Annotated[bool, typer.Option("--from-warehouse", help="staff the calls loaded in the warehouse (--from/--to) instead of a forecast")] = False,
        start: Annotated[str | None, typer.Option("--from", help="with --from-warehouse: first local day, YYYY-MM-DD")] = None,
        end: Annotated[str | None, typer.Option("--to", help="with --from-warehouse: day after the last, YYYY-MM-DD")] = None,
        db: DbOpt = None,
        aht: Annotated[float | None, typer.Option("--aht", help="AHT seconds when the file has no aht_s")] = None,
        interval: Annotated[str, typer.Option("--interval", help="interval length: 15m, 30m, 1h")] = "30m",
        sl: Annotated[str | None, typer.Option("--sl", help="service level target, e.g. 80/20")] = "80/20",
        asa: Annotated[float | None, typer.Option("--asa", help="maximum ASA, seconds")] = None,
        abandon: Annotated[float | None, typer.Option("--max-abandon", help="maximum abandon rate, % (needs --patience)")] = None,
        occupancy: Annotated[float | None, typer.Option("--max-occupancy", help="maximum occupancy, %")] = None,
        patience: Annotated[float | None, typer.Option("--patience", help="mean patience, seconds → Erlang A")] = None,
        variant: Annotated[SLVariant, typer.Option("--sl-variant", help="Erlang A service-level definition")] = SLVariant.OFFERED,
        shrinkage: Annotated[float, typer.Option("--shrinkage", help="share of paid time off the phones")] = 0.3,
        attendance: Annotated[float, typer.Option("--attendance", help="attendance rate 出勤率")] = 0.975,
        utilisation: Annotated[float, typer.Option("--utilisation", help="utilisation for the Unicom formula")] = 0.73,
        answer_rate: Annotated[float, typer.Option("--answer-rate", help="answer rate for the Unicom formula")] = 0.9,
        hours: Annotated[float, typer.Option("--hours-per-month", help="paid hours per agent per month")] = 167.0,
        leader_ratio: Annotated[float, typer.Option("--agents-per-leader", help="agents per team leader (10–15)")] = 12.0,
        min_agents: Annotated[int, typer.Option("--min-agents", help="at least this many agents in every interval")] = 0,
        fmt: Annotated[PlanFormat, typer.Option("--format", help="table, csv, json or xlsx")] = PlanFormat.table,
        output: Annotated[Path | None, typer.Option("--output", help="write to this file")] = None,
    ) -> None:
        """Per-interval staffing plan and headcount from a volume forecast (分时段人力计划)."""
        minutes = parse_interval(interval)
        params = PlanParameters(
            targets=_targets(sl, asa, abandon, occupancy, variant), interval_minutes=minutes,
            patience_s=patience, shrinkage=shrinkage, attendance=attendance,
            utilisation=utilisation, answer_rate=answer_rate, hours_per_agent_month=hours,
            agents_per_leader=leader_ratio, min_agents=min_agents,
        )
        if from_warehouse == (forecast is not None):
            raise InputError("give either --forecast FILE or --from-warehouse",
                             hint="--from-warehouse staffs the loaded calls of --from/--to")
        if forecast is not None:
            table = read_forecast(forecast)
        else:
            from datetime import datetime

            from callcenter.app import CallCenter

            def day(v: str | None, opt: str) -> datetime | None:
                if v is None:
                    return None
                try:
                    return datetime.fromisoformat(v)
                except ValueError:
                    raise InputError(f"bad {opt} {v!r}", hint="use YYYY-MM-DD") from None

            with CallCenter(db, read_only=True) as cc:
                table = cc.interval_history(day(start, "--from"), day(end, "--to"), minutes=minutes)
        plan = staffing_plan_from_table(table, params, aht_s=aht)
        _write_plan(plan, fmt, output)
