"""Stage 1 coverage: checked against brute force, the LP bound and an independent recount."""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest

from callcenter.errors import InfeasibleError
from callcenter.schedule.coverage import (
    PoolLimit,
    coverage_matrix,
    pool_violations,
    solve_coverage,
    solve_coverage_rolling,
)
from callcenter.schedule.requirements import Requirements, synthetic_requirements
from callcenter.schedule.shifts import Shift, standard_shift_set

DAY = date(2026, 12, 1)


def _recount(shifts: list[Shift], counts: np.ndarray, width: int, days: int, cyclic: bool) -> np.ndarray:
    """Agents on the phone per interval, minute by minute, without the coverage matrix."""
    minutes = np.zeros(days * 1440 + 2 * 1440)
    for d in range(days):
        for j, s in enumerate(shifts):
            n = counts[d, j]
            if not n:
                continue
            for act, a, b in s.activities():
                if act == "phone":
                    minutes[d * 1440 + a : d * 1440 + b] += n
    inside = minutes[: days * 1440].copy()
    if cyclic:
        spill = minutes[days * 1440 :]
        inside[: len(spill[: days * 1440])] += spill[: days * 1440]
    return inside.reshape(-1, width).sum(axis=1) / width


def _tiny() -> tuple[Requirements, list[Shift]]:
    # 1 day, 60-min intervals; 3 shift types
    req = np.zeros(24)
    req[6:14] = [1, 2, 3, 3, 2, 2, 1, 1]
    req[14:20] = [2, 2, 1, 1, 1, 1]
    shifts = [Shift("E", 6 * 60, 8 * 60), Shift("M", 9 * 60, 6 * 60), Shift("L", 12 * 60, 8 * 60),
              Shift("S", 8 * 60, 4 * 60)]
    return Requirements(DAY, 60, req), shifts


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_tiny_plan_is_optimal_by_brute_force(solver: str) -> None:
    req, shifts = _tiny()
    plan = solve_coverage(req, shifts, solver=solver, gap_limit=0.0)
    a = coverage_matrix(shifts, 1, 60).toarray()
    best = None
    for x in itertools.product(range(5), repeat=len(shifts)):
        xv = np.array(x)
        if (a @ xv >= req.required * 60).all():
            cost = sum(s.paid_min * n for s, n in zip(shifts, x, strict=True))
            best = cost if best is None else min(best, cost)
    assert plan.paid_minutes == best
    assert plan.understaffed_intervals == 0
    assert plan.lp_bound_minutes <= plan.paid_minutes + 1e-6


def test_week_336_intervals_zero_understaffed_within_half_percent_of_lp() -> None:
    """The must-show of issue 7, checked by an independent minute-level recount."""
    req = synthetic_requirements(date(2026, 11, 30), 7, peak=120, seed=7)
    assert len(req.required) == 336
    assert 110 <= req.required.max() <= 130
    shifts = standard_shift_set("full_time").shifts
    plan = solve_coverage(req, shifts, cyclic=True, time_limit=20, gap_limit=0.002)
    phone = _recount(shifts, plan.counts, 30, 7, cyclic=True)
    assert (phone >= req.required - 1e-9).all()
    assert plan.paid_minutes <= plan.lp_bound_minutes * 1.005
    assert 0.8 < plan.efficiency < 1.0


def test_cyclic_wrap_covers_monday_morning_from_sunday_night() -> None:
    req = np.zeros(2 * 24)
    req[0:3] = 1  # day 0, 00:00-03:00
    shifts = [Shift("N", 22 * 60, 5 * 60)]  # 22:00-03:00
    r = Requirements(DAY, 60, req)
    cyc = solve_coverage(r, shifts, cyclic=True)
    assert cyc.counts[1, 0] == 1 and cyc.counts.sum() == 1  # the day-1 night wraps to day 0
    with pytest.raises(InfeasibleError):
        solve_coverage(r, shifts, cyclic=False)  # nothing starts before day 0


def test_pool_limit_infeasible_is_explained_and_cost_mode_shows_shortage() -> None:
    req, shifts = _tiny()
    pools = [PoolLimit("full_time", agents=2, max_paid_minutes=10**6)]
    with pytest.raises(InfeasibleError) as e:
        solve_coverage(req, shifts, pools=pools)
    assert e.value.explanation
    plan = solve_coverage(req, shifts, pools=pools, objective="cost", under_cost=50)
    assert plan.counts.sum() <= 2
    assert plan.understaffed_intervals > 0 and plan.shortage_agent_hours > 0


def test_uncoverable_interval_is_named() -> None:
    req = np.zeros(24)
    req[3] = 1
    with pytest.raises(InfeasibleError) as e:
        solve_coverage(Requirements(DAY, 60, req), [Shift("D", 8 * 60, 8 * 60)])
    assert any("03:00" in x for x in e.value.explanation)


def test_rolling_month_matches_recount_and_respects_daily_pools() -> None:
    req = synthetic_requirements(DAY, 10, peak=12, seed=3)
    shifts = standard_shift_set("full_time", start_every=60).shifts
    pools = [PoolLimit("full_time", agents=40, max_paid_minutes=40 * 203 * 60)]
    plan = solve_coverage_rolling(req, shifts, pools=pools, time_limit_per_day=2)
    phone = _recount(shifts, plan.counts, 30, 10, cyclic=False)
    assert (phone >= req.required - 1e-9).all()
    assert plan.counts.sum(axis=1).max() <= 40
    assert pool_violations(plan, pools) == []
    assert plan.paid_minutes >= plan.lp_bound_minutes - 1e-6


def test_part_time_share_cap() -> None:
    req = synthetic_requirements(DAY, 1, peak=30, seed=1)
    shifts = standard_shift_set("mixed", start_every=60).shifts
    plan = solve_coverage(req, shifts, max_part_time_share=0.2, solver="highs", time_limit=20)
    pt = sum(plan.counts[0, j] * s.paid_min for j, s in enumerate(shifts) if s.contract == "part_time")
    assert pt <= 0.2 * plan.paid_minutes + 1e-6
    assert plan.understaffed_intervals == 0
