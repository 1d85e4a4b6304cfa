"""Rendering helpers shared by the commands: rich tables, CSV, JSON, XLSX."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from callcenter.errors import InputError

console = Console()
err_console = Console(stderr=True)

OUTPUT_FORMATS = ("table", "csv", "json", "xlsx")


def _jsonable(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def emit(
    table: pa.Table,
    fmt: str = "table",
    *,
    title: str | None = None,
    output: Path | None = None,
    footer: dict[str, str] | None = None,
) -> None:
    """Write an Arrow table as a rich table, CSV, JSON or XLSX (to ``output`` or stdout)."""
    if fmt not in OUTPUT_FORMATS:
        raise InputError(f"unknown output format {fmt!r}", hint="use table, csv, json or xlsx")
    rows = table.to_pylist()
    if fmt == "table":
        t = Table(title=title, show_lines=False)
        for name in table.column_names:
            t.add_column(name, overflow="fold")
        for r in rows:
            t.add_row(*("" if v is None else _fmt(v) for v in r.values()))
        if output:
            with open(output, "w", encoding="utf-8") as f:
                Console(file=f, width=200).print(t)
        else:
            console.print(t)
        if footer:
            for k, v in footer.items():
                console.print(f"[dim]{k}: {v}[/dim]")
        return
    if fmt == "xlsx":
        if output is None:
            raise InputError("XLSX output needs --output FILE.xlsx")
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = (title or "data")[:31]
        ws.append(table.column_names)
        for r in rows:
            ws.append([_xlsx(v) for v in r.values()])
        if footer:
            meta = wb.create_sheet("definitions")
            for k, v in footer.items():
                meta.append([k, v])
        wb.save(output)
        return
    if fmt == "json":
        text = json.dumps(
            {
                "rows": [{k: _jsonable(v) for k, v in r.items()} for r in rows],
                **({"definitions": footer} if footer else {}),
            },
            ensure_ascii=False,
            indent=2,
        )
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(table.column_names)
        for r in rows:
            w.writerow(["" if v is None else v for v in r.values()])
        text = buf.getvalue()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 1e15 else str(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _xlsx(v: Any) -> Any:
    if hasattr(v, "tzinfo") and getattr(v, "tzinfo", None) is not None:
        return v.replace(tzinfo=None)
    return v
