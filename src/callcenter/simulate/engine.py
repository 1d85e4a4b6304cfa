"""The general discrete-event engine, and the fast FCFS path that reproduces it.

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
from dataclasses import dataclass
from typing import Any

import numpy as np

from callcenter.simulate.arrivals import Contacts
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import BlockSampler, Streams
from callcenter.simulate.kernel import fcfs_kernel
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
)
ANS, ABD, IVRA, IVRS, TRUNK, QFULL, BLBUSY, BLREL, XFER, INCOMPLETE = range(10)
# why a contact was made
REASONS = ("first", "redial", "repeat", "transfer")

_ARRIVE, _IVR, _ABANDON, _CALLEND, _FREE, _BREAKEND = 0, 1, 2, 3, 4, 8
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
    # agent activity: sessions and breaks as (agent, start, end[, reason])
    sessions: list[tuple[int, float, float]]
    breaks: list[tuple[int, float, float, str]]

    def __len__(self) -> int:
        return len(self.offered)

    def subset(self, rows: np.ndarray) -> Legs:
        """The legs at ``rows`` (agent sessions and breaks are kept whole)."""
        cols = {
            k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()
        }
        return Legs(**cols)


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


def run_fcfs(cfg: SimConfig, contacts: Contacts, streams: Streams, plan: Plan) -> Legs:
    """The fast path for :attr:`SimConfig.is_single_fcfs` configurations.

    Gives exactly the legs :func:`run_events` gives on the same configuration and seed.
    """
    q = cfg.queues[0]
    qs = _QueueStreams(cfg, streams)
    n = len(contacts.time)
    talk = qs.talk[0].take(n)
    ring = qs.ring[0].take(n) if qs.ring[0] is not None else np.zeros(n)
    acw = qs.acw[0].take(n) if qs.acw[0] is not None else np.zeros(n)
    pat_s = qs.pat[0]
    pat = pat_s.take(n) if pat_s is not None else None
    hold_u = qs.hold_u[0].take(n)
    hold_v = qs.hold[0].take(n)
    res_u = qs.res[0].take(n)
    n_agents = len(plan.agents)
    start, agent = fcfs_kernel(contacts.time, ring + talk + acw, pat, n_agents)
    ans = ~np.isnan(start)
    t = contacts.time
    nan = np.full(n, np.nan)
    answered = start + ring
    # without patience an unanswered caller is still waiting when the run ends (no agents)
    q_exit = np.where(ans, answered, t + pat if pat is not None else np.nan)
    hold = np.where(hold_u < q.hold_prob, np.minimum(hold_v, talk), np.nan)
    ended = np.where(ans, answered + talk, q_exit)
    busy_end = np.where(ans, start + (ring + talk + acw), 0.0)
    last = max(contacts.horizon, float(busy_end.max()) if n else 0.0)
    sessions = [(a, 0.0, last) for a in range(n_agents)]
    return Legs(
        contact=np.arange(n, dtype=np.int64),
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
        assigned=start,
        ring=np.where(ans, ring, np.nan) if q.ring is not None else nan,
        agent=agent,
        talk=np.where(ans, talk, np.nan),
        hold=np.where(ans, hold, np.nan),
        acw=np.where(ans, acw, np.nan) if q.acw is not None else nan,
        ended=ended,
        src=np.where(ans, ANS, ABD if pat is not None else INCOMPLETE).astype(np.int8),
        transfer_kind=np.zeros(n, dtype=np.int8),
        transfer_target=np.full(n, -1, dtype=np.int32),
        resolved=np.where(ans, res_u < q.resolve_prob, False),
        sessions=sessions,
        breaks=[],
    )


def run_events(cfg: SimConfig, contacts: Contacts, streams: Streams, plan: Plan) -> Legs:
    """Simulate the whole centre with the general event engine."""
    queues = cfg.queues
    nq = len(queues)
    qs = _QueueStreams(cfg, streams)
    ivr = cfg.ivr
    ivr_u = streams.uniform("ivr")
    ivr_t = streams.sampler("ivr_menu", ivr.menu)
    redial_u = streams.uniform("redial")
    redial_t = streams.sampler("redial_delay", cfg.redial.delay)
    repeat_u = streams.uniform("repeat")
    repeat_t = streams.sampler("repeat_delay", cfg.repeat.delay)
    horizon = contacts.horizon
    trunks = cfg.trunks if cfg.trunks is not None else -1
    black = contacts.blacklisted
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

    prios = sorted({t.priority for t in cfg.tiers})
    tier_level = [prios.index(t.priority) for t in cfg.tiers]
    nlev = len(prios)

    # per-leg columns. Legs 0..n_first-1 are the first attempts of the pre-drawn contacts
    # (leg i = contact i); later legs (redials, repeats, transfers) are appended.
    nan = math.nan
    inf = math.inf
    n_first = len(contacts.time)
    times = contacts.time.tolist()
    L_contact: list[int] = list(range(n_first))
    L_leg: list[int] = [1] * n_first
    L_reason: list[int] = [0] * n_first
    L_queue: list[int] = contacts.queue.tolist()
    L_tier: list[int] = contacts.tier.tolist()
    L_cust: list[int] = contacts.customer.tolist()
    L_off: list[float] = list(times)
    L_ivrx: list[float] = [nan] * n_first
    L_qin: list[float] = [nan] * n_first
    L_qout: list[float] = [nan] * n_first
    L_ans: list[float] = [nan] * n_first
    L_agent: list[int] = [-1] * n_first
    L_talk: list[float] = [nan] * n_first
    L_ring: list[float] = [0.0] * n_first
    L_asg: list[float] = [nan] * n_first
    L_hold: list[float] = [nan] * n_first
    L_acw: list[float] = [nan] * n_first
    L_end: list[float] = [nan] * n_first
    L_src: list[int] = [INCOMPLETE] * n_first
    L_xk: list[int] = [0] * n_first
    L_xt: list[int] = [-1] * n_first
    L_res: list[bool] = [False] * n_first
    L_pat: list[float] = [inf] * n_first
    L_state: list[int] = [0] * n_first
    # IVR of the first attempts, drawn in one block
    if ivr.enabled:
        d = ivr_t.take(n_first)
        u = ivr_u.take(n_first)
        first_ivr_exit = (contacts.time + d).tolist()
        first_ivr_src = np.where(u < ss_p, IVRS, np.where(u < ab_p, IVRA, ANS)).tolist()
    else:
        first_ivr_exit, first_ivr_src = [], []
    ivr_u = streams.uniform("ivr_later")
    ivr_t = streams.sampler("ivr_menu_later", ivr.menu)
    _prefill_first(cfg, contacts, qs, L_talk, L_acw, L_pat, L_hold, L_res, L_xk, L_xt, tr_to, L_ring)
    qs = _QueueStreams(cfg, streams, suffix=":later")  # for legs created during the run
    black_l = black.tolist()
    no_trunks = trunks < 0
    simple_end = no_trunks
    direct_queue = no_trunks and not ivr.enabled and not (black.any() and bl_action != "warn")

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
    brk_start = [0.0] * n_agents
    brk_reason = [""] * n_agents
    sessions: list[tuple[int, float, float]] = []
    breaks: list[tuple[int, float, float, str]] = []
    free: list[list[tuple[int, float, int, int]]] = [[] for _ in range(nq)]
    waiting: list[list[deque[int]]] = [[deque() for _ in range(nlev)] for _ in range(nq)]
    qlen = [0] * nq
    in_sys = 0
    next_contact = len(contacts.time)

    for t, kind, a, length, reason in plan.events:
        seq += 1
        push(heap, (t, seq, kind, (a, length, reason)))

    def schedule_redial(t: float, L: int) -> None:
        nonlocal seq, next_contact
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

    def queue_enter(L: int, t: float) -> None:
        nonlocal seq, in_sys
        q = L_queue[L]
        L_qin[L] = t
        if n_first <= L:
            draw_service(L, q)
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

    def arrive_first(L: int, t: float) -> None:
        nonlocal seq, in_sys
        if not admit(L, t, L_cust[L]):
            return
        if ivr.enabled:
            x = first_ivr_exit[L]
            L_ivrx[L] = x
            src = first_ivr_src[L]
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
        brk_start[a] = t
        brk_reason[a] = reason
        seq += 1
        push(heap, (t + length, seq, _BREAKEND, a))

    i = 0
    t_last = 0.0
    while True:
        if i < n_first and (not heap or times[i] < heap[0][0]):
            if direct_queue:  # no blacklist, trunks or IVR: straight into the queue
                queue_enter(i, times[i])
            else:
                arrive_first(i, times[i])
            i += 1
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
            breaks.append((a, brk_start[a], t, brk_reason[a]))
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
        if st[a] in (1, 2):
            sessions.append((a, sess_start[a], end))
        elif st[a] == 3:
            breaks.append((a, brk_start[a], end, brk_reason[a]))
            sessions.append((a, sess_start[a], end))
    src = np.array(L_src, dtype=np.int8)
    ans = np.array(L_ans, dtype=np.float64)
    answered = ~np.isnan(ans)
    acw = np.array(L_acw, dtype=np.float64)
    return Legs(
        contact=np.array(L_contact, dtype=np.int64),
        leg=np.array(L_leg, dtype=np.int16),
        reason=np.array(L_reason, dtype=np.int8),
        queue=np.array(L_queue, dtype=np.int32),
        tier=np.array(L_tier, dtype=np.int32),
        customer=np.array(L_cust, dtype=np.int64),
        offered=np.array(L_off, dtype=np.float64),
        ivr_exit=np.array(L_ivrx, dtype=np.float64),
        q_entry=np.array(L_qin, dtype=np.float64),
        q_exit=np.array(L_qout, dtype=np.float64),
        answered=ans,
        assigned=np.array(L_asg, dtype=np.float64),
        ring=np.where(answered & _has(cfg, np.array(L_queue, dtype=np.int32), "ring"), np.array(L_ring, dtype=np.float64), np.nan),
        agent=np.array(L_agent, dtype=np.int32),
        talk=np.where(answered, np.array(L_talk, dtype=np.float64), np.nan),
        hold=np.where(answered, np.array(L_hold, dtype=np.float64), np.nan),
        acw=np.where(answered & _has_acw(cfg, np.array(L_queue, dtype=np.int32)), acw, np.nan),
        ended=np.array(L_end, dtype=np.float64),
        src=src,
        transfer_kind=np.where(src == XFER, np.array(L_xk, dtype=np.int8), 0).astype(np.int8),
        transfer_target=np.where(src == XFER, np.array(L_xt, dtype=np.int32), -1).astype(np.int32),
        resolved=np.array(L_res, dtype=bool) & answered,
        sessions=sessions,
        breaks=breaks,
    )


def _has_acw(cfg: SimConfig, queue: np.ndarray) -> np.ndarray:
    return _has(cfg, queue, "acw")


def _has(cfg: SimConfig, queue: np.ndarray, field: str) -> np.ndarray:
    has = np.array([getattr(q, field) is not None for q in cfg.queues], dtype=bool)
    return has[queue] if len(queue) else np.zeros(0, dtype=bool)


def _prefill_first(
    cfg: SimConfig, contacts: Contacts, qs: _QueueStreams,
    talk_l: list[float], acw_l: list[float], pat_l: list[float], hold_l: list[float],
    res_l: list[bool], xk_l: list[int], xt_l: list[int], tr_to: list[int], ring_l: list[float],
) -> None:
    """Service draws of the first attempts, vectorised: contact i takes value i of its
    queue's streams (so the fast FCFS path, which takes the same values, agrees exactly)."""
    n = len(contacts.time)
    if n == 0:
        return
    qi = contacts.queue
    talk = np.empty(n)
    acw = np.zeros(n)
    pat = np.full(n, np.inf)
    hold = np.full(n, np.nan)
    res = np.zeros(n, dtype=bool)
    xk = np.zeros(n, dtype=np.int64)
    xt = np.full(n, -1, dtype=np.int64)
    ring = np.zeros(n)
    for k, q in enumerate(cfg.queues):
        m = qi == k
        if not m.any():
            continue
        t_k = qs.talk[k].take(n)
        r_s = qs.ring[k]
        if r_s is not None:
            ring[m] = r_s.take(n)[m]
        if qs.acw[k] is not None:
            acw[m] = qs.acw[k].take(n)[m]  # type: ignore[union-attr]
        if qs.pat[k] is not None:
            pat[m] = qs.pat[k].take(n)[m]  # type: ignore[union-attr]
        hu = qs.hold_u[k].take(n)
        hv = qs.hold[k].take(n)
        res[m] = (qs.res[k].take(n) < q.resolve_prob)[m]
        tu = qs.tr_u[k]
        if tu is not None:
            u1, u2 = tu.take(n), tu.take(n)
            kind = np.where(u1 < q.transfer_prob, np.where(u2 < q.announced_share, 2, 1), 0)
            t_k = t_k + np.where(kind == 2, qs.consult[k].take(n), 0.0)
            xk[m] = kind[m]
            xt[m] = np.where(kind > 0, tr_to[k], -1)[m]
        talk[m] = t_k[m]
        hold[m] = np.where(hu < q.hold_prob, np.minimum(hv, t_k), np.nan)[m]
    talk_l[:] = talk.tolist()
    ring_l[:] = ring.tolist()
    acw_l[:] = acw.tolist()
    pat_l[:] = pat.tolist()
    hold_l[:] = hold.tolist()
    res_l[:] = res.tolist()
    xk_l[:] = xk.tolist()
    xt_l[:] = xt.tolist()
