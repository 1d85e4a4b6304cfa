"""The generic tabular reader: shipped examples with hand-checked values, and every class of
bad input with its Reject (line + field) or error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callcenter import schema
from callcenter.errors import ConfigError, FormatError, InputError
from callcenter.ingest.base import ReadResult
from callcenter.ingest.mapping import load_mapping, parse_mapping
from callcenter.ingest.tabular import read_tabular
from callcenter.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "examples" / "data"
MAPS = ROOT / "examples" / "mappings"
S = Settings()


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def rows_by(result: ReadResult, table: str, key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in result.tables[table].to_pylist()}


def check(result: ReadResult, table: str) -> None:
    """Accounting and the canonical schema (equal to what schema.conform makes of it)."""
    result.check_accounting()
    t = result.tables[table]
    assert result.rows_read == result.rows_accepted + len(result.rejects)
    assert t.num_rows == result.rows_accepted
    assert t.schema.equals(schema.TABLES[table].schema)
    assert schema.conform(table, t).equals(t)


# --------------------------------------------------------------------------- examples


def test_generic_calls_example() -> None:
    r = read_tabular(DATA / "generic_calls.csv", S, MAPS / "generic_calls.yaml")
    check(r, "calls")
    assert (r.rows_read, r.rows_accepted, r.rejects) == (6, 6, [])
    c = rows_by(r, "calls", "call_id")
    a = c["1001"]
    assert a["offered_at"] == utc(2024, 3, 1, 0, 0, 5)  # 08:00:05 Shanghai
    assert a["offered_local"] == datetime(2024, 3, 1, 8, 0, 5)
    assert (a["wait_seconds"], a["talk_seconds"], a["hold_seconds"], a["acw_seconds"]) == (15, 240, 15, 30)
    assert (a["outcome"], a["source_outcome"], a["resolved"], a["agent"]) == ("answered", "ANSWERED", True, "A101")
    assert (a["contact_id"], a["leg"], a["channel"], a["direction"], a["centre"]) == (
        "1001", 1, "voice", "inbound", "default")
    assert a["source_line"] == 2 and a["source_file"].endswith("generic_calls.csv")
    assert c["1002"]["outcome"] == "abandoned" and c["1002"]["wait_seconds"] == 48  # 08:02:00 - 08:01:12
    assert c["1002"]["talk_seconds"] is None  # did not happen: null, not 0
    assert c["1003"]["outcome"] == "blocked" and c["1003"]["wait_seconds"] is None
    assert c["1003"]["caller_number"] is None
    assert c["1004"]["resolved"] is False
    assert c["1005"]["outcome"] == "timeout" and c["1005"]["wait_seconds"] == 120
    t = c["1006"]  # crosses midnight
    assert t["outcome"] == "transferred" and t["wait_seconds"] == 150
    assert t["offered_local"] == datetime(2024, 3, 1, 23, 58) and t["source_line"] == 7
    assert any("derived" in n and "contact_id" in n for n in r.notes)


def test_chinese_gbk_example() -> None:
    raw = (DATA / "chinese_acd_calls_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the sample really is GBK
    assert raw.decode("gbk").startswith("流水号,技能组")
    r = read_tabular(DATA / "chinese_acd_calls_gbk.csv", S, MAPS / "chinese_acd_calls.yaml")
    check(r, "calls")
    assert (r.rows_read, r.rows_accepted) == (6, 6)
    c = rows_by(r, "calls", "call_id")
    a = c["20240301000001"]
    assert a["offered_at"] == utc(2024, 3, 1, 0, 0, 5)  # 2024/03/01 + 8:00:05 combined
    assert (a["talk_seconds"], a["acw_seconds"], a["wait_seconds"]) == (240, 30, 15)  # 0:04:00
    assert (a["outcome"], a["source_outcome"], a["resolved"], a["survey_score"]) == ("answered", "接通", True, 5)
    assert (a["queue"], a["centre"], a["caller_number"]) == ("话费查询", "北京呼叫中心", "138****0001")
    assert c["20240301000002"]["outcome"] == "abandoned"
    assert c["20240301000003"]["outcome"] == "blocked"
    assert c["20240301000004"]["resolved"] is False and c["20240301000004"]["talk_seconds"] == 420
    assert c["20240301000005"]["outcome"] == "timeout" and c["20240301000005"]["source_outcome"] == "排队超时"
    assert c["20240301000006"]["answered_at"] == utc(2024, 3, 1, 16, 0, 40)
    assert [c[k]["source_line"] for k in sorted(c)] == [2, 3, 4, 5, 6, 7]
    assert any("gbk" in n for n in r.notes)


def test_qa_scores_toml_tsv_example() -> None:
    r = read_tabular(DATA / "qa_scores.tsv", S, MAPS / "qa_scores.toml")
    check(r, "qa_scores")
    q = rows_by(r, "qa_scores", "evaluation_id")
    assert set(q) == {"QA-0001", "QA-0002", "QA-0003"}
    assert q["QA-0001"]["evaluated_at"] == utc(2024, 3, 5, 2, 0)
    assert (q["QA-0001"]["score"], q["QA-0001"]["max_score"]) == (92.5, 100)
    assert (q["QA-0003"]["score"], q["QA-0003"]["max_score"], q["QA-0003"]["form"]) == (45.5, 50, "投诉处理评估表")
    assert q["QA-0002"]["source_line"] == 3


def test_costs_example_header_on_line_3() -> None:
    r = read_tabular(DATA / "costs_2024q1.csv", Settings(centre="北京"), MAPS / "costs.yaml")
    check(r, "costs")
    rows = r.tables["costs"].to_pylist()
    assert [x["amount"] for x in rows] == [1_250_000.0, 86_400.5, 120_000.0, 1_180_000.0, 45_000.0]
    assert [x["category"] for x in rows] == ["staff", "telecom", "facilities", "staff", "it"]
    assert [x["source_line"] for x in rows] == [4, 5, 6, 7, 8]
    assert rows[3]["period_end"] == date(2024, 2, 29)
    assert {x["centre"] for x in rows} == {"北京"} and {x["currency"] for x in rows} == {"CNY"}


def test_timeclock_xlsx_example() -> None:
    r = read_tabular(DATA / "timeclock_2024-03.xlsx", S, MAPS / "timeclock.yaml")
    check(r, "timeclock")
    rows = r.tables["timeclock"].to_pylist()
    assert [x["source_line"] for x in rows] == [3, 4, 5, 6, 7]  # sheet rows; row 1 title, row 2 header
    first = rows[0]
    assert (first["agent"], first["date"], first["scheduled"], first["present"]) == ("1001", date(2024, 3, 1), True, True)
    assert first["clock_in_at"] == utc(2024, 2, 29, 23, 55)  # 07:55 Shanghai
    sick = rows[2]
    assert (sick["present"], sick["absence_reason"], sick["clock_in_at"]) == (False, "sick", None)
    assert rows[3]["scheduled"] is False
    assert any("姓名" in n for n in r.notes)  # unmapped column listed


def test_agents_parquet_example() -> None:
    r = read_tabular(DATA / "agents.parquet", S, MAPS / "agents.yaml")
    check(r, "agents")
    a = rows_by(r, "agents", "agent")
    assert a["T01"]["role"] == "team_leader" and a["1001"]["role"] == "agent"
    assert (a["1003"]["employment"], a["1003"]["contract_hours"]) == ("part_time", 88.0)
    assert a["1004"]["left_on"] == date(2024, 3, 31) and a["1001"]["left_on"] is None
    assert a["1001"]["hired_on"] == date(2021, 5, 10)
    assert [a[k]["source_line"] for k in ("1001", "1002", "1003", "1004", "T01")] == [1, 2, 3, 4, 5]


def test_every_example_mapping_validates() -> None:
    maps = sorted(p for p in MAPS.iterdir() if p.suffix in (".yaml", ".toml"))
    assert len(maps) >= 6
    for p in maps:
        assert load_mapping(p).table in schema.TABLES


# --------------------------------------------------------------------------- bad input

CALLS_MAP: dict[str, Any] = {
    "table": "calls",
    "columns": {
        "call_id": "id",
        "offered_at": "start",
        "answered_at": "answer",
        "ended_at": "end",
        "talk_seconds": "talk",
        "outcome": {"source": "result", "map": {"ok": "answered", "gone": "abandoned"}},
    },
}
HEADER = "id,start,answer,end,talk,result\n"
GOOD = "{id},2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,300,ok\n"


def read(tmp_path: Path, text: str | bytes, mapping: dict[str, Any] | None = None,
         name: str = "x.csv") -> ReadResult:
    f = tmp_path / name
    if isinstance(text, str):
        f.write_text(text, encoding="utf-8")
    else:
        f.write_bytes(text)
    return read_tabular(f, S, parse_mapping(mapping or CALLS_MAP))


def only_reject(r: ReadResult) -> tuple[int | None, str | None, str]:
    check(r, "calls")
    assert len(r.rejects) == 1, r.rejects
    rj = r.rejects[0]
    return rj.line, rj.field, rj.reason


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("3,2024-13-45 08:00:00,,2024-03-01 08:05:10,,gone", "offered_at", "cannot read '2024-13-45"),
        ("3,yesterday,,2024-03-01 08:05:10,,gone", "offered_at", "date-time"),
        ("3,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,3x0,ok", "talk_seconds", "'3x0'"),
        (",2024-03-01 08:00:00,,2024-03-01 08:05:10,,gone", "call_id", "required value call_id is empty"),
        ("3,,,2024-03-01 08:05:10,,gone", "offered_at", "required"),
        ("3,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 08:05:10,-5,ok", "talk_seconds", "negative"),
        ("3,2024-03-01 08:00:00,2024-03-01 08:00:10,2024-03-01 07:05:10,300,ok", "ended_at", "before"),
        ("3,2024-03-01 08:00:00,2024-03-01 07:59:10,2024-03-01 08:05:10,300,ok", "answered_at", "before offered_at"),
        ("3,2024-03-01 08:00:00,,2024-03-01 08:05:10,,hung", "outcome", "not a known outcome"),
    ],
)
def test_bad_row_rejected_with_line_and_field(tmp_path: Path, row: str, field: str, words: str) -> None:
    text = HEADER + GOOD.format(id=1) + GOOD.format(id=2) + row + "\n" + GOOD.format(id=4)
    r = read(tmp_path, text)
    line, f, reason = only_reject(r)
    assert (line, f) == (4, field)
    assert words in reason
    assert r.rows_read == 4 and r.rows_accepted == 3
    assert r.rejects[0].raw is not None and "id=" in r.rejects[0].raw
    assert [x["source_line"] for x in r.tables["calls"].to_pylist()] == [2, 3, 5]


def test_unmapped_outcome_value_says_to_add_it_to_the_map(tmp_path: Path) -> None:
    r = read(tmp_path, HEADER + "1,2024-03-01 08:00:00,,2024-03-01 08:01:00,,挂断\n")
    assert "columns.outcome.map" in r.rejects[0].reason and "'挂断'" in r.rejects[0].reason


def test_duplicate_keys(tmp_path: Path) -> None:
    changed = GOOD.format(id=1).replace(",300,", ",301,")
    text = HEADER + GOOD.format(id=1) + GOOD.format(id=2) + changed + GOOD.format(id=2)
    r = read(tmp_path, text)
    check(r, "calls")
    assert r.rows_read == 4 and r.rows_accepted == 2
    by_line = {rj.line: rj for rj in r.rejects}
    assert set(by_line) == {4, 5}
    assert "already on line 2 with different content" in by_line[4].reason
    assert by_line[4].field == "call_id"
    assert "repeats line 3 exactly" in by_line[5].reason
    kept = r.tables["calls"].to_pylist()
    assert [(x["call_id"], x["talk_seconds"], x["source_line"]) for x in kept] == [("1", 300, 2), ("2", 300, 3)]


def test_duplicate_of_a_rejected_row_is_not_a_duplicate(tmp_path: Path) -> None:
    bad = GOOD.format(id=1).replace(",300,", ",abc,")
    r = read(tmp_path, HEADER + bad + GOOD.format(id=1))
    line, field, _ = only_reject(r)
    assert (line, field) == (2, "talk_seconds")
    assert r.tables["calls"].column("source_line").to_pylist() == [3]


def test_malformed_record_and_quoted_newline_keep_line_numbers(tmp_path: Path) -> None:
    text = (HEADER + GOOD.format(id=1)
            + '2,2024-03-01 08:00:00,,2024-03-01 08:01:00,,"go\nne"\n'  # lines 3-4, one record
            + "3,too,many,fields,here,x,y,z\n"  # line 5
            + "\n"  # blank line 6: not a record
            + GOOD.format(id=4))  # line 7
    r = read(tmp_path, text)
    check(r, "calls")
    assert r.rows_read == 4
    lines = {rj.line: rj for rj in r.rejects}
    assert set(lines) == {3, 5}
    assert lines[3].field == "outcome"  # 'go\nne' is not an outcome
    assert lines[5].field is None and "malformed record" in lines[5].reason
    assert lines[5].raw is not None and "too,many" in lines[5].raw
    assert r.tables["calls"].column("source_line").to_pylist() == [2, 7]


def test_too_few_fields_is_a_malformed_record(tmp_path: Path) -> None:
    r = read(tmp_path, HEADER + GOOD.format(id=1) + "2,2024-03-01 08:00:00\n")
    line, field, reason = only_reject(r)
    assert (line, field) == (3, None) and "6 fields" in reason


def test_header_row_and_skip_rows_count_lines(tmp_path: Path) -> None:
    m = {**CALLS_MAP, "file": {"header_row": 3, "skip_rows": 1}}
    text = "Report title\nexported 2024-03-02\n" + HEADER + "units,,,,s,\n" + GOOD.format(id=1) + GOOD.format(id=2).replace("300", "x")
    r = read(tmp_path, text, m)
    line, field, _ = only_reject(r)
    assert (line, field) == (6, "talk_seconds")
    assert r.tables["calls"].column("source_line").to_pylist() == [5]


def test_gbk_file_read_as_utf8_is_a_clear_input_error(tmp_path: Path) -> None:
    body = (HEADER + GOOD.format(id=1) + "2,2024-03-01 08:00:00,,2024-03-01 08:01:00,,放弃\n").encode("gbk")
    with pytest.raises(InputError) as e:
        read(tmp_path, body)
    assert "x.csv:3" in (e.value.where or "")
    assert "gbk" in (e.value.hint or "").lower()


def test_gbk_header_read_as_utf8_is_a_clear_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        read(tmp_path, "流水号,开始\n1,2\n".encode("gbk"))
    assert (e.value.where or "").endswith(":1") and "gb" in (e.value.hint or "").lower()


def test_invalid_bytes_for_declared_gbk(tmp_path: Path) -> None:
    m = {**CALLS_MAP, "file": {"encoding": "gbk"}}
    body = (HEADER + GOOD.format(id=1)).encode() + b"2,\xff\xff,,,,ok\n"
    with pytest.raises(InputError) as e:
        read(tmp_path, body, m)
    assert (e.value.where or "").endswith(":3") and "gb18030" in (e.value.hint or "")


def test_gb18030_and_utf8_sig(tmp_path: Path) -> None:
    m = dict(CALLS_MAP)
    m["columns"] = {**CALLS_MAP["columns"], "queue": "技能组"}
    text = "id,start,answer,end,talk,result,技能组\n" + GOOD.format(id=1).strip() + ",投诉𠀀\n"
    r = read(tmp_path, text.encode("gb18030"), {**m, "file": {"encoding": "gb18030"}})
    assert r.tables["calls"].column("queue").to_pylist() == ["投诉𠀀"]
    r = read(tmp_path, text.encode("utf-8-sig"), {**m, "file": {"encoding": "utf-8-sig"}})
    assert r.tables["calls"].column("queue").to_pylist() == ["投诉𠀀"]


def test_missing_required_mapping_is_a_config_error() -> None:
    m = {"table": "calls", "columns": {"call_id": "id", "outcome": "r"}}
    with pytest.raises(ConfigError) as e:
        read_tabular(DATA / "generic_calls.csv", S, parse_mapping(m))
    assert "calls.offered_at" in e.value.what


def test_mapped_column_missing_from_file_lists_what_it_has(tmp_path: Path) -> None:
    m = dict(CALLS_MAP)
    m["columns"] = {**CALLS_MAP["columns"], "agent": "AgentName"}
    with pytest.raises(InputError) as e:
        read(tmp_path, HEADER + GOOD.format(id=1), m)
    assert "'AgentName'" in e.value.what and "'result'" in e.value.what


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"table": "callz", "columns": {}}, "table"),
        ({"table": "calls", "columns": {"talk_seconds": {"source": "t", "unit": "hours"}}}, "columns.talk_seconds.unit"),
        ({"table": "calls", "columns": {"nonsense": "x"}}, "nonsense"),
        ({"table": "calls", "columns": {"agent": {"source": "a", "constant": "b"}}}, "columns.agent"),
        ({"table": "calls", "columns": {}, "file": {"encoding": "klingon"}}, "file.encoding"),
        ({"table": "calls", "columns": {}, "file": {"delimiter": ";;"}}, "file.delimiter"),
        ({"table": "calls", "columns": {}, "colums": {}}, "colums"),
        ({"table": "calls", "columns": {}, "timezone": "Mars/Olympus"}, "timezone"),
        ({"table": "calls", "columns": {"source_line": "x"}}, "source_line"),
    ],
)
def test_mapping_errors_name_the_key(tmp_path: Path, raw: dict[str, Any], key: str) -> None:
    import yaml

    f = tmp_path / "m.yaml"
    f.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_mapping(f)
    assert key in e.value.what
    assert e.value.where == str(f)


def test_mapping_file_not_yaml(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text("table: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_mapping(f)


def test_unknown_extension_needs_file_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"file\.format"):
        read(tmp_path, HEADER + GOOD.format(id=1), name="x.dat")


# --------------------------------------------------------------------------- time zones, options


def test_timezone_utc_and_offsets(tmp_path: Path) -> None:
    text = (HEADER + "1,2024-03-01T08:00:00+08:00,,2024-03-01 00:01:00Z,,gone\n"
            + "2,2024-03-01 00:00:00,,2024-03-01 00:01:00,,gone\n")
    r = read(tmp_path, text, {**CALLS_MAP, "timezone": "UTC"})
    c = rows_by(r, "calls", "call_id")
    assert c["1"]["offered_at"] == utc(2024, 3, 1, 0, 0) == c["2"]["offered_at"]
    assert c["1"]["offered_local"] == datetime(2024, 3, 1, 8, 0)  # centre zone from settings


def test_dst_zone_and_formats(tmp_path: Path) -> None:
    m = {**CALLS_MAP, "timezone": "Europe/Berlin"}
    m["columns"] = {**CALLS_MAP["columns"], "offered_at": {"source": "start", "format": ["%d.%m.%Y %H:%M", "%d/%m/%Y %H:%M:%S"]}}
    text = HEADER + "1,30.03.2024 12:00,,,,gone\n2,31/03/2024 12:00:00,,,,gone\n3,2024-03-31 12:00:00,,,,gone\n"
    r = read_tabular(_w(tmp_path, text), Settings(timezone="Europe/Berlin"), parse_mapping(m))
    c = rows_by(r, "calls", "call_id")
    assert c["1"]["offered_at"] == utc(2024, 3, 30, 11, 0)  # CET, +01:00
    assert c["2"]["offered_at"] == utc(2024, 3, 31, 10, 0)  # CEST, +02:00
    assert c["3"]["offered_at"] == utc(2024, 3, 31, 10, 0)  # ISO is always understood
    assert c["2"]["offered_local"] == datetime(2024, 3, 31, 12, 0)


def _w(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "w.csv"
    f.write_text(text, encoding="utf-8")
    return f


def test_units_constants_defaults_whitespace(tmp_path: Path) -> None:
    m = {
        "table": "calls",
        "file": {"delimiter": ";"},
        "columns": {
            "call_id": "id",
            "offered_at": "start",
            "talk_seconds": {"source": "talk", "unit": "ms"},
            "hold_seconds": {"source": "hold", "unit": "min"},
            "acw_seconds": {"source": "acw", "unit": "HH:MM:SS"},
            "queue": {"source": "q", "case": "lower", "default": "general"},
            "channel": {"constant": "chat"},
            "outcome": {"constant": "answered"},
            "resolved": "ok",
        },
    }
    text = ("id;start;talk;hold;acw;q;ok\n"
            " 1 ; 2024-03-01 08:00:00 ;1500;1.5;01:02;　VIP　;是\n"
            "2;2024-03-01 08:00:00; 2000 ;;1:00:00;;否\n")
    r = read_tabular(_w(tmp_path, text), S, parse_mapping(m))
    check(r, "calls")
    c = rows_by(r, "calls", "call_id")
    assert (c["1"]["talk_seconds"], c["1"]["hold_seconds"], c["1"]["acw_seconds"]) == (1.5, 90.0, 62.0)
    assert (c["1"]["queue"], c["1"]["channel"], c["1"]["resolved"]) == ("vip", "chat", True)
    assert (c["2"]["talk_seconds"], c["2"]["hold_seconds"], c["2"]["acw_seconds"]) == (2.0, None, 3600.0)
    assert (c["2"]["queue"], c["2"]["resolved"]) == ("general", False)
    assert "source_outcome" not in [n for n in r.notes if "source_outcome =" in n]


def test_header_only_file_gives_an_empty_table(tmp_path: Path) -> None:
    r = read(tmp_path, HEADER)
    check(r, "calls")
    assert r.rows_read == 0 and r.tables["calls"].num_rows == 0


def test_empty_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read(tmp_path, "")
    with pytest.raises(InputError, match="not found"):
        read_tabular(tmp_path / "nope.csv", S, parse_mapping(CALLS_MAP))


# --------------------------------------------------------------------------- XLSX / Parquet


def test_xlsx_bad_cell_rejected_with_sheet_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "start", "answer", "end", "talk", "result"])
    ws.append([1, datetime(2024, 3, 1, 8), datetime(2024, 3, 1, 8, 0, 10), datetime(2024, 3, 1, 8, 5), 290, "ok"])
    ws.append([])  # an empty row is not a record
    ws.append([2, "not a time", None, None, None, "gone"])
    ws.append([3, datetime(2024, 3, 1, 9), None, None, None, "gone"])
    f = tmp_path / "calls.xlsx"
    wb.save(f)
    r = read_tabular(f, S, parse_mapping(CALLS_MAP))
    check(r, "calls")
    assert r.rows_read == 3
    assert [(rj.line, rj.field) for rj in r.rejects] == [(4, "offered_at")]
    c = rows_by(r, "calls", "call_id")
    assert c["1"]["offered_at"] == utc(2024, 3, 1, 0) and c["1"]["talk_seconds"] == 290
    assert [c["1"]["source_line"], c["3"]["source_line"]] == [2, 5]


def test_xlsx_sheet_errors(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["id"])
    f = tmp_path / "a.xlsx"
    wb.save(f)
    with pytest.raises(ConfigError, match="not in the workbook"):
        read_tabular(f, S, parse_mapping({**CALLS_MAP, "file": {"sheet": "Calls"}}))
    with pytest.raises(InputError, match="not in the file"):
        read_tabular(f, S, parse_mapping(CALLS_MAP))


def test_not_really_xlsx_or_parquet(tmp_path: Path) -> None:
    for name in ("fake.xlsx", "fake.parquet"):
        f = tmp_path / name
        f.write_text("id,start\n1,2\n")
        with pytest.raises(FormatError):
            read_tabular(f, S, parse_mapping(CALLS_MAP))


def test_parquet_typed_columns(tmp_path: Path) -> None:
    t = pa.table({
        "id": pa.array([1, 2, 2], pa.int64()),
        "start": pa.array([datetime(2024, 3, 1, 8), datetime(2024, 3, 1, 9), datetime(2024, 3, 1, 9)], pa.timestamp("ms")),
        "answer": pa.array([None, None, None], pa.timestamp("ms", tz="UTC")),
        "end": pa.array(["2024-03-01 08:01:00", "2024-03-01 07:00:00", None]),
        "talk": pa.array([None, 1.5, 2.5], pa.float32()),
        "result": ["gone", "gone", "gone"],
    })
    f = tmp_path / "c.parquet"
    pq.write_table(t, f)
    r = read_tabular(f, S, parse_mapping(CALLS_MAP))
    check(r, "calls")
    assert [(rj.line, rj.field) for rj in r.rejects] == [(2, "ended_at")]  # end before start
    c = rows_by(r, "calls", "call_id")
    assert c["1"]["offered_at"] == utc(2024, 3, 1, 0) and c["2"]["talk_seconds"] == 2.5
    assert c["2"]["source_line"] == 3


def test_other_tables_derivations(tmp_path: Path) -> None:
    f = tmp_path / "states.csv"
    f.write_text("agent,state,start,secs\nA1,ready,2024-03-01 08:00:00,60\nA1,talking,2024-03-01 08:01:00,-1\n"
                 "A1,lunch,2024-03-01 08:02:00,5\n", encoding="utf-8")
    m = {"table": "agent_states", "columns": {"agent": "agent", "state": "state", "start_at": "start", "seconds": "secs"}}
    r = read_tabular(f, S, parse_mapping(m))
    check(r, "agent_states")
    assert [(rj.line, rj.field) for rj in r.rejects] == [(3, "seconds"), (4, "state")]
    row = r.tables["agent_states"].to_pylist()[0]
    assert row["end_at"] == utc(2024, 3, 1, 0, 1) and row["start_local"] == datetime(2024, 3, 1, 8)
    f2 = tmp_path / "s.csv"
    f2.write_text("id,at,score,max\nS1,2024-03-01 09:00:00,4,5\nS2,2024-03-01 09:00:00,3,5\n", encoding="utf-8")
    m2 = {"table": "surveys", "columns": {"survey_id": "id", "answered_at": "at", "score": "score", "scale_max": "max"}}
    r2 = read_tabular(f2, S, parse_mapping(m2))
    assert r2.tables["surveys"].column("satisfied").to_pylist() == [True, False]  # 0.8 x 5 = 4


def test_no_header_with_column_names(tmp_path: Path) -> None:
    m = {**CALLS_MAP, "file": {"header_row": 0, "column_names": ["id", "start", "answer", "end", "talk", "result"]}}
    r = read(tmp_path, GOOD.format(id=1) + GOOD.format(id=2).replace("ok", "bad"), m)
    check(r, "calls")
    assert r.tables["calls"].column("source_line").to_pylist() == [1]
    assert [(rj.line, rj.field) for rj in r.rejects] == [(2, "outcome")]


def test_docs_cover_every_key_and_derivation() -> None:
    from callcenter.ingest.mapping import ColumnSpec, FileOptions, Mapping
    from callcenter.ingest.tabular import DERIVATIONS

    doc = (ROOT / "docs" / "ingest-mapping.md").read_text(encoding="utf-8")
    for model in (Mapping, FileOptions, ColumnSpec):
        for key in model.model_fields:
            assert f"| `{key}` |" in doc, f"docs/ingest-mapping.md does not document {model.__name__}.{key}"
    for table, column in DERIVATIONS:
        assert f"| {table} | `{column}` |" in doc, f"derivation {table}.{column} not documented"


def test_format_argument_overrides_the_extension(tmp_path: Path) -> None:
    r = read_tabular(_w(tmp_path, HEADER + GOOD.format(id=1)).rename(tmp_path / "x.dat"), S,
                     parse_mapping(CALLS_MAP), format="csv")
    assert r.rows_accepted == 1 and r.format == "csv"
    with pytest.raises(ConfigError, match="unknown format"):
        read_tabular(tmp_path / "x.dat", S, parse_mapping(CALLS_MAP), format="dbf")


def test_many_chunks_keep_lines_and_constants_aligned(tmp_path: Path) -> None:
    n = 150_000  # more rows than one parser batch
    body = "".join(f"{i},2024-03-01 08:00:00,,2024-03-01 08:01:00,,gone\n" for i in range(n))
    body = body.replace(f"\n{n - 10},2024-03-01 08:00:00,", f"\n{n - 10},soon,")
    m = dict(CALLS_MAP)
    m["columns"] = {**CALLS_MAP["columns"], "centre": {"constant": "深圳"}}
    r = read(tmp_path, HEADER + body, m)
    check(r, "calls")
    assert [(rj.line, rj.field) for rj in r.rejects] == [(n - 10 + 2, "offered_at")]
    t = r.tables["calls"]
    ids = t.column("call_id").to_pylist()
    lines = t.column("source_line").to_pylist()
    assert all(int(i) + 2 == ln for i, ln in zip(ids, lines, strict=True))
    assert set(t.column("centre").to_pylist()) == {"深圳"} and t.column("agent").null_count == n - 1
