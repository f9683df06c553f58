"""Search over published items: Chinese words, pinyin, initials, prefixes, ranking, filters."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.catalog import search, services
from tongban.catalog.constants import CrossRegionMode, ItemKind, ItemStatus, ServiceObject
from tongban.catalog.models import SearchTerm, ServiceItem
from tongban.catalog.selectors import SearchPage, item_search
from tongban.catalog.tests.builders import base_item, catalog_admin, item_data, published_item, theme
from tongban.catalog.tests.factories import ServiceItemFactory
from tongban.core.errors import ValidationFailed
from tongban.regions.models import Region
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


def test_prefix_typing_finds_items_while_the_user_types(catalog: dict[str, ServiceItem]) -> None:
    # when typing the first syllables of a pinyin word or of the name's initials
    for q in ("gongj", "zhufanggongjijin", "zfgjj"):
        page = item_search(q=q)
        # then the housing-fund items are found first
        assert set(codes(page)[:2]) == {catalog["withdraw"].code, catalog["loan"].code}, q


def test_name_match_outranks_content_match(catalog: dict[str, ServiceItem]) -> None:
    # given 公积金 in two names and only in the content of the pension item
    page = item_search(q="公积金")
    # then the pension item is found, but after both name matches
    assert codes(page)[2] == catalog["mention"].code
    assert page.items[0].score > page.items[2].score


def test_item_matching_every_query_word_outranks_items_matching_some() -> None:
    # given an item whose content has both words, and items whose names have one of them each
    both = make("综合事项", content="护照 签注 一并办理")
    only_passport = make("普通护照签发")
    only_endorsement = make("港澳签注办理")
    # when searching for both words
    page = item_search(q="护照 签注")
    # then the item with both words comes first despite the others' name matches
    assert codes(page)[0] == both.code
    assert set(codes(page)[1:]) == {only_passport.code, only_endorsement.code}


def test_a_shorter_name_ranks_before_a_longer_one_with_the_same_match() -> None:
    long = make("住房公积金提取（港澳台居民）")
    short = make("住房公积金提取")
    assert codes(item_search(q="公积金提取"))[:2] == [short.code, long.code]


def test_results_carry_the_summary_fields(catalog: dict[str, ServiceItem]) -> None:
    # when searching
    item = item_search(q="护照").items[0]
    source = catalog["passport"]
    # then the summary has what a result line shows
    assert item.code == source.code and item.base_code == source.base.base_code
    assert item.name == "普通护照签发"
    assert (item.region, item.region_name) == ("120000", "天津市")
    assert (item.department, item.department_name) == ("GA", "公安局")
    assert item.kind == source.kind and item.service_object == source.service_object
    assert item.cross_region_mode == source.cross_region_mode
    assert item.promised_limit_days == 10 and item.visits_needed == source.visits_needed
    assert item.online_depth == source.online_depth


def test_department_name_and_item_code_are_searchable(catalog: dict[str, ServiceItem]) -> None:
    # when searching by the implementing department or by the item code
    assert set(codes(item_search(q="公安局"))) == {catalog["passport"].code, catalog["car"].code}
    assert codes(item_search(q=catalog["car"].code.lower()))[0] == catalog["car"].code


def test_nothing_matches_a_query_of_symbols_or_unknown_words(catalog: dict[str, ServiceItem]) -> None:
    assert item_search(q="！？。").count == 0
    assert item_search(q="xyzzyq").count == 0
    assert item_search(q="   ").count == len(catalog)  # blank: everything


def test_drafts_withdrawn_and_superseded_versions_are_not_found() -> None:
    # given a published item, a later draft of it, a superseded version and a withdrawn item
    live = make("残疾人证办理", code="120000-CJR-1", version=2)
    make("残疾人证办理（新版草稿）", code="120000-CJR-1", version=3, status=ItemStatus.DRAFT)
    make("残疾人证办理", code="120000-CJR-1", version=1, status=ItemStatus.SUPERSEDED)
    make("残疾人证补办", code="120000-CJR-2", status=ItemStatus.WITHDRAWN)
    # when searching and listing
    found = item_search(q="残疾人证")
    listed = item_search()
    # then only the published version
    assert codes(found) == [live.code] and found.items[0].name == "残疾人证办理"
    assert codes(listed) == [live.code]
    assert not SearchTerm.objects.exclude(item__status=ItemStatus.PUBLISHED).exists()


def test_the_index_follows_status_changes() -> None:
    # given a draft, not found
    item = make("出生医学证明补发", status=ItemStatus.DRAFT)
    assert item_search(q="chusheng").count == 0
    # when it is published and reindexed
    item.status = ItemStatus.PUBLISHED
    item.save(update_fields=["status"])
    search.reindex_item(item)
    # then it is found by Chinese, pinyin and initials
    for q in ("出生医学证明", "chusheng yixue", "csyxzm"):
        assert codes(item_search(q=q)) == [item.code], q
    # when it is withdrawn and reindexed, then it is gone from the index
    item.status = ItemStatus.WITHDRAWN
    item.save(update_fields=["status"])
    search.reindex_item(item)
    assert item_search(q="出生医学证明").count == 0
    assert not SearchTerm.objects.filter(item=item).exists()


def test_reindex_all_rebuilds_the_index_of_published_items(catalog: dict[str, ServiceItem]) -> None:
    # given an index emptied behind the search's back
    SearchTerm.objects.all().delete()
    assert item_search(q="gjj").count == 0
    # when rebuilding it
    assert search.reindex_all() == len(catalog)
    # then searches work again
    assert item_search(q="gjj").count == 2


@pytest.fixture
def filtered() -> dict[str, ServiceItem]:
    beijing = Region.objects.get(code="110000")
    return {
        "tj_person": make(
            "社会保障卡申领",
            kind=ItemKind.PUBLIC_SERVICE,
            service_object=ServiceObject.NATURAL_PERSON,
            cross_region_mode=CrossRegionMode.ONLINE,
            department=DepartmentFactory.create(code="RS", name="人力资源和社会保障局"),
        ),
        "tj_company": make(
            "社会保险登记（单位）",
            kind=ItemKind.CONFIRMATION,
            service_object=ServiceObject.LEGAL_PERSON,
            cross_region_mode=CrossRegionMode.JOINT,
        ),
        "bj_both": make(
            "社会保险信息查询",
            code="110000-SB-1",
            region=beijing,
            department=DepartmentFactory.create(region=beijing, code="RS", name="北京市人力资源和社会保障局"),
            kind=ItemKind.PUBLIC_SERVICE,
            service_object=ServiceObject.BOTH,
            cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        ),
    }


@pytest.mark.parametrize("q", ["", "社会"])
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"tj_person", "tj_company", "bj_both"}),
        ({"region": "120000"}, {"tj_person", "tj_company"}),
        ({"region": "110000"}, {"bj_both"}),
        ({"department": "RS"}, {"tj_person", "bj_both"}),
        ({"department": "RS", "region": "120000"}, {"tj_person"}),
        ({"kind": "public_service"}, {"tj_person", "bj_both"}),
        ({"kind": "confirmation"}, {"tj_company"}),
        ({"kind": "licensing"}, set()),
        ({"service_object": "natural_person"}, {"tj_person", "bj_both"}),
        ({"service_object": "legal_person"}, {"tj_company", "bj_both"}),
        ({"service_object": "both"}, {"bj_both"}),
        ({"cross_region_mode": "online"}, {"tj_person"}),
        ({"cross_region_mode": "joint"}, {"tj_company"}),
        ({"cross_region_mode": "none"}, set()),
        ({"kind": "public_service", "service_object": "legal_person", "region": "110000"}, {"bj_both"}),
    ],
)
def test_every_filter_with_and_without_a_query(
    filtered: dict[str, ServiceItem], q: str, filters: dict[str, Any], expected: set[str]
) -> None:
    page = item_search(q=q, **filters)
    assert set(codes(page)) == {filtered[k].code for k in expected}
    assert page.count == len(expected)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "permit"}, "invalid_kind"),
        ({"region": "12000"}, "invalid_region"),
        ({"region": "999999"}, "invalid_region"),
        ({"department": "NOPE"}, "invalid_department"),
        ({"department": "RS", "region": "130000"}, "invalid_department"),
        ({"service_object": "robot"}, "invalid_service_object"),
        ({"cross_region_mode": "everywhere"}, "invalid_cross_region_mode"),
        ({"page": 0}, "invalid_page"),
        ({"page_size": 0}, "invalid_page_size"),
        ({"page_size": 101}, "invalid_page_size"),
        ({"q": "a" * 101}, "invalid_query"),
    ],
)
def test_invalid_filters_are_refused_with_stable_codes(
    filtered: dict[str, ServiceItem], kwargs: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        item_search(**kwargs)
    assert info.value.code == code
    assert info.value.status == 422


def test_pages_split_the_ranked_results_without_overlap() -> None:
    # given 7 items that all match, with different strengths
    made = [make(f"护照事项{n}", content="护照" if n % 2 else "") for n in range(7)]
    # when reading pages of 3
    pages = [item_search(q="护照", page=p, page_size=3) for p in (1, 2, 3, 4)]
    # then 3 + 3 + 1 + 0 items, none twice, count 7 everywhere, scores never rising
    assert [len(p.items) for p in pages] == [3, 3, 1, 0]
    assert {p.count for p in pages} == {7}
    all_codes = [c for p in pages for c in codes(p)]
    assert sorted(all_codes) == sorted(i.code for i in made)
    scores = [i.score for p in pages for i in p.items]
    assert scores == sorted(scores, reverse=True)
    assert (pages[0].page, pages[0].page_size) == (1, 3)


def test_query_parsing_words_subwords_and_prefixes() -> None:
    words = search.parse_query("住房公积金 GongJi 公积金")
    assert [w.text for w in words] == ["住房", "公积金", "gongji"]
    assert words[2].prefix == "gongji" and words[0].prefix is None
    assert "公积" in words[1].subwords
    assert len(search.parse_query(" ".join(f"w{n}x" for n in range(20)))) == search.MAX_QUERY_WORDS


def test_publishing_a_new_version_and_withdrawing_through_the_services_keep_search_right() -> None:
    # given an item published through the catalog services, with themes in its index
    dept = DepartmentFactory.create(code="TJ-GJJ", name="天津市住房公积金管理中心")
    base = base_item(base_code="000400001000", name="住房公积金提取", kind=ItemKind.PUBLIC_SERVICE)
    admin = catalog_admin(dept)
    theme("retirement", "退休")
    v1 = published_item(base=base, department=dept, code="120000-GJJ-0001", themes=["retirement"])
    assert codes(item_search(q="gjj")) == [v1.code]
    assert codes(item_search(q="退休")) == [v1.code]  # found through its theme
    # when a second version with a qualified name is published
    v2 = services.item_draft_start(actor=admin, code=v1.code)
    data = item_data(base=base, dept=dept, code=v1.code, name="住房公积金提取（退休）", themes=["retirement"])
    v2 = services.item_publish(actor=admin, item=services.item_draft_update(actor=admin, item=v2, data=data))
    # then the item is found once, as its new version
    page = item_search(q="gongjijin tiqu")
    assert page.count == 1 and page.items[0].name == "住房公积金提取（退休）"
    # when it is withdrawn, then nothing is found any more
    services.item_withdraw(actor=admin, item=v2, reason="事项取消")
    assert item_search(q="gongjijin").count == 0
    assert item_search().count == 0
