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
from callcenter.simulate.columns import const_str, local_us, prefixed_ints, take_names
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
    OVFL,
    QFULL,
    SRC,
    TRUNK,
    XFER,
    Activity,
    Answers,
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
    OVFL: Outcome.OVERFLOWED,
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
        return self.ts_local(sec)[0]

    def ts_local(self, sec: np.ndarray, local: bool = False) -> tuple[pa.Array, pa.Array | None]:
        """timestamp[us, UTC] and (when ``local``) the naive local wall clock of the same
        instants (NaN = null in both)."""
        sec = np.asarray(sec, dtype=np.float64)
        mask = np.isnan(sec)
        if len(sec) and mask.all():  # e.g. the IVR columns of a run without IVR
            return pa.nulls(len(sec), schema.UTC_TS), (pa.nulls(len(sec), pa.timestamp("us")) if local else None)
        us = self.t0_us + np.rint(np.where(mask, 0.0, sec) * 1e6).astype(np.int64)
        m = mask if mask.any() else None
        utc = pa.array(us, type=pa.int64(), mask=m).cast(schema.UTC_TS)
        if not local:
            return utc, None
        lus = local_us(us, self.cfg.timezone)
        if lus is None:
            return utc, utc_to_local(utc, self.cfg.timezone)
        return utc, pa.array(lus, type=pa.int64(), mask=m).cast(pa.timestamp("us"))

    def local(self, utc: pa.Array) -> pa.Array:
        return utc_to_local(utc, self.cfg.timezone)

    def ids(self, tag: str, idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
        """``<prefix>-<tag><idx>`` strings (null where not ``valid``)."""
        return prefixed_ints(f"{self.prefix}-{tag}", idx, valid)


def _const(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` n times."""
    return const_str(value, n)


def _f64(x: np.ndarray) -> pa.Array:
    x = np.asarray(x, dtype=np.float64)
    return pa.array(x, type=pa.float64(), mask=np.isnan(x))


def _take(names: list[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Dictionary lookup ``names[idx]`` as a string array (null where not valid or idx < 0)."""
    return take_names(names, idx, valid)


CHUNK = 1 << 16
"""Rows built at a time: a long window (a busy day of a large centre) becomes a table of
several chunks, so the temporary arrays stay small enough to be recycled by the allocator
and to stay in the cache — the cost per row does not grow with the size of a day."""


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(a, min(a + CHUNK, n)) for a in range(0, n, CHUNK)] or [(0, 0)]


def calls_table(
    ctx: _Ctx, legs: Legs, plan: Plan, survey_score: np.ndarray, blacklisted: np.ndarray,
    offset: int = 0,
) -> pa.Table:
    """One row per leg (``legs[0]`` is leg number ``offset``); ``blacklisted`` is the
    per-customer flag (warned calls get a wrap-up code)."""
    parts = [
        _calls_chunk(ctx, legs.subset(slice(a, b)), plan, survey_score[a:b], blacklisted, offset + a)
        for a, b in _chunks(len(legs))
    ]
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def _calls_chunk(
    ctx: _Ctx, legs: Legs, plan: Plan, survey_score: np.ndarray, blacklisted: np.ndarray,
    offset: int,
) -> pa.Table:
    cfg = ctx.cfg
    idx = np.arange(offset, offset + len(legs), dtype=np.int64)
    n = len(legs)
    offered, offered_local = ctx.ts_local(legs.offered, local=True)
    qnames = [q.name for q in cfg.queues]
    src = legs.src
    outcome_names = [str(_OUTCOME[i].value) for i in range(len(SRC))]
    in_ivr = ~np.isnan(legs.ivr_exit)
    agent_names = [a.id for a in plan.agents]
    agent_teams = [a.team for a in plan.agents]
    warned = blacklisted[legs.customer] if len(blacklisted) else np.zeros(n, dtype=bool)
    warned = warned & (cfg.blacklist.action == "warn")
    wrap = (
        _take(["blacklist_warning"], np.zeros(n, dtype=np.int64), warned)
        if warned.any() else pa.nulls(n, pa.string())
    )
    qcol = _take(qnames, legs.queue)
    resolved_valid = src == ANS
    cols = {
        "call_id": ctx.ids("", idx + 1),
        "contact_id": ctx.ids("c", legs.contact + 1),
        "leg": pa.array(legs.leg, type=pa.int16()),
        "channel": _const("voice", n),
        "direction": _const("inbound", n),
        "centre": _const(cfg.centre, n),
        "queue": qcol,
        "call_type": qcol,
        "customer_id": prefixed_ints("C", legs.customer, width=8),
        "customer_tier": _take([t.name for t in cfg.tiers], legs.tier),
        "caller_number": prefixed_ints("139", legs.customer, width=8),
        "offered_at": offered,
        "offered_local": offered_local,
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


def agent_states_window(
    ctx: _Ctx, plan: Plan, answers: Answers, act: Activity, carry: np.ndarray
) -> tuple[pa.Table, np.ndarray]:
    """``agent_states`` rows known after one window of the run, and the new carry.

    Rows come grouped by state (sort by agent and ``start_at`` for a timeline).

    ``carry[a]`` is the instant (µs since the epoch) from which agent ``a`` has been free
    inside an open session (the start of a ready period not yet closed), NaN when logged out.
    A ``ready`` row is emitted when the next occupied period (call, break) or the session
    end is seen, so the rows of consecutive windows never overlap and their union equals
    the rows of one window covering the whole run.
    """
    t0 = ctx.t0_us

    def us(*terms: np.ndarray) -> np.ndarray:
        """µs since the epoch of the instant ``terms[0] + terms[1] + ...`` (seconds, added
        left to right), in blocks of rows so that no window-sized temporary is made."""
        xs = [np.asarray(x, dtype=np.float64) for x in terms]
        out = np.empty(len(xs[0]), dtype=np.int64)
        for lo, hi in _chunks(len(out)):
            x = xs[0][lo:hi]
            for y in xs[1:]:
                x = x + y[lo:hi]
            out[lo:hi] = np.rint(x * 1e6).astype(np.int64)
            out[lo:hi] += t0
        return out

    a = answers.agent
    s_us = us(answers.seized)
    has_ring = ~np.isnan(answers.ring) & (answers.ring > 0)
    talk = answers.talk
    has_hold = ~np.isnan(answers.hold) & (answers.hold > 0)
    # each instant is converted once; what a window lacks (no ringing, hold or ACW) is the
    # instant next to it exactly (x + 0.0 == x), so it is not converted again
    if has_ring.any():
        s = answers.seized + np.where(has_ring, answers.ring, 0.0)
        talk_start = us(s)
    else:
        s, talk_start = answers.seized, s_us
    talk_end = us(s, talk)
    if has_hold.any():
        h = np.where(has_hold, answers.hold, 0.0)
        pre = np.where(has_hold, (talk - h) / 2.0, talk)
        hold_start = us(s, pre)
        hold_end = us(s, pre, h)
    else:
        hold_start = hold_end = talk_end
    acw = np.nan_to_num(answers.acw)
    acw_end = us(s, talk, acw) if acw.any() else talk_end
    leg_i = np.arange(len(a), dtype=np.int64)  # index into the answers

    begun = np.array(act.begun, dtype=np.float64).reshape(-1, 2)
    ended = np.array(act.ended, dtype=np.float64).reshape(-1, 3)
    begun_a = begun[:, 0].astype(np.int64)
    begun_us = us(begun[:, 1])
    end_a = ended[:, 0].astype(np.int64)
    sess_s_us = us(ended[:, 1])
    sess_e_us = us(ended[:, 2])
    brk = act.breaks
    b_agent = np.array([x[0] for x in brk], dtype=np.int64)
    b_start = us(np.array([x[1] for x in brk], dtype=np.float64))
    b_end = us(np.array([x[2] for x in brk], dtype=np.float64))
    reason_names = sorted({x[3] for x in brk}) or [""]
    b_reason = np.array([reason_names.index(x[3]) for x in brk], dtype=np.int64)

    # ready = gaps inside sessions not covered by calls (ring + talk + acw) or breaks
    open_a = np.flatnonzero(~np.isnan(carry))
    anchor_en = carry[open_a].astype(np.int64)
    ag = np.concatenate([open_a, begun_a, a, b_agent, end_a])
    st_ = np.concatenate([np.zeros(len(open_a), np.int64), begun_us, s_us, b_start, sess_e_us])
    en_ = np.concatenate([anchor_en, begun_us, acw_end, b_end, sess_e_us])
    kind = np.concatenate([np.full(len(open_a), 1), np.full(len(begun_a), 1),
                           np.full(len(a) + len(b_agent), 2), np.full(len(end_a), 0)])
    lo = int(st_[len(open_a):].min()) - 1 if len(st_) > len(open_a) else 0
    st_[: len(open_a)] = lo  # anchors first
    order = _sort_by_agent_time(ag, st_ - lo, kind, 3)
    ag, st_, en_, kind = ag[order], st_[order], en_[order], kind[order]
    same = ag[:-1] == ag[1:]
    gap = same & (kind[:-1] != 0) & (kind[1:] != 1) & (st_[1:] > en_[:-1])
    r_agent = ag[:-1][gap]
    r_start = en_[:-1][gap]
    r_end = st_[1:][gap]
    new_carry = carry.copy()
    if len(ag):
        last = np.r_[~same, True]
        new_carry[ag[last]] = np.where(kind[last] == 0, np.nan, en_[last].astype(np.float64))

    state_names = [str(x) for x in AgentState]
    code = {x: state_names.index(str(x)) for x in AgentState}
    parts = [
        # (agent, state, start µs, end µs, answer index or None, reason or None)
        (end_a, code[AgentState.LOGGED_IN], sess_s_us, sess_e_us, None, None),
        (a[has_ring], code[AgentState.RINGING], s_us[has_ring], talk_start[has_ring], leg_i[has_ring], None),
        (a, code[AgentState.TALKING], talk_start, hold_start, leg_i, None),
        (a[has_hold], code[AgentState.HOLD], hold_start[has_hold], hold_end[has_hold], leg_i[has_hold], None),
        (a[has_hold], code[AgentState.TALKING], hold_end[has_hold], talk_end[has_hold], leg_i[has_hold], None),
        (a, code[AgentState.ACW], talk_end, acw_end, leg_i, None),
        (b_agent, code[AgentState.NOT_READY], b_start, b_end, None, b_reason),
        (r_agent, code[AgentState.READY], r_start, r_end, None, None),
    ]
    # call ids of the answered legs, built once (in leg order when possible: fast path)
    id_strings = ctx.ids("", answers.leg + 1)
    agent_ids = [x.id for x in plan.agents]
    teams = [x.team for x in plan.agents]
    tables = []
    for agent, state, st0, en0, li, reason in parts:
        keep = en0 >= st0 if state == code[AgentState.LOGGED_IN] else en0 > st0
        if not keep.all():
            agent, st0, en0 = agent[keep], st0[keep], en0[keep]
            li = li[keep] if li is not None else None
            reason = reason[keep] if reason is not None else None
        for lo, hi in _chunks(len(agent)) if len(agent) else ():
            li_c = li[lo:hi] if li is not None else None
            if li_c is None:
                call_ids = pa.nulls(hi - lo, pa.string())
            elif int(li_c[-1]) - int(li_c[0]) == hi - lo - 1:  # ascending: a run of answers
                call_ids = id_strings.slice(int(li_c[0]), hi - lo)
            else:
                call_ids = pc.take(id_strings, pa.array(li_c, type=pa.int64()))
            tables.append(_states_chunk(
                ctx, agent_ids, teams, state_names[state], agent[lo:hi], st0[lo:hi], en0[lo:hi],
                call_ids, None if reason is None else _take(reason_names, reason[lo:hi]),
            ))
    if not tables:
        return schema.empty(schema.AGENT_STATES), new_carry
    return pa.concat_tables(tables), new_carry


def _states_chunk(
    ctx: _Ctx, agent_ids: list[str], teams: list[str], state: str, agent: np.ndarray,
    st0: np.ndarray, en0: np.ndarray, call_ids: pa.Array, reason: pa.Array | None,
) -> pa.Table:
    """``agent_states`` rows of one state (start and end in µs since the epoch)."""
    k = len(agent)
    start_ts = pa.array(st0, type=pa.int64()).cast(schema.UTC_TS)
    lus = local_us(st0, ctx.cfg.timezone)
    return schema.conform(schema.AGENT_STATES, pa.table({
        "agent": _take(agent_ids, agent),
        "team": _take(teams, agent),
        "state": const_str(state, k),
        "reason": reason if reason is not None else pa.nulls(k, pa.string()),
        "start_at": start_ts,
        "start_local": (ctx.local(start_ts) if lus is None
                        else pa.array(lus, type=pa.int64()).cast(pa.timestamp("us"))),
        "end_at": pa.array(en0, type=pa.int64()).cast(schema.UTC_TS),
        "seconds": pa.array((en0 - st0) / 1e6, type=pa.float64()),
        "call_id": call_ids,
        "source_file": _const(ctx.source, k),
    }))


def _sort_by_agent_time(agent: np.ndarray, rel_us: np.ndarray, rank: np.ndarray, n_rank: int) -> np.ndarray:
    """Row order by (agent, time, rank): one int64 argsort when the key fits, else lexsort."""
    if not len(agent):
        return np.zeros(0, dtype=np.int64)
    span = (int(rel_us.max()) + 1) * n_rank
    if span * (int(agent.max()) + 1) < 2**62:
        sub = (rel_us * n_rank + rank).astype(np.int64)
        key = agent * span + sub
        runs = np.count_nonzero(sub[1:] < sub[:-1]) if int(agent.max()) < 2**15 else _FEW_RUNS + 1
        if runs <= _FEW_RUNS:
            # the times come as a few sorted runs (the fast path's answers are in time
            # order): a stable merge by time, then a stable radix sort by agent; the same
            # order as argsort(key) whenever the keys are distinct (checked)
            a16 = agent.astype(np.int16)
            if runs:
                by_time = np.argsort(sub, kind="stable")
                order = by_time[np.argsort(a16[by_time], kind="stable")]
            else:
                order = np.argsort(a16, kind="stable")
            k = key[order]
            if bool(np.all(k[1:] > k[:-1])):
                return order
        return np.argsort(key)
    return np.lexsort((rank, rel_us, agent))


_FEW_RUNS = 64


def surveys_and_qa(
    ctx: _Ctx, legs: Legs, plan: Plan, streams: Streams, offset: int = 0
) -> tuple[np.ndarray, pa.Table, pa.Table]:
    """Post-call surveys (answered final legs) and QA evaluations (sampled answered legs) of
    ``legs`` (``legs[0]`` is leg number ``offset``). Each random quantity has its own stream,
    one number per leg, so handing the legs over in other batches gives the same result
    (a stream whose probability is 0 is not drawn at all: none of its numbers would be used)."""
    cfg = ctx.cfg
    n = len(legs)
    score = np.full(n, np.nan)
    sv = cfg.survey
    final = legs.src == ANS
    if sv.prob > 0:
        surveyed = final & (streams.rng("survey").random(n) < sv.prob)
    else:
        surveyed = np.zeros(n, dtype=bool)
    k = len(sv.resolved_weights)
    pts = np.linspace(sv.scale_max / k, sv.scale_max, k)
    pr = np.asarray(sv.resolved_weights, float)
    pu = np.asarray(sv.unresolved_weights, float)
    cr = np.cumsum(pr / pr.sum())
    cu = np.cumsum(pu / pu.sum())
    si = np.flatnonzero(surveyed)
    # one number per leg, used where surveyed
    vs = streams.rng("survey_score").random(n)[si] if sv.prob > 0 else np.zeros(0)
    pick = np.where(
        legs.resolved[si], np.searchsorted(cr, vs, side="right"), np.searchsorted(cu, vs, side="right")
    )
    score[si] = pts[np.minimum(pick, k - 1)]
    gi = si + offset  # global leg numbers
    s_at = ctx.ts(legs.ended[si] + 20.0)
    surveys = schema.conform(
        schema.SURVEYS,
        pa.table(
            {
                "survey_id": ctx.ids("s", gi + 1),
                "call_id": ctx.ids("", gi + 1),
                "answered_at": s_at,
                "score": pa.array(score[si], type=pa.float64()),
                "scale_max": pa.array(np.full(len(si), sv.scale_max), type=pa.float64()),
                "satisfied": pa.array(score[si] >= 0.8 * sv.scale_max, type=pa.bool_()),
                "source_file": pa.array([ctx.source] * len(si), type=pa.string()),
                "source_line": pa.array(gi + 1, type=pa.int64()),
            }
        ),
    )
    qa = cfg.qa
    if qa.sample_rate > 0:
        reached = ~np.isnan(legs.answered)
        sampled = reached & (streams.rng("qa").random(n) < qa.sample_rate)
        qi = np.flatnonzero(sampled)
        delay = streams.rng("qa_delay").uniform(3600.0, 72 * 3600.0, n)[qi]
        qs = np.clip(streams.rng("qa_score").normal(qa.mean, qa.sd, n)[qi], 0.0, qa.max_score).round(1)
    else:
        qi = np.zeros(0, dtype=np.int64)
        delay = qs = np.zeros(0)
    gq = qi + offset
    evaluators = np.array([f"QA{j:02d}" for j in range(1, 4)], dtype=object)
    qa_t = schema.conform(
        schema.QA_SCORES,
        pa.table(
            {
                "evaluation_id": ctx.ids("q", gq + 1),
                "agent": _take([x.id for x in plan.agents], legs.agent[qi]),
                "call_id": ctx.ids("", gq + 1),
                "evaluated_at": ctx.ts(legs.ended[qi] + delay),
                "evaluator": pa.array(evaluators[gq % 3], type=pa.string()),
                "form": pa.array(["standard"] * len(qi), type=pa.string()),
                "score": pa.array(qs, type=pa.float64()),
                "max_score": pa.array(np.full(len(qi), qa.max_score), type=pa.float64()),
                "source_file": pa.array([ctx.source] * len(qi), type=pa.string()),
                "source_line": pa.array(gq + 1, type=pa.int64()),
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


class CostTotals:
    """Logged-in time and line time per calendar month, summed window by window in integer
    microseconds (exact, so the totals do not depend on how the run was cut)."""

    def __init__(self, cfg: SimConfig, days: int) -> None:
        self.day0 = np.datetime64(cfg.start, "D")
        self.days = days
        self.logged_us: dict[np.datetime64, int] = {}
        self.line_us: dict[np.datetime64, int] = {}

    def _month(self, sec: np.ndarray) -> np.ndarray:
        d = np.clip(np.floor(sec / 86_400).astype(np.int64), 0, self.days - 1)
        return (self.day0 + d).astype("datetime64[M]")

    @staticmethod
    def _add(acc: dict[np.datetime64, int], month: np.ndarray, us: np.ndarray) -> None:
        if len(month) and month[0] == month[-1] and bool(np.all(month == month[0])):
            acc[month[0]] = acc.get(month[0], 0) + int(us.sum())  # a window inside one month
            return
        for m in np.unique(month):
            acc[m] = acc.get(m, 0) + int(us[month == m].sum())

    def add(self, legs: Legs, act: Activity) -> None:
        sess = np.array(act.ended, dtype=np.float64).reshape(-1, 3)
        logged = np.rint((sess[:, 2] - sess[:, 1]) * 1e6).astype(np.int64)
        self._add(self.logged_us, self._month(sess[:, 1]), logged)
        line = np.rint(np.nan_to_num(legs.ended - legs.offered) * 1e6).astype(np.int64)
        self._add(self.line_us, self._month(legs.offered), line)


def costs_table(ctx: _Ctx, totals: CostTotals, days: int) -> pa.Table:
    """Simulated monthly costs: staff (logged-in hours × rate), telecom (line minutes × rate),
    facilities and IT (monthly amounts, pro rata for a partial month)."""
    cfg = ctx.cfg
    c = cfg.costs
    if c is None:
        return schema.empty(schema.COSTS)
    day0 = np.datetime64(cfg.start, "D")
    all_days = day0 + np.arange(days)
    months = all_days.astype("datetime64[M]")
    rows: dict[str, list[object]] = {k: [] for k in
                                     ("period_start", "period_end", "centre", "category", "amount", "currency")}
    for m in np.unique(months):
        in_m = all_days[months == m]
        share = len(in_m) / ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(int)
        hours = totals.logged_us.get(m, 0) / 3.6e9
        minutes = totals.line_us.get(m, 0) / 6e7
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
