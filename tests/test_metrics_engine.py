"""Indicators on hand-made data: figures worked out by hand, the pure-Python reference,
and the same results from DuckDB, SQLite and Polars (see callcenter/metrics/sample.py)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from callcenter.metrics import reference, sample
from callcenter.metrics.backends import tables_on
from callcenter.metrics.engine import compute
from callcenter.metrics.registry import INDICATORS
from callcenter.settings import Settings, SLPolicy

DAY = datetime(2024, 3, 4)
START, END = datetime(2024, 3, 4), datetime(2024, 3, 6)
ALL = [i.id for i in INDICATORS]


@pytest.fixture(scope="module")
def duck() -> dict:
    return tables_on("duckdb", sample.tables())


def by_key(result, *dims: str) -> dict:
    return {(r["period"], *[r[d] for d in dims]): r for r in result.rows()}


def test_queue_level_figures_worked_by_hand(duck) -> None:
    r = by_key(compute(duck, grain="day", by=["queue"], start=START, end=END), "queue")
    a, b, none = r[(DAY, "A")], r[(DAY, "B")], r[(DAY, "(none)")]
    # queue A: legs c1 c2 c3 c4 c5 c6 k11a; offered = all but the blocked c6
    assert (a["offered"], a["answered"], a["abandoned"], a["abandoned_short"]) == (6, 3, 2, 1)
    assert a["total_calls"] == 7
    assert a["service_level"] == pytest.approx(100 * 2 / 6)  # c1 (10 s), c5 (no wait) within 20 s
    assert a["answered_rate"] == pytest.approx(50.0)
    assert a["abandon_rate"] == pytest.approx(20.0)  # (2 - 1 short) / (6 - 1)
    assert a["abandon_rate_all"] == pytest.approx(100 * 2 / 6)
    assert a["asa"] == pytest.approx(40 / 3)  # (10 + 30 + 0) / 3
    assert a["avg_queue_time"] == pytest.approx(26.0)  # (10+30+15+50+25) / 5 legs that waited
    assert a["queued_rate"] == pytest.approx(100 * 5 / 6)
    assert a["avg_abandon_time"] == pytest.approx(32.5)
    assert a["avg_talk_time"] == pytest.approx(120.0)
    assert a["aht"] == pytest.approx(140.0)  # (120 + 240 + 60) / 3
    assert a["acw_time"] == pytest.approx(30.0)
    assert a["avg_hold_time"] == pytest.approx(10.0)
    assert a["avg_rings"] == pytest.approx(2.5)  # 2 rings, and 7 s / 3 s a ring -> 3
    assert a["fcr"] == pytest.approx(100 * 2 / 3)
    assert a["transfer_rate"] == pytest.approx(100 / 3)
    assert a["blind_transfer_rate"] == pytest.approx(100 / 3)
    assert a["announced_transfer_rate"] == 0.0
    assert a["blocked_rate"] == pytest.approx(100 / 7)
    assert a["ivr_containment"] is None  # nobody in queue A used the IVR: no rate, not 0
    assert a["busy_hour_answer_rate"] == pytest.approx(50.0)  # 8h: 4 offered, 2 answered
    assert a["repeat_call_rate"] == pytest.approx(100 * 2 / 7)  # c1 (then c4), c2 (then c8)
    assert a["attempts_per_caller"] == pytest.approx(7 / 6)
    assert a["fcr_inferred"] == pytest.approx(50.0)  # answered c1 c2 c5 k11; c1, c2 repeated
    # queue B: c8, c9 (timeout), k11b
    assert (b["offered"], b["answered"], b["abandoned"]) == (3, 2, 0)
    assert b["service_level"] == pytest.approx(100 * 2 / 3)
    assert b["asa"] == pytest.approx(7.5)
    assert b["avg_queue_time"] == pytest.approx(45.0)
    assert b["avg_abandon_time"] is None
    assert b["aht"] == pytest.approx(105.0)
    assert b["ivr_containment"] == 0.0  # c8 used the IVR and came to an agent
    assert b["busy_hour_answer_rate"] == pytest.approx(100.0)
    assert b["attempts_per_caller"] == pytest.approx(1.0)
    assert b["fcr_inferred"] == pytest.approx(100.0)
    # the IVR-only contact c7
    assert none["ivr_containment"] == pytest.approx(100.0)
    assert none["total_calls"] == 1 and none["offered"] == 0 and none["service_level"] is None


def test_centre_level_and_sl_policies(duck) -> None:
    def sl(policy: SLPolicy, **kw) -> dict:
        s = Settings(sl_policy=policy, **kw)
        return by_key(compute(duck, s, grain="day", by=["queue"], start=START, end=END,
                              indicators=["service_level"]), "queue")

    assert sl(SLPolicy.ANSWERED)[(DAY, "A")]["service_level"] == pytest.approx(100 * 2 / 3)
    assert sl(SLPolicy.ASTERISK_SL)[(DAY, "A")]["service_level"] == pytest.approx(100 * 2 / 3)
    assert sl(SLPolicy.ASTERISK_SL2)[(DAY, "A")]["service_level"] == pytest.approx(60.0)  # (2+1)/(3+2)
    assert sl(SLPolicy.OFFERED_EXCL_SHORT)[(DAY, "A")]["service_level"] == pytest.approx(40.0)  # 2/(6-1)
    assert sl(SLPolicy.ABANDONS_WITHIN_T_MET)[(DAY, "A")]["service_level"] == pytest.approx(50.0)
    assert sl(SLPolicy.OFFERED, sl_threshold_s=30)[(DAY, "A")]["service_level"] == pytest.approx(50.0)
    centre = by_key(compute(duck, grain="day", start=START, end=END))
    assert centre[(DAY,)]["total_calls"] == 10  # c10 is outbound; k11's two legs are one contact
    assert centre[(DAY,)]["offered"] == 9
    assert centre[(DAY,)]["service_level"] == pytest.approx(100 * 4 / 9)


def test_agent_time_indicators(duck) -> None:
    r = by_key(compute(duck, grain="day", by=["agent"], start=START, end=END), "agent")
    a1, a2 = r[(DAY, "a1")], r[(DAY, "a2")]
    assert a1["occupancy"] == pytest.approx(70.0)  # (3000+600+600) / (4200+1800)
    assert a2["occupancy"] == pytest.approx(50.0)
    assert a1["calls_per_hour"] == pytest.approx(1.0)  # c1, c5 in 2 h signed in
    assert a2["calls_per_hour"] == pytest.approx(0.5)
    assert a1["adherence"] == pytest.approx(100 * 6000 / 7200)
    assert a2["adherence"] == pytest.approx(100.0)
    assert a1["utilisation"] == pytest.approx(100 * 4200 / 9000)
    assert a1["qa_score"] == pytest.approx(85.0)  # 90/100 and 4/5
    assert a2["qa_score"] == pytest.approx(90.0)
    assert r[(DAY, "a3")]["attendance"] == 0.0
    no_acw = by_key(compute(duck, Settings(acw_in_occupancy=False), grain="day", by=["team"],
                            start=START, end=END, indicators=["occupancy"]), "team")
    assert no_acw[(DAY, "t1")]["occupancy"] == pytest.approx(100 * 5400 / (5400 + 5400))
    day = by_key(compute(duck, grain="day", start=START, end=END))[(DAY,)]
    assert day["attendance"] == pytest.approx(100 * 2 / 3)
    assert day["hours_per_agent"] == pytest.approx(2.25)  # (2.5 h + 2 h) / 2 present
    assert day["satisfaction_rate"] == pytest.approx(100 / 3)  # s1 yes, s2 3/5 < 0.8, s3 coded no
    sq = by_key(compute(duck, grain="day", by=["queue"], start=START, end=END,
                        indicators=["satisfaction_rate"]), "queue")
    assert sq[(DAY, "A")]["satisfaction_rate"] == pytest.approx(50.0)
    assert sq[(DAY, "B")]["satisfaction_rate"] == 0.0


def test_month_indicators(duck) -> None:
    m = datetime(2024, 3, 1)
    r = by_key(compute(duck, grain="month", start=m, end=datetime(2024, 4, 1)))[(m,)]
    assert r["cost_per_call"] == pytest.approx(1500 / 7)  # c1 c2 c5 c8 k11 c12 answered + c7 in IVR
    assert r["turnover"] == pytest.approx(100 / 3)  # a5 left; a1 a2 a5 full-time on 1 March
    assert r["peak_day_coefficient"] == pytest.approx(9 / 5)  # 9 offered on the 4th, 1 on the 5th
    by_centre = compute(duck, grain="month", by=["centre"], start=m, end=datetime(2024, 4, 1))
    assert "turnover" in by_centre.unavailable


def test_quiet_intervals_show_as_zero_rows(duck) -> None:
    r = compute(duck, grain="30m", start=datetime(2024, 3, 4, 8), end=datetime(2024, 3, 4, 11),
                indicators=["offered", "total_calls", "service_level"])
    rows = r.rows()
    assert [x["period"].strftime("%H:%M") for x in rows] == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"]
    assert [x["offered"] for x in rows] == [3, 1, 2, 2, 1, 0]
    assert rows[-1]["total_calls"] == 0 and rows[-1]["service_level"] is None
    w = compute(duck, grain="week", start=datetime(2024, 2, 26), end=datetime(2024, 3, 18), indicators=["offered"])
    assert [(x["period"].day, x["offered"]) for x in w.rows()] == [(26, 0), (4, 10), (11, 0)]


def test_missing_data_is_not_available_never_zero() -> None:
    t = sample.tables()
    calls = t["calls"].drop_columns(["acw_seconds"])
    r = compute(tables_on("duckdb", {"calls": calls}), grain="day", start=START, end=END)
    assert r.unavailable["acw_time"] == "not available — needs calls.acw_seconds"
    assert r.unavailable["occupancy"] == "not available — needs agent_states.seconds"
    assert r.unavailable["aht"] == "not available — needs calls.acw_seconds"
    assert "acw_time" not in r.table.column_names
    assert r.definitions["service level"].startswith("answered within T ÷ offered")


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("grain", "by", "settings"),
    [
        ("day", (), Settings()),
        ("30m", ("queue",), Settings(sl_policy=SLPolicy.ASTERISK_SL2)),
        ("60m", ("queue", "agent"), Settings(short_abandon_s=10)),
        ("day", ("agent",), Settings(acw_in_occupancy=False)),
        ("week", ("team",), Settings(fcr_window_hours=0.5)),
        ("month", (), Settings(sl_policy=SLPolicy.OFFERED_EXCL_SHORT)),
        ("15m", ("call_type", "customer_tier"), Settings()),
        ("total", ("queue",), Settings(sl_policy=SLPolicy.ANSWERED)),
    ],
)
def test_engine_matches_pure_python_reference_on_three_backends(grain, by, settings) -> None:
    start, end = datetime(2024, 3, 4), datetime(2024, 3, 6)
    if grain in ("week", "month"):
        start, end = datetime(2024, 3, 1), datetime(2024, 4, 1)
    ref = reference.compute(sample.rows(), settings, grain=grain, by=by, start=start, end=end, indicators=ALL)
    if grain == "total":  # one row for the whole range, labelled with its start
        ref = {(start, *k[1:]): v for k, v in ref.items()}
    results = {}
    for backend in ("duckdb", "sqlite", "polars"):
        res = compute(tables_on(backend, sample.tables()), settings, grain=grain, by=by, start=start, end=end)
        results[backend] = res
        got = {(r["period"], *[r[d] for d in by]): r for r in res.rows()}
        assert set(got) == set(ref), backend
        assert len(res.indicators) >= 20
        for k, row in got.items():
            for ind in res.indicators:
                assert _close(row[ind], ref[k][ind]), (backend, k, ind, row[ind], ref[k][ind])
    # Polars has no window functions: only the contact-level (repeat-call) indicators are missing there
    assert set(results["duckdb"].indicators) - set(results["polars"].indicators) == {
        "repeat_call_rate", "attempts_per_caller", "fcr_inferred"}
    assert results["duckdb"].indicators == results["sqlite"].indicators


def test_attendance_and_qa_by_team_via_agents(duck) -> None:
    r = by_key(compute(duck, grain="day", by=["team"], start=START, end=END,
                       indicators=["attendance", "qa_score", "hours_per_agent"]), "team")
    assert r[(DAY, "t1")]["attendance"] == pytest.approx(100.0)  # a1, a2 present
    assert r[(DAY, "t2")]["attendance"] == 0.0  # a3 off sick
    assert r[(DAY, "t1")]["qa_score"] == pytest.approx((90 + 80 + 90) / 3)
    t = sample.tables()
    del t["agents"]
    no_org = compute(tables_on("duckdb", t), grain="day", by=["team"], start=START, end=END,
                     indicators=["attendance"])
    assert no_org.unavailable["attendance"] == "not available — needs agents.team"


def test_agent_state_time_is_cut_at_interval_boundaries(duck) -> None:
    # a1: logged in 08:00-10:00, ready 08:00-08:30, talking 08:30-09:20, hold 09:20-09:30,
    # acw 09:30-09:40, not ready 09:40-10:00; answered c1 (08:05) and c5 (09:10)
    r = by_key(compute(duck, grain="30m", by=["agent"], start=datetime(2024, 3, 4, 8),
                       end=datetime(2024, 3, 4, 10), indicators=["occupancy", "calls_per_hour"]), "agent")
    at = lambda h, m: r[(datetime(2024, 3, 4, h, m), "a1")]  # noqa: E731
    assert at(8, 0)["occupancy"] == 0.0  # ready only
    assert at(8, 30)["occupancy"] == pytest.approx(100.0)  # talking the whole half-hour
    assert at(9, 0)["occupancy"] == pytest.approx(100.0)  # talking 20 min + hold 10 min
    assert at(9, 30)["occupancy"] == pytest.approx(100.0)  # acw 10 min, not ready 20 (not in occupancy)
    assert at(8, 0)["calls_per_hour"] == pytest.approx(2.0)  # c1 in 0.5 h signed in
    assert at(9, 0)["calls_per_hour"] == pytest.approx(2.0)  # c5 in 0.5 h
    assert at(9, 30)["calls_per_hour"] == 0.0


def test_contact_indicators_see_repeats_after_the_range_end() -> None:
    """Repeat-call indicators run on [start, end + FCR window): a repeat that falls after the
    requested range (but within the window) still counts for the day it repeats."""
    import pyarrow as pa

    from callcenter import schema
    from callcenter.metrics.sample import _call

    t = sample.tables()
    # caller 444 (answered once on 2024-03-04 09:10) calls again the next morning
    again = _call("c5-again", datetime(2024, 3, 5, 8, 0), "answered", wait_seconds=5.0,
                  talk_seconds=30.0, agent="a1", team="t1", caller_number="444")
    t["calls"] = pa.concat_tables([t["calls"], schema.conform("calls", pa.Table.from_pylist([again]))])
    tables = tables_on("duckdb", t)
    ids = ["repeat_call_rate", "attempts_per_caller", "fcr_inferred"]
    whole = by_key(compute(tables, grain="day", start=START, end=END, indicators=ids))
    one = by_key(compute(tables, grain="day", start=DAY, end=DAY + timedelta(days=1), indicators=ids))
    for i in ids:
        assert _close(one[(DAY,)][i], whole[(DAY,)][i]), i
    plain = by_key(compute(tables_on("duckdb", sample.tables()), grain="day", start=DAY,
                           end=DAY + timedelta(days=1), indicators=ids))
    # the next-day repeat changes day 1's repeat-call rate: the check above has teeth
    assert not _close(plain[(DAY,)]["repeat_call_rate"], one[(DAY,)]["repeat_call_rate"])


@pytest.mark.parametrize("backend", ["duckdb", "sqlite"])
@pytest.mark.parametrize(("grain", "by"), [("week", ()), ("month", ()), ("month", ("queue",)), ("total", ("agent",))])
def test_rollup_of_days_equals_the_direct_computation(backend: str, grain: str, by: tuple[str, ...]) -> None:
    """Summing day measures into weeks / months gives the engine's own week / month figures."""
    from callcenter.metrics.engine import evaluate, measures, missing_after_rollup, rollup

    tabs = tables_on(backend, sample.tables())
    start, end = datetime(2024, 2, 26), datetime(2024, 3, 11)
    days = measures(tabs, grain="day", by=by, start=start, end=end)
    rolled = rollup(days, grain, start, end)
    got = evaluate(rolled)
    direct = compute(tabs, grain=grain, by=by, start=start, end=end)
    # every additive indicator the direct computation has is in the roll-up, with its value
    assert set(got.indicators) == {
        i for i in direct.indicators if i not in missing_after_rollup(days, rolled)}
    assert {"offered", "service_level", "aht", "repeat_call_rate"} <= set(got.indicators)
    if not by:
        assert {"occupancy", "adherence", "qa_score", "busy_hour_answer_rate"} <= set(got.indicators)
    assert {"total_calls", "attempts_per_caller"} <= set(missing_after_rollup(days, rolled))
    d = by_key(direct, *by)
    g = by_key(got, *by)
    assert set(g) == set(d)
    for k, row in g.items():
        for i in got.indicators:
            assert _close(row[i], d[k][i]), (k, i, row[i], d[k][i])


def test_rollup_refuses_a_finer_grain_or_a_wider_range(duck) -> None:
    from callcenter.errors import ConfigError
    from callcenter.metrics.engine import measures, rollup

    m = measures(duck, grain="month", start=START, end=END)
    with pytest.raises(ConfigError, match="cannot roll month up into day"):
        rollup(m, "day")
    d = measures(duck, grain="day", start=START, end=END)
    with pytest.raises(ConfigError, match="outside"):
        rollup(d, "week", START - timedelta(days=7), END)
