"""Readers: one module per source format -> canonical Arrow tables. Never touches a database.

:func:`read` picks the reader for a file (``format="auto"`` sniffs the first bytes) and
returns its :class:`~callcenter.ingest.base.ReadResult`.
"""

from __future__ import annotations

import re
from pathlib import Path

from callcenter.errors import FormatError, InputError
from callcenter.ingest.base import ReadResult, Reject, require_file
from callcenter.settings import Settings

FORMATS = ("auto", "csv", "tsv", "xlsx", "parquet", "queue_log", "anonymous_bank")

_QUEUE_LOG_LINE = re.compile(rb"^\d{9,11}(\.\d+)?\|[^|\n]*\|[^|\n]*\|[^|\n]*\|[A-Z_]+")

__all__ = ["FORMATS", "ReadResult", "Reject", "detect_format", "read"]


def detect_format(path: Path) -> str:
    """Guess a file's format from its name and first bytes."""
    p = require_file(Path(path))
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    with open(p, "rb") as f:
        head = f.read(64 * 1024)
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().lower()
    if first.startswith(b"vru+line"):
        return "anonymous_bank"
    lines = [ln for ln in head.split(b"\n")[:20] if ln.strip()]
    if lines and sum(bool(_QUEUE_LOG_LINE.match(ln)) for ln in lines) >= max(1, len(lines) // 2):
        return "queue_log"
    cols = {c.strip(b' "').decode("ascii", "replace") for c in re.split(rb"[,;\t]", first)}
    if {"callid", "queuename", "event"} <= cols:
        return "queue_log"
    if suffix in (".tsv", ".tab"):
        return "tsv"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise FormatError(
        f"cannot tell the format of {p.name}",
        where=str(p),
        hint="pass --format csv|tsv|xlsx|parquet|queue_log|anonymous_bank",
    )


def read(
    path: Path,
    settings: Settings,
    *,
    format: str = "auto",
    mapping: Path | None = None,
) -> ReadResult:
    """Read one source file into canonical tables with the reader for its format."""
    p = require_file(Path(path))
    fmt = detect_format(p) if format == "auto" else format
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}", hint=f"use one of {', '.join(FORMATS)}")
    if fmt == "queue_log":
        from callcenter.ingest.queue_log import read_queue_log

        result = read_queue_log(p, settings)
    elif fmt == "anonymous_bank":
        from callcenter.ingest.anonymous_bank import read_anonymous_bank

        result = read_anonymous_bank(p, settings)
    else:
        if mapping is None:
            raise InputError(
                f"{p.name} is a {fmt} export: the reader needs a column mapping",
                where=str(p),
                hint="pass --mapping FILE (see examples/mappings/ and docs/ingest-mapping.md)",
            )
        from callcenter.ingest.tabular import read_tabular

        result = read_tabular(p, settings, mapping, format=None if format == "auto" else fmt)
    result.check_accounting()
    return result
