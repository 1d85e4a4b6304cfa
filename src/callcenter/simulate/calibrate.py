"""Calibrate the simulator from the Anonymous Bank call-centre data (Israel, 1999).

Source: Technion SEE Laboratory (Service Enterprise Engineering), "Anonymous Bank" call
records, Guedj & Mandelbaum; described in Brown, Gans, Mandelbaum, Sakov, Shen, Zeltyn and
Zhao (2005), "Statistical analysis of a telephone call center: a queueing-science
perspective", JASA 100(469):36–50. Free for use with this acknowledgement.

What is estimated from one month of raw records (``<month>.txt``, TAB separated):

* **Calls that asked for an agent**: outcome AGENT, or HANG with a positive queue time
  (HANG with ``q_time`` 0 hung up in the VRU; PHANTOM rows are not calls). They arrive at
  ``vru_exit``, the moment they join the queue.
* **Arrival rates** per (day, half-hour): the day's real total × the mean intraday shape of
  its day type (Sun–Thu, Friday, Saturday; the bank's week runs Sunday–Thursday). The
  simulator draws Poisson counts around these rates (``arrivals.interval_means``).
* **Talk time**: the empirical distribution of ``ser_time`` of answered calls (2,000
  quantiles).
* **Patience** with censoring handled: a served call's wait is a right-censored patience
  (the caller would have waited at least that long). Either the exponential MLE
  θ̂ = abandons ÷ Σ all waits (default) or the Kaplan–Meier estimate of the patience
  distribution (mass beyond the longest observed wait — 8 % in March 1999 — becomes
  "infinitely patient"). In this pooled one-queue model the KM tail makes simulated waits
  too long (ASA 139 s vs 93 s real in March), so the exponential is the default.
* **Staffing** per (day, half-hour): the number of distinct agents who served a call
  overlapping the half-hour (an upper bound on agents on the phones; the bank's agents also
  did other work), times ``staffing_factor``.
* **One FCFS pool**: the data do not show priority customers served first in aggregate
  (in March 1999 priority-2 callers waited longer on average than priority-0 callers), and the
  bank's skill groups (PS, NW, NE, TT, ...) are pooled; both are simplifications.

The real month's SL (answered within T ÷ calls that asked for an agent), ASA and
abandonment are returned beside the configuration for comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from callcenter.errors import InputError
from callcenter.simulate.config import (
    AgentGroupConfig,
    ArrivalConfig,
    QueueConfig,
    SimConfig,
    TierConfig,
)
from callcenter.simulate.distributions import Dist

SLOT = 1800  # half-hour, seconds
#: Share of the "agents seen serving" in a half-hour who are effectively on the phones.
#: Fitted once on March 1999 (simulated abandonment 24.8 % vs real 23.6 %) and then used
#: unchanged for the other months (out-of-sample check in tests/test_simulate_calibration.py).
BANK_STAFFING_FACTOR = 0.65
COLUMNS = ["vru_line", "call_id", "customer_id", "priority", "type", "date", "vru_entry", "vru_exit", "vru_time", "q_start", "q_exit", "q_time", "outcome", "ser_start", "ser_exit", "ser_time", "server"]


@dataclass(frozen=True)
class RealMonth:
    """The real month's headline numbers (same formulas as the comparison uses)."""

    offered: int  # calls that asked for an agent
    service_level: float  # answered within T ÷ offered
    asa_s: float  # mean wait of answered calls, seconds
    abandon_rate: float  # abandoned from the queue ÷ offered
    days: int


def _sec(col: pd.Series) -> np.ndarray:
    hms = col.str.split(":", expand=True).astype(int)
    return np.asarray((hms[0] * 3600 + hms[1] * 60 + hms[2]).to_numpy(), dtype=np.int64)


def read_month(path: str | Path) -> pd.DataFrame:
    """Parse one month of raw records (surviving the known warts: spaces for TABs, codes
    with leading spaces). Returns only complete 17-field rows; PHANTOM rows are dropped."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"Anonymous Bank file not found: {p}", hint="see ../shared/data/README.md")
    rows = [re.split(r"\s+", line.strip()) for line in p.read_text(encoding="latin-1").splitlines()[1:]]
    df = pd.DataFrame([r for r in rows if len(r) == 17], columns=COLUMNS)
    df = df[df["outcome"] != "PHANTOM"].copy()
    df["date"] = pd.to_datetime(df["date"], format="%y%m%d").dt.date
    for c in ("vru_exit", "ser_start"):
        df[c + "_s"] = _sec(df[c])
    for c in ("q_time", "ser_time", "priority"):
        df[c] = df[c].astype(int)
    return df


def queue_calls(df: pd.DataFrame) -> pd.DataFrame:
    """Calls that asked for an agent, with ``answered`` / ``abandoned`` flags."""
    answered = df["outcome"] == "AGENT"
    abandoned = (df["outcome"] == "HANG") & (df["q_time"] > 0)
    q = df[answered | abandoned].copy()
    q["answered"] = q["outcome"] == "AGENT"
    q["abandoned"] = ~q["answered"]
    return q


def real_month(q: pd.DataFrame, threshold_s: float = 20.0) -> RealMonth:
    n = len(q)
    ans = q["answered"]
    return RealMonth(
        offered=n,
        service_level=float((ans & (q["q_time"] <= threshold_s)).sum() / n),
        asa_s=float(q.loc[ans, "q_time"].mean()),
        abandon_rate=float(q["abandoned"].sum() / n),
        days=int(q["date"].nunique()),
    )


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan–Meier survival S(t) at the distinct event times (right censoring)."""
    order = np.argsort(durations, kind="stable")
    d, e = durations[order], events[order].astype(bool)
    times = np.unique(d[e])
    at_risk = len(d) - np.searchsorted(d, times, side="left")
    deaths = np.array([np.count_nonzero(e & (d == t)) for t in times]) if len(times) < 5000 else (
        np.bincount(np.searchsorted(times, d[e]), minlength=len(times))
    )
    surv = np.cumprod(1.0 - deaths / at_risk)
    return times.astype(float), surv


def patience_km(q: pd.DataFrame, points: int = 2000) -> Dist:
    """Empirical patience from Kaplan–Meier: quantiles of the estimated distribution; the
    probability mass beyond the longest observed wait is 'infinitely patient' (1e9 s)."""
    t, s = kaplan_meier(q["q_time"].to_numpy(float), q["abandoned"].to_numpy())
    cdf = 1.0 - s
    u = (np.arange(points) + 0.5) / points
    idx = np.searchsorted(cdf, u, side="left")
    vals = np.where(idx < len(t), t[np.minimum(idx, len(t) - 1)], 1e9)
    return Dist(kind="empirical", values=vals.tolist())


def patience_exponential(q: pd.DataFrame) -> Dist:
    """Exponential MLE with censoring: θ̂ = abandons ÷ total time waited by everyone."""
    theta = q["abandoned"].sum() / q["q_time"].sum()
    return Dist.exponential(1.0 / theta)


def calibrate_anonymous_bank(
    path: str | Path,
    *,
    patience: Literal["km", "exponential"] = "exponential",
    staffing_factor: float = BANK_STAFFING_FACTOR,
    threshold_s: float = 20.0,
) -> tuple[SimConfig, int, RealMonth]:
    """A configuration reproducing one real month, the number of days to simulate, and the
    real month's numbers. See the module docstring for the estimators."""
    df = read_month(path)
    q = queue_calls(df)
    first = min(q["date"])
    last = max(q["date"])
    days = (last - first).days + 1
    n_slots = 86_400 // SLOT
    # arrivals per (day, slot); day type: 0 Sun–Thu, 1 Friday, 2 Saturday
    day_idx = np.array([(d - first).days for d in q["date"]])
    slot = np.minimum(q["vru_exit_s"].to_numpy() // SLOT, n_slots - 1)
    counts = np.zeros((days, n_slots))
    np.add.at(counts, (day_idx, slot), 1)
    dtype = np.array([{4: 1, 5: 2}.get((first + timedelta(days=k)).weekday(), 0) for k in range(days)])
    present = counts.sum(axis=1) > 0
    rates = np.zeros_like(counts)
    for t in range(3):
        sel = (dtype == t) & present
        if not sel.any():
            continue
        shape = counts[sel].sum(axis=0)
        shape = shape / shape.sum()
        rates[dtype == t] = counts[dtype == t].sum(axis=1, keepdims=True) * shape
    # staffing: distinct agents serving during each (day, slot)
    served = q[q["answered"] & (q["server"] != "NO_SERVER")]
    s0 = served["ser_start_s"].to_numpy()
    s1 = s0 + served["ser_time"].to_numpy()
    di = np.array([(d - first).days for d in served["date"]])
    a_slot = s0 // SLOT
    b_slot = np.minimum(s1 // SLOT, n_slots - 1)
    rep = (b_slot - a_slot + 1).clip(1)
    flat_day = np.repeat(di, rep)
    flat_slot = np.repeat(a_slot, rep) + (np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep))
    flat_srv = np.repeat(served["server"].to_numpy(), rep)
    busy = pd.DataFrame({"d": flat_day, "s": np.minimum(flat_slot, n_slots - 1), "a": flat_srv})
    staff_tab = busy.drop_duplicates().groupby(["d", "s"]).size()
    staff = np.zeros((days, n_slots), dtype=np.int64)
    staff[staff_tab.index.get_level_values(0), staff_tab.index.get_level_values(1)] = staff_tab.to_numpy()
    staff = np.ceil(staff * staffing_factor).astype(int)

    talk = served["ser_time"].to_numpy(float)
    talk = talk[talk > 0]
    talk_q = np.quantile(talk, (np.arange(2000) + 0.5) / 2000)
    pat = patience_km(q) if patience == "km" else patience_exponential(q)
    cfg = SimConfig(
        name=f"anonymous-bank-{first:%Y-%m}",
        centre="Anonymous Bank (calibrated simulation)",
        timezone="Asia/Jerusalem",
        start=first,
        interval_minutes=SLOT // 60,
        customers=max(1000, int(q["customer_id"].nunique())),
        arrivals=ArrivalConfig(interval_means=rates.ravel().tolist()),
        queues=[QueueConfig(name="bank", talk=Dist(kind="empirical", values=talk_q.tolist()),
                            patience=pat)],
        tiers=[TierConfig(name="all", share=1.0, priority=1)],
        agents=[AgentGroupConfig(team="bank", skills={"bank": 1}, staffing=staff.ravel().tolist())],
    )
    return cfg, days, real_month(q, threshold_s)


def month_file(shared_data: Path, month: str) -> Path:
    """``../shared/data/anonymous_bank_1999/raw/<month>.txt``."""
    return Path(shared_data) / "anonymous_bank_1999" / "raw" / f"{month}.txt"

