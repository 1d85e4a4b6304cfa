"""The generic tabular reader: CSV / TSV / Parquet / XLSX + a declarative mapping -> one canonical table.

The whole conversion is one DuckDB query compiled from the mapping (``_tabular_rules``):

1. **Read** the file with every cell as text (``_tabular_source``: CSV/TSV through DuckDB's
   ``read_csv`` with explicit column names, no sniffing; XLSX through openpyxl; Parquet
   through pyarrow). Non-UTF-8 text (GBK, GB18030, ...) is transcoded to UTF-8 first;
   undecodable bytes raise :class:`InputError` naming the line and suggesting an encoding.
   Records with the wrong number of fields or broken quoting become :class:`Reject` rows.
2. **Map** each canonical column from its source column / constant / combination, with the
   parse options of its spec (formats, duration unit, value map, strip, case, default).
3. **Derive** the canonical columns the mapping does not give (see ``DERIVATIONS``).
4. **Validate**: unparseable values, missing required values, values outside the closed
   vocabularies, negative durations, impossible time orders, duplicate keys. Every failing
   row becomes one :class:`Reject` with its 1-based physical line, the field and a reason
   that says what to do. ``rows_read == rows_accepted + len(rejects)`` always holds.
5. **Conform** to the canonical schema, with ``source_file`` and ``source_line``.

:func:`plan_tabular` checks the mapping and the file's header and returns a lazy
:class:`TabularPlan`; :meth:`TabularPlan.stage` runs the query in a DuckDB connection it is
given (the warehouse's, inside its load transaction, so that rows never pass through
Python), leaving a temporary table of good rows and rejects. :func:`read_tabular` stages
into a private in-memory DuckDB and returns the usual Arrow :class:`ReadResult`. Both run
the same query: there is one implementation of every rule.

Time: naive source times are wall clock in the mapping's ``timezone`` (default
``Settings.timezone``; ``UTC`` allowed); a value carrying an offset (``+08:00``, ``Z``) is
taken as that instant. Instants are stored in UTC; ``offered_local``/``start_local`` are the
same instants in the centre's zone (``Settings.timezone``).
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from callcenter import schema
from callcenter.errors import ConfigError, FormatError, InputError
from callcenter.ingest import _tabular_sql as q
from callcenter.ingest._tabular_rules import (
    DERIVATIONS,
    TIME_ORDER,
    VOCABULARIES,
    RowPlan,
    compile_rows,
    duplicate_reason_sql,
    duplicate_rows_sql,
)
from callcenter.ingest._tabular_source import (
    FileScan,
    LineMap,
    Source,
    csv_rejects,
    open_csv,
    open_parquet,
    open_xlsx,
    record_lines,
)
from callcenter.ingest.base import ReadResult, Reject, require_file
from callcenter.ingest.mapping import FORMATS, PROVENANCE, Mapping, load_mapping, mapping_format
from callcenter.settings import Settings

if TYPE_CHECKING:
    import duckdb

__all__ = ["DERIVATIONS", "TIME_ORDER", "VOCABULARIES", "Staged", "TabularPlan", "plan_tabular",
           "read_tabular"]

_TAGS = itertools.count()
_DUPLICATE_CHECK = 999  # _check of a row rejected as a repeated key


def read_tabular(path: Path, settings: Settings, mapping: Mapping | Path | str, *,
                 format: str | None = None) -> ReadResult:
    """Read one CSV/TSV/Parquet/XLSX export into the canonical table its mapping targets.

    ``mapping`` is a :class:`Mapping` or the path of a YAML/TOML mapping file. ``format``
    (csv, tsv, parquet, xlsx; None or "auto" = ``file.format`` of the mapping, else the
    file's extension) overrides the mapping, e.g. when a CLI user names it.

    Raises :class:`ConfigError` for a bad mapping (or one that leaves a required column
    unmapped and underivable), :class:`InputError` when the file cannot be read at all
    (missing, wrong encoding, mapped column absent); bad rows become ``rejects``.
    """
    import duckdb  # imported here: nothing connects to a database at import time

    with plan_tabular(path, settings, mapping, format=format) as plan, \
            tempfile.TemporaryDirectory(prefix="callcenter-duckdb-") as spill:
        con = duckdb.connect()
        try:
            con.execute(f"SET temp_directory = {q.lit(spill)}")
            staged = plan.stage(con)
            tbl = con.sql(staged.ok_sql(with_rn=False)).to_arrow_table()
            rows = con.execute(staged.rejects_sql()).fetchall()
        finally:
            con.close()
    result = ReadResult(source_file=plan.source_file, format=plan.format,
                        rows_read=staged.rows_read)
    result.tables[plan.table] = schema.conform(plan.table, tbl)
    result.rejects = [*staged.parser_rejects,
                      *(Reject(plan.table, f, line, fld, reason, raw)
                        for f, line, fld, reason, raw in rows)]
    result.rejects.sort(key=lambda r: r.line or 0)
    result.notes.extend(staged.notes)
    result.check_accounting()
    return result


def plan_tabular(path: Path, settings: Settings, mapping: Mapping | Path | str, *,
                 format: str | None = None) -> TabularPlan:
    """Check the mapping and the file (header, mapped columns) and compile the conversion.

    Reads no records yet (CSV/TSV; a non-UTF-8 file is transcoded now); raises the same
    errors as :func:`read_tabular` for a bad mapping or an unreadable file. Close the plan
    (or use it in ``with``) to remove its temporary files."""
    p = require_file(Path(path))
    if isinstance(mapping, Mapping):
        m, mwhere = mapping, "<mapping>"
    else:
        m, mwhere = load_mapping(mapping), str(mapping)
    table = schema.TABLES[m.table]
    _check_required(m, table, mwhere)
    if format not in (None, "auto"):
        if format not in FORMATS:
            raise ConfigError(f"unknown format {format!r}", hint="use one of " + ", ".join(FORMATS))
        fmt = format
    else:
        fmt = mapping_format(m, p)
    needed = list(dict.fromkeys(c for spec in m.columns.values() for c in spec.source_columns))
    if fmt in ("csv", "tsv"):
        src = open_csv(p, m, fmt, needed)
    elif fmt == "parquet":
        src = open_parquet(p, m, needed)
    else:
        src = open_xlsx(p, m, needed)
    missing = [c for c in needed if c not in src.names]
    if missing:
        src.close()
        raise InputError(
            f"mapped source column(s) {', '.join(map(repr, missing))} not in the file; "
            f"it has {', '.join(map(repr, src.names))}",
            where=str(p),
            hint=f"fix the source names in {mwhere} (names are case- and space-sensitive; "
            "garbled names mean the file.encoding is wrong)",
        )
    notes = list(src.notes)
    unmapped = [c for c in src.names if c not in needed]
    if unmapped:
        notes.append("source columns not mapped (ignored): " + ", ".join(unmapped))
    rows = compile_rows(m, table, settings, src.present, mwhere)
    return TabularPlan(src, rows, m.file.encoding, [*notes, *rows.notes])


class TabularPlan:
    """One export and the compiled conversion of its records, not run yet."""

    def __init__(self, source: Source, rows: RowPlan, encoding: str, notes: list[str]) -> None:
        self.source = source
        self.rows = rows
        self.encoding = encoding
        self.notes = notes
        self.source_file = str(source.path)
        self.format = source.format
        self.table = rows.table.name

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> TabularPlan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stage(self, con: duckdb.DuckDBPyConnection, *, digest: bool = False) -> Staged:
        """Run the conversion in ``con``: a temporary table of every record (good rows and
        rejects) and a view over it with canonical columns, line numbers and duplicate keys
        marked. ``digest`` also computes the export's SHA-256 (in the same file pass as the
        line count). Call :meth:`Staged.drop` when done (a rolled-back transaction also
        removes them)."""
        import duckdb

        src, tag = self.source, f"_tab{next(_TAGS)}"
        st = Staged(con, tag, self.rows, self.source_file, list(self.notes))
        con.execute("SET TimeZone = 'UTC'")
        scan = FileScan(src, digest=digest) if src.csv_file is not None else None
        src.register(con, tag)
        try:
            if scan is not None:
                scan.start()
            try:
                con.execute(f"CREATE TEMP TABLE {tag} AS "
                            + self.rows.select(src.relation(tag), keep_line=src.arrow is not None))
            except duckdb.OutOfMemoryException as e:
                raise InputError(
                    f"not enough memory to stage the file ({str(e).splitlines()[0]})",
                    where=self.source_file,
                    hint="raise DuckDB's memory_limit (for `callcenter load`: "
                    "$CALLCENTER_LOAD_MEMORY, e.g. 4GB)",
                ) from None
            except duckdb.Error as e:
                raise FormatError(
                    f"cannot read as {self.format.upper()}: {str(e).splitlines()[0]}",
                    where=self.source_file,
                    hint="check file.delimiter, file.quote and file.header_row in the mapping, "
                    "and that the line ends are not mixed (CRLF and LF)",
                ) from None
            n = int(con.execute(f"SELECT count(*) FROM {tag}").fetchall()[0][0])
            lines = None
            if scan is not None:
                st.parser_rejects, rej_lines = csv_rejects(con, src, tag, self.table, self.encoding)
                scan.result()
                st.sha256 = scan.sha256
                lines = record_lines(src, scan, n, rej_lines)
                if lines.approximate:
                    st.notes.append("line numbers are approximate: the record count did not "
                                    "match a line scan (unusual line breaks)")
            elif digest:
                from callcenter.ingest.base import file_digest

                st.sha256 = file_digest(src.path)
            st.rows_read = n + len(st.parser_rejects)
            self._view(st, lines)
            self._duplicates(st)
        except BaseException:
            if scan is not None and scan.is_alive():
                scan.join()
            try:  # in an aborted transaction the rollback removes them instead
                src.unregister(con, tag)
                st.drop()
            except duckdb.Error:
                pass
            raise
        src.unregister(con, tag)
        return st

    def _view(self, st: Staged, lines: LineMap | None) -> None:
        con, tag = st.con, st.tag
        # rows written inside a transaction are numbered from a large base: count from 0
        base = con.execute(f"SELECT coalesce(min(rowid), 0) FROM {tag}").fetchall()[0][0]
        st.rowid_base = int(base)
        rid = f"(s.rowid - {st.rowid_base})"
        cols = ", ".join(f"{expr} AS {q.ident(name)}" for name, expr in self.rows.final.items())
        if lines is None:  # XLSX / Parquet: the stage has _line
            line, source = "s._line", f"{tag} s"
        elif lines.array is not None:
            con.register(f"{tag}_lines_arrow", pa.table({"rid": pa.array(
                np.arange(len(lines.array)), pa.int64()), "line": pa.array(lines.array, pa.int64())}))
            con.execute(f"CREATE TEMP TABLE {tag}_lines AS SELECT * FROM {tag}_lines_arrow")
            con.unregister(f"{tag}_lines_arrow")
            line, source = "l.line", f"{tag} s LEFT JOIN {tag}_lines l ON l.rid = {rid}"
        else:
            line = f"({rid} + {lines.first}"
            if lines.thresholds:
                line += " + " + q.step(rid, lines.thresholds,
                                       list(range(len(lines.thresholds) + 1)))
            line += ")"
            source = f"{tag} s"
        con.execute(
            f"CREATE TEMP VIEW {tag}_v AS SELECT {rid} AS _rid, {cols}, s._check, s._field, "
            f"s._reason, s._raw, {line}::BIGINT AS _line FROM {source}"
        )

    def _duplicates(self, st: Staged) -> None:
        """Mark later occurrences of a key among the good rows as rejects (raw re-read)."""
        if not self.rows.table.key or any(k not in self.rows.final or self.rows.final[k].startswith(
                "CAST(NULL") for k in self.rows.table.key):
            return
        con, tag = st.con, st.tag
        count, rows = duplicate_rows_sql(f"{tag}_v", self.rows)
        if not con.execute(count).fetchall()[0][0]:
            return
        con.execute(f"CREATE TEMP TABLE {tag}_dups AS {rows}")
        src = self.source
        rr = f"{tag}r"
        src.register(con, rr)
        try:  # the raw record of each repeated row: the source again, numbered the same way
            con.execute(
                f"CREATE TEMP TABLE {tag}_dupraw AS SELECT d._rid, r._raw FROM {tag}_dups d JOIN ("
                f"SELECT row_number() OVER () - 1 AS _rid, {self.rows.raw} AS _raw "
                f"FROM ({src.relation(rr)})) r ON r._rid = d._rid"
            )
        finally:
            src.unregister(con, rr)
        keyname = ", ".join(self.rows.table.key)
        con.execute(
            f"UPDATE {tag} SET _check = {_DUPLICATE_CHECK}, _field = {q.lit(keyname)}, "
            f"_reason = x._reason, _raw = x._raw FROM (SELECT d._rid, "
            f"{duplicate_reason_sql(self.rows)} AS _reason, r._raw FROM {tag}_dups d "
            f"LEFT JOIN {tag}_dupraw r ON r._rid = d._rid) x "
            f"WHERE {tag}.rowid - {st.rowid_base} = x._rid"
        )
        con.execute(f"DROP TABLE {tag}_dups")
        con.execute(f"DROP TABLE {tag}_dupraw")


@dataclass
class Staged:
    """A staged export in a DuckDB connection: ``<tag>`` (every record) and ``<tag>_v``."""

    con: duckdb.DuckDBPyConnection
    tag: str
    rows: RowPlan
    source_file: str
    notes: list[str]
    rows_read: int = 0
    parser_rejects: list[Reject] = field(default_factory=list)  # malformed records
    sha256: str | None = None
    rowid_base: int = 0  # rowid of the first record in the stage table

    @property
    def view(self) -> str:
        return f"{self.tag}_v"

    def ok_sql(self, *, with_rn: bool = True) -> str:
        """The good rows with every canonical column in order (and ``_rn``, the record index)."""
        cols = [q.ident(c.name) for c in self.rows.table.columns if c.name not in PROVENANCE]
        cols += [f"{q.lit(self.source_file)} AS source_file", "_line AS source_line"]
        if with_rn:
            cols.append("_rid AS _rn")
        return f"SELECT {', '.join(cols)} FROM {self.view} WHERE _check IS NULL"

    def rejects_sql(self) -> str:
        """The rejected rows: source_file, source_line, field, reason, raw."""
        return (f"SELECT {q.lit(self.source_file)} AS source_file, _line AS source_line, "
                f"_field AS field, _reason AS reason, _raw AS raw FROM {self.view} "
                "WHERE _check IS NOT NULL ORDER BY _rid")

    def rejected_in_stage(self) -> int:
        return int(self.con.execute(
            f"SELECT count(*) FROM {self.tag} WHERE _check IS NOT NULL").fetchall()[0][0])

    def drop(self) -> None:
        for obj, kind in ((f"{self.tag}_v", "VIEW"), (self.tag, "TABLE"),
                          (f"{self.tag}_lines", "TABLE"), (f"{self.tag}_dups", "TABLE"),
                          (f"{self.tag}_dupraw", "TABLE")):
            self.con.execute(f"DROP {kind} IF EXISTS {obj}")


# --------------------------------------------------------------------------- mapping checks


def _check_required(m: Mapping, table: schema.Table, where: str) -> None:
    for col in table.required:
        if col in PROVENANCE or col in m.columns:
            continue
        if (table.name, col) in DERIVATIONS and _derivable(m, table.name, col):
            continue
        raise ConfigError(
            f"required column {table.name}.{col} is not mapped",
            where=where,
            hint=f"add columns.{col} with a source column, a constant or a combine "
            f"({schema.TABLES[table.name].column(col).doc})",
        )


def _derivable(m: Mapping, table: str, col: str) -> bool:
    needs = {
        ("calls", "contact_id"): ["call_id"],
        ("calls", "offered_local"): ["offered_at"],
        ("agent_states", "start_local"): ["start_at"],
        ("schedule", "date"): ["start_at"],
        ("timeclock", "date"): ["clock_in_at"],
        ("timeclock", "present"): ["clock_in_at"],
    }.get((table, col), [])
    return all(n in m.columns for n in needs)
