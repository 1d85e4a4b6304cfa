"""QC tools (DOMAIN.md §7), targets and status, and the registry itself."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from callcenter.errors import ConfigError
from callcenter.metrics import qc, sample
from callcenter.metrics.backends import tables_on
from callcenter.metrics.registry import BY_ID, INDICATORS, NUMBERED
from callcenter.metrics.targets import Status, assess, status
from callcenter.settings import Settings

DOMAIN_EXAMPLE = {"routine business": 108, "bill questions": 40, "marketing campaigns": 14,
                  "value-added services": 7, "tariffs": 4, "handsets/SIM": 3, "other": 4}


def test_domain_pareto_example_reproduced_exactly() -> None:
    rows = qc.pareto_counts(DOMAIN_EXAMPLE)
    assert [r.category for r in rows] == ["routine business", "bill questions", "marketing campaigns",
                                          "value-added services", "tariffs", "handsets/SIM", "other"]
    assert [r.count for r in rows] == [108, 40, 14, 7, 4, 3, 4]  # "other" last though larger than handsets
    assert [round(r.share, 1) for r in rows] == [60.0, 22.2, 7.8, 3.9, 2.2, 1.7, 2.2]
    assert [round(r.cumulative, 1) for r in rows] == [60.0, 82.2, 90.0, 93.9, 96.1, 97.8, 100.0]
    assert [r.category for r in rows if r.vital] == ["routine business", "bill questions"]  # to 80 %
    assert [r.category for r in qc.pareto_counts(DOMAIN_EXAMPLE, cut=90) if r.vital] == [
        "routine business", "bill questions", "marketing campaigns"]


@pytest.mark.parametrize("backend", ["duckdb", "sqlite", "polars"])
def test_pareto_of_a_table_column(backend: str) -> None:
    cats = [k for k, n in DOMAIN_EXAMPLE.items() for _ in range(n)] + [None] * 2
    t = tables_on(backend, {"t": pa.table({"wrapup_code": cats})})["t"]
    rows = qc.pareto(t, "wrapup_code")
    assert rows[0].category == "routine business" and rows[0].count == 108
    assert [r.category for r in rows][-2:] == ["(none)", "other"]  # the catch-alls last
    assert rows[-1].cumulative == pytest.approx(100.0)


def test_peak_day_coefficient_per_month() -> None:
    t = tables_on("duckdb", sample.tables())
    rows = qc.peak_day_coefficients(t, start=datetime(2024, 3, 1), end=datetime(2024, 4, 1))
    assert [(r["period"], r["offered"], r["peak_day_coefficient"]) for r in rows] == [
        (datetime(2024, 3, 1), 10, pytest.approx(1.8))]  # 9 on the 4th, 1 on the 5th: 9 / 5


def test_before_after_against_target() -> None:
    t = tables_on("duckdb", sample.tables())
    ba = qc.before_after(t, "answered_rate", before=(datetime(2024, 3, 4), datetime(2024, 3, 5)),
                         after=(datetime(2024, 3, 5), datetime(2024, 3, 6)))
    assert ba.before == pytest.approx(100 * 5 / 9) and ba.after == pytest.approx(100.0)
    assert ba.change == pytest.approx(100 * 4 / 9)
    assert ba.improved is True
    assert (ba.status_before, ba.status_after) == (Status.OFF, Status.ON)  # target ≥ 90, warning ≥ 80
    assert ba.target == "≥ 90"


def test_status_and_overrides() -> None:
    s = Settings()
    assert status("service_level", 85.0, s) is Status.ON
    assert status("service_level", 75.0, s) is Status.WARNING
    assert status("service_level", 60.0, s) is Status.OFF
    assert status("acw_time", 45.0, s) is Status.ON  # 30–60 s
    assert status("acw_time", 70.0, s) is Status.WARNING
    assert status("acw_time", 90.0, s) is Status.OFF
    assert status("aht", 300.0, s) is None  # no target in DOMAIN.md
    assert status("service_level", None, s) is None
    assert status("turnover", 10.0, s, grain="day") is None  # a monthly target
    strict = Settings(targets={"service_level": {"min": 90}})
    assert status("service_level", 85.0, strict) is Status.WARNING
    custom = Settings(targets={"abandon_rate": {"max": 3, "warn_max": 4}})
    assert status("abandon_rate", 3.5, custom) is Status.WARNING
    assert status("abandon_rate", 4.5, custom) is Status.OFF
    with pytest.raises(ConfigError):
        status("abandon_rate", 1.0, Settings(targets={"abandon_rate": {"maximum": 3}}))
    assert status("asa", 45.0, s) is None  # DOMAIN.md gives ASA no target: no status by default
    with_target = Settings(targets={"asa": {"max": 20, "warn_max": 30}})
    a = assess("asa", 45.0, with_target)
    assert a.status is Status.OFF and a.diagnostics[0] == ("ACW above target", "事后处理时间超标")
    assert assess("asa", 10.0, with_target).diagnostics == ()


def test_registry_has_every_indicator_defined_once() -> None:
    assert [i.number for i in NUMBERED] == list(range(1, 24))
    for extra in ("satisfaction_rate", "busy_hour_answer_rate", "peak_day_coefficient", "repeat_call_rate",
                  "attempts_per_caller", "ivr_containment", "utilisation", "hours_per_agent"):
        assert extra in BY_ID
    assert len(BY_ID) == len(INDICATORS)
    for i in INDICATORS:
        assert i.name_zh and i.name_en and i.unit and i.formula_en and i.formula_zh and i.needs, i.id
        assert i.level in ("legs", "contacts", "agent time", "agent days", "agents", "evaluations",
                           "surveys", "cost", "days")
        assert i.direction in ("up", "down", "range", "none")
        for n in i.needs:
            for alt in n.split("|"):
                table, column = alt.split(".")
                from callcenter.schema import TABLES

                assert column in TABLES[table].names, alt
    assert BY_ID["adherence"].target is not None and BY_ID["adherence"].target.min == 92
    assert BY_ID["service_level"].level == "legs" and BY_ID["total_calls"].level == "contacts"


def test_docs_indicators_is_up_to_date() -> None:
    from pathlib import Path

    from callcenter.metrics.docs import markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "indicators.md"
    assert doc.read_text(encoding="utf-8") == markdown(), "run `python -m callcenter.metrics.docs > docs/indicators.md`"


def test_before_after_pools_multi_day_spans() -> None:
    t = tables_on("duckdb", sample.tables())
    ba = qc.before_after(t, "service_level", before=(datetime(2024, 3, 1), datetime(2024, 3, 5)),
                         after=(datetime(2024, 3, 5), datetime(2024, 3, 31)))
    assert ba.before == pytest.approx(100 * 4 / 9)  # pooled over the span, not a mean of days
    assert ba.after == pytest.approx(100.0)  # c12 answered in 5 s
    assert ba.improved is True and ba.status_after is Status.ON
