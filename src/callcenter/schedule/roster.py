"""Stage 2 — the monthly roster (月度排班): named agents on the stage-1 shifts.

Decomposition (each step small enough to be fast for hundreds of agents):

1. **Stage 1 with pool limits** (:func:`~callcenter.schedule.coverage.solve_coverage`): shift
   counts per day for each contract class, kept within what the pool can work (head count
   per day, 6 days in 7, contract + overtime hours). Team leaders get their own stage 1 on
   ``ceil(agents at work ÷ 15)`` per interval, so every interval has one leader per ≤ 15
   agents.
2. **Days (CP-SAT)**: which agent works which day in which shift class (paid length), with
   the month's hours and overtime caps, a rest day in every 7, maximum consecutive days,
   unavailability; soft: day-off requests, weekends spread evenly, little overtime, and (when
   re-solving a published month) few changes.
3. **Shifts (assignment per day, in date order)**: the day's shifts of a class go to the
   agents working that class, by a minimum-cost assignment (Hungarian,
   ``scipy.optimize.linear_sum_assignment``) where a pair that would break the minimum rest
   after the agent's previous shift (or a no-nights agent on a night) is forbidden, and costs
   favour stable start times, fair nights, preferences and rest room for tomorrow.

Anything that cannot be placed is left unfilled and explained (rule, days, agents): the roster
is then a best-effort roster whose shortage is shown, never a silent gap.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
from ortools.sat.python import cp_model
from scipy.optimize import linear_sum_assignment

from callcenter.errors import InfeasibleError, InputError
from callcenter.schedule.agents import Agent, RosterRules
from callcenter.schedule.coverage import (
    CoveragePlan,
    PoolLimit,
    plan_from_counts,
    pool_violations,
    solve_coverage_rolling,
)
from callcenter.schedule.requirements import Requirements, inflate
from callcenter.schedule.shifts import MINUTES_PER_DAY, Shift, ShiftSet

BIG = 1e9


@dataclass
class Assignment:
    """One agent on one shift on one roster day."""

    agent: str
    day: int
    shift: Shift
    published: bool = False


@dataclass
class Roster:
    """A month roster with the plans it was built from and everything it could not do."""

    first_day: date
    days: int
    agents: list[Agent]
    assignments: list[Assignment]
    plan: CoveragePlan
    leader_plan: CoveragePlan | None
    rules: RosterRules
    problems: list[str] = field(default_factory=list)
    unfilled: list[tuple[int, str, str]] = field(default_factory=list)  # (day, shift, reason)
    requests_total: int = 0
    requests_honoured: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=d) for d in range(self.days)]

    def by_agent(self) -> dict[str, dict[int, Assignment]]:
        out: dict[str, dict[int, Assignment]] = defaultdict(dict)
        for a in self.assignments:
            out[a.agent][a.day] = a
        return out

    def phone_coverage(self) -> np.ndarray:
        """Agents (not leaders) on the phone per interval, from the named assignments."""
        return self._coverage(role="agent", count="phone")

    def leaders_present(self) -> np.ndarray:
        return self._coverage(role="team_leader", count="present")

    def agents_present(self) -> np.ndarray:
        return self._coverage(role="agent", count="present")

    def _coverage(self, role: str, count: str) -> np.ndarray:
        width = self.plan.interval_min
        per_day = MINUTES_PER_DAY // width
        out = np.zeros(self.days * per_day)
        roles = {a.agent: a.role for a in self.agents}
        for a in self.assignments:
            if roles[a.agent] != role:
                continue
            prof = a.shift.interval_profile(width, count=count)  # type: ignore[arg-type]
            lo = a.day * per_day
            hi = min(lo + len(prof), len(out))
            out[lo:hi] += prof[: hi - lo]
        return out / width

    @property
    def paid_hours(self) -> float:
        return sum(a.shift.paid_min for a in self.assignments) / 60

    def efficiency(self) -> float:
        """Required agent-hours (uninflated target) ÷ paid hours of agents and leaders."""
        req = self.plan.target.sum() * self.plan.interval_min / 60
        return float(req / self.paid_hours) if self.paid_hours else 0.0


# ---- step 1: stage-1 plans for agents and leaders -------------------------------------------

def _pools(agents: list[Agent], first_day: date, days: int, rules: RosterRules) -> list[PoolLimit]:
    out = []
    for contract in ("full_time", "part_time"):
        group = [a for a in agents if a.contract == contract]
        if not group:
            continue
        unavailable: dict[int, int] = defaultdict(int)
        for a in group:
            for u in set(a.unavailable):
                k = (u - first_day).days
                if 0 <= k < days:
                    unavailable[k] += 1
        days_in_7 = min(rules.rest_window_days - 1, rules.max_consecutive_days)
        out.append(PoolLimit(contract, len(group), sum(a.max_paid_minutes for a in group),
                             max_days_in_7=days_in_7, unavailable=dict(unavailable)))
    return out


def plan_month(
    req: Requirements,
    agents: list[Agent],
    shift_set: ShiftSet,
    rules: RosterRules,
    *,
    attendance: float = 1.0,
    shrinkage: float = 0.0,
    time_limit: float = 20.0,
    workers: int = 2,
    seed: int = 0,
) -> tuple[CoveragePlan, CoveragePlan | None, list[str]]:
    """Stage-1 plans (agents, team leaders) within the pools' limits; problems explained."""
    problems: list[str] = []
    staff = [a for a in agents if a.role == "agent"]
    leaders = [a for a in agents if a.role == "team_leader"]
    if not staff:
        raise InfeasibleError("no agents with role 'agent' to roster")
    contracts = {a.contract for a in staff}
    shifts = [s for s in shift_set.shifts if s.contract in contracts]
    if not shifts:
        raise InfeasibleError("the shift set has no shift for the agents' contracts",
                              explanation=[f"agents' contracts: {', '.join(sorted(contracts))}"])
    target = inflate(req.required, attendance, shrinkage)
    pools = _pools(staff, req.first_day, req.days, rules)
    per_day = max(0.5, time_limit / max(req.days, 1))
    plan = solve_coverage_rolling(req, shifts, target=target, pools=pools, time_limit_per_day=per_day,
                                  workers=workers, seed=seed)
    problems += ["coverage: " + v for v in pool_violations(plan, pools)]
    if plan.understaffed_intervals:
        problems.append(f"coverage: best effort leaves {plan.understaffed_intervals} intervals understaffed "
                        f"({plan.shortage_agent_hours:,.1f} agent-hours short): too few agents available")
    leader_plan = None
    if leaders:
        ft = [s for s in shift_set.shifts if s.contract == "full_time"]
        need = np.ceil(plan.present / rules.leader_span_max - 1e-9).astype(np.int64)
        lreq = Requirements(req.first_day, req.interval_min, need.astype(float))
        lpools = _pools(leaders, req.first_day, req.days, rules)
        leader_plan = solve_coverage_rolling(lreq, ft, pools=lpools, count="present",
                                             time_limit_per_day=per_day, workers=workers, seed=seed)
        problems += ["team leaders: " + v for v in pool_violations(leader_plan, lpools)]
        if leader_plan.understaffed_intervals:
            problems.append(f"team leaders: {leader_plan.understaffed_intervals} intervals have fewer than "
                            f"1 leader per {rules.leader_span_max} agents: too few leaders available")
    elif plan.present.max(initial=0) > 0:
        problems.append("team leaders: none in the agents file, so the 10–15 : 1 rule cannot be met")
    return plan, leader_plan, problems


# ---- step 2: days ---------------------------------------------------------------------------

def _assign_days(
    pool: list[Agent],
    slots: dict[tuple[int, int], int],  # (day, class paid minutes) -> count
    first_day: date,
    days: int,
    rules: RosterRules,
    *,
    previous: dict[tuple[str, int], int] | None,
    frozen_days: int,
    time_limit: float,
    workers: int,
    seed: int,
) -> tuple[dict[tuple[str, int], int], dict[tuple[int, int], int], list[str]]:
    """CP-SAT: (agent, day) -> class (paid minutes) for a pool; unfilled slot counts."""
    classes = sorted({c for (_, c) in slots})
    m = cp_model.CpModel()
    w: dict[tuple[int, int, int], cp_model.IntVar] = {}
    weekend = [(first_day + timedelta(d)).weekday() >= 5 for d in range(days)]
    penalties: list[cp_model.LinearExprT] = []
    problems: list[str] = []
    requests: list[tuple[int, int]] = []
    for i, a in enumerate(pool):
        off = {(u - first_day).days for u in a.unavailable}
        for d in range(days):
            for c in classes:
                if slots.get((d, c), 0) == 0 or d in off:
                    continue
                w[i, d, c] = m.new_bool_var(f"w{i}_{d}_{c}")
    work = {}
    for i, a in enumerate(pool):
        for d in range(days):
            vs = [w[i, d, c] for c in classes if (i, d, c) in w]
            work[i, d] = sum(vs) if vs else 0
            if len(vs) > 1:
                m.add_at_most_one(vs)
        # hours
        m.add(sum(c * w[i, d, c] for d in range(days) for c in classes if (i, d, c) in w) <= a.max_paid_minutes)
        ot = m.new_int_var(0, a.max_paid_minutes, f"ot{i}")
        m.add(ot >= sum(c * w[i, d, c] for d in range(days) for c in classes if (i, d, c) in w)
              - round(a.contract_hours * 60))
        penalties.append(ot)  # 1 per overtime minute
        # rest day in every window, and max consecutive days
        for k in (rules.rest_window_days, rules.max_consecutive_days + 1):
            for d0 in range(0, days - k + 1):
                m.add(sum(work[i, d] for d in range(d0, d0 + k)) <= k - 1)
        for r in a.day_off_requests:
            d = (r - first_day).days
            if 0 <= d < days:
                requests.append((i, d))
                penalties.append(600 * work[i, d])
    # slot counts, shortage penalised hard
    short: dict[tuple[int, int], cp_model.IntVar] = {}
    for (d, c), n in slots.items():
        vs = [w[i, d, c] for i in range(len(pool)) if (i, d, c) in w]
        short[d, c] = m.new_int_var(0, n, f"short{d}_{c}")
        m.add(sum(vs) + short[d, c] == n)
        penalties.append(200_000 * short[d, c])
    # weekends spread evenly: minimise (max - min) weekend days per contract class
    for contract in ("full_time", "part_time"):
        idx = [i for i, a in enumerate(pool) if a.contract == contract]
        if len(idx) < 2:
            continue
        wk = [sum(work[i, d] for d in range(days) if weekend[d]) for i in idx]
        hi = m.new_int_var(0, days, f"wkhi{contract}")
        lo = m.new_int_var(0, days, f"wklo{contract}")
        for e in wk:
            m.add(hi >= e)
            m.add(lo <= e)
        penalties.append(2000 * (hi - lo))
    # publication: frozen days fixed; later days prefer the published plan
    if previous is not None:
        for i, a in enumerate(pool):
            for d in range(days):
                was = previous.get((a.agent, d))
                for c in classes:
                    if (i, d, c) not in w:
                        if d < frozen_days and was == c:
                            problems.append(f"published shift of {a.agent} on {first_day + timedelta(d)} "
                                            "cannot be kept (now unavailable)")
                        continue
                    same = int(was == c)
                    if d < frozen_days:
                        m.add(w[i, d, c] == same)
                    else:
                        penalties.append(300 * (w[i, d, c] if not same else 1 - w[i, d, c]))
    m.minimize(sum(penalties))
    s = cp_model.CpSolver()
    s.parameters.max_time_in_seconds = time_limit
    s.parameters.num_workers = workers
    s.parameters.random_seed = seed
    s.parameters.relative_gap_limit = 0.05  # shortage costs 200 000 a slot: never traded away
    st = s.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InfeasibleError(
            f"no day plan for the pool ({s.status_name(st)})",
            explanation=[*problems, "the frozen (published) days conflict with the hard rules"],
            hint="unfreeze the affected days or raise the time limit",
        )
    out = {(pool[i].agent, d): c for (i, d, c), v in w.items() if s.value(v)}
    unfilled = {k: int(s.value(v)) for k, v in short.items() if s.value(v)}
    return out, unfilled, problems


# ---- step 3: shifts per day -----------------------------------------------------------------

def _band(shift: Shift) -> str:
    if shift.is_night():
        return "night"
    h = shift.start_min / 60
    return "early" if h < 8 else ("day" if h < 12 else "late")


def _assign_shifts(
    pool: list[Agent],
    day_class: dict[tuple[str, int], int],
    slots: dict[tuple[int, int], list[Shift]],
    days: int,
    rules: RosterRules,
    *,
    previous: dict[tuple[str, int], Shift] | None,
    frozen_days: int,
    first_day: date,
    last_end: dict[str, int] | None = None,
) -> tuple[list[Assignment], list[tuple[int, str, str]]]:
    """Day by day minimum-cost assignment of the day's shifts to the day's workers."""
    rest = int(rules.min_rest_hours * 60)
    info = {a.agent: a for a in pool}
    end_abs: dict[str, int] = dict(last_end or {})  # minutes from month start
    prev_start: dict[str, int] = {}
    nights: dict[str, int] = defaultdict(int)
    out: list[Assignment] = []
    unfilled: list[tuple[int, str, str]] = []
    for d in range(days):
        for (dd, c), shifts in sorted(slots.items(), key=lambda kv: kv[0]):
            if dd != d or not shifts:
                continue
            workers = [a for (a, day), cc in day_class.items() if day == d and cc == c]
            workers.sort()
            tomorrow = sorted(s.start_min for s in slots.get((d + 1, c), []))
            cost = np.zeros((len(workers), len(shifts)))
            for i, name in enumerate(workers):
                ag = info[name]
                works_tomorrow = (name, d + 1) in day_class
                for j, s in enumerate(shifts):
                    start = d * MINUTES_PER_DAY + s.start_min
                    night = _band(s) == "night"
                    if (name in end_abs and start < end_abs[name] + rest) or (night and ag.no_nights):
                        cost[i, j] = BIG
                        continue
                    k = 0.0
                    if name in prev_start:
                        k += abs(s.start_min - prev_start[name]) / 60.0
                    if night:
                        k += 3.0 * nights[name]
                    if ag.preferred and _band(s) != ag.preferred:
                        k += 4.0
                    if works_tomorrow and tomorrow:
                        earliest = s.end_min + rest - MINUTES_PER_DAY
                        blocked = np.searchsorted(tomorrow, earliest) / len(tomorrow)
                        k += 40.0 * blocked
                    if previous is not None:
                        was = previous.get((name, d))
                        if was is not None and was.name != s.name:
                            k += 100.0 if d < frozen_days else 8.0
                    cost[i, j] = k
            rows, cols = _assign_with_lookahead(cost, workers, shifts, d, c, day_class, slots, end_abs, rest)
            for i, j in zip(rows, cols, strict=True):
                name, s = workers[i], shifts[j]
                if cost[i, j] >= BIG:
                    # the planned worker cannot take it: free their day and look for a substitute
                    del day_class[name, d]
                    sub, why = _substitute(pool, day_class, d, c, s, end_abs, rules, days, first_day, slots)
                    if sub is None:
                        unfilled.append((d, s.name, f"{name} would break the rest/no-nights rule and {why}"))
                        continue
                    day_class[sub, d] = c
                    name = sub
                out.append(Assignment(name, d, s, published=previous is not None and d < frozen_days))
                end_abs[name] = d * MINUTES_PER_DAY + s.end_min
                prev_start[name] = s.start_min
                nights[name] += _band(s) == "night"
    return out, unfilled


def _assign_with_lookahead(
    cost: np.ndarray, workers: list[str], shifts: list[Shift], d: int, c: int,
    day_class: dict[tuple[str, int], int], slots: dict[tuple[int, int], list[Shift]],
    end_abs: dict[str, int], rest: int, rounds: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Hungarian assignment for day ``d``, repeated while it would leave tomorrow unsolvable.

    Tomorrow's shifts only need each worker to start after their earliest allowed start (a
    threshold), so tomorrow is solvable iff, pairing thresholds and starts both sorted from
    the latest, every threshold ≤ its start. When not, the worker at fault is steered away
    from today's late-ending shifts and today is assigned again.
    """
    tomorrow = sorted((s.start_min + (d + 1) * MINUTES_PER_DAY for s in slots.get((d + 1, c), [])), reverse=True)
    crew = [n for (n, k), cc in day_class.items() if k == d + 1 and cc == c]
    cost = cost.copy()
    rows, cols = linear_sum_assignment(cost)
    if not tomorrow or not crew:
        return rows, cols
    index = {n: i for i, n in enumerate(workers)}
    for _ in range(rounds):
        today_end = {workers[i]: d * MINUTES_PER_DAY + shifts[j].end_min for i, j in zip(rows, cols, strict=True)}
        thresholds = sorted(
            ((today_end.get(n, end_abs.get(n, -(10**9))) + rest, n) for n in crew), reverse=True
        )
        fault = next(((t, n, start) for (t, n), start in zip(thresholds, tomorrow, strict=False) if t > start), None)
        if fault is None:
            break
        _, name, start = fault
        i = index.get(name)
        if i is None:  # not working today: nothing to change here
            break
        late = [j for j, s in enumerate(shifts) if d * MINUTES_PER_DAY + s.end_min + rest > start]
        if cost[i, late].min() >= BIG / 2:
            break
        cost[i, late] += BIG / 2
        rows, cols = linear_sum_assignment(cost)
    return rows, cols


def _substitute(
    pool: list[Agent], day_class: dict[tuple[str, int], int], d: int, c: int, s: Shift,
    end_abs: dict[str, int], rules: RosterRules, days: int, first_day: date,
    slots: dict[tuple[int, int], list[Shift]],
) -> tuple[str | None, str]:
    """An agent off on day ``d`` who can take shift ``s`` without breaking a hard rule."""
    rest = int(rules.min_rest_hours * 60)
    start = d * MINUTES_PER_DAY + s.start_min
    reasons: dict[str, int] = defaultdict(int)
    planned: dict[str, int] = defaultdict(int)
    for (n, _), cc in day_class.items():
        planned[n] += cc
    # prefer who is off tomorrow, then who has the fewest hours
    for a in sorted(pool, key=lambda a: ((a.agent, d + 1) in day_class, planned[a.agent])):
        if (a.agent, d) in day_class:
            continue
        if any((u - first_day).days == d for u in a.unavailable):
            reasons["unavailable"] += 1
            continue
        worked = {k for (n, k) in day_class if n == a.agent}
        if a.no_nights and s.is_night():
            reasons["no nights"] += 1
            continue
        if a.agent in end_abs and start < end_abs[a.agent] + rest:
            reasons["rest after previous shift"] += 1
            continue
        if sum(day_class[a.agent, k] for k in worked) + c > a.max_paid_minutes:
            reasons["month hours cap"] += 1
            continue
        nxt = min((k for k in worked if k > d), default=None)
        if nxt == d + 1:
            # they work tomorrow: at least one of tomorrow's shifts of their class must stay reachable
            later = [t.start_min for t in slots.get((d + 1, day_class[a.agent, d + 1]), [])]
            if not later or s.end_min + rest > MINUTES_PER_DAY + max(later):
                reasons["rest before next day's shift"] += 1
                continue
        flags = [k in worked or k == d for k in range(days)]
        if _breaks_windows(flags, d, rules):
            reasons["rest day in 7 / consecutive days"] += 1
            continue
        return a.agent, ""
    return None, "no substitute: " + ", ".join(f"{k} ({v})" for k, v in sorted(reasons.items()))


def _breaks_windows(flags: list[bool], d: int, rules: RosterRules) -> bool:
    k = rules.rest_window_days
    for d0 in range(max(0, d - k + 1), min(d, len(flags) - k) + 1):
        if all(flags[d0 : d0 + k]):
            return True
    run = 0
    for f in flags:
        run = run + 1 if f else 0
        if run > rules.max_consecutive_days:
            return True
    return False


# ---- the whole roster -----------------------------------------------------------------------

def build_roster(
    req: Requirements,
    agents: list[Agent],
    shift_set: ShiftSet,
    *,
    rules: RosterRules | None = None,
    attendance: float = 1.0,
    shrinkage: float = 0.0,
    previous: Roster | None = None,
    freeze_until: date | None = None,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
) -> Roster:
    """Build the roster for ``req``'s days (a month); see the module docstring.

    ``previous`` + ``freeze_until``: re-solve a published roster. Days before
    ``freeze_until`` keep every published assignment (unless the agent became unavailable);
    later days keep them where possible, so only what changed moves.
    """
    rules = rules or RosterRules()
    t0 = time.perf_counter()
    if previous is not None:
        plan, leader_plan = previous.plan, previous.leader_plan
        problems: list[str] = []
    else:
        plan, leader_plan, problems = plan_month(req, agents, shift_set, rules, attendance=attendance,
                                                 shrinkage=shrinkage, time_limit=time_limit / 3,
                                                 workers=workers, seed=seed)
    t1 = time.perf_counter()
    frozen = 0 if freeze_until is None else max(0, (freeze_until - req.first_day).days)
    assignments: list[Assignment] = []
    unfilled_all: list[tuple[int, str, str]] = []
    requests_total = requests_honoured = 0
    prev_class = prev_shift = None
    if previous is not None:
        prev_class = {(a.agent, a.day): a.shift.paid_min for a in previous.assignments}
        prev_shift = {(a.agent, a.day): a.shift for a in previous.assignments}
    for role, p in (("agent", plan), ("team_leader", leader_plan)):
        pool = [a for a in agents if a.role == role]
        if p is None or not pool:
            continue
        slot_counts: dict[tuple[int, int], int] = defaultdict(int)
        slot_shifts: dict[tuple[int, int], list[Shift]] = defaultdict(list)
        for d, s, n in p.slots():
            slot_counts[d, s.paid_min] += n
            slot_shifts[d, s.paid_min] += [s] * n
        by_contract: dict[str, list[Agent]] = defaultdict(list)
        for a in pool:
            by_contract[a.contract].append(a)
        for contract, sub in by_contract.items():
            cls = {c for s in shift_set.shifts if s.contract == contract for c in [s.paid_min]}
            sc = {k: v for k, v in slot_counts.items() if k[1] in cls}
            ss = {k: v for k, v in slot_shifts.items() if k[1] in cls}
            day_class, short, probs = _assign_days(
                sub, sc, req.first_day, req.days, rules, previous=prev_class, frozen_days=frozen,
                time_limit=time_limit / 3, workers=workers, seed=seed)
            problems += probs
            for (d, c), n in sorted(short.items()):
                unfilled_all += [(d, f"{role} {c // 60}h shift", "day plan short")] * n
                problems.append(_explain_short(sub, day_class, d, c, n, req.first_day, rules, role))
            # drop shortage slots: shifts the day's workers held in the published roster are kept
            # first; among the rest the latest-starting stay unfilled (arbitrary but stated)
            for (d, c), n in short.items():
                held: dict[str, int] = defaultdict(int)
                if prev_shift is not None:
                    for (name, day), cc in day_class.items():
                        if day == d and cc == c and (name, d) in prev_shift:
                            held[prev_shift[name, d].name] += 1
                keep, rest_ = [], []
                for sh in sorted(ss[d, c], key=lambda s: s.start_min):
                    if held[sh.name] > 0:
                        held[sh.name] -= 1
                        keep.append(sh)
                    else:
                        rest_.append(sh)
                ss[d, c] = (keep + rest_)[: len(ss[d, c]) - n]
            got, unfilled = _assign_shifts(sub, day_class, ss, req.days, rules, previous=prev_shift,
                                           frozen_days=frozen, first_day=req.first_day)
            assignments += got
            unfilled_all += unfilled
            for d, name, why in unfilled:
                problems.append(f"{req.first_day + timedelta(d)}: shift {name} unfilled — {why}")
            for a in sub:
                for r in a.day_off_requests:
                    k = (r - req.first_day).days
                    if 0 <= k < req.days:
                        requests_total += 1
                        if (a.agent, k) in day_class:
                            problems.append(f"request: {a.agent} asked for {r} off — not honoured "
                                            "(needed to cover that day within the other agents' rules)")
                        else:
                            requests_honoured += 1
    t2 = time.perf_counter()
    return Roster(req.first_day, req.days, agents, assignments, plan, leader_plan, rules, problems,
                  unfilled_all, requests_total, requests_honoured,
                  {"stage1": t1 - t0, "stage2": t2 - t1, "total": t2 - t0})


def _explain_short(pool: list[Agent], day_class: dict[tuple[str, int], int], d: int, c: int, n: int,
                   first_day: date, rules: RosterRules, role: str) -> str:
    """Why ``n`` shifts of class ``c`` stay unfilled on day ``d``: which rule binds for whom."""
    day = first_day + timedelta(d)
    unavailable = [a.agent for a in pool if day in a.unavailable]
    at_cap, window = [], []
    for a in pool:
        if (a.agent, d) in day_class:
            continue
        hours = sum(cc for (name, _), cc in day_class.items() if name == a.agent)
        if hours + c > a.max_paid_minutes:
            at_cap.append(a.agent)
            continue
        k = rules.rest_window_days
        for d0 in range(max(0, d - k + 1), d + 1):
            if sum((a.agent, x) in day_class for x in range(d0, d0 + k) if x != d) >= k - 1:
                window.append(a.agent)
                break
    def names(xs: list[str]) -> str:
        return ", ".join(xs[:6]) + (f" … (+{len(xs) - 6})" if len(xs) > 6 else "")
    parts = [f"{day}: {n} {role} shift(s) of {c / 60:g} paid h unfilled"]
    if unavailable:
        parts.append(f"{len(unavailable)} unavailable ({names(unavailable)})")
    if at_cap:
        parts.append(f"{len(at_cap)} at the month hours cap {rules.max_regular_hours:g}+"
                     f"{rules.max_overtime_hours:g} h ({names(at_cap)})")
    if window:
        parts.append(f"{len(window)} would break the rest day in every {rules.rest_window_days} days "
                     f"or {rules.max_consecutive_days} consecutive days ({names(window)})")
    return "; ".join(parts)


def publication_deadline(month_first_day: date, day_of_month: int = 25) -> date:
    """The roster for a month must be published by the 25th of the month before."""
    prev = month_first_day - timedelta(days=1)
    return date(prev.year, prev.month, min(day_of_month, prev.day))


def ceil_div(a: float, b: float) -> int:
    return math.ceil(a / b - 1e-9)


def roster_from_schedule(
    table: pa.Table,
    req: Requirements,
    agents: list[Agent],
    shift_set: ShiftSet,
    *,
    rules: RosterRules | None = None,
    attendance: float = 1.0,
    shrinkage: float = 0.0,
) -> Roster:
    """Rebuild a (published) roster from its ``schedule`` table, to re-solve it after a change.

    Shifts are found by name in ``shift_set``; the stage-1 plans are the counts in the table.
    """
    rules = rules or RosterRules()
    by_name = shift_set.by_name()
    role = {a.agent: a.role for a in agents}
    seen: dict[tuple[str, int], Assignment] = {}
    for r in table.select(["agent", "date", "shift", "published"]).to_pylist():
        shift = by_name.get(r["shift"])
        if shift is None:
            raise InputError(f"shift {r['shift']!r} of the published roster is not in the shift set",
                             hint="use the same --shifts file as when the roster was published")
        day = (r["date"] - req.first_day).days
        if 0 <= day < req.days:
            seen.setdefault((r["agent"], day), Assignment(r["agent"], day, shift, bool(r["published"])))
    everyone = list(seen.values())
    # an agent no longer in the agents list left: their shifts stay in the plan (to be re-filled)
    # but not in the roster; a departed person is taken to have been an agent, not a leader
    assignments = [a for a in everyone if a.agent in role]
    plans: dict[str, CoveragePlan] = {}
    target = inflate(req.required, attendance, shrinkage)
    for who in ("agent", "team_leader"):
        mine = [a for a in everyone if role.get(a.agent, "agent") == who]
        shifts = list({a.shift.name: a.shift for a in mine}.values())
        if not shifts:
            continue
        col = {s.name: j for j, s in enumerate(shifts)}
        counts = np.zeros((req.days, len(shifts)), dtype=np.int64)
        for a in mine:
            counts[a.day, col[a.shift.name]] += 1
        if who == "team_leader" and "agent" in plans:
            target = np.ceil(plans["agent"].present / rules.leader_span_max - 1e-9).astype(np.int64)
        plans[who] = plan_from_counts(req, shifts, counts, target,
                                      count="present" if who == "team_leader" else "phone")
    if "agent" not in plans:
        raise InputError("the published roster has no agent shifts")
    return Roster(req.first_day, req.days, agents, assignments, plans["agent"], plans.get("team_leader"), rules)
