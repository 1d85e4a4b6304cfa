"""Asterisk queue_log reader: real data (Asterisk sample, Wazo fixtures) and every verb.

Hand-worked expectations are written next to each fixture.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from callcenter.errors import FormatError, InputError
from callcenter.ingest.queue_log import detect_layout, read_queue_log
from callcenter.settings import Settings

UTC_SETTINGS = Settings(timezone="UTC")


def _read(tmp_path: Path, text: str, settings: Settings = UTC_SETTINGS, name: str = "queue_log",
          **kw: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    r = read_queue_log(p, settings, **kw)
    r.check_accounting()
    assert r.rows_read == r.rows_accepted + len(r.rejects)
    return r


def _calls(r) -> pl.DataFrame:
    df = pl.from_arrow(r.tables["calls"])
    assert isinstance(df, pl.DataFrame)
    return df


def _states(r) -> pl.DataFrame:
    df = pl.from_arrow(r.tables["agent_states"])
    assert isinstance(df, pl.DataFrame)
    return df


def _one(df: pl.DataFrame) -> dict:
    assert df.height == 1, df
    return df.row(0, named=True)


# ----------------------------------------------------------------- the real Asterisk sample
@pytest.fixture(scope="module")
def asterisk(shared_data: Path):
    r = read_queue_log(shared_data / "asterisk_sample" / "queue_log", Settings())
    r.check_accounting()
    return r


def test_asterisk_sample_accounts_for_every_line(asterisk) -> None:
    assert asterisk.rows_read == 101
    assert asterisk.rejects == []
    assert asterisk.format == "queue_log:file"


def test_asterisk_sample_counts_equal_queue_show(asterisk) -> None:
    """`queue show` at the end of the run: support C 20 A 5, sales C 6 A 1."""
    c = _calls(asterisk)
    got = {(q, o): n for q, o, n in c.group_by("queue", "outcome").len().iter_rows()}
    assert got == {
        ("support", "answered"): 20,
        ("support", "abandoned"): 5,
        ("sales", "answered"): 6,
        ("sales", "abandoned"): 1,
    }
    offered = dict(c.group_by("queue").len().iter_rows())
    assert offered == {"support": 25, "sales": 7}
    assert c["call_id"].n_unique() == 32


@pytest.mark.parametrize(("queue", "t", "sl", "sl2"), [("support", 20, 80.0, 80.0),
                                                     ("sales", 30, 83.3, 85.7)])
def test_asterisk_sample_sl_and_sl2(asterisk, queue: str, t: float, sl: float, sl2: float) -> None:
    """Asterisk SL = answered within T ÷ answered; SL2 = (answered + abandoned within T) ÷
    (answered + abandoned), reproduced from wait_seconds (Asterisk counts wait ≤ T)."""
    c = _calls(asterisk).filter(pl.col("queue") == queue)
    ans = c.filter(pl.col("outcome") == "answered")
    ab = c.filter(pl.col("outcome") == "abandoned")
    ans_in = ans.filter(pl.col("wait_seconds") <= t).height
    ab_in = ab.filter(pl.col("wait_seconds") <= t).height
    assert round(100 * ans_in / ans.height, 1) == sl
    assert round(100 * (ans_in + ab_in) / (ans.height + ab.height), 1) == sl2


def test_asterisk_sample_first_calls_hand_checked(asterisk) -> None:
    c = _calls(asterisk)
    # line 2-4: ENTERQUEUE 1795350193, RINGCANCELED 2500 ms, ABANDON 1|1|3
    a = _one(c.filter(pl.col("call_id") == "1795350191.1:1"))
    assert a["outcome"] == "abandoned" and a["wait_seconds"] == 3.0
    assert a["offered_at"] == datetime.fromtimestamp(1795350193, UTC)
    assert a["caller_number"] == "+15555321472" and a["source_line"] == 2
    assert a["agent"] is None and a["answered_at"] is None
    # Shanghai is UTC+8 with no DST
    assert a["offered_local"] == datetime.fromtimestamp(1795350193 + 8 * 3600, UTC).replace(tzinfo=None)
    # line 5/6/23: CONNECT 4|..|4 then COMPLETEAGENT 4|72|1
    b = _one(c.filter(pl.col("call_id") == "1795350196.5:1"))
    assert (b["outcome"], b["agent"], b["wait_seconds"], b["talk_seconds"]) == ("answered", "agent2", 4.0, 72.0)
    assert b["ring_seconds"] == 4.0 and b["ring_count"] == 2  # ceil(4 / 3 s a ring)
    assert b["answered_at"] == datetime.fromtimestamp(1795350203, UTC)
    assert b["ended_at"] == datetime.fromtimestamp(1795350275, UTC)
    assert b["source_outcome"] == "COMPLETEAGENT"


def test_asterisk_sample_agent_states(asterisk) -> None:
    s = _states(asterisk)
    pauses = s.filter(pl.col("state") == "not_ready").sort("start_at")
    assert pauses.select("agent", "reason", "queue", "seconds").rows() == [
        ("agent2", "Break", "support", 120.0),  # 1795350276 -> 1795350396
        ("agent5", "Lunch", "sales", 90.0),  # 1795350486 -> 1795350576
    ]
    member = _one(s.filter(pl.col("state") == "logged_in"))
    assert (member["agent"], member["queue"], member["seconds"]) == ("Local/agent6@agents", "support", 220.0)
    # RINGCANCELED 2500 ms on line 3 -> 2.5 s ringing ending at 1795350196
    ring = _one(s.filter((pl.col("state") == "ringing") & (pl.col("source_line") == 3)))
    assert ring["seconds"] == 2.5 and ring["call_id"] == "1795350191.1:1"
    talking = s.filter(pl.col("state") == "talking")
    assert talking.height == 26
    assert talking["seconds"].sum() == _calls(asterisk)["talk_seconds"].sum()


# ----------------------------------------------------------------- the Wazo fixtures
def _wazo_scenarios(shared_data: Path, tmp_path: Path) -> dict[str, Path]:
    """Split the fixtures file into one table-layout CSV per scenario (call ids repeat
    across scenarios, as in Wazo's own tests, which load one scenario at a time)."""
    src = shared_data / "wazo_statcenter" / "queue_log_fixtures.csv"
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    by: dict[str, list[list[str]]] = defaultdict(list)
    for row in body:
        by[row[1]].append(row)
    out = {}
    for sid, rs in by.items():
        p = tmp_path / (sid.replace("#", "_") + ".csv")
        with open(p, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *rs])
        out[sid] = p
    return out


@pytest.fixture(scope="module")
def wazo(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    paths = _wazo_scenarios(shared_data, tmp_path_factory.mktemp("wazo"))
    out = {}
    for sid, p in paths.items():
        try:
            r = read_queue_log(p, Settings())
        except FormatError:
            out[sid] = None  # a scenario whose every row is unusable (checked below)
            continue
        r.check_accounting()
        out[sid] = r
    return out


def test_wazo_whole_file_loads_without_loss(shared_data: Path) -> None:
    r = read_queue_log(shared_data / "wazo_statcenter" / "queue_log_fixtures.csv", Settings())
    r.check_accounting()
    assert r.format == "queue_log:table"
    assert r.rows_read == 179
    assert "WRAPUPSTART event (informational, ignored)" not in r.warts
    # 4 rows are unusable and each says why: 3 times like "10:10.777777" (no date),
    # 1 ADDMEMBER logged with agent NONE
    assert sorted((j.line, j.field) for j in r.rejects) == [
        (58, "agent"), (141, "time"), (142, "time"), (143, "time")]
    assert all(j.raw and j.reason for j in r.rejects)
    assert [j.table for j in r.rejects] == ["agent_states", "agent_states", "agent_states", "agent_states"]
    assert any("feature, scenario_id, scenario" in n for n in r.notes)


def _per_queue(r) -> dict[str, dict[str, int]]:
    c = _calls(r)
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for q, o in c.select("queue", "outcome").iter_rows():
        out[q]["received"] += 1
        out[q][o] += 1
        if o in ("answered", "transferred"):
            out[q]["answered_total"] += 1
    return out


@pytest.mark.parametrize(
    ("sid", "queue", "expected"),
    [
        # expected_stats.md "Total" rows; Closed/Blocking/Saturated map to outcome blocked
        ("statcenter_queue#1", "q01", {"received": 1, "answered_total": 1}),
        ("statcenter_queue#1", "q02", {"received": 1, "answered_total": 1}),
        ("statcenter_queue#2", "q01", {"received": 5, "abandoned": 5}),
        ("statcenter_queue#3", "q01", {"received": 5, "answered_total": 5}),
        ("statcenter_queue#4", "q01", {"received": 5, "blocked": 5}),
        ("statcenter_queue#5", "q01", {"received": 5, "blocked": 5}),
        ("statcenter_queue#6", "q01", {"received": 5, "blocked": 5}),
        ("statcenter_queue#7", "q01", {"received": 9, "answered_total": 4, "blocked": 1}),
        ("statcenter_queue#8", "q01", {"received": 1, "answered_total": 0, "blocked": 1}),
        ("statcenter_queue#9", "q01", {"received": 1, "answered_total": 1, "blocked": 0}),
        ("statcenter_queue#10", "q01", {"received": 2, "answered_total": 0, "blocked": 2}),
    ],
)
def test_wazo_queue_stats(wazo, sid: str, queue: str, expected: dict[str, int]) -> None:
    got = _per_queue(wazo[sid])[queue]
    assert {k: got.get(k, 0) for k in expected} == expected


def test_wazo_queue_hours_bucket_by_local_enterqueue(wazo) -> None:
    """Scenario 3: 3 calls received 8h-9h and 2 in 9h-10h, although three CONNECT lines
    carry times before their ENTERQUEUE (merged as clock skew); the table's date-times
    are centre-local, so offered_local has the same wall clock."""
    r = wazo["statcenter_queue#3"]
    c = _calls(r).filter(pl.col("queue") == "q01")
    hours = c.group_by(pl.col("offered_local").dt.hour()).len().sort("offered_local").rows()
    assert hours == [(8, 3), (9, 2)]
    assert r.warts["ENTERQUEUE logged after the leg's other events (clock skew, merged)"] == 3
    # statcenter_queue#2: AWT 00:00:03 = mean waittime of the abandons (4,5,2,4,2 -> 3.4 s)
    ab = _calls(wazo["statcenter_queue#2"]).filter(pl.col("queue") == "q01")
    assert sorted(ab["wait_seconds"].to_list()) == [2.0, 2.0, 4.0, 4.0, 5.0]
    assert ab["wait_seconds"].mean() == pytest.approx(3.4)


def test_wazo_agent_answered_and_conversation(wazo) -> None:
    # agent#1: 3 answered (one transferred with TRANSFER s|user|1|9|1)
    c = _calls(wazo["statcenter_agent#1"])
    assert c.filter(pl.col("agent") == "Agent/1")["outcome"].sort().to_list() == [
        "answered", "answered", "transferred"]
    # agent#2: 6 answered, conversation 00:01:00 over COMPLETE*, TRANSFER, BLINDTRANSFER,
    # ATTENDEDTRANSFER BRIDGE and LINK variants (calltime 10 s each)
    c = _calls(wazo["statcenter_agent#2"]).filter(pl.col("agent") == "Agent/2")
    assert c.height == 6 and c["talk_seconds"].sum() == 60.0
    kinds = dict(c.select("source_outcome", "transfer_kind").iter_rows())
    assert kinds == {"COMPLETEAGENT": None, "COMPLETECALLER": None, "TRANSFER": "blind",
                     "BLINDTRANSFER": "blind", "ATTENDEDTRANSFER": "announced"}
    targets = set(c["transfer_target"].drop_nulls().to_list())
    assert targets == {"1001@default", "BRIDGE:foobar", "LINK:SIP/a-1,SIP/b-2"}
    # agent#16: a call answered by Agent/12 in q12 then by Agent/13 in q13: two legs
    c = _calls(wazo["statcenter_agent#16"]).sort("leg")
    assert c.select("leg", "queue", "agent", "outcome").rows() == [
        (1, "q12", "Agent/12", "answered"), (2, "q13", "Agent/13", "answered")]
    assert c["contact_id"].n_unique() == 1


def _login_seconds(r, agent: str) -> tuple[float, int]:
    s = _states(r).filter((pl.col("state") == "logged_in") & (pl.col("agent") == agent))
    return s["seconds"].sum(), s.filter(pl.col("end_at").is_null()).height


@pytest.mark.parametrize(
    ("sid", "agent", "closed_s", "open_n"),
    [
        ("statcenter_agent#3", "Agent/3", 900.0, 0),  # Login 00:15:00
        ("statcenter_agent#4", "Agent/4", 36.0, 1),  # 6 s + 30 s, then open from 09:50
        ("statcenter_agent#5", "Agent/5", 695.000001, 0),  # Login 00:11:35
        ("statcenter_agent#9", "Agent/5", 600.0, 1),  # 00:10:00 in 8h-9h, then open
        ("statcenter_agent#12", "Agent/9", 1355.000001, 0),  # 00:22:35
        ("statcenter_agent#6", "Agent/5", 330.0, 0),  # logoffs only: 300 s and 30 s before 08:00
    ],
)
def test_wazo_login_time(wazo, sid: str, agent: str, closed_s: float, open_n: int) -> None:
    total, n_open = _login_seconds(wazo[sid], agent)
    assert total == pytest.approx(closed_s, abs=1e-6)
    assert n_open == open_n


def test_wazo_pause_time(wazo) -> None:
    # agent#13: Pause total 01:13:28 = 4408 s (repeated PAUSEALL extend the open pause)
    s = _states(wazo["statcenter_agent#13"]).filter(pl.col("state") == "not_ready")
    assert s["seconds"].sum() == 4408.0 and s.height == 3
    # agent#14: same minus the last UNPAUSEALL: 518 s closed + one pause open from 09:41:10
    s = _states(wazo["statcenter_agent#14"]).filter(pl.col("state") == "not_ready")
    assert s["seconds"].sum() == 518.0
    last = _one(s.filter(pl.col("end_at").is_null()))
    assert last["start_local"] == datetime(2012, 1, 1, 9, 41, 10)


def test_wazo_wrapup_time(wazo) -> None:
    # agent#15: Answered 1, Wrapup 00:00:15 (WRAPUPSTART|15)
    r = wazo["statcenter_agent#15"]
    acw = _one(_states(r).filter(pl.col("state") == "acw"))
    assert (acw["agent"], acw["seconds"]) == ("Agent/11", 15.0)
    assert _one(_calls(r))["outcome"] == "answered"


def test_wazo_time_without_date_is_rejected(wazo) -> None:
    assert wazo["statcenter_agent#11"] is None  # its three rows are all undated


# ----------------------------------------------------------------- verbs and field variants
HEAD = "1700000000|NONE|NONE|NONE|QUEUESTART|\n"


def test_answered_completecaller(tmp_path: Path) -> None:
    r = _read(tmp_path, HEAD
              + "1700000010|c1|q|NONE|ENTERQUEUE||13800138000|1\n"
              + "1700000022|c1|q|SIP/101|CONNECT|12|c1b|5\n"
              + "1700000082|c1|q|SIP/101|COMPLETECALLER|12|60|1\n")
    c = _one(_calls(r))
    assert (c["outcome"], c["wait_seconds"], c["talk_seconds"], c["ring_seconds"]) == (
        "answered", 12.0, 60.0, 5.0)
    assert c["ring_count"] == 2 and c["agent"] == "SIP/101"
    assert c["queue_exit_at"] == c["answered_at"] == datetime.fromtimestamp(1700000022, UTC)
    assert r.warts["QUEUESTART event (informational, ignored)"] == 1


def test_connect_without_ringtime_asterisk_14(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000010|c1|q|NONE|ENTERQUEUE||100\n"
              "1700000013|c1|q|a1|CONNECT|3|c1b\n"
              "1700000020|c1|q|a1|COMPLETEAGENT|3|7|1\n")
    c = _one(_calls(r))
    assert c["ring_seconds"] is None and c["ring_count"] is None
    assert c["wait_seconds"] == 3.0 and c["talk_seconds"] == 7.0


@pytest.mark.parametrize(
    ("line", "outcome", "wait"),
    [
        ("1700000030|c1|q|NONE|ABANDON|2|3|20", "abandoned", 20.0),
        ("1700000030|c1|q|NONE|EXITWITHTIMEOUT|2|3|20", "timeout", 20.0),
        ("1700000030|c1|q|NONE|EXITWITHTIMEOUT|2", "timeout", 25.0),  # old: position only
        ("1700000030|c1|q|NONE|EXITEMPTY|1|1|20", "exit_empty", 20.0),
        ("1700000030|c1|q|NONE|EXITWITHKEY|5|1|1|20", "exit_key", 20.0),
        ("1700000030|c1|q|NONE|EXITWITHKEY|5|1", "exit_key", 25.0),  # old: key|position
    ],
)
def test_queue_losses(tmp_path: Path, line: str, outcome: str, wait: float) -> None:
    r = _read(tmp_path, f"1700000005|c1|q|NONE|ENTERQUEUE||100|1\n{line}\n")
    c = _one(_calls(r))
    assert (c["outcome"], c["wait_seconds"]) == (outcome, wait)
    assert c["answered_at"] is None and c["talk_seconds"] is None
    assert c["queue_exit_at"] == c["ended_at"] == datetime.fromtimestamp(1700000030, UTC)


@pytest.mark.parametrize("verb", ["FULL", "JOINEMPTY", "JOINUNAVAIL", "CLOSED", "DIVERT_CA_RATIO"])
def test_blocked(tmp_path: Path, verb: str) -> None:
    r = _read(tmp_path, f"1700000005|c1|q|NONE|{verb}|1|1|0\n")
    c = _one(_calls(r))
    assert (c["outcome"], c["source_outcome"], c["wait_seconds"], c["queue_entry_at"]) == (
        "blocked", verb, None, None)
    assert c["offered_at"] == datetime.fromtimestamp(1700000005, UTC)


@pytest.mark.parametrize(
    ("line", "kind", "target", "talk", "wait"),
    [
        ("TRANSFER|8001|from-internal|4|30|1", "blind", "8001@from-internal", 30.0, 4.0),
        ("BLINDTRANSFER|8001|from-internal|4|30|1", "blind", "8001@from-internal", 30.0, 4.0),
        ("ATTENDEDTRANSFER|BRIDGE|b-77|4|30|1", "announced", "BRIDGE:b-77", 30.0, 4.0),
        ("ATTENDEDTRANSFER|APP|VoiceMail|4|30|1", "announced", "APP:VoiceMail", 30.0, 4.0),
        ("ATTENDEDTRANSFER|LINK|SIP/a-1|SIP/b-2|4|30|1", "announced", "LINK:SIP/a-1,SIP/b-2", 30.0, 4.0),
    ],
)
def test_transfers(tmp_path: Path, line: str, kind: str, target: str, talk: float,
                   wait: float) -> None:
    # CONNECT without holdtime: wait must come from the transfer's own holdtime field
    r = _read(tmp_path, "1700000000|c1|q|NONE|ENTERQUEUE||100|1\n"
              "1700000004|c1|q|a1|CONNECT||c1b|1\n"
              f"1700000034|c1|q|a1|{line}\n")
    c = _one(_calls(r))
    assert (c["outcome"], c["transfer_kind"], c["transfer_target"]) == ("transferred", kind, target)
    assert (c["talk_seconds"], c["wait_seconds"], c["agent"]) == (talk, wait, "a1")


def test_ring_times_are_milliseconds(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000000|c1|q|NONE|ENTERQUEUE||100|1\n"
              "1700000015|c1|q|a1|RINGNOANSWER|15000\n"
              "1700000020|c1|q|a2|RINGCANCELED|4500\n"
              "1700000020|c1|q|NONE|ABANDON|1|1|20\n")
    s = _states(r).filter(pl.col("state") == "ringing").sort("agent")
    assert s.select("agent", "seconds", "call_id").rows() == [("a1", 15.0, "c1:1"), ("a2", 4.5, "c1:1")]
    assert s["start_at"][0] == datetime.fromtimestamp(1700000000, UTC)
    # ring times of members who did not answer are not the answered ring
    assert _one(_calls(r))["ring_seconds"] is None


def test_call_through_two_queues_is_two_legs(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000000|c1|sales|NONE|ENTERQUEUE||100|1\n"
              "1700000030|c1|sales|NONE|EXITWITHTIMEOUT|1|1|30\n"
              "1700000031|c1|support|NONE|ENTERQUEUE||100|1\n"
              "1700000040|c1|support|a9|CONNECT|9|c1b|2\n"
              "1700000100|c1|support|a9|COMPLETEAGENT|9|60|1\n"
              "1700000200|c1|sales|NONE|ENTERQUEUE||100|1\n"
              "1700000205|c1|sales|NONE|ABANDON|1|1|5\n")
    c = _calls(r).sort("leg")
    assert c.select("call_id", "contact_id", "leg", "queue", "outcome", "wait_seconds").rows() == [
        ("c1:1", "c1", 1, "sales", "timeout", 30.0),
        ("c1:2", "c1", 2, "support", "answered", 9.0),
        ("c1:3", "c1", 3, "sales", "abandoned", 5.0),
    ]


def test_out_of_order_lines_are_sorted_and_counted(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000100|c1|q|a1|COMPLETECALLER|10|60|1\n"
              "1700000000|c1|q|NONE|ENTERQUEUE||100|1\n"
              "1700000010|c1|q|a1|CONNECT|10|c1b|1\n")
    c = _one(_calls(r))
    assert (c["outcome"], c["talk_seconds"], c["source_line"]) == ("answered", 60.0, 1)
    assert c["offered_at"] == datetime.fromtimestamp(1700000000, UTC)
    assert r.warts["line earlier than a line before it (re-sorted by time)"] == 2


def test_cut_off_calls_are_incomplete(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000000|waiting|q|NONE|ENTERQUEUE||100|1\n"
              "1700000001|talking|q|NONE|ENTERQUEUE||101|2\n"
              "1700000007|talking|q|a1|CONNECT|6|x|2\n")
    c = {row["contact_id"]: row for row in _calls(r).iter_rows(named=True)}
    w, t = c["waiting"], c["talking"]
    assert (w["outcome"], w["wait_seconds"], w["ended_at"], w["agent"]) == ("incomplete", None, None, None)
    assert (t["outcome"], t["wait_seconds"], t["agent"], t["talk_seconds"]) == ("incomplete", 6.0, "a1", None)
    assert t["answered_at"] == datetime.fromtimestamp(1700000007, UTC) and t["ended_at"] is None
    talking = _one(_states(r).filter(pl.col("state") == "talking"))
    assert talking["end_at"] is None and talking["seconds"] is None
    assert r.warts["call cut off at the end of the log (outcome incomplete)"] == 2


def test_log_starting_mid_call(tmp_path: Path) -> None:
    """COMPLETEAGENT with no ENTERQUEUE/CONNECT: answered, times derived from its fields."""
    r = _read(tmp_path, "1700000100|c1|q|a1|COMPLETEAGENT|12|60|1\n")
    c = _one(_calls(r))
    assert c["outcome"] == "answered" and c["queue_entry_at"] is None
    assert c["answered_at"] == datetime.fromtimestamp(1700000040, UTC)
    assert c["offered_at"] == datetime.fromtimestamp(1700000028, UTC)
    assert r.warts["answered leg without CONNECT (answer time derived from calltime)"] == 1


def test_pauses_with_reasons_and_sessions(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000000|NONE|q1|SIP/1|ADDMEMBER|\n"
              "1700000000|NONE|q2|SIP/1|ADDMEMBER|\n"
              "1700000100|NONE|q1|SIP/1|PAUSE|Lunch\n"
              "1700000160|NONE|q1|SIP/1|PAUSE|Training\n"  # new reason: closes Lunch
              "1700000200|NONE|q1|SIP/1|UNPAUSE|\n"
              "1700000300|NONE|NONE|SIP/1|PAUSEALL|Meeting\n"
              "1700000400|NONE|NONE|SIP/1|UNPAUSEALL|\n"
              "1700000500|NONE|q1|SIP/1|REMOVEMEMBER|\n"
              "1700000600|NONE|NONE|Agent/7|AGENTLOGIN|SIP/7\n"
              "1700000660|NONE|NONE|Agent/7|AGENTLOGOFF|SIP/7|60\n"
              "1700000700|NONE|NONE|Agent/8|AGENTLOGOFF|SIP/8|100\n")
    s = _states(r)
    nr = s.filter(pl.col("state") == "not_ready").sort("start_at")
    assert nr.select("reason", "queue", "seconds").rows() == [
        ("Lunch", "q1", 60.0), ("Training", "q1", 40.0), ("Meeting", None, 100.0)]
    li = s.filter(pl.col("state") == "logged_in").sort("agent", "queue")
    assert li.select("agent", "queue", "seconds").rows() == [
        ("Agent/7", None, 60.0), ("Agent/8", None, 100.0),
        ("SIP/1", "q1", 500.0), ("SIP/1", "q2", None)]  # q2 still a member at the end


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("garbage", None, "fewer than 5 fields"),
        ("abc|c1|q|NONE|ENTERQUEUE||1", "time", "epoch"),
        ("99|c1|q|NONE|ENTERQUEUE||1", "time", "1990"),
        ("1700000000|c1|q|NONE|FOOBAR|1", "event", "unknown queue_log event 'FOOBAR'"),
        ("1700000000|c1|q|a1|CONNECT|x1|c1b|1", "data1", "holdtime"),
        ("1700000000|c1|q|a1|COMPLETECALLER|1|-5|1", "data2", "calltime"),
        ("1700000000|c1|q|NONE|ABANDON|1|1|nan", "data3", "waittime"),
        ("1700000000|c1|q|a1|RINGNOANSWER|1e400", "data1", "milliseconds"),
        ("1700000000|NONE|q|NONE|ENTERQUEUE||1", "callid", "call id"),
        ("1700000000|c1|NONE|NONE|ENTERQUEUE||1", "queuename", "queue"),
        ("1700000000|NONE|q|NONE|PAUSE|x", "agent", "agent"),
    ],
)
def test_bad_lines_are_rejected_with_field_and_reason(tmp_path: Path, line: str, field: str | None,
                                                      words: str) -> None:
    r = _read(tmp_path, f"1700000000|c0|q|NONE|ENTERQUEUE||1\n{line}\n")
    assert len(r.rejects) == 1
    j = r.rejects[0]
    assert (j.line, j.field, j.raw) == (2, field, line)
    assert words in j.reason


def test_invalid_utf8_line_is_rejected_not_fatal(tmp_path: Path) -> None:
    p = tmp_path / "queue_log"
    p.write_bytes(b"1700000000|c0|q|NONE|ENTERQUEUE||1\n1700000001|c1|q|NONE|ENTERQUEUE|\xff\xfe|1\r\n")
    r = read_queue_log(p, UTC_SETTINGS)
    assert [(j.line, j.field) for j in r.rejects] == [(2, None)]
    assert "UTF-8" in r.rejects[0].reason
    assert _calls(r).height == 1


def test_blank_lines_and_crlf(tmp_path: Path) -> None:
    r = _read(tmp_path, "1700000000|c0|q|NONE|ENTERQUEUE||1\r\n\r\n1700000005|c0|q|NONE|ABANDON|1|1|5\r\n")
    assert r.rejects == [] and r.rows_read == 3
    assert r.warts["blank line ignored"] == 1
    assert _one(_calls(r))["outcome"] == "abandoned"


def test_unreadable_files_raise_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_queue_log(tmp_path / "missing", UTC_SETTINGS)
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_queue_log(tmp_path / "empty", UTC_SETTINGS)
    (tmp_path / "junk").write_text("hello\nworld\n")
    with pytest.raises(FormatError, match="no line of junk is a queue_log event"):
        read_queue_log(tmp_path / "junk", UTC_SETTINGS)
    with pytest.raises(InputError, match="layout"):
        read_queue_log(tmp_path / "junk", UTC_SETTINGS, layout="xml")


# ----------------------------------------------------------------- table layout variants
def test_table_layout_local_times_epochs_and_data_column(tmp_path: Path) -> None:
    text = ("id,time,callid,queuename,agent,event,data\n"
            "1,2024-03-10 09:00:00,c1,q,NONE,ENTERQUEUE,|100|1\n"
            "2,2024-03-10 09:00:05.5,c1,q,a1,CONNECT,5|c1b|2\n"
            "3,1710032465,c1,q,a1,COMPLETEAGENT,5|60|1\n")  # epoch = 2024-03-10 01:01:05 UTC
    r = _read(tmp_path, text, Settings(timezone="Asia/Shanghai"), name="ql.csv")
    assert r.format == "queue_log:table"
    c = _one(_calls(r))
    assert c["offered_at"] == datetime(2024, 3, 10, 1, 0, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert c["offered_local"] == datetime(2024, 3, 10, 9, 0, 0)
    assert c["answered_at"] == datetime(2024, 3, 10, 1, 0, 5, 500000, tzinfo=UTC)
    assert c["ended_at"] == datetime(2024, 3, 10, 1, 1, 5, tzinfo=UTC)
    assert (c["wait_seconds"], c["talk_seconds"], c["caller_number"]) == (5.0, 60.0, "100")
    assert any("id" in n for n in r.notes)


def test_table_layout_bad_rows_and_missing_columns(tmp_path: Path) -> None:
    r = _read(tmp_path, "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"
              "2024-01-01 08:00:00,c1,q,NONE,ENTERQUEUE,,100,1,,\n"
              "2024-01-01 08:00:09,c1,q,NONE,ABANDON,1,1\n"
              "2024-01-01 08:00:10,c1,q,NONE,ABANDON,1,1,10,,\n", name="t.csv")
    assert [(j.line, j.field) for j in r.rejects] == [(3, None)]
    assert "7 fields where the header has 10" in r.rejects[0].reason
    assert _one(_calls(r))["wait_seconds"] == 10.0
    p = tmp_path / "bad.csv"
    p.write_text("time,callid,event,agent\n1,2,3,4\n")
    with pytest.raises(FormatError, match="queuename"):
        read_queue_log(p, UTC_SETTINGS, layout="table")


def test_detect_layout() -> None:
    assert detect_layout(b"time,callid,queuename,agent,event,data1\n") == "table"
    assert detect_layout(b"\xef\xbb\xbfTIME,CALLID,QUEUENAME,AGENT,EVENT,DATA\n") == "table"
    assert detect_layout(b"1700000000|NONE|NONE|NONE|QUEUESTART|\n") == "file"


# ----------------------------------------------------------------- chunked reading
def test_file_chunks_keep_whole_lines_and_numbers(tmp_path: Path) -> None:
    from callcenter.ingest._queue_log_parse import file_chunks

    p = tmp_path / "q"
    p.write_bytes(b"aaaa\nbb\n\ncccccc\nd")  # no final newline
    got = list(file_chunks(p, chunk_bytes=3))
    assert b"".join(b for b, _ in got) == p.read_bytes()
    assert all(b.endswith(b"\n") for b, _ in got[:-1])
    starts = [first for _, first in got]
    # "aaaa\n" | "bb\n\n" (lines 2-3) | "cccccc\n" | "d"
    assert starts == [1, 2, 4, 5]


def test_small_chunks_give_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Calls spread over many chunks (and a bad line in the middle) read exactly as in one."""
    import callcenter.ingest.queue_log as ql
    from callcenter.ingest._queue_log_parse import file_chunks

    text = ("1700000000|c1|q|NONE|ENTERQUEUE||100|1\n"
            "1700000001|c2|q|NONE|ENTERQUEUE||101|2\n"
            "junk line\n"
            "1700000005|c1|q|a1|CONNECT|5|x|2\n"
            "1700000006|NONE|q|a1|PAUSE|Lunch\n"
            "1700000009|c2|q|NONE|ABANDON|1|2|8\n"
            "1700000065|c1|q|a1|COMPLETECALLER|5|60|1\n"
            "1700000070|NONE|q|a1|UNPAUSE|\n")
    whole = _read(tmp_path, text)
    monkeypatch.setattr(ql, "file_chunks", lambda p: file_chunks(p, chunk_bytes=7))
    small = _read(tmp_path, text, name="again")
    assert small.tables["calls"].drop(["source_file"]).equals(whole.tables["calls"].drop(["source_file"]))
    # pause (64 s), the answered ring (2 s) and the talk (60 s)
    assert small.tables["agent_states"].num_rows == whole.tables["agent_states"].num_rows == 3
    assert [(j.line, j.raw) for j in small.rejects] == [(j.line, j.raw) for j in whole.rejects] == [
        (3, "junk line")]
