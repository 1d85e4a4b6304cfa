"""The fast path: one FCFS queue served by ``n`` identical, always-available agents.

For a first-come-first-served queue with homogeneous servers the start of service of
caller *i* depends only on earlier callers (Lindley-type recursion for G/G/n+G):

    f_i = min over agents of the time the agent is next free
    start_i = max(t_i, f_i)
    caller i abandons  iff  patience_i ≤ start_i − t_i   (virtual waiting time),

and an abandoning caller occupies no agent. The agents' next-free times are a binary heap
of ``(free_time, agent)`` pairs, so the free agent that has been idle longest takes the call
(the same rule as the event engine) and the cost per call is O(log n) in C plus a few
Python operations — flat in the number of agents in practice.
"""

from __future__ import annotations

import heapq
import math

import numpy as np


def fcfs_kernel(
    arrival: np.ndarray,
    service: np.ndarray,
    patience: np.ndarray | None,
    n_agents: int,
    free_at: float = 0.0,
    heap: list[tuple[float, int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simulate an M/G/n+G FCFS queue (any arrival, service and patience samples).

    Parameters
    ----------
    arrival : sorted arrival instants, seconds.
    service : agent busy time per caller (talk + after-call work), seconds.
    patience : time each caller is willing to wait, seconds; ``None`` = infinite.
    n_agents : number of agents, all logged in from ``free_at`` on.
    heap : the agents' ``(next free time, agent)`` heap to start from (updated in place, so
        a run can continue with the next batch of callers); default: all free at ``free_at``.

    Returns
    -------
    start : answer instant per caller (NaN for a caller who abandoned), seconds.
    agent : index of the answering agent (−1 for an abandoned caller).
    """
    m = len(arrival)
    if n_agents <= 0:
        return np.full(m, np.nan), np.full(m, -1, dtype=np.int32)
    if heap is None:
        heap = [(free_at, a) for a in range(n_agents)]  # sorted, hence a heap
    start = np.empty(m, dtype=np.float64)
    agent = np.empty(m, dtype=np.int32)
    # callers in blocks: the Python floats of a block are few enough to stay in the cache
    # and to be recycled by the allocator, so a long day costs per caller what a short one
    # does (one list of millions of floats would not)
    for lo in range(0, m, CHUNK):
        hi = min(lo + CHUNK, m)
        s, a = _fcfs_block(
            arrival[lo:hi].tolist(), service[lo:hi].tolist(),
            patience[lo:hi].tolist() if patience is not None else None, heap,
        )
        start[lo:hi] = s
        agent[lo:hi] = a
    return start, agent


CHUNK = 1 << 16
"""Callers simulated per block (the result does not depend on it)."""


def _fcfs_block(
    arr: list[float], svc: list[float], pat: list[float] | None, heap: list[tuple[float, int]]
) -> tuple[list[float], list[int]]:
    m = len(arr)
    nan = math.nan
    start = [nan] * m
    agent = [-1] * m
    replace = heapq.heapreplace
    if pat is None:
        for i in range(m):
            t = arr[i]
            f, a = heap[0]
            if f < t:
                f = t
            replace(heap, (f + svc[i], a))
            start[i] = f
            agent[i] = a
    else:
        for i in range(m):
            t = arr[i]
            f, a = heap[0]
            if f <= t:
                f = t
            elif pat[i] <= f - t:
                continue
            replace(heap, (f + svc[i], a))
            start[i] = f
            agent[i] = a
    return start, agent
