"""Indicator commands: kpi, kpi-summary, pareto, report, indicators.

Each command parses its options, gets the canonical tables (``tables_from``: the
warehouse's Ibis tables through the ``CallCenter`` facade), makes one library call and renders the result. The
definitions in force are printed with every output.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import typer

from callcenter.cli.common import ConfigOpt, DbOpt
from callcenter.errors import ConfigError, DataNotAvailable
from callcenter.settings import load_settings

if TYPE_CHECKING:
    from callcenter.app import CallCenter


def tables_from(db: Path | None) -> dict[str, Any]:
    """The canonical tables that hold rows, as Ibis tables over the warehouse (via the facade).

    The facade stays open for the life of the command: the Ibis tables read through it.
    """
    return _open(db, None)[1]


def _open(db: Path | None, config: Path | None) -> tuple[CallCenter, dict[str, Any]]:
    """The warehouse opened read-only under the command's settings (the stored roll-ups are
    used only when computed under the same ones) and its tables; an error when it holds no
    data."""
    from callcenter.app import CallCenter

    cc = CallCenter(db, config=config, read_only=True)
    tables = cc.tables()
    if not tables:
        raise DataNotAvailable("the warehouse holds no data", needs=["calls"],
                               hint="load data first: callcenter load FILE")
    return cc, tables


def _date(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a date", hint="use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None


def _list(text: str | None) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()] if text else []


def _footer(definitions: dict[str, str], unavailable: dict[str, str]) -> dict[str, str]:
    out = dict(definitions)
    for k, v in unavailable.items():
        out[f"{k} (unavailable)"] = v
    return out


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | csv | json | xlsx")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="write to FILE")]


def register(app: typer.Typer) -> None:
    from callcenter.cli.render import emit

    @app.command("kpi")
    def kpi_cmd(
        grain: Annotated[str, typer.Option(help="15m | 30m | 60m | day | week | month")] = "day",
        by: Annotated[str | None, typer.Option(help="dimensions, e.g. queue,agent (centre, queue, call_type, customer_tier, team, agent)")] = None,
        from_: Annotated[str | None, typer.Option("--from", help="first local date/time (inclusive)")] = None,
        to: Annotated[str | None, typer.Option("--to", help="end local date/time (exclusive)")] = None,
        indicators: Annotated[str | None, typer.Option(help="comma-separated ids (default: all)")] = None,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
        no_fill: Annotated[bool, typer.Option("--no-fill", help="omit periods without traffic")] = False,
        config: ConfigOpt = None,
        db: DbOpt = None,
    ) -> None:
        """Operating indicators (运营指标) by period and dimensions, with the definitions used."""
        from callcenter.metrics.engine import compute

        cc, tables = _open(db, config)
        store = cc.rollups()  # the stored roll-ups answer what they hold exactly, when fresh
        res = compute(tables, cc.settings, grain=grain, by=_list(by), start=_date(from_, "--from"),
                      end=_date(to, "--to"), indicators=_list(indicators) or None, fill=not no_fill,
                      aggregate=store.aggregator({}) if store is not None else None)
        emit(res.table, fmt, title=f"KPI {res.grain}" + (f" by {', '.join(res.by)}" if res.by else ""),
             output=output, footer=_footer(res.definitions, res.unavailable))

    @app.command("kpi-summary")
    def summary_cmd(
        grain: Annotated[str, typer.Option(help="day | week | month")] = "month",
        by: Annotated[str, typer.Option(help="dimensions")] = "call_type",
        thresholds: Annotated[str, typer.Option(help="service-level thresholds, seconds")] = "20,30,60",
        from_: Annotated[str | None, typer.Option("--from")] = None,
        to: Annotated[str | None, typer.Option("--to")] = None,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
        config: ConfigOpt = None,
        db: DbOpt = None,
    ) -> None:
        """Offered, answered, abandoned, abandon rates, SL at several thresholds, ASA, talk time."""
        from callcenter.metrics.summary import call_summary

        s = load_settings(config)
        res = call_summary(tables_from(db), s, grain=grain, by=_list(by),
                           thresholds=[float(x) for x in _list(thresholds)],
                           start=_date(from_, "--from"), end=_date(to, "--to"))
        emit(res.table, fmt, title="Call summary 话务汇总", output=output,
             footer=_footer(res.definitions, res.unavailable))

    @app.command("pareto")
    def pareto_cmd(
        column: Annotated[str, typer.Argument(help="categorical column, e.g. wrapup_code or call_type")],
        table: Annotated[str, typer.Option(help="canonical table")] = "calls",
        cut: Annotated[float, typer.Option(help="vital few up to this cumulative share, %")] = 80.0,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
        db: DbOpt = None,
    ) -> None:
        """Pareto analysis (排列图): count, share, cumulative share, the vital few; "other" last."""
        from callcenter.metrics.qc import pareto

        tables = tables_from(db)
        if table not in tables:
            raise DataNotAvailable(f"table {table!r} holds no rows", needs=[f"{table}.{column}"])
        if column not in tables[table].columns:
            raise DataNotAvailable(f"{table} has no column {column!r}", needs=[f"{table}.{column}"])
        rows = pareto(tables[table], column, cut=cut)
        data = pa.table({
            column: [r.category for r in rows],
            "count": [r.count for r in rows],
            "share_%": [round(r.share, 1) for r in rows],
            "cumulative_%": [round(r.cumulative, 1) for r in rows],
            "vital_few": [r.vital for r in rows],
        })
        emit(data, fmt, title=f"Pareto {table}.{column}", output=output,
             footer={"vital few": f"leading categories until the cumulative share reaches {cut:g} %",
                     "order": "largest first; 'other' / '(none)' always last"})

    @app.command("report")
    def report_cmd(
        month: Annotated[str, typer.Option(help="YYYY-MM")],
        output: Annotated[Path, typer.Option("--output", "-o", help="folder for the XLSX and HTML")] = Path("."),
        history: Annotated[int, typer.Option(help="previous months shown for the trend")] = 3,
        config: ConfigOpt = None,
        db: DbOpt = None,
    ) -> None:
        """Monthly management report: every indicator vs target, trend, diagnostics (XLSX + HTML)."""
        from callcenter.metrics.report import monthly_report, write_html, write_xlsx

        try:
            y, m = (int(x) for x in month.split("-"))
            first = date(y, m, 1)
        except ValueError:
            raise ConfigError(f"--month {month!r} is not YYYY-MM", hint="e.g. --month 1999-03") from None
        rep = monthly_report(tables_from(db), load_settings(config), first, history=history)
        x = write_xlsx(rep, output / f"report-{first:%Y-%m}.xlsx")
        h = write_html(rep, output / f"report-{first:%Y-%m}.html")
        typer.echo(f"{len(rep.off_target)} indicators off target or in warning")
        typer.echo(f"wrote {x}")
        typer.echo(f"wrote {h}")

    @app.command("indicators")
    def indicators_cmd(fmt: FormatOpt = "table", output: OutputOpt = None, config: ConfigOpt = None) -> None:
        """The indicator registry (指标定义): names, formulas, units, targets, level."""
        from callcenter.metrics.registry import INDICATORS
        from callcenter.metrics.targets import target_for

        s = load_settings(config)
        data = pa.table({
            "#": [i.number for i in INDICATORS],
            "id": [i.id for i in INDICATORS],
            "指标": [i.name_zh for i in INDICATORS],
            "indicator": [i.name_en for i in INDICATORS],
            "unit": [i.unit for i in INDICATORS],
            "counts": [i.level for i in INDICATORS],
            "target": [(t.describe() if (t := target_for(i, s)) else "—") for i in INDICATORS],
            "formula": [i.formula_en for i in INDICATORS],
        })
        emit(data, fmt, title="Indicators 指标", output=output, footer=s.definitions())
