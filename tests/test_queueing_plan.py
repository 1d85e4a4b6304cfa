"""Staffing plan (interval method and Unicom formula) and the `erlang` / `staff` commands."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from callcenter.cli.queueing import parse_interval, parse_sl, register
from callcenter.errors import InputError, ModelError
from callcenter.queueing import Targets
from callcenter.queueing.plan import PlanParameters, staffing_plan, staffing_plan_from_table

STARTS = np.array(["2026-03-02T08:00", "2026-03-02T08:30", "2026-03-02T09:00"], dtype="datetime64[us]")


def test_plan_hand_worked() -> None:
    """100, 150, 0 calls per 30 min at AHT 180 s, 80/20, shrinkage 30 %, attendance 97.5 %."""
    plan = staffing_plan([100.0, 150.0, 0.0], 180.0, interval_start=STARTS)
    t = plan.intervals
    assert t.column("traffic_erlangs").to_pylist() == [10.0, 15.0, 0.0]
    # Erlang C minimum for 80/20: 14 (Call Centre Helper example) and 19; closed → 0
    assert t.column("agents_required").to_pylist() == [14, 19, 0]
    # ceil(14 / 0.7) = 20, ceil(19 / 0.7) = ceil(27.14) = 28
    assert t.column("agents_scheduled").to_pylist() == [20, 28, 0]
    s = plan.summary
    assert s["span_days"] == 1
    assert s["agent_hours_required"] == pytest.approx((14 + 19) * 0.5)
    hours_per_day = 167.0 / (365.25 / 12)  # paid hours per agent in one day
    assert s["headcount_interval_method"] == pytest.approx(16.5 / 0.7 / (0.975 * hours_per_day))
    assert s["headcount_interval_method"] == pytest.approx(4.4063, abs=1e-4)
    # Unicom: (monthly calls × AHT h × answer rate) ÷ (167 h × attendance × utilisation)
    monthly_calls = 250 * (365.25 / 12)
    unicom = monthly_calls * 0.05 * 0.9 / (167 * 0.975 * 0.73)
    assert s["headcount_unicom_formula"] == pytest.approx(unicom)
    assert s["headcount_unicom_formula"] == pytest.approx(2.8808, abs=1e-4)
    assert s["team_leaders"] == 1
    assert s["team_leaders_range_15_to_10"] == [1, 1]
    assert s["model"] == "erlang_c"


def test_plan_erlang_a_min_agents_and_month_scale() -> None:
    starts = np.arange(np.datetime64("2026-03-01T00:00"), np.datetime64("2026-03-31T00:00"),
                       np.timedelta64(30, "m")).astype("datetime64[us]")
    rng = np.random.default_rng(3)
    calls = rng.poisson(80, size=starts.size).astype(float)
    calls[:10] = 0.0
    params = PlanParameters(patience_s=120.0, min_agents=2, agents_per_leader=10)
    plan = staffing_plan(calls, 200.0, params, interval_start=starts)
    req = np.asarray(plan.intervals.column("agents_required"))
    assert (req[:10] == 2).all()  # floor applied where the line is quiet
    assert plan.summary["span_days"] == 30
    assert plan.summary["model"] == "erlang_a"
    hc = plan.summary["headcount_interval_method"]
    assert plan.summary["team_leaders"] == math.ceil(hc / 10)
    assert (np.asarray(plan.intervals.column("service_level"))[10:] >= 0.8).all()


def test_plan_from_table_uses_forecast_column_and_file_aht() -> None:
    table = pa.table({"interval_start": pa.array(STARTS), "forecast": [100, 150, 0],
                      "aht_s": [180.0, None, 180.0]})
    plan = staffing_plan_from_table(table, aht_s=180.0)
    assert plan.intervals.column("agents_required").to_pylist() == [14, 19, 0]
    with pytest.raises(ModelError, match="aht_s is empty") as e:
        staffing_plan_from_table(table)
    assert e.value.where == "row 2"


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pa.table({"interval_start": pa.array(STARTS), "volume": [1, 2, 3]}), "calls"),
        (pa.table({"calls": [1, 2, 3]}), "interval_start"),
        (pa.table({"interval_start": pa.array(STARTS), "calls": [1.0, -2.0, 3.0]}), "calls"),
        (pa.table({"interval_start": pa.array(STARTS), "calls": [1.0, None, 3.0]}), "empty"),
        (pa.table({"interval_start": pa.array(np.array([STARTS[0]] * 3)), "calls": [1, 2, 3]}),
         "appears 3 times"),
    ],
)
def test_plan_refuses_bad_forecasts(table: pa.Table, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        staffing_plan_from_table(table, aht_s=180.0)


@pytest.mark.parametrize("kwargs", [{"shrinkage": 1.0}, {"attendance": 0.0},
                                    {"agents_per_leader": 0.5}, {"interval_minutes": 7}])
def test_plan_parameters_validated(kwargs: dict[str, float]) -> None:
    with pytest.raises(ModelError):
        PlanParameters(**kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test group"""

    register(app)
    return app


def test_parse_helpers() -> None:
    assert parse_sl("80/20") == (0.8, 20.0)
    assert parse_sl("90%/15s") == (0.9, 15.0)
    assert parse_interval("30m") == 30 and parse_interval("1h") == 60 and parse_interval("15") == 15
    for bad in ("80", "120/20", "a/b"):
        with pytest.raises(ModelError):
            parse_sl(bad)
    with pytest.raises(ModelError):
        parse_interval("7m")


def test_cli_erlang_json_side_by_side() -> None:
    r = CliRunner().invoke(_app(), ["erlang", "--calls", "100", "--interval", "30m", "--aht", "180",
                                    "--sl", "80/20", "--patience", "180", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["traffic_erlangs"] == 10.0
    assert doc["models"]["erlang_c"]["agents"] == 14
    assert doc["models"]["erlang_c"]["with_one_agent_less"]["service_level"] < 0.8
    a = doc["models"]["erlang_a"]
    assert a["agents"] == 12 and a["service_level"] >= 0.8
    assert a["with_one_agent_less"]["service_level"] < 0.8


def test_cli_erlang_table_and_bad_input() -> None:
    r = CliRunner().invoke(_app(), ["erlang", "--calls", "100", "--aht", "180"])
    assert r.exit_code == 0 and "Erlang C" in r.output and "14" in r.output
    bad = CliRunner().invoke(_app(), ["erlang", "--calls", "100", "--aht", "180", "--sl", "80"])
    assert bad.exit_code != 0 and isinstance(bad.exception, ModelError)
    neg = CliRunner().invoke(_app(), ["erlang", "--calls", "-5", "--aht", "180"])
    assert isinstance(neg.exception, ModelError)


def test_cli_staff_formats(tmp_path: Path) -> None:
    csv = tmp_path / "f.csv"
    csv.write_text("interval_start,calls\n2026-03-02 08:00:00,100\n2026-03-02 08:30:00,150\n"
                   "2026-03-02 09:00:00,0\n", encoding="utf-8")
    runner = CliRunner()
    out_csv = tmp_path / "plan.csv"
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180", "--format", "csv",
                               "--output", str(out_csv)])
    assert r.exit_code == 0, r.output
    assert out_csv.read_text().splitlines()[1].split(",")[4] == "14"
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180", "--format", "json"])
    doc = json.loads(r.output)
    assert [row["agents_required"] for row in doc["intervals"]] == [14, 19, 0]
    assert doc["summary"]["team_leaders"] == 1
    xlsx = tmp_path / "plan.xlsx"
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180", "--format", "xlsx",
                               "--output", str(xlsx)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(xlsx)["plan 计划"]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("agents_scheduled") + 1).value == 20
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180"])
    assert r.exit_code == 0 and "Unicom" in r.output
    pq_path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"interval_start": pa.array(STARTS), "calls": [100, 150, 0],
                             "aht_s": [180.0, 180.0, 180.0]}), pq_path)
    r = runner.invoke(_app(), ["staff", "--forecast", str(pq_path), "--shrinkage", "0.2",
                               "--format", "json"])
    assert [x["agents_scheduled"] for x in json.loads(r.output)["intervals"]] == [18, 24, 0]


def test_cli_staff_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(_app(), ["staff", "--forecast", str(tmp_path / "none.csv"), "--aht", "180"])
    assert isinstance(r.exception, InputError)
    csv = tmp_path / "f.csv"
    csv.write_text("interval_start,calls\n2026-03-02 08:00:00,100\n", encoding="utf-8")
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv)])
    assert isinstance(r.exception, ModelError) and "aht" in str(r.exception)
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180", "--format", "xlsx"])
    assert isinstance(r.exception, ModelError)
    r = runner.invoke(_app(), ["staff", "--forecast", str(csv), "--aht", "180", "--max-abandon", "5"])
    assert isinstance(r.exception, ModelError) and "Erlang A" in str(r.exception)


def test_targets_from_plan_parameters_default() -> None:
    assert PlanParameters().targets == Targets(service_level=0.8, threshold_s=20.0)


def test_queueing_imports_no_database_web_or_cli() -> None:
    """ARCHITECTURE.md: numerical packages never import the warehouse, DuckDB, FastAPI or CLI."""
    import subprocess
    import sys

    code = ("import sys, callcenter.queueing, callcenter.queueing.plan; "
            "bad = [m for m in ('duckdb', 'ibis', 'fastapi', 'typer', 'callcenter.warehouse', "
            "'callcenter.cli') if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
