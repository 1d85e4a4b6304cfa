"""The embedded warehouse: one DuckDB file holding the canonical tables.

Loads are
* **atomic** — one transaction per load: a failure, or a process killed mid-way, leaves the
  warehouse exactly as it was (DuckDB only replays committed transactions from its WAL);
* **idempotent** — rows are upserted by each table's key (``schema.Table.key``): a key seen
  again with the same content is *unchanged*, with different content it is *updated*
  (the stored row is replaced), otherwise *inserted*. Loading the same file twice adds
  nothing. The stored keys are probed with a join over the key columns only (restricted to
  the batch's key range, and to the days its time keys fall on), and only the rows found are
  compared column by column: a day appended to a large warehouse reads the stored key
  columns (their row groups outside the batch's range skipped by DuckDB's zonemaps; a
  string key such as ``calls.call_id`` with a long common prefix cannot be skipped) but no
  stored content column;
* **accounted** — every record a reader read ends up inserted, updated, unchanged or
  quarantined, and the load says how many of each.

Rows the reader rejected, and rows the warehouse itself rejects (a required field missing,
a key repeated within the same load), go to the ``quarantine`` table with the source
file, line, field and reason. Every load is logged in ``loads``.

A reader hands over either Arrow tables (:class:`ReadResult`) or, for CSV/TSV/XLSX/Parquet
exports with a mapping, a :class:`~callcenter.ingest.tabular.TabularPlan`: the reader's
rules compiled into one DuckDB query, which the warehouse runs in its own connection inside
the load transaction (into a temporary stage table, then quarantine and upsert), so that
large files never pass through Python and the same rules apply either way.

Analytics read the tables through Ibis (:meth:`Warehouse.ibis_tables`).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callcenter import schema
from callcenter.errors import WarehouseError
from callcenter.ingest.base import ReadResult, Reject
from callcenter.ingest.tabular import TabularPlan

if TYPE_CHECKING:
    import ibis

DEFAULT_DB = "callcenter.duckdb"
#: DuckDB's memory limit during every load (beyond it the stage and the upsert spill to
#: ``<db>.tmp`` and cached pages of the stored tables are evicted), so that a load's memory
#: does not grow with the file or with the warehouse; ``$CALLCENTER_LOAD_MEMORY`` overrides
#: it (a DuckDB size such as ``4GB`` or ``256MB``)
LOAD_MEMORY_LIMIT = "1GB"

_DUCK_TYPES: dict[pa.DataType, str] = {
    pa.string(): "VARCHAR",
    pa.int16(): "SMALLINT",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
    pa.timestamp("us"): "TIMESTAMP",
}

_PROVENANCE = ("source_file", "source_line")
#: at most this many day ranges restrict the probe of stored keys (see ``_key_ranges``)
_MAX_KEY_RANGES = 8

LOADS_DDL = """
CREATE TABLE IF NOT EXISTS loads (
    load_id VARCHAR PRIMARY KEY,
    loaded_at TIMESTAMPTZ NOT NULL,
    source_file VARCHAR NOT NULL,
    sha256 VARCHAR,
    format VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    inserted BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    unchanged BIGINT NOT NULL,
    quarantined BIGINT NOT NULL,
    details VARCHAR
)
"""


def default_path() -> Path:
    """``$CALLCENTER_DB`` or ``./callcenter.duckdb``."""
    return Path(os.environ.get("CALLCENTER_DB", DEFAULT_DB))


def _ddl(table: schema.Table) -> str:
    cols = []
    for c in table.columns:
        t = _DUCK_TYPES[c.type]
        cols.append(f'"{c.name}" {t}{"" if c.nullable else " NOT NULL"}')
    return f'CREATE TABLE IF NOT EXISTS "{table.name}" ({", ".join(cols)})'


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0  # rejected by the warehouse itself (duplicates, missing required)

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class LoadReport:
    """What one load did. ``rows_read == accepted + quarantined`` always holds.

    For readers whose raw records map one-to-one onto rows (CSV, Anonymous Bank) the
    table counts add up to the records read; for event logs (queue_log) many lines make
    one call, so ``tables`` counts rows and ``rows_read`` counts lines.
    """

    load_id: str
    source_file: str
    format: str
    sha256: str | None
    rows_read: int
    rejected_by_reader: int
    tables: dict[str, TableCounts] = field(default_factory=dict)
    warts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # first and last date of the good rows' ``day_column`` (a plan load asked for it)
    day_range: tuple[date, date] | None = None

    @property
    def quarantined(self) -> int:
        return self.rejected_by_reader + sum(t.quarantined for t in self.tables.values())

    @property
    def accepted(self) -> int:
        return self.rows_read - self.quarantined

    @property
    def inserted(self) -> int:
        return sum(t.inserted for t in self.tables.values())

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.tables.values())

    @property
    def unchanged(self) -> int:
        return sum(t.unchanged for t in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(
            quarantined=self.quarantined,
            accepted=self.accepted,
            inserted=self.inserted,
            updated=self.updated,
            unchanged=self.unchanged,
        )
        if self.day_range is not None:  # JSON-ready: ISO dates
            d["day_range"] = [x.isoformat() for x in self.day_range]
        return d


class Warehouse:
    """The embedded DuckDB store. Opening it creates the file and tables if needed."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None

    # -- connection -------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            if self.read_only and not self.path.exists():
                raise WarehouseError(
                    f"no warehouse at {self.path}",
                    hint="load data first (callcenter load FILE) or pass --db",
                )
            if not self.read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only)
            except duckdb.Error as e:
                raise WarehouseError(
                    f"cannot open the warehouse: {e}",
                    where=str(self.path),
                    hint="is another process writing it? is it a DuckDB file?",
                ) from None
            con.execute("SET TimeZone = 'UTC'")
            if not self.read_only:
                self._create(con)
            self._con = con
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _create(con: duckdb.DuckDBPyConnection) -> None:
        for t in (*schema.TABLES.values(), schema.QUARANTINE):
            con.execute(_ddl(t))
        con.execute(LOADS_DDL)

    # -- reading ----------------------------------------------------------------------
    def table_names(self) -> list[str]:
        return [t for t in schema.TABLES if self.count(t) > 0]

    def count(self, table: str) -> int:
        row = self.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0]
        return int(row[0])

    def arrow(self, table: str, where: str = "", params: list[Any] | None = None) -> pa.Table:
        """A canonical table as Arrow (optionally filtered by a SQL ``where``)."""
        sql = f'SELECT * FROM "{table}"' + (f" WHERE {where}" if where else "")
        return self.sql(sql, params)

    def sql(self, query: str, params: list[Any] | None = None) -> pa.Table:
        return self.con.sql(query, params=params or None).to_arrow_table()

    def ibis_backend(self) -> ibis.BaseBackend:
        """An Ibis backend over this warehouse's connection."""
        import ibis

        return ibis.duckdb.from_connection(self.con)

    def ibis_tables(self) -> dict[str, ibis.Table]:
        """The canonical tables that hold rows, as Ibis tables."""
        backend = self.ibis_backend()
        return {name: backend.table(name) for name in self.table_names()}

    # -- loading ----------------------------------------------------------------------
    def load(
        self,
        result: ReadResult | TabularPlan,
        *,
        sha256: str | None = None,
        day_column: str | None = None,
    ) -> LoadReport:
        """Store one reader's result atomically; see the module docstring.

        ``result`` is a reader's Arrow :class:`ReadResult`, or a :class:`TabularPlan` (a
        CSV/TSV/XLSX/Parquet export with its mapping, not read yet): then the conversion
        runs inside this warehouse's DuckDB, in the load's transaction, and rows never pass
        through Python. ``sha256`` of the source file (computed if None for a plan).
        ``day_column`` (plans only): a date or time column of the plan's table whose first
        and last date among the good rows is reported as ``LoadReport.day_range`` (by the
        date as stored: UTC for instants) — what a later roll-up refresh needs to know."""
        if self.read_only:
            raise WarehouseError("the warehouse was opened read-only", where=str(self.path))
        if isinstance(result, TabularPlan):
            return self._load_plan(result, sha256=sha256, day_column=day_column)
        result.check_accounting()
        load_id = uuid.uuid4().hex[:16]
        report = LoadReport(
            load_id=load_id,
            source_file=result.source_file,
            format=result.format,
            sha256=sha256,
            rows_read=result.rows_read,
            rejected_by_reader=len(result.rejects),
            warts=dict(result.warts),
            notes=list(result.notes),
        )
        with self.load_memory(), self._transaction():
            self._insert_rejects(load_id, result.rejects)
            for name, table in result.tables.items():
                report.tables[name] = self._upsert(load_id, schema.TABLES[name], table)
            self._log(report)
        return report

    def _load_plan(
        self, plan: TabularPlan, *, sha256: str | None, day_column: str | None
    ) -> LoadReport:
        """Stage the export in this connection (every rule of the reader runs there), then
        quarantine its rejects and upsert its good rows, all in one transaction."""
        load_id = uuid.uuid4().hex[:16]
        table = schema.TABLES[plan.table]
        if day_column is not None:
            table.column(day_column)  # KeyError for a column the table does not have
        with self.load_memory():
            return self._stage_and_store(plan, load_id, table, sha256, day_column)

    @contextmanager
    def load_memory(self) -> Iterator[None]:
        """DuckDB's memory limit set to the load limit ($CALLCENTER_LOAD_MEMORY) for the duration
        of one load (or of a roll-up refresh after it)."""
        con = self.con
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        con.execute(
            "SET memory_limit = ?", [os.environ.get("CALLCENTER_LOAD_MEMORY", LOAD_MEMORY_LIMIT)]
        )
        try:
            yield
        finally:
            con.execute("SET memory_limit = ?", [limit])

    def _stage_and_store(
        self,
        plan: TabularPlan,
        load_id: str,
        table: schema.Table,
        sha256: str | None,
        day_column: str | None,
    ) -> LoadReport:
        con = self.con
        with self._transaction():
            staged = plan.stage(con, digest=sha256 is None)
            report = LoadReport(
                load_id=load_id,
                source_file=plan.source_file,
                format=plan.format,
                sha256=sha256 or staged.sha256,
                rows_read=staged.rows_read,
                rejected_by_reader=len(staged.parser_rejects) + staged.rejected_in_stage(),
                notes=list(staged.notes),
            )
            self._insert_rejects(load_id, staged.parser_rejects)
            self._quarantine_relation(
                f"SELECT ? AS load_id, ? AS target_table, source_file, source_line, field, reason,"
                f" raw FROM ({staged.rejects_sql()})",
                [load_id, table.name],
            )
            counts = TableCounts()
            con.execute(f"CREATE OR REPLACE TEMP VIEW _stage_ok AS {staged.ok_sql()}")
            if table.key:
                self._merge(table, counts)
            else:
                counts.inserted = self._scalar("SELECT count(*) FROM _stage_ok")
                cols = ", ".join(f'"{c}"' for c in table.names)
                con.execute(f'INSERT INTO "{table.name}" SELECT {cols} FROM _stage_ok')
            report.tables[table.name] = counts
            if day_column is not None:
                report.day_range = self._day_range(day_column)
            self._log(report)
            con.execute("DROP VIEW _stage_ok")
            staged.drop()
        return report

    def _day_range(self, column: str) -> tuple[date, date] | None:
        """First and last date of ``column`` among the staged good rows (None if none)."""
        lo, hi = self.con.execute(  # instants by their date in the session's zone, UTC
            f'SELECT CAST(min("{column}") AS DATE), CAST(max("{column}") AS DATE) FROM _stage_ok'
        ).fetchall()[0]
        return None if lo is None or hi is None else (lo, hi)

    def _log(self, report: LoadReport) -> None:
        self.con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                report.load_id,
                datetime.now(UTC),
                report.source_file,
                report.sha256,
                report.format,
                report.rows_read,
                report.inserted,
                report.updated,
                report.unchanged,
                report.quarantined,
                json.dumps(
                    {
                        "tables": {k: asdict(v) for k, v in report.tables.items()},
                        "warts": report.warts,
                        "notes": report.notes,
                    },
                    ensure_ascii=False,
                ),
            ],
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _insert_rejects(self, load_id: str, rejects: list[Reject]) -> None:
        if not rejects:
            return
        q = pa.table(
            {
                "load_id": [load_id] * len(rejects),
                "target_table": [r.table for r in rejects],
                "source_file": [r.source_file for r in rejects],
                "source_line": pa.array([r.line for r in rejects], pa.int64()),
                "field": [r.field for r in rejects],
                "reason": [r.reason for r in rejects],
                "raw": [r.raw for r in rejects],
            }
        )
        self._insert_quarantine(schema.conform(schema.QUARANTINE, q))

    def _insert_quarantine(self, q: pa.Table) -> None:
        """Insert quarantine rows not already present (re-loading a bad file adds nothing)."""
        con = self.con
        con.register("_q_new", q)
        try:
            self._quarantine_relation("SELECT * FROM _q_new")
        finally:
            con.unregister("_q_new")

    def _quarantine_relation(self, select: str, params: list[Any] | None = None) -> None:
        """Insert the rows of ``select`` (quarantine's columns, in order) not already present."""
        self.con.execute(
            f"""
            INSERT INTO quarantine
            SELECT n.* FROM ({select}) n
            WHERE NOT EXISTS (
                SELECT 1 FROM quarantine o
                WHERE o.source_file = n.source_file
                  AND o.source_line IS NOT DISTINCT FROM n.source_line
                  AND o.field IS NOT DISTINCT FROM n.field
                  AND o.reason = n.reason
                  AND o.target_table = n.target_table)
            """,
            params or None,
        )

    def _upsert(self, load_id: str, table: schema.Table, data: pa.Table) -> TableCounts:
        """Upsert one canonical table from a staged Arrow table; see the module docstring.

        Work is arranged so that the common cases cost one pass: required fields are checked
        in Arrow, duplicate keys are looked for with one hash aggregate (the expensive
        window runs only over the duplicated keys, if any), and a load into an empty table
        is a plain INSERT.
        """
        counts = TableCounts()
        if data.num_rows == 0:
            return counts
        data = schema.conform(table, data)
        data = data.append_column("_rn", pa.array(np.arange(data.num_rows, dtype=np.int64)))
        data, counts.quarantined = self._drop_missing_required(load_id, table, data)
        con = self.con
        con.register("_stage", data)
        try:
            if table.key:
                counts.quarantined += self._drop_duplicate_keys(load_id, table)
                self._merge(table, counts)
            else:  # keyless tables append
                counts.inserted = self._scalar("SELECT count(*) FROM _stage_ok")
                cols = ", ".join(f'"{c}"' for c in table.names)
                con.execute(f'INSERT INTO "{table.name}" SELECT {cols} FROM _stage_ok')
        finally:
            con.execute("DROP VIEW IF EXISTS _stage_ok")
            con.unregister("_stage")
        return counts

    def _scalar(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchall()[0][0])

    def _drop_missing_required(
        self, load_id: str, table: schema.Table, data: pa.Table
    ) -> tuple[pa.Table, int]:
        """Quarantine rows whose required fields are null; return the rest."""
        first_missing: pa.Array | None = None
        for c in table.required:
            col = data.column(c)
            if col.null_count == 0:
                continue
            label = pc.if_else(pc.is_null(col), c, pa.scalar(None, pa.string()))
            first_missing = label if first_missing is None else pc.coalesce(first_missing, label)
        if first_missing is None:
            return data, 0
        bad = pc.is_valid(first_missing)
        rejected = data.filter(bad)
        fields = first_missing.filter(bad)
        q = pa.table(
            {
                "load_id": pa.array([load_id] * rejected.num_rows),
                "target_table": pa.array([table.name] * rejected.num_rows),
                "source_file": rejected.column("source_file"),
                "source_line": rejected.column("source_line"),
                "field": fields,
                "reason": pa.array(
                    ["required field is empty — fill it in the source or the mapping"]
                    * rejected.num_rows
                ),
                "raw": pa.array(
                    [repr(r) for r in rejected.drop_columns(["_rn"]).to_pylist()], pa.string()
                ),
            }
        )
        self._insert_quarantine(schema.conform(schema.QUARANTINE, q))
        return data.filter(pc.invert(bad)), rejected.num_rows

    def _drop_duplicate_keys(self, load_id: str, table: schema.Table) -> int:
        """Keys repeated within this load: keep the first occurrence, quarantine the rest.

        Creates the view ``_stage_ok`` over the rows that remain.
        """
        con = self.con
        keys_sql = ", ".join(f'"{k}"' for k in table.key)
        n_dup_keys = self._scalar(
            f"SELECT count(*) FROM (SELECT 1 FROM _stage GROUP BY {keys_sql} HAVING count(*) > 1)"
        )
        if not n_dup_keys:
            con.execute("CREATE OR REPLACE TEMP VIEW _stage_ok AS SELECT * FROM _stage")
            return 0
        on = " AND ".join(f'd."{k}" IS NOT DISTINCT FROM s."{k}"' for k in table.key)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT * FROM ("
            f"  SELECT s.*, row_number() OVER (PARTITION BY {keys_sql} ORDER BY _rn) AS _k,"
            f"         first_value(source_line) OVER (PARTITION BY {keys_sql} ORDER BY _rn)"
            f"           AS _first_line"
            f"  FROM _stage s WHERE EXISTS (SELECT 1 FROM ("
            f"    SELECT {keys_sql} FROM _stage GROUP BY {keys_sql} HAVING count(*) > 1) d"
            f"    WHERE {on})"
            f") WHERE _k > 1"
        )
        n = self._quarantine_select(
            load_id,
            table.name,
            "SELECT * FROM _dups",
            field_sql=f"WHEN TRUE THEN '{','.join(table.key)}'",
            reason_sql=(
                "'duplicate key within this load (first seen at line ' || "
                "coalesce(CAST(_first_line AS VARCHAR), '?') || "
                "'); the first occurrence was kept — remove the duplicate at the source'"
            ),
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _stage_ok AS SELECT * FROM _stage "
            "WHERE _rn NOT IN (SELECT _rn FROM _dups)"
        )
        return n

    def _merge(self, table: schema.Table, counts: TableCounts) -> None:
        """Classify ``_stage_ok`` rows against the stored ones and apply the upsert."""
        con = self.con
        name = table.name
        key = list(table.key)
        cols = ", ".join(f'"{c}"' for c in table.names)
        if not self._scalar(f'SELECT count(*) FROM (SELECT 1 FROM "{name}" LIMIT 1)'):
            counts.inserted = self._scalar("SELECT count(*) FROM _stage_ok")
            con.execute(f'INSERT INTO "{name}" SELECT {cols} FROM _stage_ok')
            return
        # 1. which staged keys are stored already: a join over the key columns only (and the
        # stored rowid), so that the probe reads no content column; DuckDB pushes the batch's
        # key range into the scan, so stored row groups outside it are skipped by their zonemaps
        on = " AND ".join(f's."{k}" = t."{k}"' for k in key)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _hit AS SELECT s._rn, t.rowid AS _tid"
            f' FROM _stage_ok s JOIN "{name}" t ON {on}{self._key_ranges(table)}'
        )
        n_hit, lo, hi = con.execute("SELECT count(*), min(_tid), max(_tid) FROM _hit").fetchall()[0]
        if not n_hit:  # nothing stored has these keys: all new (the streaming case)
            con.execute("DROP TABLE _hit")
            counts.inserted = self._scalar("SELECT count(*) FROM _stage_ok")
            con.execute(f'INSERT INTO "{name}" SELECT {cols} FROM _stage_ok')
            return
        # 2. compare the content of the matched rows only: the same join, now reading every
        # column, restricted to the stored rowids that matched (the scan skips the row
        # groups that hold none of them)
        content = [c.name for c in table.columns if c.name not in (*key, *_PROVENANCE)]
        same = " AND ".join(f's."{c}" IS NOT DISTINCT FROM t."{c}"' for c in content) or "true"
        n_stage = self._scalar("SELECT count(*) FROM _stage_ok")
        if 2 * int(n_hit) >= n_stage:  # mostly known rows (a re-load): the outer join (for
            # DuckDB, an inner join of two big inputs, or a filter that makes this join inner,
            # plans a build side that costs twice as much); new rows get status 0
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _class AS SELECT s._rn, CASE"
                f' WHEN t."{key[0]}" IS NULL THEN 0 WHEN {same} THEN 2 ELSE 1 END AS _status'
                f' FROM _stage_ok s LEFT JOIN "{name}" t ON {on}'
            )
        else:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _class AS SELECT s._rn,"
                f" CASE WHEN {same} THEN 2 ELSE 1 END AS _status"
                f' FROM _stage_ok s JOIN "{name}" t ON {on}'
                f" WHERE t.rowid BETWEEN {int(lo)} AND {int(hi)}"
            )
        n_upd = self._scalar("SELECT count(*) FROM _class WHERE _status = 1")
        counts.updated, counts.unchanged = n_upd, int(n_hit) - n_upd
        counts.inserted = n_stage - int(n_hit)
        if counts.updated:
            con.execute(
                f'DELETE FROM "{name}" WHERE rowid BETWEEN {int(lo)} AND {int(hi)}'
                " AND rowid IN (SELECT h._tid FROM _hit h JOIN _class c ON c._rn = h._rn"
                " AND c._status = 1)"
            )
        if counts.updated or counts.inserted:
            con.execute(
                f'INSERT INTO "{name}" SELECT {cols} FROM _stage_ok s'
                " WHERE s._rn NOT IN (SELECT _rn FROM _class WHERE _status = 2)"
            )
        con.execute("DROP TABLE _class")
        con.execute("DROP TABLE _hit")

    def _key_ranges(self, table: schema.Table) -> str:
        """`` WHERE`` ranges of the first time-like key column that hold every staged value
        (one per day the batch touches, if at most ``_MAX_KEY_RANGES``), or ``""``.

        The join's own min/max filter already skips stored row groups outside the batch's
        range; these ranges also skip the days in between when a few rows of the batch lie
        far from the rest (e.g. agent states still open since the start of a run)."""
        col = next(
            (
                c
                for c in table.columns
                if c.name in table.key and c.type in (schema.UTC_TS, schema.LOCAL_TS, pa.date32())
            ),
            None,
        )
        if col is None:
            return ""
        sql_type = _DUCK_TYPES[col.type]
        k = f'"{col.name}"'
        rows = self.con.execute(
            f"SELECT CAST(min({k}) AS VARCHAR), CAST(max({k}) AS VARCHAR) FROM _stage_ok"
            f" WHERE {k} IS NOT NULL GROUP BY date_trunc('day', {k}) ORDER BY 1"
            f" LIMIT {_MAX_KEY_RANGES + 1}"
        ).fetchall()
        if not rows or len(rows) > _MAX_KEY_RANGES:
            return ""
        ranges = " OR ".join(
            f"t.{k} BETWEEN CAST('{lo}' AS {sql_type}) AND CAST('{hi}' AS {sql_type})"
            for lo, hi in rows
        )
        return f" WHERE ({ranges})"

    def _quarantine_select(
        self, load_id: str, table: str, select: str, *, field_sql: str, reason_sql: str
    ) -> int:
        """Copy the rows of ``select`` (over staged columns) into quarantine; return how many."""
        con = self.con
        count = self._scalar(f"SELECT count(*) FROM ({select})")
        if not count:
            return 0
        q = con.sql(
            f"SELECT ? AS load_id, ? AS target_table, source_file, source_line,"
            f" CASE {field_sql} END AS field, {reason_sql} AS reason,"
            f" CAST(to_json(struct_pack(*COLUMNS(lambda c: c NOT IN ('_rn', '_k', '_first_line'))))"
            f" AS VARCHAR) AS raw FROM ({select}) x",
            params=[load_id, table],
        ).to_arrow_table()
        self._insert_quarantine(schema.conform(schema.QUARANTINE, q))
        return count

    # -- summaries --------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Tables, rows, date range, queues, agents and the quarantine summary."""
        con = self.con
        out: dict[str, Any] = {"path": str(self.path), "tables": {}}
        for name in schema.TABLES:
            out["tables"][name] = self.count(name)
        if out["tables"]["calls"]:
            r = con.execute(
                "SELECT min(offered_local), max(offered_local), count(DISTINCT queue),"
                " count(DISTINCT agent), count(DISTINCT contact_id) FROM calls"
            ).fetchall()[0]
            assert r is not None
            out["calls"] = {
                "first_offered_local": str(r[0]),
                "last_offered_local": str(r[1]),
                "queues": int(r[2]),
                "agents": int(r[3]),
                "contacts": int(r[4]),
            }
            out["queues"] = [
                {"queue": q, "calls": int(n)}
                for q, n in con.execute(
                    "SELECT queue, count(*) FROM calls GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            ]
            out["outcomes"] = {
                o: int(n)
                for o, n in con.execute(
                    "SELECT outcome, count(*) FROM calls GROUP BY 1 ORDER BY 2 DESC"
                ).fetchall()
            }
        out["quarantine"] = [
            {"source_file": f, "target_table": t, "reason": r, "rows": int(n)}
            for f, t, r, n in con.execute(
                "SELECT source_file, target_table,"
                " regexp_replace(reason, '\\d+', 'N', 'g') AS reason, count(*)"
                " FROM quarantine GROUP BY ALL ORDER BY 4 DESC LIMIT 50"
            ).fetchall()
        ]
        out["loads"] = [
            dict(
                zip(
                    (
                        "loaded_at",
                        "source_file",
                        "format",
                        "read",
                        "inserted",
                        "updated",
                        "unchanged",
                        "quarantined",
                    ),
                    (str(r[0]), *r[1:]),
                    strict=True,
                )
            )
            for r in con.execute(
                "SELECT loaded_at, source_file, format, rows_read, inserted, updated,"
                " unchanged, quarantined FROM loads ORDER BY loaded_at DESC LIMIT 20"
            ).fetchall()
        ]
        return out
