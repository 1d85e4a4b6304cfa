"""The general discrete-event engine, and the fast FCFS path that reproduces it.

The run advances one local day at a time (:func:`windows`): the first attempts of a day are
loaded, every event before the next local midnight is processed, and what is settled — the
legs from the first one still in progress onwards stay — is handed out as a
:class:`Window`, so memory holds only the day in hand and the calls still in the centre.
Consuming the windows of a run one by one or all together gives the same result.

Events live in one binary heap of ``(time, seq, kind, payload)``; ``seq`` makes the order
of simultaneous events deterministic. First-attempt arrivals come pre-sorted from
:mod:`~callcenter.simulate.arrivals` and are merged with the heap instead of being pushed.
Per-leg random numbers come from named block streams (see
:mod:`~callcenter.simulate.distributions`), drawn in the order legs are created.

Routing rules
-------------
* A call entering a queue goes to the free agent with that skill whose skill priority is
  best, then who has been idle longest (per-queue heaps of free agents, invalidated lazily).
* An agent who becomes free takes, among its skills, the waiting call with the best
  (skill priority, tier priority, queue-entry time); otherwise it waits in the free heaps.
* Abandonment: each queued call schedules its own abandonment at entry + patience; it is
  ignored if the call was answered first.
* Agents finish the call (and its ACW) in progress before a break or log-out.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from callcenter.simulate import kernel
from callcenter.simulate.arrivals import Contacts
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import BlockSampler, Streams
from callcenter.simulate.roster import BREAK, LOGIN, LOGOUT, Plan

# source outcome codes (the simulator's own "source code" for each leg)
SRC = (
    "answered",  # 0
    "abandoned",  # 1
    "ivr_abandoned",  # 2
    "ivr_self_served",  # 3
    "trunk_busy",  # 4
    "queue_full",  # 5
    "blacklist_busy",  # 6
    "blacklist_released",  # 7
    "transferred",  # 8
    "incomplete",  # 9
    "overflowed",  # 10
)
ANS, ABD, IVRA, IVRS, TRUNK, QFULL, BLBUSY, BLREL, XFER, INCOMPLETE, OVFL = range(11)
# why a leg was made
REASONS = ("first", "redial", "repeat", "transfer", "overflow")

_ARRIVE, _IVR, _ABANDON, _CALLEND, _FREE, _BREAKEND, _OVERFLOW = 0, 1, 2, 3, 4, 8, 9
_WAITING, _ANSWERED, _DONE = 1, 2, 3


@dataclass
class Legs:
    """Per-leg results (seconds since the simulation epoch; NaN / −1 = did not happen)."""

    contact: np.ndarray
    leg: np.ndarray
    reason: np.ndarray
    queue: np.ndarray
    tier: np.ndarray
    customer: np.ndarray
    offered: np.ndarray
    ivr_exit: np.ndarray
    q_entry: np.ndarray
    q_exit: np.ndarray
    answered: np.ndarray
    assigned: np.ndarray  # when the agent was seized (ringing starts); = answered without ring
    ring: np.ndarray
    agent: np.ndarray
    talk: np.ndarray
    hold: np.ndarray
    acw: np.ndarray
    ended: np.ndarray
    src: np.ndarray
    transfer_kind: np.ndarray  # 0 none, 1 blind, 2 announced
    transfer_target: np.ndarray  # queue index or −1
    resolved: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.offered)

    def subset(self, rows: np.ndarray | slice) -> Legs:
        """The legs at ``rows`` (a slice gives views)."""
        return Legs(**{k: v[rows] for k, v in self.__dict__.items()})

    @classmethod
    def concat(cls, parts: list[Legs]) -> Legs:
        return cls(**{k: np.concatenate([getattr(p, k) for p in parts])
                      for k in cls.__dataclass_fields__})


@dataclass
class Answers:
    """The legs agents answered in a window: the occupied part of their time (seconds)."""

    agent: np.ndarray  # int64
    leg: np.ndarray  # global leg index (call_id = leg + 1), ascending
    seized: np.ndarray
    ring: np.ndarray  # 0 = no ringing
    talk: np.ndarray
    hold: np.ndarray  # NaN = no hold
    acw: np.ndarray  # 0 = none

    def __len__(self) -> int:
        return len(self.leg)

    @classmethod
    def of(cls, legs: Legs, offset: int) -> Answers:
        """The answered legs among ``legs`` (whose first one is leg number ``offset``)."""
        ans = ~np.isnan(legs.answered)
        return cls(legs.agent[ans].astype(np.int64), np.flatnonzero(ans) + offset,
                   legs.assigned[ans], np.nan_to_num(legs.ring[ans]), legs.talk[ans],
                   legs.hold[ans], np.nan_to_num(legs.acw[ans]))

    def subset(self, rows: np.ndarray) -> Answers:
        return Answers(**{k: v[rows] for k, v in self.__dict__.items()})

    @classmethod
    def concat(cls, parts: list[Answers]) -> Answers:
        return cls(**{k: np.concatenate([getattr(p, k) for p in parts])
                      for k in cls.__dataclass_fields__})


@dataclass
class Activity:
    """Agent activity of a window: sessions begun (agent, start), sessions ended (agent,
    start, end) and breaks (agent, start, end, reason), seconds."""

    begun: list[tuple[int, float]]
    ended: list[tuple[int, float, float]]
    breaks: list[tuple[int, float, float, str]]


@dataclass
class Window:
    """What one stretch of the run settled: legs ``offset ..`` (final values), the answers
    given and the agent activity seen in the stretch."""

    offset: int
    legs: Legs
    answers: Answers
    activity: Activity
    end: float  # the stretch covers events before this instant (inf for the last one)


class _QueueStreams:
    def __init__(self, cfg: SimConfig, streams: Streams, suffix: str = "") -> None:
        self.talk: list[BlockSampler] = []
        self.ring: list[BlockSampler | None] = []
        self.acw: list[BlockSampler | None] = []
        self.pat: list[BlockSampler | None] = []
        self.hold_u: list[BlockSampler] = []
        self.hold: list[BlockSampler] = []
        self.res: list[BlockSampler] = []
        self.tr_u: list[BlockSampler | None] = []
        self.consult: list[BlockSampler] = []
        for q in cfg.queues:
            n = q.name + suffix
            self.talk.append(streams.sampler(f"talk:{n}", q.talk))
            self.ring.append(streams.sampler(f"ring:{n}", q.ring) if q.ring is not None else None)
            self.acw.append(streams.sampler(f"acw:{n}", q.acw) if q.acw is not None else None)
            self.pat.append(
                streams.sampler(f"patience:{n}", q.patience) if q.patience is not None else None
            )
            self.hold_u.append(streams.uniform(f"hold_u:{n}"))
            self.hold.append(streams.sampler(f"hold:{n}", q.hold))
            self.res.append(streams.uniform(f"resolve:{n}"))
            self.tr_u.append(streams.uniform(f"transfer:{n}") if q.transfer_prob > 0 else None)
            self.consult.append(streams.sampler(f"consult:{n}", q.consult))


Days = Iterator[tuple[Contacts, float]]


def windows(cfg: SimConfig, days: Days, streams: Streams, plan: Plan, engine: str) -> Iterator[Window]:
    """The run as a sequence of windows, one per local day (the last one runs until every
    call has ended). ``engine`` is ``"fcfs"`` (only for :attr:`SimConfig.is_single_fcfs`
    configurations; identical results) or ``"events"``."""
    if engine == "fcfs":
        return _fcfs_windows(cfg, days, streams, plan)
    return _event_windows(cfg, days, streams, plan)


def _fcfs_windows(cfg: SimConfig, days: Days, streams: Streams, plan: Plan) -> Iterator[Window]:
    """The fast path: the FCFS kernel day by day, the agents' next-free heap carried over."""
    q = cfg.queues[0]
    qs = _QueueStreams(cfg, streams)
    n_agents = len(plan.agents)
    heap = [(0.0, a) for a in range(n_agents)]
    offset = 0
    last_busy = 0.0
    horizon = 0.0
    pending: Answers | None = None
    begun = [(a, 0.0) for a in range(n_agents)]
    it = iter(days)
    item = next(it, None)
    while item is not None:
        contacts, day_end = item
        item = next(it, None)
        horizon = contacts.horizon
        legs, ans, busy = _fcfs_legs(cfg, q, qs, contacts, heap, n_agents, offset)
        last_busy = max(last_busy, busy)
        if pending is not None:
            ans = Answers.concat([pending, ans])
        act = Activity(begun, [], [])
        begun = []
        if item is None:  # the last window runs to the end
            last = max(horizon, last_busy)
            act.ended = [(a, 0.0, last) for a in range(n_agents)]
            yield Window(offset, legs, ans, act, math.inf)
        else:
            now = ans.seized < day_end
            pending = ans.subset(~now)
            yield Window(offset, legs, ans.subset(now), act, day_end)
        offset += len(legs)


def _fcfs_legs(
    cfg: SimConfig, q: Any, qs: _QueueStreams, contacts: Contacts, heap: list[tuple[float, int]],
    n_agents: int, offset: int,
) -> tuple[Legs, Answers, float]:
    """The day's legs, the answers among them and the last instant an agent is busy.

    Built in blocks of ``kernel.CHUNK`` callers: the draws, the kernel and every temporary
    are block-sized (each stream is consumed in order, the heap carries over); only the
    result columns grow with the day. The result does not depend on the block size.
    """
    n = len(contacts.time)
    t = contacts.time
    pat_s = qs.pat[0]
    ring_s = qs.ring[0]
    acw_s = qs.acw[0]
    nan = np.full(n, np.nan)
    answered = np.empty(n)
    assigned = np.empty(n)
    q_exit = np.empty(n)
    ended = np.empty(n)
    talk_c = np.empty(n)
    hold_c = np.empty(n)
    ring_c = np.empty(n) if q.ring is not None else nan
    acw_c = np.empty(n) if q.acw is not None else nan
    agent = np.empty(n, dtype=np.int32)
    src = np.empty(n, dtype=np.int8)
    resolved = np.empty(n, dtype=bool)
    lost = ABD if pat_s is not None else INCOMPLETE
    # the answers are written one after the other into columns sized for every leg (the
    # unused tail is never touched) and cut to length at the end
    ans_cols = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n),
                np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    n_ans = 0
    busy: list[float] = []
    step = kernel.CHUNK
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        k = hi - lo
        s = slice(lo, hi)
        talk = qs.talk[0].take(k)
        ring = ring_s.take(k) if ring_s is not None else np.zeros(k)
        acw = acw_s.take(k) if acw_s is not None else np.zeros(k)
        pat = pat_s.take(k) if pat_s is not None else None
        hold_u = qs.hold_u[0].take(k)
        hold_v = qs.hold[0].take(k)
        res_u = qs.res[0].take(k)
        tc = t[s]
        svc = ring + talk + acw
        start, ag = kernel.fcfs_kernel(tc, svc, pat, n_agents, heap=heap)
        ans = ~np.isnan(start)
        ansd = np.add(start, ring, out=answered[s])
        assigned[s] = start
        agent[s] = ag
        # without patience an unanswered caller is still waiting when the run ends (no agents)
        qx = np.where(ans, ansd, tc + pat if pat is not None else np.nan)
        q_exit[s] = qx
        hold = np.where(hold_u < q.hold_prob, np.minimum(hold_v, talk), np.nan)
        np.copyto(ended[s], np.where(ans, ansd + talk, qx))
        busy.append(float(np.where(ans, start + svc, 0.0).max()) if k else 0.0)
        if q.ring is not None:
            np.copyto(ring_c[s], np.where(ans, ring, np.nan))
        np.copyto(talk_c[s], np.where(ans, talk, np.nan))
        np.copyto(hold_c[s], np.where(ans, hold, np.nan))
        if q.acw is not None:
            np.copyto(acw_c[s], np.where(ans, acw, np.nan))
        src[s] = np.where(ans, ANS, lost)
        np.copyto(resolved[s], np.where(ans, res_u < q.resolve_prob, False))
        rows = np.flatnonzero(ans)
        j = n_ans + len(rows)
        ans_cols[0][n_ans:j] = ag[rows]
        np.add(rows, offset + lo, out=ans_cols[1][n_ans:j])
        ans_cols[2][n_ans:j] = start[rows]
        ans_cols[3][n_ans:j] = np.nan_to_num(ring_c[s][rows])
        ans_cols[4][n_ans:j] = talk_c[s][rows]
        ans_cols[5][n_ans:j] = hold_c[s][rows]
        ans_cols[6][n_ans:j] = np.nan_to_num(acw_c[s][rows])
        n_ans = j
    legs = Legs(
        contact=np.arange(offset, offset + n, dtype=np.int64),
        leg=np.ones(n, dtype=np.int16),
        reason=np.zeros(n, dtype=np.int8),
        queue=contacts.queue,
        tier=contacts.tier,
        customer=contacts.customer,
        offered=t,
        ivr_exit=nan,
        q_entry=t,
        q_exit=q_exit,
        answered=answered,
        assigned=assigned,
        ring=ring_c,
        agent=agent,
        talk=talk_c,
        hold=hold_c,
        acw=acw_c,
        ended=ended,
        src=src,
        transfer_kind=np.zeros(n, dtype=np.int8),
        transfer_target=np.full(n, -1, dtype=np.int32),
        resolved=resolved,
    )
    answers = Answers(*(c[:n_ans] for c in ans_cols))
    return legs, answers, float(np.max(busy)) if busy else 0.0


def _event_windows(cfg: SimConfig, days: Days, streams: Streams, plan: Plan) -> Iterator[Window]:
    """Simulate the whole centre with the general event engine, a local day at a time."""
    queues = cfg.queues
    nq = len(queues)
    qs_first = _QueueStreams(cfg, streams)
    qs = _QueueStreams(cfg, streams, suffix=":later")  # for legs created during the run
    ivr = cfg.ivr
    ivr_u1 = streams.uniform("ivr")
    ivr_t1 = streams.sampler("ivr_menu", ivr.menu)
    ivr_u = streams.uniform("ivr_later")
    ivr_t = streams.sampler("ivr_menu_later", ivr.menu)
    redial_u = streams.uniform("redial")
    redial_t = streams.sampler("redial_delay", cfg.redial.delay)
    repeat_u = streams.uniform("repeat")
    repeat_t = streams.sampler("repeat_delay", cfg.repeat.delay)
    trunks = cfg.trunks if cfg.trunks is not None else -1
    bl_action = cfg.blacklist.action
    p_redial = cfg.redial.prob
    p_repeat = cfg.repeat.prob
    ss_p = ivr.self_service_prob
    ab_p = ivr.abandon_prob + ss_p
    hold_p = [q.hold_prob for q in queues]
    res_p = [q.resolve_prob for q in queues]
    tr_p = [q.transfer_prob for q in queues]
    ann_p = [q.announced_share for q in queues]
    tr_to = [cfg.queue_index(q.transfer_to) if q.transfer_to else i for i, q in enumerate(queues)]
    max_q = [q.max_queue if q.max_queue is not None else -1 for q in queues]
    ovf_to = [cfg.queue_index(q.overflow_to) if q.overflow_to else -1 for q in queues]
    ovf_after = [q.overflow_after for q in queues]

    prios = sorted({t.priority for t in cfg.tiers})
    tier_level = [prios.index(t.priority) for t in cfg.tiers]
    nlev = len(prios)

    it = iter(days)
    item = next(it, None)
    if item is None:
        return
    contacts, boundary = item
    horizon = contacts.horizon
    black = contacts.blacklisted
    black_l = black.tolist()
    no_trunks = trunks < 0
    simple_end = no_trunks
    direct_queue = no_trunks and not ivr.enabled and not (black.any() and bl_action != "warn")

    # per-leg columns, indexed by the local leg number (global number = base + local); the
    # settled prefix is cut off at each window's end
    nan = math.nan
    inf = math.inf
    L_contact: list[int] = []
    L_leg: list[int] = []
    L_reason: list[int] = []
    L_queue: list[int] = []
    L_tier: list[int] = []
    L_cust: list[int] = []
    L_off: list[float] = []
    L_ivrx: list[float] = []
    L_qin: list[float] = []
    L_qout: list[float] = []
    L_ans: list[float] = []
    L_agent: list[int] = []
    L_talk: list[float] = []
    L_ring: list[float] = []
    L_asg: list[float] = []
    L_hold: list[float] = []
    L_acw: list[float] = []
    L_end: list[float] = []
    L_src: list[int] = []
    L_xk: list[int] = []
    L_xt: list[int] = []
    L_res: list[bool] = []
    L_pat: list[float] = []
    L_state: list[int] = []
    columns = (L_contact, L_leg, L_reason, L_queue, L_tier, L_cust, L_off, L_ivrx, L_qin, L_qout,
               L_ans, L_agent, L_talk, L_ring, L_asg, L_hold, L_acw, L_end, L_src, L_xk, L_xt,
               L_res, L_pat, L_state)
    base = 0
    next_contact = 0
    ans_log: list[int] = []
    begun: list[tuple[int, float]] = []
    sessions: list[tuple[int, float, float]] = []
    breaks: list[tuple[int, float, float, str]] = []

    def new_leg(t: float, contact: int, legno: int, q: int, tier: int, cust: int, reason: int) -> int:
        L_contact.append(contact)
        L_leg.append(legno)
        L_reason.append(reason)
        L_queue.append(q)
        L_tier.append(tier)
        L_cust.append(cust)
        L_off.append(t)
        L_ivrx.append(nan)
        L_qin.append(nan)
        L_qout.append(nan)
        L_ans.append(nan)
        L_agent.append(-1)
        L_talk.append(nan)
        L_ring.append(0.0)
        L_asg.append(nan)
        L_hold.append(nan)
        L_acw.append(nan)
        L_end.append(nan)
        L_src.append(INCOMPLETE)
        L_xk.append(0)
        L_xt.append(-1)
        L_res.append(False)
        L_pat.append(inf)
        L_state.append(0)
        return len(L_off) - 1

    def load(c: Contacts) -> tuple[list[float], list[float], list[int]]:
        """Append the first attempts of a day (service draws vectorised); return their
        times and IVR exits and outcomes."""
        nonlocal next_contact
        n = len(c.time)
        times = c.time.tolist()
        L_contact.extend(range(next_contact, next_contact + n))
        next_contact += n
        L_leg.extend([1] * n)
        L_reason.extend([0] * n)
        L_queue.extend(c.queue.tolist())
        L_tier.extend(c.tier.tolist())
        L_cust.extend(c.customer.tolist())
        L_off.extend(times)
        for col, v in ((L_ivrx, nan), (L_qin, nan), (L_qout, nan), (L_ans, nan), (L_asg, nan),
                       (L_end, nan)):
            col.extend([v] * n)
        L_agent.extend([-1] * n)
        L_src.extend([INCOMPLETE] * n)
        L_state.extend([0] * n)
        talk, acw, pat, hold, res, xk, xt, ring = _prefill_first(cfg, c, qs_first, tr_to)
        L_talk.extend(talk.tolist())
        L_ring.extend(ring.tolist())
        L_acw.extend(acw.tolist())
        L_pat.extend(pat.tolist())
        L_hold.extend(hold.tolist())
        L_res.extend(res.tolist())
        L_xk.extend(xk.tolist())
        L_xt.extend(xt.tolist())
        if ivr.enabled:  # IVR of the first attempts, drawn in one block
            d = ivr_t1.take(n)
            u = ivr_u1.take(n)
            return times, (c.time + d).tolist(), np.where(u < ss_p, IVRS, np.where(u < ab_p, IVRA, ANS)).tolist()
        return times, [], []

    def draw_service(L: int, q: int) -> None:
        """Talk, hold, ACW, patience, resolution and transfer of a leg entering queue q."""
        talk = qs.talk[q].next()
        a_s = qs.acw[q]
        acw = a_s.next() if a_s is not None else 0.0
        p_s = qs.pat[q]
        if p_s is not None:
            L_pat[L] = p_s.next()
        hu = qs.hold_u[q].next()
        hv = qs.hold[q].next()
        L_res[L] = qs.res[q].next() < res_p[q]
        tu = qs.tr_u[q]
        if tu is not None and tu.next() < tr_p[q]:
            xk = 2 if tu.next() < ann_p[q] else 1
            if xk == 2:
                talk += qs.consult[q].next()
            L_xk[L] = xk
            L_xt[L] = tr_to[q]
        L_talk[L] = talk
        L_acw[L] = acw
        r_s = qs.ring[q]
        if r_s is not None:
            L_ring[L] = r_s.next()
        if hu < hold_p[q]:
            L_hold[L] = min(hv, talk)

    heap: list[tuple[float, int, int, Any]] = []
    seq = 0
    push = heapq.heappush
    pop = heapq.heappop

    n_agents = len(plan.agents)
    skills = [a.skills for a in plan.agents]
    single_q = [a.skills[0][1] if len(a.skills) == 1 and nlev == 1 else -1 for a in plan.agents]
    st = [0] * n_agents  # 0 off, 1 idle, 2 busy, 3 break
    token = [0] * n_agents
    pend_break: list[tuple[float, str] | None] = [None] * n_agents
    pend_off = [False] * n_agents
    sess_start = [0.0] * n_agents
    free: list[list[tuple[int, float, int, int]]] = [[] for _ in range(nq)]
    waiting: list[list[deque[int]]] = [[deque() for _ in range(nlev)] for _ in range(nq)]
    qlen = [0] * nq
    in_sys = 0

    for t, kind, a, length, reason in plan.events:
        seq += 1
        push(heap, (t, seq, kind, (a, length, reason)))

    def schedule_redial(t: float, L: int) -> None:
        nonlocal seq
        if p_redial > 0 and redial_u.next() < p_redial:
            tt = t + redial_t.next()
            if tt < horizon:
                seq += 1
                push(heap, (tt, seq, _ARRIVE, (L_queue[L], L_tier[L], L_cust[L], 1)))

    def answer(L: int, a: int, t: float) -> None:
        nonlocal seq
        st[a] = 2
        token[a] += 1
        L_state[L] = _ANSWERED
        ring = L_ring[L]
        ans = t + ring
        L_asg[L] = t
        L_ans[L] = ans
        L_qout[L] = ans
        L_agent[L] = a
        ans_log.append(L)
        talk = L_talk[L]
        if simple_end and not L_xk[L]:
            # no trunks, no transfer: the call's end changes nothing else; settle it now
            end = ans + talk
            L_end[L] = end
            L_state[L] = _DONE
            L_src[L] = ANS
            if p_repeat > 0 and not L_res[L]:
                schedule_repeat(end, L)
        else:
            seq += 1
            push(heap, (ans + talk, seq, _CALLEND, L))
        seq += 1
        push(heap, (t + (ring + talk + L_acw[L]), seq, _FREE, a))

    def schedule_repeat(t: float, L: int) -> None:
        nonlocal seq
        if repeat_u.next() < p_repeat:
            tt = t + repeat_t.next()
            if tt < horizon:
                seq += 1
                push(heap, (tt, seq, _ARRIVE, (L_queue[L], L_tier[L], L_cust[L], 2)))

    def agent_idle(a: int, t: float) -> None:
        q1 = single_q[a]
        if q1 >= 0:  # one skill, one tier level: the head of the queue, if any
            if qlen[q1]:
                dq = waiting[q1][0]
                while L_state[dq[0]] != _WAITING:
                    dq.popleft()
                qlen[q1] -= 1
                answer(dq.popleft(), a, t)
                return
            st[a] = 1
            token[a] += 1
            push(free[q1], (skills[a][0][0], t, a, token[a]))
            return
        best: tuple[int, int, float] | None = None
        best_q = -1
        best_lev = -1
        for prio, q in skills[a]:
            if qlen[q] == 0:
                continue
            for lev in range(nlev):
                dq = waiting[q][lev]
                while dq and L_state[dq[0]] != _WAITING:
                    dq.popleft()
                if dq:
                    key = (prio, lev, L_qin[dq[0]])
                    if best is None or key < best:
                        best, best_q, best_lev = key, q, lev
                    break
        if best is not None:
            L = waiting[best_q][best_lev].popleft()
            qlen[best_q] -= 1
            answer(L, a, t)
            return
        st[a] = 1
        token[a] += 1
        tok = token[a]
        for prio, q in skills[a]:
            push(free[q], (prio, t, a, tok))

    def queue_enter(L: int, t: float, patience: float = -1.0) -> None:
        nonlocal seq, in_sys
        q = L_queue[L]
        L_qin[L] = t
        if L_reason[L]:  # first attempts have their draws already
            draw_service(L, q)
            if patience >= 0:  # an overflowing caller keeps the rest of their patience
                L_pat[L] = patience
        h = free[q]
        while h:  # the best free agent (lazy deletion of stale entries)
            _, _, a, tok = pop(h)
            if token[a] == tok and st[a] == 1:
                answer(L, a, t)
                return
        if max_q[q] >= 0 and qlen[q] >= max_q[q]:
            L_src[L] = QFULL
            L_qout[L] = t
            L_end[L] = t
            L_state[L] = _DONE
            in_sys -= 1
            schedule_redial(t, L)
            return
        L_state[L] = _WAITING
        waiting[q][tier_level[L_tier[L]]].append(L)
        qlen[q] += 1
        pat = L_pat[L]
        if pat != inf:
            seq += 1
            push(heap, (t + pat, seq, _ABANDON, L))
        if ovf_to[q] >= 0 and ovf_after[q] < pat:
            seq += 1
            push(heap, (t + ovf_after[q], seq, _OVERFLOW, L))

    def admit(L: int, t: float, cust: int) -> bool:
        """Blacklist and trunk checks; True when the contact gets in."""
        nonlocal in_sys
        if black_l[cust] and bl_action != "warn":
            L_src[L] = BLBUSY if bl_action == "busy" else BLREL
            L_end[L] = t
            L_state[L] = _DONE
            return False
        if in_sys == trunks:
            L_src[L] = TRUNK
            L_end[L] = t
            L_state[L] = _DONE
            schedule_redial(t, L)
            return False
        in_sys += 1
        return True

    def arrive_first(L: int, j: int, t: float) -> None:
        nonlocal seq, in_sys
        if not admit(L, t, L_cust[L]):
            return
        if ivr.enabled:
            x = first_ivr_exit[j]
            L_ivrx[L] = x
            src = first_ivr_src[j]
            L_src[L] = src
            if src != ANS and no_trunks:  # contained or lost in the IVR: nothing depends on it
                L_end[L] = x
                L_state[L] = _DONE
                in_sys -= 1
                return
            seq += 1
            push(heap, (x, seq, _IVR, L))
        else:
            queue_enter(L, t)

    def arrive(t: float, q: int, tier: int, cust: int, contact: int, reason: int) -> None:
        nonlocal seq
        L = new_leg(t, contact, 1, q, tier, cust, reason)
        if not admit(L, t, cust):
            return
        if ivr.enabled:
            u = ivr_u.next()
            d = ivr_t.next()
            L_ivrx[L] = t + d
            L_src[L] = IVRS if u < ss_p else (IVRA if u < ab_p else ANS)
            seq += 1
            push(heap, (t + d, seq, _IVR, L))
        else:
            queue_enter(L, t)

    def go_off(a: int, t: float) -> None:
        st[a] = 0
        token[a] += 1
        pend_off[a] = False
        sessions.append((a, sess_start[a], t))

    def start_break(a: int, t: float, length: float, reason: str) -> None:
        nonlocal seq
        st[a] = 3
        token[a] += 1
        breaks.append((a, t, t + length, reason))
        seq += 1
        push(heap, (t + length, seq, _BREAKEND, a))

    def flush(end: float, final: bool) -> Window:
        """Hand out what is settled and cut it off the per-leg lists."""
        nonlocal base, begun, sessions, breaks
        state = np.array(L_state, dtype=np.int8)
        if final:
            cut = len(state)
        else:
            open_ = np.flatnonzero(state != _DONE)
            cut = int(open_[0]) if len(open_) else len(state)
        legs = _legs_from_lists(cfg, columns, cut)
        idx = np.array(ans_log, dtype=np.int64)
        idx.sort()
        answers = Answers(
            agent=np.array(L_agent, dtype=np.int64)[idx] if len(idx) else np.zeros(0, np.int64),
            leg=base + idx,
            seized=np.array(L_asg, dtype=np.float64)[idx] if len(idx) else np.zeros(0),
            ring=np.array(L_ring, dtype=np.float64)[idx] if len(idx) else np.zeros(0),
            talk=np.array(L_talk, dtype=np.float64)[idx] if len(idx) else np.zeros(0),
            hold=np.array(L_hold, dtype=np.float64)[idx] if len(idx) else np.zeros(0),
            acw=np.array(L_acw, dtype=np.float64)[idx] if len(idx) else np.zeros(0),
        )
        win = Window(base, legs, answers, Activity(begun, sessions, breaks), end)
        ans_log.clear()
        begun, sessions, breaks = [], [], []
        if cut and not final:
            for col in columns:
                del col[:cut]
            base += cut
            kept = []
            for e in heap:
                k = e[2]
                if k in (_ABANDON, _CALLEND, _IVR, _OVERFLOW):
                    if e[3] < cut:  # a stale abandonment or overflow of a settled leg
                        continue
                    e = (e[0], e[1], k, e[3] - cut)
                kept.append(e)
            heapq.heapify(kept)
            heap[:] = kept
            for per_q in waiting:
                for lev, dq in enumerate(per_q):
                    per_q[lev] = deque(x - cut for x in dq if x >= cut)
        return win

    times, first_ivr_exit, first_ivr_src = load(contacts)
    item = next(it, None)
    cb = 0  # local number of the day's first attempt
    n_day = len(times)
    i = 0
    t_last = 0.0
    while True:
        if i < n_day and (not heap or times[i] < heap[0][0]):
            if direct_queue:  # no blacklist, trunks or IVR: straight into the queue
                queue_enter(cb + i, times[i])
            else:
                arrive_first(cb + i, i, times[i])
            i += 1
            continue
        if item is not None and (not heap or heap[0][0] >= boundary):
            yield flush(boundary, False)
            contacts, boundary = item
            item = next(it, None)
            cb = len(L_off)
            times, first_ivr_exit, first_ivr_src = load(contacts)
            n_day = len(times)
            i = 0
            continue
        if not heap:
            break
        t, _, kind, x = pop(heap)
        if kind == _FREE:
            t_last = t
            a = x
            pb = pend_break[a]
            if pb is not None:
                pend_break[a] = None
                start_break(a, t, pb[0], pb[1])
            elif pend_off[a]:
                go_off(a, t)
            else:
                agent_idle(a, t)
        elif kind == _CALLEND:
            L = x
            L_end[L] = t
            L_state[L] = _DONE
            xk = L_xk[L]
            if xk:
                L_src[L] = XFER
                L2 = new_leg(t, L_contact[L], L_leg[L] + 1, L_xt[L], L_tier[L], L_cust[L], 3)
                queue_enter(L2, t)
                continue
            L_src[L] = ANS
            in_sys -= 1
            if p_repeat > 0 and not L_res[L]:
                schedule_repeat(t, L)
        elif kind == _ABANDON:
            L = x
            if L_state[L] == _WAITING:
                L_state[L] = _DONE
                qlen[L_queue[L]] -= 1
                L_src[L] = ABD
                L_qout[L] = t
                L_end[L] = t
                in_sys -= 1
                schedule_redial(t, L)
        elif kind == _OVERFLOW:
            L = x
            if L_state[L] == _WAITING:  # still waiting: leave for the overflow queue
                L_state[L] = _DONE
                q = L_queue[L]
                qlen[q] -= 1
                L_src[L] = OVFL
                L_qout[L] = t
                L_end[L] = t
                rest = L_pat[L] - (t - L_qin[L])
                L2 = new_leg(t, L_contact[L], L_leg[L] + 1, ovf_to[q], L_tier[L], L_cust[L], 4)
                queue_enter(L2, t, rest)
        elif kind == _IVR:
            L = x
            if L_src[L] == ANS:
                L_src[L] = INCOMPLETE
                queue_enter(L, t)
            else:
                L_end[L] = t
                L_state[L] = _DONE
                in_sys -= 1
        elif kind == _ARRIVE:
            q, tier, cust, reason = x
            arrive(t, q, tier, cust, next_contact, reason)
            next_contact += 1
        elif kind == _BREAKEND:
            t_last = max(t_last, t)
            a = x
            if pend_off[a]:
                go_off(a, t)
            else:
                agent_idle(a, t)
        else:
            a, length, reason = x
            if kind == LOGIN:
                if st[a] == 0:
                    sess_start[a] = t
                    pend_off[a] = False
                    begun.append((a, t))
                    agent_idle(a, t)
            elif kind == LOGOUT:
                if st[a] == 1:
                    go_off(a, t)
                elif st[a] in (2, 3):
                    pend_off[a] = True
            elif kind == BREAK:
                if st[a] == 1:
                    start_break(a, t, length, reason)
                elif st[a] == 2 and not pend_off[a]:
                    pend_break[a] = (length, reason)
    end = max(horizon, t_last)
    for a in range(n_agents):
        if st[a] in (1, 2, 3):
            sessions.append((a, sess_start[a], end))
    yield flush(math.inf, True)


def _legs_from_lists(cfg: SimConfig, c: tuple[list[Any], ...], cut: int) -> Legs:
    """The first ``cut`` legs of the engine's per-leg lists as numpy columns."""
    (L_contact, L_leg, L_reason, L_queue, L_tier, L_cust, L_off, L_ivrx, L_qin, L_qout,
     L_ans, L_agent, L_talk, L_ring, L_asg, L_hold, L_acw, L_end, L_src, L_xk, L_xt,
     L_res, _pat, _state) = c

    def f(x: list[Any]) -> np.ndarray:
        return np.array(x[:cut], dtype=np.float64)

    src = np.array(L_src[:cut], dtype=np.int8)
    ans = f(L_ans)
    answered = ~np.isnan(ans)
    queue = np.array(L_queue[:cut], dtype=np.int32)
    return Legs(
        contact=np.array(L_contact[:cut], dtype=np.int64),
        leg=np.array(L_leg[:cut], dtype=np.int16),
        reason=np.array(L_reason[:cut], dtype=np.int8),
        queue=queue,
        tier=np.array(L_tier[:cut], dtype=np.int32),
        customer=np.array(L_cust[:cut], dtype=np.int64),
        offered=f(L_off),
        ivr_exit=f(L_ivrx),
        q_entry=f(L_qin),
        q_exit=f(L_qout),
        answered=ans,
        assigned=f(L_asg),
        ring=np.where(answered & _has(cfg, queue, "ring"), f(L_ring), np.nan),
        agent=np.array(L_agent[:cut], dtype=np.int32),
        talk=np.where(answered, f(L_talk), np.nan),
        hold=np.where(answered, f(L_hold), np.nan),
        acw=np.where(answered & _has_acw(cfg, queue), f(L_acw), np.nan),
        ended=f(L_end),
        src=src,
        transfer_kind=np.where(src == XFER, np.array(L_xk[:cut], dtype=np.int8), 0).astype(np.int8),
        transfer_target=np.where(src == XFER, np.array(L_xt[:cut], dtype=np.int32), -1).astype(np.int32),
        resolved=np.array(L_res[:cut], dtype=bool) & answered,
    )


def _has_acw(cfg: SimConfig, queue: np.ndarray) -> np.ndarray:
    return _has(cfg, queue, "acw")


def _has(cfg: SimConfig, queue: np.ndarray, field: str) -> np.ndarray:
    has = np.array([getattr(q, field) is not None for q in cfg.queues], dtype=bool)
    return has[queue] if len(queue) else np.zeros(0, dtype=bool)


def _prefill_first(
    cfg: SimConfig, contacts: Contacts, qs: _QueueStreams, tr_to: list[int]
) -> tuple[np.ndarray, ...]:
    """Service draws of the first attempts, vectorised: contact i takes value i of its
    queue's streams (so the fast FCFS path, which takes the same values, agrees exactly).
    Returns talk, acw, patience, hold, resolved, transfer kind, transfer target, ring."""
    n = len(contacts.time)
    qi = contacts.queue
    talk = np.empty(n)
    acw = np.zeros(n)
    pat = np.full(n, np.inf)
    hold = np.full(n, np.nan)
    res = np.zeros(n, dtype=bool)
    xk = np.zeros(n, dtype=np.int64)
    xt = np.full(n, -1, dtype=np.int64)
    ring = np.zeros(n)
    for k, q in enumerate(cfg.queues):  # every stream advances by n (batch-invariant)
        m = qi == k
        t_k = qs.talk[k].take(n)
        r_s = qs.ring[k]
        if r_s is not None:
            ring[m] = r_s.take(n)[m]
        a_s = qs.acw[k]
        if a_s is not None:
            acw[m] = a_s.take(n)[m]
        p_s = qs.pat[k]
        if p_s is not None:
            pat[m] = p_s.take(n)[m]
        hu = qs.hold_u[k].take(n)
        hv = qs.hold[k].take(n)
        res[m] = (qs.res[k].take(n) < q.resolve_prob)[m]
        tu = qs.tr_u[k]
        if tu is not None:
            u = tu.take(2 * n).reshape(n, 2)
            u1, u2 = u[:, 0], u[:, 1]
            kind = np.where(u1 < q.transfer_prob, np.where(u2 < q.announced_share, 2, 1), 0)
            t_k = t_k + np.where(kind == 2, qs.consult[k].take(n), 0.0)
            xk[m] = kind[m]
            xt[m] = np.where(kind > 0, tr_to[k], -1)[m]
        talk[m] = t_k[m]
        hold[m] = np.where(hu < q.hold_prob, np.minimum(hv, t_k), np.nan)[m]
    return talk, acw, pat, hold, res, xk, xt, ring
