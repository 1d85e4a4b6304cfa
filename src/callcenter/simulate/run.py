"""The Python API: ``run(config, days, seed)`` → canonical tables.

>>> from callcenter.simulate import demo_config, run
>>> tables = run(demo_config(), days=31, seed=1)   # doctest: +SKIP
>>> tables["calls"].num_rows                         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from callcenter.simulate import arrivals
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import Streams
from callcenter.simulate.engine import Legs, run_events, run_fcfs
from callcenter.simulate.roster import Plan, make_plan
from callcenter.simulate.tables import (
    _Ctx,
    agent_states_table,
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


@dataclass
class Simulation:
    """Raw results of one run (before conversion to tables)."""

    config: SimConfig
    days: int
    seed: int
    contacts: arrivals.Contacts
    plan: Plan
    legs: Legs
    streams: Streams
    engine: str


def simulate(config: SimConfig, days: int, seed: int, engine: Engine = "auto") -> Simulation:
    """Run the model for ``days`` local days from ``config.start``.

    ``engine="auto"`` takes the fast FCFS path when :attr:`SimConfig.is_single_fcfs`
    (identical results, much faster) and the general event engine otherwise.
    """
    if days < 1:
        raise ValueError("days must be ≥ 1")
    streams = Streams(seed)
    contacts = arrivals.generate(config, days, streams)
    plan = make_plan(config, days, streams)
    if engine == "fcfs" and not config.is_single_fcfs:
        raise ValueError("the fcfs engine needs a single-queue FCFS configuration (see is_single_fcfs)")
    use_fcfs = engine == "fcfs" or (engine == "auto" and config.is_single_fcfs)
    legs = (run_fcfs if use_fcfs else run_events)(config, contacts, streams, plan)
    return Simulation(config, days, seed, contacts, plan, legs, streams,
                      "fcfs" if use_fcfs else "events")


def to_tables(sim: Simulation, tables: tuple[str, ...] = TABLES) -> dict[str, pa.Table]:
    """The canonical tables of a simulation (only those named in ``tables``)."""
    ctx = _Ctx(sim.config, sim.seed, sim.contacts.t0)
    score, surveys, qa = surveys_and_qa(ctx, sim.legs, sim.plan, sim.streams)
    out: dict[str, pa.Table] = {}
    if "calls" in tables:
        out["calls"] = calls_table(ctx, sim.legs, sim.plan, score, sim.contacts.blacklisted)
    if "agent_states" in tables:
        out["agent_states"] = agent_states_table(ctx, sim.legs, sim.plan)
    if "surveys" in tables:
        out["surveys"] = surveys
    if "qa_scores" in tables:
        out["qa_scores"] = qa
    roster = roster_tables(ctx, sim.plan, sim.days, sim.streams)
    for k, v in roster.items():
        if k in tables:
            out[k] = v
    if "costs" in tables:
        out["costs"] = costs_table(ctx, sim.legs, sim.days)
    return out


def run(
    config: SimConfig, days: int, seed: int, *, engine: Engine = "auto",
    tables: tuple[str, ...] = TABLES,
) -> dict[str, pa.Table]:
    """Simulate ``days`` days of ``config`` with ``seed``; return the canonical tables.

    Keys: calls, agent_states, surveys, qa_scores, agents, headcount_events, schedule,
    timeclock, costs (each with the schema of :mod:`callcenter.schema`; costs is empty unless
    ``config.costs`` is set). Same config, days and seed → identical tables.
    """
    return to_tables(simulate(config, days, seed, engine), tables)


def iter_run(
    config: SimConfig, days: int, seed: int, *, engine: Engine = "auto", agents_per_batch: int = 200,
) -> Iterator[tuple[str, pa.Table]]:
    """Stream the tables of ``run(config, days, seed)`` as ``(table name, batch)`` pairs.

    ``calls`` comes one local day at a time (by offered time), ``agent_states`` in batches of
    ``agents_per_batch`` agents, then the small tables whole. Concatenating the batches of a
    table gives exactly the rows of :func:`run` (row order may differ). Arrow memory is
    bounded by one batch; the simulation's per-leg numpy arrays (≈ 160 bytes per leg) are
    held for the whole run.
    """
    sim = simulate(config, days, seed, engine)
    ctx = _Ctx(sim.config, sim.seed, sim.contacts.t0)
    score, surveys, qa = surveys_and_qa(ctx, sim.legs, sim.plan, sim.streams)
    starts, _, _ = arrivals.interval_bounds(config, days)
    per_day = 24 * 60 // config.interval_minutes
    day_start = starts[::per_day]
    day_of_leg = np.searchsorted(day_start, sim.legs.offered, side="right") - 1
    order = np.argsort(day_of_leg, kind="stable")
    bounds = np.searchsorted(day_of_leg[order], np.arange(days + 1))
    for d in range(days):
        rows = order[bounds[d] : bounds[d + 1]]
        if len(rows):
            yield "calls", calls_table(ctx, sim.legs, sim.plan, score, sim.contacts.blacklisted, rows)
    n_agents = len(sim.plan.agents)
    for a0 in range(0, n_agents, agents_per_batch):
        batch = np.arange(a0, min(n_agents, a0 + agents_per_batch))
        yield "agent_states", agent_states_table(ctx, sim.legs, sim.plan, batch)
    yield "surveys", surveys
    yield "qa_scores", qa
    yield from roster_tables(ctx, sim.plan, days, sim.streams).items()
    yield "costs", costs_table(ctx, sim.legs, days)
