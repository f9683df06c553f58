"""The transition's lock: the item a process keeps under its content key, and the audit head read with the lock."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tongban.accounts.constants import StaffRoleKind
from tongban.cases import services
from tongban.cases.forms import item_materials
from tongban.cases.tests.factories import make_item, resident, staff, submitted_case
from tongban.catalog.models import Material, ServiceItem
from tongban.core import audit
from tongban.core.calendar import add_working_days

pytestmark = pytest.mark.django_db


def test_a_saved_change_of_the_item_reaches_the_next_transition_and_each_case_has_its_own_copy() -> None:
    # given two submitted cases of one item, the first locked once (its version is now kept)
    item = make_item(promised_limit_days=10)
    first, second = submitted_case(item), submitted_case(item)
    with transaction.atomic():
        locked = services.lock(first)
    # when one lock's copy of the item is changed in memory, and the item's version is then saved
    # with another promised limit (any saved change moves its updated_at)
    locked.item.promised_limit_days = 99
    with transaction.atomic():
        assert services.lock(second).item.promised_limit_days == 10  # the memory change stayed in its copy
    stored = ServiceItem.objects.get(pk=item.pk)
    stored.promised_limit_days = 3
    stored.save()
    # then the next acceptance counts with the saved limit
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    accepted = services.case_accept(case=second, actor=reviewer)
    assert accepted.accepted_on is not None
    assert accepted.promised_due_date == add_working_days(accepted.accepted_on, 3).date


def test_a_transition_of_a_kept_item_version_costs_the_lock_and_one_write() -> None:
    # given a submitted case whose item version this process has seen
    item = make_item()
    case = submitted_case(item)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = services.case_accept(case=case, actor=reviewer)
    # when a reviewer starts the review
    with CaptureQueriesContext(connection) as captured:
        case = services.case_start_review(case=case, actor=reviewer)
    statements = [
        q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]
    ]  # (the test's transaction)
    # then the item is not read again; on PostgreSQL the update, the event and the notice are one write
    assert not any('FROM "catalog_serviceitem"' in s for s in statements)
    if connection.vendor == "postgresql":
        assert len(statements) == 2, statements
    # and the chain of the case's events is intact
    assert audit.verify_all([case.stream]) == []


def test_an_item_changed_without_a_save_reaches_the_next_transition_with_its_materials() -> None:
    # given two submitted cases of one item, the first locked once (this process keeps the item)
    item = make_item(promised_limit_days=10)
    first, second = submitted_case(item), submitted_case(item)
    with transaction.atomic():
        assert [m.code for m in item_materials(services.lock(first).item)] == ["ID", "PLAN"]
    # when the item is changed by bulk updates that neither call save nor move updated_at
    updated_at = ServiceItem.objects.values_list("updated_at", flat=True).get(pk=item.pk)
    ServiceItem.objects.filter(pk=item.pk).update(promised_limit_days=4)
    Material.objects.filter(item=item, code="PLAN").update(name="场地平面图（新版）")
    assert ServiceItem.objects.values_list("updated_at", flat=True).get(pk=item.pk) == updated_at
    # then the next lock sees the new content (the kept copy was keyed by the old content)
    with transaction.atomic():
        locked = services.lock(second)
        assert locked.item.promised_limit_days == 4
        assert [m.name for m in item_materials(locked.item)] == ["身份证", "场地平面图（新版）"]
    # and the next acceptance counts with it
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    accepted = services.case_accept(case=second, actor=reviewer)
    assert accepted.accepted_on is not None
    assert accepted.promised_due_date == add_working_days(accepted.accepted_on, 4).date


def test_a_draft_is_written_with_its_material_rows_in_the_items_order() -> None:
    # given an item with two materials
    item = make_item()
    applicant = resident()
    # when a draft is created
    with CaptureQueriesContext(connection) as captured:
        case = services.case_draft_create(actor=applicant, item=item, form_data={})
    # then it has one row per material, in the item's order, and the materials were not read first
    assert [row.material.code for row in case.materials.select_related("material").order_by("id")] == ["ID", "PLAN"]
    statements = [q["sql"] for q in captured.captured_queries]
    assert not any(s.lstrip().startswith("SELECT") and 'FROM "catalog_material"' in s for s in statements)
    if connection.vendor == "postgresql":  # the case and its rows: one statement
        inserts = [s for s in statements if 'INSERT INTO "cases_case"' in s]
        assert len(inserts) == 1 and 'INSERT INTO "cases_casematerial"' in inserts[0]
