"""The working-day clock: Chinese official holidays and make-up working days.

Sources, in order of precedence for a given year:

1. an official schedule entered by an administrator (``CalendarYear`` with ``published``),
2. the ``chinesecalendar`` package's data (it ends with the last year it knows, 2026 in 1.11),
3. nothing: the year is computed on weekends alone and every deadline that relies on it is
   flagged ``provisional`` until a schedule is entered.

Counting follows the Administrative Licensing Law: a limit of *n* working days starting on
day *d* ends on the *n*-th working day after *d*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import chinese_calendar
from chinese_calendar import constants as chinese_calendar_constants

from tongban.core.models import CalendarDay, CalendarDayKind
from tongban.core.store import published_calendar_years

_CHUNK_DAYS = 120


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    provisional: bool


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


_PACKAGE_YEARS: frozenset[int] = frozenset(y for y in range(2004, 2101) if _package_knows(y))
# The package's own tables, read directly: ``chinese_calendar.is_workday`` checks its year range by
# scanning every holiday it knows on each call, and an acceptance asks about some forty days.
_PACKAGE_HOLIDAYS: frozenset[dt.date] = frozenset(chinese_calendar_constants.holidays)
_PACKAGE_WORKDAYS: frozenset[dt.date] = frozenset(chinese_calendar_constants.workdays)


def _package_workday(day: dt.date) -> bool:
    """``chinese_calendar.is_workday(day)`` for a year the package knows."""
    return day in _PACKAGE_WORKDAYS or (day.weekday() < 5 and day not in _PACKAGE_HOLIDAYS)


def _entered_years(first: int, last: int) -> set[int]:
    """Years from ``first`` to ``last`` with a published schedule (``core.store``)."""
    return published_calendar_years(first, last)


class WorkingCalendar:
    """Answers working-day questions for a span of dates with two queries for the entered schedules."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self.first = first
        self.last = last
        self.entered_years: set[int] = _entered_years(first.year, last.year)
        self.entered_days: dict[dt.date, str] = {}
        if self.entered_years:
            self.entered_days = dict(
                CalendarDay.objects.filter(
                    calendar__published=True, calendar__year__in=self.entered_years, date__gte=first, date__lte=last
                ).values_list("date", "kind")
            )

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def is_known(self, day: dt.date) -> bool:
        """Whether the official schedule of ``day``'s year is known (entered or in the package)."""
        return day.year in self.entered_years or day.year in _PACKAGE_YEARS

    def is_working_day(self, day: dt.date) -> bool:
        if day.year in self.entered_years:
            kind = self.entered_days.get(day)
            if kind == CalendarDayKind.HOLIDAY:
                return False
            if kind == CalendarDayKind.WORKDAY:
                return True
            return day.weekday() < 5
        if day.year in _PACKAGE_YEARS:
            return _package_workday(day)
        return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar(day, day).is_working_day(day)


def is_provisional(day: dt.date) -> bool:
    """True when ``day``'s year has neither an entered schedule nor the package's data."""
    return not WorkingCalendar(day, day).is_known(day)


def add_working_days(start: dt.date, n: int) -> Deadline:
    """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
    return add_working_days_each(start, [n])[0]


def add_working_days_each(start: dt.date, counts: Sequence[int]) -> list[Deadline]:
    """``add_working_days(start, n)`` for each ``n``, reading the entered schedules once."""
    if any(n < 0 for n in counts):
        raise ValueError("n must not be negative")
    cal = WorkingCalendar(start, start + dt.timedelta(days=max(_CHUNK_DAYS, max(counts, default=0) * 3)))
    return [_add_working_days(start, n, cal) for n in counts]


def _add_working_days(start: dt.date, n: int, cal: WorkingCalendar) -> Deadline:
    day = start
    provisional = False
    remaining = n
    while remaining > 0:
        day += dt.timedelta(days=1)
        if not cal.covers(day):
            cal = WorkingCalendar(day, day + dt.timedelta(days=max(_CHUNK_DAYS, remaining * 3)))
        if not cal.is_known(day):
            provisional = True
        if cal.is_working_day(day):
            remaining -= 1
    return Deadline(date=day, provisional=provisional)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days ``d`` with ``a < d <= b`` (0 when ``b`` is not after ``a``)."""
    if b <= a:
        return 0
    cal = WorkingCalendar(a + dt.timedelta(days=1), b)
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count


def working_days(days: Iterable[dt.date]) -> list[dt.date]:
    """The working days among ``days``."""
    ordered = sorted(days)
    if not ordered:
        return []
    cal = WorkingCalendar(ordered[0], ordered[-1])
    return [d for d in ordered if cal.is_working_day(d)]


def deadline_level(*, start: dt.date, due: dt.date, allowed_days: int, today: dt.date, paused_days: int = 0) -> str:
    """``green``, ``yellow`` once 2/3 of the allowed working days are used, ``red`` when overdue."""
    if today > due:
        return "red"
    if allowed_days <= 0:
        return "green"
    used = working_days_between(start, today) - paused_days
    if used * 3 >= allowed_days * 2:
        return "yellow"
    return "green"
