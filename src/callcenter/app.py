"""The CallCenter facade: the use cases the CLI and the web front end call.

Front ends hold no SQL and no formulas; they parse input, call one method here and render
what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from callcenter import ingest
from callcenter.errors import ConfigError
from callcenter.ingest.base import file_digest
from callcenter.ingest.tabular import plan_tabular
from callcenter.settings import Settings, load_settings
from callcenter.warehouse import LoadReport, Warehouse

if TYPE_CHECKING:
    from callcenter.simulate.config import SimConfig

TABULAR_FORMATS = ("csv", "tsv", "xlsx", "parquet")


class CallCenter:
    """One centre's data and settings."""

    def __init__(
        self,
        db: str | Path | None = None,
        *,
        settings: Settings | None = None,
        config: str | Path | None = None,
        read_only: bool = False,
    ) -> None:
        self.settings = settings if settings is not None else load_settings(config)
        self._db = db
        self._read_only = read_only

    @cached_property
    def warehouse(self) -> Warehouse:
        return Warehouse(self._db, read_only=self._read_only)

    def close(self) -> None:
        if "warehouse" in self.__dict__:
            self.warehouse.close()

    def __enter__(self) -> CallCenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data ---------------------------------------------------------------------------
    def load(
        self,
        path: str | Path,
        *,
        format: str = "auto",
        mapping: str | Path | None = None,
        on_phase: Callable[[str], None] | None = None,
    ) -> LoadReport:
        """Read one export with the reader for its format and store it atomically.

        A CSV/TSV/XLSX/Parquet export with a mapping is converted inside the warehouse's
        DuckDB (the reader's compiled plan runs in the load transaction); other formats are
        read to Arrow first."""
        p = Path(path)
        fmt = ingest.detect_format(p) if format == "auto" else format
        if mapping is not None and fmt in TABULAR_FORMATS:
            if on_phase:
                on_phase(f"loading {p.name}")
            with plan_tabular(
                p, self.settings, Path(mapping), format=None if format == "auto" else fmt
            ) as plan:
                return self.warehouse.load(plan)
        if on_phase:
            on_phase(f"reading {p.name}")
        result = ingest.read(
            p, self.settings, format=format, mapping=Path(mapping) if mapping else None
        )
        if on_phase:
            on_phase(f"storing {result.rows_read:,} records from {p.name}")
        return self.warehouse.load(result, sha256=file_digest(p))

    def store_tables(self, source: str, tables: dict[str, pa.Table], fmt: str) -> LoadReport:
        """Store canonical tables made in code (simulation, rosters) as one atomic load."""
        result = ingest.ReadResult(
            source_file=source, format=fmt, rows_read=sum(t.num_rows for t in tables.values())
        )
        result.tables = {k: v for k, v in tables.items() if v.num_rows}
        return self.warehouse.load(result)

    def interval_history(
        self, start: datetime | None, end: datetime | None, *, minutes: int = 30
    ) -> pa.Table:
        """Per-interval workload from loaded calls: ``interval_start`` (local), ``calls`` (legs
        that reached the ACD queue, offered in the interval) and ``aht_s`` (talk + ACW of the
        answered ones; the period's mean where an interval had no answered call).

        The input of a staffing plan "from history": what the centre actually received.
        """
        from callcenter import schema
        from callcenter.errors import DataNotAvailable
        from callcenter.forecast.series import handle_time_series, offered_series

        if self.warehouse.count("calls") == 0:
            raise DataNotAvailable("no calls are loaded", needs=["calls"])
        reached = sorted(
            {o.value for o in schema.ANSWERED_OUTCOMES | schema.QUEUE_LOSS_OUTCOMES}
            | {schema.Outcome.OVERFLOWED.value}
        )
        where = ["outcome IN (" + ", ".join("?" * len(reached)) + ")"]
        params: list[Any] = list(reached)
        if start is not None:
            where.append("offered_local >= ?")
            params.append(start)
        if end is not None:
            where.append("offered_local < ?")
            params.append(end)
        calls = self.warehouse.sql(
            "SELECT offered_local, direction, leg, talk_seconds, acw_seconds FROM calls WHERE "
            + " AND ".join(where),
            params,
        )
        if calls.num_rows == 0:
            raise DataNotAvailable(
                "no calls reached the queue in that period", needs=["calls in --from/--to"]
            )
        vol = offered_series(calls, minutes=minutes, count="legs")
        aht = handle_time_series(calls, minutes=minutes)
        mean_aht = pc.mean(aht["value"]).as_py() if aht.num_rows else None
        if mean_aht is None:
            raise DataNotAvailable("no answered call has a talk time", needs=["calls.talk_seconds"])
        by_start = dict(
            zip(aht["interval_start"].to_pylist(), aht["value"].to_pylist(), strict=True)
        )
        starts = vol["interval_start"].to_pylist()
        return pa.table(
            {
                "interval_start": pa.array(starts, pa.timestamp("us")),
                "calls": vol["value"],
                "aht_s": pa.array([by_start.get(t, mean_aht) for t in starts], pa.float64()),
            }
        )

    def info(self) -> dict[str, Any]:
        return self.warehouse.info()

    def data_version(self) -> tuple[int, str]:
        """A cheap token that changes with every load: (number of loads, latest load time).

        Read from the ``loads`` log, which every load writes in its transaction, so it sees
        loads made through another facade or process on the same warehouse file.
        """
        n, last = self.warehouse.con.execute(
            "SELECT count(*), max(loaded_at) FROM loads"
        ).fetchall()[0]
        return int(n), str(last)

    def quarantine(
        self, *, limit: int = 100, source: str | None = None, load_id: str | None = None
    ) -> pa.Table:
        """Rejected rows (optionally of files whose name contains ``source``, or one load)."""
        where, params = [], []
        if source:
            where.append("source_file LIKE ?")
            params.append(f"%{source}%")
        if load_id:
            where.append("load_id = ?")
            params.append(load_id)
        sql = (
            "SELECT target_table, source_file, source_line, field, reason, raw FROM quarantine"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY source_file, source_line LIMIT "
            + str(int(limit))
        )
        return self.warehouse.sql(sql, params or None)

    # -- analysis -----------------------------------------------------------------------
    def tables(self) -> dict[str, Any]:
        """The canonical tables holding rows, as Ibis tables (what ``metrics.compute`` takes)."""
        return self.warehouse.ibis_tables()


# -- simulation ------------------------------------------------------------------------
@dataclass
class SimulationRun:
    """What :func:`simulate` did: the run's summary, where its tables went, the load counts."""

    name: str
    days: int
    seed: int
    engine: str
    output: Path
    summary: dict[str, float]
    tables_written: int
    warehouse: str | None = None
    loads: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: {"inserted": 0, "updated": 0, "unchanged": 0, "quarantined": 0}
    )


def simulate(
    config: SimConfig,
    days: int,
    seed: int,
    *,
    engine: str = "auto",
    output: Path,
    db: str | Path | None = None,
    load: bool = True,
    on_day: Callable[[int], None] | None = None,
) -> SimulationRun:
    """Simulate ``days`` local days, writing ``<output>/<table>.parquet`` and, with ``load``,
    loading each completed day into the warehouse as its own atomic load (then one last load
    for the roster-level tables), so memory does not grow with the number of days. The
    result is identical to a one-shot :func:`callcenter.simulate.run`."""
    import pyarrow.parquet as pq

    from callcenter.simulate import iter_run
    from callcenter.simulate.run import PER_WINDOW_TABLES, choose_engine
    from callcenter.simulate.summary import RunningSummary

    try:
        eng = choose_engine(config, engine)  # type: ignore[arg-type]
    except ValueError as e:
        raise ConfigError(str(e), hint="use --engine auto or events") from e
    output.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    summary = RunningSummary()
    cc = CallCenter(db, settings=Settings(timezone=config.timezone)) if load else None
    run_ = SimulationRun(config.name, days, seed, eng, output, {}, 0)
    batch: dict[str, list[pa.Table]] = {}

    def store(tag: str) -> None:
        if cc is not None and batch:
            tables = {k: pa.concat_tables(v) for k, v in batch.items()}
            rep = cc.store_tables(
                f"simulated:{config.name}:seed={seed}:days={days}:{tag}", tables, "simulation"
            )
            run_.loads += 1
            for k in run_.counts:
                run_.counts[k] += getattr(rep, k)
        batch.clear()

    try:
        day = 0
        for name, t in iter_run(config, days, seed, engine=engine):  # type: ignore[arg-type]
            per_day = name in PER_WINDOW_TABLES
            if (name == "calls" and batch) or (not per_day and day and "calls" in batch):
                store(f"day={day}")  # the previous day is complete: load it
            if name == "calls":
                day += 1
                if on_day:
                    on_day(day)
            summary.add(name, t)
            w = writers.get(name)
            if w is None:
                w = writers[name] = pq.ParquetWriter(output / f"{name}.parquet", t.schema)
            w.write_table(t)
            batch.setdefault(name, []).append(t)
        store("roster")
        if cc is not None:
            run_.warehouse = str(cc.warehouse.path)
    finally:
        for w in writers.values():
            w.close()
        if cc is not None:
            cc.close()
    run_.summary = summary.result()
    run_.tables_written = len(writers)
    return run_
