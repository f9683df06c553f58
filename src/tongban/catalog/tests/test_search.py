"""Search over published items: Chinese words, pinyin, initials, prefixes, ranking, filters."""

from __future__ import annotations

import pytest

from tongban.catalog import search
from tongban.catalog.models import ServiceItem
from tongban.catalog.selectors import SearchPage, item_search
from tongban.catalog.tests.factories import ServiceItemFactory
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def make(name: str, *, content: str = "", **kwargs: object) -> ServiceItem:
    item = ServiceItemFactory.create(name=name, content=content, **kwargs)
    search.reindex_item(item)
    return item


@pytest.fixture
def catalog() -> dict[str, ServiceItem]:
    fund = DepartmentFactory.create(code="GJJ", name="住房公积金管理中心")
    police = DepartmentFactory.create(code="GA", name="公安局")
    return {
        "withdraw": make("住房公积金提取", department=fund, content="职工购房、退休时提取住房公积金账户余额"),
        "loan": make("住房公积金个人住房贷款", department=fund, content="缴存职工申请公积金贷款购买自住住房"),
        "mention": make("退休人员基本养老金申领", content="退休后可一并办理公积金销户提取"),
        "passport": make("普通护照签发", department=police, content="中国公民因私出国申请普通护照"),
        "car": make("机动车驾驶证换证", department=police, content="驾驶证有效期满换领新证"),
    }


def codes(page: SearchPage) -> list[str]:
    return [i.code for i in page.items]


@pytest.mark.parametrize("q", ["公积金", "gongjijin", "gjj", "住房公积金", "zhufang gongjijin", "gongji", "GongJiJin"])
def test_housing_fund_queries_find_the_housing_fund_items_first(catalog: dict[str, ServiceItem], q: str) -> None:
    # given a catalog with two housing-fund items and one item that only mentions 公积金 in its content
    # when searching in Chinese, pinyin, initials or a pinyin prefix
    page = item_search(q=q)
    # then both housing-fund items come first
    top = set(codes(page)[:2])
    assert top == {catalog["withdraw"].code, catalog["loan"].code}
    assert catalog["passport"].code not in codes(page)
