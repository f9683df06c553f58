"""``tongban calendar import YEAR FILE.json`` / ``tongban calendar show YEAR``: official working-day schedules.

The file lists the year's holidays (weekday days off) and make-up working days (weekend days
worked), as announced by the State Council::

    {
      "source": "国务院办公厅关于2027年部分节假日安排的通知",
      "published": true,
      "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}, "2027-04-05"],
      "workdays": [{"date": "2027-02-07", "name": "春节"}]
    }

Importing replaces the year's days in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongban.core.calendar import add_working_days, is_provisional
from tongban.core.models import CalendarDay, CalendarDayKind, CalendarYear


def _parse_date(value: Any, year: int) -> dt.date:
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CommandError(f"not a date: {value!r}") from exc
    if day.year != year:
        raise CommandError(f"{day} is not in {year}")
    return day


def _expand(entries: Any, year: int) -> list[tuple[dt.date, str]]:
    if not isinstance(entries, list):
        raise CommandError("'holidays' and 'workdays' must be lists")
    days: list[tuple[dt.date, str]] = []
    for entry in entries:
        if isinstance(entry, str):
            days.append((_parse_date(entry, year), ""))
        elif isinstance(entry, dict) and "date" in entry:
            days.append((_parse_date(entry["date"], year), str(entry.get("name", ""))[:60]))
        elif isinstance(entry, dict) and "from" in entry and "to" in entry:
            first, last = _parse_date(entry["from"], year), _parse_date(entry["to"], year)
            if last < first:
                raise CommandError(f"range ends before it starts: {entry!r}")
            name = str(entry.get("name", ""))[:60]
            days.extend((first + dt.timedelta(days=i), name) for i in range((last - first).days + 1))
        else:
            raise CommandError(f"cannot read entry {entry!r}")
    return days


class Command(BaseCommand):
    help = "Official working-day schedules: 'calendar import YEAR FILE.json', 'calendar show YEAR'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["import", "show"])
        parser.add_argument("year", type=int)
        parser.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= 2100:
            raise CommandError("the year must be between 2000 and 2100")
        if options["action"] == "show":
            self._show(year)
            return
        if not options["file"]:
            raise CommandError("give the schedule file: calendar import YEAR FILE.json")
        try:
            data = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError("the file must hold one JSON object")
        holidays = _expand(data.get("holidays", []), year)
        workdays = _expand(data.get("workdays", []), year)
        both = {d for d, _ in holidays} & {d for d, _ in workdays}
        if both:
            raise CommandError(f"days listed as both holiday and working day: {sorted(both)}")
        with transaction.atomic():
            calendar, _created = CalendarYear.objects.update_or_create(
                year=year,
                defaults={"published": bool(data.get("published", True)), "source": str(data.get("source", ""))[:300]},
            )
            calendar.days.all().delete()
            CalendarDay.objects.bulk_create(
                [CalendarDay(calendar=calendar, date=d, kind=CalendarDayKind.HOLIDAY, name=n) for d, n in holidays]
                + [CalendarDay(calendar=calendar, date=d, kind=CalendarDayKind.WORKDAY, name=n) for d, n in workdays]
            )
        self.stdout.write(
            f"{year}: {len(holidays)} holiday(s), {len(workdays)} make-up working day(s), "
            f"{'published' if calendar.published else 'draft'}"
        )

    def _show(self, year: int) -> None:
        calendar = CalendarYear.objects.filter(year=year).first()
        if calendar is None:
            source = "package" if not is_provisional(dt.date(year, 6, 1)) else "none (weekends only, provisional)"
        else:
            source = f"entered ({'published' if calendar.published else 'draft'}): {calendar.source}"
        self.stdout.write(f"{year}: schedule {source}")
        if calendar is not None:
            for day in calendar.days.order_by("date"):
                self.stdout.write(f"  {day.date} {day.kind} {day.name}")
        first = add_working_days(dt.date(year, 1, 1), 0)
        self.stdout.write(f"  provisional: {is_provisional(first.date)}")
