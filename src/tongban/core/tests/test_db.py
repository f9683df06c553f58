"""``CompiledQuery``: a queryset compiled once gives what the queryset itself gives."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole
from tongban.cases import services
from tongban.cases.models import Case
from tongban.cases.tests.factories import department, make_item, resident, staff
from tongban.core.db import CompiledQuery

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
