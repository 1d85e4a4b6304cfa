"""The agents, their planned schedule and what actually happens to it.

Each agent group either has ``count`` agents logged in all the time, or shifts (local start,
length, breaks at offsets) each staffed by ``agents`` people. Days off rotate (agent k of a
shift is off ``days_off_per_week`` consecutive weekdays starting at weekday k mod 7). On each
planned day an agent is absent with probability ``absence_prob`` (no log-in; the timeclock
says absent) and otherwise logs in late with probability ``late_prob`` by a ``late`` delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from callcenter.simulate.arrivals import epoch
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import Streams

# engine schedule event kinds
LOGIN, LOGOUT, BREAK = 5, 6, 7


@dataclass
class Agent:
    id: str
    team: str
    skills: list[tuple[int, int]]  # (priority, queue index), best first
    always_on: bool
    shift: str | None = None


@dataclass
class Plan:
    agents: list[Agent] = field(default_factory=list)
    # (t, kind, agent index, length seconds, reason) — kind LOGIN / LOGOUT / BREAK
    events: list[tuple[float, int, int, float, str]] = field(default_factory=list)
    # (agent idx, date, activity, start s, end s, shift)
    schedule: list[tuple[int, date, str, float, float, str]] = field(default_factory=list)
    # (agent idx, date, scheduled, present, clock_in s | None, clock_out s | None, reason)
    timeclock: list[tuple[int, date, bool, bool, float | None, float | None, str | None]] = field(
        default_factory=list
    )


def make_plan(cfg: SimConfig, days: int, streams: Streams) -> Plan:
    """Agents, planned schedule, timeclock and the engine's log-in/out and break events."""
    plan = Plan()
    z = ZoneInfo(cfg.timezone)
    t0 = epoch(cfg)
    rng = streams.rng("roster")
    late_s = {g.team: streams.sampler(f"late:{g.team}", g.late) for g in cfg.agents}
    for g in cfg.agents:
        k_group = 0  # rotates days off across the whole group, so every weekday loses the same
        skills = sorted((p, cfg.queue_index(q)) for q, p in g.skills.items())
        if g.staffing is not None:
            _staffing_plan(cfg, g.team, g.staffing, skills, days, plan)
            continue
        if g.shifts is None:
            for _ in range(g.count):
                idx = len(plan.agents)
                plan.agents.append(Agent(f"A{idx + 1:04d}", g.team, skills, True))
                plan.events.append((0.0, LOGIN, idx, 0.0, ""))
            continue
        for sh in g.shifts:
            for _ in range(sh.agents):
                idx = len(plan.agents)
                plan.agents.append(Agent(f"A{idx + 1:04d}", g.team, skills, False, sh.name))
                off = {(k_group + j) % 7 for j in range(g.days_off_per_week)}
                k_group += 1
                for dk in range(days):
                    d = cfg.start + timedelta(days=dk)
                    if d.weekday() in off and not _all_hands(d, g.all_hands_days):
                        plan.timeclock.append((idx, d, False, False, None, None, None))
                        continue
                    local = datetime.combine(d, sh.start).replace(tzinfo=z)
                    s = (local.astimezone(UTC) - t0).total_seconds()
                    e = s + sh.hours * 3600.0
                    plan.schedule.append((idx, d, "phone", s, e, sh.name))
                    for b in sh.breaks:
                        bs = s + b.after_minutes * 60.0
                        plan.schedule.append(
                            (idx, d, "meal" if b.reason == "meal" else "break", bs, bs + b.minutes * 60.0, sh.name)
                        )
                    u_abs, u_late = rng.random(2)
                    if u_abs < g.absence_prob:
                        plan.timeclock.append((idx, d, True, False, None, None, "absent"))
                        continue
                    late = late_s[g.team].next() if u_late < g.late_prob else 0.0
                    login = min(s + late, e)
                    plan.timeclock.append((idx, d, True, True, login, e, None))
                    plan.events.append((login, LOGIN, idx, 0.0, ""))
                    plan.events.append((e, LOGOUT, idx, 0.0, ""))
                    for b in sh.breaks:
                        bs = s + b.after_minutes * 60.0
                        if login <= bs < e:
                            plan.events.append((bs, BREAK, idx, b.minutes * 60.0, b.reason))
    plan.events.sort(key=lambda x: (x[0], x[1], x[2]))
    return plan



def _all_hands(d: date, days: list[int]) -> bool:
    if not days:
        return False
    last = ((d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    return d.day in days or (d.day - last - 1) in days


def _staffing_plan(
    cfg: SimConfig, team: str, staffing: list[int], skills: list[tuple[int, int]], days: int, plan: Plan
) -> None:
    """Agents of a per-interval staffing plan: agent k is logged in when k < staffing[i]."""
    from callcenter.errors import ModelError
    from callcenter.simulate.arrivals import interval_bounds

    starts, ends, _ = interval_bounds(cfg, days)
    need = np.asarray(staffing, dtype=np.int64)
    if len(need) < len(starts):
        raise ModelError(f"agent group {team!r}: staffing has {len(need)} values, {len(starts)} needed")
    need = need[: len(starts)]
    first = len(plan.agents)
    for k in range(int(need.max(initial=0))):
        idx = first + k
        plan.agents.append(Agent(f"A{idx + 1:04d}", team, skills, False))
        on = np.concatenate([[False], need > k, [False]])
        change = np.flatnonzero(on[1:] != on[:-1])
        for a, b in zip(change[0::2], change[1::2], strict=True):
            plan.events.append((float(starts[a]), LOGIN, idx, 0.0, ""))
            plan.events.append((float(ends[b - 1]), LOGOUT, idx, 0.0, ""))
