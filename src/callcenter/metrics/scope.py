"""A computation's scope: the queue / team / agent filters and the range, applied the same
way whether the measures come from the canonical tables or from the stored roll-ups.

``filtered`` says what a filter means (the queue filter reaches calls and surveys only; the
team and agent filters every table that has the column, the agents table excepted);
:mod:`callcenter.metrics.rollup_store` applies exactly these to its cubes
(``SOURCE_FILTERS``). ``scoped_measures`` asks the roll-up store first (when one is given:
the facade passes it only when it is fresh) and computes the rest directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from callcenter.metrics.engine import KpiResult, Measures, evaluate, measures
from callcenter.settings import Settings

if TYPE_CHECKING:
    from callcenter.metrics.rollup_store import RollupStore

FILTER_DIMS = ("queue", "team", "agent")


def filtered(tabs: Mapping[str, Any], filters: Mapping[str, str | None]) -> dict[str, Any]:
    """The tables restricted to the queue / team / agent filters (queue: calls and surveys)."""
    out: dict[str, Any] = {}
    queue = filters.get("queue")
    for name, t in tabs.items():
        if queue and name in ("calls", "surveys") and "queue" in t.columns:
            t = t.filter(t["queue"] == queue)
        for dim in ("team", "agent"):
            v = filters.get(dim)
            if v and dim in t.columns and name != "agents":
                t = t.filter(t[dim] == v)
        out[name] = t
    return out


def pruned(tabs: Mapping[str, Any], settings: Settings, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """The tables cut to the rows a computation over [start, end) can use.

    The engine filters by period itself; cutting the inputs first keeps every scan (and the
    contact-level window over callers, which looks ``fcr_window_hours`` ahead) to the range
    instead of the whole history. Margins: one day before; after ``end``, the FCR window + a day.
    """
    if start is None and end is None:
        return dict(tabs)
    out = dict(tabs)
    lo = start - timedelta(days=1) if start else None
    hi = end + timedelta(hours=settings.fcr_window_hours, days=1) if end else None
    for name, col, upper in (("calls", "offered_local", hi),
                             ("agent_states", "start_local", end + timedelta(days=1) if end else None)):
        if name in out:
            t = out[name]
            if lo is not None:
                t = t.filter(t[col] >= lo)
            if upper is not None:
                t = t.filter(t[col] < upper)
            out[name] = t
    return out


class _Lazy(Mapping[str, Any]):
    """The tables filtered and pruned one by one, when the engine first reads each (with
    the roll-ups, most are never read)."""

    def __init__(self, tabs: Mapping[str, Any], scope: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
        self._tabs = tabs
        self._scope = scope
        self._done: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._done:
            self._done[name] = self._scope({name: self._tabs[name]})[name]
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tabs)

    def __len__(self) -> int:
        return len(self._tabs)


def scoped_measures(
    tabs: Mapping[str, Any],
    settings: Settings,
    *,
    grain: str,
    start: datetime | None,
    end: datetime | None,
    filters: Mapping[str, str | None] | None = None,
    by: Sequence[str] = (),
    indicators: Sequence[str] | None = None,
    fill: bool = True,
    available: Mapping[str, bool] | None = None,
    store: RollupStore | None = None,
) -> Measures:
    """``engine.measures`` over the filtered tables in [start, end): from the roll-up store
    where it can answer exactly, directly (over the tables pruned to the range) otherwise."""
    filters = dict(filters or {})
    direct = _Lazy(tabs, lambda t: pruned(filtered(t, filters), settings, start, end))
    return measures(direct, settings, grain=grain, by=by, start=start, end=end, indicators=indicators,
                    fill=fill, available=available,
                    aggregate=store.aggregator(filters) if store is not None else None)


def scoped_kpi(tabs: Mapping[str, Any], settings: Settings, **kw: Any) -> KpiResult:
    """Indicator values of :func:`scoped_measures`."""
    return evaluate(scoped_measures(tabs, settings, **kw))


__all__ = ["FILTER_DIMS", "filtered", "pruned", "scoped_kpi", "scoped_measures"]
