"""The Anonymous Bank reader: every wart on hand-made lines, then all nine real months.

Hand-made records copy the shape of real ones (several are real lines with a new date);
their canonical values are worked out by hand below. January 1999 in Asia/Jerusalem is
UTC+2 (no summer time), so every expected UTC instant is the wall clock minus two hours.

Real data: Technion SEE Laboratory (Guedj & Mandelbaum); Brown et al. 2005, JASA 100(469).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from callcenter import schema
from callcenter.errors import FormatError, InputError
from callcenter.ingest.anonymous_bank import (
    HEADER,
    PHANTOM_REASON,
    WARTS,
    AnonymousBankResult,
    outcome_counts,
    read_anonymous_bank,
)
from callcenter.settings import Settings

IL = Settings(timezone="Asia/Jerusalem")
T = "\t"


def row(spaced: str) -> str:
    """A record written with single spaces for readability, returned TAB-separated."""
    return T.join(spaced.split(" "))


# line number -> raw line (line 1 is the header)
LINES: dict[int, str] = {
    2: row(
        "AA0101 33118 27997683 2 PS 990101 6:55:20 6:55:26 6 6:55:26 6:55:43 17 AGENT 6:55:43 6:56:37 54 MICHAL"
    ),
    # served straight from the VRU: no queue stage
    3: row(
        "AA0101 33119 0 0 PS 990101 7:41:16 7:41:26 10 0:00:00 0:00:00 0 AGENT 7:41:25 7:44:53 208 BASCH"
    ),
    # hung up in the VRU
    4: row(
        "AA0101 33117 0 0 PS 990101 0:34:12 0:34:23 11 0:00:00 0:00:00 0 HANG 0:00:00 0:00:00 0 NO_SERVER"
    ),
    # abandoned from the queue
    5: row(
        "AA0101 33116 9664491 2 PS 990101 0:00:31 0:00:36 5 0:00:36 0:03:09 153 HANG 0:00:00 0:00:00 0 NO_SERVER"
    ),
    # spaces instead of the TAB between priority and type (july.txt:9144)
    6: "AA0108\t3364\t0\t0       TT\t990102\t2:17:57\t2:18:09\t12\t0:00:00\t0:00:00\t0\tHANG"
    "\t0:00:00\t0:00:00\t0\tNO_SERVER",
    # type with a leading space (march.txt:3161)
    7: row(
        "AA0102 33340 0 0 TT 990103 15:09:49 15:09:54 5 0:00:00 0:00:00 0 HANG 0:00:00 0:00:00 0 NO_SERVER"
    ).replace("\tTT\t", "\t TT\t"),
    # wait crossing midnight; service starts on the next day
    8: row(
        "AA0103 40001 12345678 1 NE 990104 23:58:50 23:58:57 7 23:58:57 0:00:44 107 AGENT 0:00:44 0:00:47 3 ROTH"
    ),
    # service crossing midnight
    9: row(
        "AA0104 40002 0 0 PS 990104 23:50:00 23:50:10 10 0:00:00 0:00:00 0 AGENT 23:50:09 0:00:38 629 AVI"
    ),
    10: row(
        "AA0105 40003 0 0 PS 990105 10:00:00 10:00:10 10 0:00:00 0:00:00 0 AGENT 10:00:09 10:00:10 1 NO_SERVER"
    ),
    # AGENT with no service stage at all
    11: row(
        "AA0105 40004 55555555 2 PS 990105 11:00:00 11:00:06 6 11:00:06 11:01:06 60 AGENT 0:00:00 0:00:00 0 DORIT"
    ),
    12: row(
        "AA0101 38105 3222239 2 PS 990105 10:59:43 10:59:49 6 10:59:49 11:01:20 91 PHANTOM 11:01:20 11:01:23 3 NO_SERVER"
    ),
    # vru_exit before vru_entry (april.txt:679)
    13: row(
        "AA0101 38795 56078892 2 PS 990106 10:33:26 10:32:32 -54 10:32:32 10:34:24 112 AGENT 10:34:23 10:46:15 712 ROTH"
    ),
    # q_start at real midnight: 0:00:00 proven by q_exit 0:00:27 and q_time 27
    14: row(
        "AA0102 31056 15696776 2 PS 990106 23:59:54 23:59:54 0 0:00:00 0:00:27 27 AGENT 0:00:26 0:01:33 67 AVNI"
    ),
    15: row(
        "AA0101 40005 6.02701E+11 1 PS 990107 12:00:00 12:00:06 6 12:00:06 12:00:16 10 AGENT 12:00:15 12:01:15 60 TOVA"
    ),
    16: row(
        "AA0204 32649 0 0 AA 990107 4:12:26 4:13:04 38 0:00:00 0:00:00 0 HANG 0:00:00 0:00:00 0 NO_SERVER"
    ),
    # HANG with a service stage and an agent name; queued and left in the same second
    17: row(
        "AA0102 34265 57267403 1 PS 990107 7:53:45 7:53:59 14 7:53:59 7:53:59 0 HANG 7:53:54 7:54:51 57 YITZ"
    ),
    # q_time 50 but the clock says 60
    18: row(
        "AA0101 40006 0 0 PS 990107 13:00:00 13:00:05 5 13:00:05 13:01:05 50 AGENT 13:01:05 13:02:05 60 ANAT"
    ),
    19: row("AA0101 40007 0 0 PS 990107 13:00:00"),
    20: row(
        "AA0101 40010 0 0 PS 990230 13:00:00 13:00:05 5 0:00:00 0:00:00 0 HANG 0:00:00 0:00:00 0 NO_SERVER"
    ),
    21: row(
        "AA0101 40011 0 0 PS 990107 13:00:00 13:00:05 5 13:00:05 25:00:00 5 AGENT 13:00:10 13:00:20 10 ANAT"
    ),
    22: row(
        "AA0101 40012 0 0 PS 990107 13:00:00 13:00:05 5 0:00:00 0:00:00 0 BUSY 0:00:00 0:00:00 0 NO_SERVER"
    ),
    23: "hello world",
    24: "",
    # the record of line 2 again
    25: row(
        "AA0101 33118 27997683 2 PS 990101 6:55:20 6:55:26 6 6:55:26 6:55:43 17 AGENT 6:55:43 6:56:37 54 MICHAL"
    ),
    # AGENT with ser_start 0:00:00 but a recorded ser_exit (july.txt:19804)
    26: row(
        "AA0101 40008 0 0 PS 990108 9:00:00 9:00:10 10 0:00:00 0:00:00 0 AGENT 0:00:00 9:03:00 0 SHARON"
    ),
    # ser_exit at real midnight: 23:50:26 + 574 s = 24:00:00 (march.txt:19929)
    27: row(
        "AA0101 40009 0 0 PS 990108 23:40:00 23:40:10 10 0:00:00 0:00:00 0 AGENT 23:50:26 0:00:00 574 ZOHARI"
    ),
}

REJECTED = {
    12: "outcome",
    19: None,
    20: "date",
    21: "q_exit",
    22: "outcome",
    23: None,
    24: None,
    25: "call_id",
}


def write(
    tmp_path: Path, lines: dict[int, str], name: str = "january.txt", newline: str = "\n"
) -> Path:
    text = newline.join([T.join(HEADER), *[lines[k] for k in sorted(lines)]]) + newline
    p = tmp_path / name
    p.write_bytes(text.encode("ascii"))
    return p


def utc(y: int, mo: int, d: int, h: int, mi: int, s: int) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


@pytest.fixture
def result(tmp_path: Path) -> AnonymousBankResult:
    return read_anonymous_bank(write(tmp_path, LINES), IL)


def rows_by_line(res: AnonymousBankResult) -> dict[int, dict[str, Any]]:
    return {r["source_line"]: r for r in res.tables["calls"].to_pylist()}


def test_accounting_every_line_accepted_or_rejected(result: AnonymousBankResult) -> None:
    assert result.rows_read == 26
    assert result.rows_accepted == 18 == result.tables["calls"].num_rows
    assert {r.line: r.field for r in result.rejects} == REJECTED
    assert all(r.reason and r.table == "calls" for r in result.rejects)
    assert set(rows_by_line(result)) == set(LINES) - set(REJECTED)
    assert result.tables["calls"].schema.equals(schema.CALLS.schema)


def test_reject_reasons(result: AnonymousBankResult) -> None:
    by_line = {r.line: r for r in result.rejects}
    assert by_line[12].reason == PHANTOM_REASON
    assert by_line[12].raw == LINES[12]
    assert "expected 17" in by_line[19].reason
    assert "calendar date" in by_line[20].reason and "990230" in by_line[20].reason
    assert "H:MM:SS" in by_line[21].reason and "25:00:00" in by_line[21].reason
    assert "AGENT, HANG or PHANTOM" in by_line[22].reason and "BUSY" in by_line[22].reason
    assert by_line[24].reason == "empty line"
    assert "line 2" in by_line[25].reason
    assert [r.line for r in result.rejects] == sorted(REJECTED)


def test_outcomes_before_filtering(result: AnonymousBankResult) -> None:
    assert result.outcomes == Counter(
        {"AGENT": 14, "HANG": 7, "PHANTOM": 1, "BUSY": 1, "(unreadable)": 3}
    )
    assert outcome_counts([result, result])["AGENT"] == 28
    assert "records by outcome before filtering: AGENT 14 / HANG 7 / PHANTOM 1" in result.notes


def test_warts_counted(result: AnonymousBankResult) -> None:
    assert dict(result.warts) == {
        "space_separated": 1,
        "type_leading_space": 1,
        "type_unknown": 1,
        "customer_id_scientific": 1,
        "agent_no_server": 1,
        "agent_no_service_start": 2,
        "hang_with_service_record": 1,
        "hang_queued_zero_wait": 1,
        "vru_exit_before_entry": 1,
        "queue_crosses_midnight": 1,
        "service_crosses_midnight": 2,
        "stage_starts_next_day": 2,
        "real_midnight": 2,
        "duration_mismatch": 1,
        "days_missing": 23,  # 1999-01-09 .. 01-31 have no record in this small file
    }
    assert set(result.warts) <= set(WARTS)


def test_answered_through_the_queue(result: AnonymousBankResult) -> None:
    r = rows_by_line(result)[2]
    assert r["call_id"] == r["contact_id"] == "ab1999:990101:AA0101:33118"
    assert (r["leg"], r["channel"], r["direction"], r["centre"]) == (
        1,
        "voice",
        "inbound",
        "anonymous_bank",
    )
    assert (r["queue"], r["call_type"], r["customer_id"], r["customer_tier"]) == (
        "PS",
        "PS",
        "27997683",
        "priority",
    )
    assert r["caller_number"] is None
    assert r["offered_local"] == datetime(1999, 1, 1, 6, 55, 20)
    assert r["offered_at"] == r["ivr_entry_at"] == utc(1999, 1, 1, 4, 55, 20)
    assert r["ivr_exit_at"] == r["queue_entry_at"] == utc(1999, 1, 1, 4, 55, 26)
    assert r["queue_exit_at"] == r["answered_at"] == utc(1999, 1, 1, 4, 55, 43)
    assert r["ended_at"] == utc(1999, 1, 1, 4, 56, 37)
    assert (r["ivr_seconds"], r["wait_seconds"], r["talk_seconds"]) == (6.0, 17.0, 54.0)
    assert (r["agent"], r["outcome"], r["source_outcome"]) == ("MICHAL", "answered", "AGENT")
    assert r["source_file"].endswith("january.txt")


def test_answered_from_the_vru_has_no_queue_stage(result: AnonymousBankResult) -> None:
    r = rows_by_line(result)[3]
    assert r["customer_id"] is None and r["customer_tier"] == "regular"
    assert r["queue_entry_at"] is None and r["queue_exit_at"] is None
    assert r["wait_seconds"] == 0.0  # answered at once by the ACD: a real zero wait
    assert r["answered_at"] == utc(1999, 1, 1, 5, 41, 25)
    assert (r["talk_seconds"], r["agent"], r["outcome"]) == (208.0, "BASCH", "answered")


def test_hang_in_vru_and_in_queue(result: AnonymousBankResult) -> None:
    rows = rows_by_line(result)
    ivr = rows[4]
    assert ivr["outcome"] == "ivr_abandoned" and ivr["source_outcome"] == "HANG"
    assert ivr["offered_at"] == utc(1998, 12, 31, 22, 34, 12)
    assert ivr["ended_at"] == ivr["ivr_exit_at"] == utc(1998, 12, 31, 22, 34, 23)
    assert ivr["wait_seconds"] is None and ivr["answered_at"] is None and ivr["agent"] is None
    q = rows[5]
    assert (q["outcome"], q["wait_seconds"]) == ("abandoned", 153.0)
    assert q["ended_at"] == q["queue_exit_at"] == utc(1998, 12, 31, 22, 3, 9)
    assert q["talk_seconds"] is None and q["answered_at"] is None


def test_space_separated_and_leading_space_type_are_repaired(
    result: AnonymousBankResult,
) -> None:
    rows = rows_by_line(result)
    assert (rows[6]["call_type"], rows[6]["queue"]) == ("TT", "TT")
    assert rows[6]["offered_at"] == utc(1999, 1, 2, 0, 17, 57)
    assert rows[6]["call_id"] == "ab1999:990102:AA0108:3364"
    assert (rows[7]["call_type"], rows[7]["outcome"]) == ("TT", "ivr_abandoned")
    assert rows[16]["call_type"] == "AA"  # undocumented code: kept verbatim, counted


def test_wait_and_service_crossing_midnight(result: AnonymousBankResult) -> None:
    rows = rows_by_line(result)
    r = rows[8]
    assert r["customer_tier"] == "regular"  # priority 1
    assert r["queue_entry_at"] == utc(1999, 1, 4, 21, 58, 57)
    assert r["queue_exit_at"] == r["answered_at"] == utc(1999, 1, 4, 22, 0, 44)
    assert (r["wait_seconds"], r["talk_seconds"]) == (107.0, 3.0)
    assert r["ended_at"] == utc(1999, 1, 4, 22, 0, 47)
    s = rows[9]
    assert s["answered_at"] == utc(1999, 1, 4, 21, 50, 9)
    assert s["ended_at"] == utc(1999, 1, 4, 22, 0, 38)
    assert s["talk_seconds"] == 629.0


def test_real_midnight_is_not_missing(result: AnonymousBankResult) -> None:
    rows = rows_by_line(result)
    q = rows[14]
    assert q["queue_entry_at"] == utc(1999, 1, 6, 22, 0, 0)
    assert q["queue_exit_at"] == utc(1999, 1, 6, 22, 0, 27)
    assert q["wait_seconds"] == 27.0
    assert q["answered_at"] == utc(1999, 1, 6, 22, 0, 26)
    assert q["ended_at"] == utc(1999, 1, 6, 22, 1, 33)
    s = rows[27]
    assert s["answered_at"] == utc(1999, 1, 8, 21, 50, 26)
    assert s["ended_at"] == utc(1999, 1, 8, 22, 0, 0)
    assert s["talk_seconds"] == 574.0


def test_agent_rows_without_server_or_service_start(result: AnonymousBankResult) -> None:
    rows = rows_by_line(result)
    nos = rows[10]
    assert (nos["outcome"], nos["agent"], nos["talk_seconds"]) == ("answered", None, 1.0)
    nostart = rows[11]
    assert (nostart["outcome"], nostart["agent"], nostart["wait_seconds"]) == (
        "answered",
        "DORIT",
        60.0,
    )
    assert nostart["answered_at"] is None and nostart["talk_seconds"] is None
    assert nostart["ended_at"] is None
    exit_only = rows[26]
    assert exit_only["answered_at"] is None and exit_only["talk_seconds"] is None
    assert exit_only["ended_at"] == utc(1999, 1, 8, 7, 3, 0)
    assert exit_only["agent"] == "SHARON"


def test_other_warts(result: AnonymousBankResult) -> None:
    rows = rows_by_line(result)
    skew = rows[13]
    assert skew["offered_at"] == utc(1999, 1, 6, 8, 33, 26)
    assert skew["ivr_exit_at"] is None and skew["ivr_seconds"] is None
    assert skew["queue_entry_at"] == utc(1999, 1, 6, 8, 32, 32)
    assert skew["wait_seconds"] == 112.0
    assert rows[15]["customer_id"] is None and rows[15]["customer_tier"] == "regular"
    hang = rows[17]
    assert (hang["outcome"], hang["wait_seconds"], hang["agent"]) == ("abandoned", 0.0, None)
    assert hang["answered_at"] is None and hang["talk_seconds"] is None
    assert hang["ended_at"] == utc(1999, 1, 7, 5, 54, 51)
    assert rows[18]["wait_seconds"] == 50.0  # the recorded duration is kept


def test_crlf_and_settings(tmp_path: Path) -> None:
    lines = {k: LINES[k] for k in (2, 3, 4)}
    crlf = read_anonymous_bank(write(tmp_path, lines, newline="\r\n"), IL)
    lf = read_anonymous_bank(write(tmp_path, lines, name="lf.txt"), IL)
    drop = ["source_file"]
    assert crlf.tables["calls"].drop_columns(drop).equals(lf.tables["calls"].drop_columns(drop))
    assert not any("Asia/Jerusalem" in n for n in lf.notes)
    shanghai = read_anonymous_bank(
        write(tmp_path, lines, name="sh.txt"), Settings(centre="Tel Aviv")
    )
    assert any('timezone = "Asia/Jerusalem"' in n for n in shanghai.notes)
    r = shanghai.tables["calls"].to_pylist()[0]
    assert r["centre"] == "Tel Aviv"
    assert r["offered_at"] == utc(1999, 1, 1, 6, 55, 20) - (
        utc(1999, 1, 1, 8, 0, 0) - utc(1999, 1, 1, 0, 0, 0)
    )


def test_summer_time_edges_and_odd_agent_names(tmp_path: Path) -> None:
    lines = {
        # 02:30 does not exist on 1999-04-02 in Israel (02:00 -> 03:00)
        2: row(
            "AA0101 1 0 0 PS 990402 2:30:00 2:30:10 10 0:00:00 0:00:00 0 HANG 0:00:00 0:00:00 0 NO_SERVER"
        ),
        # 01:30 happens twice on 1999-09-03 (02:00 summer time -> 01:00)
        3: row(
            "AA0101 2 0 0 PS 990903 1:30:00 1:30:10 10 0:00:00 0:00:00 0 AGENT 1:30:09 1:31:00 51 ANO_SERVERT"
        ),
    }
    res = read_anonymous_bank(write(tmp_path, lines, name="dst.txt"), IL)
    rows = rows_by_line(res)
    assert rows[2]["offered_local"] == datetime(1999, 4, 2, 2, 30)
    assert rows[2]["offered_at"] == utc(1999, 4, 2, 0, 0, 0)  # shifted to the end of the gap
    assert rows[3]["offered_at"] == utc(1999, 9, 2, 22, 30, 0)  # the earlier of the two
    assert rows[3]["agent"] == "ANO_SERVERT"
    assert res.warts["local_time_in_dst_gap"] == 1 and res.warts["local_time_ambiguous"] == 1
    assert any("ANO_SERVERT (1)" in n for n in res.notes)


def test_missing_days_note(tmp_path: Path) -> None:
    lines: dict[int, str] = {}
    for i, day in enumerate(d for d in range(1, 32) if d not in (11, 12)):
        lines[i + 2] = row(
            f"AA0101 {50000 + i} 0 0 PS 9901{day:02d} 8:00:00 8:00:10 10 0:00:00 0:00:00 0 "
            "HANG 0:00:00 0:00:00 0 NO_SERVER"
        )
    res = read_anonymous_bank(write(tmp_path, lines), IL)
    assert res.missing_days == [date(1999, 1, 11), date(1999, 1, 12)]
    assert dict(res.warts) == {"days_missing": 2}
    assert any("1999-01-11, 1999-01-12" in n for n in res.notes)
    assert res.rows_rejected == 0


def test_bad_files(tmp_path: Path) -> None:
    nohead = tmp_path / "nohead.txt"
    nohead.write_text(LINES[2] + "\n", encoding="ascii")
    with pytest.raises(FormatError, match="documented header"):
        read_anonymous_bank(nohead, IL)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError):
        read_anonymous_bank(empty, IL)
    only_header = write(tmp_path, {}, name="header.txt")
    res = read_anonymous_bank(only_header, IL)
    assert res.rows_read == 0 and res.tables["calls"].num_rows == 0
    binary = tmp_path / "binary.txt"
    binary.write_bytes(T.join(HEADER).encode() + b"\n" + LINES[2].encode() + b"\n\xff\xfe\x00\n")
    res = read_anonymous_bank(binary, IL)
    assert (res.rows_read, res.rows_accepted) == (2, 1)
    assert "UTF-8" in res.rejects[0].reason and res.rejects[0].line == 3


_field = st.text(alphabet=st.sampled_from("0123456789:AGENTHPSX_ -.+\t"), max_size=10)


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.lists(_field, min_size=15, max_size=19).map(T.join),
            st.sampled_from(list(LINES.values())),
        ),
        max_size=12,
    )
)
def test_fuzzed_lines_never_crash_and_are_accounted(tmp_path: Path, lines: list[str]) -> None:
    clean = [ln.replace("\n", " ").replace("\r", " ") for ln in lines]
    p = tmp_path / "fuzz.txt"
    p.write_text("\n".join([T.join(HEADER), *clean]) + "\n", encoding="utf-8")
    res = read_anonymous_bank(p, IL)
    assert res.rows_read == len(clean)
    assert res.rows_accepted + res.rows_rejected == res.rows_read
    assert res.tables["calls"].num_rows == res.rows_accepted
    assert all(r.reason for r in res.rejects)


# --- the real data ------------------------------------------------------------------------

REAL_WARTS = {
    "space_separated": 8,
    "type_leading_space": 6,
    "type_unknown": 5,
    "customer_id_scientific": 178,
    "agent_no_server": 4119,
    "agent_no_service_start": 391,
    "hang_with_service_record": 826,
    "hang_queued_zero_wait": 287,
    "vru_exit_before_entry": 274,
    "queue_crosses_midnight": 33,
    "service_crosses_midnight": 219,
    "stage_starts_next_day": 34,
    "real_midnight": 2,
    "days_missing": 2,
    "local_time_ambiguous": 10,  # 1999-09-03 01:07-01:51, the hour that summer time repeats
}


def test_all_nine_real_months(shared_data: Path) -> None:
    files = sorted((shared_data / "anonymous_bank_1999" / "raw").glob("*.txt"))
    assert len(files) == 9
    results = [read_anonymous_bank(f, IL) for f in files]
    assert outcome_counts(results) == Counter(AGENT=254_287, HANG=61_341, PHANTOM=2_658)
    read = sum(r.rows_read for r in results)
    accepted = sum(r.rows_accepted for r in results)
    rejects = [j for r in results for j in r.rejects]
    assert (read, accepted, len(rejects)) == (318_286, 315_628, 2_658)
    assert all(j.reason == PHANTOM_REASON and j.field == "outcome" and j.raw for j in rejects)
    warts: Counter[str] = Counter()
    for r in results:
        warts.update(r.warts)
    assert dict(warts) == REAL_WARTS
    calls = pa.concat_tables([r.tables["calls"] for r in results])
    assert calls.num_rows == accepted
    assert pc.count_distinct(calls.column("call_id")).as_py() == accepted
    assert Counter(calls.column("outcome").to_pylist()) == Counter(
        answered=254_287, abandoned=44_678, ivr_abandoned=16_663
    )
    january = next(r for r in results if r.source_file.endswith("january.txt"))
    assert january.missing_days == [date(1999, 1, 11), date(1999, 1, 12)]
    # durations are non-negative and null exactly when the stage did not happen
    for col in ("ivr_seconds", "wait_seconds", "talk_seconds"):
        assert pc.min(calls.column(col)).as_py() >= 0
    # a wait is recorded exactly for legs that queued or were answered (straight from the
    # VRU: 0 s); callers who hung up in the VRU never reached the ACD and have none
    queued = pc.is_valid(calls.column("queue_entry_at"))
    answered = pc.equal(calls.column("outcome"), "answered")
    has_wait = pc.is_valid(calls.column("wait_seconds"))
    assert pc.all(pc.equal(pc.or_(queued, answered), has_wait)).as_py()
