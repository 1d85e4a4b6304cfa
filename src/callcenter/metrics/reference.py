"""A pure-Python reference implementation of every indicator: plain loops over rows, no SQL.

It exists to check the Ibis engine (``engine.compute``) on small data: the same
definitions, written the obvious way, independently of the measure/period machinery.
Input: ``{table name: list of row dicts}`` in the canonical schema. Output:
``{(period, *dims): {indicator id: value}}`` for the keys the engine would produce
(every period of the range for every dimension combination seen when ``fill``).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from callcenter.metrics.grain import NONE, normalise_grain
from callcenter.settings import Settings, SLPolicy

Row = Mapping[str, Any]
Key = tuple[Any, ...]

ANSWERED = {"answered", "transferred"}
OFFERED = {"answered", "transferred", "abandoned", "timeout", "exit_empty", "exit_key", "callback", "overflowed"}
IVR = {"ivr_abandoned", "ivr_self_served"}
CALL_DIMS = ("centre", "queue", "call_type", "customer_tier", "team", "agent")
ALL_GRAINS = ("15m", "30m", "60m", "day", "week", "month", "total")
DAYS_UP = ("day", "week", "month", "total")


def period_start(t: datetime, grain: str) -> datetime:
    """The local start of the period holding local wall-clock time ``t``."""
    t = t.replace(tzinfo=None)
    if grain == "total":
        return datetime(1970, 1, 1)
    if grain == "month":
        return datetime(t.year, t.month, 1)
    midnight = datetime(t.year, t.month, t.day)
    if grain == "day":
        return midnight
    if grain == "week":
        return midnight - timedelta(days=t.weekday())
    minutes = int(grain[:-1])
    return midnight + timedelta(minutes=(t.hour * 60 + t.minute) // minutes * minutes)


def next_period(p: datetime, grain: str) -> datetime:
    if grain == "total":
        return datetime.max
    if grain == "month":
        return datetime(p.year + (p.month == 12), p.month % 12 + 1, 1)
    if grain == "week":
        return p + timedelta(days=7)
    if grain == "day":
        return p + timedelta(days=1)
    return p + timedelta(minutes=int(grain[:-1]))


def _div(a: float, b: float, scale: float = 1.0) -> float | None:
    return None if b == 0 else a * scale / b


def _local(utc: datetime, settings: Settings, start: datetime | None) -> datetime:
    ref = (start or datetime(2000, 1, 15)).replace(tzinfo=None)
    off = settings.zone.utcoffset(ref) or timedelta(0)
    return utc.replace(tzinfo=None) + off


def _as_dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


class _Groups:
    """Rows grouped by (period, dims) after the range filter."""

    def __init__(self, grain: str, by: Sequence[str], start: datetime | None, end: datetime | None) -> None:
        self.grain, self.by, self.start, self.end = grain, tuple(by), start, end
        self.groups: dict[Key, list[Row]] = defaultdict(list)

    def add(self, rows: Iterable[Row], when: Callable[[Row], datetime], dims: Iterable[str] = CALL_DIMS,
            grains: Iterable[str] = ALL_GRAINS) -> dict[Key, list[Row]]:
        out: dict[Key, list[Row]] = defaultdict(list)
        if not set(self.by) <= set(dims) or self.grain not in grains:
            return out
        for r in rows:
            t = when(r)
            if self.start is not None and t < self.start:
                continue
            if self.end is not None and t >= self.end:
                continue
            k = (period_start(t, self.grain), *[NONE if r.get(d) is None else str(r.get(d)) for d in self.by])
            out[k].append(r)
        return out


def compute(
    tables: Mapping[str, list[dict[str, Any]]],
    settings: Settings | None = None,
    *,
    grain: str = "day",
    by: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    indicators: Sequence[str],
    fill: bool = True,
) -> dict[Key, dict[str, Any]]:
    s = settings or Settings()
    grain = normalise_grain(grain)
    g = _Groups(grain, by, start, end)
    T, S = s.sl_threshold_s, s.short_abandon_s
    calls = [r for r in tables.get("calls", []) if r["direction"] == "inbound"]
    out: dict[Key, dict[str, Any]] = defaultdict(dict)

    # ---- calls (legs)
    for k, rows in g.add(calls, lambda r: r["offered_local"]).items():
        v = out[k]
        ans = [r for r in rows if r["outcome"] in ANSWERED]
        off = [r for r in rows if r["outcome"] in OFFERED]
        ab = [r for r in rows if r["outcome"] == "abandoned"]
        short = [r for r in ab if r["wait_seconds"] is not None and r["wait_seconds"] <= S]
        in_t = [r for r in ans if (r["wait_seconds"] or 0.0) <= T]
        ab_in_t = [r for r in ab if r["wait_seconds"] is not None and r["wait_seconds"] <= T]
        queued = [r for r in off if r["wait_seconds"] is not None and r["wait_seconds"] > 0]
        talk = [r for r in ans if r["talk_seconds"] is not None]
        acw = [r for r in ans if r["acw_seconds"] is not None]
        hold = [r for r in ans if r["hold_seconds"] is not None]
        rings = []
        for r in ans:
            if r.get("ring_count") is not None:
                rings.append(float(r["ring_count"]))
            elif r.get("ring_seconds") is not None:
                rings.append(float(math.ceil(r["ring_seconds"] / s.seconds_per_ring)))
        resolved = [r for r in ans if r.get("resolved") is not None]
        transferred = [r for r in ans if r["outcome"] == "transferred" or r.get("transfer_kind") is not None]
        first = [r for r in rows if r["leg"] == 1]
        ivr_used = [r for r in first if r.get("ivr_seconds") is not None or r.get("ivr_entry_at") is not None
                    or r["outcome"] in IVR]
        v["offered"], v["answered"], v["abandoned"], v["abandoned_short"] = len(off), len(ans), len(ab), len(short)
        v["total_calls"] = len({r["contact_id"] for r in rows})
        v["answered_rate"] = _div(len(ans), len(off), 100)
        v["abandon_rate_all"] = _div(len(ab), len(off), 100)
        v["abandon_rate"] = _div(len(ab) - len(short), len(off) - len(short), 100)
        if s.sl_policy is SLPolicy.OFFERED:
            sl = _div(len(in_t), len(off), 100)
        elif s.sl_policy is SLPolicy.OFFERED_EXCL_SHORT:
            sl = _div(len(in_t), len(off) - len(short), 100)
        elif s.sl_policy in (SLPolicy.ANSWERED, SLPolicy.ASTERISK_SL):
            sl = _div(len(in_t), len(ans), 100)
        elif s.sl_policy is SLPolicy.ASTERISK_SL2:
            sl = _div(len(in_t) + len(ab_in_t), len(ans) + len(ab), 100)
        else:
            sl = _div(len(in_t) + len(ab_in_t), len(off), 100)
        v["service_level"] = sl
        v["asa"] = _div(sum((r["wait_seconds"] or 0.0) for r in ans), len(ans))
        v["avg_queue_time"] = _div(sum(r["wait_seconds"] for r in queued), len(queued))
        v["queued_rate"] = _div(len(queued), len(off), 100)
        abw = [r["wait_seconds"] for r in ab if r["wait_seconds"] is not None]
        v["avg_abandon_time"] = _div(sum(abw), len(abw))
        v["avg_talk_time"] = _div(sum(r["talk_seconds"] for r in talk), len(talk))
        v["aht"] = _div(sum(r["talk_seconds"] + (r["acw_seconds"] or 0.0) for r in talk), len(talk))
        v["acw_time"] = _div(sum(r["acw_seconds"] for r in acw), len(acw))
        v["avg_hold_time"] = _div(sum(r["hold_seconds"] for r in hold), len(hold))
        v["avg_rings"] = _div(sum(rings), len(rings))
        v["fcr"] = _div(sum(1 for r in resolved if r["resolved"]), len(resolved), 100)
        v["transfer_rate"] = _div(len(transferred), len(ans), 100)
        v["blind_transfer_rate"] = _div(sum(1 for r in ans if r.get("transfer_kind") == "blind"), len(ans), 100)
        v["announced_transfer_rate"] = _div(sum(1 for r in ans if r.get("transfer_kind") == "announced"), len(ans), 100)
        v["blocked_rate"] = _div(sum(1 for r in rows if r["outcome"] == "blocked"), len(rows), 100)
        v["ivr_containment"] = _div(sum(1 for r in first if r["outcome"] == "ivr_self_served"), len(ivr_used), 100)
        v["_answered_by_agent"] = len(ans)
        v["_handled_contacts"] = len({r["contact_id"] for r in rows if r["outcome"] in ANSWERED
                                      or r["outcome"] == "ivr_self_served"})

    # ---- busy hour and peak day
    for k, rows in g.add(calls, lambda r: r["offered_local"]).items():
        days: dict[date, dict[int, list[Row]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            t = r["offered_local"]
            days[t.date()][t.hour].append(r)
        bh_off = bh_ans = 0
        daily = []
        for hours in days.values():
            counts = {h: sum(1 for r in rs if r["outcome"] in OFFERED) for h, rs in hours.items()}
            best = min(h for h, c in counts.items() if c == max(counts.values()))
            bh_off += counts[best]
            bh_ans += sum(1 for r in hours[best] if r["outcome"] in ANSWERED)
            n = sum(counts.values())
            if n:
                daily.append(n)
        out[k]["busy_hour_answer_rate"] = _div(bh_ans, bh_off, 100)
        out[k]["peak_day_coefficient"] = _div(max(daily), sum(daily) / len(daily)) if daily else None

    # ---- contacts (repeat calls, attempts, inferred FCR): over all calls, then grouped
    answered_contacts = {r["contact_id"] for r in calls if r["outcome"] in ANSWERED}
    firsts = [r for r in calls if r["leg"] == 1]
    by_caller: dict[str, list[Row]] = defaultdict(list)
    for r in firsts:
        caller = r.get("customer_id") or r.get("caller_number")
        if caller is not None:
            by_caller[caller].append(r)
    repeated: set[str] = set()
    window = timedelta(hours=s.fcr_window_hours)
    for rs in by_caller.values():
        rs = sorted(rs, key=lambda r: (r["offered_at"], r["contact_id"]))
        for a, b in itertools.pairwise(rs):
            if b["offered_at"] - a["offered_at"] <= window:
                repeated.add(a["contact_id"])
    for k, rows in g.add(firsts, lambda r: r["offered_local"]).items():
        known = [r for r in rows if (r.get("customer_id") or r.get("caller_number")) is not None]
        callers = {r.get("customer_id") or r.get("caller_number") for r in known}
        ans_known = [r for r in known if r["contact_id"] in answered_contacts]
        out[k]["repeat_call_rate"] = _div(sum(1 for r in known if r["contact_id"] in repeated), len(known), 100)
        out[k]["attempts_per_caller"] = _div(len(known), len(callers))
        out[k]["fcr_inferred"] = _div(sum(1 for r in ans_known if r["contact_id"] not in repeated), len(ans_known), 100)

    # ---- agent states
    states = []  # each state cut at interval (or, for day and up, midnight) boundaries
    for r in tables.get("agent_states", []):
        if r["seconds"] is None:
            continue
        t0, t_end = r["start_local"], r["start_local"] + timedelta(seconds=r["seconds"])
        while t0 < t_end:
            if grain == "total":
                cut = t_end
            else:
                base = period_start(t0, grain if grain.endswith("m") else "day")
                cut = min(t_end, next_period(base, grain if grain.endswith("m") else "day"))
            states.append({**r, "start_local": t0, "seconds": (cut - t0).total_seconds()})
            t0 = cut
    for k, rows in g.add(states, lambda r: r["start_local"], ("agent", "team", "queue")).items():
        tot: dict[str, float] = defaultdict(float)
        for r in rows:
            tot[r["state"]] += r["seconds"]
        busy = tot["talking"] + tot["hold"] + (tot["acw"] if s.acw_in_occupancy else 0.0)
        out[k]["occupancy"] = _div(busy, busy + tot["ready"], 100)
        out[k]["_ready_s"] = sum(tot[x] for x in ("ready", "ringing", "talking", "hold", "acw"))
        out[k]["_logged_in_s"] = tot["logged_in"]
        out[k]["_handling_s"] = tot["talking"] + tot["hold"] + tot["acw"]
    for k, rows in g.add(tables.get("schedule", []), lambda r: _local(r["start_at"], s, start), ("agent", "team"),
                         DAYS_UP).items():
        out[k]["_phone_s"] = sum((r["end_at"] - r["start_at"]).total_seconds() for r in rows if r["activity"] == "phone")
    org = {a["agent"]: a for a in tables.get("agents", [])}

    def with_org(rows: Iterable[Row]) -> list[Row]:  # the agent's team and centre, from agents
        return [{**r, "team": org.get(r["agent"], {}).get("team"), "centre": org.get(r["agent"], {}).get("centre")}
                for r in rows]

    for k, rows in g.add(with_org(tables.get("timeclock", [])), lambda r: _as_dt(r["date"]),
                         ("agent", "team", "centre"), DAYS_UP).items():
        sched = [r for r in rows if r["scheduled"]]
        out[k]["attendance"] = _div(sum(1 for r in sched if r["present"]), len(sched), 100)
        paid = sum((r["clock_out_at"] - r["clock_in_at"]).total_seconds() for r in rows
                   if r["clock_in_at"] is not None and r["clock_out_at"] is not None)
        out[k]["_paid_s"] = paid
        out[k]["hours_per_agent"] = _div(paid / 3600, len({r["agent"] for r in rows if r["present"]}))
    for k, rows in g.add(with_org(tables.get("qa_scores", [])), lambda r: _local(r["evaluated_at"], s, start),
                         ("agent", "team", "centre"), DAYS_UP).items():
        out[k]["qa_score"] = _div(sum(r["score"] * 100 / (r["max_score"] or 100.0) for r in rows), len(rows))
    call_by_id = {r["call_id"]: r for r in calls}
    surveys = [{**r, **{d: call_by_id.get(r["call_id"], {}).get(d) for d in by}} for r in tables.get("surveys", [])]
    for k, rows in g.add(surveys, lambda r: _local(r["answered_at"], s, start), grains=DAYS_UP).items():
        sat = [r for r in rows if (r["satisfied"] if r["satisfied"] is not None
                                   else r["score"] >= r["scale_max"] * s.satisfied_min_share)]
        out[k]["satisfaction_rate"] = _div(len(sat), len(rows), 100)
    for k, rows in g.add(tables.get("costs", []), lambda r: _as_dt(r["period_start"]), ("centre",), ("month",)).items():
        out[k]["_cost"] = sum(r["amount"] for r in rows)

    # ---- turnover (month grain, no dimensions)
    if grain == "month" and not by and start is not None and end is not None:
        p = period_start(start, "month")
        while p < end:
            leavers = sum(1 for r in tables.get("headcount_events", []) if r["event"] == "leave"
                          and period_start(_as_dt(r["date"]), "month") == p)
            head = sum(1 for a in tables.get("agents", []) if (a.get("employment") or "full_time") == "full_time"
                       and (a.get("hired_on") is None or _as_dt(a["hired_on"]) <= p)
                       and (a.get("left_on") is None or _as_dt(a["left_on"]) >= p))
            out[(p,)]["turnover"] = _div(leavers, head, 100)
            p = next_period(p, "month")

    # ---- cross-source ratios, then fill
    for v in out.values():
        if "_phone_s" in v or "_ready_s" in v:
            v["adherence"] = _div(v.get("_ready_s", 0.0), v.get("_phone_s", 0.0), 100)
        if "_answered_by_agent" in v or "_logged_in_s" in v:
            v["calls_per_hour"] = _div(v.get("_answered_by_agent", 0), v.get("_logged_in_s", 0.0), 3600)
        if "_handling_s" in v or "_paid_s" in v:
            v["utilisation"] = _div(v.get("_handling_s", 0.0), v.get("_paid_s", 0.0), 100)
        if "_cost" in v or "_handled_contacts" in v:
            v["cost_per_call"] = _div(v.get("_cost", 0.0), v.get("_handled_contacts", 0))
    keys = set(out)
    if fill and keys:
        lo = start or min(k[0] for k in keys)
        hi = end or next_period(max(k[0] for k in keys), grain)
        combos = {k[1:] for k in keys}
        p = period_start(lo, grain)
        while p < hi:
            keys |= {(p, *c) for c in combos}
            p = next_period(p, grain)
    count_ids = {"offered", "answered", "abandoned", "abandoned_short", "total_calls"}
    return {k: {i: out.get(k, {}).get(i, 0 if i in count_ids else None) for i in indicators} for k in sorted(keys)}
