from __future__ import annotations

import pyarrow as pa
import pytest

from callcenter import schema


def test_every_table_has_provenance_and_valid_key() -> None:
    for t in schema.TABLES.values():
        assert "source_file" in t.names, t.name
        for k in t.key:
            assert k in t.required, f"{t.name}: key column {k} must be non-null"


def test_conform_orders_adds_nulls_and_rejects_unknown() -> None:
    data = pa.table({"agent": ["a1"], "role": ["agent"], "source_file": ["f"]})
    out = schema.conform("agents", data)
    assert out.schema.equals(schema.AGENTS.schema)
    assert out.column("team").null_count == 1
    with pytest.raises(KeyError):
        schema.conform("agents", pa.table({"nope": [1]}))


def test_docs_schema_is_up_to_date() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "schema.md"
    assert doc.read_text(encoding="utf-8") == schema.markdown(), "run `make docs`"
