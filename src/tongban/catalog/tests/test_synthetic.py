"""The synthetic catalog generator used by benchmarks (``tongban seed synthetic``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tongban.catalog import synthetic
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import Material, SearchTerm, ServiceItem
from tongban.catalog.selectors import item_search
from tongban.catalog.tests.factories import ServiceItemFactory
from tongban.core.errors import NotFound

pytestmark = pytest.mark.django_db


def synthetic_items(region: str) -> list[ServiceItem]:
    return list(ServiceItem.objects.filter(code__startswith=synthetic.item_code_prefix(region)).order_by("code"))


def test_generates_published_indexed_items_with_materials() -> None:
    # when generating 150 items for Tianjin
    count = synthetic.generate(items=150, region_code="120000", seed=7)
    # then 150 published items with distinct names, departments of the region, materials and search terms
    items = synthetic_items("120000")
    assert count == len(items) == 150
    assert {i.status for i in items} == {ItemStatus.PUBLISHED}
    assert len({i.name for i in items}) == 150
    assert all(i.department.region_id == "120000" and i.department.code.startswith("SYN-") for i in items)
    assert all(i.promised_limit_days <= i.legal_limit_days for i in items)
    assert all(i.legal_basis and i.content and i.conditions for i in items)
    assert Material.objects.filter(item__in=items).count() >= 2 * 150
    assert SearchTerm.objects.filter(item__in=items).values("item").distinct().count() == 150
    # and the housing-fund items are there and found by initials
    page = item_search(q="gjj", region="120000")
    assert page.count > 0
    assert "住房公积金" in page.items[0].name


def test_running_again_replaces_the_region_s_synthetic_items_only() -> None:
    # given synthetic items in two regions and a hand-made item
    synthetic.generate(items=80, region_code="120000", seed=1)
    synthetic.generate(items=40, region_code="110000", seed=1)
    own = ServiceItemFactory.create(name="手工录入事项")
    # when generating again for Tianjin with fewer items
    synthetic.generate(items=30, region_code="120000", seed=2)
    # then Tianjin has exactly the new 30, Beijing's 40 and the hand-made item are untouched
    assert len(synthetic_items("120000")) == 30
    assert len(synthetic_items("110000")) == 40
    assert ServiceItem.objects.filter(pk=own.pk).exists()
    assert item_search(region="120000").count == 31
    # and zero removes them
    assert synthetic.generate(items=0, region_code="120000", seed=2) == 0
    assert synthetic_items("120000") == []


def test_the_same_seed_gives_the_same_catalog() -> None:
    synthetic.generate(items=60, region_code="120000", seed=42)
    first = [(i.code, i.name, i.cross_region_mode, i.legal_limit_days) for i in synthetic_items("120000")]
    synthetic.generate(items=60, region_code="120000", seed=42)
    again = [(i.code, i.name, i.cross_region_mode, i.legal_limit_days) for i in synthetic_items("120000")]
    assert first == again
    synthetic.generate(items=60, region_code="120000", seed=43)
    other = [(i.code, i.name, i.cross_region_mode, i.legal_limit_days) for i in synthetic_items("120000")]
    assert other != first


def test_more_items_than_plain_names_get_qualified_names() -> None:
    # when generating more items than there are subject × action combinations
    synthetic.generate(items=1200, region_code="130000", seed=3)
    names = [i.name for i in synthetic_items("130000")]
    # then every name is still distinct, and some carry a qualifier
    assert len(names) == len(set(names)) == 1200
    assert any("（" in n for n in names)


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(NotFound):
        synthetic.generate(items=5, region_code="999999", seed=1)
    assert not ServiceItem.objects.exists()


def test_the_seed_command_generates_for_the_node_region() -> None:
    out = StringIO()
    call_command("seed", "synthetic", "--items", "25", "--seed", "5", stdout=out)
    assert "25 synthetic items published" in out.getvalue()
    assert len(synthetic_items("120000")) == 25
