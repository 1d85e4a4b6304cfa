"""What staffing must meet and what it achieves: :class:`Targets`, :class:`Performance`,
:class:`Requirement` — the value types of the staffing solvers in ``solve.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from callcenter.errors import ModelError
from callcenter.queueing._special import FloatArray
from callcenter.queueing.erlang_a import SLVariant

IntArray = npt.NDArray[np.int64]

__all__ = ["TOLERANCE", "Performance", "Requirement", "Targets"]

TOLERANCE = 1e-12
"""Targets count as met within this relative rounding margin (e.g. SL ≥ 0.8 − 1e-12), so
that an exact tie (SL exactly 90 %) does not flip on the last bit between code paths."""


@dataclass(frozen=True)
class Targets:
    """Targets an interval's staffing must meet; ``None`` = no such target.

    ``service_level`` is a fraction (0.8 for 80 %) of calls answered within
    ``threshold_s`` seconds; ``asa_s`` the maximum average speed of answer (seconds);
    ``max_abandon`` the maximum share of callers who abandon (needs a patience, Erlang A);
    ``max_occupancy`` the maximum share of agent time busy.
    """

    service_level: float | None = None
    threshold_s: float = 20.0
    asa_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None
    sl_variant: SLVariant = SLVariant.OFFERED

    def __post_init__(self) -> None:
        object.__setattr__(self, "sl_variant", SLVariant(self.sl_variant))
        if (
            self.service_level is None
            and self.asa_s is None
            and self.max_abandon is None
            and self.max_occupancy is None
        ):
            raise ModelError(
                "no staffing target given",
                where="targets",
                hint="give at least one of service_level, asa_s, max_abandon, max_occupancy",
            )
        _check(self.service_level, "service_level", 0.0, 1.0, open_hi=True,
               hint="a fraction below 1, e.g. 0.8 for 80 %; 100 % is met by no finite staffing")
        if not (math.isfinite(self.threshold_s) and self.threshold_s >= 0):
            raise ModelError(f"threshold_s must be >= 0 seconds, got {self.threshold_s!r}",
                             where="targets.threshold_s", hint="e.g. 20 for 80/20")
        if self.asa_s is not None and not (math.isfinite(self.asa_s) and self.asa_s > 0):
            raise ModelError(f"asa_s must be > 0 seconds, got {self.asa_s!r}",
                             where="targets.asa_s", hint="every staffing has ASA > 0")
        _check(self.max_abandon, "max_abandon", 0.0, 1.0, open_hi=False,
               hint="a fraction, e.g. 0.05 for 5 %; 0 is met by no finite staffing")
        _check(self.max_occupancy, "max_occupancy", 0.0, 1.0, open_hi=False,
               hint="a fraction, e.g. 0.85 for 85 %")


def _check(v: float | None, name: str, lo: float, hi: float, *, open_hi: bool, hint: str) -> None:
    if v is None:
        return
    ok = math.isfinite(v) and lo < v and (v < hi if open_hi else v <= hi)
    if not ok:
        raise ModelError(f"{name} must be in ({lo:g}, {hi:g}{')' if open_hi else ']'}, got {v!r}",
                         where=f"targets.{name}", hint=hint)


@dataclass(frozen=True)
class Performance:
    """What a staffing achieves, per interval (fractions in [0, 1], times in seconds)."""

    model: str
    """'erlang_c' or 'erlang_a'"""
    service_level: FloatArray
    """share answered within the threshold, in the targets' variant"""
    asa_s: FloatArray
    """average speed of answer of answered calls"""
    p_wait: FloatArray
    p_abandon: FloatArray
    occupancy: FloatArray


@dataclass(frozen=True)
class Requirement:
    """Minimum agents per interval and what that staffing achieves."""

    agents: IntArray
    """smallest integer meeting every target (N − 1 fails at least one)"""
    fractional: FloatArray | None
    """root of the continuous extension on (N−1, N]; None unless asked for"""
    performance: Performance
