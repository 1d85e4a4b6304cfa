"""Fast Arrow column builders for the simulated tables (numpy in, Arrow out, no per-row Python).

The canonical tables hold many string columns whose values follow a pattern (``<prefix><n>``
ids, constant labels) and local timestamps. Building them through generic Arrow kernels
(int → string cast, then a join) costs ~100 ns a row; building the string buffers directly
with numpy costs a fraction of that, and it is what keeps table building from dominating a
simulation (docs/benchmarks/simulate.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_POW10 = 10 ** np.arange(1, 19, dtype=np.int64)  # 10, 100, ..., 1e18
_I32_MAX = 2**31 - 1
_DIGITS4_U32 = (
    np.array([[ord(c) for c in f"{i:04d}"] for i in range(10_000)], dtype=np.uint8)
    .view(np.uint32)
    .ravel()
)  # "0000".."9999" as 4 ASCII bytes in one uint32


def _rows(pre: np.ndarray, digits: np.ndarray, k: int) -> np.ndarray:
    """prefix + the last k digit bytes of each row, as one flat byte array."""
    n = len(digits)
    if not len(pre):
        return np.ascontiguousarray(digits[:, digits.shape[1] - k :]).reshape(-1)
    out = np.empty((n, len(pre) + k), dtype=np.uint8)
    out[:, : len(pre)] = pre
    out[:, len(pre) :] = digits[:, digits.shape[1] - k :]
    return out.reshape(-1)


def _ragged(pre: np.ndarray, digits: np.ndarray, nd: np.ndarray) -> np.ndarray:
    """The bytes of row i = prefix + its last nd[i] digits, joined (rows sorted by value
    when there are several widths, so each width is one block)."""
    n = len(nd)
    lo, hi = int(nd.min()), int(nd.max())
    if lo == hi:  # one width: a matrix is the buffer
        return _rows(pre, digits, hi)
    cuts = np.flatnonzero(np.diff(nd)) + 1
    return np.concatenate([
        _rows(pre, digits[a:b], int(nd[a])) for a, b in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True)
    ])


def const_str(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` n times (no nulls)."""
    b = value.encode()
    if len(b) * n > _I32_MAX:
        return pc.fill_null(pa.nulls(n, pa.string()), value)
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(len(b))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(b * n))


def prefixed_ints(
    prefix: str, values: np.ndarray, valid: np.ndarray | None = None, width: int = 1
) -> pa.Array:
    """``prefix + str(v)`` per value (zero-padded to at least ``width`` digits), null where
    not ``valid``. Equal to ``pc.binary_join_element_wise(prefix, utf8_lpad(cast(v)), "")``."""
    v = np.asarray(values, dtype=np.int64)
    n = len(v)
    mask = None if valid is None else ~np.asarray(valid, dtype=bool)
    if mask is not None and not mask.any():
        mask = None
    vv = v if mask is None else v[~mask]
    if n == 0 or len(vv) == 0:
        return pa.nulls(n, pa.string()) if n else pa.array([], type=pa.string())
    pb = prefix.encode()
    nd = np.maximum(np.searchsorted(_POW10, vv, side="right") + 1, width)
    total = int(nd.sum()) + len(pb) * len(vv)
    if int(vv.min()) < 0 or total > _I32_MAX:
        num = pa.array(v, type=pa.int64(), mask=mask)
        return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(num, pa.string()), width, "0"), "")
    if len(vv) > 1 and int(nd.min()) != int(nd.max()) and not bool(np.all(vv[1:] >= vv[:-1])):
        # unsorted, several widths: build the distinct values in order, then gather
        u, inv = np.unique(vv, return_inverse=True)
        strings = prefixed_ints(prefix, u, width=width)
        idx = np.zeros(n, dtype=np.int64)
        if mask is None:
            idx[:] = inv
        else:
            idx[~mask] = inv
        return pc.take(strings, pa.array(idx, mask=mask))
    maxd = int(nd.max())
    groups = -(-maxd // 4)
    m = len(vv)
    if int(vv.max()) < 2**32:  # 32-bit division is several times faster
        x: np.ndarray = vv.astype(np.uint32)
        div: np.generic = np.uint32(10_000)
    else:
        x, div = vv, np.int64(10_000)
    dig = np.empty((m, groups), dtype=np.uint32)
    for g in range(groups - 1, -1, -1):  # 4 digits at a time through a lookup table
        x, r = np.divmod(x, div)
        dig[:, g] = _DIGITS4_U32[r]
    digits = dig.view(np.uint8).reshape(m, 4 * groups)  # right-aligned ASCII digits
    data = _ragged(np.frombuffer(pb, dtype=np.uint8), digits, nd)
    lengths = np.zeros(n, dtype=np.int32)
    if mask is None:
        lengths[:] = nd + len(pb)
    else:
        lengths[~mask] = nd + len(pb)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    bitmap = None
    nulls = 0
    if mask is not None:
        nulls = int(mask.sum())
        bitmap = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


_STEP = 900 * 1_000_000  # 15 minutes in µs: UTC offsets change on such boundaries


def _offset_at(z: ZoneInfo, k: int) -> int:
    d = datetime.fromtimestamp(k * _STEP / 1e6, tz=UTC).astimezone(z).utcoffset()
    return 0 if d is None else int(d.total_seconds()) * 1_000_000


@lru_cache(maxsize=64)
def _offsets(zone: str, lo: int, hi: int) -> np.ndarray:
    """UTC offset (µs) at each 15-minute UTC boundary lo..hi (in steps): looked up once a
    day, and every 15 minutes only on days whose offset changes."""
    z = ZoneInfo(zone)
    per_day = 96
    days = np.arange(lo, hi + 2 * per_day, per_day)
    day_off = np.array([_offset_at(z, int(k)) for k in days], dtype=np.int64)
    out = np.repeat(day_off[:-1], per_day)[: hi - lo + 1]
    for d in np.flatnonzero(day_off[1:] != day_off[:-1]):
        for k in range(int(days[d]), min(int(days[d + 1]), hi + 1)):
            out[k - lo] = _offset_at(z, k)
    return out


def local_us(utc_us: np.ndarray, zone: str) -> np.ndarray | None:
    """Naive local wall clock (µs) of UTC instants (µs) in ``zone``, or None when the span is
    too long for the lookup table (the caller then uses Arrow's tz database)."""
    if len(utc_us) == 0:
        return utc_us.copy()
    lo = int(utc_us.min()) // _STEP
    hi = int(utc_us.max()) // _STEP + 1
    if hi - lo > 200_000:  # > ~5 years in one batch
        return None
    off = _offsets(zone, lo, hi)
    b = utc_us // _STEP - lo
    a0 = off[b]
    out = utc_us + a0
    odd = a0 != off[b + 1]  # a transition inside this 15-minute bucket: look up exactly
    if odd.any():
        idx = np.flatnonzero(odd)
        ts = pa.array(utc_us[idx], type=pa.int64()).cast(pa.timestamp("us", tz=zone))
        out[idx] = pc.cast(pc.local_timestamp(ts), pa.int64()).to_numpy()
    return np.asarray(out, dtype=np.int64)
