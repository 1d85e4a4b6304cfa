"""SQL building blocks of the tabular reader (DuckDB dialect).

Each function returns the text of one SQL expression over column references; the plan in
``_tabular_rules`` stacks them in layers so that every argument is a plain column and no
expression is inlined twice. Instants are carried as BIGINT microseconds since the epoch
(UTC instants) or as microseconds of wall clock (local times), so that time-zone
conversion, durations and comparisons are integer arithmetic.

Time zones are converted exactly, without ICU, by a step function compiled from the
zone's transitions (Python's ``zoneinfo`` data) between 1899 and 2201: one comparison for
a zone without daylight saving since the data's era (Asia/Shanghai), a balanced tree of
comparisons otherwise. Local -> UTC follows ``timegrid.local_to_utc``: an ambiguous wall
time (fall back) takes the earlier instant; a wall time in the spring-forward gap becomes
the instant of the transition.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

#: Unicode White_Space: what ``strip`` trims (as Python's ``str.strip`` with these characters)
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_WIDE_SPACE = [ord(c) for c in WHITE_SPACE if ord(c) > 32]
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "对", "真", "已解决", "√")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "错", "假", "未解决", "×")
#: ISO 8601 layouts understood without a ``format`` (naive; the same followed by %z = with offset)
ISO_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
)
#: ISO 8601 as regular expressions (the second chance, e.g. for 7-9 digits of a second)
ISO_NAIVE_RE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$"
ISO_OFFSET_RE = (r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
                 r"(?:Z|[+-]\d{2}(?::?\d{2})?)$")
HMS_PATTERN = r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$"
US = 1_000_000
#: plausible instants and dates: [1900-01-01, 2200-01-01)
PLAUSIBLE_US = (-2_208_988_800 * US, 7_258_118_400 * US)
PLAUSIBLE_DATES = ("1900-01-01", "2200-01-01")
_ZONE_SPAN = (datetime(1899, 1, 1, tzinfo=UTC), datetime(2201, 1, 1, tzinfo=UTC))


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def one_of(x: str, values: tuple[str, ...] | list[str]) -> str:
    """``x`` is one of ``values`` (NULL for NULL). Not ``IN (...)``: in a projection DuckDB
    rewrites a long IN list into a join per list, which costs more than the lookup."""
    return f"list_contains([{', '.join(lit(v) for v in values)}], {x})"


def _wide_space(code: str) -> str:
    """``code`` (an int expression) is a white-space code point above 132."""
    parts, run = [], [_WIDE_SPACE[0]]
    for c in _WIDE_SPACE[1:]:
        if c == run[-1] + 1:
            run.append(c)
            continue
        parts.append(run)
        run = [c]
    parts.append(run)
    return "(" + " OR ".join(f"{code} = {r[0]}" if len(r) == 1 else
                             f"{code} BETWEEN {r[0]} AND {r[-1]}" for r in parts) + ")"


def strip(x: str, first: str | None = None, last: str | None = None) -> str:
    """Trim Unicode white space; a value left empty becomes NULL.

    ``trim`` with a character set is slow, so it runs only where the first or last
    character could be white space (a code-point test; ``first``/``last`` are columns
    holding ``ord(x)`` and ``ord(right(x, 1))`` when the caller computed them already).
    """
    first = first or f"ord({x})"
    last = last or f"ord(right({x}, 1))"
    guard = (f"({first} <= 32 OR {last} <= 32 OR ({first} >= 133 AND {_wide_space(first)})"
             f" OR ({last} >= 133 AND {_wide_space(last)}))")
    return f"CASE WHEN {guard} THEN nullif(trim({x}, {lit(WHITE_SPACE)}), '') ELSE {x} END"


def py_repr(x: str) -> str:
    """The value quoted as Python's ``repr`` of a string shows it (for messages)."""
    esc = f"replace(replace(replace(replace(replace({x}, '\\', '\\\\'), '''', '\\'''), "
    esc += "chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t')"
    return f"('''' || coalesce({esc}, '') || '''')"


def naive_us(x: str, formats: tuple[str, ...] = (*ISO_LAYOUTS, "%Y-%m-%d")) -> str:
    """Wall-clock microseconds of an ISO (or ``formats``) date-time text without offset."""
    fl = "[" + ", ".join(lit(f) for f in formats) + "]"
    return f"epoch_us(try_strptime({x}, {fl}))"


def naive_us_strict(x: str) -> str:
    """:func:`naive_us`, then any ISO 8601 form the layouts miss (only where they failed).
    (``try_strptime`` is strict: a text with an offset never matches a naive layout.)"""
    return (f"coalesce({naive_us(x)}, CASE WHEN regexp_full_match({x}, {lit(ISO_NAIVE_RE)}) "
            f"THEN epoch_us(TRY_CAST({x} AS TIMESTAMP)) END)")


def aware_us_strict(x: str) -> str:
    """:func:`aware_us`, then any ISO 8601 form with offset the layouts miss."""
    return (f"coalesce({aware_us(x)}, CASE WHEN regexp_full_match({x}, {lit(ISO_OFFSET_RE)}) "
            f"THEN epoch_us(TRY_CAST({x} AS TIMESTAMPTZ)) END)")


def aware_us(x: str, formats: tuple[str, ...] | None = None) -> str:
    """UTC microseconds of a date-time text with an offset (ISO layouts + ``%z``; ``Z`` = +00)."""
    fl = "[" + ", ".join(lit(f + "%z") for f in (formats or ISO_LAYOUTS)) + "]"
    z = f"CASE WHEN {x} LIKE '%Z' THEN left({x}, -1) || '+00' ELSE {x} END"
    return f"epoch_us(try_strptime({z}, {fl}))"


def format_us(x: str, fmt: str) -> str:
    """Microseconds of a text read with one strptime ``fmt`` (UTC if it has ``%z``)."""
    return f"epoch_us(try_strptime({x}, {lit(fmt)}))"


def number(x: str) -> str:
    """A finite DOUBLE from decimal text, else NULL (NaN and infinities are not numbers here)."""
    return f"TRY_CAST({x} AS DOUBLE)"


def finite(x: str) -> str:
    return f"CASE WHEN isfinite({x}) THEN {x} END"


# --------------------------------------------------------------------------- time zones


@lru_cache(maxsize=64)
def transitions(zone: str) -> tuple[tuple[int, int, int], ...]:
    """``(utc_us, offset_before_us, offset_after_us)`` of every offset change of ``zone``
    between 1899 and 2201, found by probing every 3 days and bisection to the second (no
    zone in the tz database changes its offset and back within 3 days)."""
    z = ZoneInfo(zone)

    def off(t: datetime) -> int:
        o = t.astimezone(z).utcoffset()
        return int(o.total_seconds()) * US if o is not None else 0

    out: list[tuple[int, int, int]] = []
    t, end, day = _ZONE_SPAN[0], _ZONE_SPAN[1], timedelta(days=3)
    prev = off(t)
    while t < end:
        nxt = t + day
        cur = off(nxt)
        if cur != prev:
            lo, hi = t, nxt  # off(lo) == prev, off(hi) == cur
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if off(mid) == prev:
                    lo = mid
                else:
                    hi = mid
            out.append((int(hi.timestamp()) * US, prev, cur))
            prev = cur
        t = nxt
    return tuple(out)


def initial_offset(zone: str) -> int:
    z = ZoneInfo(zone)
    o = _ZONE_SPAN[0].astimezone(z).utcoffset()
    return int(o.total_seconds()) * US if o is not None else 0


def _tree(x: str, bounds: list[int], leaves: list[str]) -> str:
    """``leaves[k]`` where k = number of ``bounds`` <= x (bounds ascending), as nested CASEs:
    the last piece is tested first (most data is recent), the rest by bisection."""
    if not bounds:
        return leaves[0]
    if len(bounds) == 1:
        return f"CASE WHEN {x} >= {bounds[0]} THEN {leaves[1]} ELSE {leaves[0]} END"
    rest = _bisect(x, bounds[:-1], leaves[:-1])
    return f"CASE WHEN {x} >= {bounds[-1]} THEN {leaves[-1]} ELSE {rest} END"


def _bisect(x: str, bounds: list[int], leaves: list[str]) -> str:
    if not bounds:
        return leaves[0]
    mid = len(bounds) // 2
    lo = _bisect(x, bounds[:mid], leaves[: mid + 1])
    hi = _bisect(x, bounds[mid + 1:], leaves[mid + 1:])
    return f"CASE WHEN {x} >= {bounds[mid]} THEN {hi} ELSE {lo} END"


def step(x: str, bounds: list[int], values: list[int]) -> str:
    """``values[k]`` where k = number of ``bounds`` <= x (a generic step function)."""
    return _tree(x, bounds, [str(v) for v in values])


def utc_to_local_us(x: str, zone: str) -> str:
    """UTC microseconds -> wall-clock microseconds in ``zone`` (``x`` a column)."""
    if zone == "UTC":
        return x
    tr = transitions(zone)
    bounds = [t for t, _, _ in tr]
    leaves = [f"({x} + {o})" for o in [initial_offset(zone), *(b for _, _, b in tr)]]
    return _tree(x, bounds, leaves)


def local_to_utc_us(x: str, zone: str) -> str:
    """Wall-clock microseconds in ``zone`` -> UTC microseconds (``x`` a column).

    Around a transition at instant T from offset a to b: wall times before T + min(a, b)
    use a; in a gap (b > a) [T + a, T + b) -> T; in an overlap (b < a) [T + b, T + a) keep a
    (the earlier instant); from T + max(a, b) on use b.
    """
    if zone == "UTC":
        return x
    tr = transitions(zone)
    bounds: list[int] = []
    leaves = [f"({x} - {initial_offset(zone)})"]
    for t, a, b in tr:
        if b > a:  # spring forward: a gap of wall times
            bounds += [t + a, t + b]
            leaves += [str(t), f"({x} - {b})"]
        else:  # fall back: an overlap, earlier instant = offset a
            bounds.append(t + a)
            leaves.append(f"({x} - {b})")
    return _tree(x, bounds, leaves)
