"""The call summary: volumes, abandonment, service level at several thresholds, speed.

``call_summary`` is the table the issue asks for on the Anonymous Bank data (per month and
per call type): offered, answered, abandoned, abandon rate with and without short
abandons, service level at 20/30/60 s, ASA, average time to abandon, mean talk time —
printed with the definitions used (``SummaryResult.definitions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

from callcenter.metrics.engine import compute
from callcenter.settings import Settings

BASE = ("offered", "answered", "abandoned", "abandoned_short", "abandon_rate_all", "abandon_rate",
        "asa", "avg_abandon_time", "avg_talk_time")


@dataclass
class SummaryResult:
    table: pa.Table
    columns: list[str]
    definitions: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        return list(self.table.to_pylist())


def sl_column(t: float) -> str:
    return f"service_level_{t:g}s"


def call_summary(
    tables: Mapping[str, Any],
    settings: Settings | None = None,
    *,
    grain: str = "month",
    by: Sequence[str] = ("call_type",),
    thresholds: Sequence[float] = (20, 30, 60),
    start: datetime | None = None,
    end: datetime | None = None,
    fill: bool = False,
) -> SummaryResult:
    s = settings or Settings()
    base = compute(tables, s, grain=grain, by=by, start=start, end=end, indicators=list(BASE), fill=fill)
    keys = ["period", *by]
    out = base.table
    columns = [c for c in BASE if c in base.indicators]
    for t in thresholds:
        r = compute(tables, s.model_copy(update={"sl_threshold_s": float(t)}), grain=grain, by=by,
                    start=start, end=end, indicators=["service_level"], fill=fill)
        if "service_level" in r.unavailable:
            base.unavailable[sl_column(t)] = r.unavailable["service_level"]
            continue
        sl = r.table.rename_columns([*keys, sl_column(t)])
        out = out.join(sl, keys, join_type="left outer")
        columns.append(sl_column(t))
    out = out.sort_by([(k, "ascending") for k in keys]).select([*keys, *columns])
    definitions = s.definitions()
    definitions["service level"] = definitions["service level"].rsplit(", T =", 1)[0] + ", T = " + ", ".join(
        f"{t:g}" for t in thresholds) + " s"
    definitions["offered"] = "legs that reached the ACD queue (answered or lost there); IVR-only calls excluded"
    definitions["abandon rate"] = "abandoned ÷ offered; 'excl. short': (abandoned − short) ÷ (offered − short)"
    definitions["ASA"] = "queue time of answered legs ÷ answered legs (answered without queueing = 0 s)"
    return SummaryResult(out, columns, definitions, base.unavailable)
