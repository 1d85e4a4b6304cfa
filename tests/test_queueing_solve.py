"""Staffing solvers: published worked examples, true minimality, vectorisation, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.errors import ModelError
from callcenter.queueing import (
    SLVariant,
    Targets,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_occupancy,
    erlang_c_service_level,
    evaluate,
    required_agents,
    traffic_erlangs,
)

SL8020 = Targets(service_level=0.8, threshold_s=20.0)


# ------------------------------------------------------------ published examples


def test_call_centre_helper_worked_example() -> None:
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls in 30 min, AHT 180 s, 80/20 → 10 Erlangs,
    14 agents, P(wait) 17.4 %, service level 88.8 %, ASA 7.8 s, occupancy 71.4 %,
    and 20 agents after 30 % shrinkage."""
    a = float(traffic_erlangs(100, 180, 1800))
    assert a == 10.0
    r = required_agents(a, 180.0, SL8020)
    assert int(r.agents) == 14
    assert round(float(r.performance.p_wait), 3) == 0.174
    assert round(float(r.performance.service_level), 3) == 0.888
    assert round(float(r.performance.asa_s), 1) == 7.8
    assert round(float(r.performance.occupancy), 3) == 0.714
    assert int(np.ceil(14 / (1 - 0.3))) == 20
    # 13 agents give 79.6 % < 80 %: 14 is the minimum
    assert float(erlang_c_service_level(13, a, 180, 20)) < 0.8


def test_mitan_erlang_c_worked_example() -> None:
    """Mitan Ltd, "The Erlang-C formula" (step-by-step example): 360 calls per half hour,
    4-minute calls, 55 agents, 15-second target → traffic 48 Erlangs, occupancy 87.3 %,
    probability of waiting 23.9 %, ASA 8.2 s, service level 84.6 %."""
    a = float(traffic_erlangs(360, 240, 1800))
    assert a == 48.0
    assert round(float(erlang_c_occupancy(55, a)), 3) == 0.873
    assert round(float(erlang_c(55, a)), 3) == 0.239
    assert round(float(erlang_c_asa(55, a, 240)), 1) == 8.2
    assert round(float(erlang_c_service_level(55, a, 240, 15)), 3) == 0.846


@pytest.mark.parametrize(
    ("n", "table_erlangs"), [(5, 1.361), (10, 4.461), (20, 12.031), (50, 37.901), (100, 84.064)]
)
def test_erlang_b_table_at_one_percent(n: int, table_erlangs: float) -> None:
    """Standard Erlang B table (e.g. ITU-T traffic tables; Wikipedia "Erlang (unit)"
    table of traffic for 1 % blocking), printed to 3 decimals: the exact load for 1 %
    lies within the printed value's rounding interval."""
    assert float(erlang_b(n, table_erlangs - 0.0005)) <= 0.01 <= float(erlang_b(n, table_erlangs + 0.0005))


# ------------------------------------------------------------ minimality


def _scan_c(a: float, aht: float, t: Targets) -> int:
    """Linear scan with the public measure functions (an independent code path).

    Ties count as met within the solver's documented 1e-12 rounding margin."""
    tol = 1e-12
    n = int(np.floor(a)) + 1
    while True:
        ok = True
        if t.service_level is not None:
            ok &= float(erlang_c_service_level(n, a, aht, t.threshold_s)) >= t.service_level - tol
        if t.asa_s is not None:
            ok &= float(erlang_c_asa(n, a, aht)) <= t.asa_s * (1 + tol)
        if t.max_occupancy is not None:
            ok &= float(erlang_c_occupancy(n, a)) <= t.max_occupancy * (1 + tol)
        if ok:
            return n
        n += 1


targets_st = st.fixed_dictionaries({
    "service_level": st.one_of(st.none(), st.floats(0.5, 0.99)),
    "threshold_s": st.floats(0.0, 60.0),
    "asa_s": st.one_of(st.none(), st.floats(1.0, 120.0)),
    "max_occupancy": st.one_of(st.none(), st.floats(0.6, 1.0)),
}).filter(
    lambda d: any(d[k] is not None for k in ("service_level", "asa_s", "max_occupancy"))
).map(lambda d: Targets(**d))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(traffic=st.floats(0.05, 400.0), aht=st.floats(30.0, 900.0), targets=targets_st)
def test_erlang_c_requirement_is_the_true_minimum(traffic: float, aht: float, targets: Targets) -> None:
    # hypothesis found the exact tie a = 0.5, n = 2, t = 0: C = 0.1, SL exactly 90 %
    expect = _scan_c(traffic, aht, targets)
    assert int(required_agents(traffic, aht, targets).agents) == expect  # scalar path
    vec = required_agents(np.array([traffic, traffic]), aht, targets, fractional=True)
    assert vec.agents.tolist() == [expect, expect]  # vectorised path
    assert vec.fractional is not None
    assert expect - 1 < vec.fractional[0] <= expect


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    traffic=st.floats(0.2, 120.0),
    patience=st.floats(20.0, 900.0),
    level=st.floats(0.5, 0.95),
    threshold=st.floats(5.0, 60.0),
    variant=st.sampled_from(list(SLVariant)),
    abandon=st.one_of(st.none(), st.floats(0.01, 0.2)),
)
def test_erlang_a_requirement_is_the_true_minimum(
    traffic: float, patience: float, level: float, threshold: float, variant: SLVariant,
    abandon: float | None,
) -> None:
    aht = 200.0
    t = Targets(service_level=level, threshold_s=threshold, sl_variant=variant, max_abandon=abandon)
    got = int(required_agents([traffic], aht, t, patience_s=patience).agents[0])
    ns = np.arange(1, got + 1)
    m = erlang_a_metrics(ns, traffic, aht, patience, threshold)
    ok = m.service_level(variant) >= level - 1e-12
    if abandon is not None:
        ok &= m.p_abandon <= abandon * (1 + 1e-12)
    assert ok[-1], "the answer meets the targets"
    assert not ok[:-1].any(), "no smaller staffing meets them"


def test_combined_targets_take_the_largest_single_requirement() -> None:
    a = np.array([3.0, 30.0, 300.0, 3000.0])
    sl = required_agents(a, 240.0, Targets(service_level=0.9, threshold_s=15.0)).agents
    asa = required_agents(a, 240.0, Targets(asa_s=10.0)).agents
    occ = required_agents(a, 240.0, Targets(max_occupancy=0.85)).agents
    both = required_agents(a, 240.0, Targets(service_level=0.9, threshold_s=15.0, asa_s=10.0,
                                             max_occupancy=0.85)).agents
    assert both.tolist() == np.maximum(np.maximum(sl, asa), occ).tolist()
    assert occ.tolist() == np.ceil(a / 0.85 - 1e-12).astype(int).tolist()


def test_month_of_intervals_vectorised_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    a = rng.gamma(2.0, 40.0, size=1440)
    a[::97] = 0.0  # closed intervals
    aht = rng.uniform(120, 400, size=1440)
    r = required_agents(a, aht, SL8020)
    assert r.agents.shape == (1440,)
    assert (r.agents[a == 0] == 0).all()
    picks = rng.choice(1440, size=40, replace=False)
    for i in picks:
        assert int(required_agents(float(a[i]), float(aht[i]), SL8020).agents) == r.agents[i]
    # what the staffing achieves (reverse) meets the target, one agent less does not
    busy = a > 0
    ok = evaluate(r.agents, a, aht).service_level
    below = evaluate(np.maximum(r.agents - 1, 0), a, aht).service_level
    assert (ok[busy] >= 0.8).all() and (below[busy] < 0.8).all()


def test_large_systems_solve() -> None:
    a = np.array([2_000.0, 20_000.0, 50_000.0])
    r = required_agents(a, 180.0, SL8020)
    assert ((r.agents > a) & (r.agents < a + 3 * np.sqrt(a) + 20)).all()
    assert (evaluate(r.agents - 1, a, 180.0).service_level < 0.8).all()
    ra = required_agents(a, 180.0, SL8020, patience_s=300.0)
    assert (ra.agents <= r.agents).all()


def test_fractional_requirement_is_root_of_continuous_extension() -> None:
    a, aht = 10.0, 180.0
    r = required_agents([a], aht, SL8020, fractional=True)
    assert r.fractional is not None
    x = float(r.fractional[0])
    assert 13.0 < x <= 14.0
    assert float(erlang_c_service_level(x, a, aht, 20)) == pytest.approx(0.8, abs=1e-7)


def test_zero_traffic_needs_no_agents() -> None:
    r = required_agents([0.0, 10.0], 180.0, SL8020)
    assert r.agents.tolist() == [0, 14]
    assert r.performance.service_level[0] == 1.0
    assert int(required_agents(0.0, 180.0, SL8020).agents) == 0


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"service_level": 1.0}, {"service_level": 80.0}, {"asa_s": 0.0},
     {"max_abandon": 0.0}, {"max_occupancy": 1.5}, {"service_level": 0.8, "threshold_s": -1.0}],
)
def test_ill_posed_targets_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ModelError) as e:
        Targets(**kwargs)  # type: ignore[arg-type]
    assert e.value.hint


def test_abandon_target_without_patience_is_refused() -> None:
    with pytest.raises(ModelError, match="Erlang A"):
        required_agents([10.0], 180.0, Targets(max_abandon=0.05))
    with pytest.raises(ModelError, match="Erlang A"):
        required_agents(10.0, 180.0, Targets(max_abandon=0.05))


def test_bad_traffic_is_refused_with_position() -> None:
    with pytest.raises(ModelError) as e:
        required_agents([1.0, -2.0], 180.0, SL8020)
    assert e.value.where == "traffic[1]"
