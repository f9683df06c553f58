"""``CompiledQuery``: a queryset compiled once gives what the queryset itself gives."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.db.models import signals
from django.db.transaction import TransactionManagementError

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, StaffRole
from tongban.cases import services
from tongban.cases.models import Case
from tongban.cases.tests.factories import department, make_item, resident, staff
from tongban.core.fastpath import CompiledQuery, insert, save_fields

pytestmark = pytest.mark.django_db

CASE_WITH_ITEM = CompiledQuery(lambda pk: Case.objects.select_related("item", "applicant").filter(pk=pk), arity=1)
LOCKED_CASE = CompiledQuery(lambda pk: Case.objects.select_for_update(of=("self",)).filter(pk=pk), arity=1)
REVIEWER_ROLES = CompiledQuery(
    lambda user_id: StaffRole.objects.filter(user_id=user_id, role=StaffRoleKind.REVIEWER).values_list(
        "department_id", "role"
    ),
    arity=1,
)


def test_objects_are_the_querysets_objects_with_their_related_objects() -> None:
    # given two drafts
    item = make_item()
    first = services.case_draft_create(actor=resident(), item=item, form_data={"applicant_name": "张三"})
    second = services.case_draft_create(actor=resident(), item=item, form_data={"applicant_name": "李四"})
    for case in (first, second):
        # when each is read through the compiled query (compiled on the first call, reused on the second)
        found = CASE_WITH_ITEM.first(case.pk)
        expected = Case.objects.select_related("item", "applicant").get(pk=case.pk)
        # then every field, the converted JSON and dates included, equals the queryset's
        assert found is not None
        for field in Case._meta.concrete_fields:
            assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
        assert found.form_data == {"applicant_name": case.form_data["applicant_name"], "reason": ""}
        # and the related objects are loaded (no query) and are the right ones
        assert Case.item.is_cached(found) and Case.applicant.is_cached(found)
        assert found.item.code == item.code and found.applicant.pk == case.applicant_id
        assert found._state.adding is False


def test_a_missing_row_gives_nothing() -> None:
    assert CASE_WITH_ITEM.first(987654321) is None
    assert CASE_WITH_ITEM.objects(987654321) == []


def test_rows_keep_the_constant_parameters() -> None:
    # given a reviewer and a window clerk of two departments
    a, b = department(code="DA"), department(code="DB")
    reviewer = staff(a, StaffRoleKind.REVIEWER)
    StaffRole.objects.create(user=reviewer, department=b, role=StaffRoleKind.WINDOW_CLERK)
    # when the reviewer's roles are read with the query's fixed role
    rows = REVIEWER_ROLES.rows(reviewer.pk)
    # then only the reviewer role comes back
    assert [tuple(r) for r in rows] == [(a.pk, StaffRoleKind.REVIEWER)]


def test_a_locking_query_needs_a_transaction() -> None:
    case = services.case_draft_create(actor=resident(), item=make_item(), form_data={})
    with transaction.atomic():
        assert LOCKED_CASE.first(case.pk) is not None


@pytest.mark.django_db(transaction=True)
def test_a_locking_query_outside_a_transaction_is_refused() -> None:
    case = services.case_draft_create(actor=resident(), item=make_item(), form_data={})
    with pytest.raises(TransactionManagementError):
        LOCKED_CASE.first(case.pk)


def test_a_wrong_number_of_arguments_is_refused() -> None:
    with pytest.raises(TypeError):
        CASE_WITH_ITEM.objects(1, 2)


def test_save_fields_writes_the_named_fields_as_save_does() -> None:
    # given a draft whose form data and note change in memory, and a field changed but not named
    case = services.case_draft_create(actor=resident(), item=make_item(), form_data={})
    before = Case.objects.get(pk=case.pk)
    case.form_data = {"applicant_name": "王五"}
    case.result_note = "备注"
    case.correction_note = "not saved"
    # when the named fields are saved
    save_fields(case, ["form_data", "result_note", "updated_at"])
    # then those (and updated_at, auto_now) are stored, the other is not
    stored = Case.objects.get(pk=case.pk)
    assert (stored.form_data, stored.result_note, stored.correction_note) == ({"applicant_name": "王五"}, "备注", "")
    assert stored.updated_at == case.updated_at and stored.updated_at > before.updated_at


def test_save_fields_of_a_vanished_row_fails() -> None:
    case = services.case_draft_create(actor=resident(), item=make_item(), form_data={})
    ghost = Case.objects.get(pk=case.pk)
    ghost.pk = 987654321
    with pytest.raises(DatabaseError):
        save_fields(ghost, ["result_note"])


def test_insert_stores_the_row_as_create_does_and_save_is_used_when_someone_listens() -> None:
    # given a user and a receiver of Notification's post_save
    user = resident()
    heard: list[int] = []

    def receiver(sender: Any, instance: Notification, created: bool, **kwargs: Any) -> None:
        heard.append(instance.pk)

    # when one notification is inserted without receivers and one with
    quiet = Notification(user=user, subject="甲", body="", kind="case", channels=["inbox"])
    insert(quiet)
    signals.post_save.connect(receiver, sender=Notification)
    try:
        loud = Notification(user=user, subject="乙", body="", kind="case", channels=["inbox"])
        insert(loud)
    finally:
        signals.post_save.disconnect(receiver, sender=Notification)
    # then both are stored with their ids and creation times, and the receiver heard the second
    for n in (quiet, loud):
        stored = Notification.objects.get(pk=n.pk)
        assert (stored.subject, stored.channels, stored.created_at) == (n.subject, ["inbox"], n.created_at)
        assert n._state.adding is False
    assert heard == [loud.pk]


NOTIFICATIONS_WITH_SUBJECT = CompiledQuery(
    lambda user_id, subject: Notification.objects.filter(user_id=user_id, subject=subject).order_by("pk"),
    arity=2,
    text_args=(1,),
)


def test_text_arguments_are_bound_like_ids() -> None:
    # given two notices of one user and one of another, with subjects that look like SQL and a marker
    someone, other = resident(), resident()
    for user, subject in ((someone, "a'; DROP TABLE x; --"), (someone, "第二"), (other, "第二")):
        Notification.objects.create(user=user, subject=subject, body="", kind="info", channels=["inbox"])
    # when the compiled query runs with each subject (compiled on the first call)
    first = NOTIFICATIONS_WITH_SUBJECT.objects(someone.pk, "a'; DROP TABLE x; --")
    second = NOTIFICATIONS_WITH_SUBJECT.objects(someone.pk, "第二")
    nothing = NOTIFICATIONS_WITH_SUBJECT.objects(someone.pk, "\x1etongban-argument-1")
    # then each finds exactly its own rows: the text is a bound value, never a constant of the statement
    assert [n.subject for n in first] == ["a'; DROP TABLE x; --"]
    assert [(n.user_id, n.subject) for n in second] == [(someone.pk, "第二")]
    assert nothing == []


def test_db_value_gives_what_get_db_prep_save_gives() -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from tongban.cases.constants import CaseStatus
    from tongban.core.fastpath import db_value

    # given fields of every kind a hot write prepares, and values of the types they meet
    aware = timezone.now()
    values: dict[str, list[Any]] = {
        "number": ["120000-20261202-000001", None],
        "status": [CaseStatus.SUBMITTED, "closed"],
        "applicant": [7],
        "enterprise": [None, 3],
        "region": ["110000"],
        "form_data": [{"a": [1, "二"]}, {}],
        "submitted_at": [aware, None, dt.datetime(2026, 1, 1, 12, 0)],  # naive: left to Django (a warning)
        "accepted_on": [dt.date(2026, 12, 2), None, aware],
        "due_provisional": [True, False],
        "suspended_working_days": [0, 5, True],
        "correction_note": ["", "补正"],
    }
    import warnings

    for name, samples in values.items():
        field = Case._meta.get_field(name)
        for value in samples:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = field.get_db_prep_save(value, connection)  # type: ignore[union-attr]
                got = db_value(field, value, connection)  # type: ignore[arg-type]
            # then each value is prepared exactly as Django prepares it
            assert type(got) is type(expected) and repr(got) == repr(expected), (name, value)


def test_build_gives_the_instance_init_gives_and_init_itself_when_someone_listens() -> None:
    from tongban.core.fastpath import build

    # given a notice's values in the order of its fields
    user = resident()
    values = (None, user.pk, "主题", "正文", "case", "/cases/1/", ["inbox"], None, None)
    # when it is built, and made by Model.__init__
    built, made = build(Notification, values), Notification(*values)  # type: ignore[misc]
    # then the two are alike, field by field, and both are new rows that insert stores
    assert all(getattr(built, f.attname) == getattr(made, f.attname) for f in Notification._meta.concrete_fields)
    assert built._state.adding is True and built._state.db is None
    insert(built)
    assert Notification.objects.get(pk=built.pk).subject == "主题"
    # and a wrong number of values is refused
    with pytest.raises(TypeError):
        build(Notification, values[:-1])
    # and with a post_init receiver, __init__ runs (the receiver hears of the instance)
    heard: list[Any] = []

    def receiver(sender: Any, instance: Notification, **kwargs: Any) -> None:
        heard.append(instance)

    signals.post_init.connect(receiver, sender=Notification)
    try:
        again = build(Notification, values)
    finally:
        signals.post_init.disconnect(receiver, sender=Notification)
    assert heard == [again]
