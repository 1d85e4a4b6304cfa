"""Fast Arrow column builders for the simulated tables (numpy in, Arrow out, no per-row Python).

The canonical tables hold many string columns whose values follow a pattern (``<prefix><n>``
ids, constant labels) and local timestamps. Building them through generic Arrow kernels
(int → string cast, then a join) costs ~100 ns a row; building the string buffers directly
with numpy costs a fraction of that, and it is what keeps table building from dominating a
simulation (docs/benchmarks/simulate.md).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
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


_LITTLE = sys.byteorder == "little"
_TILE_ROWS = 2048  # rows of the prefix template copied at once


def _ndigits(v: int) -> int:
    return len(str(v))


def _strided(buf: np.ndarray, offset: int, stride: int, n: int, dtype: str) -> np.ndarray:
    """A view of ``n`` (unaligned) ``dtype`` values of ``buf`` at ``offset`` + i·``stride``."""
    return np.ndarray((n,), dtype=dtype, buffer=buf, offset=offset, strides=(stride,))


def _write_block(out: np.ndarray, pre: bytes, vals: np.ndarray, k: int) -> None:
    """Fill ``out`` (len(vals) rows of prefix + k digits, no separators) with the rows.

    The prefix is copied as a tiled template (long rows, fast); the digits are written 4 at
    a time as one (unaligned, strided) uint32 store per row and group, looked up in
    ``_DIGITS4_U32`` — no narrow per-row byte copies, which cost ~20 ns a row each."""
    m = len(vals)
    p = len(pre)
    w = p + k
    if p:
        t = min(m, _TILE_ROWS)
        tile = np.tile(np.frombuffer(pre + bytes(k), dtype=np.uint8), t)
        whole = (m // t) * t * w
        out[:whole].reshape(-1, t * w)[:] = tile
        out[whole:] = tile[: len(out) - whole]
    groups = -(-k // 4)
    if int(vals.max()) < 2**32:  # 32-bit division is several times faster
        x: np.ndarray = vals.astype(np.uint32)
        div: np.generic = np.uint32(10_000)
    else:
        x, div = vals, np.int64(10_000)
    for g in range(groups - 1, -1, -1):  # last 4 digits first
        if g:
            x, r = np.divmod(x, div)
        else:
            r = x
        word = _DIGITS4_U32[r]
        pos = p + k - 4 * (groups - g)  # where this group's 4 digits start in the row
        if pos >= p:
            _strided(out, pos, w, m, "<u4")[...] = word
            continue
        lead = pos + 4 - p  # the leading group has only `lead` (1..3) digits: its last bytes
        if lead >= 2:
            _strided(out, p + lead - 2, w, m, "<u2")[...] = (word >> 16).astype(np.uint16)
        if lead != 2:
            _strided(out, p, w, m, "u1")[...] = (word >> (8 * (4 - lead))).astype(np.uint8)


def const_str(value: str, n: int) -> pa.Array:
    """A string column holding ``value`` n times (no nulls)."""
    b = value.encode()
    if len(b) * n > _I32_MAX:
        return pc.fill_null(pa.nulls(n, pa.string()), value)
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(len(b))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(b * n))


@lru_cache(maxsize=256)
def _name_table(names: tuple[str, ...]) -> tuple[int, list[tuple[int, str, np.ndarray]] | None, pa.Array]:
    """The names as an Arrow array and, when they all have the same byte length w (agent
    ids, most labels), as 8/4/2/1-byte integer pieces that tile a row of w bytes."""
    enc = [x.encode() for x in names]
    width = len(enc[0]) if enc else 0
    d = pa.array(list(names), type=pa.string())
    if not enc or width == 0 or width > 64 or any(len(x) != width for x in enc):
        return width, None, d
    mat = np.frombuffer(b"".join(enc), dtype=np.uint8).reshape(len(enc), width)
    pieces = []
    o = 0
    for size, dt in ((8, "<u8"), (4, "<u4"), (2, "<u2"), (1, "u1")):
        while width - o >= size:
            pieces.append((o, dt, np.ascontiguousarray(mat[:, o : o + size]).view(dt).ravel()))
            o += size
    return width, pieces, d


def take_names(names: Sequence[str], idx: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``names[idx]`` as a string array, null where not ``valid`` or idx < 0.

    Names of one byte length are gathered as integers and stored into the rows with a few
    strided stores (no per-row byte copies); others go through Arrow's ``take``."""
    idx = np.asarray(idx)
    n = len(idx)
    mask = (idx < 0) if valid is None else (~valid | (idx < 0))
    any_null = bool(mask.any())
    if n and not any_null and len(names) == 1:
        return const_str(names[0], n)
    width, pieces, d = _name_table(tuple(names))
    if pieces is not None and width * n <= _I32_MAX and _LITTLE:
        sel = idx[~mask] if any_null else idx
        m = len(sel)
        data = np.empty(m * width, dtype=np.uint8)
        if m:
            for o, dt, table in pieces:
                _strided(data, o, width, m, dt)[...] = table[sel]
        bitmap = None
        if any_null:
            offsets = np.zeros(n + 1, dtype=np.int32)
            np.cumsum(np.where(mask, 0, width).astype(np.int32), out=offsets[1:])
            bitmap = pa.py_buffer(np.packbits(~mask, bitorder="little"))
        else:
            offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap,
                                           int(mask.sum()) if any_null else 0)
    return pc.take(d, pa.array(np.where(mask, 0, idx).astype(np.int64), mask=mask if any_null else None))


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
    m = len(vv)
    lo, hi = int(vv.min()), int(vv.max())
    k_lo, k_hi = max(_ndigits(lo), width), max(_ndigits(hi), width)
    blocks: list[tuple[int, int, int]] = [(0, m, k_hi)]  # (first row, end row, digits)
    if k_lo != k_hi:
        if not bool(np.all(vv[1:] >= vv[:-1])):  # unsorted, several widths
            nd = np.maximum(np.searchsorted(_POW10, vv, side="right") + 1, width)
            if lo < 0 or int(nd.sum()) + len(pb) * m > _I32_MAX:
                return _arrow_prefixed(prefix, v, mask, width)
            # build the distinct values in order, then gather
            u, inv = np.unique(vv, return_inverse=True)
            strings = prefixed_ints(prefix, u, width=width)
            idx = np.zeros(n, dtype=np.int64)
            if mask is None:
                idx[:] = inv
            else:
                idx[~mask] = inv
            return pc.take(strings, pa.array(idx, mask=mask))
        # sorted: rows with d digits are one block [first value ≥ 10^(d-1), first ≥ 10^d)
        cuts = np.searchsorted(vv, _POW10, side="left").tolist()
        blocks = []
        a = 0
        for d in range(max(_ndigits(lo), 1), _ndigits(hi) + 1):
            b = cuts[d - 1] if d <= len(cuts) else m
            k = max(d, width)
            if b > a:
                if blocks and blocks[-1][2] == k:
                    blocks[-1] = (blocks[-1][0], b, k)
                else:
                    blocks.append((a, b, k))
            a = b
    total = sum((b - a) * (len(pb) + k) for a, b, k in blocks)
    if lo < 0 or total > _I32_MAX or not _LITTLE:
        return _arrow_prefixed(prefix, v, mask, width)
    data = np.empty(total, dtype=np.uint8)
    row_len = np.empty(m, dtype=np.int32)
    pos = 0
    for a, b, k in blocks:
        size = (b - a) * (len(pb) + k)
        _write_block(data[pos : pos + size], pb, vv[a:b], k)
        row_len[a:b] = len(pb) + k
        pos += size
    offsets = np.zeros(n + 1, dtype=np.int32)
    bitmap = None
    nulls = 0
    if mask is None:
        np.cumsum(row_len, out=offsets[1:])
    else:
        lengths = np.zeros(n, dtype=np.int32)
        lengths[~mask] = row_len
        np.cumsum(lengths, out=offsets[1:])
        nulls = int(mask.sum())
        bitmap = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, nulls)


def _arrow_prefixed(prefix: str, v: np.ndarray, mask: np.ndarray | None, width: int) -> pa.Array:
    num = pa.array(v, type=pa.int64(), mask=mask)
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(pc.cast(num, pa.string()), width, "0"), "")


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
