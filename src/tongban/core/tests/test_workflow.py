"""The transition kernel: the table decides, a move writes the row, its event and its notices together."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from tongban.core import audit
from tongban.core.errors import InvalidTransition
from tongban.core.models import AuditEvent, CalendarDay, CalendarDayKind, CalendarYear
from tongban.core.workflow import Move, Transition, Workflow, table

pytestmark = pytest.mark.django_db

K = CalendarDayKind


def _record(move: Move[CalendarDay]) -> Any:
    return audit.record(
        stream=f"calendar-day:{move.obj.pk}",
        action=f"day.{move.action}",
        object_type="calendar_day",
        object_id=move.obj.pk,
        actor=move.actor,
        actor_role=move.role,
        reason=move.reason,
        data={"from": move.from_status, "to": move.to_status, **(move.data or {})},
    )


def _workflow(**overrides: Any) -> Workflow[CalendarDay]:
    options: dict[str, Any] = {
        "name": "calendar-day",
        "model": CalendarDay,
        "table": table(
            {"work": ({K.HOLIDAY}, K.WORKDAY), "rest": ({K.WORKDAY}, K.HOLIDAY), "flip": ({K.HOLIDAY}, None)}
        ),
        "label": lambda status: K(status).label,
        "record": _record,
        "status_field": "kind",
        "touch": (),
        "lock": lambda pk: CalendarDay.objects.select_for_update().get(pk=pk),
    }
    options.update(overrides)
    return Workflow(**options)


def _day() -> CalendarDay:
    year = CalendarYear.objects.create(year=2031, published=True)
    return CalendarDay.objects.create(calendar=year, date=dt.date(2031, 10, 6), kind=K.HOLIDAY, name="国庆节")


def test_the_table_answers_allowed_actions_and_targets() -> None:
    # given a workflow's table
    wf = _workflow()
    day = CalendarDay(kind=K.HOLIDAY)
    # then the actions allowed from a status are read from it, in order
    assert wf.actions_from(K.HOLIDAY) == ["work", "flip"]
    assert wf.actions_from(K.WORKDAY) == ["rest"]
    assert wf.check(day, "work") == K.WORKDAY
    assert wf.can(day, "work") and not wf.can(day, "rest") and not wf.can(day, "unknown")
    assert wf.table["work"] == Transition(frozenset({"holiday"}), "workday")


def test_an_action_not_allowed_now_is_refused_with_a_stable_code_and_the_status_label() -> None:
    # given a holiday
    wf = _workflow()
    day = CalendarDay(kind=K.HOLIDAY)
    # when an action that starts from a working day is checked
    with pytest.raises(InvalidTransition) as refused:
        wf.check(day, "rest")
    # then it is refused, naming the status and the action
    assert refused.value.code == "invalid_transition"
    assert refused.value.details == {"status": "holiday", "action": "rest"}
    assert str(K.HOLIDAY.label) in str(refused.value.message)
    # and an unknown action is refused the same way
    with pytest.raises(InvalidTransition):
        wf.check(day, "unknown")


def test_a_none_target_is_resolved_by_the_workflow_or_refused() -> None:
    day = CalendarDay(kind=K.HOLIDAY)
    with pytest.raises(InvalidTransition):
        _workflow().check(day, "flip")
    assert _workflow(resolve_target=lambda obj, action: K.WORKDAY).check(day, "flip") == K.WORKDAY


def test_a_move_saves_the_status_writes_the_event_tells_subscribers_and_notifies() -> None:
    # given a holiday, a subscriber and a notice hook
    day = _day()
    seen: list[Move[Any]] = []
    notices: list[str] = []
    wf = _workflow(notify=lambda move: notices.append(f"{move.from_status}->{move.to_status}"))
    wf.subscribe(seen.append)
    wf.subscribe(seen.append)  # subscribing twice is once
    # when it is moved inside a transaction
    with transaction.atomic():
        moved = wf.transition(day.pk, action="work", actor=None, role="system", reason="调休", data={"n": 1})
    # then the row, the event, the subscriber and the notice all saw the same move
    day.refresh_from_db()
    assert moved.kind == day.kind == K.WORKDAY
    event = AuditEvent.objects.get(stream=f"calendar-day:{day.pk}")
    assert (event.action, event.reason, event.data) == (
        "day.work",
        "调休",
        {"from": "holiday", "to": "workday", "n": 1},
    )
    assert [(m.action, m.from_status, m.to_status, m.role) for m in seen] == [("work", "holiday", "workday", "system")]
    assert notices == ["holiday->workday"]


def test_a_subscriber_after_notices_hears_of_the_move_once_its_notices_are_queued() -> None:
    # given a workflow whose notices, subscribers and late subscribers write down what they saw
    day = _day()
    order: list[str] = []
    wf = _workflow(notify=lambda move: order.append("notice"))
    wf.subscribe(lambda move: order.append("late"), after_notices=True)
    wf.subscribe(lambda move: order.append("subscriber"))
    # when a move runs
    with transaction.atomic():
        wf.transition(day.pk, action="work", actor=None)
    # then the subscriber hears of it before the notices, the late subscriber after them
    assert order == ["subscriber", "notice", "late"]


def test_a_guard_refuses_its_action_before_anything_is_written() -> None:
    # given a workflow with a guard on "work" that refuses
    day = _day()
    wf = _workflow()

    def refuse(obj: CalendarDay) -> None:
        raise InvalidTransition(code="guarded")

    wf.guard("work", refuse)
    wf.guard("work", refuse)  # guarding twice is once
    # when the action runs, with or without the table's check
    for target in (None, K.WORKDAY):
        with pytest.raises(InvalidTransition) as err, transaction.atomic():
            wf.apply(CalendarDay.objects.select_for_update().get(pk=day.pk), action="work", actor=None, target=target)
        # then it is refused by the guard and nothing is written
        assert err.value.code == "guarded"
        day.refresh_from_db()
        assert day.kind == K.HOLIDAY
        assert not AuditEvent.objects.filter(stream=f"calendar-day:{day.pk}").exists()
    # and without the guard the move goes through
    wf.unguard("work", refuse)
    with transaction.atomic():
        wf.transition(day.pk, action="work", actor=None)
    day.refresh_from_db()
    assert day.kind == K.WORKDAY


def test_a_refused_move_changes_nothing() -> None:
    # given a holiday
    day = _day()
    wf = _workflow()
    # when an action not allowed from it is attempted
    with pytest.raises(InvalidTransition), transaction.atomic():
        wf.transition(day.pk, action="rest", actor=None)
    # then the row is as it was and no event was written
    day.refresh_from_db()
    assert day.kind == K.HOLIDAY
    assert not AuditEvent.objects.filter(stream=f"calendar-day:{day.pk}").exists()


def test_a_failing_subscriber_rolls_the_whole_move_back() -> None:
    # given a subscriber that refuses
    day = _day()
    wf = _workflow()

    def refuse(move: Move[Any]) -> None:
        raise InvalidTransition(code="refused_by_subscriber")

    wf.subscribe(refuse)
    # when the move runs
    with pytest.raises(InvalidTransition), transaction.atomic():
        wf.transition(day.pk, action="work", actor=None)
    # then neither the row nor the event stayed
    day.refresh_from_db()
    assert day.kind == K.HOLIDAY
    assert not AuditEvent.objects.filter(stream=f"calendar-day:{day.pk}").exists()
    # and after unsubscribing, the move goes through
    wf.unsubscribe(refuse)
    with transaction.atomic():
        wf.transition(day.pk, action="work", actor=None)
    day.refresh_from_db()
    assert day.kind == K.WORKDAY


def test_change_sets_fields_saved_with_the_status() -> None:
    # given a holiday
    day = _day()

    def rename(obj: CalendarDay) -> list[str]:
        obj.name = "国庆调休"
        return ["name"]

    # when the move's change renames it
    with transaction.atomic():
        _workflow().transition(day.pk, action="work", actor=None, change=rename)
    # then the name was saved with the status
    day.refresh_from_db()
    assert (day.kind, day.name) == (K.WORKDAY, "国庆调休")
