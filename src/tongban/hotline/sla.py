"""SLA clocks of tickets in working hours.

Working hours are 09:00–17:00 (``constants.WORKDAY_START_HOUR``/``WORKDAY_END_HOUR``, local time
``Asia/Shanghai``, no lunch break counted separately: eight working hours a day) on working days of
``tongban.core.calendar`` (official holidays are off, make-up Saturdays are on). A ticket taken at
night or on a holiday starts counting at 09:00 on the next working day. Emergencies count clock
hours (``EMERGENCY_CLOCK_HOURS``), day or night.

Warning levels: ``green``; ``yellow`` once two thirds of the allowed time is used; ``red`` when
overdue.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tongban.core.calendar import WorkingCalendar
from tongban.hotline.constants import (
    EMERGENCY_CLOCK_HOURS,
    SLA_WORKING_HOURS,
    URGENT_WORKING_HOURS,
    WORKDAY_END_HOUR,
    WORKDAY_START_HOUR,
    WORKING_HOURS_PER_DAY,
    YELLOW_FRACTION,
    Urgency,
)


def allowed_hours(*, category: str, urgency: str) -> int:
    """The limit of a ticket: working hours (clock hours for emergencies)."""
    if urgency == Urgency.EMERGENCY:
        return EMERGENCY_CLOCK_HOURS
    hours = SLA_WORKING_HOURS.get(category, 3 * WORKING_HOURS_PER_DAY)
    if urgency == Urgency.URGENT:
        return min(hours, URGENT_WORKING_HOURS)
    return hours


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class _Days:
    """Working-day answers in chunks of the calendar (two queries per chunk)."""

    def __init__(self, start: dt.date) -> None:
        self.cal = WorkingCalendar(start, start + dt.timedelta(days=120))

    def working(self, day: dt.date) -> bool:
        if not self.cal.covers(day):
            self.cal = WorkingCalendar(day, day + dt.timedelta(days=120))
        return self.cal.is_working_day(day)


def add_working_hours(start: dt.datetime, hours: float) -> dt.datetime:
    """The moment ``hours`` working hours after ``start``."""
    local = timezone.localtime(start)
    days = _Days(local.date())
    remaining = dt.timedelta(hours=hours)
    day = local.date()
    cursor = local
    while True:
        if days.working(day):
            begin = max(cursor, _at(day, WORKDAY_START_HOUR))
            end = _at(day, WORKDAY_END_HOUR)
            if begin < end:
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
        day += dt.timedelta(days=1)
        cursor = _at(day, 0)


def working_hours_between(a: dt.datetime, b: dt.datetime) -> float:
    """Working hours from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
    if b <= a:
        return 0.0
    la, lb = timezone.localtime(a), timezone.localtime(b)
    days = _Days(la.date())
    total = dt.timedelta()
    day = la.date()
    while day <= lb.date():
        if days.working(day):
            begin = max(la, _at(day, WORKDAY_START_HOUR))
            end = min(lb, _at(day, WORKDAY_END_HOUR))
            if begin < end:
                total += end - begin
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def due_at(*, start: dt.datetime, category: str, urgency: str) -> tuple[dt.datetime, int]:
    """The deadline of a ticket dispatched at ``start`` and the hours it allows."""
    hours = allowed_hours(category=category, urgency=urgency)
    if urgency == Urgency.EMERGENCY:
        return start + dt.timedelta(hours=hours), hours
    return add_working_hours(start, hours), hours


def warning_level(
    *, start: dt.datetime | None, due: dt.datetime | None, allowed: int, urgency: str, now: dt.datetime
) -> str:
    """``green``, ``yellow`` (two thirds used) or ``red`` (overdue) for a ticket on the clock."""
    if start is None or due is None:
        return "green"
    if now > due:
        return "red"
    if allowed <= 0:
        return "green"
    emergency = urgency == Urgency.EMERGENCY
    clock = (now - start).total_seconds() / 3600
    if clock < allowed * YELLOW_FRACTION:
        return "green"  # working hours never exceed clock hours: no calendar needed
    used = clock if emergency else working_hours_between(start, now)
    return "yellow" if used >= allowed * YELLOW_FRACTION else "green"
