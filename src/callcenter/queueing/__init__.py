"""Queueing and staffing: Erlang B, C and A, staffing solvers and interval staffing plans.

Pure functions, numpy arrays in and out, vectorised over intervals; no I/O. See
``docs/queueing.md`` for the formulas, their references and the definitions used.
"""

from callcenter.queueing.erlang import (
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_occupancy,
    erlang_c_queue_length,
    erlang_c_service_level,
    traffic_erlangs,
)
from callcenter.queueing.erlang_a import ErlangAMetrics, SLVariant, erlang_a_metrics
from callcenter.queueing.solve import evaluate, required_agents
from callcenter.queueing.targets import Performance, Requirement, Targets

__all__ = [
    "ErlangAMetrics",
    "Performance",
    "Requirement",
    "SLVariant",
    "Targets",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_occupancy",
    "erlang_c_queue_length",
    "erlang_c_service_level",
    "evaluate",
    "required_agents",
    "traffic_erlangs",
]
