"""Put canonical Arrow tables on an Ibis backend (DuckDB, SQLite, Polars).

The indicator engine takes a dict of Ibis tables from any one backend; this module
gives it one from Arrow tables (tests, benchmarks, the CLI on a file of tables). The
warehouse gives it one from the embedded DuckDB store.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

BACKENDS = ("duckdb", "sqlite", "polars")


def connect(backend: str = "duckdb", path: str | Path | None = None) -> Any:
    if backend == "duckdb":
        return ibis.duckdb.connect(str(path) if path else ":memory:")
    if backend == "sqlite":
        return ibis.sqlite.connect(str(path) if path else None)
    if backend == "polars":
        return ibis.polars.connect()
    raise ValueError(f"unknown backend {backend!r}: use one of {BACKENDS}")


def load(con: Any, tables: Mapping[str, pa.Table]) -> dict[str, Any]:
    """Create each Arrow table on ``con`` and return the Ibis tables by name."""
    out: dict[str, Any] = {}
    for name, data in tables.items():
        if con.name == "sqlite":
            _load_sqlite(con, name, data)
        else:
            con.create_table(name, data, overwrite=True)
        out[name] = con.table(name)
    return out


def _load_sqlite(con: Any, name: str, data: pa.Table) -> None:
    # Ibis' SQLite loader goes through pandas and cannot bind NaT: insert Python values.
    con.create_table(name, schema=ibis.Schema.from_pyarrow(data.schema), overwrite=True)
    cols = data.column_names
    placeholders = ",".join("?" * len(cols))
    rows = [tuple(r[c] for c in cols) for r in data.to_pylist()]
    with con.begin() as cur:
        cur.executemany(f'INSERT INTO "{name}" ({",".join(cols)}) VALUES ({placeholders})', rows)


def tables_on(backend: str, tables: Mapping[str, pa.Table]) -> dict[str, Any]:
    """Shortcut: a fresh in-memory connection of ``backend`` holding ``tables``."""
    return load(connect(backend), tables)
