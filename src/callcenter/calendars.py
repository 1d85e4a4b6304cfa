"""Business calendars for forecasting: public holidays, make-up working days, bill days,
user-declared special days and campaigns (DOMAIN.md §2).

Every date gets a :class:`DayInfo` with a :class:`DayKind`:

* ``holiday``  法定节假日 — public holiday (the centre behaves like on a rest day);
* ``eve``      节前一日 — the working day just before a holiday;
* ``bridge``   半假日 — optional / half-day / intermediate festival days (Israel's chol
  hamoed, Purim; China's half-day holidays), lighter than a normal day;
* ``makeup``   调休上班日 — a weekend day that is an official working day (China);
* ``after``    节后首日 — the first working day after a holiday (catch-up calls);
* ``special``  特殊日 — a day the user declared (election, outage, campaign launch);
* ``normal``   普通日.

Sources. China: ``chinesecalendar`` (official State Council notices; its data ends in
2026) and then ``holidays.China`` for the years whose notice that package encodes
(``ChinaStaticHolidays``); a year covered by neither is a *gap*: the schedule of a
future year is only known once the State Council publishes it (usually in November).
A gap is never a crash in the middle of a forecast: :class:`Calendar` raises
:class:`CalendarGapError` *before* any work starts (``gap_policy="error"``, the default),
or — with ``gap_policy="estimate"`` — uses ``holidays.China``'s rule-based estimate
(statutory days, no make-up days) and records a warning in :attr:`Calendar.warnings`.
Declaring the year's holidays and make-up days yourself (``declared_years`` in the
special-days file) closes the gap exactly.

Other countries come from ``holidays`` (e.g. ``IL`` with Friday/Saturday weekend,
``US``) or from its financial-market calendars (``NYSE``: the days US banks' phone
centres usually close — Columbus and Veterans Day stay open). Bill-day (month-start / month-end) position is given by
:meth:`Calendar.month_position`.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from callcenter.errors import ConfigError


class DayKind(StrEnum):
    NORMAL = "normal"
    HOLIDAY = "holiday"
    EVE = "eve"
    BRIDGE = "bridge"
    MAKEUP = "makeup"
    AFTER = "after"
    SPECIAL = "special"


DAY_KIND_LABELS: dict[DayKind, str] = {
    DayKind.NORMAL: "普通日 normal day",
    DayKind.HOLIDAY: "法定节假日 public holiday",
    DayKind.EVE: "节前一日 holiday eve",
    DayKind.BRIDGE: "半假日 half / optional holiday",
    DayKind.MAKEUP: "调休上班日 make-up working day",
    DayKind.AFTER: "节后首个工作日 first working day after a holiday",
    DayKind.SPECIAL: "特殊日 declared special day",
}

#: Weekend days (Monday = 0) by country code; default Saturday + Sunday.
WEEKENDS: dict[str, tuple[int, ...]] = {"IL": (4, 5), "AE": (5, 6), "SA": (4, 5)}


class CalendarGapError(ConfigError):
    """A year the calendar needs is covered by no holiday source."""


@dataclass(frozen=True)
class SpecialDay:
    """A user-declared day or date range (inclusive).

    ``factor`` is an optional known multiplier on volume (a campaign expected to add 30 %
    is ``1.3``); without it the forecaster learns the effect of ``kind`` from history.
    """

    start: date
    end: date
    kind: DayKind = DayKind.SPECIAL
    label: str = ""
    factor: float | None = None

    def days(self) -> Iterable[date]:
        d = self.start
        while d <= self.end:
            yield d
            d += timedelta(days=1)


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    label: str = ""
    factor: float | None = None
    rest_day: bool = False  # weekend or holiday: nobody is expected to work


@dataclass
class SpecialDays:
    """Contents of a special-days file: declared days and years the user covers fully."""

    days: list[SpecialDay] = field(default_factory=list)
    declared_years: set[int] = field(default_factory=set)


# ---------------------------------------------------------------- China sources


@lru_cache(maxsize=1)
def _chinesecalendar_years() -> tuple[int, int]:
    import chinese_calendar as cc

    years = [d.year for d in cc.holidays] + [d.year for d in cc.workdays]
    return min(years), max(years)


@lru_cache(maxsize=1)
def _holidays_china_announced_years() -> frozenset[int]:
    from holidays.countries.china import ChinaStaticHolidays

    # holidays.China is checked against the official notices from 2001 on; the last year
    # it encodes a notice for is the last key of its special (调休) table
    years = getattr(ChinaStaticHolidays, "special_public_holidays", {}).keys()
    return frozenset(range(2001, max(years) + 1)) if years else frozenset()


def _span(years: frozenset[int]) -> str:
    return f"{min(years)}–{max(years)}" if years else "no year"


_SUBST = re.compile(r"(\d{4}-\d{2}-\d{2})")


def china_from_holidays(year: int) -> tuple[dict[date, str], set[date]]:
    """(holidays → English name, make-up working days) of one year from ``holidays.China``.

    ``holidays`` marks a day off in lieu as "休息日（由 YYYY-MM-DD 调休）" (zh_CN labels,
    ISO dates): the date in the label is the make-up working day.
    """
    import holidays

    zh = holidays.country_holidays("CN", years=year, language="zh_CN")  # ISO dates in these labels
    en = holidays.country_holidays("CN", years=year, language="en_US")
    hol: dict[date, str] = {}
    work: set[date] = set()
    for d, name in zh.items():
        hol[d] = en.get(d, name)
        for m in _SUBST.findall(name):
            work.add(date.fromisoformat(m))
    return hol, work


def china_year(year: int, *, estimate: bool = False) -> tuple[dict[date, str], set[date], str]:
    """(holidays → name, make-up working days, source) for one Chinese year.

    Raises :class:`CalendarGapError` when no source covers ``year`` and ``estimate`` is
    false.
    """
    lo, hi = _chinesecalendar_years()
    if lo <= year <= hi:
        import chinese_calendar as cc

        hol = {d: str(n) for d, n in cc.holidays.items() if d.year == year}
        work = {d for d in cc.workdays if d.year == year and d.weekday() >= 5}
        return hol, work, "chinesecalendar"
    if year in _holidays_china_announced_years() or estimate:
        hol, work = china_from_holidays(year)
        src = "holidays.China" if year in _holidays_china_announced_years() else "holidays.China (estimated)"
        return hol, work, src
    raise CalendarGapError(
        f"no official Chinese holiday schedule for {year}: chinesecalendar covers {lo}–{hi}, "
        f"holidays.China encodes notices for {_span(_holidays_china_announced_years())}",
        where=f"calendar year {year}",
        hint=(
            "declare the year's holidays and 调休 make-up days in a special-days file "
            f"(declared_years: [{year}]) or use gap_policy='estimate' (statutory days, no make-up days)"
        ),
    )


# ---------------------------------------------------------------- the calendar


class Calendar:
    """Day kinds for a country plus user-declared special days.

    ``country``: ISO code understood by ``holidays`` (``CN``, ``IL``, ``US`` …) or None
    for no public holidays. ``weekend``: rest weekdays (Monday = 0); default by country.
    ``gap_policy``: ``"error"`` or ``"estimate"`` for Chinese years with no official data.
    """

    def __init__(
        self,
        country: str | None = "CN",
        *,
        weekend: Sequence[int] | None = None,
        special: SpecialDays | None = None,
        gap_policy: str = "error",
        eves: bool = True,
        bridges: bool = True,
    ) -> None:
        if gap_policy not in ("error", "estimate"):
            raise ConfigError(
                f"unknown gap_policy {gap_policy!r}", hint="use 'error' or 'estimate'"
            )
        self.country = country.upper() if country else None
        self.weekend = tuple(weekend) if weekend is not None else WEEKENDS.get(self.country or "", (5, 6))
        self.special = special or SpecialDays()
        self.gap_policy = gap_policy
        self.eves = eves
        self.bridges = bridges
        self.warnings: list[str] = []
        self._years: dict[int, tuple[dict[date, str], set[date], dict[date, str]]] = {}
        self._special: dict[date, SpecialDay] = {}
        for s in self.special.days:
            for d in s.days():
                self._special[d] = s
        if self.country:
            import holidays

            if (
                self.country not in holidays.list_supported_countries()
                and self.country not in holidays.list_supported_financial()
            ):
                raise ConfigError(
                    f"unknown country code {country!r} for public holidays",
                    hint="use an ISO code known to the holidays package (CN, IL, US, …) or none",
                )

    def __repr__(self) -> str:
        return f"Calendar(country={self.country!r}, weekend={self.weekend})"

    # -- per-year sources
    def _year(self, year: int) -> tuple[dict[date, str], set[date], dict[date, str]]:
        """(holidays, make-up days, bridge days) of one year, cached."""
        if year in self._years:
            return self._years[year]
        hol: dict[date, str] = {}
        work: set[date] = set()
        bridge: dict[date, str] = {}
        if year in self.special.declared_years:
            pass  # the user declared the whole year in the special-days file
        elif self.country == "CN":
            hol, work, src = china_year(year, estimate=self.gap_policy == "estimate")
            if "estimated" in src:
                msg = (
                    f"Chinese holidays for {year} are estimated by rule (no official notice "
                    "known): make-up working days are missing — declare them in a special-days file"
                )
                self.warnings.append(msg)
                warnings.warn(msg, stacklevel=3)
        elif self.country:
            import holidays

            if self.country in holidays.list_supported_financial():
                cls = holidays.financial_holidays(self.country, years=year)
            else:
                cls = holidays.country_holidays(self.country, years=year)
            hol = dict(cls.items())
            supported = getattr(type(cls), "supported_categories", ())
            if self.bridges:
                for cat in ("optional", "half_day"):
                    if cat in supported:
                        extra = type(cls)(years=year, categories=(cat,))
                        for d, n in extra.items():
                            if d not in hol:
                                bridge[d] = n
        self._years[year] = (hol, work, bridge)
        return self._years[year]

    def check_years(self, years: Iterable[int]) -> None:
        """Raise :class:`CalendarGapError` now if any year is not covered (call before work)."""
        for y in sorted(set(years)):
            self._year(y)

    def is_rest_day(self, d: date) -> bool:
        """Weekend or public holiday, except make-up working days."""
        hol, work, _ = self._year(d.year)
        sp = self._special.get(d)
        if sp is not None and sp.kind in (DayKind.HOLIDAY, DayKind.MAKEUP):
            return sp.kind is DayKind.HOLIDAY
        if d in work:
            return False
        return d in hol or d.weekday() in self.weekend

    def info(self, d: date) -> DayInfo:
        """The kind of one day (user declarations win over public sources)."""
        hol, work, bridge = self._year(d.year)
        rest = self.is_rest_day(d)
        if d in self._special:
            s = self._special[d]
            return DayInfo(d, s.kind, s.label, s.factor, rest)
        if d in work:
            return DayInfo(d, DayKind.MAKEUP, "调休上班 make-up working day", None, False)
        if d in hol:
            return DayInfo(d, DayKind.HOLIDAY, hol[d], None, True)
        # an optional holiday that is also the eve of a public one is an eve (the last
        # intermediate day of Pesach or Sukkot in Israel: 89 calls on 1999-04-06)
        if self.eves and not rest:
            nxt = d + timedelta(days=1)
            nh, _, _ = self._year(nxt.year)
            sp = self._special.get(nxt)
            if nxt in nh or (sp and sp.kind is DayKind.HOLIDAY):
                return DayInfo(d, DayKind.EVE, f"eve of {nh.get(nxt) or (sp.label if sp else '')}", None, False)
        if d in bridge and d.weekday() not in self.weekend:
            return DayInfo(d, DayKind.BRIDGE, bridge[d], None, False)
        if not rest:
            prev = d - timedelta(days=1)
            for _ in range(14):  # walk back over the rest days just before d
                if not self.is_rest_day(prev):
                    break
                ph, _, _ = self._year(prev.year)
                sp = self._special.get(prev)
                if prev in ph or (sp is not None and sp.kind is DayKind.HOLIDAY):
                    return DayInfo(d, DayKind.AFTER, f"after {ph.get(prev) or (sp.label if sp else '')}", None, False)
                prev -= timedelta(days=1)
        return DayInfo(d, DayKind.NORMAL, "", None, rest)

    def infos(self, days: Iterable[date]) -> list[DayInfo]:
        return [self.info(d) for d in days]

    def month_position(self, d: date) -> tuple[int, int]:
        """(k-th working day from the month's start, k-th working day from its end), 1-based.

        Rest days get (0, 0). Bill days (账单日) at month start and end are the usual
        volume peaks (DOMAIN.md §1: 10086 month-end ≈ 80 % above mid-month).
        """
        if self.is_rest_day(d):
            return 0, 0
        first = d.replace(day=1)
        k_start = sum(
            1 for i in range((d - first).days + 1) if not self.is_rest_day(first + timedelta(days=i))
        )
        nxt_month = (first + timedelta(days=32)).replace(day=1)
        k_end = sum(
            1 for i in range((nxt_month - d).days) if not self.is_rest_day(d + timedelta(days=i))
        )
        return k_start, k_end


# ---------------------------------------------------------------- user files


def _parse_date(v: Any, where: str) -> date:
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v).strip())
    except ValueError:
        raise ConfigError(f"not a date: {v!r}", where=where, hint="write dates as YYYY-MM-DD") from None


def _special_from_mapping(row: dict[str, Any], where: str) -> SpecialDay:
    start = row.get("start") or row.get("date")
    if start in (None, ""):
        raise ConfigError("missing 'date' (or 'start')", where=where, hint="give a YYYY-MM-DD date")
    s = _parse_date(start, where)
    e = _parse_date(row.get("end") or s, where)
    if e < s:
        raise ConfigError(f"end {e} is before start {s}", where=where, hint="swap the dates")
    kind_raw = str(row.get("kind") or "special").strip().lower()
    aliases = {"campaign": "special", "holiday": "holiday", "workday": "makeup", "调休": "makeup"}
    kind_raw = aliases.get(kind_raw, kind_raw)
    try:
        kind = DayKind(kind_raw)
    except ValueError:
        raise ConfigError(
            f"unknown kind {kind_raw!r}",
            where=where,
            hint="use one of " + ", ".join(k.value for k in DayKind) + " or campaign",
        ) from None
    factor = row.get("factor")
    f: float | None = None
    if factor not in (None, ""):
        try:
            f = float(factor)
        except ValueError:
            raise ConfigError(f"factor {factor!r} is not a number", where=where, hint="e.g. 1.3 for +30 %") from None
        if not f > 0:
            raise ConfigError(f"factor {f} must be positive", where=where, hint="e.g. 1.3 for +30 %")
    return SpecialDay(s, e, kind, str(row.get("label") or ""), f)


def load_special_days(path: Path | str) -> SpecialDays:
    """Read special days and campaigns from CSV or YAML.

    CSV columns: ``date`` (or ``start`` and ``end``), ``kind`` (special, holiday, makeup,
    eve, bridge, campaign), ``label``, ``factor``. YAML: either a list of such mappings or
    a mapping with ``special_days: [...]`` and ``declared_years: [2027]`` (years whose
    holidays and make-up days are fully given in the file).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"special-days file not found: {p}", hint="check the path")
    out = SpecialDays()
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(f"invalid YAML: {e}", where=str(p), hint="fix the YAML syntax") from None
        rows: Any = doc
        if isinstance(doc, dict):
            rows = doc.get("special_days", [])
            for y in doc.get("declared_years", []) or []:
                out.declared_years.add(int(y))
        if not isinstance(rows, list):
            raise ConfigError("special_days must be a list", where=str(p), hint="see docs/forecasting.md")
        for i, r in enumerate(rows, 1):
            if not isinstance(r, dict):
                raise ConfigError(f"entry {i} is not a mapping", where=f"{p} entry {i}", hint="give date, kind, label")
            out.days.append(_special_from_mapping(r, f"{p} entry {i}"))
    else:
        with open(p, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for i, r in enumerate(reader, 2):
                out.days.append(_special_from_mapping(r, f"{p}:{i}"))
    return out


def calendar_for(country: str | None, special_file: Path | str | None = None, **kw: Any) -> Calendar:
    """Convenience: a :class:`Calendar` with the user's special-days file loaded."""
    special = load_special_days(special_file) if special_file else None
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        return Calendar(country, special=special, **kw)
