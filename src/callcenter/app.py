"""The CallCenter facade: the use cases the CLI and the web front end call.

Front ends hold no SQL and no formulas; they parse input, call one method here and render
what it returns.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
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
    from callcenter.metrics.rollup_store import RollupStore
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
        rollups: bool = True,
    ) -> None:
        self.settings = settings if settings is not None else load_settings(config)
        self._db = db
        self._read_only = read_only
        self._rollups = rollups and not read_only
        self._rollups_for: tuple[Any, RollupStore | None] | None = None  # (data version, store)
        self._batch: _Batch | None = None  # inside deferred_rollups()

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
                # rows never come through Python: the warehouse reports their days
                day_column = _DAY_COLUMNS.get(plan.table) if self._rollups else None
                return self._load_then_refresh(
                    lambda: self.warehouse.load(plan, day_column=day_column), {plan.table}
                )
        if on_phase:
            on_phase(f"reading {p.name}")
        result = ingest.read(
            p, self.settings, format=format, mapping=Path(mapping) if mapping else None
        )
        if on_phase:
            on_phase(f"storing {result.rows_read:,} records from {p.name}")
        return self._load_then_refresh(
            lambda: self.warehouse.load(result, sha256=file_digest(p)), result.tables
        )

    def store_tables(self, source: str, tables: dict[str, pa.Table], fmt: str) -> LoadReport:
        """Store canonical tables made in code (simulation, rosters) as one atomic load."""
        result = ingest.ReadResult(
            source_file=source, format=fmt, rows_read=sum(t.num_rows for t in tables.values())
        )
        result.tables = {k: v for k, v in tables.items() if v.num_rows}
        return self._load_then_refresh(lambda: self.warehouse.load(result), result.tables)

    # -- stored roll-ups (metrics.rollup_store) -----------------------------------------
    def _store(self) -> RollupStore:
        from callcenter.metrics.rollup_store import RollupStore

        return RollupStore(self.warehouse.con, self.tables(), self.settings)

    def _rollups_fresh(self) -> bool:
        return self._rollups and self._store().is_fresh(self.data_version())

    def _load_then_refresh(
        self, load: Callable[[], LoadReport], tables: _Touched
    ) -> LoadReport:
        """Run one warehouse load, then keep the roll-ups current (see ``_after_load``)."""
        # inside deferred_rollups() the block's own freshness counts: no need to ask
        fresh = self._batch is None and self._rollups_fresh()
        report = load()
        self._after_load(report, tables, fresh)
        return report

    def rollups(self) -> RollupStore | None:
        """The stored daily roll-ups when they were refreshed for the current data version
        and these settings; None otherwise (compute directly: never a stale number).

        Looked up once per data version (a load changes the version; a refresh through this
        facade forgets the answer)."""
        version = self.data_version()
        cached = self._rollups_for
        if cached is not None and cached[0] == version:
            return cached[1]
        store = self._store()
        fresh = store if store.is_fresh(version) else None
        self._rollups_for = (version, fresh)
        return fresh

    def refresh_rollups(self, days: tuple[date, date] | None = None) -> None:
        """Recompute the stored roll-ups: the given local days (inclusive), or all."""
        self._rollups_for = None
        with self.warehouse.load_memory():  # bounded like a load
            self._store().refresh(self.data_version(), days, full=days is None)

    def _after_load(self, report: LoadReport, tables: _Touched, fresh: bool) -> None:
        """Keep the roll-ups current: the days the load touched when they were fresh before
        it and it only added rows, else everything. A failed refresh leaves them stale (not
        used), never fails the load, which is already committed. Inside
        :meth:`deferred_rollups` the need is only remembered."""
        if not self._rollups:
            return
        if self._batch is not None:
            self._batch.add(self._refresh_plan(report, tables, self._batch.fresh))
            return
        plan = self._refresh_plan(report, tables, fresh)
        self._refresh_or_warn(lambda: self._apply(plan))

    @contextmanager
    def deferred_rollups(self) -> Iterator[None]:
        """Loads made inside the block refresh the stored roll-ups once, when it ends (several
        files in one command: one refresh, over the union of what each load needed)."""
        if not self._rollups or self._batch is not None:
            yield
            return
        self._batch = _Batch(self._rollups_fresh())
        try:
            yield
        finally:
            plan, self._batch = self._batch.plan, None
            self._refresh_or_warn(lambda: self._apply(plan))

    def _refresh_or_warn(self, refresh: Callable[[], None]) -> None:
        try:
            refresh()
        except Exception as e:  # the load is committed; the store stays stale
            warnings.warn(f"the stored roll-ups were not refreshed ({e}); pages compute directly "
                          "until CallCenter.refresh_rollups()", RuntimeWarning, stacklevel=4)
        self._rollups_for = None

    def _refresh_plan(self, report: LoadReport, tables: _Touched, fresh: bool) -> _Plan:
        """What one load asks of the roll-ups: nothing (None), only to record the new data
        version ("mark"), a whole rebuild ("all") or the refresh of (first, last) local days.

        ``tables``: the canonical tables the load stored (Arrow, the days are read from them),
        or only their names for a plan converted inside DuckDB (the days come from the
        report's ``day_range``)."""
        from callcenter.metrics.rollup_store import CUBES, REBUILD_TABLES

        if report.updated == 0 and report.inserted == 0:
            return "mark" if fresh else None
        if not fresh or report.updated or set(tables) & REBUILD_TABLES:
            return "all"
        cubed = {c.table for c in CUBES}
        if isinstance(tables, dict):
            days = _local_days({k: v for k, v in tables.items() if k in cubed})
        elif set(tables) & cubed:
            days = report.day_range
            if days is None:  # no day column to take them from: be safe
                return "all"
        else:
            days = None
        return "mark" if days is None else days

    def _apply(self, plan: _Plan) -> None:
        if plan == "mark":
            self._store().mark(self.data_version())
            self._rollups_for = None
        elif plan == "all":
            self.refresh_rollups()
        elif isinstance(plan, tuple):
            self.refresh_rollups(plan)

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


_DAY_COLUMNS = {"calls": "offered_local", "agent_states": "start_local", "schedule": "start_at",
                "timeclock": "date", "qa_scores": "evaluated_at", "surveys": "answered_at"}


def _local_days(tables: dict[str, pa.Table]) -> tuple[date, date] | None:
    """First and last date of the rows (UTC instants by their UTC date: the roll-up refresh
    widens the range by a day or more on both sides)."""
    lo: date | None = None
    hi: date | None = None
    for name, t in tables.items():
        col = _DAY_COLUMNS.get(name)
        if col is None or col not in t.column_names or t.num_rows == 0:
            continue
        mm = pc.min_max(t[col]).as_py()
        for v in (mm["min"], mm["max"]):
            if v is None:
                continue
            d = v.date() if isinstance(v, datetime) else v
            lo = d if lo is None or d < lo else lo
            hi = d if hi is None or d > hi else hi
    return (lo, hi) if lo is not None and hi is not None else None


_Plan = str | tuple[date, date] | None  # see CallCenter._refresh_plan
_Touched = dict[str, pa.Table] | AbstractSet[str]  # see CallCenter._refresh_plan


@dataclass
class _Batch:
    """The roll-up refresh the loads of a deferred_rollups() block need, merged."""

    fresh: bool  # the store was fresh when the block began
    plan: _Plan = None

    def add(self, need: _Plan) -> None:
        have = self.plan
        if need is None or have == "all":
            return
        if have is None or have == "mark" or need == "all":
            self.plan = need
        elif isinstance(have, tuple) and isinstance(need, tuple):
            self.plan = (min(have[0], need[0]), max(have[1], need[1]))


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
    for the roster-level tables), so memory does not grow with the number of days; the stored
    roll-ups are refreshed once, after the last load. The result is identical to a one-shot :func:`callcenter.simulate.run`."""
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
    # the stored roll-ups are refreshed once at the end, not after each day's load
    cc = CallCenter(db, settings=Settings(timezone=config.timezone), rollups=False) if load else None
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
            cc._refresh_or_warn(cc.refresh_rollups)
            run_.warehouse = str(cc.warehouse.path)
    finally:
        for w in writers.values():
            w.close()
        if cc is not None:
            cc.close()
    run_.summary = summary.result()
    run_.tables_written = len(writers)
    return run_
