"""Stage 1 — coverage (排班覆盖): how many of each shift to run each day.

Set covering over intervals. Variables ``x[d, s]`` = number of agents working shift variant
``s`` starting on day ``d``. With ``A[t, (d, s)]`` the phone-minutes that shift contributes
to interval ``t`` and ``r_t`` the agents to schedule (already inflated for attendance and
shrinkage), the default model is::

    minimise   Σ paid_min(s) · x[d, s]                       (paid hours)
    subject to Σ A[t, (d, s)] · x[d, s] ≥ r_t · width   ∀ t  (no understaffed interval)
               x[d, s] ∈ ℤ≥0

``objective="cost"`` makes coverage soft: it minimises paid minutes + ``under_cost`` per
missing agent-minute + ``over_cost`` per surplus agent-minute. Optional pool limits (used
before rostering) keep the plan within what the named agents can work: at most ``n`` shifts
of a contract class a day, at most ``6 n`` in any 7 days, at most the pool's hours.

Solvers: OR-Tools CP-SAT (default) or HiGHS MIP through ``scipy.optimize.milp``. The LP
relaxation solved by HiGHS (``scipy.optimize.linprog``) gives a lower bound on paid hours,
so every plan reports how far it is from the best possible (``gap``).

Midnight: a shift belongs to its start day; its minutes after midnight count in the next
day's intervals. With ``cyclic=True`` (a typical week that repeats) the last night wraps to
the first morning; otherwise minutes past the horizon are dropped (month rosters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from callcenter.errors import InfeasibleError, ModelError
from callcenter.schedule.requirements import Requirements
from callcenter.schedule.shifts import ContractClass, Shift

Objective = Literal["paid", "cost"]
SolverName = Literal["cpsat", "highs"]


@dataclass
class PoolLimit:
    """What a pool of named agents of one contract class can work (keeps stage 2 feasible)."""

    contract: ContractClass
    agents: int
    max_paid_minutes: int  # Σ over the pool of (contract + overtime cap) minutes
    max_days_in_7: int = 6
    unavailable: dict[int, int] = field(default_factory=dict)  # day index -> agents unavailable


@dataclass
class CoveragePlan:
    """A stage-1 result: shift counts per day and what they cover."""

    shifts: list[Shift]
    first_day: date
    interval_min: int
    counts: np.ndarray  # (days, shifts) int
    target: np.ndarray  # (T,) agents to schedule per interval (inflated)
    phone: np.ndarray  # (T,) agents on the phone per interval (phone-minutes ÷ width)
    present: np.ndarray  # (T,) agents at work (breaks included) per interval
    paid_minutes: int
    lp_bound_minutes: float
    status: str
    solver: str
    seconds: float

    @property
    def days(self) -> int:
        return int(self.counts.shape[0])

    count: str = "phone"

    @property
    def covered(self) -> np.ndarray:
        """What the target is compared with: agents on the phone, or present for leaders."""
        return self.phone if self.count == "phone" else self.present

    @property
    def understaffed_intervals(self) -> int:
        return int((self.covered < self.target - 1e-9).sum())

    @property
    def shortage_agent_hours(self) -> float:
        return float(np.clip(self.target - self.covered, 0, None).sum() * self.interval_min / 60)

    @property
    def paid_hours(self) -> float:
        return self.paid_minutes / 60

    @property
    def required_hours(self) -> float:
        return float(self.target.sum() * self.interval_min / 60)

    @property
    def efficiency(self) -> float:
        """Required agent-hours ÷ paid hours (1.0 would be a perfect fit)."""
        return self.required_hours / self.paid_hours if self.paid_minutes else 0.0

    @property
    def gap(self) -> float:
        """(paid − LP lower bound) ÷ LP lower bound."""
        if self.lp_bound_minutes <= 0:
            return 0.0
        return (self.paid_minutes - self.lp_bound_minutes) / self.lp_bound_minutes

    def slots(self) -> list[tuple[int, Shift, int]]:
        """(day index, shift, count) for every shift run at least once."""
        return [
            (d, self.shifts[j], int(self.counts[d, j]))
            for d in range(self.days)
            for j in np.flatnonzero(self.counts[d])
        ]


def coverage_matrix(
    shifts: list[Shift],
    days: int,
    interval_min: int,
    *,
    cyclic: bool = False,
    count: Literal["phone", "present"] = "phone",
) -> sp.csc_matrix:
    """Sparse ``A[t, d * len(shifts) + s]`` = minutes shift ``s`` of day ``d`` counts in ``t``."""
    per_day = 1440 // interval_min
    horizon = days * per_day
    rows, cols, vals = [], [], []
    for j, s in enumerate(shifts):
        prof = s.interval_profile(interval_min, count=count)
        k = np.flatnonzero(prof)
        for d in range(days):
            t = d * per_day + k
            keep = slice(None)
            if cyclic:
                t = t % horizon
            else:
                keep = t < horizon  # type: ignore[assignment]
            rows.append(t[keep])
            cols.append(np.full(len(t[keep]), d * len(shifts) + j))
            vals.append(prof[k][keep])
    if not rows:
        return sp.csc_matrix((horizon, days * len(shifts)))
    return sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(horizon, days * len(shifts)),
    )


def lp_lower_bound(a: sp.csc_matrix, b: np.ndarray, cost: np.ndarray) -> float:
    """Optimal value of the LP relaxation (HiGHS dual simplex via scipy)."""
    res = linprog(cost, A_ub=-a, b_ub=-b, bounds=(0, None), method="highs")
    if res.status != 0:
        raise InfeasibleError(f"LP relaxation not solved: {res.message}")
    return float(res.fun)


def _pool_rows(
    shifts: list[Shift], days: int, pools: list[PoolLimit]
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Pool limits as (columns, coefficients, upper bound) rows."""
    n = len(shifts)
    out = []
    for pool in pools:
        idx = np.array([j for j, s in enumerate(shifts) if s.contract == pool.contract], dtype=int)
        if not len(idx):
            continue
        for d in range(days):
            cap = pool.agents - pool.unavailable.get(d, 0)
            out.append((d * n + idx, np.ones(len(idx)), float(max(cap, 0))))
        for d0 in range(max(days - 6, 0)):
            cols = np.concatenate([d * n + idx for d in range(d0, d0 + 7)])
            out.append((cols, np.ones(len(cols)), float(pool.agents * pool.max_days_in_7)))
        cols = np.concatenate([d * n + idx for d in range(days)])
        paid = np.tile(np.array([shifts[j].paid_min for j in idx], dtype=float), days)
        out.append((cols, paid, float(pool.max_paid_minutes)))
    return out


def solve_coverage(
    req: Requirements,
    shifts: list[Shift],
    *,
    target: np.ndarray | None = None,
    objective: Objective = "paid",
    under_cost: float = 10.0,
    over_cost: float = 0.0,
    cyclic: bool = False,
    pools: list[PoolLimit] | None = None,
    solver: SolverName = "cpsat",
    time_limit: float = 10.0,
    gap_limit: float = 0.001,
    max_part_time_share: float | None = None,
    workers: int = 2,
    seed: int = 0,
    count: Literal["phone", "present"] = "phone",
    two_pass: bool = True,
) -> CoveragePlan:
    """Choose shift counts per day; see the module docstring for the model.

    ``target`` (agents to schedule per interval) defaults to ``ceil(req.required)``; pass
    :func:`~callcenter.schedule.requirements.inflate` output to add attendance/shrinkage.
    ``count="present"`` covers head count at work (breaks included), used for team leaders.
    The search stops once the plan is proved within ``gap_limit`` (relative) of optimal.
    ``max_part_time_share`` caps part-time paid hours as a share of all paid hours.
    """
    t0 = time.perf_counter()
    width = req.interval_min
    if any(s.start_min % 1 or s.span_min % 1 for s in shifts) or 1440 % width:
        raise ModelError("bad interval width")
    tgt = np.ceil(np.asarray(req.required if target is None else target, dtype=float) - 1e-9).astype(np.int64)
    days = req.days
    a = coverage_matrix(shifts, days, width, cyclic=cyclic, count=count)
    b = tgt * width
    paid = np.tile(np.array([s.paid_min for s in shifts], dtype=np.int64), days)
    nvar = a.shape[1]
    pool_rows = _pool_rows(shifts, days, pools or [])
    if max_part_time_share is not None:
        # Σ_pt paid − share · Σ_all paid ≤ 0, scaled to integers (per mille)
        per_mille = round(max_part_time_share * 1000)
        coef = np.array([(1000 if s.contract == "part_time" else 0) - per_mille for s in shifts], dtype=float)
        pool_rows.append((np.arange(nvar), np.tile(coef, days) * paid, 0.0))

    # LP bound of the same model (hard cover, pool limits included)
    if objective == "paid":
        a_ub = sp.vstack([-a] + [sp.csr_matrix((v, (np.zeros(len(c)), c)), shape=(1, nvar)) for c, v, _ in pool_rows])
        b_ub = np.concatenate([-b, [ub for _, _, ub in pool_rows]])
        res = linprog(paid, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if res.status == 2:
            raise InfeasibleError(
                "no shift plan covers every interval within the agents' limits",
                explanation=_why_uncoverable(a, b, pool_rows, width, req),
                hint="add agents, allow overtime, or use objective='cost' for a best-effort plan",
            )
        if res.status != 0:
            raise ModelError(f"LP relaxation failed: {res.message}")
        bound = float(res.fun)
        hint = _round_and_prune(a, b, paid, res.x, pool_rows)
    else:
        bound = 0.0
        hint = None

    ub = int(max(tgt.max(initial=0), 1))
    # Many break placements per start make the model very symmetric and slow to close.
    # First pass: one placement per (template, start, span); its plan is a start for the full
    # model (same shifts, so it is feasible there too) and a fallback.
    first_pass = None
    one_each = _one_placement_each(shifts)
    if two_pass and objective == "paid" and len(one_each) < len(shifts):
        try:
            quick = solve_coverage(req, [shifts[j] for j in one_each], target=tgt, cyclic=cyclic,
                                   pools=pools, solver=solver, time_limit=time_limit / 2, gap_limit=gap_limit,
                                   max_part_time_share=max_part_time_share, workers=workers, seed=seed,
                                   count=count, two_pass=False)
            first_pass = np.zeros(nvar, dtype=np.int64)
            cols = (np.arange(days)[:, None] * len(shifts) + np.array(one_each)[None, :]).ravel()
            first_pass[cols] = quick.counts.ravel()
            if hint is None or paid @ first_pass < paid @ hint:
                hint = first_pass
            time_limit = max(time_limit - quick.seconds, 0.5)
        except InfeasibleError:
            first_pass = None
    if solver == "highs":
        counts, status = _solve_highs(a, b, paid, pool_rows, objective, under_cost, over_cost, width, ub,
                                      time_limit, gap_limit)
    else:
        counts, status = _solve_cpsat(a, b, paid, pool_rows, objective, under_cost, over_cost, width, ub,
                                      time_limit, gap_limit, workers, seed, bound, hint)
    if counts is None:  # out of time before any solution: fall back on the start
        if hint is not None and _fits(hint, pool_rows):
            counts = hint
        elif objective == "cost":
            counts = np.zeros(nvar, dtype=np.int64)  # everything short: still a valid best effort
        else:
            raise InfeasibleError(f"no shift plan found within {time_limit:g} s",
                                  hint="raise the time limit or use objective='cost'")
        status = "feasible"
    x = counts.astype(np.int64)
    if hint is not None and _fits(hint, pool_rows) and paid @ hint < paid @ x:
        x, status = hint, "feasible"  # the start (rounded LP or first pass) beat the solver in time
    phone = (coverage_matrix(shifts, days, width, cyclic=cyclic) @ x) / width
    present = (coverage_matrix(shifts, days, width, cyclic=cyclic, count="present") @ x) / width
    return CoveragePlan(
        shifts=shifts,
        first_day=req.first_day,
        interval_min=width,
        counts=x.reshape(days, len(shifts)),
        target=tgt,
        phone=np.asarray(phone, dtype=float),
        present=np.asarray(present, dtype=float),
        paid_minutes=int(paid @ x),
        lp_bound_minutes=bound,
        status=status,
        solver=solver,
        seconds=time.perf_counter() - t0,
        count=count,
    )


def _solve_cpsat(
    a: sp.csc_matrix, b: np.ndarray, paid: np.ndarray, pool_rows: list[tuple[np.ndarray, np.ndarray, float]],
    objective: Objective, under_cost: float, over_cost: float, width: int, ub: int,
    time_limit: float, gap_limit: float, workers: int, seed: int, lp_bound: float = 0.0,
    hint: np.ndarray | None = None,
) -> tuple[np.ndarray | None, str]:
    m = cp_model.CpModel()
    nvar = a.shape[1]
    # a variable that covers no interval is useless: fix it to 0
    useful = np.asarray((a != 0).sum(axis=0)).ravel() > 0
    x = [m.new_int_var(0, ub if useful[j] else 0, f"x{j}") for j in range(nvar)]
    csr = a.tocsr()
    terms: list[cp_model.LinearExprT] = [cp_model.LinearExpr.weighted_sum(x, [int(v) for v in paid])]
    for t in range(csr.shape[0]):
        lo, hi = csr.indptr[t], csr.indptr[t + 1]
        cover = cp_model.LinearExpr.weighted_sum([x[j] for j in csr.indices[lo:hi]],
                                                 [int(v) for v in csr.data[lo:hi]])
        if objective == "paid":
            m.add(cover >= int(b[t]))
        else:
            under = m.new_int_var(0, int(b[t]), f"u{t}")
            m.add(cover + under >= int(b[t]))
            terms.append(round(under_cost) * under)
            if over_cost:
                over = m.new_int_var(0, 10**7, f"o{t}")
                m.add(cover - over <= int(b[t]))
                terms.append(round(over_cost) * over)
    for cols, coef, cap in pool_rows:
        m.add(cp_model.LinearExpr.weighted_sum([x[j] for j in cols], [int(c) for c in coef]) <= int(cap))
    m.minimize(sum(terms))
    if hint is not None:  # the rounded-up LP optimum covers every interval: a good start
        for v, h in zip(x, hint, strict=True):
            m.add_hint(v, int(min(h, ub)))
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = time_limit
    s.parameters.num_workers = workers
    s.parameters.random_seed = seed
    s.parameters.relative_gap_limit = gap_limit
    st = s.solve(m, _StopNearBound(lp_bound * (1 + gap_limit)) if lp_bound > 0 else None)
    if st == cp_model.INFEASIBLE:
        raise InfeasibleError("no shift plan meets every constraint (CP-SAT proved it)",
                              hint="use objective='cost' for a best-effort plan")
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, s.status_name(st).lower()
    return np.array([s.value(v) for v in x], dtype=np.int64), s.status_name(st).lower()


def _one_placement_each(shifts: list[Shift]) -> list[int]:
    """Index of the first variant of each (template, start, span)."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for j, s in enumerate(shifts):
        key = (s.template, s.start_min, s.span_min)
        if key not in seen:
            seen.add(key)
            out.append(j)
    return out


def _fits(x: np.ndarray, pool_rows: list[tuple[np.ndarray, np.ndarray, float]]) -> bool:
    return all(float(coef @ x[cols]) <= cap + 1e-6 for cols, coef, cap in pool_rows)


def _round_and_prune(
    a: sp.csc_matrix, b: np.ndarray, paid: np.ndarray, x_lp: np.ndarray,
    pool_rows: list[tuple[np.ndarray, np.ndarray, float]],
) -> np.ndarray:
    """LP rounding heuristic: round the LP optimum up (covers every interval), then remove
    shifts one at a time, most paid first, while every interval stays covered and, when a
    pool row is broken, only from the variables in that row. A start for the MIP solver."""
    x = np.ceil(x_lp - 1e-6).astype(np.int64)
    csc = a.tocsc()
    slack = (csc @ x - b).astype(np.int64)
    frac = x - x_lp
    order = np.lexsort((-frac, -paid))  # most paid first, then most rounded-up
    for _ in range(2):
        for j in order:
            lo, hi = csc.indptr[j], csc.indptr[j + 1]
            rows, vals = csc.indices[lo:hi], csc.data[lo:hi]
            while x[j] > 0 and (slack[rows] >= vals).all():
                x[j] -= 1
                slack[rows] -= vals.astype(np.int64)
    return x


class _StopNearBound(cp_model.CpSolverSolutionCallback):
    """Stop CP-SAT once a solution is within the gap of the (HiGHS) LP lower bound."""

    def __init__(self, good_enough: float) -> None:
        super().__init__()
        self.good_enough = good_enough

    def on_solution_callback(self) -> None:
        if self.objective_value <= self.good_enough:
            self.stop_search()


def _solve_highs(
    a: sp.csc_matrix, b: np.ndarray, paid: np.ndarray, pool_rows: list[tuple[np.ndarray, np.ndarray, float]],
    objective: Objective, under_cost: float, over_cost: float, width: int, ub: int, time_limit: float,
    gap_limit: float,
) -> tuple[np.ndarray | None, str]:
    nvar = a.shape[1]
    T = a.shape[0]
    cons = []
    if objective == "paid":
        c = paid.astype(float)
        cons.append(LinearConstraint(a, lb=b, ub=np.inf))
        nslack = 0
    else:
        # variables: x, under (T), over (T)
        eye = sp.identity(T, format="csc")
        cons.append(LinearConstraint(sp.hstack([a, eye, -eye]), lb=b, ub=b))
        c = np.concatenate([paid.astype(float), np.full(T, under_cost), np.full(T, over_cost)])
        nslack = 2 * T
    for cols, coef, cap in pool_rows:
        row = sp.csr_matrix((coef, (np.zeros(len(cols)), cols)), shape=(1, nvar + nslack))
        cons.append(LinearConstraint(row, lb=-np.inf, ub=cap))
    integrality = np.concatenate([np.ones(nvar), np.zeros(nslack)])
    res = milp(c, constraints=cons, integrality=integrality,
               bounds=Bounds(0, np.concatenate([np.full(nvar, ub), np.full(nslack, np.inf)])),
               options={"time_limit": time_limit, "mip_rel_gap": gap_limit})
    if res.x is None:
        if res.status == 2:
            raise InfeasibleError(f"HiGHS found no shift plan: {res.message}")
        return None, "unknown"
    status = "optimal" if res.status == 0 else "feasible"
    return np.round(res.x[:nvar]).astype(np.int64), status


def _why_uncoverable(
    a: sp.csc_matrix, b: np.ndarray, pool_rows: list[tuple[np.ndarray, np.ndarray, float]], width: int,
    req: Requirements,
) -> list[str]:
    """Intervals no shift reaches, and pool limits that are too small for the work."""
    out = []
    reach = np.asarray(a.sum(axis=1)).ravel()
    starts = req.interval_starts()
    for t in np.flatnonzero((reach == 0) & (b > 0))[:10]:
        out.append(f"interval {starts[t]:%Y-%m-%d %H:%M}: no shift in the set works then")
    need_minutes = float(b.sum())
    cap_minutes = sum(cap for cols, coef, cap in pool_rows if coef.max(initial=0) > 1)
    if pool_rows and cap_minutes and cap_minutes < need_minutes:
        out.append(
            f"hours: the agents can work at most {cap_minutes / 60:,.0f} paid h (contract + overtime caps) "
            f"but the requirement alone is {need_minutes / width * width / 60 / 1:,.0f} agent-h on the phone"
        )
    if not out:
        out.append("the daily head-count, 6-days-in-7 or hours limits of the agent pools cannot all be met")
    return out


def solve_coverage_rolling(
    req: Requirements,
    shifts: list[Shift],
    *,
    target: np.ndarray | None = None,
    pools: list[PoolLimit] | None = None,
    count: Literal["phone", "present"] = "phone",
    window: int = 2,
    solver: SolverName = "cpsat",
    time_limit_per_day: float = 2.0,
    gap_limit: float = 0.005,
    workers: int = 2,
    seed: int = 0,
) -> CoveragePlan:
    """Stage 1 for long horizons (a month), day by day over a rolling ``window`` of days.

    Each step solves days ``d … d+window-1`` exactly (what earlier fixed shifts already cover
    past midnight is subtracted), then fixes day ``d``. Per-day head-count limits of the pools
    are kept; the month-level pool limits (hours, 6 days in 7) are not part of the steps, so
    callers must check them (:func:`pool_violations`). Small and fast: each step has a few
    hundred variables, where the whole month at once can leave a large gap in a time limit.
    """
    t0 = time.perf_counter()
    width = req.interval_min
    per_day = req.per_day
    days = req.days
    tgt = np.ceil(np.asarray(req.required if target is None else target, dtype=float) - 1e-9).astype(np.int64)
    a_full = coverage_matrix(shifts, days, width, count=count)
    counts = np.zeros((days, len(shifts)), dtype=np.int64)
    status = "optimal"
    for d in range(days):
        w = min(window, days - d)
        covered = (a_full @ counts.ravel())[d * per_day : (d + w) * per_day]
        rest = np.clip(tgt[d * per_day : (d + w) * per_day] * width - covered, 0, None)
        sub_target = np.ceil(rest / width - 1e-9)
        sub = Requirements(req.first_day + timedelta(days=d), width, sub_target.astype(float))
        sub_pools = [
            PoolLimit(p.contract, p.agents, 10**9, max_days_in_7=7,
                      unavailable={k - d: v for k, v in p.unavailable.items() if d <= k < d + w})
            for p in pools or []
        ]
        if sub_target.sum() == 0:
            continue
        # exact cover in minutes: pass the exact remaining minutes as the target × width
        step = _solve_window(sub, shifts, rest, sub_pools, count, solver, time_limit_per_day, gap_limit,
                             workers, seed)
        counts[d] = step.counts[0]
        if step.status != "optimal":
            status = "feasible"
    x = counts.ravel()
    paid = np.tile(np.array([s.paid_min for s in shifts], dtype=np.int64), days)
    a = coverage_matrix(shifts, days, width, count=count)
    try:
        bound = lp_lower_bound(a, tgt * width, paid.astype(float))
    except InfeasibleError:
        bound = 0.0
    return CoveragePlan(
        shifts=shifts, first_day=req.first_day, interval_min=width, counts=counts, target=tgt,
        phone=np.asarray(coverage_matrix(shifts, days, width) @ x, dtype=float) / width,
        present=np.asarray(coverage_matrix(shifts, days, width, count="present") @ x, dtype=float) / width,
        paid_minutes=int(paid @ x), lp_bound_minutes=bound, status=status, solver=f"{solver}-rolling",
        seconds=time.perf_counter() - t0, count=count,
    )


def _solve_window(
    sub: Requirements, shifts: list[Shift], rest_minutes: np.ndarray, pools: list[PoolLimit],
    count: Literal["phone", "present"], solver: SolverName, time_limit: float, gap_limit: float,
    workers: int, seed: int,
) -> CoveragePlan:
    """One rolling step; coverage is required in exact minutes (carry-in may be partial)."""
    try:
        return solve_coverage(sub, shifts, target=rest_minutes / sub.interval_min, pools=pools, count=count,
                              solver=solver, time_limit=time_limit, gap_limit=gap_limit, workers=workers,
                              seed=seed)
    except InfeasibleError:
        return solve_coverage(sub, shifts, target=rest_minutes / sub.interval_min, pools=pools, count=count,
                              objective="cost", under_cost=20.0, solver=solver, time_limit=time_limit,
                              workers=workers, seed=seed)


def pool_violations(plan: CoveragePlan, pools: list[PoolLimit]) -> list[str]:
    """Month-level pool limits a plan breaks (hours, days in 7), in words."""
    out = []
    for rows_pool in pools:
        rows = _pool_rows(plan.shifts, plan.days, [rows_pool])
        x = plan.counts.ravel()
        for cols, coef, cap in rows:
            used = float(coef @ x[cols])
            if used > cap + 1e-9:
                kind = "paid minutes" if coef.max(initial=0) > 1 else "shifts"
                out.append(f"{rows_pool.contract}: plan needs {used:,.0f} {kind} where the pool allows {cap:,.0f}")
    return out


def plan_from_counts(
    req: Requirements, shifts: list[Shift], counts: np.ndarray, target: np.ndarray,
    *, count: Literal["phone", "present"] = "phone",
) -> CoveragePlan:
    """A plan for given shift counts (e.g. read back from a published roster); no LP bound."""
    days, width = req.days, req.interval_min
    x = counts.ravel()
    paid = np.tile(np.array([s.paid_min for s in shifts], dtype=np.int64), days)
    return CoveragePlan(
        shifts=shifts, first_day=req.first_day, interval_min=width, counts=counts,
        target=np.asarray(target, dtype=np.int64),
        phone=np.asarray(coverage_matrix(shifts, days, width) @ x, dtype=float) / width,
        present=np.asarray(coverage_matrix(shifts, days, width, count="present") @ x, dtype=float) / width,
        paid_minutes=int(paid @ x), lp_bound_minutes=0.0, status="given", solver="none", seconds=0.0,
        count=count,
    )
