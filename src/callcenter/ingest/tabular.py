"""The generic tabular reader: CSV / TSV / Parquet / XLSX + a declarative mapping -> one canonical table.

Pipeline (vectorised: Python loops run only over rejected rows, over XLSX rows (openpyxl),
and over lines in the rare files whose records do not map one-to-one to lines):

1. **Read** the file to Arrow with every cell as text (CSV/TSV through DuckDB's ``read_csv``
   with explicit column names and types, no sniffing; XLSX through openpyxl; Parquet keeps
   its types). Non-UTF-8 text (GBK, GB18030, ...) is transcoded to UTF-8 first; undecodable
   bytes raise :class:`InputError` naming the line and suggesting an encoding. Records with
   the wrong number of fields or broken quoting become :class:`Reject` rows.
2. **Map** each canonical column from its source column / constant / combination, with the
   parse options of its spec (formats, duration unit, value map, strip, case, default).
3. **Derive** the canonical columns the mapping does not give (see ``DERIVATIONS``).
4. **Validate**: unparseable values, missing required values, values outside the closed
   vocabularies, negative durations, impossible time orders, duplicate keys. Every failing
   row becomes one :class:`Reject` with its 1-based physical line, the field and a reason
   that says what to do. ``rows_read == rows_accepted + len(rejects)`` always holds.
5. **Conform** to the canonical Arrow schema, with ``source_file`` and ``source_line``.

Time: naive source times are wall clock in the mapping's ``timezone`` (default
``Settings.timezone``; ``UTC`` allowed); a value carrying an offset (``+08:00``, ``Z``) is
taken as that instant. Instants are stored in UTC; ``offered_local``/``start_local`` are the
same instants in the centre's zone (``Settings.timezone``).
"""

from __future__ import annotations

import codecs
import csv
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from callcenter import schema
from callcenter.errors import ConfigError, FormatError, InputError
from callcenter.ingest.base import ReadResult, Reject, decode, require_file
from callcenter.ingest.mapping import (
    FORMATS,
    PROVENANCE,
    ColumnSpec,
    Mapping,
    load_mapping,
    mapping_format,
)
from callcenter.settings import Settings
from callcenter.timegrid import local_to_utc, utc_to_local

__all__ = ["DERIVATIONS", "read_tabular"]

TS = pa.timestamp("us")
_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$"
_ISO_OFFSET = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_HMS = r"^(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$"
_TRUE = ["true", "t", "yes", "y", "1", "是", "对", "真", "已解决", "√"]
_FALSE = ["false", "f", "no", "n", "0", "否", "错", "假", "未解决", "×"]
_PLAUSIBLE_US = (-2_208_988_800_000_000, 7_258_118_400_000_000)  # [1900-01-01, 2200-01-01) UTC
_PLAUSIBLE_DAYS = (-25_567, 84_006)
_UNIT_FACTOR = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0}

#: closed vocabularies checked after mapping: (table, column) -> allowed values
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("calls", "outcome"): tuple(o.value for o in schema.Outcome),
    ("calls", "transfer_kind"): tuple(k.value for k in schema.TransferKind),
    ("calls", "direction"): ("inbound", "outbound"),
    ("agent_states", "state"): tuple(s.value for s in schema.AgentState),
    ("headcount_events", "event"): ("join", "leave"),
}

#: (earlier, later) pairs per table: a row whose later instant precedes the earlier is impossible
TIME_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "calls": (
        ("offered_at", "answered_at"),
        ("offered_at", "ended_at"),
        ("offered_at", "queue_entry_at"),
        ("queue_entry_at", "queue_exit_at"),
        ("queue_entry_at", "answered_at"),
        ("ivr_entry_at", "ivr_exit_at"),
        ("answered_at", "ended_at"),
    ),
    "agent_states": (("start_at", "end_at"),),
    "schedule": (("start_at", "end_at"),),
    "timeclock": (("clock_in_at", "clock_out_at"),),
    "costs": (("period_start", "period_end"),),
    "agents": (("hired_on", "left_on"),),
}

#: what the reader fills in when the mapping does not give a column: (table, column) -> rule
DERIVATIONS: dict[tuple[str, str], str] = {
    ("calls", "contact_id"): "= call_id (every leg is its own contact)",
    ("calls", "leg"): "= 1",
    ("calls", "channel"): "= 'voice'",
    ("calls", "direction"): "= 'inbound'",
    ("calls", "centre"): "= settings.centre",
    ("calls", "offered_local"): "= offered_at in the centre's zone (settings.timezone)",
    ("calls", "ivr_seconds"): "= ivr_exit_at - ivr_entry_at, when both are mapped",
    ("calls", "wait_seconds"): "= queue_exit_at - queue_entry_at when both are mapped; otherwise "
    "answered_at - queue_entry_at for answered legs and ended_at - queue_entry_at for legs lost "
    "in the queue (abandoned, timeout, exit_*, callback)",
    ("calls", "source_outcome"): "= the outcome cell as read, before the value map",
    ("agent_states", "start_local"): "= start_at in the centre's zone",
    ("agent_states", "seconds"): "= end_at - start_at, when end_at is mapped",
    ("agent_states", "end_at"): "= start_at + seconds, when seconds is mapped",
    ("schedule", "date"): "= local date of start_at",
    ("timeclock", "date"): "= local date of clock_in_at",
    ("timeclock", "present"): "= clock_in_at is not empty",
    ("surveys", "satisfied"): "= score >= settings.satisfied_min_share x scale_max",
    ("costs", "centre"): "= settings.centre",
    ("agents", "role"): "= 'agent'",
}


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
        raw = _read_csv(p, m, fmt, needed)
    elif fmt == "parquet":
        raw = _read_parquet(p, m, needed)
    else:
        raw = _read_xlsx(p, m, needed)
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise InputError(
            f"mapped source column(s) {', '.join(map(repr, missing))} not in the file; "
            f"it has {', '.join(map(repr, raw.columns))}",
            where=str(p),
            hint=f"fix the source names in {mwhere} (names are case- and space-sensitive; "
            "garbled names mean the file.encoding is wrong)",
        )
    result = ReadResult(source_file=str(p), format=fmt, rows_read=raw.n + len(raw.rejects))
    result.rejects.extend(raw.rejects)
    result.notes.extend(raw.notes)
    unmapped = [c for c in raw.columns if c not in needed]
    if unmapped:
        result.notes.append("source columns not mapped (ignored): " + ", ".join(unmapped))
    _Conversion(p, m, table, settings, raw, result, mwhere).run()
    result.rejects.sort(key=lambda r: r.line or 0)
    result.check_accounting()
    return result


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


# --------------------------------------------------------------------------- raw readers


@dataclass
class _Raw:
    table: pa.Table  # source columns as read (text, or typed for Parquet)
    n: int  # records accepted by the parser (rows of ``table``)
    lines: np.ndarray  # 1-based physical line (row for XLSX/Parquet) of each record
    columns: list[str]  # all source column names, in file order
    rejects: list[Reject]
    notes: list[str]


def _read_csv(p: Path, m: Mapping, fmt: str, needed: list[str]) -> _Raw:
    fo = m.file
    delim = fo.delimiter or ("," if fmt == "csv" else "\t")
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="callcenter-") as td:
        src = p
        if fo.encoding not in ("utf-8", "utf-8-sig"):
            src = _transcode(p, fo.encoding, Path(td) / "utf8.csv")
            notes.append(f"transcoded from {fo.encoding} to UTF-8")
        names = _header(src, p, fo.header_row, fo.column_names, delim, fo.quote)
        first_data = fo.header_row + fo.skip_rows + 1
        sql_names = [f"c{i}" for i in range(len(names))]
        wanted = [sql_names[names.index(c)] for c in needed if c in names]
        cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in sql_names) + "}"
        nulls = "[" + ", ".join(_sql_str(v) for v in fo.null_values) + "]"
        sel = ", ".join(wanted) if wanted else "1 AS _one"
        import duckdb  # imported here: nothing connects to a database at import time

        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            tbl = con.sql(
                f"SELECT {sel} FROM read_csv({_sql_str(str(src))}, columns={cols}, header=false, skip={first_data - 1}, "
                f"auto_detect=false, delim={_sql_str(delim)}, quote={_sql_str(fo.quote)}, "
                f"escape={_sql_str(fo.quote)}, nullstr={nulls}, store_rejects=true, "
                "strict_mode=true, max_line_size=10000000)"
            ).to_arrow_table()
            errs = con.execute(
                "SELECT line_byte_position, min(line), string_agg(DISTINCT error_type, ', '), "
                "min(csv_line), min(error_message) FROM reject_errors "
                "GROUP BY line_byte_position ORDER BY line_byte_position"
            ).fetchall()
        except duckdb.Error as e:
            raise FormatError(
                f"cannot parse as {fmt.upper()}: {str(e).splitlines()[0]}",
                where=str(p),
                hint="check file.delimiter, file.quote and file.header_row in the mapping, "
                "and that the line ends are not mixed (CRLF and LF)",
            ) from None
        finally:
            con.close()
        n_rows = tbl.num_rows
        tbl = tbl.rename_columns([names[sql_names.index(c)] for c in wanted]) if wanted \
            else tbl.drop_columns(["_one"])
        rejects: list[Reject] = []
        rej_lines: list[int] = []
        err_lines = _lines_at(src, [int(e[0]) for e in errs])
        for line, (_pos, _dline, kinds, csv_line, message) in zip(err_lines, errs, strict=True):
            if "INVALID ENCODING" in kinds or "INVALID UNICODE" in kinds:
                _raise_encoding(p, src, line, fo.encoding)
            rej_lines.append(line)
            rejects.append(Reject(m.table, str(p), line, None,
                                  f"malformed record ({kinds.lower()}: {message}); the header has "
                                  f"{len(names)} fields — fix the quoting/delimiter of this line "
                                  "or check file.delimiter", csv_line))
        lines = _record_lines(src, first_data, n_rows, rej_lines, delim, fo.quote)
        if lines is None:
            notes.append("line numbers are approximate: the record count did not match a "
                         "line scan (unusual line breaks)")
            lines = np.arange(first_data, first_data + n_rows, dtype=np.int64)
    return _Raw(tbl, n_rows, lines, names, rejects, notes)


def _sql_str(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def _header(src: Path, orig: Path, header_row: int, column_names: list[str] | None,
            delim: str, quote: str) -> list[str]:
    """Column names: from ``column_names`` or parsed from the header line."""
    if header_row == 0:
        assert column_names is not None
        return _unique(column_names)
    prefix = b""
    with open(src, "rb") as f:
        for _ in range(header_row):
            line = f.readline()
            if not line:
                raise InputError(f"the file has fewer than {header_row} lines, so no header row",
                                 where=str(orig), hint="check file.header_row in the mapping")
            prefix += line
    text = decode(prefix, "utf-8", str(orig))
    last = text.splitlines()[-1] if text.splitlines() else ""
    row = next(csv.reader([last.lstrip("\ufeff")], delimiter=delim, quotechar=quote), [])
    names = [n.strip() for n in row]
    if not any(names):
        raise InputError(f"line {header_row} (the header row) is empty", where=f"{orig}:{header_row}",
                         hint="set file.header_row to the line holding the column names")
    return _unique([n or f"column{i + 1}" for i, n in enumerate(names)])


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}.{seen[n]}")
    return out


def _transcode(p: Path, encoding: str, out: Path) -> Path:
    """Stream-decode ``p`` into a UTF-8 copy; undecodable bytes -> InputError with the line."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    nl = 0
    with open(p, "rb") as f, open(out, "w", encoding="utf-8", newline="") as w:
        while True:
            chunk = f.read(1 << 23)
            try:
                w.write(dec.decode(chunk, final=not chunk))
            except UnicodeDecodeError as e:
                line = nl + chunk.count(b"\n", 0, max(e.start, 0)) + 1
                hint = "set file.encoding in the mapping"
                if encoding == "gbk":
                    hint += "; GB18030 is a superset of GBK — try gb18030"
                try:
                    chunk.decode("utf-8")
                    hint += "; the bytes decode as UTF-8 — try utf-8"
                except UnicodeDecodeError:
                    pass
                raise InputError(f"bytes are not valid {encoding} ({e.reason})",
                                 where=f"{p}:{line}", hint=hint) from None
            nl += chunk.count(b"\n")
            if not chunk:
                break
    return out


def _lines_at(src: Path, positions: list[int]) -> list[int]:
    """1-based line of each byte position (ascending), counting LF line ends, in one pass."""
    out: list[int] = []
    if not positions:
        return out
    nl, base = 0, 0
    with open(src, "rb") as f:
        for pos in positions:
            while base + (1 << 24) <= pos:  # whole chunks before pos
                chunk = f.read(1 << 24)
                if not chunk:
                    break
                nl += chunk.count(b"\n")
                base += len(chunk)
            f.seek(base)
            head = f.read(max(pos - base, 0))
            out.append(nl + head.count(b"\n") + 1)
            f.seek(base)
    return out


def _raise_encoding(p: Path, src: Path, line: int, encoding: str) -> None:
    """Raise the InputError for undecodable bytes on ``line``, suggesting an encoding."""
    with open(src, "rb") as f:
        for _ in range(line - 1):
            f.readline()
        raw_line = f.readline()
    hint = "set file.encoding in the mapping"
    for guess in ("gb18030", "utf-8"):
        if guess != encoding:
            try:
                raw_line.decode(guess)
            except UnicodeDecodeError:
                continue
            hint += f"; this line decodes as {guess.upper()}" + (
                " (GBK is a subset of GB18030) — set encoding: gbk or gb18030" if guess == "gb18030"
                else " — set encoding: utf-8")
            break
    raise InputError(f"bytes are not valid {encoding}", where=f"{p}:{line}", hint=hint)


def _record_lines(src: Path, first: int, n_ok: int, rej_lines: list[int], delim: str,
                  quote: str) -> np.ndarray | None:
    """Physical 1-based start line (counting LF line ends) of each accepted record, in order.

    Fast path: when the data lines are exactly the records (as many lines as records, no
    blank line, no bare CR that a parser may take as a line end), records are the lines
    minus the rejected ones. Otherwise a line-tracking scan with the ``csv`` module finds
    where each record starts. None if even that disagrees with the parser.
    """
    n_records = n_ok + len(rej_lines)
    nl = cr = crlf = blank = 0
    buf = bytearray(1 << 24)
    view = memoryview(buf)
    with open(src, "rb") as f:
        for _ in range(first - 1):
            f.readline()
        prev = b"\n"  # the end of the line before the data: catches a blank first data line
        while n := f.readinto(buf):
            chunk = view[:n] if n < len(buf) else buf
            seg = buf if n == len(buf) else bytes(chunk)
            nl += seg.count(b"\n")
            blank += seg.count(b"\n\n") + (prev == b"\n" and seg[:1] == b"\n")
            if seg.find(b"\r") >= 0:
                cr += seg.count(b"\r")
                crlf += seg.count(b"\r\n") + (prev == b"\r" and seg[:1] == b"\n")
                blank += seg.count(b"\n\r\n") + (prev == b"\n" and seg[:2] == b"\r\n")
            prev = bytes(seg[-1:])
    data_lines = nl + (0 if prev == b"\n" else 1)
    if data_lines == n_records and not blank and cr == crlf:
        all_lines = np.arange(first, first + data_lines, dtype=np.int64)
        if not rej_lines:
            return all_lines
        keep = np.ones(len(all_lines), dtype=bool)
        keep[np.asarray(rej_lines, dtype=np.int64) - first] = False
        return all_lines[keep] if int(keep.sum()) == n_ok else None
    starts: list[int] = []
    try:
        with open(src, encoding="utf-8-sig", newline="\n") as f:
            for _ in range(first - 1):
                f.readline()
            reader = csv.reader(f, delimiter=delim, quotechar=quote, strict=False)
            before = 0
            for rec in reader:
                if rec:
                    starts.append(first + before)
                before = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        return None
    ok = list(starts)
    for line in rej_lines:
        try:
            ok.remove(line)
        except ValueError:
            return None
    if len(ok) != n_ok:
        return None
    return np.asarray(ok, dtype=np.int64)


def _read_parquet(p: Path, m: Mapping, needed: list[str]) -> _Raw:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(p)
        names = pf.schema_arrow.names
        tbl = pf.read(columns=[c for c in needed if c in names])
    except (pa.ArrowInvalid, OSError) as e:
        raise FormatError(f"not a readable Parquet file: {e}", where=str(p),
                          hint="check the file, or set file.format in the mapping") from None
    notes = []
    if m.file.header_row != 1 or m.file.skip_rows:
        notes.append("file.header_row / skip_rows do not apply to Parquet (ignored)")
    lines = np.arange(1, tbl.num_rows + 1, dtype=np.int64)
    return _Raw(tbl, tbl.num_rows, lines, names, [],
                [*notes, "Parquet: source_line is the 1-based row number"])


def _read_xlsx(p: Path, m: Mapping, needed: list[str]) -> _Raw:
    import zipfile

    import openpyxl

    fo = m.file
    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as e:
        raise FormatError(f"not a readable XLSX workbook: {e}", where=str(p),
                          hint="save the export as .xlsx (not .xls), or set file.format") from None
    try:
        if fo.sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(fo.sheet, int):
            if fo.sheet > len(wb.worksheets):
                raise ConfigError(f"file.sheet {fo.sheet}: the workbook has {len(wb.worksheets)} sheet(s)",
                                  where=str(p), hint="sheets count from 1")
            ws = wb.worksheets[fo.sheet - 1]
        else:
            if fo.sheet not in wb.sheetnames:
                raise ConfigError(f"file.sheet {fo.sheet!r} not in the workbook; it has "
                                  f"{', '.join(wb.sheetnames)}", where=str(p))
            ws = wb[fo.sheet]
        names: list[str] | None = _unique(fo.column_names or []) if fo.header_row == 0 else None
        first_data = fo.header_row + fo.skip_rows + 1
        values: list[list[str | None]] = []
        lines: list[int] = []
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if r == fo.header_row:
                names = _unique([_cell(v) or f"column{i + 1}" for i, v in enumerate(row)])
                continue
            if r < first_data:
                continue
            cells = [_cell(v) for v in row]
            if not any(c is not None for c in cells):
                continue  # an empty row is not a record (as a blank line in CSV)
            values.append(cells)
            lines.append(r)
    finally:
        wb.close()
    if names is None:
        raise InputError(f"the sheet has fewer than {fo.header_row} rows, so no header row",
                         where=str(p), hint="check file.header_row")
    nulls = set(fo.null_values)
    cols = {}
    for c in needed:
        if c in names:
            i = names.index(c)
            vals = [row[i] if i < len(row) else None for row in values]
            cols[c] = pa.array([None if v in nulls else v for v in vals], pa.string())
    return _Raw(pa.table(cols), len(values), np.asarray(lines, dtype=np.int64), names, [],
                ["XLSX: source_line is the sheet row"])


def _cell(v: Any) -> str | None:
    """An XLSX cell as text (dates as ISO 8601, whole floats without '.0')."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, date | time):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    s = str(v)
    return s if s.strip() else None


# --------------------------------------------------------------------------- conversion


_BLOCK = 1 << 16


def _repeat(value: pa.Scalar, n: int, layout: list[int] | None = None) -> pa.ChunkedArray:
    """``n`` copies of one value as a chunked array whose chunks share one buffer: constant and
    all-null columns cost one block of memory, not ``n`` rows. ``layout`` (chunk lengths
    summing to ``n``) aligns the chunks with the other columns', so a consumer such as DuckDB
    gets whole batches instead of slivers."""
    if n == 0:
        return pa.chunked_array([], type=value.type)
    if not layout or sum(layout) != n:
        full, rest = divmod(n, min(n, _BLOCK))
        layout = [min(n, _BLOCK)] * full + ([rest] if rest else [])
    block = pa.repeat(value, max(layout))
    return pa.chunked_array([block.slice(0, k) for k in layout], type=value.type)


def _chunks(a: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return a.chunks if isinstance(a, pa.ChunkedArray) else [a]


def _constant_offset_us(lo: datetime, hi: datetime, zone: str, *, utc: bool) -> int | None:
    """The zone's UTC offset in µs when it is the same over [lo, hi] (sampled daily), else None.

    Most call-centre zones (Asia/Shanghai) have no transitions, so converting is one
    integer addition instead of a time-zone database lookup per value.
    """
    z = ZoneInfo(zone)
    days = (hi - lo).days
    if days > 20_000:
        return None
    offsets = set()
    try:
        for k in range(days + 2):
            d = min(lo + timedelta(days=k), hi)
            if utc:
                off = d.replace(tzinfo=UTC).astimezone(z).utcoffset()
            else:
                off = d.replace(tzinfo=z).utcoffset()
            offsets.add(off)
            if len(offsets) > 1:
                return None
    except (OverflowError, ValueError):  # near datetime.min/max: use the general path
        return None
    (off,) = offsets
    return None if off is None else int(off.total_seconds() * 1_000_000)


def _span(a: pa.Array | pa.ChunkedArray) -> tuple[datetime, datetime] | None:
    """(min, max) of naive timestamps as datetimes; None when empty or beyond datetime's range."""
    mm = pc.min_max(a.cast(TS).cast(pa.int64())).as_py()
    if mm["min"] is None:
        return None
    try:
        epoch = datetime(1970, 1, 1)
        return (epoch + timedelta(microseconds=mm["min"]), epoch + timedelta(microseconds=mm["max"]))
    except OverflowError:
        return None


def _to_utc(naive: pa.Array, zone: str) -> pa.Array:
    """Naive wall clock in ``zone`` -> UTC instants (timegrid.local_to_utc, fast when no DST)."""
    if zone == "UTC":
        return naive.cast(TS).cast(schema.UTC_TS)
    span = _span(naive)
    if span is not None:
        off = _constant_offset_us(*span, zone, utc=False)
        if off is not None:
            us = pc.subtract(naive.cast(TS).cast(pa.int64()), off)
            return us.cast(TS).cast(schema.UTC_TS)
    return local_to_utc(naive, zone)


def _to_local(utc: pa.Array | pa.ChunkedArray, zone: str) -> Any:
    """UTC instants -> naive wall clock in ``zone`` (timegrid.utc_to_local, fast when no DST)."""
    if zone == "UTC":
        return utc.cast(schema.UTC_TS).cast(TS)
    span = _span(utc.cast(schema.UTC_TS))
    if span is not None:
        off = _constant_offset_us(*span, zone, utc=True)
        if off is not None:
            us = pc.add(utc.cast(schema.UTC_TS).cast(TS).cast(pa.int64()), off)
            return us.cast(TS)
    return utc_to_local(utc, zone)


# first / last UTF-8 bytes of values that may need trimming: ASCII white space, and the lead
# bytes (0xC2, 0xE1, 0xE2, 0xE3) and last bytes of the other Unicode White_Space characters
# (U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
_LEAD = np.zeros(256, dtype=bool)
_LEAD[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xC2, 0xE1, 0xE2, 0xE3]] = True
_TRAIL = np.zeros(256, dtype=bool)
_TRAIL[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, *range(0x80, 0x8B), 0x9F, 0xA0, 0xA8, 0xA9, 0xAF]] = True


def _may_need_strip(c: pa.Array) -> bool:
    """Cheap, conservative test on the raw buffers: False only if no value is empty or starts
    or ends with a byte that could be white space."""
    if not (pa.types.is_string(c.type) or pa.types.is_large_string(c.type)) or len(c) == 0:
        return True
    _, off_buf, data_buf = c.buffers()
    if data_buf is None or off_buf is None:
        return True
    off_t = np.int64 if pa.types.is_large_string(c.type) else np.int32
    offsets = np.asarray(np.frombuffer(off_buf, dtype=off_t)[c.offset: c.offset + len(c) + 1],
                         dtype=np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    lengths = ends - starts
    valid = np.asarray(c.is_valid().to_numpy(zero_copy_only=False)) if c.null_count else True
    if np.any((lengths == 0) & valid):
        return True
    nz = lengths > 0
    if not nz.any():
        return False
    return bool(_LEAD[data[starts[nz]]].any() or _TRAIL[data[ends[nz] - 1]].any())


def _strip(a: pa.Array | pa.ChunkedArray) -> Any:
    """Trim Unicode white space (ASCII, the full-width space U+3000 of Chinese exports, the
    no-break space, ...); cells left empty become null."""
    if isinstance(a, pa.ChunkedArray):
        return pa.chunked_array([_strip(c) for c in a.chunks], type=a.type)
    if not _may_need_strip(a):
        return a
    a = pc.utf8_trim_whitespace(a)
    empty = pc.equal(pc.binary_length(a), 0)
    if pc.any(empty).as_py():
        a = pc.if_else(empty, pa.scalar(None, a.type), a)
    return a


def _masked(c: pa.Array, pattern: str) -> pa.Array:
    """``c`` with the values not matching ``pattern`` set to null."""
    return pc.if_else(pc.match_substring_regex(c, pattern), c, pa.scalar(None, c.type))


def _to_naive_and_aware(c: pa.Array, formats: list[str]) -> tuple[pa.Array, pa.Array]:
    """Text -> (naive wall-clock timestamps, UTC instants from values with an offset)."""
    if pa.types.is_timestamp(c.type):
        if c.type.tz is None:
            return c.cast(TS), pa.nulls(len(c), schema.UTC_TS)
        return pa.nulls(len(c), TS), c.cast(schema.UTC_TS)
    if pa.types.is_date(c.type):
        return c.cast(TS), pa.nulls(len(c), schema.UTC_TS)
    if not pa.types.is_string(c.type) and not pa.types.is_large_string(c.type):
        c = c.cast(pa.string())
    try:
        return c.cast(TS), pa.nulls(len(c), schema.UTC_TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        c = _strip(c)
    try:
        naive = _masked(c, _ISO_NAIVE).cast(TS)
        aware = _masked(c, _ISO_OFFSET).cast(schema.UTC_TS)
        for fmt in formats:
            todo = pc.and_(pc.is_null(naive), pc.is_null(aware))
            if not pc.any(pc.and_(todo, c.is_valid())).as_py():
                break
            parsed = pc.strptime(c, fmt, "us", error_is_null=True)
            if parsed.type.tz is None:
                naive = pc.coalesce(naive, parsed)
            else:
                aware = pc.coalesce(aware, parsed.cast(schema.UTC_TS))
        return naive, aware
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. 2024-13-45 matched the pattern
        return _py_datetimes(c, formats)


def _py_datetimes(c: pa.Array, formats: list[str]) -> tuple[pa.Array, pa.Array]:
    naive: list[datetime | None] = []
    aware: list[datetime | None] = []
    for s in c.to_pylist():
        n = a = None
        if s is not None:
            for fmt in [None, *formats]:
                try:
                    d = datetime.fromisoformat(s) if fmt is None else datetime.strptime(s, fmt)
                except (ValueError, TypeError):
                    continue
                if d.tzinfo is None:
                    n = d
                else:
                    a = d
                break
        naive.append(n)
        aware.append(a)
    return pa.array(naive, TS), pa.array(aware, schema.UTC_TS)


def _parse_number(c: pa.Array, spec: ColumnSpec) -> pa.Array:
    if pa.types.is_integer(c.type) or pa.types.is_floating(c.type) or pa.types.is_decimal(c.type):
        return c.cast(pa.float64())
    if pa.types.is_boolean(c.type):
        return c.cast(pa.float64())
    if not pa.types.is_string(c.type) and not pa.types.is_large_string(c.type):
        c = c.cast(pa.string())
    if spec.thousands:
        c = pc.replace_substring(c, spec.thousands, "")
    try:
        return c.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        c = _strip(c)
        return _masked(c, _NUMBER).cast(pa.float64())


def _parse_hms(c: pa.Array) -> pa.Array:
    if not pa.types.is_string(c.type) and not pa.types.is_large_string(c.type):
        if pa.types.is_time(c.type):
            return pc.divide(c.cast(pa.time64("us")).cast(pa.int64()).cast(pa.float64()), 1e6)
        return c.cast(pa.float64())
    c = _strip(c)
    parts = pc.extract_regex(c, _HMS)
    h = pc.struct_field(parts, "h")
    h = pc.if_else(pc.equal(h, ""), "0", h).cast(pa.float64())
    mins = pc.struct_field(parts, "m").cast(pa.float64())
    secs = pc.struct_field(parts, "s").cast(pa.float64())
    hms = pc.add(pc.add(pc.multiply(h, 3600.0), pc.multiply(mins, 60.0)), secs)
    hms = pc.if_else(parts.is_valid(), hms, pa.scalar(None, pa.float64()))
    plain = _masked(c, _NUMBER).cast(pa.float64())  # a bare number is seconds
    return pc.coalesce(hms, plain)


class _Conversion:
    """Map, derive, validate and conform one raw table (one instance per read)."""

    def __init__(self, path: Path, m: Mapping, table: schema.Table, settings: Settings,
                 raw: _Raw, result: ReadResult, mwhere: str) -> None:
        self.path, self.m, self.t, self.settings = path, m, table, settings
        self.raw, self.result, self.mwhere = raw, result, mwhere
        self.n = raw.n
        self.src_zone = m.timezone or settings.timezone
        self.values: dict[str, pa.ChunkedArray] = {}
        self.text: dict[str, pa.ChunkedArray] = {}  # the cell text each column came from
        self.rejected = np.zeros(self.n, dtype=bool)
        # chunk lengths of the source columns: constant and derived columns follow them
        first = raw.table.column(0) if raw.table.num_columns else None
        self.layout: list[int] = [len(c) for c in first.chunks if len(c)] if first is not None else []

    # -- helpers ----------------------------------------------------------------------
    def _reject(self, mask: pa.ChunkedArray | pa.Array | np.ndarray, field: str | None,
                reason: Callable[..., str]) -> None:
        if not isinstance(mask, np.ndarray):
            mask = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        idx = np.flatnonzero(mask & ~self.rejected)
        if not len(idx):
            return
        self.rejected[idx] = True
        src = str(self.path)
        for i in idx.tolist():
            self.result.rejects.append(
                Reject(self.t.name, src, int(self.raw.lines[i]), field, reason(i), self._raw_row(i))
            )

    def _raw_row(self, i: int) -> str:
        parts = []
        for name in self.raw.table.column_names:
            v = self.raw.table.column(name)[i].as_py()
            parts.append(f"{name}={'' if v is None else v}")
        return " | ".join(parts)

    def _shown(self, col: str, i: int) -> str:
        """A value as the user wrote it (the cell text), or as derived."""
        if col in self.text:
            return repr(self._cell(col, i))
        return str(self.values[col][i].as_py())

    def _cell(self, col: str, i: int) -> str:
        v = self.text[col][i].as_py() if col in self.text else None
        return "" if v is None else str(v)

    # -- 1. source / constant / combine -> text or typed column ------------------------
    def _origin(self, spec: ColumnSpec) -> pa.ChunkedArray:
        if spec.constant is not None:
            v = spec.constant
            text = ("true" if v else "false") if isinstance(v, bool) else str(v)
            return _repeat(pa.scalar(text, pa.string()), self.n, self.layout)
        if spec.combine is not None:
            parts = [self.raw.table.column(c).cast(pa.string()) for c in spec.combine]
            return pc.binary_join_element_wise(*parts, spec.separator)
        assert spec.source is not None
        col = self.raw.table.column(spec.source)
        return col if isinstance(col, pa.ChunkedArray) else pa.chunked_array([col])

    def _text_ops(self, a: pa.ChunkedArray, spec: ColumnSpec, col: schema.Column) -> pa.ChunkedArray:
        is_text = pa.types.is_string(a.type) or pa.types.is_large_string(a.type)
        plain = spec.map is None and spec.default is None and spec.case is None
        if not is_text:
            if plain:
                return a
            a = a.cast(pa.string()) if not pa.types.is_boolean(a.type) else pc.if_else(
                a, "true", "false")
        if spec.strip and (col.type == pa.string() or not plain):
            # typed columns skip this: their parsers strip only the cells that fail to parse
            a = _strip(a)
        if spec.case == "upper":
            a = pc.utf8_upper(a)
        elif spec.case == "lower":
            a = pc.utf8_lower(a)
        if spec.map:
            keys = pa.array(list(spec.map), pa.string())
            vals = pa.array([None if v is None else _scalar_text(v) for v in spec.map.values()],
                            pa.string())
            hit = pc.index_in(a, value_set=keys)
            mapped = pc.take(vals, hit)
            a = pc.if_else(pc.is_null(hit), a, mapped)
        if spec.default is not None:
            a = pc.fill_null(a, _scalar_text(spec.default))
        return a

    # -- 2. parse by canonical type ----------------------------------------------------
    def _parse(self, col: schema.Column, a: pa.ChunkedArray, spec: ColumnSpec) -> pa.ChunkedArray:
        t = col.type
        formats = spec.format or []
        if t == schema.UTC_TS or t == schema.LOCAL_TS or t == pa.date32():
            out = []
            for c in _chunks(a):
                naive, aware = _to_naive_and_aware(c, formats)
                if t == schema.LOCAL_TS:
                    local = _to_local(aware, self.settings.timezone)
                    out.append(pc.coalesce(naive, local))
                    continue
                if t == pa.date32():
                    local = _to_local(aware, self.src_zone)
                    out.append(pc.coalesce(naive, local).cast(pa.date32()))
                    continue
                if naive.null_count < len(naive):
                    aware = pc.coalesce(aware, _to_utc(naive, self.src_zone))
                out.append(aware)
            return pa.chunked_array(out, type=t)
        if t == pa.bool_():
            if pa.types.is_boolean(a.type):
                return a
            low = pc.utf8_lower(_strip(a.cast(pa.string())))
            true = pc.is_in(low, value_set=pa.array(_TRUE))
            false = pc.is_in(low, value_set=pa.array(_FALSE))
            return pc.if_else(true, True, pc.if_else(false, False, pa.scalar(None, pa.bool_())))
        if pa.types.is_floating(t) or pa.types.is_integer(t):
            if col.unit == "s" and spec.unit == "HH:MM:SS":
                return pa.chunked_array([_parse_hms(c) for c in _chunks(a)], type=pa.float64())
            num = pa.chunked_array([_parse_number(c, spec) for c in _chunks(a)], type=pa.float64())
            factor = _UNIT_FACTOR[spec.unit or "s"] if col.unit == "s" else 1.0
            return pc.multiply(num, factor) if factor != 1.0 else num
        return a.cast(pa.string())

    # -- the pipeline ----------------------------------------------------------------
    def run(self) -> None:
        m, t = self.m, self.t
        for name, spec in m.columns.items():
            col = t.column(name)
            if spec.constant is not None:  # parse one value, then repeat it
                one = self._text_ops(_repeat(pa.scalar(_scalar_text(spec.constant)), 1), spec, col)
                parsed = self._parse(col, one, spec)
                self.text[name] = _repeat(one[0], self.n, self.layout)
                self.values[name] = _repeat(parsed[0], self.n, self.layout)
                continue
            a = self._text_ops(self._origin(spec), spec, col)
            self.text[name] = a
            self.values[name] = self._parse(col, a, spec)
        self._derive()
        self._validate()
        self._emit()

    def _derive(self) -> None:
        t, v, n, s = self.t.name, self.values, self.n, self.settings
        notes = []

        def const(value: Any, type_: pa.DataType) -> pa.ChunkedArray:
            return _repeat(pa.scalar(value, type_), n, self.layout)

        def secs(a: str, b: str) -> pa.ChunkedArray:
            d = pc.subtract(v[b], v[a]).cast(pa.duration("us")).cast(pa.int64())
            return pc.divide(d.cast(pa.float64()), 1e6)

        def put(col: str, value: pa.ChunkedArray) -> None:
            v[col] = value
            notes.append(f"{col} {DERIVATIONS[(t, col)]}")

        def has(*cols: str) -> bool:
            return all(c in v for c in cols)

        if t == "calls":
            if "contact_id" not in v and has("call_id"):
                put("contact_id", v["call_id"])
            if "leg" not in v:
                put("leg", const(1, pa.int16()))
            if "channel" not in v:
                put("channel", const("voice", pa.string()))
            if "direction" not in v:
                put("direction", const("inbound", pa.string()))
            if "centre" not in v:
                put("centre", const(s.centre, pa.string()))
            if "source_outcome" not in v and "outcome" in self.m.columns and \
                    self.m.columns["outcome"].constant is None:
                raw = self._origin(self.m.columns["outcome"])
                put("source_outcome", raw.cast(pa.string()))
            if "ivr_seconds" not in v and has("ivr_entry_at", "ivr_exit_at"):
                put("ivr_seconds", secs("ivr_entry_at", "ivr_exit_at"))
            if "wait_seconds" not in v and "queue_entry_at" in v:
                if has("queue_exit_at"):
                    put("wait_seconds", secs("queue_entry_at", "queue_exit_at"))
                elif has("answered_at") or has("ended_at", "outcome"):
                    w = pa.chunked_array([pa.nulls(n, pa.float64())])
                    if has("answered_at"):
                        w = pc.coalesce(secs("queue_entry_at", "answered_at"), w)
                    if has("ended_at", "outcome"):
                        lost = pc.is_in(v["outcome"], value_set=pa.array(
                            sorted(str(o) for o in schema.QUEUE_LOSS_OUTCOMES)))
                        w = pc.if_else(lost, secs("queue_entry_at", "ended_at"), w)
                    put("wait_seconds", w)
            if "offered_local" not in v and has("offered_at"):
                put("offered_local", _to_local(v["offered_at"], s.timezone))
        elif t == "agent_states":
            if "end_at" not in v and has("start_at", "seconds"):
                us = pc.multiply(v["seconds"], 1e6).cast(pa.int64()).cast(pa.duration("us"))
                put("end_at", pc.add(v["start_at"], us))
            if "seconds" not in v and has("start_at", "end_at"):
                put("seconds", secs("start_at", "end_at"))
            if "start_local" not in v and has("start_at"):
                put("start_local", _to_local(v["start_at"], s.timezone))
        elif t == "schedule":
            if "date" not in v and has("start_at"):
                put("date", _to_local(v["start_at"], s.timezone).cast(pa.date32()))
        elif t == "timeclock":
            if "date" not in v and has("clock_in_at"):
                put("date", _to_local(v["clock_in_at"], s.timezone).cast(pa.date32()))
            if "present" not in v and has("clock_in_at"):
                put("present", pc.is_valid(v["clock_in_at"]))
        elif t == "surveys":
            if "satisfied" not in v and has("score", "scale_max"):
                put("satisfied", pc.greater_equal(
                    v["score"], pc.multiply(v["scale_max"], s.satisfied_min_share)))
        elif t == "costs":
            if "centre" not in v:
                put("centre", const(s.centre, pa.string()))
        elif t == "agents" and "role" not in v:
            put("role", const("agent", pa.string()))
        if notes:
            self.result.notes.append("derived: " + "; ".join(notes))

    def _validate(self) -> None:
        t, v, mw = self.t, self.values, self.mwhere
        # unparseable cells
        for name, spec in self.m.columns.items():
            col = t.column(name)
            if col.type == pa.string():
                continue
            bad = pc.and_(pc.is_valid(self.text[name]), pc.is_null(v[name]))
            if pc.any(bad).as_py():  # a cell of white space only is empty, not unreadable
                bad = pc.and_(bad, pc.is_valid(_strip(self.text[name])))
            else:
                continue
            what = _kind(col, spec)
            self._reject(bad, name, lambda i, name=name, what=what: (
                f"cannot read {self._cell(name, i)!r} as {what} — fix the value, or adjust "
                f"columns.{name} in {mw}"))
        # dates and instants must be plausible (also keeps later messages printable)
        for name in list(v):
            col = t.column(name)
            if col.type in (schema.UTC_TS, schema.LOCAL_TS, pa.date32()):
                x = v[name].cast(TS) if col.type != pa.date32() else v[name].cast(pa.int32())
                lo, hi = (_PLAUSIBLE_US if col.type != pa.date32() else _PLAUSIBLE_DAYS)
                xi = x.cast(pa.int64())
                bad = pc.or_(pc.less(xi, lo), pc.greater_equal(xi, hi))
                self._reject(bad, name, lambda i, name=name: (
                    f"{self._cell(name, i)!r} is outside 1900-2199 — fix the value or its "
                    f"format in columns.{name}"))
        # integers must be whole and in range
        for name in list(v):
            col = t.column(name)
            if pa.types.is_integer(col.type) and pa.types.is_floating(v[name].type):
                info = np.iinfo(col.type.to_pandas_dtype())
                x = v[name]
                bad = pc.or_(pc.not_equal(pc.floor(x), x),
                             pc.or_(pc.less(x, float(info.min)), pc.greater(x, float(info.max))))
                self._reject(bad, name, lambda i, name=name: (
                    f"{self._cell(name, i)!r} is not a whole number in range — fix the value"))
                v[name] = pc.if_else(pc.fill_null(bad, False), pa.scalar(None, pa.float64()), x)
        # required values present
        for name in t.required:
            if name in PROVENANCE or name not in v:
                continue
            self._reject(pc.is_null(v[name]), name, lambda i, name=name: (
                f"required value {name} is empty — fill it in the export, or give "
                f"columns.{name}.default in {mw}"))
        # closed vocabularies
        for (tab, name), allowed in VOCABULARIES.items():
            if tab != t.name or name not in v:
                continue
            bad = pc.and_(pc.is_valid(v[name]), pc.invert(pc.is_in(v[name], value_set=pa.array(allowed))))
            self._reject(bad, name, lambda i, name=name, allowed=allowed: (
                f"{self._cell(name, i)!r} is not a known {name} ({', '.join(allowed)}) — add it to "
                f"columns.{name}.map in {mw}"))
        # negative durations/counts given by the file, then impossible time orders, then
        # negative derived durations (so the reject names the column the file got wrong)
        self._negatives(mapped=True)
        # time order
        for earlier, later in TIME_ORDER.get(t.name, ()):
            if earlier in v and later in v:
                self._reject(pc.less(v[later], v[earlier]), later, lambda i, e=earlier, la=later: (
                    f"{la} {self._shown(la, i)} is before {e} {self._shown(e, i)} — "
                    "impossible; check the export's clock / time zone"))
        self._negatives(mapped=False)
        self._duplicates()

    def _negatives(self, *, mapped: bool) -> None:
        v = self.values
        for name in v:
            col = self.t.column(name)
            if (name in self.m.columns) != mapped:
                continue
            if col.unit in ("s", "rings") or name == "leg":
                low = 1 if name == "leg" else 0
                self._reject(pc.less(v[name], low), name, lambda i, name=name, low=low: (
                    f"{name} = {self.values[name][i].as_py()} is below {low} — a duration or count "
                    "cannot be negative; fix the export"))

    def _duplicates(self) -> None:
        keys = [k for k in self.t.key if k in self.values]
        if not keys or len(keys) != len(self.t.key):
            return
        ok = np.flatnonzero(~self.rejected)
        if len(ok) < 2:
            return
        import polars as pl

        everything = len(ok) == self.n
        take = None if everything else pa.array(ok)

        def rows(col: str) -> pa.ChunkedArray:
            return self.values[col] if take is None else self.values[col].take(take)

        kdf = pl.from_arrow(pa.table({k: rows(k) for k in keys}))
        assert isinstance(kdf, pl.DataFrame)
        # equal keys have equal hashes: only rows sharing a hash need the exact comparison
        h = kdf.select(pl.struct(keys).hash().alias("h"))["h"]
        if not h.is_duplicated().any():
            return
        content = [c for c in self.values if c not in keys]
        full = pl.from_arrow(pa.table({c: rows(c) for c in [*keys, *content]}))
        assert isinstance(full, pl.DataFrame)
        full = full.with_row_index("_i").with_columns(
            _h=pl.struct(content).hash() if content else pl.lit(0, pl.UInt64))
        res = full.select(
            pl.col("_i"),
            pl.col("_i").first().over(keys).alias("_first"),
            (pl.col("_h") == pl.col("_h").first().over(keys)).alias("_same"),
        ).filter(pl.col("_i") != pl.col("_first"))
        mask = np.zeros(self.n, dtype=bool)
        first_of: dict[int, tuple[int, bool]] = {}
        for i, f, same in res.iter_rows():
            row = int(ok[i])
            mask[row] = True
            first_of[row] = (int(ok[f]), bool(same))
        keyname = ", ".join(keys)

        def reason(i: int) -> str:
            f, same = first_of[i]
            line = int(self.raw.lines[f])
            if same:
                return (f"repeats line {line} exactly (same {keyname}); the row is kept once — "
                        "nothing lost")
            return (f"duplicate {keyname} already on line {line} with different content; the "
                    "first is kept — remove or correct one of them")

        self._reject(mask, keyname, reason)

    def _emit(self) -> None:
        keep = ~self.rejected
        cols = {name: arr for name, arr in self.values.items()}
        cols["source_file"] = _repeat(pa.scalar(str(self.path)), self.n, self.layout)
        lines = pa.array(self.raw.lines, pa.int64())
        starts: list[int] = np.cumsum([0, *self.layout[:-1]]).tolist() if self.layout else []
        cols["source_line"] = pa.chunked_array(
            [lines.slice(a, k) for a, k in zip(starts, self.layout, strict=True)] or [lines],
            type=pa.int64())
        for col in self.t.columns:  # absent columns as shared-buffer nulls (cheaper than conform's)
            if col.name not in cols:
                cols[col.name] = _repeat(pa.scalar(None, col.type), self.n, self.layout)
        data = pa.table(cols)
        if not keep.all():
            data = data.filter(pa.array(keep))
        self.result.tables[self.t.name] = schema.conform(self.t, data)


def _kind(col: schema.Column, spec: ColumnSpec) -> str:
    if col.type == schema.UTC_TS or col.type == schema.LOCAL_TS:
        return "a date-time (ISO 8601" + (", or " + " / ".join(spec.format) if spec.format else "") + ")"
    if col.type == pa.date32():
        return "a date (YYYY-MM-DD" + (", or " + " / ".join(spec.format) if spec.format else "") + ")"
    if col.type == pa.bool_():
        return "true/false (是/否, yes/no, 1/0, or map the value)"
    if col.unit == "s":
        return f"a duration in {spec.unit or 's'}"
    return "a number"


def _scalar_text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, StrEnum):
        return v.value
    return str(v)

