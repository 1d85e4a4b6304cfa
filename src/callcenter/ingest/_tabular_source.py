"""The raw side of the tabular reader: what a CSV/TSV, XLSX or Parquet export holds, as a
relation DuckDB can read with every needed source column as text (``s0``, ``s1``, ...).

* CSV/TSV: DuckDB ``read_csv`` with explicit column names, every cell VARCHAR, no sniffing
  (a file is always read the same way); non-UTF-8 files are transcoded to a temporary
  UTF-8 copy first (undecodable bytes -> InputError naming the line). Records with the
  wrong number of fields or broken quoting go to DuckDB's rejects table and become
  :class:`Reject` rows. Physical line numbers come from one byte scan of the file (run
  beside DuckDB, together with the SHA-256 of the export); only files whose records are
  not one line each need a line-tracking pass with the ``csv`` module.
* XLSX (openpyxl) and Parquet are read into an Arrow table of the needed columns (text for
  XLSX; Parquet keeps its types and DuckDB casts them to text) with a ``_line`` column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from callcenter.errors import ConfigError, FormatError, InputError
from callcenter.ingest._tabular_sql import lit
from callcenter.ingest.base import Reject, decode
from callcenter.ingest.mapping import Mapping

if TYPE_CHECKING:
    import duckdb

#: above this many malformed records, line numbers are joined from an array, not computed
_MAX_STEP_REJECTS = 2_000


@dataclass
class Source:
    """One export's raw records. Close it (or use ``with``) to remove temporary files."""

    path: Path  # the export as given
    format: str
    names: list[str]  # every source column, in file order
    needed: list[str]  # the source columns the mapping reads, in mapping order
    notes: list[str] = field(default_factory=list)
    csv_file: Path | None = None  # the UTF-8 file DuckDB reads (CSV/TSV)
    first_data: int = 2  # 1-based line of the first data record (CSV/TSV)
    delimiter: str = ","
    quote: str = '"'
    null_values: tuple[str, ...] = ()
    arrow: pa.Table | None = None  # XLSX/Parquet: s0.. columns and _line
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def present(self) -> list[str]:
        """The needed columns that the file has (``s<i>`` is the i-th of these)."""
        return [c for c in self.needed if c in self.names]

    def relation(self, tag: str) -> str:
        """SQL ``SELECT`` of the raw records: ``s0..`` as VARCHAR (and ``_line`` for Arrow)."""
        present = self.present
        if self.arrow is not None:
            casts = [f"CAST(s{i} AS VARCHAR) AS s{i}" for i in range(len(present))]
            return f"SELECT {', '.join([*casts, '_line'])} FROM {tag}_arrow"
        assert self.csv_file is not None
        sql_names = [f"c{i}" for i in range(len(self.names))]
        cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in sql_names) + "}"
        nulls = "[" + ", ".join(lit(v) for v in self.null_values) + "]"
        sel = [f"c{self.names.index(c)} AS s{i}" for i, c in enumerate(present)] or ["1 AS _one"]
        return (
            f"SELECT {', '.join(sel)} FROM read_csv({lit(str(self.csv_file))}, columns={cols}, "
            f"header=false, skip={self.first_data - 1}, auto_detect=false, "
            f"delim={lit(self.delimiter)}, quote={lit(self.quote)}, escape={lit(self.quote)}, "
            f"nullstr={nulls}, store_rejects=true, rejects_table={lit(tag + '_rej')}, "
            f"rejects_scan={lit(tag + '_scan')}, strict_mode=true, max_line_size=10000000)"
        )

    def register(self, con: duckdb.DuckDBPyConnection, tag: str) -> None:
        if self.arrow is not None:
            con.register(f"{tag}_arrow", self.arrow)

    def unregister(self, con: duckdb.DuckDBPyConnection, tag: str) -> None:
        if self.arrow is not None:
            con.unregister(f"{tag}_arrow")
        else:
            con.execute(f"DROP TABLE IF EXISTS {tag}_rej")
            con.execute(f"DROP TABLE IF EXISTS {tag}_scan")


# --------------------------------------------------------------------------- CSV / TSV


def open_csv(p: Path, m: Mapping, fmt: str, needed: list[str]) -> Source:
    fo = m.file
    delim = fo.delimiter or ("," if fmt == "csv" else "\t")
    src = Source(p, fmt, [], needed, delimiter=delim, quote=fo.quote,
                 null_values=tuple(fo.null_values), first_data=fo.header_row + fo.skip_rows + 1)
    src.csv_file = p
    if fo.encoding not in ("utf-8", "utf-8-sig"):
        src._tmp = tempfile.TemporaryDirectory(prefix="callcenter-")
        try:
            src.csv_file = _transcode(p, fo.encoding, Path(src._tmp.name) / "utf8.csv")
        except BaseException:
            src.close()
            raise
        src.notes.append(f"transcoded from {fo.encoding} to UTF-8")
    try:
        src.names = _header(src.csv_file, p, fo.header_row, fo.column_names, delim, fo.quote)
    except BaseException:
        src.close()
        raise
    return src


def _header(src: Path, orig: Path, header_row: int, column_names: list[str] | None,
            delim: str, quote: str) -> list[str]:
    """Column names: from ``column_names`` or parsed from the header line."""
    if header_row == 0:
        assert column_names is not None
        return unique(column_names)
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
    return unique([n or f"column{i + 1}" for i, n in enumerate(names)])


def unique(names: list[str]) -> list[str]:
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


class FileScan(threading.Thread):
    """Counts line ends of the file DuckDB reads (and hashes the export) beside DuckDB."""

    def __init__(self, src: Source, *, digest: bool) -> None:
        super().__init__(name="callcenter-file-scan", daemon=True)
        self.src, self.digest = src, digest
        self.nl = self.cr = self.crlf = 0
        self.last = b""
        self.data_lines = 0
        self.sha256: str | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._scan()
        except BaseException as e:  # re-raised by result()
            self.error = e

    def _scan(self) -> None:
        assert self.src.csv_file is not None
        same = self.src.csv_file == self.src.path
        h = hashlib.sha256() if self.digest else None
        buf = bytearray(1 << 24)
        view = memoryview(buf)
        head = b""
        prev = b"\n"
        with open(self.src.csv_file, "rb") as f:
            for _ in range(self.src.first_data - 1):
                line = f.readline()
                head += line
            if h is not None and same:
                h.update(head)
            while n := f.readinto(buf):
                seg = view[:n] if n < len(buf) else view
                if h is not None and same:
                    h.update(seg)
                b = bytes(seg)
                self.nl += b.count(b"\n")
                self.crlf += prev == b"\r" and b[:1] == b"\n"
                if b.find(b"\r") >= 0:
                    self.cr += b.count(b"\r")
                    self.crlf += b.count(b"\r\n")
                prev = b[-1:]
        self.last = prev
        self.data_lines = self.nl + (0 if prev == b"\n" else 1)
        if h is not None and not same:
            with open(self.src.path, "rb") as f:
                while n := f.readinto(buf):
                    h.update(view[:n])
        if h is not None:
            self.sha256 = h.hexdigest()

    def result(self) -> FileScan:
        self.join()
        if self.error is not None:
            raise self.error
        return self


def csv_rejects(con: duckdb.DuckDBPyConnection, src: Source, tag: str, table: str,
                encoding: str) -> tuple[list[Reject], list[int]]:
    """Malformed records from DuckDB's rejects table: (rejects, their lines, ascending).

    Undecodable text raises InputError naming the line and suggesting an encoding."""
    assert src.csv_file is not None
    errs = con.execute(
        "SELECT line_byte_position, min(line), string_agg(DISTINCT error_type, ', '), "
        f"min(csv_line), min(error_message) FROM {tag}_rej "
        "GROUP BY line_byte_position ORDER BY line_byte_position"
    ).fetchall()
    rejects: list[Reject] = []
    lines = _lines_at(src.csv_file, [int(e[0]) for e in errs])
    for line, (_pos, _dline, kinds, csv_line, message) in zip(lines, errs, strict=True):
        if "INVALID ENCODING" in kinds or "INVALID UNICODE" in kinds:
            _raise_encoding(src.path, src.csv_file, line, encoding)
        rejects.append(Reject(table, str(src.path), line, None,
                              f"malformed record ({kinds.lower()}: {message}); the header has "
                              f"{len(src.names)} fields — fix the quoting/delimiter of this line "
                              "or check file.delimiter", csv_line))
    return rejects, lines


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


@dataclass
class LineMap:
    """How record ``rid`` (0-based, accepted records in file order) maps to its line:
    ``first + rid + (number of thresholds <= rid)``, or an explicit array."""

    first: int
    thresholds: list[int] = field(default_factory=list)
    array: np.ndarray | None = None
    approximate: bool = False


def record_lines(src: Source, scan: FileScan, n_ok: int, rej_lines: list[int]) -> LineMap:
    """Physical 1-based start line of each accepted record.

    Fast path: when the data lines are exactly the records (as many LF-ended lines as
    records and no bare CR that a parser may take as a line end), records are the lines
    minus the malformed ones. Otherwise a line-tracking scan with the ``csv`` module finds
    where each record starts; if even that disagrees with the parser, numbers are
    approximate (and a note says so).
    """
    first = src.first_data
    if scan.data_lines == n_ok + len(rej_lines) and scan.cr == scan.crlf:
        if len(rej_lines) <= _MAX_STEP_REJECTS:
            return LineMap(first, [r - first - j for j, r in enumerate(rej_lines)])
        keep = np.ones(scan.data_lines, dtype=bool)
        keep[np.asarray(rej_lines, dtype=np.int64) - first] = False
        return LineMap(first, array=np.arange(first, first + scan.data_lines)[keep])
    ok = _scan_record_starts(src, rej_lines)
    if ok is None or len(ok) != n_ok:
        return LineMap(first, approximate=True)
    return LineMap(first, array=np.asarray(ok, dtype=np.int64))


def _scan_record_starts(src: Source, rej_lines: list[int]) -> list[int] | None:
    assert src.csv_file is not None
    first = src.first_data
    starts: list[int] = []
    try:
        with open(src.csv_file, encoding="utf-8-sig", newline="\n") as f:
            for _ in range(first - 1):
                f.readline()
            reader = csv.reader(f, delimiter=src.delimiter, quotechar=src.quote, strict=False)
            before = 0
            for rec in reader:
                if rec:
                    starts.append(first + before)
                before = reader.line_num
    except (csv.Error, UnicodeDecodeError):
        return None
    rejected = set(rej_lines)
    if not rejected <= set(starts):
        return None
    return [s for s in starts if s not in rejected]


# --------------------------------------------------------------------------- Parquet / XLSX


def _as_source(p: Path, fmt: str, tbl: pa.Table, lines: np.ndarray, names: list[str],
               needed: list[str], notes: list[str]) -> Source:
    src = Source(p, fmt, names, needed, notes)
    cols = {f"s{i}": tbl.column(c) for i, c in enumerate(src.present)}
    cols["_line"] = pa.array(lines, pa.int64())
    src.arrow = pa.table(cols)
    return src


def open_parquet(p: Path, m: Mapping, needed: list[str]) -> Source:
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
    return _as_source(p, "parquet", tbl, lines, names, needed,
                      [*notes, "Parquet: source_line is the 1-based row number"])


def open_xlsx(p: Path, m: Mapping, needed: list[str]) -> Source:
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
        names: list[str] | None = unique(fo.column_names or []) if fo.header_row == 0 else None
        first_data = fo.header_row + fo.skip_rows + 1
        values: list[list[str | None]] = []
        lines: list[int] = []
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if r == fo.header_row:
                names = unique([_cell(v) or f"column{i + 1}" for i, v in enumerate(row)])
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
    return _as_source(p, "xlsx", pa.table(cols), np.asarray(lines, dtype=np.int64), names, needed,
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
