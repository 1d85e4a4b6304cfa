"""Daily (and quarter-hour) measures stored in the warehouse, rolled up for any range.

The indicator engine aggregates the canonical tables per query; over a year of a large
centre that is seconds per page. This module keeps the engine's own per-source measures
at a fine grain in DuckDB tables (``rollup_<cube>``), computed by the same Ibis expressions
(:data:`callcenter.metrics.measures.SOURCES`), and answers a query by summing the rows of
its range, filtered by its queue / team / agent and grouped by its dimensions and grain.

Exactness: a leg, a state piece (states are cut at day boundaries at every grain of a day
and up), a schedule activity, a timeclock day, an evaluation, a survey and a contact
(counted in its first leg's period) each fall in one (period, dimensions) cell, so a
count or a sum over a coarser period or fewer dimensions is the sum of the cells. The rest
is handled one by one:

* distinct agents present (hours per agent): the timeclock cube is keyed by agent, so the
  distinct count is a count of distinct keys;
* peak-day coefficient: the daily offered counts of the calls cube, then max / sum / days;
* busy-hour answered rate: each day's busiest hour from the quarter-hour cube;
* distinct contacts (total calls, cost per call) and distinct callers (attempts per
  caller): not stored — the engine computes them directly (one query over the range);
* the contact-level flags (repeat within the FCR window, answered contact) depend on every
  leg of the caller, so a filter on calls makes them differ: with a filter they are
  computed directly; surveys take their dimensions from the (filtered) surveyed call, so
  with a filter and dimensions they are too.

What a query cannot take from the cubes (an unaligned range, a grain the cube cannot roll
into, a dimension it does not keep) is left to the engine, which computes it directly.
The cubes carry the data version and the settings they were computed under
(``rollup_meta``); :meth:`RollupStore.is_fresh` is false after any load the store has not
been refreshed for, and the facade then does not use it (never a stale number).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from callcenter.metrics.engine import Aggregate
from callcenter.metrics.grain import NONE, Query, datetime_to_key, key_to_datetime
from callcenter.metrics.measures import CALL_MEASURES, SOURCES
from callcenter.metrics.scope import FILTER_DIMS
from callcenter.settings import Settings

META = "rollup_meta"
CONTACT_CELLS = "rollup_contact_cells"  # the cells of contacts with legs in more than one
CALLERS = "rollup_callers"  # distinct callers per day / week / month, alone or by one dimension
CELL_DIMS = ("queue", "call_type", "team", "agent")
_ES = "CAST(floor(epoch(offered_local)) AS BIGINT)"
#: which filters reach a source's rows (see :func:`callcenter.metrics.scope.filtered`)
SOURCE_FILTERS = {
    "calls": frozenset({"queue", "team", "agent"}),
    "agent_states": frozenset({"team", "agent"}),
    "schedule": frozenset({"team", "agent"}),
    "timeclock": frozenset({"agent"}),
    "qa_scores": frozenset({"agent"}),
    "surveys": frozenset(),
}
ADDITIVE_CALLS = tuple(m for m in CALL_MEASURES if m not in ("contacts", "handled_contacts"))
CONTACT_MEASURES = ("known_contacts", "repeated", "answered_known", "answered_not_repeated")
DAY_AND_UP = ("day", "week", "month", "total")
#: distinct counts answered from the calls table (contacts: all legs; callers: first legs)
DISTINCT_SQL = {"contacts": "CAST(count(DISTINCT contact_id) AS BIGINT)",
                "callers": "CAST(count(DISTINCT coalesce(customer_id, caller_number)) AS BIGINT)"}


@dataclass(frozen=True)
class Cube:
    """One stored table: a source's measures by (period at ``grain``, ``dims``)."""

    name: str
    source: str
    grain: str  # "day" or "15m"
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    table: str  # the canonical table whose rows it aggregates
    whole: bool = False  # refreshed whole on every refresh (its rows join other days' rows)
    parent: str | None = None  # summed from this cube instead of the source
    cells: tuple[str, ...] = ()  # stored per cell but never summed (distinct counts)

    @property
    def sql_name(self) -> str:
        return f"rollup_{self.name}"


CUBES: tuple[Cube, ...] = (
    Cube("calls_day", "calls", "day", ("queue", "call_type", "team", "agent"), ADDITIVE_CALLS, "calls",
         cells=("contacts",)),
    Cube("calls_day_q", "calls", "day", ("queue", "call_type"), ADDITIVE_CALLS, "calls", parent="calls_day"),
    Cube("calls_15m", "calls", "15m", ("queue", "call_type"), ADDITIVE_CALLS, "calls"),
    Cube("contacts_day", "contacts", "day", ("queue", "call_type", "team", "agent"), CONTACT_MEASURES, "calls"),
    Cube("states_day", "agent_states", "day", ("agent", "team", "queue"),
         tuple(SOURCES["agent_states"].measures), "agent_states"),
    Cube("schedule_day", "schedule", "day", ("agent", "team"), ("scheduled_phone_s",), "schedule"),
    Cube("timeclock_day", "timeclock", "day", ("agent", "team", "centre"),
         ("scheduled_days", "present_days", "paid_s", "agents_present"), "timeclock"),
    Cube("qa_day", "qa_scores", "day", ("agent", "team", "centre"), ("qa_sum", "qa_n"), "qa_scores"),
    Cube("surveys_day", "surveys", "day", ("queue", "call_type", "team", "agent"), ("satisfied", "surveys"),
         "surveys", whole=True),
)
BY_NAME = {c.name: c for c in CUBES}
LAYOUT_VERSION = 1  # bump when a stored table's meaning changes without its definition changing
#: measures whose zone offset (instants with no local column) must be the same all year
OFFSET_SOURCES = frozenset({"schedule", "qa_scores", "surveys"})
#: loading one of these changes the dimensions of stored rows of every day: rebuild
REBUILD_TABLES = frozenset({"agents"})


def fingerprint(settings: Settings) -> str:
    """What the stored figures depend on besides the data: the settings and the cube layout
    (a newer version of this module with other cubes or measures rebuilds them)."""
    layout = [(c.name, c.source, c.grain, c.dims, c.measures, c.cells, c.parent) for c in CUBES]
    return json.dumps([settings.model_dump(mode="json"), layout, LAYOUT_VERSION], sort_keys=True)


def _fixed_offset(settings: Settings) -> bool:
    z = settings.zone
    offs = {z.utcoffset(datetime(y, m, 15)) for y in (2000, 2020, 2030) for m in (1, 4, 7, 10)}
    return len(offs) == 1


def _period_sql(col: str, cube_grain: str, grain: str) -> str:
    """The query grain's period key from a cube key (local epoch seconds of the cell)."""
    if grain == "total":
        return "CAST(0 AS BIGINT)"
    if grain == "month":
        ts = f"make_timestamp(CAST({col} AS BIGINT) * 1000000)"
        return f"CAST(year({ts}) * 100 + month({ts}) AS BIGINT)"
    if grain == "week":
        d = f"({col} // 86400)"
        return f"CAST(({d} - ({d} + 3) % 7) * 86400 AS BIGINT)"
    width = {"day": 86400, "60m": 3600, "30m": 1800, "15m": 900}[grain]
    return f"CAST(({col} // {width}) * {width} AS BIGINT)"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class RollupStore:
    """The stored cubes of one warehouse connection (DuckDB) and its Ibis tables."""

    def __init__(self, con: Any, tables: Mapping[str, Any], settings: Settings) -> None:
        self.con = con  # a duckdb.DuckDBPyConnection
        self.tables = tables
        self.settings = settings
        self._fixed = _fixed_offset(settings)
        self._meta: dict[str, str] | None = None
        self._types: dict[str, dict[str, str]] = {}

    # -- state ----------------------------------------------------------------------------
    def _read_meta(self) -> dict[str, str]:
        if self._meta is None:
            exists = self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [META]).fetchall()[0][0]
            rows = self.con.execute(f"SELECT key, value FROM {META}").fetchall() if exists else []
            self._meta = {k: v for k, v in rows}
        return self._meta

    def is_fresh(self, version: Any) -> bool:
        """Built for this data version and these settings."""
        m = self._read_meta()
        return m.get("version") == str(version) and m.get("settings") == fingerprint(self.settings)

    def cubes(self) -> dict[str, list[str]]:
        """Stored cubes with their dimension columns."""
        m = self._read_meta()
        out: dict[str, list[str]] = json.loads(m.get("cubes", "{}"))
        return out

    # -- building -------------------------------------------------------------------------
    def refresh(self, version: Any, days: tuple[date, date] | None = None, *, full: bool = False) -> None:
        """Recompute the cubes for the local days ``days`` (inclusive; None or ``full``:
        everything) and mark them fresh for ``version``, in one transaction.

        The days are widened by what a row can reach: the FCR window before (a new contact
        makes an earlier one a repeat) and the longest state after (a state cut at midnight).
        A store that was not fresh, or built under other settings, is rebuilt whole."""
        meta = self._read_meta()
        if not full and (days is None or meta.get("settings") != fingerprint(self.settings)
                         or "version" not in meta):
            full = True
        before = json.loads(meta.get("cubes", "{}"))
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
            stored: dict[str, list[str]] = {}
            for cube in CUBES:
                dims = self._dims_for(cube)
                if dims is None:
                    self.con.execute(f"DROP TABLE IF EXISTS {cube.sql_name}")
                    continue
                whole = full or cube.whole or cube.name not in before or before[cube.name] != list(dims)
                span = None if whole else self._span(cube, days)  # type: ignore[arg-type]
                self._build(cube, dims, span)
                stored[cube.name] = list(dims)
            if "calls_day" in stored:
                self._build_distinct(None if full or "calls_day" not in before else days)
            else:
                for t in (CONTACT_CELLS, CALLERS):
                    self.con.execute(f"DROP TABLE IF EXISTS {t}")
            end = self.con.execute("SELECT max(offered_local) FROM calls").fetchall()[0][0] \
                if "calls" in self.tables else None
            calls_end = (end.date() + timedelta(days=1)).isoformat() if end is not None else ""
            types = self.con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_name LIKE 'rollup_%'").fetchall()
            kinds: dict[str, dict[str, str]] = {}
            for t, c, ty in types:
                kinds.setdefault(t, {})[c] = "BIGINT" if "INT" in str(ty).upper() else "DOUBLE"
            for k, v in (("version", str(version)), ("settings", fingerprint(self.settings)),
                         ("calls_end", calls_end), ("types", json.dumps(kinds)),
                         ("cubes", json.dumps(stored)), ("built_at", datetime.now().isoformat())):
                self.con.execute(f"INSERT OR REPLACE INTO {META} VALUES (?, ?)", [k, v])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._meta = None
            self._types = {}

    def mark(self, version: Any) -> None:
        """Record that ``version`` changed no stored row (a load of tables with no cube)."""
        self.con.execute(f"INSERT OR REPLACE INTO {META} VALUES ('version', ?)", [str(version)])
        self._meta = None

    def _build_distinct(self, days: tuple[date, date] | None) -> None:
        """The two distinct-count helpers: the (day, dims) cells of every contact found in
        more than one (a transfer, a call across midnight: a contact counted once per
        group needs them) and the distinct callers per period, per dimension value."""
        dims = ", ".join(f"coalesce(CAST({d} AS VARCHAR), '{NONE}') AS {d}" for d in CELL_DIMS)
        cells = (f"SELECT DISTINCT contact_id, CAST(({_ES} // 86400) * 86400 AS BIGINT) AS period, {dims} "
                 "FROM calls WHERE direction = 'inbound' AND contact_id IS NOT NULL")
        multi = "SELECT * FROM c WHERE contact_id IN (SELECT contact_id FROM c GROUP BY 1 HAVING count(*) > 1)"
        if days is None:
            self.con.execute(f"CREATE OR REPLACE TABLE {CONTACT_CELLS} AS WITH c AS ({cells}) {multi}")
        else:  # every contact with a leg in the span: all its cells again
            lo, hi = self._span(BY_NAME["calls_day"], days)
            self.con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT contact_id FROM calls "
                             "WHERE direction = 'inbound' AND offered_local >= ? AND offered_local < ?", [lo, hi])
            self.con.execute(f"DELETE FROM {CONTACT_CELLS} WHERE contact_id IN (SELECT contact_id FROM _touched)")
            self.con.execute(f"INSERT INTO {CONTACT_CELLS} BY NAME WITH c AS ({cells} AND contact_id IN "
                             f"(SELECT contact_id FROM _touched)) {multi}")
            self.con.execute("DROP TABLE _touched")
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {CALLERS} (grain VARCHAR, period BIGINT, dim VARCHAR, "
                         "value VARCHAR, callers BIGINT)")
        if days is None:
            self.con.execute(f"DELETE FROM {CALLERS}")
        for grain in ("day", "week", "month"):
            where, params = "", []
            if days is not None:  # whole periods around the span
                lo, hi = self._span(BY_NAME["contacts_day"], days)
                k0, k1 = datetime_to_key(lo, grain), datetime_to_key(hi - timedelta(days=1), grain)
                self.con.execute(f"DELETE FROM {CALLERS} WHERE grain = ? AND period >= ? AND period <= ?",
                                 [grain, k0, k1])
                t1 = key_to_datetime(k1, grain)
                t1 = (datetime(t1.year + (t1.month == 12), t1.month % 12 + 1, 1) if grain == "month"
                      else t1 + timedelta(days=7 if grain == "week" else 1))
                where = " AND offered_local >= ? AND offered_local < ?"
                params = [key_to_datetime(k0, grain), t1]
            sets = ", ".join(["(period)", *[f"(period, {d})" for d in CELL_DIMS]])
            dim = "CASE " + " ".join(f"WHEN grouping({d}) = 0 THEN '{d}'" for d in CELL_DIMS) + " ELSE '' END"
            value = "coalesce(" + ", ".join(CELL_DIMS) + ", '')"
            self.con.execute(
                f"INSERT INTO {CALLERS} SELECT '{grain}', period, {dim}, {value}, "
                f"CAST(count(DISTINCT caller) AS BIGINT) FROM (SELECT {_period_sql(_ES, 'day', grain)} AS period, "
                f"{dims}, coalesce(customer_id, caller_number) AS caller FROM calls "
                f"WHERE direction = 'inbound' AND leg = 1{where}) GROUP BY GROUPING SETS ({sets})",
                params)

    def _dims_for(self, cube: Cube) -> tuple[str, ...] | None:
        """The cube's dimensions on this data (None: its table is not loaded)."""
        needed = SOURCES[cube.source].tables
        if any(t not in self.tables for t in needed):
            return None
        if cube.source in OFFSET_SOURCES and not self._fixed:
            return None
        if cube.source in ("timeclock", "qa_scores") and "agents" not in self.tables:
            return ("agent",)
        return cube.dims

    def _span(self, cube: Cube, days: tuple[date, date]) -> tuple[datetime, datetime]:
        lo, hi = days
        lo_dt = datetime(lo.year, lo.month, lo.day) - timedelta(days=1)
        hi_dt = datetime(hi.year, hi.month, hi.day) + timedelta(days=2)
        if cube.source == "contacts":
            lo_dt -= timedelta(days=math.ceil(self.settings.fcr_window_hours / 24))
        if cube.source == "agent_states":
            t = self.tables["agent_states"]
            longest = t.get_backend().to_pyarrow(t.aggregate(m=t.seconds.max())).to_pylist()[0]["m"] or 0.0
            hi_dt += timedelta(days=math.ceil(longest / 86400))
        return lo_dt, hi_dt

    def _build(self, cube: Cube, dims: tuple[str, ...], span: tuple[datetime, datetime] | None) -> None:
        name = cube.sql_name
        if cube.parent is not None:
            parent = BY_NAME[cube.parent].sql_name
            where, params = self._range_where("period", cube, span)
            sums = ", ".join(f"CAST(sum({_q(m)}) AS {self._type(parent, m)}) AS {_q(m)}" for m in cube.measures)
            select = (f"SELECT period, {', '.join(dims)}, {sums} FROM {parent}"
                      f"{' WHERE ' + where if where else ''} GROUP BY ALL")
            if span is None:
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {select}", params)
            else:
                self.con.execute(f"DELETE FROM {name} WHERE {where}", params)
                self.con.execute(f"INSERT INTO {name} BY NAME {select}", params)
            return
        q = Query(self.settings, cube.grain, dims, span[0] if span else None, span[1] if span else None)
        expr = SOURCES[cube.source].build(self.tables, q, [*cube.measures, *cube.cells])
        frame: pa.Table = next(iter(self.tables.values())).get_backend().to_pyarrow(expr)
        self.con.register("_rollup_frame", frame)
        try:
            if span is None:
                self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _rollup_frame ORDER BY period")
            else:
                where, params = self._range_where("period", cube, span)
                self.con.execute(f"DELETE FROM {name} WHERE {where}", params)
                self.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _rollup_frame ORDER BY period")
        finally:
            self.con.unregister("_rollup_frame")

    @staticmethod
    def _range_where(col: str, cube: Cube, span: tuple[datetime, datetime] | None) -> tuple[str, list[Any]]:
        if span is None:
            return "", []
        return (f"{col} >= ? AND {col} < ?",
                [datetime_to_key(span[0], cube.grain), datetime_to_key(span[1], cube.grain)])

    def _type(self, table: str, column: str) -> str:
        if not self._types:
            self._types = json.loads(self._read_meta().get("types", "{}"))
        if table not in self._types or column not in self._types[table]:
            rows = self.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ?",
                [table]).fetchall()
            self._types[table] = {c: "BIGINT" if "INT" in str(t).upper() else "DOUBLE" for c, t in rows}
        return self._types[table][column]

    # -- answering ------------------------------------------------------------------------
    def aggregator(self, filters: Mapping[str, str | None]) -> Aggregate:
        """What :func:`callcenter.metrics.engine.measures` asks per source, for tables
        filtered by ``filters`` (queue / team / agent, as :func:`scope.filtered` does)."""
        active = {k: v for k, v in filters.items() if v}
        unknown = set(active) - set(FILTER_DIMS)
        if unknown:
            raise ValueError(f"unknown filters {sorted(unknown)}")
        stored = self.cubes()

        def aggregate(src: str, names: list[str], q: Query) -> tuple[pa.Table | None, list[str]]:
            if NONE in active.values():  # a cell key "(none)" is also a null: not the same filter
                return None, names
            try:
                return self._serve(src, names, q, active, stored)
            except _NotServed:
                return None, names

        return aggregate

    def _serve(self, src: str, names: list[str], q: Query, filters: Mapping[str, str],
               stored: Mapping[str, list[str]]) -> tuple[pa.Table | None, list[str]]:
        if src == "peak_day":
            cube = self._pick("calls", q, filters, stored, grains=("day",))
            return self._peak_day(cube, q, filters), []
        if src == "busy_hour":
            cube = self._pick("calls", q, filters, stored, grains=("15m",))
            return self._busy_hour(cube, q, filters), []
        if src == "turnover":
            return self._turnover(q), []
        if src not in ("calls", "contacts", "agent_states", "schedule", "timeclock", "qa_scores", "surveys"):
            raise _NotServed
        if src in ("calls", "contacts"):  # distinct contacts / callers: helpers, else the calls table
            distinct = [n for n in names if n in DISTINCT_SQL]
            if distinct:
                frame = self._stored_distinct(distinct[0], q, filters, stored) if len(distinct) == 1 else None
                if frame is None:
                    frame = self._distinct(src, distinct, q, filters)
                rest = [n for n in names if n not in distinct]
                if rest:
                    try:
                        other, rest = self._serve(src, rest, q, filters, stored)
                    except _NotServed:
                        return frame, rest  # the engine computes the rest directly
                    if other is not None:
                        frame = frame.join(other, ["period", *q.by], join_type="full outer")
                return frame, rest
        if src == "contacts" and filters:  # the caller's window and answered flag change
            raise _NotServed
        if src == "surveys" and filters and q.by:  # dimensions from the filtered calls
            raise _NotServed
        cube = self._pick(src, q, filters, stored)
        served = [n for n in names if n in cube.measures]
        if not served:
            raise _NotServed
        return self._sum(cube, q, filters, served), [n for n in names if n not in served]

    def _pick(self, src: str, q: Query, filters: Mapping[str, str], stored: Mapping[str, list[str]],
              grains: Sequence[str] = ("day", "15m")) -> Cube:
        """The smallest stored cube that can answer: rolls into the grain, aligned range,
        keeps the dimensions and the filters that reach the source."""
        reach = set(filters) & SOURCE_FILTERS.get("calls" if src == "contacts" else src, frozenset())
        for cube in sorted((c for c in CUBES if c.source == src and c.grain in grains),
                           key=lambda c: (c.grain != "day", len(c.dims))):
            dims = stored.get(cube.name)
            if dims is None or not (set(q.by) | reach) <= set(dims):
                continue
            if cube.grain == "day" and q.grain not in DAY_AND_UP:
                continue
            width = 86400 if cube.grain == "day" else 900
            if any(t is not None and int((t.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()) % width
                   for t in (q.start, q.end)):
                continue
            return cube
        raise _NotServed

    def _where(self, cube: Cube, q: Query, filters: Mapping[str, str]) -> tuple[str, list[Any]]:
        conds: list[str] = ["TRUE"]
        params: list[Any] = []
        if q.start is not None:
            conds.append("period >= ?")
            params.append(datetime_to_key(q.start, cube.grain))
        if q.end is not None:
            conds.append("period < ?")
            params.append(datetime_to_key(q.end, cube.grain))
        reach = SOURCE_FILTERS["calls" if cube.source == "contacts" else cube.source]
        for d, v in filters.items():
            if d in reach:
                conds.append(f"{d} = ?")
                params.append(v)
        return " AND ".join(conds), params

    def _sum(self, cube: Cube, q: Query, filters: Mapping[str, str], names: Sequence[str]) -> pa.Table:
        where, params = self._where(cube, q, filters)
        aggs = []
        for m in names:
            if m == "agents_present":
                aggs.append(f"CAST(count(DISTINCT agent) FILTER (WHERE agents_present > 0) AS BIGINT) AS {m}")
            else:
                aggs.append(f"CAST(sum({_q(m)}) AS {self._type(cube.sql_name, m)}) AS {_q(m)}")
        keys = [_period_sql("period", cube.grain, q.grain) + " AS period", *q.by]
        sql = (f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM {cube.sql_name} WHERE {where} "
               f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
        out: pa.Table = self.con.sql(sql, params=params).to_arrow_table()
        return out

    def category_counts(self, column: str, start: datetime | None, end: datetime | None,
                        filters: Mapping[str, str | None]) -> dict[str, int] | None:
        """Inbound legs per value of ``column`` (null: "(none)") in [start, end) — a Pareto's
        input — when a calls cube keeps the column (None: count them directly)."""
        active = {k: v for k, v in filters.items() if v}
        q = Query(self.settings, "total", (column,), start, end)
        try:
            cube = self._pick("calls", q, active, self.cubes(), grains=("day",))
        except _NotServed:
            return None
        where, params = self._where(cube, q, active)
        rows = self.con.execute(f"SELECT {column}, sum(legs) FROM {cube.sql_name} WHERE {where} GROUP BY 1 "
                                "HAVING sum(legs) > 0", params).fetchall()
        return {str(k): int(n) for k, n in rows}

    def _stored_distinct(self, name: str, q: Query, filters: Mapping[str, str],
                         stored: Mapping[str, list[str]]) -> pa.Table | None:
        """Distinct contacts from the cells (sum of each cell's distinct contacts, less the
        contacts counted in more than one cell of a group), distinct callers from the
        per-period table: None when the query is not one they hold."""
        by = "".join(f", {d}" for d in q.by)
        if name == "contacts":
            try:
                cube = self._pick("calls", q, filters, stored, grains=("day",))
            except _NotServed:
                return None
            if cube.name != "calls_day":
                cube = BY_NAME["calls_day"]
                if not (set(q.by) | set(filters)) <= set(stored.get(cube.name, ())):
                    return None
            where, params = self._where(cube, q, filters)
            p = _period_sql("period", "day", q.grain)
            using = ", ".join(["period", *q.by])
            sql = (f"WITH b AS (SELECT {p} AS period{by}, sum(contacts) AS n FROM {cube.sql_name} WHERE {where} "
                   f"GROUP BY ALL), x AS (SELECT {p} AS period{by}, contact_id, count(*) AS k FROM {CONTACT_CELLS} "
                   f"WHERE {where} GROUP BY ALL), c AS (SELECT period{by}, sum(k - 1) AS k FROM x GROUP BY ALL) "
                   f"SELECT period{by}, CAST(n - coalesce(k, 0) AS BIGINT) AS contacts FROM b LEFT JOIN c "
                   f"USING ({using})")
            out: pa.Table = self.con.sql(sql, params=params + params).to_arrow_table()
            return out
        dims = set(q.by) | set(filters)
        if q.grain not in ("day", "week", "month") or len(dims) > 1:
            return None
        calls_end = self._read_meta().get("calls_end")
        if q.start is None or not calls_end:
            return None
        k0 = datetime_to_key(q.start, q.grain)
        if key_to_datetime(k0, q.grain) != q.start.replace(tzinfo=None):
            return None  # the first period would be partial
        end = q.end.replace(tzinfo=None) if q.end is not None else None
        last = datetime.fromisoformat(calls_end)
        if end is None or end >= last:
            k1 = datetime_to_key(last - timedelta(days=1), q.grain)  # no call after: whole periods
        else:
            k1 = datetime_to_key(end - timedelta(microseconds=1), q.grain)
            if key_to_datetime(datetime_to_key(end, q.grain), q.grain) != end:
                return None  # the last period would be partial
        dim = next(iter(dims)) if dims else ""
        conds, params = ["grain = ?", "dim = ?", "period >= ?", "period <= ?"], [q.grain, dim, k0, k1]
        if dim in filters:
            conds.append("value = ?")
            params.append(filters[dim])
        cols = ", value AS " + dim if q.by else ""
        out2: pa.Table = self.con.sql(f"SELECT period{cols}, callers FROM {CALLERS} WHERE {' AND '.join(conds)}",
                                      params=params).to_arrow_table()
        return out2

    def _distinct(self, src: str, names: Sequence[str], q: Query, filters: Mapping[str, str]) -> pa.Table:
        """Distinct contacts (calls) or callers (first legs) per period and dimensions, from
        the calls table itself (not additive: nothing stored)."""
        if "calls" not in self.tables:
            raise _NotServed
        es = "CAST(floor(epoch(offered_local)) AS BIGINT)"
        conds: list[str] = ["direction = 'inbound'"]
        params: list[Any] = []
        if src == "contacts":
            conds.append("leg = 1")
        if q.start is not None:
            conds.append("offered_local >= ?")
            params.append(q.start.replace(tzinfo=None))
        if q.end is not None:
            conds.append("offered_local < ?")
            params.append(q.end.replace(tzinfo=None))
        for d, v in filters.items():
            conds.append(f"{d} = ?")
            params.append(v)
        dims = [f"coalesce(CAST({d} AS VARCHAR), '{NONE}') AS {d}" for d in q.by]
        keys = [f"{_period_sql(es, 'day', q.grain)} AS period", *dims]
        aggs = [DISTINCT_SQL[n] + f" AS {n}" for n in names]
        sql = (f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM calls WHERE {' AND '.join(conds)} "
               f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
        out: pa.Table = self.con.sql(sql, params=params).to_arrow_table()
        return out

    def _turnover(self, q: Query) -> pa.Table:
        """Leavers in the month ÷ full-time agents employed on its first day (as
        ``measures._build_turnover``), from the two small tables."""
        if q.by or not {"headcount_events", "agents"} <= set(self.tables):
            raise _NotServed
        months = list(q.month_keys())
        firsts = list(q.month_first_days())
        rows = self.con.sql(
            "WITH m AS (SELECT unnest(?) AS period, unnest(?) AS first), "
            "hc AS (SELECT m.period, count(*) AS headcount FROM m, agents a "
            "WHERE coalesce(a.employment, 'full_time') = 'full_time' "
            "AND coalesce(a.hired_on - DATE '1970-01-01', -1000000000) <= m.first "
            "AND coalesce(a.left_on - DATE '1970-01-01', 1000000000) >= m.first GROUP BY 1), "
            "lv AS (SELECT CAST(year(date) * 100 + month(date) AS BIGINT) AS period, count(*) AS leavers "
            "FROM headcount_events WHERE event = 'leave' AND date >= ? AND date < ? GROUP BY 1) "
            "SELECT m.period, hc.headcount, lv.leavers FROM m LEFT JOIN hc USING (period) "
            "LEFT JOIN lv USING (period) ORDER BY 1",
            params=[months, firsts, q.start, q.end]).to_arrow_table()
        return rows.cast(pa.schema([("period", pa.int64()), ("headcount", pa.int64()), ("leavers", pa.int64())]))

    def _peak_day(self, cube: Cube, q: Query, filters: Mapping[str, str]) -> pa.Table:
        if q.grain not in ("week", "month", "total"):
            raise _NotServed
        where, params = self._where(cube, q, filters)
        by = "".join(f", {d}" for d in q.by)
        sql = (f"WITH d AS (SELECT period AS day{by}, sum(offered) AS n FROM {cube.sql_name} WHERE {where} "
               f"GROUP BY ALL HAVING sum(offered) > 0) "
               f"SELECT {_period_sql('day', 'day', q.grain)} AS period{by}, CAST(max(n) AS BIGINT) AS pd_max, "
               f"CAST(sum(n) AS BIGINT) AS pd_sum, CAST(count(*) AS BIGINT) AS pd_days FROM d GROUP BY ALL")
        out: pa.Table = self.con.sql(sql, params=params).to_arrow_table()
        return out

    def _busy_hour(self, cube: Cube, q: Query, filters: Mapping[str, str]) -> pa.Table:
        if q.grain not in DAY_AND_UP:
            raise _NotServed
        where, params = self._where(cube, q, filters)
        by = "".join(f", {d}" for d in q.by)
        using = ", ".join(["day", *q.by])
        sql = (f"WITH h AS (SELECT period // 86400 AS day, period // 3600 AS hour{by}, sum(offered) AS ho, "
               f"sum(answered) AS ha FROM {cube.sql_name} WHERE {where} GROUP BY ALL), "
               f"p AS (SELECT day{by}, max(ho) AS peak FROM h GROUP BY ALL), "
               f"f AS (SELECT h.day{''.join(f', h.{d}' for d in q.by)}, min(h.hour) AS hour FROM h JOIN p "
               f"USING ({using}) WHERE h.ho = p.peak GROUP BY ALL) "
               f"SELECT {_period_sql('h.day * 86400', 'day', q.grain)} AS period"
               f"{''.join(f', h.{d}' for d in q.by)}, CAST(sum(h.ho) AS BIGINT) AS bh_offered, "
               f"CAST(sum(h.ha) AS BIGINT) AS bh_answered FROM h JOIN f USING ({using}, hour) GROUP BY ALL")
        out: pa.Table = self.con.sql(sql, params=params).to_arrow_table()
        return out


class _NotServed(Exception):
    """The cubes cannot answer this part of the query exactly: compute it directly."""


__all__ = ["CUBES", "Cube", "RollupStore", "fingerprint"]
