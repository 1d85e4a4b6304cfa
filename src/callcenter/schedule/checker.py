"""Independent roster checker (排班合规检查): reads only a ``schedule`` table.

It shares no code with the solver (it does not import the shift, coverage or roster modules):
it rebuilds shifts from the activity rows, in the centre's local time, and checks every hard
rule minute by minute. A roster is trusted because this says so, not because a solver did.

Inputs: the ``schedule`` table (schema.SCHEDULE), per-agent facts (role, contract hours,
overtime cap, unavailable days, no-nights), the rule numbers, the month, and optionally the
requirement per interval (to count understaffed intervals). Activities named ``meal`` are
unpaid; everything else inside a shift is paid.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa


@dataclass(frozen=True)
class Violation:
    rule: str
    agent: str | None
    day: date | None
    detail: str

    def __str__(self) -> str:
        who = f" {self.agent}" if self.agent else ""
        when = f" {self.day}" if self.day else ""
        return f"[{self.rule}]{who}{when}: {self.detail}"


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for v in self.violations:
            out[v.rule] += 1
        return dict(out)


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def check_schedule(
    table: pa.Table,
    agents: list[Any],
    *,
    first_day: date,
    days: int,
    zone: str,
    max_regular_hours: float = 167.0,
    max_overtime_hours: float = 36.0,
    min_rest_hours: float = 11.0,
    max_consecutive_days: int = 6,
    rest_window_days: int = 7,
    leader_span_max: int = 15,
    required: np.ndarray | None = None,
    interval_min: int = 30,
) -> CheckReport:
    """Check a roster table against the hard rules; ``agents`` are dicts or objects with
    ``agent, role, contract_hours, max_overtime_hours, unavailable, no_nights``."""
    rep = CheckReport()
    tz = ZoneInfo(zone)
    facts = {_get(a, "agent"): a for a in agents}
    rows = table.to_pylist()
    horizon0 = datetime(first_day.year, first_day.month, first_day.day)
    nmin = (days + 1) * 1440  # the last night may run into the next month
    agents_at = np.zeros(nmin + 1, dtype=np.int64)
    leaders_at = np.zeros(nmin + 1, dtype=np.int64)
    phone_at = np.zeros(nmin + 1, dtype=np.int64)

    # rebuild shifts: (agent, date) -> local activities
    shifts: dict[tuple[str, date], list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for r in rows:
        s = r["start_at"].astimezone(tz).replace(tzinfo=None)
        e = r["end_at"].astimezone(tz).replace(tzinfo=None)
        if e <= s:
            rep.violations.append(Violation("activity", r["agent"], r["date"], f"ends {e} before it starts {s}"))
            continue
        shifts[r["agent"], r["date"]].append((s, e, r["activity"]))
        if r["agent"] not in facts:
            rep.violations.append(Violation("unknown agent", r["agent"], r["date"], "not in the agents list"))

    def minute(t: datetime) -> int:
        return int((t - horizon0).total_seconds() // 60)

    per_agent: dict[str, list[tuple[datetime, datetime, int, date]]] = defaultdict(list)
    for (name, day), acts in shifts.items():
        acts.sort()
        for (_s1, e1, _), (s2, _, _) in itertools.pairwise(acts):
            if s2 < e1:
                rep.violations.append(Violation("overlap", name, day, f"activities overlap at {s2:%H:%M}"))
        start, end = acts[0][0], max(e for _, e, _ in acts)
        if start.date() != day:
            rep.violations.append(Violation("date", name, day, f"shift starts on {start.date()}, not its roster day"))
        if not 0 <= (day - first_day).days < days:
            rep.violations.append(Violation("date", name, day, "outside the month"))
        gaps = sum(1 for (_, e1, _), (s2, _, _) in itertools.pairwise(acts) if s2 > e1)
        if gaps:
            rep.violations.append(Violation("split shift", name, day, "gap between activities"))
        paid = sum((e - s).total_seconds() / 60 for s, e, a in acts if a != "meal")
        per_agent[name].append((start, end, int(paid), day))
        f = facts.get(name)
        role = _get(f, "role", "agent") if f is not None else "agent"
        lo, hi = max(minute(start), 0), min(minute(end), nmin)
        if hi > lo:
            (leaders_at if role == "team_leader" else agents_at)[lo] += 1
            (leaders_at if role == "team_leader" else agents_at)[hi] -= 1
        if role != "team_leader":
            for s, e, a in acts:
                if a == "phone":
                    lo, hi = max(minute(s), 0), min(minute(e), nmin)
                    if hi > lo:
                        phone_at[lo] += 1
                        phone_at[hi] -= 1
        if f is not None:
            if day in set(_get(f, "unavailable", []) or []):
                rep.violations.append(Violation("availability", name, day, "works on a day marked unavailable"))
            if _get(f, "no_nights", False):
                night = sum(
                    max(0.0, (min(end, d0 + timedelta(hours=6)) - max(start, d0)).total_seconds() / 60)
                    for d0 in (datetime(day.year, day.month, day.day), datetime(day.year, day.month, day.day) + timedelta(days=1))
                )
                if night >= 120:
                    rep.violations.append(Violation("no nights", name, day, f"{night:.0f} min between 00:00 and 06:00"))

    hours: dict[str, float] = {}
    for name, items in per_agent.items():
        items.sort()
        f = facts.get(name)
        total_h = sum(p for _, _, p, _ in items) / 60
        hours[name] = total_h
        contract = float(_get(f, "contract_hours", max_regular_hours)) if f is not None else max_regular_hours
        ot_cap = min(float(_get(f, "max_overtime_hours", max_overtime_hours)), max_overtime_hours) if f is not None else max_overtime_hours
        if contract > max_regular_hours + 1e-9:
            rep.violations.append(Violation("regular hours", name, None,
                                            f"contract {contract:g} h > {max_regular_hours:g} h"))
        if total_h - min(contract, max_regular_hours) > ot_cap + 1e-9:
            rep.violations.append(Violation("overtime", name, None,
                                            f"{total_h:g} paid h = {total_h - contract:g} h overtime > {ot_cap:g} h"))
        for (_s1, e1, _, d1), (s2, _, _, d2) in itertools.pairwise(items):
            gap_h = (s2 - e1).total_seconds() / 3600
            if gap_h < min_rest_hours - 1e-9:
                rep.violations.append(Violation("rest between shifts", name, d2,
                                                f"{gap_h:.2f} h after the shift of {d1} (< {min_rest_hours:g} h)"))
        worked = {d for _, _, _, d in items}
        flags = [first_day + timedelta(k) in worked for k in range(days)]
        run = best = 0
        for k, w in enumerate(flags):
            run = run + 1 if w else 0
            if run > max_consecutive_days and run - 1 == max_consecutive_days:
                rep.violations.append(Violation("consecutive days", name, first_day + timedelta(k),
                                                f"more than {max_consecutive_days} working days in a row"))
            best = max(best, run)
        for k0 in range(0, days - rest_window_days + 1):
            if all(flags[k0 : k0 + rest_window_days]):
                rep.violations.append(Violation("rest day", name, first_day + timedelta(k0),
                                                f"no rest day in the {rest_window_days} days from here"))

    # inside the month only: after midnight of the last day the next month's roster takes over
    a_at = np.cumsum(agents_at)[: days * 1440]
    l_at = np.cumsum(leaders_at)[: days * 1440]
    bad = np.flatnonzero(l_at * leader_span_max < a_at)
    if len(bad):
        # report one violation per (day, run) to keep it readable
        starts = bad[np.r_[True, np.diff(bad) > 1]]
        for m in starts[:50]:
            t = horizon0 + timedelta(minutes=int(m))
            rep.violations.append(Violation("team leader ratio", None, t.date(),
                                            f"{t:%H:%M}: {a_at[m]} agents at work, {l_at[m]} leaders "
                                            f"(max {leader_span_max} per leader)"))
    ratio = a_at[a_at > 0] / np.maximum(l_at[a_at > 0], 1)
    rep.stats.update(
        agents_rostered=len(per_agent),
        paid_hours=round(sum(hours.values()), 2),
        max_agent_hours=round(max(hours.values(), default=0.0), 2),
        max_span=round(float(ratio.max(initial=0.0)), 2),
    )
    if required is not None:
        phone = np.cumsum(phone_at)[: days * 1440].reshape(-1, interval_min).sum(axis=1) / interval_min
        req = np.asarray(required, dtype=float)[: len(phone)]
        rep.stats["understaffed_intervals"] = int((phone < req - 1e-9).sum())
        rep.stats["required_hours"] = float(req.sum() * interval_min / 60)
        rep.stats["efficiency"] = (rep.stats["required_hours"] / rep.stats["paid_hours"]
                                   if rep.stats["paid_hours"] else 0.0)
    return rep
