"""Content keys (``RowKey``, ``RowsKey``): what a per-process cache may be keyed by (ADR 0020)."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import connection
from django.db.models import F

from tongban.cases.models import Case
from tongban.cases.tests.factories import make_item, submitted_case
from tongban.catalog.models import Material, ServiceItem
from tongban.catalog.tests.factories import MaterialFactory, ServiceItemFactory
from tongban.core.fastpath import RowKey, RowsKey, key_of_no_rows

pytestmark = pytest.mark.django_db


def _item_key(pk: int) -> str:
    return ServiceItem.objects.filter(pk=pk).annotate(k=RowKey("code")).values_list("k", flat=True).get()


def _materials_key(item_id: int) -> str:
    return (
        ServiceItem.objects.filter(pk=item_id)
        .annotate(k=RowsKey(Material, "item", F("pk")))
        .values_list("k", flat=True)
        .get()
    )


def test_a_row_key_moves_with_every_change_of_the_row_however_made_and_only_with_its_content() -> None:
    # given an item and its key
    item = make_item()
    first = _item_key(item.pk)
    assert _item_key(item.pk) == first
    # when a column changes by a bulk update (no save: updated_at stays as it was)
    ServiceItem.objects.filter(pk=item.pk).update(promised_limit_days=3)
    # then the key is another
    changed = _item_key(item.pk)
    assert changed != first
    # and the same content again has the same key again (the key is the content's, not a counter)
    ServiceItem.objects.filter(pk=item.pk).update(promised_limit_days=item.promised_limit_days)
    assert _item_key(item.pk) == first


def test_a_row_key_through_a_join_is_the_rows_own_key() -> None:
    # given a case of an item
    case = submitted_case(make_item())
    # then the key of its item read through the case's join is the item row's own key
    through = Case.objects.filter(pk=case.pk).annotate(k=RowKey("item__code")).values_list("k", flat=True).get()
    assert through == _item_key(case.item_id)


def test_a_rows_key_moves_when_a_row_is_added_changed_or_removed() -> None:
    # given an item without materials: the key of no rows
    item = cast(ServiceItem, ServiceItemFactory(status="published"))
    assert _materials_key(item.pk) == key_of_no_rows(connection)
    # when a material is added, renamed in bulk, and removed, the key follows each change
    material = cast(Material, MaterialFactory(item=item, code="ID", order=1))
    added = _materials_key(item.pk)
    assert added != key_of_no_rows(connection)
    Material.objects.filter(pk=material.pk).update(name="身份证（复印件）")
    renamed = _materials_key(item.pk)
    assert renamed not in (added, key_of_no_rows(connection))
    Material.objects.filter(pk=material.pk).delete()
    assert _materials_key(item.pk) == key_of_no_rows(connection)
