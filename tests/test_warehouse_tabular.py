"""A tabular export loaded by the warehouse running the reader's compiled plan in its own
DuckDB gives exactly what the Arrow reader gives: the same rows, the same quarantine (line,
field, reason, raw), the same counts; loads stay atomic and idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter import schema
from callcenter.ingest.mapping import parse_mapping
from callcenter.ingest.tabular import plan_tabular, read_tabular
from callcenter.settings import Settings
from callcenter.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
MAPS = ROOT / "examples" / "mappings"
S = Settings()

CALLS_MAP: dict[str, Any] = {
    "table": "calls",
    "columns": {
        "call_id": "id",
        "offered_at": "start",
        "answered_at": "answer",
        "ended_at": "end",
        "talk_seconds": {"source": "talk", "unit": "HH:MM:SS"},
        "queue": {"source": "q", "map": {"a": "billing"}},
        "outcome": {"source": "result", "map": {"ok": "answered", "gone": "abandoned"}},
    },
}
HEADER = "id,start,answer,end,talk,q,result\n"
GOOD = "{id},2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,0:05:00,a,ok\n"
BAD_ROWS = [
    "3,2024-13-45 08:00:00,,2024-03-01 08:05:10,,a,gone",  # unreadable instant
    "4,yesterday,,2024-03-01 08:05:10,,a,gone",
    "5,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,3x0,a,ok",  # bad duration
    ",2024-03-01 08:00:00,,2024-03-01 08:05:10,,a,gone",  # required value empty
    "7,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 07:05:10,0:05:00,a,ok",  # time order
    "8,2024-03-01 08:00:00,,2024-03-01 08:05:10,,a,hung",  # not a known outcome
    "9,1800-03-01 08:00:00,,,,a,gone",  # implausible
    "10,too,many,fields,here,x,y,z,w",  # malformed record
    "11,2024-03-01T08:00:00+08:00,,2024-03-01 00:01:00Z,,　a　,gone",  # offsets, full-width spaces
    "2,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,0:05:00,a,ok",  # repeats line 3
    "1,2024-03-01 09:00:00,,2024-03-01 09:05:10,,a,gone",  # duplicate key, other content
]


def _bad_csv(tmp_path: Path, encoding: str = "utf-8") -> Path:
    f = tmp_path / f"bad_{encoding}.csv"
    text = HEADER + GOOD.format(id=1) + GOOD.format(id=2) + "\n".join(BAD_ROWS) + "\n"
    f.write_bytes(text.replace("a,", "投诉,").encode(encoding) if encoding != "utf-8"
                  else text.encode())
    return f


def _cases(tmp_path: Path) -> list[tuple[Path, Any]]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "start", "answer", "end", "talk", "q", "result"])
    ws.append([1, datetime(2024, 3, 1, 8), None, None, "0:01:00", "a", "ok"])
    ws.append([2, "not a time", None, None, None, "a", "gone"])
    ws.append([])
    ws.append([1, datetime(2024, 3, 1, 9), None, None, None, "a", "gone"])
    xlsx = tmp_path / "calls.xlsx"
    wb.save(xlsx)
    parquet = tmp_path / "calls.parquet"
    pq.write_table(pa.table({
        "id": pa.array([1, 2, 3], pa.int64()),
        "start": pa.array([datetime(2024, 3, 1, 8), datetime(2024, 3, 1, 9), None], pa.timestamp("ms")),
        "answer": pa.array([None, datetime(2024, 3, 1, 1, tzinfo=UTC), None], pa.timestamp("ms", tz="UTC")),
        "end": ["2024-03-01 08:01:00", "2024-03-01 07:00:00", None],
        "talk": pa.array([None, 1.5, 2.5], pa.float32()),
        "q": ["a", "b", None],
        "result": ["gone", "ok", "gone"],
    }), parquet)
    gbk_map = {**CALLS_MAP, "file": {"encoding": "gbk"},
               "columns": {**CALLS_MAP["columns"], "queue": {"source": "q", "map": {"投诉": "complaints"}}}}
    return [
        (DATA / "generic_calls.csv", MAPS / "generic_calls.yaml"),
        (DATA / "chinese_acd_calls_gbk.csv", MAPS / "chinese_acd_calls.yaml"),
        (DATA / "qa_scores.tsv", MAPS / "qa_scores.toml"),
        (DATA / "costs_2024q1.csv", MAPS / "costs.yaml"),
        (DATA / "timeclock_2024-03.xlsx", MAPS / "timeclock.yaml"),
        (DATA / "agents.parquet", MAPS / "agents.yaml"),
        (_bad_csv(tmp_path), parse_mapping(CALLS_MAP)),
        (_bad_csv(tmp_path, "gbk"), parse_mapping(gbk_map)),
        (xlsx, parse_mapping(CALLS_MAP)),
        (parquet, parse_mapping(CALLS_MAP)),
    ]


def _contents(db: Path) -> dict[str, Any]:
    with Warehouse(db, read_only=True) as wh:
        out: dict[str, Any] = {
            t: sorted(map(repr, wh.con.execute(f'SELECT * FROM "{t}"').fetchall()))
            for t in schema.TABLES
        }
        out["quarantine"] = sorted(map(repr, wh.con.execute(
            "SELECT target_table, source_file, source_line, field, reason, raw FROM quarantine"
        ).fetchall()))
        out["loads"] = sorted(map(repr, wh.con.execute(
            "SELECT source_file, sha256, format, rows_read, inserted, updated, unchanged, quarantined "
            "FROM loads").fetchall()))
    return out


def test_plan_in_the_warehouse_equals_the_arrow_reader(tmp_path: Path) -> None:
    from callcenter.ingest.base import file_digest

    cases = _cases(tmp_path)
    in_db, via_arrow = tmp_path / "plan.duckdb", tmp_path / "arrow.duckdb"
    for path, mapping in cases:
        with plan_tabular(path, S, mapping) as plan, Warehouse(in_db) as wh:
            a = wh.load(plan)
        r = read_tabular(path, S, mapping)
        with Warehouse(via_arrow) as wh:
            b = wh.load(r, sha256=file_digest(path))
        assert (a.rows_read, a.inserted, a.updated, a.unchanged, a.quarantined) == (
            b.rows_read, b.inserted, b.updated, b.unchanged, b.quarantined), path
        assert a.inserted + a.updated + a.unchanged + a.quarantined == a.rows_read
        assert a.notes == b.notes
    assert _contents(in_db) == _contents(via_arrow)
    q = _contents(in_db)["quarantine"]
    assert len(q) > 15  # every bad case above really was rejected, in both files


def test_bad_rows_in_the_warehouse_have_line_field_reason_raw(tmp_path: Path) -> None:
    f = _bad_csv(tmp_path)
    db = tmp_path / "w.duckdb"
    with plan_tabular(f, S, parse_mapping(CALLS_MAP)) as plan, Warehouse(db) as wh:
        rep = wh.load(plan)
        assert (rep.rows_read, rep.inserted, rep.quarantined) == (13, 3, 10)
        rows = wh.sql("SELECT source_line, field, reason, raw FROM quarantine ORDER BY source_line")
        by_line = {r["source_line"]: r for r in rows.to_pylist()}
        assert by_line[4]["field"] == "offered_at" and "cannot read '2024-13-45" in by_line[4]["reason"]
        assert by_line[6]["field"] == "talk_seconds" and "'3x0'" in by_line[6]["reason"]
        assert "required value call_id" in by_line[7]["reason"]
        assert by_line[8]["field"] == "ended_at" and "before" in by_line[8]["reason"]
        assert "'hung' is not a known outcome" in by_line[9]["reason"]
        assert "outside 1900-2199" in by_line[10]["reason"]
        assert by_line[11]["field"] is None and "malformed record" in by_line[11]["reason"]
        assert "repeats line 3 exactly" in by_line[13]["reason"] and by_line[13]["field"] == "call_id"
        assert "already on line 2 with different content" in by_line[14]["reason"]
        assert by_line[14]["raw"].startswith("id=1 | start=2024-03-01 09:00:00")
        kept = wh.sql("SELECT call_id, queue, offered_at, ended_at, source_line FROM calls ORDER BY 5")
        assert kept.column("source_line").to_pylist() == [2, 3, 12]
        assert kept.to_pylist()[2]["queue"] == "billing"  # full-width spaces stripped, then mapped
        assert kept.to_pylist()[2]["offered_at"] == datetime(2024, 3, 1, tzinfo=UTC)
        assert kept.to_pylist()[2]["ended_at"] == datetime(2024, 3, 1, 0, 1, tzinfo=UTC)


def test_plan_load_is_idempotent_and_updates_changed_rows(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text(HEADER + "".join(GOOD.format(id=i) for i in range(5)), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    m = parse_mapping(CALLS_MAP)
    with Warehouse(db) as wh:
        with plan_tabular(f, S, m) as plan:
            assert wh.load(plan).inserted == 5
        with plan_tabular(f, S, m) as plan:
            again = wh.load(plan)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
        f.write_text(HEADER + GOOD.format(id=0).replace("0:05:00", "0:06:00")
                     + GOOD.format(id=9), encoding="utf-8")
        with plan_tabular(f, S, m) as plan:
            changed = wh.load(plan)
        assert (changed.inserted, changed.updated, changed.unchanged) == (1, 1, 0)
        assert wh.sql("SELECT talk_seconds FROM calls WHERE call_id = '0'").column(0)[0].as_py() == 360
        assert wh.count("calls") == 6
        sha = wh.sql("SELECT DISTINCT sha256 FROM loads").column(0).to_pylist()
        assert all(s and len(s) == 64 for s in sha)
        leftovers = wh.sql("SELECT table_name FROM duckdb_tables() WHERE temporary "
                           "UNION ALL SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal")
        assert leftovers.num_rows == 0


def test_failed_plan_load_leaves_the_warehouse_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = _bad_csv(tmp_path)
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.load(read_tabular(DATA / "generic_calls.csv", S, MAPS / "generic_calls.yaml"))
    before = _contents(db)

    def boom(self: Warehouse, table: schema.Table, counts: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Warehouse, "_merge", boom)
    with Warehouse(db) as wh:
        with plan_tabular(f, S, parse_mapping(CALLS_MAP)) as plan, pytest.raises(RuntimeError):
            wh.load(plan)
        monkeypatch.undo()
        with plan_tabular(f, S, parse_mapping(CALLS_MAP)) as plan:  # the connection still works
            assert wh.load(plan).inserted == 3
    after = _contents(db)
    assert after != before and _contents(db)["calls"] != before["calls"]


def test_many_records_keep_lines_and_duplicate_raw_aligned(tmp_path: Path) -> None:
    n = 300_000  # several parser batches and row groups, read by two threads
    body = "".join(f"{i},2024-03-01 08:00:00,,2024-03-01 08:01:00,,q{i % 7},gone\n" for i in range(n))
    body += f"{n - 5},2024-03-01 08:00:00,,2024-03-01 08:01:00,,dup,gone\n"
    f = tmp_path / "big.csv"
    f.write_text(HEADER + body, encoding="utf-8")
    with plan_tabular(f, S, parse_mapping(CALLS_MAP)) as plan, Warehouse(tmp_path / "w.duckdb") as wh:
        rep = wh.load(plan)
        assert (rep.rows_read, rep.inserted, rep.quarantined) == (n + 1, n, 1)
        bad = wh.sql("SELECT source_line, reason, raw FROM quarantine").to_pylist()
        assert bad[0]["source_line"] == n + 2
        assert f"already on line {n - 5 + 2}" in bad[0]["reason"]
        assert bad[0]["raw"] == f"id={n - 5} | start=2024-03-01 08:00:00 | answer= | end=2024-03-01 08:01:00 " \
            "| talk= | q=dup | result=gone"
        off = wh.sql("SELECT count(*) FROM calls WHERE CAST(call_id AS BIGINT) + 2 <> source_line")
        assert off.column(0)[0].as_py() == 0


# --------------------------------------------------------------------------- time zones

_ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe",
          "Africa/Casablanca", "Asia/Kolkata", "UTC"]


@settings(max_examples=40, deadline=None)
@given(zone=st.sampled_from(_ZONES),
       stamps=st.lists(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30)),
                       min_size=1, max_size=30))
def test_zone_step_functions_match_zoneinfo(zone: str, stamps: list[datetime]) -> None:
    """UTC -> local equals zoneinfo; local -> UTC picks the earlier instant of an ambiguous
    wall time and the transition instant for a wall time in a gap (timegrid's rule)."""
    import duckdb

    from callcenter.ingest import _tabular_sql as q

    z = ZoneInfo(zone)
    us = [int((d.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))
          for d in stamps]
    con = duckdb.connect()
    con.register("t", pa.table({"x": pa.array(us, pa.int64()), "i": pa.array(range(len(us)))}))
    got = con.execute(f"SELECT {q.utc_to_local_us('x', zone)}, {q.local_to_utc_us('x', zone)} "
                      "FROM t ORDER BY i").fetchall()
    con.close()
    epoch = datetime(1970, 1, 1)
    for d, (local, back) in zip(stamps, got, strict=True):
        assert epoch + timedelta(microseconds=local) == d.replace(tzinfo=UTC).astimezone(z).replace(tzinfo=None)
        # reference for local -> UTC: every instant whose wall clock is d, earliest first
        cands = sorted({(d.replace(tzinfo=z, fold=f)).astimezone(UTC) for f in (0, 1)})
        valid = [c for c in cands if c.astimezone(z).replace(tzinfo=None) == d]
        expected = valid[0] if valid else _gap_end(d, z)
        assert epoch.replace(tzinfo=UTC) + timedelta(microseconds=back) == expected


def _gap_end(d: datetime, z: ZoneInfo) -> datetime:
    """The instant a spring-forward gap containing wall time ``d`` ends (the transition)."""
    t = d.replace(tzinfo=z, fold=0).astimezone(UTC) - timedelta(days=1)
    step = timedelta(hours=1)
    while t.astimezone(z).replace(tzinfo=None) < d:
        t += step
    lo = t - step
    while t - lo > timedelta(seconds=1):
        mid = lo + (t - lo) / 2
        if mid.astimezone(z).replace(tzinfo=None) < d:
            lo = mid
        else:
            t = mid
    return t.replace(microsecond=0)
