"""Stored roll-ups (metrics.rollup_store): every indicator summed from the cubes equals the
engine's direct computation, for several grains, dimensions and filters; refreshed for the
days a load touched (equal to a rebuild); never used when stale."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from callcenter.app import CallCenter
from callcenter.metrics.engine import column_availability
from callcenter.metrics.registry import INDICATORS
from callcenter.metrics.rollup_store import CALLERS, CONTACT_CELLS, CUBES
from callcenter.metrics.scope import scoped_kpi
from callcenter.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DAYS = 10
ALL = [i.id for i in INDICATORS]


def _sim(days: int, first: int, seed: int) -> dict[str, Any]:
    from callcenter.simulate import load_config, run

    cfg = load_config(ROOT / "examples" / "simulate" / "small_centre.yaml")
    cfg = cfg.model_copy(update={"start": cfg.start + timedelta(days=first)})
    return run(cfg, days, seed)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> CallCenter:
    """Ten simulated days loaded in two loads: the second refreshes only its days."""
    db = tmp_path_factory.mktemp("rollup") / "r.duckdb"
    cc = CallCenter(db)
    cc.store_tables("sim:part1", _sim(6, 0, 3), "simulation")
    assert cc.rollups() is not None
    cc.store_tables("sim:part2", _sim(4, 6, 4), "simulation")
    return cc


def _close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def _range(cc: CallCenter) -> tuple[datetime, datetime]:
    r = cc.warehouse.con.execute("SELECT min(offered_local), max(offered_local) FROM calls").fetchall()[0]
    lo, hi = r[0].date(), r[1].date()
    return datetime(lo.year, lo.month, lo.day), datetime(hi.year, hi.month, hi.day) + timedelta(days=1)


CASES = [
    ("day", (), {}),
    ("week", (), {}),
    ("month", (), {}),
    ("total", (), {}),
    ("day", ("queue",), {}),
    ("total", ("call_type",), {}),
    ("total", ("agent",), {}),
    ("week", ("team",), {}),
    ("day", (), {"queue": "sales"}),
    ("total", ("agent",), {"team": "support-team"}),
    ("week", ("queue",), {"team": "support-team"}),
    ("total", ("call_type",), {"queue": "support"}),
    ("month", (), {"agent": "A0003"}),
    ("30m", (), {}),
    ("60m", ("queue",), {"queue": "sales"}),
    ("total", (), {"team": "support-team", "agent": "A0003"}),
    ("week", ("team",), {"team": "support-team"}),
    ("month", ("agent",), {}),
]


@pytest.mark.parametrize(("grain", "by", "filters"), CASES)
def test_every_indicator_from_the_cubes_equals_the_direct_computation(
        centre: CallCenter, grain: str, by: tuple[str, ...], filters: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = centre.rollups()
    assert store is not None
    tabs = centre.tables()
    avail = column_availability(tabs)
    start, end = _range(centre)
    start += timedelta(days=1)  # a range inside the data: margins matter
    served: list[str] = []
    agg = store.aggregator(filters)

    def spy(src: str, names: list[str], q: Any) -> Any:
        out = agg(src, names, q)
        if out[0] is not None:
            served.append(src)
        return out

    monkeypatch.setattr(store, "aggregator", lambda f: spy)
    kw: dict[str, Any] = dict(grain=grain, by=by, start=start, end=end, filters=filters, available=avail)
    got = scoped_kpi(tabs, centre.settings, store=store, **kw)
    direct = scoped_kpi(tabs, centre.settings, store=None, **kw)
    assert served, "the cubes answered nothing: the comparison would have no teeth"
    assert got.indicators == direct.indicators
    assert got.unavailable == direct.unavailable
    keys = ["period", *by]
    g = {tuple(r[k] for k in keys): r for r in got.rows()}
    d = {tuple(r[k] for k in keys): r for r in direct.rows()}
    assert set(g) == set(d)
    assert len(g) > 0
    for k, row in d.items():
        for i in direct.indicators:
            assert _close(g[k][i], row[i]), (k, i, g[k][i], row[i])


def test_the_cubes_serve_the_sources_they_hold(centre: CallCenter) -> None:
    store = centre.rollups()
    assert store is not None
    stored = store.cubes()
    # the simulation writes calls, states, schedule and timeclock: their cubes are there
    for name in ("calls_day", "calls_day_q", "calls_15m", "contacts_day", "states_day", "schedule_day"):
        assert name in stored, name


def _snapshot(cc: CallCenter) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored table's rows: the cubes and the two distinct-count helpers."""
    store = cc.rollups()
    assert store is not None
    names = [c.sql_name for c in CUBES if c.name in store.cubes()] + [CONTACT_CELLS, CALLERS]
    out = {}
    for name in names:
        rows = cc.warehouse.con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()
        out[name] = [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]
    assert out[CONTACT_CELLS] and out[CALLERS]  # transfers and repeat callers: not empty
    return out


def test_refreshing_the_loaded_days_equals_a_rebuild(centre: CallCenter) -> None:
    incremental = _snapshot(centre)
    assert incremental
    centre.refresh_rollups()
    assert _snapshot(centre) == incremental
    assert centre.rollups() is not None


def test_a_load_the_store_did_not_see_makes_it_stale(tmp_path: Path) -> None:
    from callcenter import ingest

    db = tmp_path / "s.duckdb"
    with CallCenter(db) as cc:
        cc.store_tables("sim:a", _sim(2, 0, 5), "simulation")
        assert cc.rollups() is not None
        # a load straight into the warehouse (another tool): the roll-ups are not used
        result = ingest.ReadResult(source_file="sim:b", format="simulation", rows_read=0)
        result.tables = {k: v for k, v in _sim(1, 2, 6).items() if v.num_rows}
        result.rows_read = sum(t.num_rows for t in result.tables.values())
        cc.warehouse.load(result)
        assert cc.rollups() is None
        cc.refresh_rollups()
        assert cc.rollups() is not None
    # other settings: the stored figures were computed under other definitions
    with CallCenter(db, settings=Settings(sl_threshold_s=10)) as other:
        assert other.rollups() is None


def test_a_load_after_a_stale_store_rebuilds_it(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with CallCenter(db, rollups=False) as cc:
        cc.store_tables("sim:a", _sim(2, 0, 5), "simulation")
        assert cc.rollups() is None
    with CallCenter(db) as cc:
        cc.store_tables("sim:b", _sim(1, 2, 6), "simulation")
        assert cc.rollups() is not None
        fresh = _snapshot(cc)
        cc.refresh_rollups()
        assert _snapshot(cc) == fresh


def test_a_failed_refresh_keeps_the_load_and_leaves_the_store_unused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from callcenter.metrics.rollup_store import RollupStore

    with CallCenter(tmp_path / "f.duckdb") as cc:
        cc.store_tables("sim:a", _sim(1, 0, 5), "simulation")
        assert cc.rollups() is not None

        def broken(self: RollupStore, *a: Any, **k: Any) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(RollupStore, "refresh", broken)
        with pytest.warns(RuntimeWarning, match="disk full"):
            rep = cc.store_tables("sim:b", _sim(1, 1, 6), "simulation")
        assert rep.inserted > 0 and cc.warehouse.count("calls") > 0
        assert cc.rollups() is None  # stale: the pages compute directly


@pytest.mark.parametrize("flag", [[], ["--no-rollups"]])
def test_cli_load_refreshes_the_rollups_unless_told_not_to(tmp_path: Path, flag: list[str]) -> None:
    """`callcenter load` leaves fresh roll-ups behind; with --no-rollups it only loads (the
    store stays stale, so pages compute directly: never a stale number)."""
    import typer
    from typer.testing import CliRunner

    from callcenter.app import CallCenter
    from callcenter.cli import data

    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """test root"""

    data.register(cli)

    root = Path(__file__).resolve().parents[1] / "examples"
    db = tmp_path / "w.duckdb"
    res = CliRunner().invoke(cli, ["load", str(root / "data" / "generic_calls.csv"), "--mapping",
                                   str(root / "mappings" / "generic_calls.yaml"), "--db", str(db), *flag,
                                   "--json"])
    assert res.exit_code == 0, res.output
    import json

    (report,) = json.loads(res.output)
    # the days of the rows are reported (ISO dates) when the roll-ups are kept
    assert report["day_range"] == (None if flag else ["2024-03-01", "2024-03-01"])
    with CallCenter(db, read_only=True) as cc:
        assert cc.warehouse.count("calls") > 0
        assert (cc.rollups() is None) == bool(flag)


def test_loads_in_a_deferred_block_refresh_once_over_their_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several loads inside deferred_rollups(): one refresh at the end, over the union of
    the days they touched, equal to a rebuild; nothing refreshed inside the block."""
    from callcenter.metrics import rollup_store

    db = tmp_path / "d.duckdb"
    calls: list[Any] = []
    real = rollup_store.RollupStore.refresh

    def spy(self: Any, version: Any, days: Any = None, *, full: bool = False) -> None:
        calls.append((days, full))
        real(self, version, days, full=full)

    with CallCenter(db) as cc:
        cc.store_tables("sim:a", _sim(2, 0, 5), "simulation")
        assert cc.rollups() is not None
        monkeypatch.setattr(rollup_store.RollupStore, "refresh", spy)
        per_day = ("calls", "agent_states", "surveys", "qa_scores")
        with cc.deferred_rollups():
            for tag, first in (("b", 2), ("c", 4)):
                tables = {k: v for k, v in _sim(1, first, 6 + first).items() if k in per_day}
                cc.store_tables(f"sim:{tag}", tables, "simulation")
                assert calls == [] and cc.rollups() is None  # stale inside the block: not used
        assert len(calls) == 1 and calls[0][1] is False
        first_day, last_day = calls[0][0]
        assert (last_day - first_day).days >= 2  # both loads' days, and the day between
        assert cc.rollups() is not None
        once = _snapshot(cc)
        cc.refresh_rollups()
        assert _snapshot(cc) == once


def test_a_csv_load_refreshes_only_its_days(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CSV converted inside DuckDB reports the days of its rows, so the roll-ups are
    refreshed for those days only (not rebuilt whole), equal to a rebuild; reloading the
    same file refreshes nothing."""
    from datetime import date

    from callcenter.metrics import rollup_store

    examples = ROOT / "examples"
    mapping = examples / "mappings" / "generic_calls.yaml"
    text = (examples / "data" / "generic_calls.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    first, later = tmp_path / "first.csv", tmp_path / "later.csv"
    first.write_text(text, encoding="utf-8")
    # the same calls four days later, under other ids
    later.write_text("\n".join([header, *("9" + r.replace("2024-03-01", "2024-03-05") for r in rows)])
                     + "\n", encoding="utf-8")
    calls: list[Any] = []
    real = rollup_store.RollupStore.refresh

    def spy(self: Any, version: Any, days: Any = None, *, full: bool = False) -> None:
        calls.append((days, full))
        real(self, version, days, full=full)

    with CallCenter(tmp_path / "c.duckdb") as cc:
        cc.load(first, mapping=mapping)
        assert cc.rollups() is not None
        monkeypatch.setattr(rollup_store.RollupStore, "refresh", spy)
        rep = cc.load(later, mapping=mapping)
        assert rep.inserted + rep.quarantined == len(rows) and rep.inserted > 0
        assert rep.day_range == (date(2024, 3, 5), date(2024, 3, 5))
        assert len(calls) == 1 and calls[0] == ((date(2024, 3, 5), date(2024, 3, 5)), False)
        assert cc.rollups() is not None
        once = _snapshot_cubes(cc)
        cc.load(later, mapping=mapping)  # nothing new: the store is only re-marked
        assert len(calls) == 1 and cc.rollups() is not None
        cc.refresh_rollups()
        assert _snapshot_cubes(cc) == once


def _snapshot_cubes(cc: CallCenter) -> dict[str, list[tuple[Any, ...]]]:
    store = cc.rollups()
    assert store is not None
    return {c.sql_name: cc.warehouse.con.execute(f"SELECT * FROM {c.sql_name} ORDER BY ALL").fetchall()
            for c in CUBES if c.name in store.cubes()}
