"""Turn simulation results into the canonical tables (``callcenter.schema``).

Every row says it is simulated: ``source_file = "simulated:<config name>:seed=<seed>"`` and
``source_outcome`` is the simulator's own outcome code. Ids are prefixed with
``sim:<config name>:<seed>`` so several simulated runs can share a warehouse.

``agent_states`` partitions each ``logged_in`` session into ``talking`` / ``hold`` /
``talking`` (hold placed in the middle of the talk), ``acw``, ``not_ready`` (breaks) and
``ready`` (every remaining gap), so occupancy and adherence add up exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callcenter import schema
from callcenter.schema import AgentState, Outcome
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import Streams
from callcenter.simulate.engine import (
    ABD,
    ANS,
    BLBUSY,
    BLREL,
    INCOMPLETE,
    IVRA,
    IVRS,
    QFULL,
    SRC,
    TRUNK,
    XFER,
    Legs,
)
from callcenter.simulate.roster import Plan
from callcenter.timegrid import utc_to_local

SECONDS_PER_RING = 3.0  # ring cadence used to count rings (Settings.seconds_per_ring default)

_OUTCOME = {
    ANS: Outcome.ANSWERED,
    ABD: Outcome.ABANDONED,
    IVRA: Outcome.IVR_ABANDONED,
    IVRS: Outcome.IVR_SELF_SERVED,
    TRUNK: Outcome.BLOCKED,
    QFULL: Outcome.BLOCKED,
    BLBUSY: Outcome.BLOCKED,
    BLREL: Outcome.BLOCKED,
    XFER: Outcome.TRANSFERRED,
    INCOMPLETE: Outcome.INCOMPLETE,
}


class _Ctx:
    def __init__(self, cfg: SimConfig, seed: int, t0: datetime) -> None:
        self.cfg = cfg
        self.seed = seed
        self.prefix = f"sim:{cfg.name}:{seed}"
        self.source = f"simulated:{cfg.name}:seed={seed}"
        self.t0_us = int(t0.timestamp()) * 1_000_000

    def ts(self, sec: np.ndarray) -> pa.Array:
        """Seconds since the epoch (NaN = null) -> timestamp[us, UTC]."""
        sec = np.asarray(sec, dtype=np.float64)
        mask = np.isnan(sec)
        us = self.t0_us + np.rint(np.where(mask, 0.0, sec) * 1e6).astype(np.int64)
        return pa.array(us, type=pa.int64(), mask=mask).cast(schema.UTC_TS)

    def local(self, utc: pa.Array) -> pa.Array:
        return utc_to_local(utc, self.cfg.timezone)

    def ids(self, tag: str, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        """``<prefix>-<tag><idx>`` strings (null where not ``valid``)."""
        mask = None if valid is None else ~valid
        num = pa.array(np.asarray(idx, dtype=np.int64), type=pa.int64(), mask=mask)
        return pc.binary_join_element_wise(f"{self.prefix}-{tag}", pc.cast(num, pa.string()), "")


def _const(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` n times."""
    return pc.fill_null(pa.nulls(n, pa.string()), value)


def _f64(x: np.ndarray) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    return pa.array(x, type=pa.float64(), mask=np.isnan(x))


def _take(names: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Dictionary lookup ``names[idx]`` as a string array (null where not valid)."""
    d = pa.array(names, type=pa.string())
    idx = np.asarray(idx)
    mask = (idx < 0) if valid is None else (~valid | (idx < 0))
    return pc.take(d, pa.array(np.where(mask, 0, idx).astype(np.int64), mask=mask))


def calls_table(
    ctx: _Ctx, legs: Legs, plan: Plan, survey_score: np.ndarray, blacklisted: np.ndarray,
    rows: np.ndarray | None = None,
) -> pa.Table:
    """One row per leg (only the legs at ``rows`` when given); ``blacklisted`` is the
    per-customer flag (warned calls get a wrap-up code)."""
    cfg = ctx.cfg
    if rows is not None:
        legs = legs.subset(rows)
        survey_score = survey_score[rows]
        idx = np.asarray(rows, dtype=np.int64)
    else:
        idx = np.arange(len(legs), dtype=np.int64)
    n = len(legs)
    offered = ctx.ts(legs.offered)
    qnames = [q.name for q in cfg.queues]
    src = legs.src
    outcome_names = [str(_OUTCOME[i].value) for i in range(len(SRC))]
    in_ivr = ~np.isnan(legs.ivr_exit)
    agent_names = [a.id for a in plan.agents]
    agent_teams = [a.team for a in plan.agents]
    cust = pc.utf8_lpad(pc.cast(pa.array(legs.customer), pa.string()), 8, "0")
    warned = blacklisted[legs.customer] if len(blacklisted) else np.zeros(n, dtype=bool)
    warned = warned & (cfg.blacklist.action == "warn")
    wrap = pc.if_else(pa.array(warned), "blacklist_warning", pa.scalar(None, pa.string()))
    resolved_valid = src == ANS
    cols = {
        "call_id": ctx.ids("", idx + 1),
        "contact_id": ctx.ids("c", legs.contact + 1),
        "leg": pa.array(legs.leg, type=pa.int16()),
        "channel": _const("voice", n),
        "direction": _const("inbound", n),
        "centre": _const(cfg.centre, n),
        "queue": _take(qnames, legs.queue),
        "call_type": _take(qnames, legs.queue),
        "customer_id": pc.binary_join_element_wise("C", cust, ""),
        "customer_tier": _take([t.name for t in cfg.tiers], legs.tier),
        "caller_number": pc.binary_join_element_wise("139", cust, ""),
        "offered_at": offered,
        "offered_local": ctx.local(offered),
        "ivr_entry_at": ctx.ts(np.where(in_ivr, legs.offered, np.nan)),
        "ivr_exit_at": ctx.ts(legs.ivr_exit),
        "ivr_seconds": _f64(legs.ivr_exit - legs.offered),
        "queue_entry_at": ctx.ts(legs.q_entry),
        "queue_exit_at": ctx.ts(legs.q_exit),
        "wait_seconds": _f64(legs.q_exit - legs.q_entry),
        "answered_at": ctx.ts(legs.answered),
        "agent": _take(agent_names, legs.agent),
        "team": _take(agent_teams, legs.agent),
        "ring_seconds": _f64(legs.ring),
        "ring_count": pa.array(
            np.maximum(np.ceil(np.nan_to_num(legs.ring) / SECONDS_PER_RING), 1).astype(np.int16),
            type=pa.int16(), mask=np.isnan(legs.ring),
        ),
        "talk_seconds": _f64(legs.talk),
        "hold_seconds": _f64(legs.hold),
        "acw_seconds": _f64(legs.acw),
        "ended_at": ctx.ts(legs.ended),
        "outcome": _take(outcome_names, src.astype(np.int64)),
        "source_outcome": _take(list(SRC), src.astype(np.int64)),
        "transfer_kind": _take(["", "blind", "announced"], legs.transfer_kind, legs.transfer_kind > 0),
        "transfer_target": _take(qnames, legs.transfer_target),
        "wrapup_code": wrap,
        "resolved": pa.array(legs.resolved, type=pa.bool_(), mask=~resolved_valid),
        "survey_score": _f64(survey_score),
        "source_file": _const(ctx.source, n),
        "source_line": pa.array(idx + 1, type=pa.int64()),
    }
    return schema.conform(schema.CALLS, pa.table(cols))


def agent_states_table(
    ctx: _Ctx, legs: Legs, plan: Plan, agents: np.ndarray | None = None
) -> pa.Table:
    """Sessions, breaks, talk/hold/acw per answered leg, and ready gaps (only for the agents
    whose indices are in ``agents`` when given)."""
    ans = ~np.isnan(legs.answered)
    keep = None
    if agents is not None:
        keep = np.zeros(len(plan.agents), dtype=bool)
        keep[agents] = True
        ans &= keep[np.maximum(legs.agent, 0)]
    a = legs.agent[ans].astype(np.int64)
    leg_idx = np.flatnonzero(ans)
    s = legs.answered[ans]
    seized = legs.assigned[ans]
    ring = legs.ring[ans]
    has_ring = ~np.isnan(ring) & (ring > 0)
    talk = legs.talk[ans]
    hold = legs.hold[ans]
    acw = np.nan_to_num(legs.acw[ans])
    has_hold = ~np.isnan(hold) & (hold > 0)
    h = np.where(has_hold, hold, 0.0)
    pre = np.where(has_hold, (talk - h) / 2.0, talk)
    parts = [
        # (agent, state, start, end, leg)
        (a[has_ring], AgentState.RINGING, seized[has_ring], s[has_ring], leg_idx[has_ring]),
        (a, AgentState.TALKING, s, s + pre, leg_idx),
        (a[has_hold], AgentState.HOLD, (s + pre)[has_hold], (s + pre + h)[has_hold], leg_idx[has_hold]),
        (a[has_hold], AgentState.TALKING, (s + pre + h)[has_hold], (s + talk)[has_hold], leg_idx[has_hold]),
        (a, AgentState.ACW, s + talk, s + talk + acw, leg_idx),
    ]
    sess = np.array(sorted(legs.sessions), dtype=np.float64).reshape(-1, 3)
    brk = legs.breaks
    if keep is not None:
        sess = sess[keep[sess[:, 0].astype(np.int64)]]
        brk = [b for b in brk if keep[b[0]]]
    b_agent = np.array([x[0] for x in brk], dtype=np.int64)
    b_start = np.array([x[1] for x in brk], dtype=np.float64)
    b_end = np.array([x[2] for x in brk], dtype=np.float64)
    b_reason = [x[3] for x in brk]

    # ready = gaps inside sessions not covered by calls (talk+acw) or breaks
    s_agent = sess[:, 0].astype(np.int64)
    ag = np.concatenate([s_agent, a, b_agent, s_agent])
    st_ = np.concatenate([sess[:, 1], seized, b_start, sess[:, 2]])
    en_ = np.concatenate([sess[:, 1], s + talk + acw, b_end, sess[:, 2]])
    kind = np.concatenate(
        [np.full(len(sess), 1), np.full(len(a) + len(b_agent), 2), np.full(len(sess), 0)]
    )  # 0 session end, 1 session start, 2 occupied: at equal times end < start < occupied
    order = np.lexsort((kind, st_, ag))
    ag, st_, en_, kind = ag[order], st_[order], en_[order], kind[order]
    same = ag[:-1] == ag[1:]
    gap = same & (kind[:-1] != 0) & (kind[1:] != 1) & (st_[1:] > en_[:-1])
    r_agent = ag[:-1][gap]
    r_start = en_[:-1][gap]
    r_end = st_[1:][gap]

    state_names = [str(x) for x in AgentState]
    reason_names = sorted(set(b_reason))
    reason_code = {r: i for i, r in enumerate(reason_names)}
    agents_l: list[np.ndarray] = []
    states: list[np.ndarray] = []
    reasons: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    calls: list[np.ndarray] = []

    def add(agent: np.ndarray, state: str, start: np.ndarray, end: np.ndarray,
            call: np.ndarray | None, reason: np.ndarray | None = None) -> None:
        keep = end >= start if state == AgentState.LOGGED_IN else end > start
        k = int(keep.sum())
        agents_l.append(agent[keep])
        states.append(np.full(k, state_names.index(str(state)), dtype=np.int8))
        starts.append(start[keep])
        ends.append(end[keep])
        calls.append(call[keep] if call is not None else np.full(k, -1, dtype=np.int64))
        reasons.append(reason[keep] if reason is not None else np.full(k, -1, dtype=np.int64))

    add(s_agent, AgentState.LOGGED_IN, sess[:, 1], sess[:, 2], None)
    for agent, state, st0, en0, li in parts:
        add(agent, state, st0, en0, li)
    add(b_agent, AgentState.NOT_READY, b_start, b_end, None,
        np.array([reason_code[r] for r in b_reason], dtype=np.int64))
    add(r_agent, AgentState.READY, r_start, r_end, None)

    agent_all = np.concatenate(agents_l)
    start_all = np.concatenate(starts)
    end_all = np.concatenate(ends)
    call_all = np.concatenate(calls).astype(np.int64)
    state_all = np.concatenate(states)
    reason_all = np.concatenate(reasons)
    order = np.lexsort((start_all, agent_all))  # stable: by agent, then start
    agent_all, start_all, end_all = agent_all[order], start_all[order], end_all[order]
    call_all, state_all, reason_all = call_all[order], state_all[order], reason_all[order]
    start_ts = ctx.ts(start_all)
    cols = {
        "agent": _take([x.id for x in plan.agents], agent_all),
        "team": _take([x.team for x in plan.agents], agent_all),
        "state": _take(state_names, state_all.astype(np.int64)),
        "reason": _take(reason_names or [""], reason_all),
        "start_at": start_ts,
        "start_local": ctx.local(start_ts),
        "end_at": ctx.ts(end_all),
        "seconds": _f64(end_all - start_all),
        "call_id": ctx.ids("", call_all + 1, valid=call_all >= 0),
        "source_file": _const(ctx.source, len(agent_all)),
    }
    return schema.conform(schema.AGENT_STATES, pa.table(cols))


def surveys_and_qa(
    ctx: _Ctx, legs: Legs, plan: Plan, streams: Streams
) -> tuple[np.ndarray, pa.Table, pa.Table]:
    """Post-call surveys (answered final legs) and QA evaluations (sampled answered legs)."""
    cfg = ctx.cfg
    n = len(legs)
    score = np.full(n, np.nan)
    sv = cfg.survey
    final = legs.src == ANS
    rng = streams.rng("survey")
    u = rng.random(n)
    surveyed = final & (u < sv.prob)
    k = len(sv.resolved_weights)
    pts = np.linspace(sv.scale_max / k, sv.scale_max, k)
    pr = np.asarray(sv.resolved_weights, float)
    pu = np.asarray(sv.unresolved_weights, float)
    cr = np.cumsum(pr / pr.sum())
    cu = np.cumsum(pu / pu.sum())
    v = rng.random(n)
    pick = np.where(
        legs.resolved, np.searchsorted(cr, v, side="right"), np.searchsorted(cu, v, side="right")
    )
    score[surveyed] = pts[np.minimum(pick, k - 1)][surveyed]
    si = np.flatnonzero(surveyed)
    s_at = ctx.ts(legs.ended[si] + 20.0)
    surveys = schema.conform(
        schema.SURVEYS,
        pa.table(
            {
                "survey_id": ctx.ids("s", si + 1),
                "call_id": ctx.ids("", si + 1),
                "answered_at": s_at,
                "score": pa.array(score[si], type=pa.float64()),
                "scale_max": pa.array(np.full(len(si), sv.scale_max), type=pa.float64()),
                "satisfied": pa.array(score[si] >= 0.8 * sv.scale_max, type=pa.bool_()),
                "source_file": pa.array([ctx.source] * len(si), type=pa.string()),
                "source_line": pa.array(si + 1, type=pa.int64()),
            }
        ),
    )
    qa = cfg.qa
    qrng = streams.rng("qa")
    reached = ~np.isnan(legs.answered)
    sampled = reached & (qrng.random(n) < qa.sample_rate)
    qi = np.flatnonzero(sampled)
    delay = qrng.uniform(3600.0, 72 * 3600.0, n)[qi]
    qs = np.clip(qrng.normal(qa.mean, qa.sd, n)[qi], 0.0, qa.max_score).round(1)
    evaluators = np.array([f"QA{j:02d}" for j in range(1, 4)], dtype=object)
    qa_t = schema.conform(
        schema.QA_SCORES,
        pa.table(
            {
                "evaluation_id": ctx.ids("q", qi + 1),
                "agent": _take([x.id for x in plan.agents], legs.agent[qi]),
                "call_id": ctx.ids("", qi + 1),
                "evaluated_at": ctx.ts(legs.ended[qi] + delay),
                "evaluator": pa.array(evaluators[qi % 3], type=pa.string()),
                "form": pa.array(["standard"] * len(qi), type=pa.string()),
                "score": pa.array(qs, type=pa.float64()),
                "max_score": pa.array(np.full(len(qi), qa.max_score), type=pa.float64()),
                "source_file": pa.array([ctx.source] * len(qi), type=pa.string()),
                "source_line": pa.array(qi + 1, type=pa.int64()),
            }
        ),
    )
    return score, surveys, qa_t


def roster_tables(ctx: _Ctx, plan: Plan, days: int, streams: Streams) -> dict[str, pa.Table]:
    """``agents``, ``headcount_events``, ``schedule`` and ``timeclock`` from the plan.

    Hire dates are 1–36 months before the start; with ``attrition_monthly`` p, each agent
    leaves with probability 1 − (1 − p)^(days/30.4), on the last simulated day (so nobody
    who has left still takes calls).
    """
    cfg = ctx.cfg
    ag = plan.agents
    rng = streams.rng("headcount")
    hired = [cfg.start - timedelta(days=int(x)) for x in rng.integers(30, 36 * 30, len(ag))]
    p_leave = 1 - (1 - cfg.attrition_monthly) ** (days / 30.4)
    leaves = rng.random(len(ag)) < p_leave
    last_day = cfg.start + timedelta(days=days - 1)
    left = [last_day if x else None for x in leaves]
    ev_agent = [a.id for a in ag] + [a.id for a, x in zip(ag, leaves, strict=True) if x]
    ev_kind = ["join"] * len(ag) + ["leave"] * int(leaves.sum())
    ev_date = hired + [last_day] * int(leaves.sum())
    headcount = schema.conform(
        schema.HEADCOUNT_EVENTS,
        pa.table(
            {
                "agent": ev_agent,
                "event": ev_kind,
                "date": pa.array(ev_date, type=pa.date32()),
                "employment": ["full_time"] * len(ev_agent),
                "reason": [None if k == "join" else "resigned" for k in ev_kind],
                "source_file": [ctx.source] * len(ev_agent),
            }
        ),
    )
    agents = schema.conform(
        schema.AGENTS,
        pa.table(
            {
                "agent": [a.id for a in ag],
                "team": [a.team for a in ag],
                "centre": [cfg.centre] * len(ag),
                "role": ["agent"] * len(ag),
                "employment": ["full_time"] * len(ag),
                "skills": [",".join(cfg.queues[q].name for _, q in a.skills) for a in ag],
                "hired_on": pa.array(hired, type=pa.date32()),
                "left_on": pa.array(left, type=pa.date32()),
                "source_file": [ctx.source] * len(ag),
            }
        ),
    )
    sc = plan.schedule
    schedule_t = schema.conform(
        schema.SCHEDULE,
        pa.table(
            {
                "agent": [ag[r[0]].id for r in sc],
                "team": [ag[r[0]].team for r in sc],
                "date": pa.array([r[1] for r in sc], type=pa.date32()),
                "activity": [r[2] for r in sc],
                "start_at": ctx.ts(np.array([r[3] for r in sc], dtype=np.float64)),
                "end_at": ctx.ts(np.array([r[4] for r in sc], dtype=np.float64)),
                "shift": [r[5] for r in sc],
                "published": pa.array([True] * len(sc), type=pa.bool_()),
                "source_file": [ctx.source] * len(sc),
            }
        ),
    )
    tc = plan.timeclock
    cin = np.array([np.nan if r[4] is None else r[4] for r in tc], dtype=np.float64)
    cout = np.array([np.nan if r[5] is None else r[5] for r in tc], dtype=np.float64)
    timeclock = schema.conform(
        schema.TIMECLOCK,
        pa.table(
            {
                "agent": [ag[r[0]].id for r in tc],
                "date": pa.array([r[1] for r in tc], type=pa.date32()),
                "scheduled": pa.array([r[2] for r in tc], type=pa.bool_()),
                "present": pa.array([r[3] for r in tc], type=pa.bool_()),
                "clock_in_at": ctx.ts(cin),
                "clock_out_at": ctx.ts(cout),
                "absence_reason": pa.array([r[6] for r in tc], type=pa.string()),
                "source_file": [ctx.source] * len(tc),
            }
        ),
    )
    return {"agents": agents, "headcount_events": headcount, "schedule": schedule_t,
            "timeclock": timeclock}


def costs_table(ctx: _Ctx, legs: Legs, days: int) -> pa.Table:
    """Simulated monthly costs: staff (logged-in hours × rate), telecom (line minutes × rate),
    facilities and IT (monthly amounts, pro rata for a partial month)."""
    cfg = ctx.cfg
    c = cfg.costs
    if c is None:
        return schema.empty(schema.COSTS)
    day0 = np.datetime64(cfg.start, "D")
    all_days = day0 + np.arange(days)
    months = all_days.astype("datetime64[M]")
    sess = np.array(sorted(legs.sessions), dtype=np.float64).reshape(-1, 3)
    s_day = day0 + np.minimum((sess[:, 1] // 86_400).astype(np.int64), days - 1)
    line = np.nan_to_num(legs.ended - legs.offered)
    l_day = day0 + np.clip((legs.offered // 86_400).astype(np.int64), 0, days - 1)
    rows: dict[str, list[object]] = {k: [] for k in
                                     ("period_start", "period_end", "centre", "category", "amount", "currency")}
    for m in np.unique(months):
        in_m = all_days[months == m]
        share = len(in_m) / ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int)
        hours = float((sess[:, 2] - sess[:, 1])[s_day.astype("datetime64[M]") == m].sum()) / 3600
        minutes = float(line[l_day.astype("datetime64[M]") == m].sum()) / 60
        amounts = {
            "staff": hours * c.staff_per_logged_in_hour,
            "telecom": minutes * c.telecom_per_minute,
            "facilities": c.facilities_per_month * share,
            "it": c.it_per_month * share,
        }
        for cat, amt in amounts.items():
            rows["period_start"].append(in_m[0].astype(object))
            rows["period_end"].append(in_m[-1].astype(object))
            rows["centre"].append(cfg.centre)
            rows["category"].append(cat)
            rows["amount"].append(round(amt, 2))
            rows["currency"].append(c.currency)
    n = len(rows["amount"])
    t = pa.table({
        "period_start": pa.array(rows["period_start"], type=pa.date32()),
        "period_end": pa.array(rows["period_end"], type=pa.date32()),
        "centre": pa.array(rows["centre"], type=pa.string()),
        "category": pa.array(rows["category"], type=pa.string()),
        "amount": pa.array(rows["amount"], type=pa.float64()),
        "currency": pa.array(rows["currency"], type=pa.string()),
        "source_file": _const(ctx.source, n),
    })
    return schema.conform(schema.COSTS, t)
