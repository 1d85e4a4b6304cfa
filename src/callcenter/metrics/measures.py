"""Measures: the named Ibis aggregates that indicators combine.

A measure belongs to one *source* (a canonical table, or a derived one such as the
contact-level table). Each source turns the canonical tables into an aggregated Ibis
table keyed by ``period`` (integer key, see :mod:`callcenter.metrics.grain`) and the
requested dimensions, with one column per measure. Counts and sums of nothing are null
here and become 0 when the engine joins the sources.

Only portable Ibis is used (integer arithmetic for time buckets, no ``bucket``), so the
same expressions run on DuckDB, SQLite and (except the window-based ``contacts`` and
the busy-hour/peak-day sources' nothing-special joins) Polars.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis

from callcenter.metrics.grain import NONE, Query, epoch_s, with_period
from callcenter.schema import ANSWERED_OUTCOMES, IVR_OUTCOMES, QUEUE_LOSS_OUTCOMES, Outcome
from callcenter.settings import Settings
from callcenter.timegrid import grain_minutes

Expr = Any  # Ibis expressions are only partly typed
MeasureFn = Callable[[Expr, Settings], Expr]

ANSWERED = sorted(o.value for o in ANSWERED_OUTCOMES)
OFFERED = sorted({o.value for o in ANSWERED_OUTCOMES | QUEUE_LOSS_OUTCOMES} | {Outcome.OVERFLOWED.value})
IVR = sorted(o.value for o in IVR_OUTCOMES)
ON_PHONE_STATES = ["ready", "ringing", "talking", "hold", "acw"]


def _answered(t: Expr) -> Expr:
    return t._ans if "_ans" in t.columns else t.outcome.isin(ANSWERED)


def _offered(t: Expr) -> Expr:
    return t._off if "_off" in t.columns else t.outcome.isin(OFFERED)


def _abandoned(t: Expr) -> Expr:
    return t._ab if "_ab" in t.columns else t.outcome == Outcome.ABANDONED.value


def with_flags(c: Expr) -> Expr:
    """Calls with the outcome tests computed once per row (not once per measure)."""
    return c.mutate(
        _ans=c.outcome.isin(ANSWERED), _off=c.outcome.isin(OFFERED), _ab=c.outcome == Outcome.ABANDONED.value
    )


def _rings(t: Expr, s: Settings) -> Expr:
    return ibis.coalesce(t.ring_count.cast("float64"), (t.ring_seconds / s.seconds_per_ring).ceil().cast("float64"))


def _transferred(t: Expr) -> Expr:
    return _answered(t) & ((t.outcome == Outcome.TRANSFERRED.value) | t.transfer_kind.notnull())


CALL_MEASURES: dict[str, MeasureFn] = {
    "legs": lambda t, s: t.count(),
    "contacts": lambda t, s: t.contact_id.nunique(),
    "offered": lambda t, s: t.count(where=_offered(t)),
    "answered": lambda t, s: t.count(where=_answered(t)),
    "abandoned": lambda t, s: t.count(where=_abandoned(t)),
    "abandoned_short": lambda t, s: t.count(where=_abandoned(t) & (t.wait_seconds <= s.short_abandon_s)),
    "answered_in_t": lambda t, s: t.count(
        where=_answered(t) & (ibis.coalesce(t.wait_seconds, 0.0) <= s.sl_threshold_s)
    ),
    "abandoned_in_t": lambda t, s: t.count(where=_abandoned(t) & (t.wait_seconds <= s.sl_threshold_s)),
    "blocked": lambda t, s: t.count(where=t.outcome == Outcome.BLOCKED.value),
    "queued": lambda t, s: t.count(where=_offered(t) & (t.wait_seconds > 0)),
    "queued_wait_sum": lambda t, s: t.wait_seconds.sum(where=_offered(t) & (t.wait_seconds > 0)),
    "answered_wait_sum": lambda t, s: ibis.coalesce(t.wait_seconds, 0.0).sum(where=_answered(t)),
    "abandon_wait_sum": lambda t, s: t.wait_seconds.sum(where=_abandoned(t)),
    "abandon_wait_n": lambda t, s: t.count(where=_abandoned(t) & t.wait_seconds.notnull()),
    "talk_sum": lambda t, s: t.talk_seconds.sum(where=_answered(t)),
    "talk_n": lambda t, s: t.count(where=_answered(t) & t.talk_seconds.notnull()),
    "handle_sum": lambda t, s: (t.talk_seconds + ibis.coalesce(t.acw_seconds, 0.0)).sum(
        where=_answered(t) & t.talk_seconds.notnull()
    ),
    "acw_sum": lambda t, s: t.acw_seconds.sum(where=_answered(t)),
    "acw_n": lambda t, s: t.count(where=_answered(t) & t.acw_seconds.notnull()),
    "hold_sum": lambda t, s: t.hold_seconds.sum(where=_answered(t)),
    "hold_n": lambda t, s: t.count(where=_answered(t) & t.hold_seconds.notnull()),
    "rings_sum": lambda t, s: _rings(t, s).sum(where=_answered(t)),
    "rings_n": lambda t, s: t.count(where=_answered(t) & _rings(t, s).notnull()),
    "resolved_yes": lambda t, s: t.count(where=_answered(t) & (t.resolved == True)),  # noqa: E712
    "resolved_n": lambda t, s: t.count(where=_answered(t) & t.resolved.notnull()),
    "transferred": lambda t, s: t.count(where=_transferred(t)),
    "transferred_blind": lambda t, s: t.count(where=_answered(t) & (t.transfer_kind == "blind")),
    "transferred_announced": lambda t, s: t.count(where=_answered(t) & (t.transfer_kind == "announced")),
    "ivr_self_served": lambda t, s: t.count(where=(t.leg == 1) & (t.outcome == Outcome.IVR_SELF_SERVED.value)),
    "ivr_used": lambda t, s: t.count(
        where=(t.leg == 1) & (t.ivr_seconds.notnull() | t.ivr_entry_at.notnull() | t.outcome.isin(IVR))
    ),
    "handled_contacts": lambda t, s: t.contact_id.nunique(
        where=_answered(t) | (t.outcome == Outcome.IVR_SELF_SERVED.value)
    ),
}

STATE_MEASURES: dict[str, MeasureFn] = {
    "ready_s": lambda t, s: t.seconds.sum(where=t.state.isin(ON_PHONE_STATES)),
    "logged_in_s": lambda t, s: t.seconds.sum(where=t.state == "logged_in"),
    "talk_state_s": lambda t, s: t.seconds.sum(where=t.state == "talking"),
    "hold_state_s": lambda t, s: t.seconds.sum(where=t.state == "hold"),
    "acw_state_s": lambda t, s: t.seconds.sum(where=t.state == "acw"),
    "ready_state_s": lambda t, s: t.seconds.sum(where=t.state == "ready"),
}

SCHEDULE_MEASURES: dict[str, MeasureFn] = {
    "scheduled_phone_s": lambda t, s: (t.end_at.epoch_seconds() - t.start_at.epoch_seconds()).sum(
        where=t.activity == "phone"
    ).cast("float64"),
}


def _paid(t: Expr) -> Expr:
    return (t.clock_out_at.epoch_seconds() - t.clock_in_at.epoch_seconds()).cast("float64")


TIMECLOCK_MEASURES: dict[str, MeasureFn] = {
    "scheduled_days": lambda t, s: t.count(where=t.scheduled),
    "present_days": lambda t, s: t.count(where=t.scheduled & t.present),
    "paid_s": lambda t, s: _paid(t).sum(where=t.clock_in_at.notnull() & t.clock_out_at.notnull()),
    "agents_present": lambda t, s: t.agent.nunique(where=t.present),
}

QA_MEASURES: dict[str, MeasureFn] = {
    "qa_sum": lambda t, s: (t.score * 100.0 / ibis.coalesce(t.max_score, 100.0)).sum(),
    "qa_n": lambda t, s: t.count(),
}

SURVEY_MEASURES: dict[str, MeasureFn] = {
    "satisfied": lambda t, s: t.count(
        where=ibis.coalesce(t.satisfied, t.score >= t.scale_max * s.satisfied_min_share)
    ),
    "surveys": lambda t, s: t.count(),
}

COST_MEASURES: dict[str, MeasureFn] = {"cost": lambda t, s: t.amount.sum()}


@dataclass(frozen=True)
class Source:
    """How one source is aggregated: ``build(tables, query, measure_names) -> Ibis table``."""

    name: str
    tables: tuple[str, ...]
    dims: frozenset[str]
    measures: Mapping[str, MeasureFn]
    build: Callable[[Mapping[str, Expr], Query, Sequence[str]], Expr]
    needs_window: bool = False


def _dims(t: Expr, q: Query) -> dict[str, Expr]:
    return {d: ibis.coalesce(t[d].cast("string"), NONE) for d in q.by}


def _in_range(es: Expr, q: Query) -> Expr:
    cond = ibis.literal(True)
    if q.start_s is not None:
        cond = cond & (es >= q.start_s)
    if q.end_s is not None:
        cond = cond & (es < q.end_s)
    return cond


def _grouped(t: Expr, es: Expr, q: Query, fns: Mapping[str, MeasureFn], names: Sequence[str]) -> Expr:
    t = t.mutate(_es=es)
    t = t.filter(_in_range(t._es, q))
    t = with_period(t, "_es", q.grain)
    t = t.mutate(**_dims(t, q))
    return t.group_by(["period", *q.by]).aggregate(**{n: fns[n](t, q.settings) for n in names})


def inbound_calls(tables: Mapping[str, Expr]) -> Expr:
    c = tables["calls"]
    return c.filter(c.direction == "inbound")


def _build_calls(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    c = with_flags(inbound_calls(tables))
    return _grouped(c, epoch_s(c.offered_local), q, CALL_MEASURES, names)


def split_by_interval(t: Expr, q: Query) -> Expr:
    """State rows cut at interval (intraday grains) or day boundaries (day and up).

    Each piece keeps the row's columns, with ``_es`` its local start and ``seconds`` its
    share, so a 40-minute talk state counts 10 min in one half-hour and 30 in the next. The
    ``total`` grain cuts at day boundaries too, so a range's total is the sum of its days
    (a state crossing the range's end counts only its share inside the range).
    """
    width = ((None if q.grain == "total" else grain_minutes(q.grain)) or 24 * 60) * 60
    longest = t.get_backend().to_pyarrow(t.aggregate(m=t.seconds.max())).to_pylist()[0]["m"] or 0.0
    pieces = ibis.memtable({"_k": list(range(int(longest // width) + 2))})
    t = t.mutate(_s=epoch_s(t.start_local))
    t = t.mutate(_e=t._s + t.seconds, _b=(t._s // width) * width)
    x = t.cross_join(pieces)
    x = x.mutate(_lo=x._b + x._k * width, _hi=x._b + (x._k + 1) * width)
    x = x.filter(x._lo < x._e)
    x = x.mutate(
        _ps=ibis.ifelse(x._s > x._lo, x._s, x._lo),
        _pe=ibis.ifelse(x._e < x._hi, x._e, x._hi.cast("float64")),
    )
    x = x.mutate(seconds=(x._pe - x._ps).cast("float64"), _es=x._ps.cast("int64"))
    return x.filter(x.seconds > 0).drop("_s", "_e", "_b", "_k", "_lo", "_hi", "_ps", "_pe")


def _build_states(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    a = tables["agent_states"]
    a = split_by_interval(a.filter(a.seconds.notnull()), q)
    return _grouped(a, a._es, q, STATE_MEASURES, names)


def _build_schedule(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    t = tables["schedule"]
    return _grouped(t, t.start_at.epoch_seconds() + q.offset_s, q, SCHEDULE_MEASURES, names)


def with_agent_dims(t: Expr, tables: Mapping[str, Expr], q: Query) -> Expr:
    """``t`` (keyed by agent) with the agent's team / centre from ``agents`` when asked for."""
    extra = [d for d in q.by if d in ("team", "centre") and d not in t.columns]
    if not extra:
        return t
    a = tables["agents"].select("agent", *extra)
    return t.left_join(a, t.agent == a.agent).select(t, *[a[d] for d in extra])


def _build_timeclock(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    t = with_agent_dims(tables["timeclock"], tables, q)
    return _grouped(t, t.date.epoch_days() * 86400, q, TIMECLOCK_MEASURES, names)


def _build_qa(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    t = with_agent_dims(tables["qa_scores"], tables, q)
    return _grouped(t, t.evaluated_at.epoch_seconds() + q.offset_s, q, QA_MEASURES, names)


def _build_surveys(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    t = tables["surveys"]
    if q.by:
        c = inbound_calls(tables).select("call_id", *q.by)
        t = t.left_join(c, t.call_id == c.call_id).select(t, *[c[d] for d in q.by])
    return _grouped(t, t.answered_at.epoch_seconds() + q.offset_s, q, SURVEY_MEASURES, names)


def _build_cost(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    parts = []
    if "cost" in names:
        t = tables["costs"]
        parts.append(_grouped(t, t.period_start.epoch_days() * 86400, q, COST_MEASURES, ["cost"]))
    if "handled_contacts" in names:
        c = inbound_calls(tables)
        parts.append(_grouped(c, epoch_s(c.offered_local), q, CALL_MEASURES, ["handled_contacts"]))
    if len(parts) == 1:
        return parts[0]
    a, b = parts
    keys = ["period", *q.by]
    return a.outer_join(b, keys).select(
        **{k: ibis.coalesce(a[k], b[k]) for k in keys}, cost=a.cost, handled_contacts=b.handled_contacts
    )


def _build_busy_hour(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    """Each day's busiest hour (most offered legs; the earliest hour on a tie), per dims."""
    c = inbound_calls(tables)
    c = c.mutate(_es=epoch_s(c.offered_local))
    c = c.filter(_in_range(c._es, q))
    c = with_period(c.mutate(_day=c._es // 86400, _hour=c._es // 3600), "_es", q.grain)
    c = c.mutate(**_dims(c, q))
    keys = ["_day", "period", *q.by]
    hourly = c.group_by([*keys, "_hour"]).aggregate(
        h_offered=c.count(where=_offered(c)), h_answered=c.count(where=_answered(c))
    )
    peak = hourly.group_by(keys).aggregate(peak=hourly.h_offered.max())
    at_peak = hourly.join(peak, keys).filter(lambda x: x.h_offered == x.peak)
    first = at_peak.group_by(keys).aggregate(_hour=at_peak._hour.min())
    busiest = hourly.join(first, [*keys, "_hour"])
    return busiest.group_by(["period", *q.by]).aggregate(
        bh_offered=busiest.h_offered.sum(), bh_answered=busiest.h_answered.sum()
    )


def _build_peak_day(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    c = inbound_calls(tables)
    c = c.mutate(_es=epoch_s(c.offered_local))
    c = c.filter(_in_range(c._es, q) & _offered(c))
    c = with_period(c.mutate(_day=c._es // 86400), "_es", q.grain)
    c = c.mutate(**_dims(c, q))
    daily = c.group_by(["_day", "period", *q.by]).aggregate(n=c.count())
    return daily.group_by(["period", *q.by]).aggregate(
        pd_max=daily.n.max(), pd_sum=daily.n.sum(), pd_days=daily.count()
    )


def _build_contacts(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    """Contact level: first legs, the contact's answered flag, the caller's next contact.

    Only calls offered in [start, end + FCR window) can matter (a contact is counted in its
    first leg's period; its repeat must follow within the window), so the window over
    callers runs on that slice, not on the whole history.
    """
    c = inbound_calls(tables)
    window_s = q.settings.fcr_window_hours * 3600.0
    if q.start_s is not None:
        c = c.filter(epoch_s(c.offered_local) >= q.start_s)
    if q.end_s is not None:
        c = c.filter(epoch_s(c.offered_local) < q.end_s + int(window_s))
    # the window over callers and the per-contact answered flag only when a measure uses them
    # (attempts per caller needs neither: known contacts and distinct callers)
    need_rep = bool({"repeated", "answered_not_repeated"} & set(names))
    need_ans = bool({"answered_known", "answered_not_repeated"} & set(names))
    first = c.filter(c.leg == 1)
    if need_ans:  # every first leg's contact has a row here: the inner join keeps them all
        answered = c.group_by("contact_id").aggregate(_ans=c.count(where=_answered(c)))
        first = first.join(answered, "contact_id")
    first = first.mutate(
        _caller=ibis.coalesce(first.customer_id, first.caller_number),
        _utc=first.offered_at.epoch_seconds(),
        _es=epoch_s(first.offered_local),
    )
    first = first.mutate(_known=first._caller.notnull())
    if need_rep:
        w = ibis.window(group_by=first._caller, order_by=[first._utc, first.contact_id])
        first = first.mutate(_next=first._utc.lead().over(w))
        first = first.mutate(
            _rep=ibis.coalesce((first._next - first._utc) <= window_s, False) & first._caller.notnull())
    if need_ans:
        first = first.mutate(_answered=first._ans > 0)
    fns: dict[str, MeasureFn] = {
        "known_contacts": lambda t, s: t.count(where=t._known),
        "callers": lambda t, s: t._caller.nunique(where=t._known),
        "repeated": lambda t, s: t.count(where=t._rep),
        "answered_known": lambda t, s: t.count(where=t._known & t._answered),
        "answered_not_repeated": lambda t, s: t.count(where=t._known & t._answered & ~t._rep),
    }
    return _grouped(first, first._es, q, fns, names)


def _build_turnover(tables: Mapping[str, Expr], q: Query, names: Sequence[str]) -> Expr:
    """Leavers per month ÷ full-time agents employed on the month's first day."""
    ev = tables["headcount_events"]
    ev = ev.filter(ev.event == "leave")
    leavers = _grouped(ev, ev.date.epoch_days() * 86400, q, {"leavers": lambda t, s: t.count()}, ["leavers"])
    months = ibis.memtable({"period": list(q.month_keys()), "_first": list(q.month_first_days())})
    ag = tables["agents"]
    ag = ag.filter(ibis.coalesce(ag.employment, "full_time") == "full_time")
    ag = ag.mutate(_hired=ag.hired_on.epoch_days(), _left=ag.left_on.epoch_days())
    active = months.cross_join(ag).filter(
        lambda x: (ibis.coalesce(x._hired, -(10**9)) <= x._first) & (ibis.coalesce(x._left, 10**9) >= x._first)
    )
    hc = active.group_by("period").aggregate(headcount=active.count())
    keys = months.select("period")
    out = keys.left_join(hc, "period").select(keys.period, headcount=hc.headcount)
    return out.left_join(leavers, "period").select(out.period, out.headcount, leavers=leavers.leavers)


SOURCES: dict[str, Source] = {
    "calls": Source("calls", ("calls",), frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"}),
                    CALL_MEASURES, _build_calls),
    "agent_states": Source("agent_states", ("agent_states",), frozenset({"agent", "team", "queue"}),
                           STATE_MEASURES, _build_states),
    "schedule": Source("schedule", ("schedule",), frozenset({"agent", "team"}), SCHEDULE_MEASURES, _build_schedule),
    "timeclock": Source("timeclock", ("timeclock",), frozenset({"agent", "team", "centre"}), TIMECLOCK_MEASURES,
                        _build_timeclock),
    "qa_scores": Source("qa_scores", ("qa_scores",), frozenset({"agent", "team", "centre"}), QA_MEASURES, _build_qa),
    "surveys": Source("surveys", ("surveys", "calls"), frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"}),
                      SURVEY_MEASURES, _build_surveys),
    "cost": Source("cost", ("costs", "calls"), frozenset({"centre"}),
                   {**COST_MEASURES, "handled_contacts": CALL_MEASURES["handled_contacts"]}, _build_cost),
    "busy_hour": Source("busy_hour", ("calls",), frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"}),
                        {"bh_offered": CALL_MEASURES["offered"], "bh_answered": CALL_MEASURES["answered"]},
                        _build_busy_hour),
    "peak_day": Source("peak_day", ("calls",), frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"}),
                       {"pd_max": CALL_MEASURES["offered"], "pd_sum": CALL_MEASURES["offered"],
                        "pd_days": CALL_MEASURES["offered"]}, _build_peak_day),
    "contacts": Source("contacts", ("calls",), frozenset({"centre", "queue", "call_type", "customer_tier", "team", "agent"}),
                       {n: CALL_MEASURES["legs"] for n in
                        ("known_contacts", "callers", "repeated", "answered_known", "answered_not_repeated")},
                       _build_contacts, needs_window=True),
    "turnover": Source("turnover", ("headcount_events", "agents"), frozenset(),
                       {"leavers": CALL_MEASURES["legs"], "headcount": CALL_MEASURES["legs"]}, _build_turnover),
}

#: which source computes each measure (the indicator registry names measures only)
MEASURE_SOURCE: dict[str, str] = {}
for _src in ("calls", "agent_states", "schedule", "timeclock", "qa_scores", "surveys", "cost",
             "busy_hour", "peak_day", "contacts", "turnover"):
    for _m in SOURCES[_src].measures:
        MEASURE_SOURCE.setdefault(_m, _src)
# measures that belong to a special source even though calls could compute them too
MEASURE_SOURCE["handled_contacts"] = "cost"

__all__ = ["MEASURE_SOURCE", "SOURCES", "Source", "inbound_calls"]
