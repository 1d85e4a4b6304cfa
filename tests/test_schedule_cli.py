"""`callcenter schedule` through Typer's CliRunner on a fresh app."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from callcenter.cli import schedule as schedule_cli
from callcenter.schedule.agents import synthetic_agents
from callcenter.schedule.checker import check_schedule
from callcenter.schedule.requirements import month_days, synthetic_requirements
from callcenter.schema import SCHEDULE


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """test root"""

    schedule_cli.register(app)
    return app


def _inputs(tmp: Path) -> tuple[Path, Path, list]:  # type: ignore[type-arg]
    first, days = month_days("2027-02")
    req = synthetic_requirements(first, days, peak=5, seed=5)
    rp = tmp / "req.csv"
    with rp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["interval_start", "required"])
        for t, r in zip(req.interval_starts(), req.required, strict=True):
            w.writerow([t.strftime("%Y-%m-%d %H:%M:%S"), int(r)])
    agents = synthetic_agents(20, 5, month_first_day=first, days=days, seed=5)
    ap = tmp / "agents.yaml"
    import yaml

    ap.write_text(yaml.safe_dump({"agents": [a.model_dump(mode="json") for a in agents]}, allow_unicode=True))
    return rp, ap, agents


@pytest.mark.slow
def test_cli_writes_roster_xlsx_and_schedule_parquet(tmp_path: Path) -> None:
    rp, ap, agents = _inputs(tmp_path)
    out, pqf = tmp_path / "roster.xlsx", tmp_path / "schedule.parquet"
    res = CliRunner().invoke(_app(), ["schedule", "--requirements", str(rp), "--agents", str(ap),
                                      "--month", "2027-02", "--output", str(out), "--parquet", str(pqf),
                                      "--time-limit", "20"])
    assert res.exit_code == 0, res.output + str(res.exception)
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["roster", "coverage", "problems"]
    assert wb["roster"].max_row == 1 + len(agents)
    table = pq.read_table(pqf)
    assert table.schema.equals(SCHEDULE.schema)
    first, days = month_days("2027-02")
    rep = check_schedule(table, agents, first_day=first, days=days, zone="Asia/Shanghai")
    assert rep.ok, [str(v) for v in rep.violations[:5]]


def test_cli_bad_month_is_a_clear_error(tmp_path: Path) -> None:
    rp, ap, _ = _inputs(tmp_path)
    res = CliRunner().invoke(_app(), ["schedule", "--requirements", str(rp), "--agents", str(ap),
                                      "--month", "2027-13"])
    assert res.exit_code != 0
    assert "YYYY-MM" in str(res.exception)


@pytest.mark.slow
def test_cli_publish_then_resolve_keeps_frozen_days(tmp_path: Path) -> None:
    rp, ap, agents = _inputs(tmp_path)
    pub = tmp_path / "published.parquet"
    args = ["schedule", "--requirements", str(rp), "--agents", str(ap), "--month", "2027-02",
            "--time-limit", "20"]
    res = CliRunner().invoke(_app(), [*args, "--output", str(tmp_path / "a.xlsx"), "--parquet", str(pub),
                                      "--publish"])
    assert res.exit_code == 0, res.output + str(res.exception)
    first = pq.read_table(pub)
    assert all(first.column("published").to_pylist())
    # one agent leaves: drop them from the agents file and re-solve from the 10th
    import yaml

    leaver = agents[0].agent
    kept = [a for a in agents if a.agent != leaver]
    ap2 = tmp_path / "agents2.yaml"
    ap2.write_text(yaml.safe_dump({"agents": [a.model_dump(mode="json") for a in kept]}))
    again = tmp_path / "again.parquet"
    res = CliRunner().invoke(_app(), ["schedule", "--requirements", str(rp), "--agents", str(ap2),
                                      "--month", "2027-02", "--time-limit", "20",
                                      "--output", str(tmp_path / "b.xlsx"), "--parquet", str(again),
                                      "--previous", str(pub), "--freeze-until", "2027-02-10"])
    assert res.exit_code == 0, res.output + str(res.exception)
    t2 = pq.read_table(again)
    assert leaver not in set(t2.column("agent").to_pylist())

    def shifts(t, keep):  # type: ignore[no-untyped-def]
        return {(r["agent"], r["date"], r["shift"]) for r in t.select(["agent", "date", "shift"]).to_pylist()
                if keep(r)}

    from datetime import date as _d

    early = lambda r: r["date"] < _d(2027, 2, 10) and r["agent"] != leaver  # noqa: E731
    assert shifts(t2, early) == shifts(first, early)
    first_day, days = month_days("2027-02")
    req = synthetic_requirements(first_day, days, peak=5, seed=5)
    rep = check_schedule(t2, kept, first_day=first_day, days=days, zone="Asia/Shanghai", required=req.required)
    labour = {k: v for k, v in rep.by_rule().items() if k != "team leader ratio"}
    assert labour == {}
    # the leaver's shifts after the freeze are re-filled by others (a 20-agent pool has room);
    # before the freeze they stay frozen, so only those days may be short
    late_req = req.required.copy()
    late_req[: 9 * 48] = 0  # count from 2027-02-10 00:00

    def late_short(t, who):  # type: ignore[no-untyped-def]
        return check_schedule(t, who, first_day=first_day, days=days, zone="Asia/Shanghai",
                              required=late_req).stats["understaffed_intervals"]

    import pyarrow.compute as pc

    without = first.filter(pc.not_equal(first.column("agent"), leaver))
    gap_left = late_short(without, kept)  # had nobody re-filled the leaver's shifts
    assert gap_left > 0
    # the re-solve must re-fill some of the gap; how much depends on the solver's time budget,
    # which a loaded CI machine shrinks, so only a strict improvement is asserted here
    assert late_short(t2, kept) < late_short(first, agents) + gap_left, res.output
