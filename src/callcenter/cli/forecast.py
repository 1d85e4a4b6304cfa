"""``callcenter forecast`` and ``callcenter backtest`` (话务预测 / 预测回测)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from callcenter.calendars import Calendar, CalendarGapError, load_special_days
from callcenter.errors import ConfigError, InputError
from callcenter.timegrid import grain_minutes

console = Console()

HistoryOpt = Annotated[Path, typer.Option("--history", help="CSV/Parquet with a timestamp and a count column")]
TimeColOpt = Annotated[str | None, typer.Option("--time-col", help="timestamp column (detected if omitted)")]
ValueColOpt = Annotated[str | None, typer.Option("--value-col", help="count column (detected if omitted)")]
GrainOpt = Annotated[str, typer.Option("--grain", help="interval: 15m, 30m or 60m")]
CountryOpt = Annotated[
    str | None,
    typer.Option("--country", help="holiday calendar: CN (default), IL, US, NYSE, … or 'none'"),
]
SpecialOpt = Annotated[
    Path | None, typer.Option("--special-days", help="CSV/YAML of special days, campaigns, declared years")
]
GapOpt = Annotated[
    str, typer.Option("--gap-policy", help="year with no official holiday data: error | estimate")
]
FormatOpt = Annotated[str, typer.Option("--format", help="table | csv | json | xlsx")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="write to this file")]
WindowOpt = Annotated[int, typer.Option("--window-weeks", help="training window, weeks")]


def parse_days(text: str) -> int:
    """'14d' -> 14, '2w' -> 14, '10' -> 10."""
    m = re.fullmatch(r"\s*(\d+)\s*([dw]?)\s*", text.lower())
    if not m or int(m.group(1)) < 1:
        raise ConfigError(f"cannot read horizon {text!r}", hint="write e.g. 14d or 2w")
    return int(m.group(1)) * (7 if m.group(2) == "w" else 1)


def _minutes(grain: str) -> int:
    try:
        m = grain_minutes(grain)
    except ValueError as e:
        raise ConfigError(str(e), hint="use 15m, 30m or 60m") from None
    if m is None or 1440 % m:
        raise ConfigError(f"grain {grain!r} is not an intraday interval", hint="use 15m, 30m or 60m")
    return m


def _calendar(country: str | None, special: Path | None, gap_policy: str) -> Calendar | None:
    sp = load_special_days(special) if special else None
    if country is not None and country.lower() == "none":
        return Calendar(None, special=sp, gap_policy=gap_policy) if sp else None
    return Calendar(country or "CN", special=sp, gap_policy=gap_policy)


def _grid(history: Path, time_col: str | None, value_col: str | None, minutes: int) -> Any:
    from callcenter.forecast.series import grid_from_long, load_history

    return grid_from_long(load_history(history, time_col=time_col, value_col=value_col, minutes=minutes), minutes=minutes)


def write_table(table: pa.Table, fmt: str, output: Path | None, title: str) -> None:
    """Write ``table`` as CSV / JSON / XLSX (to ``output`` or stdout) or print it."""
    fmt = fmt.lower()
    rows = table.to_pylist()
    if fmt == "table":
        t = Table(title=title)
        for c in table.column_names:
            t.add_column(c, overflow="fold")
        for r in rows:
            t.add_row(*[_fmt(v) for v in r.values()])
        console.print(t)
        return
    if fmt == "csv":
        import pyarrow.csv as pcsv

        if output:
            pcsv.write_csv(table, output)
        else:
            import io

            buf = io.BytesIO()
            pcsv.write_csv(table, buf)
            typer.echo(buf.getvalue().decode())
        return
    if fmt == "json":
        text = json.dumps(rows, default=str, ensure_ascii=False, indent=1)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            typer.echo(text)
        return
    if fmt == "xlsx":
        if output is None:
            raise ConfigError("--format xlsx needs --output FILE.xlsx", hint="add -o forecast.xlsx")
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = title[:31]
        ws.append(table.column_names)
        for r in rows:
            ws.append([v for v in r.values()])
        wb.save(output)
        return
    raise ConfigError(f"unknown format {fmt!r}", hint="use table, csv, json or xlsx")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "" if v != v else f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return str(v)


def register(app: typer.Typer) -> None:
    @app.command("forecast")
    def forecast_cmd(
        history: HistoryOpt,
        horizon: Annotated[str, typer.Option("--horizon", help="days ahead, e.g. 14d or 2w")] = "14d",
        grain: GrainOpt = "30m",
        model: Annotated[str, typer.Option("--model", help="day_profile (default), auto, a baseline, mstl, autoets, autoarima")] = "day_profile",
        level: Annotated[float, typer.Option("--level", help="prediction interval level")] = 0.8,
        country: CountryOpt = None,
        special_days: SpecialOpt = None,
        gap_policy: GapOpt = "error",
        time_col: TimeColOpt = None,
        value_col: ValueColOpt = None,
        window_weeks: WindowOpt = 26,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
    ) -> None:
        """Forecast volume per interval with prediction intervals (话务预测)."""
        from callcenter.forecast import accuracy
        from callcenter.forecast.models import forecast, model_names, next_month_peak_coefficient

        if model not in model_names():
            raise ConfigError(f"unknown model {model!r}", hint="choose one of " + ", ".join(model_names()))
        minutes = _minutes(grain)
        days = parse_days(horizon)
        cal = _calendar(country, special_days, gap_policy)
        grid = _grid(history, time_col, value_col, minutes)
        fc = forecast(grid, days=days, model=model, calendar=cal, window_weeks=window_weeks, level=level)
        if fmt == "table":
            daily = fc.daily_totals()
            kinds = cal.infos(fc.days) if cal else None
            t = pa.table(
                {
                    "day 日期": [d.isoformat() for d in fc.days],
                    "weekday 星期": [d.strftime("%a") for d in fc.days],
                    "kind 日类型": [k.kind.value + (f" ({k.label})" if k.label else "") for k in kinds] if kinds else [""] * len(fc.days),
                    "forecast 预测量": daily,
                }
            )
            write_table(t, "table", None, f"Forecast 话务预测 — {fc.model}, {grid.series_id}")
            peak = accuracy.peak_day_coefficient(daily)
            console.print(
                f"peak-day coefficient 忙日波动系数 over the horizon: {peak:.2f}; "
                f"{int(level * 100)} % intervals per interval in --format csv/json/xlsx"
            )
            try:
                month, nxt = next_month_peak_coefficient(grid, model=model, calendar=cal)
                console.print(f"next month ({month:%Y-%m}) peak-day coefficient 下月忙日波动系数: {nxt:.2f} (target ≤ 1.5)")
            except CalendarGapError as e:
                console.print(f"next month's peak-day coefficient not computed: {e.message}")
            if output:
                write_table(fc.to_table(), "csv", output, "forecast")
            return
        write_table(fc.to_table(), fmt, output, "forecast")

    @app.command("backtest")
    def backtest_cmd(
        history: HistoryOpt,
        horizon: Annotated[str, typer.Option("--horizon", help="forecast horizon per origin")] = "7d",
        grain: GrainOpt = "30m",
        models: Annotated[str, typer.Option("--models", help="comma-separated; default: baselines + day_profile")] = "",
        slow: Annotated[bool, typer.Option("--slow", help="also run mstl, autoets, autoarima (minutes)")] = False,
        min_train_weeks: Annotated[int, typer.Option("--min-train-weeks", help="history before the first origin")] = 8,
        max_origins: Annotated[int | None, typer.Option("--max-origins", help="thin to at most N origins")] = None,
        country: CountryOpt = None,
        special_days: SpecialOpt = None,
        gap_policy: GapOpt = "error",
        time_col: TimeColOpt = None,
        value_col: ValueColOpt = None,
        window_weeks: WindowOpt = 26,
        by: Annotated[str, typer.Option("--by", help="model | horizon | weekday | interval")] = "model",
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
    ) -> None:
        """Rolling-origin backtest: accuracy of each model against the baselines (预测回测)."""
        from callcenter.forecast.backtest import BacktestConfig, backtest
        from callcenter.forecast.models import (
            BASELINES,
            DEFAULT_MODEL,
            SLOW_PEERS,
            factories,
            model_names,
        )

        names = [m.strip() for m in models.split(",") if m.strip()] or [*BASELINES, DEFAULT_MODEL]
        if slow:
            names += [m for m in SLOW_PEERS if m not in names]
        if "seasonal_naive" not in names:
            names.insert(0, "seasonal_naive")  # the reference of relative MAE
        bad = [m for m in names if m not in model_names() or m == "auto"]
        if bad:
            raise ConfigError(f"unknown model(s) {bad}", hint="choose from " + ", ".join(model_names()))
        if by not in ("model", "horizon", "weekday", "interval"):
            raise ConfigError(f"unknown --by {by!r}", hint="model, horizon, weekday or interval")
        minutes = _minutes(grain)
        cal = _calendar(country, special_days, gap_policy)
        grid = _grid(history, time_col, value_col, minutes)
        cfg = BacktestConfig(horizon_days=parse_days(horizon), min_train_weeks=min_train_weeks, max_origins=max_origins)
        res = backtest(grid, factories(names, window_weeks), calendar=cal, config=cfg)
        if by == "model":
            rows = res.summary()
        else:
            target = DEFAULT_MODEL if DEFAULT_MODEL in names else names[-1]
            rows = {"horizon": res.by_horizon, "weekday": res.by_weekday, "interval": res.by_slot}[by](target)
        if not rows:
            raise InputError("the backtest produced no scored cells", hint="check the history covers the origins")
        table = pa.Table.from_pylist(rows)
        write_table(table, fmt, output, f"Backtest 预测回测 ({len(res.origins)} origins)")
        if fmt == "table":
            console.print(
                f"{len(res.origins)} origins {res.origins[0]} … {res.origins[-1]}, horizon {cfg.horizon_days} d, "
                f"window {window_weeks} w; Poisson noise floor 噪声下限 WAPE ≈ {res.noise_floor():.3f}"
            )
