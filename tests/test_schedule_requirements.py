"""Requirements: reading, validation, inflation; agents files; package boundaries."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callcenter.errors import ConfigError, FormatError, InputError, ModelError
from callcenter.schedule.agents import read_agents
from callcenter.schedule.requirements import (
    inflate,
    month_days,
    read_requirements,
    requirements_from_table,
    synthetic_requirements,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "schedule"


def test_inflate_formula() -> None:
    # 100 / (0.965 × 0.9) = 115.14 -> 116
    assert inflate(np.array([100.0, 0.0, 10.0]), 0.965, 0.1).tolist() == [116, 0, 12]
    assert inflate(np.array([3.0]), 1.0, 0.0).tolist() == [3]  # no float noise rounding up
    with pytest.raises(ModelError):
        inflate(np.array([1.0]), 0.0, 0.1)


def test_example_csv_and_parquet_round_trip(tmp_path: Path) -> None:
    req = read_requirements(EXAMPLES / "requirements.csv")
    first, days = month_days("2026-12")
    assert req.first_day == first and req.days == days and req.interval_min == 30
    p = tmp_path / "r.parquet"
    pq.write_table(req.to_table(), p)
    back = read_requirements(p)
    assert np.array_equal(back.required, req.required)
    week = req.day_slice(date(2026, 12, 7), 7)
    assert len(week.required) == 336
    with pytest.raises(InputError):
        req.day_slice(date(2026, 12, 30), 7)


def test_gaps_and_partial_days_rejected() -> None:
    req = synthetic_requirements(date(2026, 12, 1), 1, peak=10)
    t = req.to_table()
    with pytest.raises(FormatError, match="gaps"):
        requirements_from_table(pa.concat_tables([t.slice(0, 10), t.slice(11)]))
    with pytest.raises(FormatError, match="whole local days"):
        requirements_from_table(t.slice(1))
    with pytest.raises(FormatError, match="required"):
        requirements_from_table(t.rename_columns(["interval_start", "calls"]))


def test_synthetic_curve_is_double_peaked_and_seeded() -> None:
    a = synthetic_requirements(date(2026, 11, 30), 7, peak=120, seed=7)
    b = synthetic_requirements(date(2026, 11, 30), 7, peak=120, seed=7)
    assert np.array_equal(a.required, b.required)
    monday = a.required[:48]
    assert monday[19:22].max() > monday[25:27].max()  # 10:00 peak above the lunch dip
    assert monday[29:32].max() > monday[25:27].max()  # 15:00 second peak
    saturday = a.required[5 * 48 : 6 * 48]
    assert saturday.max() < monday.max()


def test_read_agents_example_and_errors(tmp_path: Path) -> None:
    agents = read_agents(EXAMPLES / "agents.csv")
    assert sum(a.role == "team_leader" for a in agents) == 6
    assert any(a.unavailable for a in agents) and any(a.day_off_requests for a in agents)
    bad = tmp_path / "a.csv"
    bad.write_text("agent,contract_hours\nX,200\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_agents(bad)
    assert "a.csv:2" in e.value.message
    dup = tmp_path / "d.csv"
    dup.write_text("agent\nX\nX\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="duplicate"):
        read_agents(dup)


def test_schedule_package_imports_no_front_end_or_warehouse() -> None:
    code = ("import sys, callcenter.schedule.roster, callcenter.schedule.output, callcenter.schedule.checker;"
            "bad=[m for m in ('duckdb','ibis','fastapi','typer','callcenter.warehouse','callcenter.cli') "
            "if m in sys.modules]; print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_checker_is_independent_of_the_solver() -> None:
    src = (Path(__file__).resolve().parents[1] / "src/callcenter/schedule/checker.py").read_text(encoding="utf-8")
    for mod in ("schedule.roster", "schedule.shifts", "schedule.coverage", "ortools", "scipy"):
        assert mod not in src
