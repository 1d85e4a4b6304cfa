"""What every reader returns, and the helpers readers share.

A reader turns one source file into canonical Arrow tables (see ``callcenter.schema``)
and never touches a database. It accounts for every raw record it read:

    rows_read == rows_accepted + len(rejects)

where each :class:`Reject` is one raw record (line or row) that could not be used, with
the file, the 1-based line, the offending field and a reason that says what to do.
Records that had a wart the reader could repair (a space instead of a TAB, a code with a
leading space) are accepted and counted in ``warts``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from callcenter import schema
from callcenter.errors import InputError
from callcenter.settings import Settings


@dataclass(frozen=True)
class Reject:
    """One raw record that could not be used."""

    table: str  # canonical table it was meant for
    source_file: str
    line: int | None  # 1-based line / row number in the source
    field: str | None  # offending field, None when the whole record is bad
    reason: str  # what is wrong and what to do
    raw: str | None  # the raw record as read

    def where(self) -> str:
        loc = f"{self.source_file}:{self.line}" if self.line is not None else self.source_file
        return f"{loc} [{self.field}]" if self.field else loc


@dataclass
class ReadResult:
    """Canonical tables read from one source, with full accounting."""

    source_file: str
    format: str
    rows_read: int = 0
    tables: dict[str, pa.Table] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    warts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_accepted(self) -> int:
        return self.rows_read - self.rows_rejected

    def check_accounting(self) -> None:
        """Raise if some record is neither accepted nor rejected (a reader bug)."""
        if self.rows_accepted < 0:
            raise AssertionError(
                f"{self.source_file}: {self.rows_rejected} rejects for {self.rows_read} rows read"
            )
        for name, table in self.tables.items():
            expected = schema.TABLES[name].schema
            if not table.schema.equals(expected):
                raise AssertionError(f"{name} does not have the canonical schema")


class Reader(Protocol):
    """A reader: one source file -> :class:`ReadResult`."""

    def __call__(self, path: Path, settings: Settings) -> ReadResult: ...


def require_file(path: Path) -> Path:
    """The path, or a clear InputError when it is missing, a folder or empty."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"file not found: {p}", hint="check the path")
    if p.is_dir():
        raise InputError(f"{p} is a folder, not a file", hint="name one export file")
    if p.stat().st_size == 0:
        raise InputError(f"{p} is empty", hint="export the data again")
    return p


def decode(raw: bytes, encoding: str, source: str) -> str:
    """Decode a whole file; a wrong encoding is an InputError saying where and what to do."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        guess = ""
        if encoding.replace("-", "").lower() in ("utf8", "utf8sig"):
            try:
                raw.decode("gb18030")
                guess = "; the file decodes as GB18030/GBK — pass --encoding gbk"
            except UnicodeDecodeError:
                pass
        raise InputError(
            f"bytes are not valid {encoding} ({e.reason}, byte 0x{raw[e.start]:02x})",
            where=f"{source}:{line}",
            hint=f"set the file's encoding{guess}",
        ) from None


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (identifies a load for idempotency and provenance)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
