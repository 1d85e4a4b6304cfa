"""Fuzzing the generic tabular reader: whatever the file holds, it raises only library errors
(CallCenterError subclasses) and accounts for every record it read."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter import schema
from callcenter.errors import CallCenterError
from callcenter.ingest.mapping import parse_mapping
from callcenter.ingest.tabular import read_tabular
from callcenter.settings import Settings

MAPPING = parse_mapping({
    "table": "calls",
    "columns": {
        "call_id": "id",
        "offered_at": "start",
        "ended_at": "end",
        "talk_seconds": {"source": "talk", "unit": "HH:MM:SS"},
        "hold_seconds": "hold",
        "outcome": {"source": "result", "map": {"接通": "answered", "放弃": "abandoned"}},
        "resolved": "ok",
    },
})
NAMES = ["id", "start", "end", "talk", "hold", "result", "ok"]

# cells that are sometimes valid, sometimes subtly not
cell = st.one_of(
    st.sampled_from(["", " ", "1", "-3", "1e3", "00:01:30", "1:2:3", "接通", "放弃", "挂断", "answered",
                     "是", "否", "NULL", "2024-03-01 08:00:00", "2024-03-01T08:00:00+08:00",
                     "2024-02-30 08:00:00", "2024-03-01 07:00:00", "9999-12-31 23:59:59",
                     "0001-01-01 00:00:00", '"', "a,b", "x\ny", "\u3000", "１２"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
)
UNICODE_WHITE_SPACE = ("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                       "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
row = st.lists(cell, min_size=len(NAMES), max_size=len(NAMES))


def _check(r: Any) -> None:
    r.check_accounting()
    assert r.rows_read == r.rows_accepted + len(r.rejects)
    t = r.tables["calls"]
    assert t.num_rows == r.rows_accepted
    assert t.schema.equals(schema.TABLES["calls"].schema)
    assert all(rj.line is not None and rj.line >= 2 for rj in r.rejects)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=12))
def test_random_rows_are_all_accounted_for(tmp_path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)  # CRLF: fields holding CR or LF get quoted
    w.writerow(NAMES)
    w.writerows(rows)
    f = tmp_path / "fuzz.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    r = read_tabular(f, Settings(), MAPPING)
    _check(r)
    assert r.rows_read == len(rows)  # well-formed CSV: every written row is one record
    # each accepted row points at the line where its record starts
    starts, line = [], 2
    for rec in rows:
        starts.append(line)
        line += sum(c.count("\n") for c in rec)
    ids = {s: rec[0] for s, rec in zip(starts, rows, strict=True)}
    for out in r.tables["calls"].to_pylist():
        assert ids[out["source_line"]].strip(UNICODE_WHITE_SPACE) == out["call_id"]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300), header=st.sampled_from([b"id,start,end,talk,hold,result,ok\n", b""]),
       encoding=st.sampled_from(["utf-8", "gbk"]))
def test_random_bytes_raise_only_library_errors(tmp_path: Path, body: bytes, header: bytes,
                                                encoding: str) -> None:
    f = tmp_path / "fuzz.csv"
    f.write_bytes(header + body)
    m = MAPPING.model_copy(update={"file": MAPPING.file.model_copy(update={"encoding": encoding})})
    try:
        r = read_tabular(f, Settings(), m)
    except CallCenterError:
        return
    _check(r)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(
    [*"ab中文 \t\r\n", "\u3000", "\xa0", "\u2003", "\u2028", "\x85", "\u1680", "ぁ", "é", "\u205f",
     "\u0600", "\u0301", "\x1f"]),
    max_size=6)), max_size=20))
def test_strip_matches_unicode_white_space(values: list[str | None]) -> None:
    """The SQL strip (with its cheap first/last character guard) trims exactly what Python's
    str.strip does with the Unicode White_Space characters; empty -> NULL."""
    import duckdb
    import pyarrow as pa

    from callcenter.ingest._tabular_sql import WHITE_SPACE, strip

    assert WHITE_SPACE == UNICODE_WHITE_SPACE
    expected = [None if v is None or not v.strip(UNICODE_WHITE_SPACE) else v.strip(UNICODE_WHITE_SPACE)
                for v in values]
    con = duckdb.connect()
    con.register("t", pa.table({"x": pa.array(values, pa.string()), "i": pa.array(range(len(values)))}))
    got = [r[0] for r in con.execute(f"SELECT {strip('x')} FROM t ORDER BY i").fetchall()]
    con.close()
    assert got == expected
