from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tongban.core.calendar import (
    Deadline,
    add_working_days,
    deadline_level,
    is_provisional,
    is_working_day,
    working_days_between,
)
from tongban.core.models import CalendarDay, CalendarDayKind, CalendarYear

pytestmark = pytest.mark.django_db

D = dt.date


def test_national_day_2025_holidays_and_make_up_days() -> None:
    # given the package's 2025 schedule: 1–8 October off, Sunday 28 September and Saturday 11 October worked
    for day in range(1, 9):
        assert not is_working_day(D(2025, 10, day))
    assert is_working_day(D(2025, 9, 28))  # a Sunday
    assert is_working_day(D(2025, 10, 11))  # a Saturday
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday
    # when counting from the last working day before the holiday
    # then the first working day is 9 October and the third is the make-up Saturday
    assert add_working_days(D(2025, 9, 30), 1) == Deadline(D(2025, 10, 9), provisional=False)
    assert add_working_days(D(2025, 9, 30), 3) == Deadline(D(2025, 10, 11), provisional=False)
    # and a Friday's next working day is the make-up Sunday
    assert add_working_days(D(2025, 9, 26), 1).date == D(2025, 9, 28)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 3
    assert working_days_between(D(2025, 10, 1), D(2025, 10, 8)) == 0


def test_spring_festival_2026() -> None:
    # given the package's 2026 schedule: 15–23 February off, Saturdays 14 and 28 February worked
    assert is_working_day(D(2026, 2, 14))
    assert all(not is_working_day(D(2026, 2, d)) for d in range(15, 24))
    assert is_working_day(D(2026, 2, 28))
    # then a limit that starts on the Friday before crosses the holiday
    assert add_working_days(D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 13), 2).date == D(2026, 2, 24)
    # and 20 working days from 10 February (Tue): 11,12,13,14 | 24..27 | 28 | March 2..6, 9..13 | 16 (20th)
    assert add_working_days(D(2026, 2, 10), 20) == Deadline(D(2026, 3, 16), provisional=False)
    assert working_days_between(D(2026, 2, 10), D(2026, 3, 16)) == 20


def test_zero_days_and_negative_days() -> None:
    assert add_working_days(D(2025, 10, 3), 0) == Deadline(D(2025, 10, 3), provisional=False)
    with pytest.raises(ValueError):
        add_working_days(D(2025, 10, 3), -1)
    assert working_days_between(D(2025, 10, 10), D(2025, 10, 9)) == 0


def _enter_2027(published: bool = True) -> CalendarYear:
    calendar = CalendarYear.objects.create(year=2027, published=published, source="测试用日程")
    CalendarDay.objects.create(calendar=calendar, date=D(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(calendar=calendar, date=D(2027, 1, 4), kind=CalendarDayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(calendar=calendar, date=D(2027, 1, 9), kind=CalendarDayKind.WORKDAY, name="元旦")
    return calendar


def test_deadline_running_into_2027_is_provisional_until_a_schedule_is_entered() -> None:
    # given a case accepted on Wednesday 30 December 2026 with 5 working days
    start = D(2026, 12, 30)
    # when 2027 has no schedule: 31 Dec, then Fri 1, Mon 4, Tue 5, Wed 6 January on weekends alone
    assert is_provisional(D(2027, 1, 4))
    assert add_working_days(start, 5) == Deadline(D(2027, 1, 6), provisional=True)
    # when a draft schedule is entered it does not count yet
    calendar = _enter_2027(published=False)
    assert add_working_days(start, 5).provisional
    # when it is published: 1 and 4 January off, Saturday 9 January worked
    calendar.published = True
    calendar.save()
    assert not is_provisional(D(2027, 1, 4))
    assert not is_working_day(D(2027, 1, 1))
    assert is_working_day(D(2027, 1, 9))
    # then the deadline moves and is no longer provisional: 31 Dec, 5, 6, 7, 8 Jan
    assert add_working_days(start, 5) == Deadline(D(2027, 1, 8), provisional=False)
    assert add_working_days(start, 6).date == D(2027, 1, 9)


def test_entered_schedule_takes_precedence_over_the_package() -> None:
    # given the package says 2 October 2025 is a holiday
    assert not is_working_day(D(2025, 10, 2))
    # when an administrator enters a (corrected) 2025 schedule without that holiday
    calendar = CalendarYear.objects.create(year=2025, published=True, source="更正")
    CalendarDay.objects.create(calendar=calendar, date=D(2025, 10, 1), kind=CalendarDayKind.HOLIDAY)
    # then the entered schedule decides
    assert is_working_day(D(2025, 10, 2))
    assert not is_working_day(D(2025, 10, 1))
    assert not is_working_day(D(2025, 9, 28))  # the package's make-up Sunday is not in the entered schedule


def test_2028_is_computed_on_weekends_alone_and_flagged() -> None:
    # given nothing is known about 2028
    # when 5 working days are counted from Thursday 2 March 2028
    deadline = add_working_days(D(2028, 3, 2), 5)
    # then weekends are skipped and the deadline is provisional
    assert deadline == Deadline(D(2028, 3, 9), provisional=True)
    assert is_provisional(D(2028, 10, 2))
    assert is_working_day(D(2028, 10, 2))  # a Monday, unknown holiday


def test_deadline_warning_levels() -> None:
    # given 9 working days allowed from Monday 1 December 2025 (due Friday 12 December)
    start = D(2025, 12, 1)
    due = add_working_days(start, 9).date
    assert due == D(2025, 12, 12)
    # then it is green early, yellow once 6 of 9 days are used, red after the due date
    assert deadline_level(start=start, due=due, allowed_days=9, today=D(2025, 12, 5)) == "green"
    assert deadline_level(start=start, due=due, allowed_days=9, today=D(2025, 12, 9)) == "yellow"
    assert deadline_level(start=start, due=due, allowed_days=9, today=D(2025, 12, 12)) == "yellow"
    assert deadline_level(start=start, due=due, allowed_days=9, today=D(2025, 12, 15)) == "red"
    # and paused (suspended) days do not count as used
    assert deadline_level(start=start, due=due, allowed_days=9, today=D(2025, 12, 9), paused_days=2) == "green"


def test_calendar_import_command(tmp_path: Path) -> None:
    # given an announced schedule file for 2027
    path = tmp_path / "2027.json"
    path.write_text(
        json.dumps(
            {
                "source": "国务院办公厅通知（测试）",
                "holidays": [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}, "2027-01-04"],
                "workdays": [{"date": "2027-01-09", "name": "元旦"}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    # when it is imported (twice: the second replaces the first)
    call_command("calendar", "import", "2027", str(path))
    call_command("calendar", "import", "2027", str(path))
    # then the days are in force
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.published
    assert calendar.days.count() == 5
    assert not is_working_day(D(2027, 1, 4))
    assert is_working_day(D(2027, 1, 9))
    call_command("calendar", "show", "2027")


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"holidays": ["2026-01-01"]}),  # wrong year
        json.dumps({"holidays": ["2027-13-01"]}),
        json.dumps({"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}),
        json.dumps({"holidays": [{"from": "2027-01-05", "to": "2027-01-01"}]}),
        json.dumps({"holidays": "2027-01-01"}),
        json.dumps([1, 2]),
    ],
)
def test_calendar_import_refuses_bad_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("calendar", "import", "2027", str(path))
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_package_tables_read_directly_agree_with_the_package_on_every_day_it_knows() -> None:
    import chinese_calendar

    from tongban.core.calendar import PACKAGE_YEARS as _PACKAGE_YEARS
    from tongban.core.calendar import package_workday as _package_workday

    # given every day of every year the package has data for
    days = [D(y, 1, 1) + dt.timedelta(days=i) for y in sorted(_PACKAGE_YEARS) for i in range(366)]
    days = [d for d in days if d.year in _PACKAGE_YEARS]
    # then the direct read answers as the package's own function does, holidays and make-up days included
    assert len(days) > 365 * 20
    assert [d for d in days if _package_workday(d) != chinese_calendar.is_workday(d)] == []
