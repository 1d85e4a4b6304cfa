"""The numpy column builders agree with the generic Arrow kernels they replace."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from callcenter.simulate.columns import const_str, local_us, prefixed_ints, take_names


def reference(prefix: str, v: np.ndarray, valid: np.ndarray | None, width: int) -> pa.Array:
    num = pa.array(v, type=pa.int64(), mask=None if valid is None else ~valid)
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(num, pa.string()), width, "0"), "")


@pytest.mark.parametrize("width", [1, 8])
@pytest.mark.parametrize("prefix", ["", "C", "sim:bench:7-"])
def test_prefixed_ints_equal_arrow(prefix: str, width: int) -> None:
    rng = np.random.default_rng(1)
    cases = [
        np.arange(20_000, dtype=np.int64),  # sorted, several widths
        rng.permutation(20_000),  # unsorted, several widths
        rng.integers(0, 10**12, 5_000),  # wide values
        np.array([2**32 - 1, 2**32, 2**40, 0, 9, 10]),  # 32-bit edge, 64-bit path
        np.array([], dtype=np.int64),
        np.array([-5, 3]),  # negative: falls back to Arrow
    ]
    for v in cases:
        for valid in (None, rng.random(len(v)) < 0.6, np.zeros(len(v), dtype=bool)):
            got = prefixed_ints(prefix, v, valid, width)
            assert got.equals(reference(prefix, v, valid, width)), (prefix, width, v[:5])


def test_const_str() -> None:
    assert const_str("voice", 3).to_pylist() == ["voice"] * 3
    assert const_str("", 2).to_pylist() == ["", ""]
    assert const_str("x", 0).to_pylist() == []


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York",
                                  "Australia/Lord_Howe", "Asia/Jerusalem", "UTC"])
def test_local_us_equals_arrow_tz_database(zone: str) -> None:
    """Across daylight-saving changes (including Lord Howe's 30-minute one)."""
    rng = np.random.default_rng(2)
    start = 1_672_531_200 * 1_000_000  # 2023-01-01 UTC
    us = start + rng.integers(0, 2 * 365 * 86_400 * 10**6, 200_000)
    us = np.concatenate([us, start + np.arange(0, 2 * 365 * 86_400, 900) * 10**6])  # every boundary
    ts = pa.array(us, type=pa.int64()).cast(pa.timestamp("us", tz=zone))
    ref = pc.cast(pc.local_timestamp(ts), pa.int64()).to_numpy()
    got = local_us(us, zone)
    assert got is not None and (got == ref).all()


def test_take_names_equals_arrow_take() -> None:
    rng = np.random.default_rng(2)
    for names in (["A0001", "A0002", "B1234"], ["only"], ["", "blind", "announced"],
                  ["综合组", "投诉组"], ["a" * 17, "b" * 17], [f"A{i:07d}" for i in range(300)]):
        for n in (0, 1, 1000):
            idx = rng.integers(-1, len(names), n)
            for valid in (None, rng.random(n) < 0.7):
                mask = (idx < 0) if valid is None else (~valid | (idx < 0))
                want = pc.take(pa.array(names, type=pa.string()),
                               pa.array(np.where(mask, 0, idx), mask=mask))
                assert take_names(names, idx, valid).equals(want), (names[:2], n)
