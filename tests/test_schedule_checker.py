"""The independent checker fires on each broken rule (hand-made schedule tables)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest

from callcenter.schedule.checker import check_schedule
from callcenter.schema import SCHEDULE
from callcenter.timegrid import local_to_utc

ZONE = "Asia/Shanghai"
D0 = date(2026, 12, 1)


def _table(shifts: list[tuple[str, date, int, int, int | None]]) -> pa.Table:
    """(agent, day, start minute, span minutes, meal offset or None) -> schedule rows."""
    rows: dict[str, list] = {k: [] for k in ("agent", "date", "activity", "s", "e")}

    def add(agent: str, day: date, act: str, s: datetime, e: datetime) -> None:
        rows["agent"].append(agent)
        rows["date"].append(day)
        rows["activity"].append(act)
        rows["s"].append(s)
        rows["e"].append(e)

    for agent, day, start, span, meal in shifts:
        t0 = datetime(day.year, day.month, day.day) + timedelta(minutes=start)
        if meal is None:
            add(agent, day, "phone", t0, t0 + timedelta(minutes=span))
        else:
            m0 = t0 + timedelta(minutes=meal)
            add(agent, day, "phone", t0, m0)
            add(agent, day, "meal", m0, m0 + timedelta(minutes=60))
            add(agent, day, "phone", m0 + timedelta(minutes=60), t0 + timedelta(minutes=span))
    n = len(rows["agent"])
    return pa.table({
        "agent": rows["agent"], "team": [None] * n, "date": pa.array(rows["date"], pa.date32()),
        "activity": rows["activity"],
        "start_at": local_to_utc(pa.array(rows["s"], pa.timestamp("us")), ZONE),
        "end_at": local_to_utc(pa.array(rows["e"], pa.timestamp("us")), ZONE),
        "shift": ["x"] * n, "published": [False] * n, "source_file": ["test"] * n, "source_line": list(range(n)),
    }, schema=SCHEDULE.schema)


AGENTS = [
    {"agent": "A", "role": "agent", "contract_hours": 167, "max_overtime_hours": 36, "unavailable": [D0 + timedelta(9)]},
    {"agent": "B", "role": "agent", "contract_hours": 100, "max_overtime_hours": 0, "no_nights": True},
    {"agent": "L", "role": "team_leader", "contract_hours": 167, "max_overtime_hours": 36},
]


def _check(t: pa.Table, **kw):  # type: ignore[no-untyped-def]
    return check_schedule(t, AGENTS, first_day=D0, days=31, zone=ZONE, **kw)


def _day(k: int) -> date:
    return D0 + timedelta(days=k)


def test_clean_roster_passes() -> None:
    shifts = [(n, _day(k), 9 * 60, 540, 240) for n in ("A", "L") for k in (0, 1, 2, 4, 5)]
    rep = _check(_table(shifts))
    assert rep.ok, rep.violations
    assert rep.stats["paid_hours"] == 2 * 5 * 8


def test_rest_between_shifts() -> None:
    # ends 07:00 on day 1, next starts 15:00 on day 1: 8 h rest
    shifts = [("A", _day(0), 22 * 60, 540, 240), ("A", _day(1), 15 * 60, 540, 240),
              ("L", _day(0), 22 * 60, 540, 240), ("L", _day(1), 15 * 60, 540, 240)]
    rep = _check(_table(shifts), leader_span_max=15)
    assert rep.by_rule().get("rest between shifts") == 2


def test_rest_day_and_consecutive_days() -> None:
    shifts = [(n, _day(k), 9 * 60, 540, 240) for n in ("A", "L") for k in range(8)]
    rep = _check(_table(shifts))
    assert rep.by_rule()["rest day"] == 2 * 2  # windows starting day 0 and day 1, two people
    assert rep.by_rule()["consecutive days"] == 2


def test_overtime_cap_and_part_time_contract() -> None:
    # B: part-time, 100 h contract, no overtime: 13 × 8 = 104 h is 4 h over
    days = [k for k in range(31) if k % 7 not in (5, 6)][:13]
    shifts = [("B", _day(k), 9 * 60, 540, 240) for k in days] + [("L", _day(k), 9 * 60, 540, 240) for k in days]
    rep = _check(_table(shifts))
    assert rep.by_rule() == {"overtime": 1}
    assert any(v.agent == "B" for v in rep.violations)


def test_leader_ratio_minute_by_minute() -> None:
    many = [(f"X{i}", _day(0), 9 * 60, 540, 240) for i in range(16)]
    agents = AGENTS + [{"agent": f"X{i}", "role": "agent"} for i in range(16)]
    ok = check_schedule(_table([*many[:15], ("L", _day(0), 9 * 60, 540, 240)]), agents,
                        first_day=D0, days=31, zone=ZONE)
    assert ok.ok, ok.violations
    bad = check_schedule(_table([*many, ("L", _day(0), 9 * 60, 540, 240)]), agents,
                         first_day=D0, days=31, zone=ZONE)
    assert bad.by_rule() == {"team leader ratio": 1}
    # a leader leaving an hour early leaves 15 agents alone for that hour
    late = check_schedule(_table([*many[:15], ("L", _day(0), 9 * 60, 480, 240)]), agents,
                          first_day=D0, days=31, zone=ZONE)
    assert late.by_rule() == {"team leader ratio": 1}


def test_availability_no_nights_and_overlap() -> None:
    shifts = [("A", _day(9), 9 * 60, 540, 240), ("L", _day(9), 9 * 60, 540, 240),
              ("B", _day(3), 23 * 60, 300, None), ("L", _day(3), 23 * 60, 540, 240)]
    rep = _check(_table(shifts))
    assert rep.by_rule() == {"availability": 1, "no nights": 1}
    t = _table([("A", _day(1), 9 * 60, 540, 240), ("L", _day(1), 9 * 60, 540, 240)])
    dup = pa.concat_tables([t, t.slice(0, 1)])
    assert "overlap" in _check(dup).by_rule()


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_understaffed_count_uses_local_time(zone: str) -> None:
    import numpy as np

    t = _table([("A", _day(0), 9 * 60, 540, 240), ("L", _day(0), 9 * 60, 540, 240)])
    if zone != ZONE:  # rebuild in the other zone so local 09:00 is still 09:00
        t = t.set_column(4, "start_at", local_to_utc(pa.array([
            datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 13), datetime(2026, 12, 1, 14)] * 2,
            pa.timestamp("us")), zone))
        t = t.set_column(5, "end_at", local_to_utc(pa.array([
            datetime(2026, 12, 1, 13), datetime(2026, 12, 1, 14), datetime(2026, 12, 1, 18)] * 2,
            pa.timestamp("us")), zone))
    req = np.zeros(31 * 48)
    req[18:36] = 1  # 09:00-18:00 one agent
    rep = check_schedule(t, AGENTS, first_day=D0, days=31, zone=zone, required=req)
    assert rep.stats["understaffed_intervals"] == 2  # the 13:00-14:00 meal
