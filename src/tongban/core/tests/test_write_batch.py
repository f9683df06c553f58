"""``write_batch``: writes sent together give what they give one by one; ``audit.hint_head``: an
append with a hint of the head gives the same chain, whether or not the hint is still right."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tongban.accounts.models import Notification
from tongban.cases import services
from tongban.cases.models import Case
from tongban.cases.tests.factories import make_item, resident
from tongban.core import audit
from tongban.core.fastpath import execute, fetch_all, insert, save_fields, write_batch
from tongban.core.models import AuditEvent, AuditStreamHead

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def _draft() -> Case:
    return services.case_draft_create(actor=resident(), item=make_item(), form_data={})


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in {"BEGIN", "COMMIT"}]


def test_writes_in_a_batch_are_one_statement_and_all_of_them_are_stored() -> None:
    # given a draft and its applicant
    case = _draft()
    stream = case.stream
    head = AuditStreamHead.objects.get(stream=stream)
    # when its row is updated, an event appended with a hint of the head and a notice inserted in one batch
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        audit.hint_head(stream=stream, seq=head.seq, last_hash=head.last_hash)
        with write_batch():
            case.result_note = "批量"
            save_fields(case, ["result_note"])
            event = audit.record(stream=stream, action="case.note", object_type="case", object_id=case.pk)
            notice = Notification(user_id=case.applicant_id, subject="甲", body="", kind="case", channels=["inbox"])
            insert(notice)
            if POSTGRES:  # nothing has been sent yet: ids come with the batch
                assert notice.pk is None and event.pk is None
    # then on PostgreSQL it took one statement, and everything is stored as unbatched writes store it
    if POSTGRES:
        assert len(_statements(captured)) == 1
    assert Case.objects.get(pk=case.pk).result_note == "批量"
    assert Notification.objects.get(pk=notice.pk).subject == "甲"
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (head.seq + 1, head.last_hash, event.hash)
    assert audit.verify_all([stream]) == []


def test_a_read_in_a_batch_sees_the_writes_made_before_it() -> None:
    # given a draft
    case = _draft()
    with transaction.atomic(), write_batch():
        # when its row is updated and then read, inside the batch
        case.result_note = "先写后读"
        save_fields(case, ["result_note"])
        seen = Case.objects.get(pk=case.pk).result_note
    # then the read saw the write
    assert seen == "先写后读"


def test_our_own_statements_in_a_batch_see_the_writes_made_before_them() -> None:
    # given a draft whose row is updated inside a batch
    case = _draft()
    with transaction.atomic(), write_batch():
        case.result_note = "先写"
        save_fields(case, ["result_note"])
        # when it is read by fastpath.execute and by fastpath.fetch_all (not querysets)
        by_execute = execute(connection, "SELECT result_note FROM cases_case WHERE id = %s", [case.pk])
        case.result_note = "再写"
        save_fields(case, ["result_note"])
        by_fetch_all = fetch_all("SELECT result_note FROM cases_case WHERE id = %s", [case.pk])
    # then each read saw the write made before it
    assert [tuple(r) for r in by_execute] == [("先写",)]
    assert [tuple(r) for r in by_fetch_all] == [("再写",)]


def test_two_writes_of_one_row_in_a_batch_both_take_effect_in_order() -> None:
    case = _draft()
    with transaction.atomic(), write_batch():
        case.result_note = "第一"
        save_fields(case, ["result_note"])
        case.result_note = "第二"
        case.correction_note = "也改了"
        save_fields(case, ["result_note", "correction_note"])
    stored = Case.objects.get(pk=case.pk)
    assert (stored.result_note, stored.correction_note) == ("第二", "也改了")


def test_an_exception_in_a_batch_sends_the_writes_made_before_it() -> None:
    # given a draft
    case = _draft()
    # when a batch updates it and then raises, and the caller goes on in the same transaction
    with transaction.atomic():
        with pytest.raises(ValueError), write_batch():
            case.result_note = "写了再出错"
            save_fields(case, ["result_note"])
            raise ValueError("boom")
        # then the write was made, as it would have been without the batch
        assert Case.objects.get(pk=case.pk).result_note == "写了再出错"


def test_a_vanished_row_in_a_batch_fails_when_the_batch_is_sent() -> None:
    case = _draft()
    ghost = Case.objects.get(pk=case.pk)
    ghost.pk = 987654321
    with pytest.raises(DatabaseError), transaction.atomic(), write_batch():
        save_fields(ghost, ["result_note"])


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_batch_writes_at_once() -> None:
    case = _draft()
    with write_batch():
        case.result_note = "自动提交"
        save_fields(case, ["result_note"])
        assert Case.objects.get(pk=case.pk).result_note == "自动提交"


def _head(stream: str) -> tuple[int, str]:
    head = AuditStreamHead.objects.get(stream=stream)
    return head.seq, head.last_hash


def test_an_append_with_a_stale_hint_reads_the_head_and_keeps_the_chain() -> None:
    # given a stream of two events, and a hint that still says one (someone appended since it was read)
    with transaction.atomic():
        audit.record(stream="hint:1", action="a", object_type="t", object_id=1)
    seq, last_hash = _head("hint:1")
    with transaction.atomic():
        audit.record(stream="hint:1", action="b", object_type="t", object_id=1)
    # when an event is appended with the stale hint, in a batch and without one
    with transaction.atomic():
        audit.hint_head(stream="hint:1", seq=seq, last_hash=last_hash)
        with write_batch():
            third = audit.record(stream="hint:1", action="c", object_type="t", object_id=1)
    with transaction.atomic():
        audit.hint_head(stream="hint:1", seq=seq, last_hash=last_hash)
        fourth = audit.record(stream="hint:1", action="d", object_type="t", object_id=1)
    # then both were appended after the real head, and the chain is intact
    assert (third.seq, fourth.seq) == (3, 4)
    assert AuditEvent.objects.get(pk=fourth.pk).prev_hash == third.hash
    assert audit.verify_all(["hint:1"]) == []


def test_a_hint_whose_number_was_taken_after_a_rollback_is_not_trusted() -> None:
    # given a stream of one event, and an append that was rolled back (its hint remains)
    with transaction.atomic():
        audit.record(stream="hint:2", action="a", object_type="t", object_id=1)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(stream="hint:2", action="lost", object_type="t", object_id=1)
        _ = 1 / 0
    # and another append took the same number with another hash (as another process would)
    with transaction.atomic():
        audit.hint_head(stream="hint:2", seq=None, last_hash=None)  # forget the lost one: a stale "no head" hint
        second = audit.record(stream="hint:2", action="b", object_type="t", object_id=1)
    seq, last_hash = _head("hint:2")
    assert (seq, last_hash) == (2, second.hash)
    # when the next append comes with a hint of the same number but the lost event's hash
    with transaction.atomic():
        audit.hint_head(stream="hint:2", seq=2, last_hash="0" * 64)
        third = audit.record(stream="hint:2", action="c", object_type="t", object_id=1)
    # then it follows the real second event
    assert (third.seq, third.prev_hash) == (3, second.hash)
    assert audit.verify_all(["hint:2"]) == []


def test_a_new_stream_hint_on_an_existing_stream_and_a_too_long_value_are_refused_cleanly() -> None:
    # given a stream with one event
    with transaction.atomic():
        audit.record(stream="hint:3", action="a", object_type="t", object_id=1)
    # when an append hints "no head yet"
    with transaction.atomic():
        audit.hint_head(stream="hint:3", seq=None, last_hash=None)
        second = audit.record(stream="hint:3", action="b", object_type="t", object_id=1)
    # then it still follows the first event
    assert second.seq == 2 and audit.verify_all(["hint:3"]) == []
    if not POSTGRES:  # SQLite does not enforce a column's length (and hints are PostgreSQL's alone)
        return
    # and a value longer than its column fails as a plain insert would, rather than being cut short
    with pytest.raises(DatabaseError), transaction.atomic():
        audit.hint_head(stream="hint:3", seq=2, last_hash=second.hash)
        audit.record(stream="hint:3", action="x" * 81, object_type="t", object_id=1)
    assert _head("hint:3") == (2, second.hash)
