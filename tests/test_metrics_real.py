"""Indicators on the real data sets in ../shared/data (see its README for the terms).

Asterisk sample: generated data. Anonymous Bank: Technion SEE Laboratory (Guedj &
Mandelbaum); Brown et al. 2005, JASA 100(469):36–50. Wazo fixtures: GPL-3.0-or-later
© The Wazo Authors — read from ../shared only, never copied into the package.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from callcenter.ingest.anonymous_bank import read_anonymous_bank
from callcenter.ingest.queue_log import read_queue_log
from callcenter.metrics import reference
from callcenter.metrics.backends import tables_on
from callcenter.metrics.engine import compute
from callcenter.metrics.summary import call_summary, sl_column
from callcenter.settings import Settings, SLPolicy


# ----------------------------------------------------------------- Asterisk sample
@pytest.mark.parametrize(
    ("queue", "threshold", "sl", "sl2"),
    [("support", 20, 80.0, 80.0), ("sales", 30, 83.3, 85.7)],  # Asterisk's own `queue show`
)
def test_asterisk_sl_and_sl2_reproduced(shared_data: Path, queue: str, threshold: int, sl: float, sl2: float) -> None:
    s = Settings(timezone="UTC")
    calls = read_queue_log(shared_data / "asterisk_sample" / "queue_log", s).tables["calls"]
    got = {}
    for policy in (SLPolicy.ASTERISK_SL, SLPolicy.ASTERISK_SL2):
        res = compute(tables_on("duckdb", {"calls": calls}), Settings(timezone="UTC", sl_policy=policy,
                      sl_threshold_s=threshold), grain="month", by=["queue"],
                      indicators=["service_level", "answered", "abandoned"])
        (row,) = [r for r in res.rows() if r["queue"] == queue]
        got[policy] = round(row["service_level"], 1)
        assert (row["answered"], row["abandoned"]) == {"support": (20, 5), "sales": (6, 1)}[queue]
    assert (got[SLPolicy.ASTERISK_SL], got[SLPolicy.ASTERISK_SL2]) == (sl, sl2)


# ----------------------------------------------------------------- Anonymous Bank
@pytest.fixture(scope="module")
def bank_january(shared_data: Path):
    s = Settings(timezone="Asia/Jerusalem")
    return s, read_anonymous_bank(shared_data / "anonymous_bank_1999" / "raw" / "january.txt", s).tables["calls"]


@pytest.mark.slow
def test_anonymous_bank_summary_matches_reference(bank_january) -> None:
    s, calls = bank_january
    res = call_summary(tables_on("duckdb", {"calls": calls}), s, grain="month", by=["call_type"])
    assert res.definitions["service level"] == "answered within T ÷ offered, T = 20, 30, 60 s"
    rows = {r["call_type"]: r for r in res.rows()}
    assert {"PS", "NW", "NE", "TT", "PE", "IN"} <= set(rows)
    # the same figures from the pure-Python reference (plain loops over the 31,359 rows)
    plain = calls.to_pylist()
    inds = ["offered", "answered", "abandoned", "abandoned_short", "abandon_rate_all", "abandon_rate",
            "asa", "avg_abandon_time", "avg_talk_time", "service_level"]
    for t in (20, 30, 60):
        ref = reference.compute({"calls": plain}, s.model_copy(update={"sl_threshold_s": float(t)}),
                                grain="month", by=["call_type"], indicators=inds, fill=False)
        for (period, ct), want in ref.items():
            assert period == datetime(1999, 1, 1)
            got = rows[ct]
            assert math.isclose(got[sl_column(t)] or 0, want["service_level"] or 0, rel_tol=1e-12)
            for k in inds[:-1]:
                assert (got[k] is None and want[k] is None) or math.isclose(got[k], want[k], rel_tol=1e-12), (ct, k)
    ps = rows["PS"]  # regular service: sanity of the shape of the figures
    assert ps["offered"] == ps["answered"] + ps["abandoned"]
    assert ps[sl_column(20)] < ps[sl_column(30)] < ps[sl_column(60)]
    assert ps["abandon_rate"] < ps["abandon_rate_all"]


# ----------------------------------------------------------------- Wazo fixtures
def _scenario(shared_data: Path, tmp_path: Path, sid: str) -> Path:
    src = shared_data / "wazo_statcenter" / "queue_log_fixtures.csv"
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    p = tmp_path / (sid.replace("#", "_") + ".csv")
    with open(p, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([rows[0], *[r for r in rows[1:] if r[1] == sid]])
    return p


def _hourly(shared_data: Path, tmp_path: Path, sid: str, queue: str, day: datetime, hours: int = 4) -> list[dict]:
    s = Settings(sl_policy=SLPolicy.ANSWERED)  # Wazo's QoS: answered within the threshold ÷ answered
    calls = read_queue_log(_scenario(shared_data, tmp_path, sid), s).tables["calls"]
    res = compute(tables_on("duckdb", {"calls": calls}), s, grain="60m", by=["queue"],
                  start=day.replace(hour=8), end=day.replace(hour=8 + hours),
                  indicators=["total_calls", "answered", "abandoned", "avg_queue_time", "answered_rate",
                              "service_level"])
    return [r for r in res.rows() if r["queue"] == queue]


def _awt(v: float | None) -> str:
    """Wazo prints the average wait as HH:MM:SS, truncated to the second."""
    return "" if v is None else f"00:00:{int(v):02d}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.0f} %"


# expected_stats.md, per hour 8h-9h .. 11h-12h: Received, Answered, Abandoned, AWT, Answered rate, QoS
WAZO = {
    "statcenter_queue#2": [(3, 0, 3, "00:00:03", "0 %", ""), (2, 0, 2, "00:00:03", "0 %", ""),
                           (0, 0, 0, "", "", ""), (0, 0, 0, "", "", "")],
    "statcenter_queue#3": [(3, 3, 0, "00:00:03", "100 %", "100 %"), (2, 2, 0, "00:00:03", "100 %", "100 %"),
                           (0, 0, 0, "", "", ""), (0, 0, 0, "", "", "")],
}


@pytest.mark.parametrize("sid", sorted(WAZO))
def test_wazo_received_answered_abandoned_awt_qos(shared_data: Path, tmp_path: Path, sid: str) -> None:
    rows = _hourly(shared_data, tmp_path, sid, "q01", datetime(2012, 7, 1))
    got = [(r["total_calls"], r["answered"], r["abandoned"], _awt(r["avg_queue_time"]),
            _pct(r["answered_rate"]), _pct(r["service_level"])) for r in rows]
    assert got == WAZO[sid]


@pytest.mark.parametrize(
    ("sid", "queue", "day", "expected"),
    [
        # (Received, Answered, Answered rate) per hour 8h..11h; closed calls count as received,
        # never as offered to the queue (Wazo's answered rate leaves them out: 4 / (9 - 1) = 50 %)
        ("statcenter_queue#7", "q01", datetime(2012, 7, 1), [(0, 0, ""), (0, 0, ""), (0, 0, ""), (9, 4, "50 %")]),
        ("statcenter_queue#8", "q01", datetime(2012, 7, 1), [(0, 0, ""), (0, 0, ""), (0, 0, ""), (1, 0, "")]),
        ("statcenter_queue#9", "q01", datetime(2012, 7, 1), [(0, 0, ""), (0, 0, ""), (0, 0, ""), (1, 1, "100 %")]),
        ("statcenter_queue#1", "q01", datetime(2013, 11, 8), [(0, 0, ""), (1, 1, "100 %"), (0, 0, ""), (0, 0, "")]),
        ("statcenter_queue#1", "q02", datetime(2013, 11, 8), [(0, 0, ""), (0, 0, ""), (1, 1, "100 %"), (0, 0, "")]),
    ],
)
def test_wazo_answered_rate(shared_data: Path, tmp_path: Path, sid: str, queue: str, day: datetime, expected) -> None:
    rows = _hourly(shared_data, tmp_path, sid, queue, day)
    assert [(r["total_calls"], r["answered"], _pct(r["answered_rate"])) for r in rows] == expected


def test_wazo_first_week_of_2014_daily(shared_data: Path, tmp_path: Path) -> None:
    s = Settings()
    calls = read_queue_log(_scenario(shared_data, tmp_path, "statcenter_queue#10"), s).tables["calls"]
    res = compute(tables_on("duckdb", {"calls": calls}), s, grain="day", by=["queue"],
                  start=datetime(2013, 12, 30), end=datetime(2014, 1, 6),
                  indicators=["total_calls", "answered", "answered_rate"])
    rows = [r for r in res.rows() if r["queue"] == "q01"]
    assert [r["total_calls"] for r in rows] == [1, 0, 1, 0, 0, 0, 0]  # Monday 30 .. Sunday 5
    assert [r["answered"] for r in rows] == [0] * 7
    assert all(r["answered_rate"] is None for r in rows)  # every call closed: no rate, as Wazo
    week = compute(tables_on("duckdb", {"calls": calls}), s, grain="week", by=["queue"],
                   start=datetime(2013, 12, 30), end=datetime(2014, 1, 6), indicators=["total_calls"])
    assert [(r["period"], r["total_calls"]) for r in week.rows() if r["queue"] == "q01"] == [(datetime(2013, 12, 30), 2)]


@pytest.mark.parametrize(
    ("sid", "agent", "day", "answered", "conversation_s"),
    [("statcenter_agent#1", "Agent/1", datetime(2012, 7, 1), [1, 1, 1, 0], None),
     ("statcenter_agent#2", "Agent/2", datetime(2012, 1, 1), [0, 6, 0, 0], 60.0)],
)
def test_wazo_agent_answered_and_conversation(shared_data: Path, tmp_path: Path, sid, agent, day, answered,
                                              conversation_s) -> None:
    s = Settings()
    calls = read_queue_log(_scenario(shared_data, tmp_path, sid), s).tables["calls"]
    res = compute(tables_on("duckdb", {"calls": calls}), s, grain="60m", by=["agent"],
                  start=day.replace(hour=8), end=day.replace(hour=12), indicators=["answered", "avg_talk_time"])
    rows = [r for r in res.rows() if r["agent"] == agent]
    assert [r["answered"] for r in rows] == answered
    if conversation_s is not None:
        total: dict[datetime, float] = defaultdict(float)
        for r in rows:
            if r["answered"]:
                total[r["period"]] += r["answered"] * r["avg_talk_time"]
        assert sum(total.values()) == pytest.approx(conversation_s)
