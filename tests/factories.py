"""Small canonical tables built in code for unit tests (not real data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa

from callcenter import schema
from callcenter.ingest.base import ReadResult

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Asia/Shanghai


def calls_table(
    n: int, *, start: int = 0, source: str = "test.csv", talk: float = 100.0
) -> pa.Table:
    """``n`` answered calls, one every minute, ids ``c<start>``..."""
    ids = [f"c{i}" for i in range(start, start + n)]
    offered = [T0 + timedelta(minutes=i) for i in range(start, start + n)]
    return schema.conform(
        "calls",
        pa.table(
            {
                "call_id": ids,
                "contact_id": ids,
                "leg": pa.array([1] * n, pa.int16()),
                "channel": ["voice"] * n,
                "direction": ["inbound"] * n,
                "queue": ["q1" if i % 2 else "q2" for i in range(start, start + n)],
                "offered_at": pa.array(offered, schema.UTC_TS),
                "offered_local": pa.array(
                    [o.replace(tzinfo=None) + timedelta(hours=8) for o in offered], schema.LOCAL_TS
                ),
                "wait_seconds": [float(i % 40) for i in range(start, start + n)],
                "talk_seconds": [talk] * n,
                "outcome": ["answered"] * n,
                "source_file": [source] * n,
                "source_line": pa.array(range(start + 2, start + n + 2), pa.int64()),
            }
        ),
    )


def result(calls: pa.Table, *, source: str = "test.csv", rejects: list | None = None) -> ReadResult:
    r = ReadResult(source_file=source, format="test", rows_read=calls.num_rows + len(rejects or []))
    r.tables["calls"] = calls
    r.rejects = list(rejects or [])
    return r
