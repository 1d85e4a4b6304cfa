"""Fuzzing the queue_log reader: any bytes give either a clean InputError (nothing in the
file is a queue_log event) or a result that accounts for every line, with canonical
tables whose required columns are filled."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter import schema
from callcenter.errors import InputError
from callcenter.ingest._queue_log_verbs import KNOWN_VERBS
from callcenter.ingest.queue_log import read_queue_log
from callcenter.settings import Settings

SETTINGS = Settings()
VERBS = [*sorted(KNOWN_VERBS), "FOO", "enterqueue", ""]

field = st.one_of(
    st.sampled_from(["", "NONE", "1", "0", "-3", "2.5", "x", "1e400", "nan", "LINK", "BRIDGE",
                     "c1", "c2", "q1", "q2", "a1", "Local/a@b", "15000"]),
    st.text(max_size=6),
)
epoch = st.one_of(st.integers(1_600_000_000, 1_600_000_300).map(str), st.sampled_from(["", "x", "-1"]))


@st.composite
def queue_log_line(draw: st.DrawFn) -> str:
    parts = [draw(epoch), draw(st.sampled_from(["c1", "c2", "c3", "NONE", ""])),
             draw(st.sampled_from(["q1", "q2", "NONE"])),
             draw(st.sampled_from(["a1", "a2", "NONE", "Local/a@b"])),
             draw(st.sampled_from(VERBS))]
    parts += draw(st.lists(field, max_size=7))
    return "|".join(parts)


lines = st.lists(st.one_of(queue_log_line(), st.text(max_size=30)), min_size=1, max_size=40)


def _check(data: bytes, name: str, layout: str = "auto") -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        try:
            r = read_queue_log(p, SETTINGS, layout=layout)
        except InputError:
            return
        r.check_accounting()
        assert r.rows_read == r.rows_accepted + len(r.rejects)
        assert r.rows_accepted >= 1
        for name_, table in r.tables.items():
            for col in schema.TABLES[name_].required:
                assert table.column(col).null_count == 0, (name_, col)
        calls = r.tables["calls"]
        assert len(set(calls.column("call_id").to_pylist())) == calls.num_rows
        outcomes = set(calls.column("outcome").to_pylist())
        assert outcomes <= {o.value for o in schema.Outcome}
        secs = r.tables["agent_states"].column("seconds")
        assert pa.compute.min(secs).as_py() is None or pa.compute.min(secs).as_py() >= -1e9


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, st.sampled_from(["\n", "\r\n"]))
def test_fuzz_file_lines(ls: list[str], eol: str) -> None:
    _check(eol.join(ls).encode("utf-8", errors="surrogatepass"), "queue_log")


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=400))
def test_fuzz_random_bytes(data: bytes) -> None:
    _check(data, "queue_log")


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.one_of(field, st.sampled_from(["2024-01-01 08:00:00", "c1",
                                                              "ENTERQUEUE", "ABANDON"])),
                         min_size=0, max_size=12), max_size=20))
def test_fuzz_table_layout(rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["time", "callid", "queuename", "agent", "event", "data1", "data2", "data3",
                "data4", "data5"])
    w.writerows(rows)
    _check(buf.getvalue().encode("utf-8", errors="surrogatepass"), "ql.csv", layout="table")


# a call's scenario -> (its lines after ENTERQUEUE as (offset s, agent, verb, data), outcome,
# expected wait_seconds, expected talk_seconds)
SCENARIOS = {
    "answered": ([(5, "a1", "CONNECT", "5|x|2"), (65, "a1", "COMPLETECALLER", "5|60|1")],
                 "answered", 5.0, 60.0),
    "agent_hangup": ([(9, "a2", "RINGNOANSWER", "4000"), (12, "a1", "CONNECT", "12|x|3"),
                      (42, "a1", "COMPLETEAGENT", "12|30|1")], "answered", 12.0, 30.0),
    "abandoned": ([(7, "NONE", "ABANDON", "1|1|7")], "abandoned", 7.0, None),
    "timeout": ([(15, "a3", "RINGNOANSWER", "15000"), (30, "NONE", "EXITWITHTIMEOUT", "1|1|30")],
                "timeout", 30.0, None),
    "blind": ([(3, "a1", "CONNECT", "3|x|1"), (23, "a1", "BLINDTRANSFER", "8000|ctx|3|20|1")],
              "transferred", 3.0, 20.0),
    "cut": ([(4, "a1", "CONNECT", "4|x|1")], "incomplete", 4.0, None),
}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(SCENARIOS)), st.integers(0, 500)),
                min_size=1, max_size=25),
       st.randoms(use_true_random=False))
def test_shuffled_valid_logs_are_reconstructed_exactly(calls: list[tuple[str, int]], rnd) -> None:
    """Whatever the order of the lines, every call comes back with its outcome and times."""
    lines = []
    for i, (name, start) in enumerate(calls):
        t0 = 1_700_000_000 + start
        lines.append(f"{t0}|call{i}|q|NONE|ENTERQUEUE||100|1")
        for off, agent, verb, data in SCENARIOS[name][0]:
            lines.append(f"{t0 + off}|call{i}|q|{agent}|{verb}|{data}")
    rnd.shuffle(lines)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "queue_log"
        p.write_text("\n".join(lines) + "\n")
        r = read_queue_log(p, SETTINGS)
    assert r.rejects == [] and r.rows_read == len(lines)
    got = {row["contact_id"]: row for row in r.tables["calls"].to_pylist()}
    assert len(got) == len(calls)
    for i, (name, start) in enumerate(calls):
        _, outcome, wait, talk = SCENARIOS[name]
        row = got[f"call{i}"]
        assert (row["leg"], row["outcome"], row["wait_seconds"], row["talk_seconds"]) == (
            1, outcome, wait, talk)
        assert row["offered_at"].timestamp() == 1_700_000_000 + start
