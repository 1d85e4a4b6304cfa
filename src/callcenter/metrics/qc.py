"""Quality-improvement (QC) tools, DOMAIN.md §7.

* :func:`pareto` — count, share and cumulative share of any categorical column, largest
  first, with the "vital few" up to a cut (default 80 %) and "other" always last;
* :func:`peak_day_coefficients` — the peak-day fluctuation coefficient per month;
* :func:`before_after` — an indicator before and after a change, against its target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import ibis

from callcenter.errors import DataNotAvailable
from callcenter.metrics.engine import compute
from callcenter.metrics.registry import BY_ID
from callcenter.metrics.targets import Status, status, target_for
from callcenter.settings import Settings

OTHER_NAMES = ("other", "others", "其他", "其它", "(none)")


@dataclass(frozen=True)
class ParetoRow:
    category: str
    count: int
    share: float  # % of the total
    cumulative: float  # % of the total, running
    vital: bool  # among the vital few (cumulative share reaches the cut with this row)


def pareto_counts(counts: Mapping[str, int], *, cut: float = 80.0, other: Sequence[str] = OTHER_NAMES) -> list[ParetoRow]:
    """Pareto table of category counts: largest first, ties by name, "other" always last.

    The vital few are the leading categories up to and including the first one at which the
    cumulative share reaches ``cut`` %. Shares are exact; round them only to display.
    """
    total = sum(counts.values())
    if total == 0:
        return []
    others = {k: v for k, v in counts.items() if k.strip().lower() in {o.lower() for o in other}}
    named = sorted(((k, v) for k, v in counts.items() if k not in others), key=lambda kv: (-kv[1], kv[0]))
    ordered = named + sorted(others.items())
    rows: list[ParetoRow] = []
    running = 0
    reached = False
    for k, v in ordered:
        running += v
        cum = 100.0 * running / total
        vital = not reached and k not in others
        if cum >= cut:
            reached = True
        rows.append(ParetoRow(k, v, 100.0 * v / total, cum, vital))
    return rows


def pareto(table: Any, column: str, *, cut: float = 80.0, where: Any = None) -> list[ParetoRow]:
    """Pareto of ``column`` of an Ibis table (nulls count as "(none)", shown last)."""
    if column not in table.columns:
        raise DataNotAvailable(f"no column {column!r}", needs=[f"{column}"])
    t = table if where is None else table.filter(where)
    key = ibis.coalesce(t[column].cast("string"), "(none)").name("category")
    agg = t.group_by(key).aggregate(n=t.count())
    data = agg.to_pyarrow().to_pylist()
    return pareto_counts({r["category"]: int(r["n"]) for r in data}, cut=cut)


def peak_day_coefficients(tables: Mapping[str, Any], settings: Settings | None = None, *,
                          by: Sequence[str] = (), start: datetime | None = None,
                          end: datetime | None = None, **kw: Any) -> list[dict[str, Any]]:
    """Peak-day fluctuation coefficient (忙日话务波动系数) per month: max ÷ mean daily offered legs
    (``kw``: ``available`` / ``aggregate`` for :func:`engine.compute`)."""
    res = compute(tables, settings, grain="month", by=by, start=start, end=end,
                  indicators=["peak_day_coefficient", "offered"], fill=False, **kw)
    if "peak_day_coefficient" in res.unavailable:
        raise DataNotAvailable(res.unavailable["peak_day_coefficient"], needs=["calls.outcome"])
    return res.rows()


@dataclass(frozen=True)
class BeforeAfter:
    indicator: str
    before: float | None
    after: float | None
    change: float | None  # after − before, in the indicator's unit
    target: str
    status_before: Status | None
    status_after: Status | None
    improved: bool | None  # moved in the good direction


def before_after(tables: Mapping[str, Any], indicator: str, *, before: tuple[datetime, datetime],
                 after: tuple[datetime, datetime], settings: Settings | None = None) -> BeforeAfter:
    """An indicator over two periods (e.g. before and after a QC project), against its target."""
    s = settings or Settings()
    ind = BY_ID[indicator]

    def over(span: tuple[datetime, datetime]) -> float | None:
        """The indicator pooled over the whole span (not a mean of daily values)."""
        grain = "total" if "total" in ind.grains else "month"
        res = compute(tables, s, grain=grain, start=span[0], end=span[1], indicators=[indicator], fill=False)
        if indicator in res.unavailable:
            raise DataNotAvailable(f"{indicator}: {res.unavailable[indicator]}", needs=list(ind.needs))
        vals = [r[indicator] for r in res.rows() if r[indicator] is not None]
        if len(vals) > 1:
            raise DataNotAvailable(f"{indicator} is monthly: give spans of one calendar month", needs=[])
        return float(vals[0]) if vals else None

    b, a = over(before), over(after)
    change = None if a is None or b is None else a - b
    improved = None
    if change is not None and ind.direction in ("up", "down"):
        improved = change > 0 if ind.direction == "up" else change < 0
    t = target_for(ind, s)
    return BeforeAfter(indicator, b, a, change, t.describe() if t else "—",
                       status(ind, b, s), status(ind, a, s), improved)
