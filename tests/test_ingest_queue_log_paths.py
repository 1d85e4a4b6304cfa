"""The queue_log reader's fast paths give the same answer as their exact fallbacks.

Legs are grouped by a 64-bit hash of the callid; when two distinct callids share a hash
the reader must notice and group by the exact callid instead. A forced collision (every
hash equal) must therefore change nothing: same calls, agent states, rejects and warts,
on the real fixtures and on generated logs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import callcenter.ingest.queue_log as ql
from callcenter.ingest.base import ReadResult
from callcenter.settings import Settings

SETTINGS = Settings(timezone="Asia/Shanghai")


def _colliding(callids: pl.Series) -> np.ndarray:
    return np.zeros(len(callids), dtype=np.uint64)


def _sorted(table) -> pl.DataFrame:
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    return df.sort(df.columns, nulls_last=True)


def _same(a: ReadResult, b: ReadResult) -> None:
    assert (a.rows_read, dict(a.warts), a.notes) == (b.rows_read, dict(b.warts), b.notes)
    assert a.rejects == b.rejects
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        assert a.tables[name].schema.equals(b.tables[name].schema)
        assert _sorted(a.tables[name]).equals(_sorted(b.tables[name]), null_equal=True), name


def _both(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ReadResult, ReadResult]:
    fast = ql.read_queue_log(path, SETTINGS)
    with monkeypatch.context() as m:
        m.setattr(ql, "_callid_key", _colliding)
        exact = ql.read_queue_log(path, SETTINGS)
    return fast, exact


@pytest.mark.parametrize("rel", ["asterisk_sample/queue_log",
                                 "wazo_statcenter/queue_log_fixtures.csv"])
def test_hash_collision_falls_back_to_exact_callids(
    shared_data: Path, rel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, exact = _both(shared_data / rel, monkeypatch)
    assert fast.tables["calls"].num_rows > 10
    _same(fast, exact)


VERBS = ["ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON",
         "EXITWITHTIMEOUT", "EXITWITHKEY", "BLINDTRANSFER", "ATTENDEDTRANSFER", "RINGNOANSWER",
         "RINGCANCELED", "FULL", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE",
         "AGENTLOGIN", "AGENTLOGOFF", "QUEUESTART", "FOO"]
line = st.builds(
    lambda t, c, q, a, v, d: "|".join([str(t), c, q, a, v, *d]),
    st.integers(1_700_000_000, 1_700_000_060), st.sampled_from(["c1", "c2", "c3", "c4", "NONE"]),
    st.sampled_from(["q1", "q2", "NONE"]), st.sampled_from(["a1", "a2", "NONE"]),
    st.sampled_from(VERBS),
    st.lists(st.sampled_from(["", "1", "5", "15000", "LINK", "x", "Lunch"]), max_size=6),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=40))
def test_generated_logs_same_with_forced_collision(
    lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "queue_log"
        p.write_text("\n".join(lines), encoding="utf-8")
        try:
            fast, exact = _both(p, monkeypatch)
        except ql.FormatError:  # no usable event at all: both paths must say so
            with monkeypatch.context() as m:
                m.setattr(ql, "_callid_key", _colliding)
                with pytest.raises(ql.FormatError):
                    ql.read_queue_log(p, SETTINGS)
            return
        _same(fast, exact)
