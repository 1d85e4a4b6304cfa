"""The forecast and backtest commands on a fresh Typer app."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from callcenter.cli.forecast import parse_days, register
from callcenter.errors import ConfigError, InputError


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test group"""

    register(app)
    return app


def history(tmp_path: Path, weeks: int = 10) -> Path:
    """Half-hourly counts 08:00–12:00 on every day from Monday 2 March 2026 (Poisson, seeded)."""
    rng = np.random.default_rng(11)
    start = datetime(2026, 3, 2)
    lines = ["interval_start,calls"]
    for d in range(7 * weeks):
        for s in range(16, 24):
            t = start + timedelta(days=d, minutes=30 * s)
            lines.append(f"{t:%Y-%m-%d %H:%M:%S},{rng.poisson(40 if t.weekday() < 5 else 10)}")
    f = tmp_path / "history.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def test_forecast_csv_has_every_open_interval(tmp_path: Path) -> None:
    out = tmp_path / "fc.csv"
    r = CliRunner().invoke(
        make_app(), ["forecast", "--history", str(history(tmp_path)), "--horizon", "3d", "--format", "csv", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    rows = out.read_text().strip().splitlines()
    assert rows[0].replace('"', "") == "series_id,interval_start,forecast,lower,upper"
    assert len(rows) - 1 == 3 * 8  # three days × eight open half-hours
    first = rows[1].split(",")
    assert first[1].startswith("2026-05-11 08:00")  # the day after the history


def test_forecast_table_json_and_xlsx(tmp_path: Path) -> None:
    h = str(history(tmp_path))
    r = CliRunner().invoke(make_app(), ["forecast", "--history", h, "--horizon", "1w"])
    assert r.exit_code == 0, r.output
    assert "2026-05-11" in r.output
    assert "next month (2026-06) peak-day coefficient" in r.output
    r = CliRunner().invoke(make_app(), ["forecast", "--history", h, "--horizon", "1d", "--format", "json"])
    assert r.exit_code == 0
    recs = json.loads(r.output)
    assert len(recs) == 8 and all(x["lower"] <= x["upper"] for x in recs)
    x = tmp_path / "fc.xlsx"
    r = CliRunner().invoke(make_app(), ["forecast", "--history", h, "--horizon", "2d", "--format", "xlsx", "-o", str(x)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(x).active
    assert ws.max_row == 1 + 16


def test_backtest_table_and_breakdown(tmp_path: Path) -> None:
    h = str(history(tmp_path))
    r = CliRunner().invoke(make_app(), ["backtest", "--history", h, "--min-train-weeks", "6", "--country", "none"])
    assert r.exit_code == 0, r.output
    assert "4 origins" in r.output and "WAPE" in r.output
    r = CliRunner().invoke(
        make_app(), ["backtest", "--history", h, "--min-train-weeks", "6", "--format", "csv", "--country", "none"]
    )
    assert r.exit_code == 0, r.output
    models = [line.split(",")[0].strip('"') for line in r.output.strip().splitlines()[1:]]
    assert models == ["seasonal_naive", "hist_avg_4w", "hist_avg_8w", "hist_avg_all", "daily_x_profile_8w", "day_profile"]
    r = CliRunner().invoke(
        make_app(),
        ["backtest", "--history", h, "--min-train-weeks", "6", "--by", "horizon", "--format", "json", "--country", "none"],
    )
    assert r.exit_code == 0, r.output
    assert [x["horizon_day"] for x in json.loads(r.output)] == list(range(1, 8))


@pytest.mark.parametrize(
    ("args", "err"),
    [
        (["forecast", "--history", "MISSING"], InputError),
        (["forecast", "--history", "H", "--horizon", "soon"], ConfigError),
        (["forecast", "--history", "H", "--grain", "day"], ConfigError),
        (["forecast", "--history", "H", "--model", "prophet"], ConfigError),
        (["forecast", "--history", "H", "--format", "xlsx"], ConfigError),
        (["backtest", "--history", "H", "--min-train-weeks", "52"], Exception),
    ],
)
def test_bad_input_fails_with_a_library_error(tmp_path: Path, args: list[str], err: type) -> None:
    h = str(history(tmp_path))
    args = [h if a == "H" else str(tmp_path / "missing.csv") if a == "MISSING" else a for a in args]
    r = CliRunner().invoke(make_app(), args)
    assert r.exit_code != 0
    assert isinstance(r.exception, err)


def test_parse_days() -> None:
    assert parse_days("14d") == 14 and parse_days("2w") == 14 and parse_days("5") == 5
    with pytest.raises(ConfigError):
        parse_days("0d")
