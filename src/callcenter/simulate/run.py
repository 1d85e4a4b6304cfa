"""The Python API: ``run(config, days, seed)`` → canonical tables.

>>> from callcenter.simulate import demo_config, run
>>> tables = run(demo_config(), days=31, seed=1)   # doctest: +SKIP
>>> tables["calls"].num_rows                         # doctest: +SKIP

The run advances one local day at a time (see :mod:`~callcenter.simulate.engine`);
:func:`iter_run` hands out each day's tables as soon as they are settled, so a long run can
be written or loaded with memory that does not grow with the number of calls, and
:func:`run` is exactly the concatenation of what :func:`iter_run` yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa

from callcenter import schema
from callcenter.simulate import arrivals
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import Streams
from callcenter.simulate.engine import Legs, Window, windows
from callcenter.simulate.roster import Plan, make_plan
from callcenter.simulate.tables import (
    CostTotals,
    _Ctx,
    agent_states_window,
    calls_table,
    costs_table,
    roster_tables,
    surveys_and_qa,
)

Engine = Literal["auto", "events", "fcfs"]
TABLES = (
    "calls", "agent_states", "surveys", "qa_scores", "agents", "headcount_events", "schedule",
    "timeclock", "costs",
)
PER_WINDOW_TABLES = ("calls", "agent_states", "surveys", "qa_scores")
"""Tables ``iter_run`` yields once per local day (the others come once, at the end)."""


def choose_engine(config: SimConfig, engine: Engine) -> str:
    """The engine that runs ``config``: 'fcfs' (fast path) or 'events'; ValueError if impossible."""
    if engine not in ("auto", "events", "fcfs"):
        raise ValueError(f"unknown engine {engine!r}: use auto, events or fcfs")
    if engine == "fcfs" and not config.is_single_fcfs:
        raise ValueError("the fcfs engine needs a single-queue FCFS configuration (see is_single_fcfs)")
    return "fcfs" if engine == "fcfs" or (engine == "auto" and config.is_single_fcfs) else "events"


@dataclass
class Simulation:
    """Raw results of one run (before conversion to tables): the run's windows in order."""

    config: SimConfig
    days: int
    seed: int
    plan: Plan
    streams: Streams
    engine: str
    blacklisted: np.ndarray
    windows: list[Window] = field(default_factory=list)

    @property
    def legs(self) -> Legs:
        """All legs of the run, in leg order."""
        return Legs.concat([w.legs for w in self.windows])


def _start(config: SimConfig, days: int, seed: int, engine: Engine) -> tuple[
    str, Streams, Plan, Iterator[tuple[arrivals.Contacts, float]]
]:
    if days < 1:
        raise ValueError("days must be ≥ 1")
    eng = choose_engine(config, engine)
    streams = Streams(seed)
    plan = make_plan(config, days, streams)
    return eng, streams, plan, arrivals.generate_days(config, days, streams)


def simulate(config: SimConfig, days: int, seed: int, engine: Engine = "auto") -> Simulation:
    """Run the model for ``days`` local days from ``config.start`` and keep every window.

    ``engine="auto"`` takes the fast FCFS path when :attr:`SimConfig.is_single_fcfs`
    (identical results, much faster) and the general event engine otherwise.
    """
    eng, streams, plan, days_it = _start(config, days, seed, engine)
    sim = Simulation(config, days, seed, plan, streams, eng, arrivals.blacklist(config, Streams(seed)))
    sim.windows = list(windows(config, days_it, streams, plan, eng))
    return sim


class _Tables:
    """Turns windows into table batches, carrying what crosses a window's end."""

    def __init__(self, config: SimConfig, days: int, seed: int, plan: Plan, streams: Streams,
                 blacklisted: np.ndarray, tables: tuple[str, ...]) -> None:
        self.ctx = _Ctx(config, seed, arrivals.epoch(config))
        self.days = days
        self.plan = plan
        self.streams = streams
        self.blacklisted = blacklisted
        self.tables = tables
        self.carry = np.full(len(plan.agents), np.nan)
        self.costs = CostTotals(config, days)

    def window(self, w: Window) -> Iterator[tuple[str, pa.Table]]:
        score, surveys, qa = surveys_and_qa(self.ctx, w.legs, self.plan, self.streams, w.offset)
        self.costs.add(w.legs, w.activity)
        if "calls" in self.tables:
            yield "calls", calls_table(self.ctx, w.legs, self.plan, score, self.blacklisted, w.offset)
        if "agent_states" in self.tables:
            states, self.carry = agent_states_window(self.ctx, self.plan, w.answers, w.activity, self.carry)
            yield "agent_states", states
        if "surveys" in self.tables:
            yield "surveys", surveys
        if "qa_scores" in self.tables:
            yield "qa_scores", qa

    def final(self) -> Iterator[tuple[str, pa.Table]]:
        roster = roster_tables(self.ctx, self.plan, self.days, self.streams)
        for k, v in roster.items():
            if k in self.tables:
                yield k, v
        if "costs" in self.tables:
            yield "costs", costs_table(self.ctx, self.costs, self.days)


def to_tables(sim: Simulation, tables: tuple[str, ...] = TABLES) -> dict[str, pa.Table]:
    """The canonical tables of a simulation (only those named in ``tables``)."""
    conv = _Tables(sim.config, sim.days, sim.seed, sim.plan, sim.streams, sim.blacklisted, tables)
    parts: dict[str, list[pa.Table]] = {}
    for w in sim.windows:
        for name, t in conv.window(w):
            parts.setdefault(name, []).append(t)
    for name, t in conv.final():
        parts.setdefault(name, []).append(t)
    return {name: _concat(name, parts.get(name, [])) for name in TABLES if name in tables}


def _concat(name: str, parts: list[pa.Table]) -> pa.Table:
    if not parts:
        return schema.empty(schema.TABLES[name])
    return parts[0] if len(parts) == 1 else pa.concat_tables(parts)  # zero-copy: one chunk a batch


def run(
    config: SimConfig, days: int, seed: int, *, engine: Engine = "auto",
    tables: tuple[str, ...] = TABLES,
) -> dict[str, pa.Table]:
    """Simulate ``days`` days of ``config`` with ``seed``; return the canonical tables.

    Keys: calls, agent_states, surveys, qa_scores, agents, headcount_events, schedule,
    timeclock, costs (each with the schema of :mod:`callcenter.schema`; costs is empty unless
    ``config.costs`` is set). Same config, days and seed → identical tables, equal to the
    concatenation of the batches :func:`iter_run` yields.
    """
    parts: dict[str, list[pa.Table]] = {}
    for name, t in iter_run(config, days, seed, engine=engine, tables=tables):
        parts.setdefault(name, []).append(t)
    return {name: _concat(name, parts.get(name, [])) for name in TABLES if name in tables}


def iter_run(
    config: SimConfig, days: int, seed: int, *, engine: Engine = "auto",
    tables: tuple[str, ...] = TABLES,
) -> Iterator[tuple[str, pa.Table]]:
    """Stream the tables of ``run(config, days, seed)`` as ``(table name, batch)`` pairs.

    For each local day: the ``calls`` settled by then (a call still in progress at midnight
    comes with a later day), the ``agent_states`` known by then, the day's ``surveys`` and
    ``qa_scores``; after the last day the small tables (agents, headcount_events, schedule,
    timeclock, costs). Memory holds one day of calls (plus those still in the centre), the
    agents' roster and the batch in hand, whatever the number of days. Concatenating the
    batches of a table gives exactly the table :func:`run` returns.
    """
    eng, streams, plan, days_it = _start(config, days, seed, engine)
    conv = _Tables(config, days, seed, plan, streams, arrivals.blacklist(config, Streams(seed)), tables)
    for w in windows(config, days_it, streams, plan, eng):
        yield from conv.window(w)
    yield from conv.final()
