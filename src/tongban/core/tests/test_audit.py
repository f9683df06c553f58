from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tongban.accounts.tests.factories import UserFactory
from tongban.core import audit
from tongban.core.models import AuditEvent, AuditStreamHead

pytestmark = pytest.mark.django_db


def _append(n: int, stream: str = "case:1") -> None:
    actor = UserFactory()
    for i in range(n):
        with transaction.atomic():
            audit.record(stream=stream, action=f"step{i}", object_type="case", object_id=1, actor=actor, reason="test")


def test_events_form_an_intact_chain() -> None:
    # given three events on one stream
    _append(3)
    # then they are numbered and linked
    events = list(AuditEvent.objects.filter(stream="case:1").order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert audit.verify_all() == []
    call_command("audit", "verify")


def test_a_changed_event_is_detected() -> None:
    # given an intact chain
    _append(3)
    # when someone edits an event behind the application's back
    with connection.cursor() as cur:
        cur.execute("UPDATE core_auditevent SET reason = 'edited' WHERE seq = 2")
    # then verification names it
    problems = audit.verify_all()
    assert any(p.seq == 2 and "hash" in p.problem for p in problems)
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_a_removed_event_is_detected() -> None:
    _append(3)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent WHERE seq = 3")
    assert audit.verify_all() != []


def test_events_cannot_be_changed_through_the_orm() -> None:
    _append(1)
    event = AuditEvent.objects.get()
    event.reason = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit.record(stream="s", action="a", object_type="t", object_id=1)


def test_the_returned_event_is_the_stored_one_and_appends_in_one_transaction_chain() -> None:
    # given a new stream and an existing one, written in one transaction
    actor = UserFactory()
    _append(1, stream="other:1")
    with transaction.atomic():
        first = audit.record(stream="new:1", action="a", object_type="t", object_id=1, actor=actor, data={"k": [1]})
        second = audit.record(stream="new:1", action="b", object_type="t", object_id=1, actor=actor)
        third = audit.record(stream="other:1", action="c", object_type="t", object_id=1)
    # then each returned event is the stored row, numbered and linked
    for event in (first, second, third):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.stream, stored.seq, stored.hash, stored.prev_hash) == (
            event.stream,
            event.seq,
            event.hash,
            event.prev_hash,
        )
        assert audit.compute_hash(stored) == stored.hash
    assert (first.seq, second.seq, third.seq) == (1, 2, 2)
    assert first.prev_hash == "" and second.prev_hash == first.hash
    assert AuditStreamHead.objects.get(stream="new:1").last_hash == second.hash
    assert audit.verify_all() == []


def test_a_rolled_back_append_leaves_the_head_as_it_was() -> None:
    # given one event
    _append(1, stream="s:1")
    head = AuditStreamHead.objects.get(stream="s:1")
    # when an append's transaction fails after the event was written
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(stream="s:1", action="x", object_type="t", object_id=1)
        audit.record(stream="s:2", action="x", object_type="t", object_id=1)
        _ = 1 / 0
    # then neither the head nor the events changed and the chain is intact
    again = AuditStreamHead.objects.get(stream="s:1")
    assert (again.seq, again.last_hash) == (head.seq, head.last_hash)
    assert not AuditStreamHead.objects.filter(stream="s:2").exists()
    assert AuditEvent.objects.filter(stream__startswith="s:").count() == 1
    assert audit.verify_all() == []
