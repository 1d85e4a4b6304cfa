"""A small hand-made set of canonical tables (one centre, two queues, three agents).

Made by hand for this project (no third-party data), small enough that every indicator
can be worked out on paper; tests/test_metrics_engine.py does exactly that. Times are
local wall clock in Asia/Shanghai (UTC+8, no DST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa

from callcenter import schema

_UTC8 = timedelta(hours=8)


def _utc(local: datetime) -> datetime:
    return (local - _UTC8).replace(tzinfo=UTC)


def _call(call_id: str, local: datetime, outcome: str, *, contact: str | None = None, leg: int = 1,
          queue: str | None = "A", **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "call_id": call_id, "contact_id": contact or call_id, "leg": leg, "channel": "voice",
        "direction": "inbound", "centre": "bj", "queue": queue, "offered_at": _utc(local),
        "offered_local": local, "outcome": outcome, "source_file": "sample", "source_line": None,
    }
    row.update(kw)
    return row


def calls_rows() -> list[dict[str, Any]]:
    d = datetime(2024, 3, 4)  # a Monday

    def at(h: int, m: int, s: int = 0) -> datetime:
        return d + timedelta(hours=h, minutes=m, seconds=s)

    return [
        _call("c1", at(8, 5), "answered", wait_seconds=10.0, talk_seconds=100.0, acw_seconds=20.0,
              hold_seconds=10.0, ring_count=2, agent="a1", team="t1", caller_number="111", resolved=True),
        _call("c2", at(8, 10), "transferred", wait_seconds=30.0, talk_seconds=200.0, acw_seconds=40.0,
              ring_seconds=7.0, agent="a2", team="t1", caller_number="222", resolved=False,
              transfer_kind="blind"),
        _call("c3", at(8, 20), "abandoned", wait_seconds=15.0, caller_number="333"),
        _call("c4", at(8, 40), "abandoned", wait_seconds=50.0, caller_number="111"),
        _call("c5", at(9, 10), "answered", talk_seconds=60.0, agent="a1", team="t1", caller_number="444",
              resolved=True),
        _call("c6", at(8, 50), "blocked", caller_number="555"),
        _call("c7", at(8, 15), "ivr_self_served", queue=None, ivr_seconds=40.0),
        _call("c8", at(9, 20), "answered", queue="B", wait_seconds=5.0, talk_seconds=120.0, agent="a3",
              team="t2", ivr_seconds=30.0, caller_number="222"),
        _call("c9", at(10, 5), "timeout", queue="B", wait_seconds=120.0),
        _call("c10", at(8, 30), "answered", direction="outbound", agent="a1", team="t1", talk_seconds=30.0),
        _call("k11a", at(9, 40), "overflowed", contact="k11", wait_seconds=25.0, caller_number="666"),
        _call("k11b", at(9, 40, 25), "answered", contact="k11", leg=2, queue="B", wait_seconds=10.0,
              talk_seconds=90.0, agent="a3", team="t2", caller_number="666"),
        _call("c12", datetime(2024, 3, 5, 8, 0), "answered", wait_seconds=5.0, talk_seconds=50.0,
              agent="a1", team="t1", caller_number="777"),
    ]


def _state(agent: str, state: str, start: datetime, seconds: float) -> dict[str, Any]:
    return {"agent": agent, "team": "t1", "state": state, "start_at": _utc(start), "start_local": start,
            "end_at": _utc(start + timedelta(seconds=seconds)), "seconds": seconds, "source_file": "sample"}


def tables() -> dict[str, pa.Table]:
    """The canonical Arrow tables of the sample."""
    d8 = datetime(2024, 3, 4, 8, 0)
    states = [
        _state("a1", "logged_in", d8, 7200.0),
        _state("a1", "ready", d8, 1800.0),
        _state("a1", "talking", d8 + timedelta(seconds=1800), 3000.0),
        _state("a1", "hold", d8 + timedelta(seconds=4800), 600.0),
        _state("a1", "acw", d8 + timedelta(seconds=5400), 600.0),
        _state("a1", "not_ready", d8 + timedelta(seconds=6000), 1200.0),
        _state("a2", "logged_in", d8, 7200.0),
        _state("a2", "ready", d8, 3600.0),
        _state("a2", "talking", d8 + timedelta(seconds=3600), 1800.0),
        _state("a2", "acw", d8 + timedelta(seconds=5400), 1800.0),
    ]
    u0 = datetime(2024, 3, 4, 0, 0, tzinfo=UTC)  # 08:00 local
    h = timedelta(hours=1)
    schedule = [
        {"agent": "a1", "team": "t1", "date": date(2024, 3, 4), "activity": "phone", "start_at": u0,
         "end_at": u0 + 2 * h, "source_file": "sample"},
        {"agent": "a2", "team": "t1", "date": date(2024, 3, 4), "activity": "phone", "start_at": u0,
         "end_at": u0 + 2 * h, "source_file": "sample"},
        {"agent": "a2", "team": "t1", "date": date(2024, 3, 4), "activity": "break", "start_at": u0 + 2 * h,
         "end_at": u0 + 2.5 * h, "source_file": "sample"},
    ]
    timeclock = [
        {"agent": "a1", "date": date(2024, 3, 4), "scheduled": True, "present": True, "clock_in_at": u0,
         "clock_out_at": u0 + 2.5 * h, "source_file": "sample"},
        {"agent": "a2", "date": date(2024, 3, 4), "scheduled": True, "present": True, "clock_in_at": u0,
         "clock_out_at": u0 + 2 * h, "source_file": "sample"},
        {"agent": "a3", "date": date(2024, 3, 4), "scheduled": True, "present": False,
         "absence_reason": "sick", "source_file": "sample"},
    ]
    qa = [
        {"evaluation_id": "e1", "agent": "a1", "call_id": "c1", "evaluated_at": u0 + 3 * h, "score": 90.0,
         "source_file": "sample"},
        {"evaluation_id": "e2", "agent": "a1", "call_id": "c5", "evaluated_at": u0 + 3 * h, "score": 4.0,
         "max_score": 5.0, "source_file": "sample"},
        {"evaluation_id": "e3", "agent": "a2", "call_id": "c2", "evaluated_at": u0 + 3 * h, "score": 45.0,
         "max_score": 50.0, "source_file": "sample"},
    ]
    surveys = [
        {"survey_id": "s1", "call_id": "c1", "answered_at": u0 + 2 * h, "score": 5.0, "scale_max": 5.0,
         "source_file": "sample"},
        {"survey_id": "s2", "call_id": "c2", "answered_at": u0 + 2 * h, "score": 3.0, "scale_max": 5.0,
         "source_file": "sample"},
        {"survey_id": "s3", "call_id": "c8", "answered_at": u0 + 2 * h, "score": 5.0, "scale_max": 5.0,
         "satisfied": False, "source_file": "sample"},
    ]
    costs = [
        {"period_start": date(2024, 3, 1), "period_end": date(2024, 3, 31), "centre": "bj",
         "category": "staff", "amount": 1000.0, "currency": "CNY", "source_file": "sample"},
        {"period_start": date(2024, 3, 1), "period_end": date(2024, 3, 31), "centre": "bj",
         "category": "telecom", "amount": 500.0, "currency": "CNY", "source_file": "sample"},
    ]
    agents = [
        {"agent": "a1", "team": "t1", "centre": "bj", "role": "agent", "employment": "full_time", "hired_on": date(2023, 1, 1), "source_file": "sample"},
        {"agent": "a2", "team": "t1", "centre": "bj", "role": "agent", "employment": "full_time", "hired_on": date(2023, 6, 1), "source_file": "sample"},
        {"agent": "a3", "team": "t2", "centre": "bj", "role": "agent", "employment": "full_time", "hired_on": date(2024, 3, 10), "source_file": "sample"},
        {"agent": "a4", "role": "agent", "employment": "part_time", "hired_on": date(2023, 1, 1), "source_file": "sample"},
        {"agent": "a5", "role": "agent", "employment": "full_time", "hired_on": date(2022, 1, 1),
         "left_on": date(2024, 3, 20), "source_file": "sample"},
    ]
    events = [
        {"agent": "a3", "event": "join", "date": date(2024, 3, 10), "source_file": "sample"},
        {"agent": "a5", "event": "leave", "date": date(2024, 3, 20), "source_file": "sample"},
    ]
    raw = {
        "calls": calls_rows(), "agent_states": states, "schedule": schedule, "timeclock": timeclock,
        "qa_scores": qa, "surveys": surveys, "costs": costs, "agents": agents, "headcount_events": events,
    }
    return {name: pa.Table.from_pylist(rows, schema=schema.TABLES[name].schema) for name, rows in raw.items()}


def rows() -> dict[str, list[dict[str, Any]]]:
    """The sample as plain row dicts (input of the pure-Python reference)."""
    return {name: t.to_pylist() for name, t in tables().items()}
