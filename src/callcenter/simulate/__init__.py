"""Seeded discrete-event simulation of a call centre that writes the canonical tables.

``run(config, days, seed)`` returns ``calls``, ``agent_states``, ``surveys``, ``qa_scores``,
``agents``, ``schedule`` and ``timeclock`` (see :mod:`callcenter.schema`), marked
``source_file = "simulated:<name>:seed=<seed>"``. See docs/simulation.md.
"""

from callcenter.simulate.config import SimConfig, load_config
from callcenter.simulate.distributions import Dist
from callcenter.simulate.run import TABLES, Simulation, iter_run, run, simulate, to_tables

__all__ = [
    "TABLES",
    "Dist",
    "SimConfig",
    "Simulation",
    "demo_config",
    "iter_run",
    "load_config",
    "run",
    "simulate",
    "to_tables",
]


def demo_config() -> SimConfig:
    """The demo hotline: a simulated 10086-style month (see :mod:`callcenter.simulate.demo`)."""
    from callcenter.simulate.demo import demo_config as _demo

    return _demo()
