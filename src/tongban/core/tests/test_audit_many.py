from __future__ import annotations

from typing import cast

import pytest
from django.core.management import call_command
from django.db import transaction

from tongban.accounts.models import User
from tongban.accounts.tests.factories import UserFactory
from tongban.core import audit
from tongban.core.models import AuditEvent, AuditStreamHead

pytestmark = pytest.mark.django_db


def _entries(*actions: str, actor: object = None) -> list[audit.Entry]:
    return [
        audit.Entry(action=a, object_type="ticket", object_id=7, actor=actor, actor_role="agent", data={"i": i})
        for i, a in enumerate(actions)
    ]


def test_events_appended_together_continue_one_intact_chain() -> None:
    # given a stream with one event written by ``record``
    actor = cast(User, UserFactory())
    with transaction.atomic():
        audit.record(stream="ticket:7", action="first", object_type="ticket", object_id=7, actor=actor)
    # when two more are appended together, then a fourth alone
    with transaction.atomic():
        written = audit.record_many(stream="ticket:7", entries=_entries("second", "third", actor=actor))
    with transaction.atomic():
        audit.record(stream="ticket:7", action="fourth", object_type="ticket", object_id=7)
    # then the stream is one chain, numbered in order, with the head on the last event
    events = list(AuditEvent.objects.filter(stream="ticket:7").order_by("seq"))
    assert [(e.seq, e.action) for e in events] == [(1, "first"), (2, "second"), (3, "third"), (4, "fourth")]
    assert [e.hash for e in written] == [events[1].hash, events[2].hash]
    assert events[1].actor_id == actor.pk and events[2].data == {"i": 1}
    head = AuditStreamHead.objects.get(stream="ticket:7")
    assert (head.seq, head.last_hash) == (4, events[3].hash)
    assert audit.verify_all() == []
    call_command("audit", "verify")


def test_events_appended_together_to_a_new_stream_start_its_chain() -> None:
    # when the first events of a stream are appended together
    with transaction.atomic():
        audit.record_many(stream="ticket:8", entries=_entries("created", "dispatch"))
    # then the stream starts at one with no previous hash
    events = list(AuditEvent.objects.filter(stream="ticket:8").order_by("seq"))
    assert [(e.seq, e.prev_hash == "", e.actor_label) for e in events] == [(1, True, "system"), (2, False, "system")]
    assert audit.verify_all(["ticket:8"]) == []


def test_a_tampered_event_appended_together_is_detected() -> None:
    # given two events appended together
    with transaction.atomic():
        audit.record_many(stream="ticket:9", entries=_entries("created", "dispatch"))
    # when one is changed behind the application's back
    AuditEvent.objects.filter(stream="ticket:9", seq=1).update(reason="changed")
    # then the chain check finds it
    assert [p.seq for p in audit.verify_all(["ticket:9"])] == [1]


@pytest.mark.django_db(transaction=True)
def test_record_many_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit.record_many(stream="ticket:10", entries=_entries("created"))
    assert not AuditEvent.objects.filter(stream="ticket:10").exists()
