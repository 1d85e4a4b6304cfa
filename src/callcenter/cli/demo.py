"""``callcenter demo``: the main job, end to end, on real and on simulated data.

1. ``demo/bank.duckdb`` — the Anonymous Bank 1999 call records (real data, read from
   ``../shared/data``): loaded through the reader with full accounting, then the monthly
   indicators against target.
2. ``demo/hotline.duckdb`` — a simulated 10086-style hotline month (marked as simulated):
   the same indicators, plus what the simulation has that the bank data lacks (ACW, AHT,
   occupancy, adherence, QA, satisfaction, cost per call).

Run twice, it loads nothing new (loads are idempotent) and shows the same figures.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from callcenter.cli.render import console
from callcenter.errors import InputError

ROOT = Path(__file__).resolve().parents[3]

BANK_INDICATORS = [
    "offered",
    "answered_rate",
    "abandon_rate",
    "service_level",
    "asa",
    "avg_abandon_time",
    "avg_talk_time",
]
HOTLINE_INDICATORS = [
    "total_calls",
    "ivr_containment",
    "answered_rate",
    "abandon_rate",
    "service_level",
    "asa",
    "aht",
    "acw_time",
    "occupancy",
    "adherence",
    "calls_per_hour",
    "satisfaction_rate",
    "qa_score",
    "cost_per_call",
    "peak_day_coefficient",
]


def shared_data_dir() -> Path | None:
    """``$CALLCENTER_SHARED_DATA``, else ``../shared/data`` next to the checkout or cwd."""
    env = os.environ.get("CALLCENTER_SHARED_DATA")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)


def _kpi_table(
    cc: Any,
    indicators: list[str],
    title: str,
    start: datetime | None = None,
    end: datetime | None = None,
) -> None:
    """Monthly indicators with target and status (the registry's names in both languages)."""
    from callcenter.metrics.engine import compute
    from callcenter.metrics.registry import BY_ID
    from callcenter.metrics.targets import STATUS_ZH, Status, assess

    res = compute(
        cc.warehouse.ibis_tables(),
        cc.settings,
        grain="month",
        indicators=indicators,
        start=start,
        end=end,
    )
    rows = res.table.to_pylist()
    t = Table(title=title)
    t.add_column("indicator 指标")
    for r in rows:
        t.add_column(str(r["period"])[:7], justify="right")
    t.add_column("target 目标", justify="right")
    colour = {Status.ON: "green", Status.WARNING: "yellow", Status.OFF: "red"}
    for ind_id in res.indicators:
        ind = BY_ID[ind_id]
        cells = []
        target = "—"
        for r in rows:
            a = assess(ind, r[ind_id], cc.settings, "month")
            target = a.target
            v = r[ind_id]
            text = "" if v is None else (f"{v:,.0f}" if isinstance(v, int) else f"{v:,.1f}")
            if a.status is not None:
                text = f"[{colour[a.status]}]{text} {STATUS_ZH[a.status]}[/]"
            cells.append(text)
        unit = f" ({ind.unit})" if ind.unit else ""
        t.add_row(f"{ind.name_en} {ind.name_zh}{unit}", *cells, target)
    console.print(t)
    for ind_id, why in res.unavailable.items():
        console.print(f"[dim]{ind_id}: {why}[/dim]")
    console.print("[dim]" + "; ".join(f"{k}: {v}" for k, v in res.definitions.items()) + "[/dim]")


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        out: Annotated[Path, typer.Option("--out", help="folder for the demo warehouses")] = Path(
            "demo"
        ),
        months: Annotated[int, typer.Option(help="Anonymous Bank months to load (0-9)")] = 9,
        hotline_days: Annotated[
            int, typer.Option(help="days of the simulated 10086-style hotline (0 to skip)")
        ] = 30,
        seed: Annotated[int, typer.Option(help="simulation seed")] = 1,
    ) -> None:
        """Load real call-centre data and a simulated hotline month into demo/, show the KPIs."""
        from callcenter.app import CallCenter
        from callcenter.settings import Settings, load_settings

        out.mkdir(parents=True, exist_ok=True)
        data = shared_data_dir() if months else None
        if months and data is None:
            if not hotline_days:
                raise InputError(
                    "the shared real data (../shared/data) is not here",
                    hint="set CALLCENTER_SHARED_DATA to its folder, or pass --hotline-days N",
                )
            console.print(
                "[yellow]The shared real data (../shared/data) is not here: the Anonymous Bank "
                "months are skipped; set CALLCENTER_SHARED_DATA to its folder to load them. "
                "真实数据未找到，仅运行模拟热线。[/yellow]"
            )
        if data is not None:
            raw = data / "anonymous_bank_1999" / "raw"
            order = ["january", "february", "march", "april", "may", "june", "july",
                     "september", "october"]  # fmt: skip
            bank_files = [raw / f"{m}.txt" for m in order if (raw / f"{m}.txt").exists()][:months]
            settings = load_settings(ROOT / "examples" / "config" / "anonymous_bank.toml")
            db = out / "bank.duckdb"
            console.rule(
                "Anonymous Bank 1999 — real data (Technion SEE Lab; Brown et al. 2005, JASA)"
            )
            with CallCenter(db, settings=settings) as cc:
                t = Table(title=f"Loaded into {db}")
                for col in ("file", "read", "inserted", "unchanged", "quarantined"):
                    t.add_column(col, justify="left" if col == "file" else "right")
                with cc.deferred_rollups():
                    for f in bank_files:
                        rep = cc.load(f)
                        t.add_row(
                            f.name,
                            f"{rep.rows_read:,}",
                            f"{rep.inserted:,}",
                            f"{rep.unchanged:,}",
                            f"{rep.quarantined:,}",
                        )
                console.print(t)
                _kpi_table(cc, BANK_INDICATORS, "Anonymous Bank: monthly indicators 月度指标")
        if hotline_days:
            from callcenter.simulate import demo_config, run

            cfg = demo_config()
            db = out / "hotline.duckdb"
            console.rule(
                f"{cfg.name} — SIMULATED data (模拟数据), {hotline_days} days, seed {seed}"
            )
            with console.status("simulating"):
                tables = run(cfg, hotline_days, seed)
            with CallCenter(db, settings=Settings(timezone=cfg.timezone)) as cc:
                source = f"simulated:{cfg.name}:seed={seed}:days={hotline_days}"
                rep = cc.store_tables(source, tables, "simulation")
                console.print(
                    f"{db}: {rep.inserted:,} rows inserted, {rep.unchanged:,} unchanged, "
                    f"{rep.quarantined:,} quarantined"
                )
                first = datetime.combine(cfg.start, datetime.min.time())
                _kpi_table(
                    cc,
                    HOTLINE_INDICATORS,
                    f"Simulated hotline, {cfg.start} + {hotline_days} days: indicators 指标 (模拟)",
                    start=first,
                    end=first + timedelta(days=hotline_days),
                )
        console.print(
            f"next: callcenter info --db {out / 'bank.duckdb'}   ·   "
            f"callcenter serve --db {out / 'hotline.duckdb'}"
        )
