"""Erlang B / C / A against independent references: exact fractions, mpmath, a brute-force chain.

The references here never call callcenter code: Erlang B/C in mpmath (30 digits) through
``mpmath.gammainc`` and, for small cases, exact rational arithmetic straight from the
textbook sum; Erlang A by summing its birth–death chain term by term in mpmath.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.errors import ModelError
from callcenter.queueing import (
    _scalar,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_occupancy,
    erlang_c_queue_length,
    erlang_c_service_level,
)

REL = 1e-9


def mp_erlang_b(n: float, a: float) -> mp.mpf:
    """B(n, a) in 30-digit arithmetic (real n allowed).

    For n ≥ a: f(n; a) / Q(n+1, a) with mpmath's incomplete gamma. For n < a (where
    mpmath's hypergeometric series stalls at large a): for integer n the textbook
    identity 1/B = Σ_{j=0}^{n} Π_{i<j} (n−i)/a, whose terms decrease since n < a.
    """
    with mp.workdps(30):
        n_, a_ = mp.mpf(n), mp.mpf(a)
        if n < a and float(n).is_integer():
            total, term, j = mp.mpf(1), mp.mpf(1), 0
            while j < n:
                term = term * (n_ - j) / a_
                j += 1
                total += term
                if term < total * mp.mpf(10) ** -35:
                    break
            return 1 / total
        q = mp.gammainc(n_ + 1, a_, mp.inf, regularized=True)
        return mp.exp(-a_ + n_ * mp.log(a_) - mp.loggamma(n_ + 1)) / q


def mp_erlang_c(n: float, a: float) -> mp.mpf:
    with mp.workdps(30):
        b = mp_erlang_b(n, a)
        rho = mp.mpf(a) / mp.mpf(n)
        return b / (1 - rho * (1 - b))


def exact_erlang_b(n: int, a: Fraction) -> Fraction:
    """Textbook definition (a^n/n!) / Σ_{k≤n} a^k/k! in exact rationals."""
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


def close(ours: float, ref: mp.mpf, rel: float = REL) -> bool:
    if ref < mp.mpf("1e-300"):  # below double range: ours must be 0 or tiny
        return ours < 1e-290
    return abs(mp.mpf(ours) - ref) <= rel * abs(ref)


traffic_st = st.floats(min_value=0.1, max_value=50_000.0, allow_nan=False)
ratio_st = st.floats(min_value=0.5, max_value=2.0, allow_nan=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic=traffic_st, ratio=ratio_st, offset=st.integers(-40, 40))
def test_erlang_b_matches_mpmath(traffic: float, ratio: float, offset: int) -> None:
    n = int(min(100_000, max(1, round(traffic * ratio) + offset)))
    ours = float(erlang_b(n, traffic))
    assert close(ours, mp_erlang_b(n, traffic)), (n, traffic, ours)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic=traffic_st, gap=st.floats(min_value=0.01, max_value=6.0), offset=st.integers(0, 30))
def test_erlang_c_and_measures_match_mpmath(traffic: float, gap: float, offset: int) -> None:
    # n from just above a to a + 6√a + 30: every regime a staffing question meets
    n = int(min(100_000, np.floor(traffic + gap * np.sqrt(traffic)) + 1 + offset))
    ref_c = mp_erlang_c(n, traffic)
    assert close(float(erlang_c(n, traffic)), ref_c), (n, traffic)
    aht, t = 180.0, 20.0
    with mp.workdps(30):
        ref_sl = 1 - ref_c * mp.exp(-(n - mp.mpf(traffic)) * t / aht)
        ref_asa = ref_c * aht / (n - mp.mpf(traffic))
        ref_lq = ref_c * mp.mpf(traffic) / (n - mp.mpf(traffic))
    assert close(float(erlang_c_service_level(n, traffic, aht, t)), ref_sl)
    assert close(float(erlang_c_asa(n, traffic, aht)), ref_asa)
    assert close(float(erlang_c_queue_length(n, traffic)), ref_lq)
    # the plain-float path gives the same numbers
    assert close(_scalar.erlang_c(float(n), traffic), ref_c)


@settings(max_examples=60, deadline=None)
@given(traffic=st.floats(min_value=0.1, max_value=5_000.0), x=st.floats(min_value=0.2, max_value=3.0))
def test_continuous_extension_matches_mpmath(traffic: float, x: float) -> None:
    """Real numbers of agents: B(x, a) = f(x; a)/Q(x+1, a) (Jagerman 1974)."""
    n = traffic * x
    assert close(float(erlang_b(n, traffic)), mp_erlang_b(n, traffic))
    if n > traffic:
        assert close(float(erlang_c(n, traffic)), mp_erlang_c(n, traffic))


@pytest.mark.parametrize(
    ("n", "a"),
    [(1, Fraction(1, 10)), (5, Fraction(3)), (10, Fraction(10)), (14, Fraction(10)),
     (30, Fraction(45, 2)), (50, Fraction(47))],
)
def test_erlang_b_equals_exact_rational_sum(n: int, a: Fraction) -> None:
    exact = exact_erlang_b(n, a)
    assert float(erlang_b(n, float(a))) == pytest.approx(float(exact), rel=1e-13)
    if n > a:
        rho = a / n
        exact_c = exact / (1 - rho * (1 - exact))
        assert float(erlang_c(n, float(a))) == pytest.approx(float(exact_c), rel=1e-13)


def test_extreme_sizes_are_finite_and_fast_enough_to_finish() -> None:
    n = np.array([1, 10, 1_000, 49_000, 50_000, 50_500, 100_000, 100_000])
    a = np.array([50_000.0, 50_000.0, 50_000.0, 50_000.0, 50_000.0, 50_000.0, 50_000.0, 0.1])
    for f in (erlang_b(n, a), erlang_c(n, a), erlang_c_service_level(n, a, 180, 20)):
        assert np.all(np.isfinite(f)) and np.all((f >= 0) & (f <= 1))
    assert float(erlang_b(1, 50_000)) == pytest.approx(50_000 / 50_001, rel=1e-12)
    assert float(erlang_b(100_000, 0.1)) == 0.0  # true value ~1e-556_000


def test_limits_of_erlang_c() -> None:
    """n ≤ a: no steady state; the correct limits, not garbage."""
    n = np.array([5.0, 10.0, 10.0])
    a = np.array([10.0, 10.0, 0.0])
    assert erlang_c(n, a).tolist() == [1.0, 1.0, 0.0]
    assert erlang_c_service_level(n, a, 180, 20).tolist() == [0.0, 0.0, 1.0]
    asa = erlang_c_asa(n, a, 180)
    assert np.isinf(asa[0]) and np.isinf(asa[1]) and asa[2] == 0.0
    assert erlang_c_occupancy(n, a).tolist() == [1.0, 1.0, 0.0]
    assert float(erlang_b(0, 3.0)) == 1.0


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda: erlang_b(-1, 3), "agents"),
        (lambda: erlang_c(3, float("nan")), "traffic"),
        (lambda: erlang_c_asa(3, 1, 0), "aht_s"),
        (lambda: erlang_c_service_level(3, [1, float("inf")], 180, 20), "traffic[1]"),
        (lambda: erlang_a_metrics(3, 1, 180, -5), "patience_s"),
    ],
)
def test_bad_input_names_what_and_where(call, where: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as e:
        call()
    assert e.value.where == where
    assert e.value.hint


# ---------------------------------------------------------------- Erlang A


def mp_erlang_a(n: int, a: float, aht: float, patience: float, t: float) -> dict[str, mp.mpf]:
    """M/M/n+M by summing the birth–death chain in 40-digit arithmetic.

    Offered wait given j callers ahead is a sum of exponentials with rates nμ + iθ,
    i = 0..j, i.e. e^{-θV} ~ Beta(x, j+1) with x = nμ/θ (Rényi representation).
    """
    with mp.workdps(40):
        a_, aht_, pat, t_ = (mp.mpf(v) for v in (a, aht, patience, t))
        lam, mu, th = a_ / aht_, 1 / aht_, 1 / pat
        w = [mp.mpf(1)]
        for k in range(1, n + 1):
            w.append(w[-1] * a_ / k)
        q = [w[n]]
        j = 0
        while True:
            j += 1
            q.append(q[-1] * lam / (n * mu + j * th))
            if q[-1] < mp.mpf(10) ** -45 * max(q) and j > (lam - n * mu) / th:
                break
        z = mp.fsum(w[:n]) + mp.fsum(q)
        pw = mp.fsum(q) / z
        pab = th * mp.fsum(i * v for i, v in enumerate(q)) / z / lam
        x = n * mu / th
        decay = mp.e ** (-th * t_)
        pv = mp.fsum(v / z * mp.betainc(x, i + 1, 0, decay, regularized=True) for i, v in enumerate(q))
        ans = mp.fsum(v / z * x / (x + i + 1) * mp.betainc(x + 1, i + 1, decay, 1, regularized=True)
                      for i, v in enumerate(q))
        evexp = mp.fsum(v / z * x / (x + i + 1) * (mp.digamma(x + i + 2) - mp.digamma(x + 1))
                        for i, v in enumerate(q)) / th
        return {
            "p_wait": pw, "p_abandon": pab, "sl_offered": 1 - pw + ans,
            "sl_answered": (1 - pw + ans) / (1 - pab),
            "sl_abandons_within_t_met": 1 - pv * decay, "asa_s": evexp / (1 - pab),
        }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    traffic=st.floats(min_value=0.1, max_value=60.0),
    ratio=st.floats(min_value=0.3, max_value=1.6),
    patience=st.floats(min_value=10.0, max_value=600.0),
    t=st.floats(min_value=0.0, max_value=120.0),
)
def test_erlang_a_matches_brute_force_chain(traffic: float, ratio: float, patience: float, t: float) -> None:
    n = max(1, round(traffic * ratio))
    ref = mp_erlang_a(n, traffic, 180.0, patience, t)
    ours = erlang_a_metrics(n, traffic, 180.0, patience, t)
    for key, value in ref.items():
        got = float(getattr(ours, key))
        assert close(got, value, 1e-9) or abs(got - float(value)) < 1e-15, (key, got, value)


def test_erlang_a_large_system_matches_mpmath_closed_form() -> None:
    """5,000 agents, 4,900 Erlangs: P(W>0) = S/(S+T) with S, T from mpmath's incomplete gamma."""
    n, a, aht, pat = 5_000, 4_900.0, 240.0, 120.0
    with mp.workdps(40):
        x, y = mp.mpf(n) * pat / aht, mp.mpf(a) * pat / aht

        def logf(s: mp.mpf, m: mp.mpf) -> mp.mpf:
            return -m + s * mp.log(m) - mp.loggamma(s + 1)

        s_ = mp.gammainc(x, 0, y, regularized=True) / mp.exp(logf(x, y))
        t_ = mp.gammainc(mp.mpf(n), mp.mpf(a), mp.inf, regularized=True) / mp.exp(logf(mp.mpf(n), mp.mpf(a)))
        pw = s_ / (s_ + t_)
        rho = mp.mpf(a) / n
        pab = pw * (1 / (rho * s_) + 1 - 1 / rho)
    m = erlang_a_metrics(n, a, aht, pat, 20.0)
    assert close(float(m.p_wait), pw)
    assert close(float(m.p_abandon), pab, 1e-8)


def test_erlang_a_tends_to_erlang_c_for_infinite_patience() -> None:
    n, a = 14, 10.0
    m = erlang_a_metrics(n, a, 180.0, 1e9, 20.0)
    assert float(m.p_wait) == pytest.approx(float(erlang_c(n, a)), rel=1e-6)
    assert float(m.sl_offered) == pytest.approx(float(erlang_c_service_level(n, a, 180, 20)), rel=1e-6)
    assert float(m.asa_s) == pytest.approx(float(erlang_c_asa(n, a, 180)), rel=1e-5)


def test_erlang_a_limits() -> None:
    m = erlang_a_metrics([0, 5, 5], [10.0, 0.0, 10.0], 180.0, 60.0, 20.0)
    assert m.p_abandon[0] == 1.0 and m.sl_offered[0] == 0.0 and np.isinf(m.asa_s[0])
    assert m.p_wait[1] == 0.0 and m.sl_offered[1] == 1.0 and m.occupancy[1] == 0.0
    # overloaded (a = 2n) is still stable with abandonment: throughput ≤ n/AHT
    assert 0.5 <= m.p_abandon[2] < 1.0
    assert m.occupancy[2] <= 1.0
    # Little: mean wait of all callers = P(Ab) × patience
    assert m.mean_wait_s[2] == pytest.approx(m.p_abandon[2] * 60.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 100_000),
    traffic=st.floats(0.1, 50_000.0),
    aht=st.floats(10.0, 1_800.0),
    patience=st.floats(1.0, 3_600.0),
    t=st.floats(0.0, 600.0),
)
def test_erlang_a_is_finite_and_bounded_at_every_size(
    n: int, traffic: float, aht: float, patience: float, t: float
) -> None:
    m = erlang_a_metrics([n, n + 1], traffic, aht, patience, t)
    for key in ("p_wait", "p_abandon", "sl_offered", "sl_answered", "sl_abandons_within_t_met",
                "occupancy"):
        v = getattr(m, key)
        assert np.all(np.isfinite(v)) and np.all((v >= 0) & (v <= 1)), key
    assert np.all(np.isfinite(m.asa_s)) and np.all(m.asa_s >= 0)
    # one more agent never hurts
    assert m.p_abandon[1] <= m.p_abandon[0] * (1 + 1e-9) + 1e-300
    assert m.sl_offered[1] >= m.sl_offered[0] - 1e-9
