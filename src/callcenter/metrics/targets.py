"""Targets, status (on-target / warning / off-target) and the diagnostics checklist.

Default targets come from DOMAIN.md §1 (see the registry); a centre overrides them in
its settings file::

    [targets.abandon_rate]
    max = 5
    warn_max = 8

Keys: ``min``, ``max`` (the on-target zone) and ``warn_min``, ``warn_max`` (the warning
zone around it; outside it the value is off-target). A value with no target has no status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from callcenter.metrics.registry import BY_ID, Indicator, Target
from callcenter.settings import Settings


class Status(StrEnum):
    ON = "on-target"
    WARNING = "warning"
    OFF = "off-target"


STATUS_ZH = {Status.ON: "达标", Status.WARNING: "预警", Status.OFF: "未达标"}


def target_for(ind: Indicator, settings: Settings) -> Target | None:
    """The target in force: the registry default with the settings' overrides applied."""
    over = settings.targets.get(ind.id)
    if over:
        return (ind.target or Target()).with_overrides(over)
    return ind.target


def status(ind: Indicator | str, value: float | None, settings: Settings, grain: str | None = None) -> Status | None:
    """Where ``value`` stands against the indicator's target (None: no value or no target)."""
    ind = BY_ID[ind] if isinstance(ind, str) else ind
    t = target_for(ind, settings)
    if value is None or t is None or (t.min is None and t.max is None):
        return None
    if grain is not None and ind.target_grains is not None and grain not in ind.target_grains:
        return None
    lo_ok = t.min is None or value >= t.min
    hi_ok = t.max is None or value <= t.max
    if lo_ok and hi_ok:
        return Status.ON
    lo_warn = t.min is None or value >= (t.warn_min if t.warn_min is not None else t.min)
    hi_warn = t.max is None or value <= (t.warn_max if t.warn_max is not None else t.max)
    return Status.WARNING if lo_warn and hi_warn else Status.OFF


@dataclass(frozen=True)
class Assessment:
    indicator: str
    value: float | None
    target: str
    status: Status | None
    diagnostics: tuple[tuple[str, str], ...]  # (English, 中文), shown when not on target


def assess(ind: Indicator | str, value: float | None, settings: Settings, grain: str | None = None) -> Assessment:
    ind = BY_ID[ind] if isinstance(ind, str) else ind
    st = status(ind, value, settings, grain)
    t = target_for(ind, settings)
    diag = ind.diagnostics if st in (Status.WARNING, Status.OFF) else ()
    return Assessment(ind.id, value, t.describe() if t else "—", st, diag)
