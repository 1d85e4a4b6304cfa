"""History loading, long <-> grid, offered counts from the canonical calls table."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callcenter.errors import DataNotAvailable, FormatError, InputError, ModelError
from callcenter.forecast import grid_from_long, handle_time_series, load_history, offered_series


def test_load_history_detects_columns_drops_z_and_aggregates(tmp_path: Path) -> None:
    f = tmp_path / "bank.csv"
    f.write_text(
        "rownames,DateTime,Calls\n"
        "1,2003-03-03T07:00:00Z,111\n2,2003-03-03T07:05:00Z,113\n3,2003-03-03T07:25:00Z,6\n"
        "4,2003-03-03T07:30:00Z,50\n",
        encoding="utf-8",
    )
    t = load_history(f, minutes=30)
    assert t.column_names == ["series_id", "interval_start", "value"]
    assert t["interval_start"].to_pylist() == [datetime(2003, 3, 3, 7, 0), datetime(2003, 3, 3, 7, 30)]
    assert t["value"].to_pylist() == [230.0, 50.0]  # 111 + 113 + 6; the Z is local time


def test_load_history_parquet_and_explicit_columns(tmp_path: Path) -> None:
    f = tmp_path / "h.parquet"
    pq.write_table(
        pa.table({"when": pa.array([datetime(2026, 3, 2, 8, 15)], pa.timestamp("us")), "n_calls": [4]}), f
    )
    t = load_history(f, time_col="when", value_col="n_calls", minutes=30)
    assert t["interval_start"].to_pylist() == [datetime(2026, 3, 2, 8, 0)] and t["value"].to_pylist() == [4.0]


@pytest.mark.parametrize(
    ("content", "err", "needle"),
    [
        ("a,b\n1,2\n", FormatError, "no timestamp column"),
        ("interval_start,calls\n2026-03-02 08:00,3\nyesterday,4\n", FormatError, ":3"),
        ("interval_start,calls\n2026-03-02 08:00,\n", FormatError, "empty values"),
        ("interval_start,calls\n2026-03-02 08:00,many\n", FormatError, "not numeric"),
    ],
)
def test_bad_history_files_say_what_and_where(tmp_path: Path, content: str, err: type, needle: str) -> None:
    f = tmp_path / "h.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(err) as e:
        load_history(f)
    assert needle in e.value.message


def test_missing_history_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_history(tmp_path / "nope.csv")


def test_grid_from_long_keeps_missing_as_nan_and_sums_duplicates() -> None:
    t = pa.table(
        {
            "series_id": ["q"] * 4,
            "interval_start": pa.array(
                [datetime(2026, 3, 2, 0, 0), datetime(2026, 3, 2, 0, 0), datetime(2026, 3, 2, 12, 0), datetime(2026, 3, 4, 0, 0)],
                pa.timestamp("us"),
            ),
            "value": [1.0, 2.0, 5.0, 7.0],
        }
    )
    g = grid_from_long(t, minutes=720)
    assert g.first_day == date(2026, 3, 2) and g.values.shape == (3, 2)
    np.testing.assert_array_equal(g.values[0], [3.0, 5.0])
    assert np.all(np.isnan(g.values[1]))  # a day with no rows is unobserved, not zero
    back = g.to_long()
    assert back["value"].to_pylist() == [3.0, 5.0, 7.0]


def test_grid_rejects_negative_values() -> None:
    t = pa.table({"interval_start": pa.array([datetime(2026, 3, 2)], pa.timestamp("us")), "value": [-1.0]})
    with pytest.raises(ModelError):
        grid_from_long(t)


def calls(rows: list[tuple[datetime, str, int, str]]) -> pa.Table:
    return pa.table(
        {
            "offered_local": pa.array([r[0] for r in rows], pa.timestamp("us")),
            "direction": [r[1] for r in rows],
            "leg": pa.array([r[2] for r in rows], pa.int16()),
            "queue": [r[3] for r in rows],
        }
    )


def test_offered_series_counts_contacts_or_legs_and_fills_quiet_intervals() -> None:
    t = calls(
        [
            (datetime(2026, 3, 2, 8, 5), "inbound", 1, "bill"),
            (datetime(2026, 3, 2, 8, 25), "inbound", 1, "bill"),
            (datetime(2026, 3, 2, 8, 26), "inbound", 2, "tech"),  # transfer leg of a contact
            (datetime(2026, 3, 2, 9, 40), "inbound", 1, "tech"),
            (datetime(2026, 3, 2, 9, 41), "outbound", 1, "tech"),  # not offered
        ]
    )
    s = offered_series(t, minutes=30)
    assert s.num_rows == 48  # the whole day, quiet intervals are 0
    v = dict(zip(s["interval_start"].to_pylist(), s["value"].to_pylist(), strict=True))
    assert v[datetime(2026, 3, 2, 8, 0)] == 2.0
    assert v[datetime(2026, 3, 2, 9, 30)] == 1.0
    assert v[datetime(2026, 3, 2, 9, 0)] == 0.0
    legs = offered_series(t, minutes=60, count="legs", by="queue")
    per = {(r["series_id"], r["interval_start"].hour): r["value"] for r in legs.to_pylist() if r["value"]}
    assert per == {("bill", 8): 2.0, ("tech", 8): 1.0, ("tech", 9): 1.0}


def test_offered_series_needs_its_columns() -> None:
    with pytest.raises(DataNotAvailable) as e:
        offered_series(pa.table({"offered_local": pa.array([datetime(2026, 3, 2)], pa.timestamp("us"))}))
    assert "calls.direction" in e.value.needs


def test_handle_time_series_means_talk_plus_acw_and_skips_unanswered() -> None:
    t = pa.table(
        {
            "offered_local": pa.array(
                [datetime(2026, 3, 2, 8, 5), datetime(2026, 3, 2, 8, 20), datetime(2026, 3, 2, 8, 25), datetime(2026, 3, 2, 9, 40)],
                pa.timestamp("us"),
            ),
            "direction": ["inbound"] * 4,
            "talk_seconds": [100.0, 200.0, None, 50.0],  # the third call was abandoned
            "acw_seconds": [20.0, None, None, 10.0],
        }
    )
    s = handle_time_series(t, minutes=30)
    # 08:00: (120 + 200) / 2 = 160 s; 09:30: 60 s; 08:30 and 09:00 have no answered call -> absent
    assert s["interval_start"].to_pylist() == [datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 30)]
    assert s["value"].to_pylist() == [160.0, 60.0]


@pytest.mark.slow  # a fresh interpreter importing scipy: ~3 s idle, 10 s+ on a busy machine
def test_forecast_package_imports_no_database_web_or_cli() -> None:
    import subprocess
    import sys

    code = (
        "import sys, callcenter.forecast, callcenter.calendars\n"
        "bad = [m for m in ('duckdb', 'ibis', 'fastapi', 'typer', 'callcenter.warehouse', 'callcenter.cli') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
