"""Offered contacts: when they arrive, what they want, who they are.

Model (per local interval i of day d, width w seconds):

    m_{d,i} = calls_per_day × f_weekday(d) × f_special(d) × p_i / Σp
    Λ_{d,i} = m_{d,i} × G,   G ~ Gamma(k, 1/k)   (only when ``dispersion`` k is set)
    N_{d,i} ~ Poisson(Λ_{d,i}),  arrival instants i.i.d. uniform in the interval

so counts are Poisson (or negative binomial, variance m + m²/k) and the process within an
interval is homogeneous Poisson. ``f_special`` multiplies public holidays, the month-end
(bill-day) and month-start days and explicit special days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from callcenter.errors import ModelError
from callcenter.simulate.config import SimConfig
from callcenter.simulate.distributions import Streams


@dataclass(frozen=True)
class Contacts:
    """Initial (first-attempt) contacts, sorted by arrival time (seconds from the epoch t0)."""

    t0: datetime  # UTC instant of local midnight of the first day
    horizon: float  # seconds simulated (local midnight of day `days`)
    time: np.ndarray  # float64 seconds since t0
    queue: np.ndarray  # int32 queue index
    tier: np.ndarray  # int32 tier index
    customer: np.ndarray  # int64 customer index
    blacklisted: np.ndarray  # bool per customer index (length config.customers)


@lru_cache(maxsize=4096)
def _holiday(d: date, calendar: str) -> tuple[bool, bool]:
    """(public holiday, make-up working day on a weekend) for ``d``."""
    if calendar == "none":
        return False, False
    if calendar == "CN":
        try:
            import chinese_calendar as cc

            on_holiday, name = cc.get_holiday_detail(d)
            makeup = d.weekday() >= 5 and not on_holiday
            return bool(on_holiday and name is not None), makeup
        except (NotImplementedError, ImportError):
            import holidays

            cn = holidays.country_holidays("CN", years=d.year)
            workdays: set[date] = set(getattr(cn, "weekend_workdays", set()))
            return d in cn, d in workdays
    import holidays

    return d in holidays.country_holidays("IL", years=d.year), False


def day_factor(cfg: SimConfig, d: date) -> float:
    """Expected volume of day ``d`` relative to ``calls_per_day``."""
    a = cfg.arrivals
    hol, makeup = _holiday(d, a.holidays)
    f = a.weekday_factors[2 if makeup else d.weekday()]
    if hol:
        f *= a.holiday_factor
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    days_to_end = (nxt - d).days  # 1 on the last day of the month
    if a.month_end_days and days_to_end <= a.month_end_days:
        f *= a.month_end_factor
    if a.month_start_days and d.day <= a.month_start_days:
        f *= a.month_start_factor
    f *= a.special_days.get(d, 1.0)
    return f


def epoch(cfg: SimConfig) -> datetime:
    """The UTC instant of local midnight of ``cfg.start`` (simulation time 0)."""
    z = ZoneInfo(cfg.timezone)
    return datetime(cfg.start.year, cfg.start.month, cfg.start.day, tzinfo=z).astimezone(UTC)


def interval_bounds(cfg: SimConfig, days: int) -> tuple[np.ndarray, np.ndarray, list[date]]:
    """Start and end (seconds since t0) of every local interval, and the day of each."""
    z = ZoneInfo(cfg.timezone)
    t0 = epoch(cfg)
    w = cfg.interval_minutes
    starts, ends, ds = [], [], []
    for k in range(days):
        d = cfg.start + timedelta(days=k)
        mid = datetime(d.year, d.month, d.day)
        for i in range(24 * 60 // w):
            a = (mid + timedelta(minutes=i * w)).replace(tzinfo=z).astimezone(UTC)
            b = (mid + timedelta(minutes=(i + 1) * w)).replace(tzinfo=z).astimezone(UTC)
            starts.append((a - t0).total_seconds())
            ends.append((b - t0).total_seconds())
            ds.append(d)
    return np.array(starts), np.array(ends), ds


def expected_counts(cfg: SimConfig, days: int) -> np.ndarray:
    """Mean offered contacts per interval (before over-dispersion), flattened over days."""
    n = 24 * 60 // cfg.interval_minutes
    if cfg.arrivals.interval_means is not None:
        m = np.asarray(cfg.arrivals.interval_means, dtype=np.float64)
        if len(m) < days * n:
            raise ModelError(
                f"arrivals.interval_means has {len(m)} values; {days} day(s) need {days * n}"
            )
        return m[: days * n]
    p = np.ones(n) if cfg.arrivals.profile is None else np.asarray(cfg.arrivals.profile, float)
    p = p / p.sum()
    f = np.array([day_factor(cfg, cfg.start + timedelta(days=k)) for k in range(days)])
    return np.asarray((cfg.arrivals.calls_per_day * f[:, None] * p[None, :]).ravel())


def blacklist(cfg: SimConfig, streams: Streams) -> np.ndarray:
    """The blacklisted customers (bool per customer index), drawn once per run."""
    black = np.zeros(cfg.customers, dtype=bool)
    if cfg.blacklist.numbers:
        crng = streams.rng("customers")
        black[crng.choice(cfg.customers, size=cfg.blacklist.numbers, replace=False)] = True
    return black


def generate_days(cfg: SimConfig, days: int, streams: Streams) -> Iterator[tuple[Contacts, float]]:
    """The first-attempt contacts one local day at a time, with the end of each day
    (seconds since t0). The random streams are consumed day by day, so a run of N days is
    the same whether it is consumed whole or a day at a time."""
    starts, ends, _ = interval_bounds(cfg, days)
    mean_all = expected_counts(cfg, days)
    per_day = 24 * 60 // cfg.interval_minutes
    rng = streams.rng("arrivals")
    kinds = streams.rng("call_type")
    trng = streams.rng("tier")
    crng = streams.rng("customers")
    black = blacklist(cfg, streams)
    shares = np.array([q.share for q in cfg.queues], float)
    tshares = np.array([x.share for x in cfg.tiers], float)
    c = cfg.customers
    b = cfg.blacklist.numbers
    if b:
        bw = b * cfg.blacklist.call_weight
        p_black = bw / (bw + (c - b))
        black_ids = np.flatnonzero(black)
        normal_ids = np.flatnonzero(~black)
    t0 = epoch(cfg)
    horizon = float(ends[-1]) if len(ends) else 0.0
    for k in range(days):
        sl = slice(k * per_day, (k + 1) * per_day)
        mean = mean_all[sl]
        if cfg.arrivals.dispersion is not None:
            kd = cfg.arrivals.dispersion
            mean = mean * rng.gamma(kd, 1.0 / kd, mean.shape)
        counts = rng.poisson(mean)
        total = int(counts.sum())
        t = _uniform_times(rng, starts[sl], ends[sl], counts, total)
        queue = _categorical(kinds, shares, total)
        tier = _categorical(trng, tshares, total)
        if b:
            is_black = crng.random(total) < p_black
            customer = np.where(
                is_black,
                black_ids[crng.integers(0, b, total)],
                normal_ids[crng.integers(0, c - b, total)],
            )
        else:
            customer = crng.integers(0, c, total)
        yield Contacts(
            t0=t0,
            horizon=horizon,
            time=t,
            queue=queue.astype(np.int32, copy=False),
            tier=tier.astype(np.int32, copy=False),
            customer=customer.astype(np.int64, copy=False),
            blacklisted=black,
        ), float(ends[(k + 1) * per_day - 1])


def generate(cfg: SimConfig, days: int, streams: Streams) -> Contacts:
    """All first-attempt contacts of ``days`` days (the days of :func:`generate_days`, joined)."""
    parts = [c for c, _ in generate_days(cfg, days, streams)]
    first = parts[0]
    return Contacts(
        t0=first.t0,
        horizon=first.horizon,
        time=np.concatenate([p.time for p in parts]),
        queue=np.concatenate([p.queue for p in parts]),
        tier=np.concatenate([p.tier for p in parts]),
        customer=np.concatenate([p.customer for p in parts]),
        blacklisted=first.blacklisted,
    )


CHUNK = 1 << 16
"""Arrival instants drawn and sorted at a time (the result does not depend on it)."""


def _uniform_times(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, counts: np.ndarray, total: int
) -> np.ndarray:
    """``counts[i]`` instants uniform in ``[lo[i], hi[i])`` per interval, sorted.

    The values are ``lo + (hi − lo) × U`` with the U drawn in row order, as if drawn at
    once; they are drawn and sorted in blocks of whole intervals of about ``CHUNK`` rows
    (no day-sized temporaries). Intervals follow each other, so the sorted blocks are in
    order; where they are not (a local hour repeated or skipped by a clock change maps
    intervals onto overlapping instants), the whole day is sorted again: the sorted values
    are the same either way.
    """
    width = hi - lo
    cum = np.concatenate(([0], np.cumsum(counts)))
    t = np.empty(total)
    n_int = len(counts)
    in_order = True
    prev = -np.inf
    i = 0
    while i < n_int:
        j = int(np.searchsorted(cum, cum[i] + CHUNK, side="right")) - 1
        j = min(max(j, i + 1), n_int)
        a, b = int(cum[i]), int(cum[j])
        if b > a:
            idx = np.repeat(np.arange(i, j), counts[i:j])
            x = lo[idx] + width[idx] * rng.random(b - a)
            x.sort(kind="stable")
            if x[0] < prev:
                in_order = False
            prev = x[-1]
            t[a:b] = x
        i = j
    if not in_order:
        t.sort(kind="stable")
    return t


def _categorical(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    if len(shares) == 1:
        return np.zeros(n, dtype=np.int32)
    cum = np.cumsum(shares / shares.sum())
    out = np.empty(n, dtype=np.int32)
    for lo in range(0, n, CHUNK):  # the same draws in the same order as one call
        hi = min(lo + CHUNK, n)
        out[lo:hi] = np.minimum(np.searchsorted(cum, rng.random(hi - lo), side="right"), len(shares) - 1)
    return out
