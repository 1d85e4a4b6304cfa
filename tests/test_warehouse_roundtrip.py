"""Property: any canonical table round-trips through the warehouse unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter import schema
from callcenter.ingest.base import ReadResult
from callcenter.warehouse import Warehouse

_TS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)).map(
    lambda d: d.replace(microsecond=d.microsecond)
)
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


def _value(t: pa.DataType) -> st.SearchStrategy:
    if t == pa.string():
        return _TEXT
    if t == pa.int16():
        return st.integers(-(2**15), 2**15 - 1)
    if t == pa.int64():
        return st.integers(-(2**62), 2**62)
    if t == pa.float64():
        return st.floats(allow_nan=False, allow_infinity=False, width=64)
    if t == pa.bool_():
        return st.booleans()
    if t == pa.date32():
        return st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1))
    if t == schema.UTC_TS:
        return _TS.map(lambda d: d.replace(tzinfo=UTC))
    if t == schema.LOCAL_TS:
        return _TS
    raise AssertionError(t)


@st.composite
def canonical_rows(draw: st.DrawFn, table: schema.Table) -> pa.Table:
    n = draw(st.integers(0, 8))
    cols: dict[str, list] = {}
    for c in table.columns:
        strat = _value(c.type)
        if c.nullable:
            strat = st.one_of(st.none(), strat)
        cols[c.name] = [draw(strat) for _ in range(n)]
    data = pa.table({k: pa.array(v, table.column(k).type) for k, v in cols.items()})
    if table.key and n:
        # keys must be unique within one load (duplicates are quarantined: tested elsewhere)
        keyrows = {tuple(r[k] for k in table.key) for r in data.select(list(table.key)).to_pylist()}
        if len(keyrows) != n:
            data = data.slice(0, 0)
    return data


def _sorted(t: pa.Table, table: schema.Table) -> list[dict]:
    rows = t.to_pylist()
    return sorted(rows, key=lambda r: repr([r[k] for k in (table.key or table.names)]))


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_roundtrip(name: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    table = schema.TABLES[name]
    db = tmp_path_factory.mktemp(name) / "w.duckdb"

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=canonical_rows(table))
    def check(data: pa.Table) -> None:
        with Warehouse(db) as wh:
            wh.con.execute(f'DELETE FROM "{name}"')
            res = ReadResult(source_file="prop", format="test", rows_read=data.num_rows)
            res.tables[name] = data
            rep = wh.load(res)
            assert rep.inserted == data.num_rows
            back = wh.arrow(name)
        assert back.schema.equals(table.schema)
        assert _sorted(back, table) == _sorted(data, table)

    check()


def test_reopen_keeps_data(tmp_path: Path) -> None:
    from tests.factories import calls_table, result

    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.load(result(calls_table(7)))
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("calls") == 7
        assert set(wh.ibis_tables()) == {"calls"}
        assert wh.ibis_tables()["calls"].count().execute() == 7
