"""Compute indicators over the canonical tables, at any grain and by any dimensions.

``compute(tables, settings, grain=..., by=..., start=..., end=...)`` takes a dict of Ibis
tables (one backend: DuckDB, SQLite, Polars) and returns a :class:`KpiResult`: an Arrow
table with one row per period × dimension combination and one column per indicator, the
indicators that could not be computed with the reason ("not available — needs
calls.acw_seconds"), and the definitions in force.

Every source is aggregated by its own Ibis expression (see ``measures.py``); the sources
are joined on (period, dimensions) inside the backend; each indicator's value is an Ibis
expression over the joined measures. When ``fill`` is on, every period of the range shows
for every dimension combination seen: counts 0, rates and means empty (no calls, no rate).
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import pyarrow as pa

from callcenter.errors import ConfigError
from callcenter.metrics.grain import (
    DIMENSIONS,
    NONE,
    Query,
    datetime_to_key,
    key_to_datetime,
    normalise_grain,
    period_keys,
)
from callcenter.metrics.measures import MEASURE_SOURCE, SOURCES
from callcenter.metrics.registry import BY_ID, INDICATORS, Indicator
from callcenter.settings import Settings

Expr = Any
#: (source, measure names, query) -> (table keyed by period and dims or None, names not served)
Aggregate = Callable[[str, list[str], Query], tuple[pa.Table | None, list[str]]]


@dataclass
class KpiResult:
    """Indicator values with the definitions they were computed under."""

    table: pa.Table  # period, dims..., one column per available indicator
    grain: str
    by: tuple[str, ...]
    indicators: list[str]  # computed, in registry order
    unavailable: dict[str, str] = field(default_factory=dict)  # id -> reason
    definitions: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        return list(self.table.to_pylist())

    def value(self, indicator: str, **keys: Any) -> Any:
        """The value of one indicator in the one row matching ``keys`` (period=datetime, dims)."""
        if indicator in self.unavailable:
            return None
        hits = [r for r in self.rows() if all(r.get(k) == v for k, v in keys.items())]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} rows match {keys}")
        return hits[0][indicator]


def _column_available(tables: Mapping[str, Expr], needs: Iterable[str]) -> dict[str, bool]:
    """For each table.column: table loaded and at least one non-null value."""
    by_table: dict[str, set[str]] = {}
    for n in needs:
        for alt in n.split("|"):
            t, c = alt.split(".")
            by_table.setdefault(t, set()).add(c)
    ok: dict[str, bool] = {}
    for t, cols in by_table.items():
        if t not in tables:
            ok.update({f"{t}.{c}": False for c in cols})
            continue
        tab = tables[t]
        present = [c for c in sorted(cols) if c in tab.columns]
        ok.update({f"{t}.{c}": False for c in cols if c not in tab.columns})
        if present:
            counts = tab.aggregate(**{f"n_{c}": tab[c].count() for c in present}).to_pyarrow().to_pylist()[0]
            ok.update({f"{t}.{c}": bool(counts[f"n_{c}"]) for c in present})
    return ok


def column_availability(tables: Mapping[str, Expr]) -> dict[str, bool]:
    """For every ``table.column`` an indicator needs: table loaded and at least one non-null
    value (what :func:`measures` checks; pass it as ``available`` to skip the scans)."""
    return _column_available(tables, [n for i in INDICATORS for n in i.needs])


def _unavailable_reason(ind: Indicator, q: Query, ok: Mapping[str, bool], tables: Mapping[str, Expr],
                        backend_windows: bool) -> str | None:
    if q.grain not in ind.grains:
        return f"not applicable at grain {q.grain} (grains: {', '.join(sorted(ind.grains))})"
    bad_dims = [d for d in q.by if d not in ind.dims]
    if bad_dims:
        return f"not available by {', '.join(bad_dims)} (dimensions: {', '.join(sorted(ind.dims)) or 'none'})"
    missing = [n for n in ind.needs if not any(ok.get(a, False) for a in n.split("|"))]
    sources = {MEASURE_SOURCE[m] for m in ind.measures}
    for d in q.by:  # team / centre of timeclock and QA rows come from the agents table
        if d in ("team", "centre") and sources & {"timeclock", "qa_scores"} and "agents" not in tables:
            missing.append(f"agents.{d}")
    for m in ind.measures:
        for t in SOURCES[MEASURE_SOURCE[m]].tables:
            if t not in tables and all(not n.startswith(t + ".") for n in missing):
                missing.append(f"{t}")
    if missing:
        return "not available — needs " + ", ".join(n.replace("|", " or ") for n in missing)
    if not backend_windows and any(SOURCES[MEASURE_SOURCE[m]].needs_window for m in ind.measures):
        return "not available on this backend (needs window functions)"
    if ind.source == "turnover" and (q.start is None or q.end is None):
        return "not available — needs a date range (--from/--to)"
    return None


def _has_windows(tables: Mapping[str, Expr]) -> bool:
    """Polars' Ibis backend has no window functions (checked with Ibis 12)."""
    first = next(iter(tables.values()), None)  # one backend holds them all
    return first is None or str(first.get_backend().name) != "polars"


def select_indicators(ids: Sequence[str] | None) -> list[Indicator]:
    if not ids:
        return list(INDICATORS)
    out = []
    for i in ids:
        if i not in BY_ID:
            raise ConfigError(f"unknown indicator {i!r}", hint="known: " + ", ".join(BY_ID))
        out.append(BY_ID[i])
    return out


@dataclass
class Measures:
    """The joined per-source aggregates of one computation, before the indicator formulas.

    ``frame`` holds ``period`` (integer key), the dimensions and one column per measure
    (null = nothing counted). :func:`evaluate` turns it into indicator values; :func:`rollup`
    sums it into a coarser grain without going back to the warehouse.
    """

    frame: pa.Table
    query: Query
    chosen: list[Indicator]
    unavailable: dict[str, str]
    backend: Any = None


def measures(
    tables: Mapping[str, Expr],
    settings: Settings | None = None,
    *,
    grain: str = "day",
    by: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    indicators: Sequence[str] | None = None,
    fill: bool = True,
    available: Mapping[str, bool] | None = None,
    aggregate: Aggregate | None = None,
) -> Measures:
    """The measures behind ``indicators`` by (period, *by): one query per source.

    ``available``: which ``table.column`` hold any value (see :func:`column_availability`),
    when the caller knows it already (else one scan per table finds out). ``aggregate``:
    asked first for each source's measures (e.g. from stored daily roll-ups, see
    :mod:`callcenter.metrics.rollup_store`); it returns the per-source table keyed by
    (period, *by) and the measures it could not serve, which are computed here directly.
    """
    settings = settings or Settings()
    grain = normalise_grain(grain)
    by = tuple(by)
    for d in by:
        if d not in DIMENSIONS:
            raise ConfigError(f"unknown dimension {d!r}", hint="use " + ", ".join(DIMENSIONS))
    q = Query(settings, grain, by, start, end)
    wanted = select_indicators(indicators)
    # one cheap ungrouped scan per table: which needed columns hold any value at all (folding
    # these counts into the grouped aggregates measured ~40 % slower at 10 M calls)
    ok = available if available is not None else _column_available(tables, [n for i in wanted for n in i.needs])
    windows = _has_windows(tables)
    unavailable: dict[str, str] = {}
    chosen: list[Indicator] = []
    for ind in wanted:
        reason = _unavailable_reason(ind, q, ok, tables, windows)
        if reason:
            unavailable[ind.id] = reason
        else:
            chosen.append(ind)
    keys = ["period", *by]
    if not chosen:
        return Measures(pa.table({k: pa.array([], t) for k, t in zip(keys, _key_schema(by).types, strict=True)}),
                        q, [], unavailable)

    # one aggregated Ibis table per source
    per_source: dict[str, list[str]] = {}
    for ind in chosen:
        for m in ind.measures:
            names = per_source.setdefault(MEASURE_SOURCE[m], [])
            if m not in names:
                names.append(m)
    con = next(iter(tables.values())).get_backend()
    # each source is aggregated by the backend in its own query (small SQL: SQLite's parser
    # overflows on one query joining them all); the small aggregates are joined in Arrow and
    # the indicator values computed back in the same backend
    aggs: dict[str, pa.Table] = {}
    for src, names in per_source.items():
        if aggregate is not None:
            served, names = aggregate(src, names, q)
            if served is not None:
                aggs[f"{src}:stored"] = served
        if names:
            aggs[src] = con.to_pyarrow(SOURCES[src].build(tables, q, names))
    if len(aggs) == 1 and not fill:  # one source: its keys are already unique, nothing to join
        frame = next(iter(aggs.values()))
    else:
        frame = pa.concat_tables([a.select(keys).cast(_key_schema(by)) for a in aggs.values()])
        frame = frame.group_by(keys).aggregate([])
        if fill:
            frame = _with_grid(frame, q)
        for agg in aggs.values():
            ms = [agg.schema.field(c) for c in agg.column_names if c not in keys]
            agg = agg.select([*keys, *[f.name for f in ms]]).cast(pa.schema([*_key_schema(by), *ms]))
            frame = frame.join(agg, keys, join_type="left outer")
    return Measures(frame, q, chosen, unavailable, con)


def evaluate(m: Measures) -> KpiResult:
    """Indicator values from measures (computed in the measures' backend)."""
    q = m.query
    definitions = q.settings.definitions()
    if not m.chosen:
        empty = pa.table({"period": pa.array([], pa.timestamp("us")), **{d: pa.array([], pa.string()) for d in q.by}})
        return KpiResult(empty, q.grain, q.by, [], _ordered(m.unavailable), definitions)
    if m.backend is None:
        raise ValueError("measures without a backend cannot be evaluated")
    arrays = _evaluate_numpy(m)
    if arrays is not None:
        result = arrays
    elif getattr(m.backend, "name", None) == "duckdb":
        result = _evaluate_duckdb(m)
    else:
        joined = ibis.memtable(m.frame)
        result = m.backend.to_pyarrow(_value_expr(joined, m))
    periods = [q.start if q.grain == "total" and q.start is not None else key_to_datetime(int(k), q.grain)
               for k in result.column("period").to_pylist()]
    result = result.set_column(0, "period", pa.array(periods, pa.timestamp("us")))
    for ind in m.chosen:  # counts as integers, values as float
        col = result.column(ind.id)
        target_type = pa.int64() if ind.is_count else pa.float64()
        if col.type != target_type:
            result = result.set_column(result.column_names.index(ind.id), ind.id, col.cast(target_type))
    return KpiResult(result, q.grain, q.by, [i.id for i in m.chosen], _ordered(m.unavailable), definitions)


def _value_expr(joined: Expr, m: Measures) -> Expr:
    keys = ["period", *m.query.by]
    cols = {c: ibis.coalesce(joined[c], 0) for c in joined.columns if c not in keys}
    return joined.select(*keys, **{ind.id: ind.value(cols, m.query.settings) for ind in m.chosen}).order_by(keys)


def _evaluate_numpy(m: Measures) -> pa.Table | None:
    """The indicator formulas on numpy arrays of the (small) measures frame, in process:
    the same double arithmetic as the SQL, without a query per evaluation. None when a
    formula is not array-friendly (then the backend computes it)."""
    import numpy as np

    keys = ["period", *m.query.by]
    frame = m.frame.sort_by([(k, "ascending") for k in keys])
    cols: dict[str, Any] = {}
    for c in frame.column_names:
        if c not in keys:
            col = frame.column(c)
            cols[c] = col.fill_null(0).to_numpy() if col.null_count else col.to_numpy()
    out = {k: frame.column(k) for k in keys}
    try:
        for ind in m.chosen:
            v = ind.value(cols, m.query.settings)
            arr = np.asarray(v)
            if arr.shape != (frame.num_rows,):
                arr = np.broadcast_to(arr, (frame.num_rows,))
            if arr.dtype.kind == "f":
                out[ind.id] = pa.array(arr, pa.float64(), from_pandas=True)  # NaN: null
            elif arr.dtype.kind in "iu":
                out[ind.id] = pa.array(arr, pa.int64())
            else:
                return None
    except (TypeError, AttributeError, ValueError, KeyError):
        return None
    return pa.table(out)


_FRAME = "__kpi_frame__"
_SQL_CACHE: OrderedDict[tuple[Any, ...], str] = OrderedDict()


def _evaluate_duckdb(m: Measures) -> pa.Table:
    """The indicator formulas over the measures on DuckDB, the SQL compiled once per
    (measure columns, indicators, settings): compiling ~40 Ibis expressions costs more than
    running them on a few thousand rows."""
    key = (m.frame.schema, m.query.by, tuple(i.id for i in m.chosen), m.query.settings.model_dump_json())
    sql = _SQL_CACHE.get(key)
    if sql is None:
        unbound = ibis.table(ibis.Schema.from_pyarrow(m.frame.schema), name=_FRAME)
        sql = ibis.to_sql(_value_expr(unbound, m), dialect="duckdb")
        _SQL_CACHE[key] = sql
        while len(_SQL_CACHE) > 256:
            _SQL_CACHE.popitem(last=False)
    con = m.backend.con
    name = f"__kpi_frame_{uuid.uuid4().hex}"
    con.register(name, m.frame)
    try:
        out: pa.Table = con.sql(str(sql).replace(f'"{_FRAME}"', f'"{name}"')).to_arrow_table()
    finally:
        con.unregister(name)
    return out


def compute(
    tables: Mapping[str, Expr],
    settings: Settings | None = None,
    *,
    grain: str = "day",
    by: Sequence[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    indicators: Sequence[str] | None = None,
    fill: bool = True,
    available: Mapping[str, bool] | None = None,
    aggregate: Aggregate | None = None,
) -> KpiResult:
    """Indicators by (period, *by) over ``tables`` (a dict of Ibis tables on one backend)."""
    return evaluate(measures(tables, settings, grain=grain, by=by, start=start, end=end,
                             indicators=indicators, fill=fill, available=available, aggregate=aggregate))


#: measures that cannot be added up from finer periods (distinct counts, stocks)
NON_ADDITIVE = frozenset({"contacts", "handled_contacts", "callers", "agents_present", "headcount"})
#: measures combined by max instead of sum when rolled up
MAX_MEASURES = frozenset({"pd_max"})
#: grains each grain can be rolled up into
ROLLS_UP_TO = {"15m": ("30m", "60m", "day", "week", "month", "total"),
               "30m": ("60m", "day", "week", "month", "total"), "60m": ("day", "week", "month", "total"),
               "day": ("week", "month", "total")}


def rollup(m: Measures, grain: str, start: datetime | None = None, end: datetime | None = None) -> Measures:
    """``m`` summed into a coarser ``grain`` over [start, end) (within ``m``'s range); at
    ``m``'s own grain, the periods of [start, end).

    Exact for the indicators whose measures are all additive (counts and sums: a call, a state
    piece, a contact belongs to one finer period, so the coarser period's measure is the sum);
    those with a distinct count (total calls, attempts per caller, hours per agent, cost per
    call) or not defined at ``m``'s grain are left out: compute them directly
    (:func:`missing_after_rollup` names them).
    """
    grain = normalise_grain(grain)
    q0 = m.query
    if grain not in (q0.grain, *ROLLS_UP_TO.get(q0.grain, ())):
        raise ConfigError(f"cannot roll {q0.grain} up into {grain}",
                          hint="roll a finer grain into a coarser one (e.g. day into week or month)")
    lo = datetime_to_key(start, q0.grain) if start is not None else None
    hi = datetime_to_key(end, q0.grain) if end is not None else None
    if end is not None and hi is not None and key_to_datetime(hi, q0.grain) < end.replace(tzinfo=None):
        hi += 1  # end inside a period: that period is in
    if (start is not None and q0.start is not None and start < q0.start) or (
            end is not None and q0.end is not None and end > q0.end):
        raise ConfigError("the roll-up range is outside the measures' range",
                          hint=f"measure over [{q0.start}, {q0.end}) at least")
    q = Query(q0.settings, grain, q0.by, start if start is not None else q0.start, end if end is not None else q0.end)
    same = grain == q0.grain  # a slice of the same periods: every indicator stays
    chosen = [i for i in m.chosen if same or (not (set(i.measures) & NON_ADDITIVE) and grain in i.grains)]
    keys = ["period", *q.by]
    frame = m.frame
    if lo is not None or hi is not None:
        import pyarrow.compute as pc

        mask = pa.array([True] * frame.num_rows)
        if lo is not None:
            mask = pc.and_(mask, pc.greater_equal(frame.column("period"), lo))
        if hi is not None:
            mask = pc.and_(mask, pc.less(frame.column("period"), hi))
        frame = frame.filter(mask)
    if same:
        return Measures(frame, q, chosen, dict(m.unavailable), m.backend)
    names = list(dict.fromkeys(x for i in chosen for x in i.measures))
    periods = [datetime_to_key(key_to_datetime(int(k), q0.grain), grain) for k in frame.column("period").to_pylist()]
    frame = frame.set_column(0, "period", pa.array(periods, pa.int64()))
    aggs = [(n, "max" if n in MAX_MEASURES else "sum") for n in names]
    out = frame.select([*keys, *names]).group_by(keys).aggregate(aggs)
    plain = {f"{n}_{a}": n for n, a in aggs}
    out = out.rename_columns([plain.get(c, c) for c in out.column_names]).select([*keys, *names])
    return Measures(out, q, chosen, {}, m.backend)


def missing_after_rollup(m: Measures, rolled: Measures) -> list[str]:
    """Indicators of ``m`` (computed or not) that ``rolled`` does not carry."""
    have = {i.id for i in rolled.chosen}
    return [i.id for i in [*m.chosen, *[BY_ID[k] for k in m.unavailable]] if i.id not in have]


def _ordered(unavailable: dict[str, str]) -> dict[str, str]:
    """Unavailable indicators in registry order."""
    return {i.id: unavailable[i.id] for i in INDICATORS if i.id in unavailable}


def _key_schema(by: Sequence[str]) -> pa.Schema:
    return pa.schema([("period", pa.int64()), *[(d, pa.string()) for d in by]])


def _with_grid(frame: pa.Table, q: Query) -> pa.Table:
    """Add every period of [start, end) for every dimension combination in ``frame``."""
    if q.start is not None and q.end is not None:
        periods = period_keys(q.start, q.end, q.grain)
    else:
        if frame.num_rows == 0:
            return frame
        ks = frame.column("period").to_pylist()
        lo, hi = key_to_datetime(min(ks), q.grain), key_to_datetime(max(ks), q.grain)
        periods = [*period_keys(lo, hi, q.grain), max(ks)]
    combos = frame.select(list(q.by)).group_by(list(q.by)).aggregate([]).to_pylist() if q.by else [{}]
    grid = pa.Table.from_pylist(
        [{"period": p, **c} for p in periods for c in combos], schema=_key_schema(q.by)
    )
    keys = ["period", *q.by]
    return pa.concat_tables([grid, frame.select(keys)]).group_by(keys).aggregate([])


__all__ = ["NONE", "Aggregate", "KpiResult", "Measures", "column_availability", "compute", "evaluate", "measures", "missing_after_rollup",
           "rollup", "select_indicators"]
