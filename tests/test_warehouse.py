from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from callcenter import schema
from callcenter.ingest.base import ReadResult, Reject
from callcenter.warehouse import Warehouse
from tests.factories import calls_table, result


def _snapshot(path: Path) -> dict[str, list[tuple]]:
    with Warehouse(path) as wh:
        return {
            t: sorted(map(repr, wh.con.execute(f'SELECT * FROM "{t}"').fetchall()))
            for t in [*schema.TABLES, "quarantine", "loads"]
        }


def test_load_then_reload_is_a_noop(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    calls = calls_table(50)
    with Warehouse(db) as wh:
        r1 = wh.load(result(calls))
        assert (r1.inserted, r1.updated, r1.unchanged, r1.quarantined) == (50, 0, 0, 0)
        before = _snapshot_con(wh)
        r2 = wh.load(result(calls))
        assert (r2.inserted, r2.updated, r2.unchanged, r2.quarantined) == (0, 0, 50, 0)
        after = _snapshot_con(wh)
    before.pop("loads")
    after.pop("loads")
    assert before == after


def _snapshot_con(wh: Warehouse) -> dict[str, list[str]]:
    return {
        t: sorted(map(repr, wh.con.execute(f'SELECT * FROM "{t}"').fetchall()))
        for t in [*schema.TABLES, "quarantine", "loads"]
    }


def test_changed_row_updates_and_new_rows_insert(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load(result(calls_table(10)))
        changed = calls_table(5, talk=200.0)  # c0..c4 with a different talk time
        extra = calls_table(3, start=10)
        r = wh.load(result(pa.concat_tables([changed, extra])))
        assert (r.inserted, r.updated, r.unchanged) == (3, 5, 0)
        assert wh.count("calls") == 13
        talk = wh.sql("SELECT talk_seconds FROM calls WHERE call_id = 'c0'").column(0)[0]
        assert talk.as_py() == 200.0


def test_duplicates_and_missing_required_are_quarantined_and_accounted(tmp_path: Path) -> None:
    calls = calls_table(6)
    dup = calls.slice(2, 1).set_column(
        calls.schema.get_field_index("talk_seconds"), "talk_seconds", pa.array([999.0])
    )
    dup = dup.set_column(dup.schema.get_field_index("source_line"), "source_line", pa.array([99]))
    no_outcome = calls_table(1, start=20)
    no_outcome = no_outcome.set_column(
        no_outcome.schema.get_field_index("outcome"), "outcome", pa.nulls(1, pa.string())
    )
    rej = Reject("calls", "test.csv", 7, "offered_at", "cannot parse time 'xx'", "raw")
    res = result(pa.concat_tables([calls, dup, no_outcome]), rejects=[rej])
    with Warehouse(tmp_path / "w.duckdb") as wh:
        rep = wh.load(res)
        assert rep.rows_read == 9
        assert rep.inserted == 6
        assert rep.quarantined == 3
        assert rep.inserted + rep.updated + rep.unchanged + rep.quarantined == rep.rows_read
        q = wh.sql("SELECT source_line, field, reason FROM quarantine ORDER BY source_line")
        rows = q.to_pylist()
        assert rows[0]["source_line"] == 7 and rows[0]["field"] == "offered_at"
        assert any("duplicate key" in r["reason"] and "line 4" in r["reason"] for r in rows)
        assert any(r["field"] == "outcome" and "required" in r["reason"] for r in rows)
        # the kept row is the first occurrence
        talk = wh.sql("SELECT talk_seconds FROM calls WHERE call_id = 'c2'").column(0)[0]
        assert talk.as_py() == 100.0
        # re-loading the same bad file adds nothing to the quarantine
        wh.load(res)
        assert wh.count("quarantine") == 3


def test_failed_load_leaves_warehouse_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.load(result(calls_table(10)))
    before = _snapshot(db)
    res = result(calls_table(20, start=5, talk=1.0))
    res.tables["agents"] = schema.conform(
        "agents", pa.table({"agent": ["a"], "role": ["agent"], "source_file": ["x"]})
    )
    original = Warehouse._upsert

    def boom(self, load_id, table, data):  # type: ignore[no-untyped-def]
        out = original(self, load_id, table, data)
        if table.name == "agents":
            raise RuntimeError("disk full")
        return out

    monkeypatch.setattr(Warehouse, "_upsert", boom)
    with Warehouse(db) as wh, pytest.raises(RuntimeError):
        wh.load(res)
    assert _snapshot(db) == before


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from callcenter.warehouse import Warehouse
    from tests.factories import calls_table, result
    import pyarrow as pa
    original = Warehouse._insert_rejects
    def noisy(self, load_id, rejects):
        original(self, load_id, rejects)
        # inside the transaction: tell the parent, then keep writing a big table
        print("IN-TRANSACTION", flush=True)
    Warehouse._insert_rejects = noisy
    big = pa.concat_tables([calls_table(50_000, start=i * 50_000) for i in range(60)])
    with Warehouse({db!r}) as wh:
        for _ in range(1000):
            wh.load(result(big))
    """
)


def test_sigkill_mid_load_leaves_warehouse_exactly_as_before(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.load(result(calls_table(100, start=10_000_000)))
    before = _snapshot(db)
    root = str(Path(__file__).resolve().parents[1])
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT.format(root=root, db=str(db)))
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, cwd=root, env=os.environ.copy()
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == b"IN-TRANSACTION"
    import time

    time.sleep(0.3)  # let it write part of the 3-million-row upsert
    assert proc.poll() is None, "the load finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(db) == before


def _states(rows: list[tuple[str, str, datetime, float]]) -> pa.Table:
    """agent_states rows ``(agent, state, start_at, seconds)``."""
    return schema.conform(
        "agent_states",
        pa.table(
            {
                "agent": [r[0] for r in rows],
                "state": [r[1] for r in rows],
                "start_at": pa.array([r[2] for r in rows], schema.UTC_TS),
                "start_local": pa.array([r[2].replace(tzinfo=None) for r in rows], schema.LOCAL_TS),
                "end_at": pa.array([r[2] + timedelta(seconds=r[3]) for r in rows], schema.UTC_TS),
                "seconds": [r[3] for r in rows],
                "source_file": ["sim"] * len(rows),
            }
        ),
    )


def test_upsert_of_a_batch_mostly_new_finds_the_few_stored_keys(tmp_path: Path) -> None:
    """Few known keys in a batch: the probe restricted to the matched rows still classifies
    each row (unchanged, updated, new) and replaces exactly the updated ones."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load(result(calls_table(10)))
        batch = pa.concat_tables(
            [calls_table(2, start=3, talk=250.0), calls_table(1, start=7), calls_table(7, start=10)]
        )
        r = wh.load(result(batch))
        assert (r.inserted, r.updated, r.unchanged) == (7, 2, 1)
        got = dict(wh.con.execute("SELECT call_id, talk_seconds FROM calls").fetchall())
    assert len(got) == 17
    assert got["c3"] == got["c4"] == 250.0
    assert got["c0"] == got["c7"] == got["c16"] == 100.0


def test_upsert_with_time_keys_spread_over_days(tmp_path: Path) -> None:
    """A batch whose time keys lie on a few distinct days (a state open since the start of
    a run beside today's states) matches stored rows on every one of those days."""
    t0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
    day = timedelta(days=1)
    stored = [
        (f"a{i}", "ready", t0 + k * day + timedelta(minutes=i), 60.0)
        for k in range(5)
        for i in range(20)
    ]
    with Warehouse(tmp_path / "w.duckdb") as wh:
        for k in range(5):
            wh.load(
                ReadResult(
                    source_file="sim",
                    format="simulation",
                    rows_read=20,
                    tables={"agent_states": _states(stored[20 * k : 20 * k + 20])},
                )
            )
        batch = [
            ("a0", "ready", t0, 90.0),  # day 1, changed
            ("a1", "ready", t0 + timedelta(minutes=1), 60.0),  # day 1, unchanged
            ("a2", "ready", t0 + 4 * day + timedelta(minutes=2), 60.0),  # day 5, unchanged
            *[(f"a{i}", "ready", t0 + 6 * day + timedelta(minutes=i), 60.0) for i in range(9)],
        ]
        r = wh.load(
            ReadResult(
                source_file="sim",
                format="simulation",
                rows_read=len(batch),
                tables={"agent_states": _states(batch)},
            )
        )
        assert (r.inserted, r.updated, r.unchanged) == (9, 1, 2)
        assert wh.count("agent_states") == 109
        secs = wh.con.execute(
            "SELECT seconds FROM agent_states WHERE agent = 'a0' AND start_at = ?", [t0]
        ).fetchall()
    assert secs == [(90.0,)]
