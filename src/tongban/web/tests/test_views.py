"""The resident portal's pages through real HTTP requests: home, search, guide, uniformity, modes."""

from __future__ import annotations

import re

import pytest
from django.http.response import HttpResponseBase
from django.test import Client

from tongban.catalog import uniformity
from tongban.catalog.constants import ItemStatus
from tongban.catalog.search import reindex_all
from tongban.catalog.tests.factories import ServiceItemFactory
from tongban.web.context_processors import ELDERLY_COOKIE
from tongban.web.tests.factories import PortalCatalog

pytestmark = pytest.mark.django_db


def text(response: HttpResponseBase) -> str:
    return response.content.decode()  # type: ignore[attr-defined,no-any-return]


def result_codes(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/items/([^/]+)/">', html)


# --- home -----------------------------------------------------------------------------------


def test_home_shows_search_themes_by_audience_departments_and_regions(client: Client, catalog: PortalCatalog) -> None:
    # when a resident opens the home page
    response = client.get("/")
    html = text(response)
    # then it has the search box, both theme groups, this region's departments with counts, and the regions
    assert response.status_code == 200
    assert 'action="/search/"' in html and 'name="q"' in html
    personal = html.index("个人办事：按人生事件")
    enterprise = html.index("法人办事：按企业生命周期")
    assert personal < html.index("住房保障") < enterprise < html.index("开办企业")
    assert 'href="/search/?theme=housing"' in html
    assert "天津市住房公积金管理中心" in html
    assert "北京住房公积金管理中心" not in html  # another region's department
    for region in ("北京市", "天津市", "河北省"):
        assert region in html
    assert 'href="/search/?region=120000&amp;department=TJ-GJJ"' in html


def test_home_counts_only_published_items(client: Client, catalog: PortalCatalog) -> None:
    # given a draft item of the housing-fund centre
    ServiceItemFactory.create(department=catalog.tj_fund, status=ItemStatus.DRAFT, code="120000-GJJ-DRAFT")
    # when the home page is shown, then the centre still counts one item
    html = text(client.get("/"))
    block = html[html.index("天津市住房公积金管理中心") :]
    assert re.search(r"card-meta\">1 个事项", block)


def test_home_is_chinese_by_default_and_english_on_request(client: Client, catalog: PortalCatalog) -> None:
    html = text(client.get("/"))
    assert '<html lang="zh-Hans">' in html
    assert "天津市政务服务" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = text(client.get("/"))
    assert '<html lang="en">' in html
    assert "Tianjin government services" in html
    assert "Housing" in html and "Starting a business" in html  # theme English names


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["公积金", "gongjijin", "gjj", "住房公积金提取"])
def test_search_finds_the_housing_fund_items_first(client: Client, catalog: PortalCatalog, q: str) -> None:
    response = client.get("/search/", {"q": q})
    codes = result_codes(text(response))
    assert response.status_code == 200
    assert set(codes[:2]) == {catalog.housing.code, catalog.housing_bj.code}


def test_search_shows_the_result_count_and_labels(client: Client, catalog: PortalCatalog) -> None:
    html = text(client.get("/search/", {"q": "gongjijin"}))
    assert "找到 2 个与“gongjijin”相关的事项" in html
    assert "公共服务" in html and "全程网办" in html and "5 个工作日" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "110000"}, {"housing_bj"}),
        ({"region": "120000", "department": "TJ-GJJ"}, {"housing"}),
        ({"kind": "licensing"}, {"business", "physician"}),
        ({"service_object": "legal_person"}, {"business"}),
        ({"cross_region_mode": "proxy_receipt"}, {"physician"}),
        ({"cross_region_mode": "joint"}, {"pension"}),
        ({"theme": "housing"}, {"housing", "housing_bj"}),
        ({"theme": "housing", "region": "120000"}, {"housing"}),
        ({"theme": "housing", "q": "gjj"}, {"housing", "housing_bj"}),
        ({"theme": "business-startup", "q": "gjj"}, set()),
        ({"theme": "retirement"}, {"housing", "pension"}),
    ],
)
def test_search_filters(client: Client, catalog: PortalCatalog, params: dict[str, str], expected: set[str]) -> None:
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert set(result_codes(text(response))) == {getattr(catalog, name).code for name in expected}


def test_search_without_words_lists_everything_published(client: Client, catalog: PortalCatalog) -> None:
    codes = result_codes(text(client.get("/search/")))
    assert len(codes) == 5


def test_search_paginates(client: Client, catalog: PortalCatalog) -> None:
    # given 12 more published items of the housing-fund centre (17 in all)
    ServiceItemFactory.create_batch(12, department=catalog.tj_fund)
    reindex_all()
    # when the first and second pages are read
    first = text(client.get("/search/"))
    second = text(client.get("/search/", {"page": "2"}))
    # then they split the items 10 + 7 with links between them
    assert len(result_codes(first)) == 10 and len(result_codes(second)) == 7
    assert set(result_codes(first)).isdisjoint(result_codes(second))
    assert 'href="?page=2"' in first and 'rel="next"' in first
    assert 'rel="prev"' in second and 'aria-current="page"' in second
    # and a page beyond the last one says so
    beyond = text(client.get("/search/", {"page": "9"}))
    assert "搜索结果没有第 9 页" in beyond


def test_search_with_no_match_says_so(client: Client, catalog: PortalCatalog) -> None:
    response = client.get("/search/", {"q": "宇宙飞船", "region": "120000"})
    html = text(response)
    assert response.status_code == 200
    assert "没有找到相关事项" in html and "去掉筛选条件重新搜索" in html
    assert result_codes(html) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "bogus"}, "事项类型：“bogus”不是该筛选条件的可选值"),
        ({"region": "999999"}, "不是该筛选条件的可选值"),
        ({"region": "110000", "department": "TJ-GJJ"}, "不是该筛选条件的可选值"),
        ({"service_object": "alien"}, "不是该筛选条件的可选值"),
        ({"cross_region_mode": "teleport"}, "不是该筛选条件的可选值"),
        ({"theme": "nope"}, "不是该筛选条件的可选值"),
        ({"page": "abc"}, "页码必须是整数"),
        ({"page": "0"}, "页码最小为 1"),
        ({"q": "公" * 101}, "请最多输入 100 个字"),
    ],
)
def test_search_with_a_bad_filter_answers_400_with_a_chinese_message(
    client: Client, catalog: PortalCatalog, params: dict[str, str], message: str
) -> None:
    response = client.get("/search/", params)
    html = text(response)
    assert response.status_code == 400
    assert "无法完成搜索" in html and message in html
    assert result_codes(html) == []


# --- guide ----------------------------------------------------------------------------------


def test_guide_shows_every_element_with_a_table_of_contents(client: Client, catalog: PortalCatalog) -> None:
    response = client.get(f"/items/{catalog.housing.code}/")
    html = text(response)
    assert response.status_code == 200
    headings = [
        ("basic", "基本信息"),
        ("place", "办理地点和时间"),
        ("conditions", "受理条件"),
        ("materials", "申请材料"),
        ("special-steps", "特殊环节"),
        ("process", "办理流程"),
        ("fees", "收费标准"),
        ("legal-basis", "设定依据"),
        ("faq", "常见问题"),
        ("commitments", "服务承诺"),
        ("contact", "咨询和投诉"),
    ]
    for anchor, title in headings:
        assert f'<a href="#{anchor}">{title}</a>' in html
        assert f'id="{anchor}"' in html
    for value in (
        "住房公积金提取",
        "120000-GJJ-0001",
        "000130101000",
        "公共服务",  # kind label
        "自然人",  # service object label
        "全程网办",  # cross-region label
        "天津市住房公积金管理中心",
        "住房和城乡建设部",
        "20 个工作日",
        "5 个工作日",
        "政务服务中心二楼综合窗口",
        "工作日 9:00-17:00",
        "职工离休、退休",
        "提取公示",  # special step with its time, basis, fee and whether it counts
        "3 个工作日",
        "《住房公积金管理条例》第二十四条",
        "退休后多久可以提取？",
        "承诺件五个工作日内办结。",
        "022-12345",
        "不收费",
        "零跑动",
    ):
        assert value in html, value
    assert 'href="/uniformity/000130101000/"' in html
    assert "data-print" in html
    assert 'media="print"' in html


def test_guide_marks_materials_replaceable_by_licence_or_shared_data(client: Client, catalog: PortalCatalog) -> None:
    html = text(client.get(f"/items/{catalog.housing.code}/"))
    assert "免提交：可使用您的电子证照“ID-CARD”。" in html
    assert "免提交：由部门通过政务数据共享获取。" in html


def material_codes(html: str) -> list[str]:
    return re.findall(r'data-material="([^"]+)"', html)


def test_guide_without_answers_shows_all_materials_and_the_questions(client: Client, catalog: PortalCatalog) -> None:
    html = text(client.get(f"/items/{catalog.housing.code}/"))
    assert material_codes(html) == ["M01", "M02", "M03", "M04", "M05"]
    assert "提取原因是什么？" in html and 'name="reason" value="retire"' in html
    assert "视您的情形而定" in html


def test_guide_answers_filter_the_materials(client: Client, catalog: PortalCatalog) -> None:
    # when the applicant says they retire and apply in person
    html = text(client.get(f"/items/{catalog.housing.code}/", {"reason": "retire", "agent": "no"}))
    # then only the ID card and the retirement certificate are listed, and the answers stay checked
    assert material_codes(html) == ["M01", "M02"]
    assert "按您的情形，共 5 项材料中需要提交 2 项" in html
    assert 'value="retire" checked' in html and 'value="no" checked' in html
    # and by proxy for a purchase
    html = text(client.get(f"/items/{catalog.housing.code}/", {"reason": "purchase", "agent": "yes"}))
    assert material_codes(html) == ["M01", "M03", "M04", "M05"]


def test_guide_ignores_an_answer_that_is_not_an_option(client: Client, catalog: PortalCatalog) -> None:
    response = client.get(f"/items/{catalog.housing.code}/", {"reason": "<script>"})
    html = text(response)
    assert response.status_code == 200
    assert "部分回答不在可选项中" in html
    assert material_codes(html) == ["M01", "M02", "M03", "M04", "M05"]
    assert "<script>" not in html.split("<body", 1)[1].replace('<script src="/static/web/portal.js"', "")


def test_guide_in_english_shows_english_labels(client: Client, catalog: PortalCatalog) -> None:
    client.cookies["django_language"] = "en"
    html = text(client.get(f"/items/{catalog.housing.code}/"))
    assert "Withdrawal of housing provident fund" in html
    assert "Basic information" in html and "Public service" in html and "Natural persons" in html


def test_unknown_item_gets_a_friendly_chinese_404(client: Client, catalog: PortalCatalog) -> None:
    response = client.get("/items/NO-SUCH-ITEM/")
    html = text(response)
    assert response.status_code == 404
    assert "抱歉，没有找到您要访问的页面" in html
    assert "没有编码为“NO-SUCH-ITEM”的已公布事项" in html
    assert 'href="/search/"' in html


def test_a_draft_has_no_public_guide(client: Client, catalog: PortalCatalog) -> None:
    draft = ServiceItemFactory.create(status=ItemStatus.DRAFT, department=catalog.tj_fund)
    assert client.get(f"/items/{draft.code}/").status_code == 404


def test_unknown_url_gets_the_friendly_404(client: Client, catalog: PortalCatalog) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "抱歉，没有找到您要访问的页面" in text(response)


# --- uniformity -----------------------------------------------------------------------------


def test_uniformity_page_compares_the_six_elements_and_marks_differences(
    client: Client, catalog: PortalCatalog
) -> None:
    expected = uniformity.compare(base_code="000130101000")
    response = client.get("/uniformity/000130101000/")
    html = text(response)
    assert response.status_code == 200
    assert f'id="uniformity-score">{round(expected.score * 100)}%<' in html
    for label in ("事项名称", "设定依据", "事项内容", "受理条件", "申请材料", "办理结果"):
        assert f'<th scope="row">\n        {label}' in html
    # conditions and materials differ between Beijing and Tianjin: text markers, not colour alone
    assert html.count('class="diff-marker">不一致<') == 4
    assert "本地区缺少：" in html and "租房合同" in html
    assert 'href="/items/110000-GJJ-0001/"' in html and 'href="/items/120000-GJJ-0001/"' in html


def test_uniformity_page_of_an_unknown_base_item_is_404(client: Client, catalog: PortalCatalog) -> None:
    response = client.get("/uniformity/NOPE/")
    assert response.status_code == 404
    assert "没有编码为“NOPE”的基本目录事项" in text(response)


def test_uniformity_with_a_bad_region_code_answers_400(client: Client, catalog: PortalCatalog) -> None:
    response = client.get("/uniformity/000130101000/", {"region": "abc"})
    assert response.status_code == 400
    assert re.search("行政区划代码为(六|6)位数字", text(response))


def test_uniformity_report_summarises_shared_items(client: Client, catalog: PortalCatalog) -> None:
    report = uniformity.region_report()
    response = client.get("/uniformity/")
    html = text(response)
    assert response.status_code == 200
    assert f'id="shared-items">{report.shared_items}<' in html
    assert f'id="fully-uniform">{report.fully_uniform}<' in html
    assert 'href="/uniformity/000130101000/"' in html
    # restricted to Tianjin and Hebei, nothing is shared
    html = text(client.get("/uniformity/", {"region": ["120000", "130000"]}))
    assert 'id="shared-items">0<' in html
    assert "这些地区没有共同实施的基本目录事项" in html


# --- elderly mode and language ----------------------------------------------------------------


def test_elderly_mode_is_kept_in_a_cookie_across_pages(client: Client, catalog: PortalCatalog) -> None:
    # when the resident turns the elderly mode on from the search page
    response = client.post("/elderly-mode/", {"on": "1", "next": "/search/?q=gjj"})
    # then they go back where they were, with a cookie kept for a year
    assert response.status_code == 302 and response["Location"] == "/search/?q=gjj"
    cookie = response.cookies[ELDERLY_COOKIE]
    assert cookie.value == "1" and int(cookie["max-age"]) >= 365 * 24 * 3600
    # and every page is in elderly mode, offering to switch back
    for url in ("/", "/search/?q=gjj", f"/items/{catalog.housing.code}/", "/uniformity/", "/nothing/"):
        html = text(client.get(url))
        assert '<body class="elderly' in html, url
        assert "标准模式" in html
    # when they turn it off, then pages are standard again
    client.post("/elderly-mode/", {"on": "0", "next": "/"})
    assert '<body class="elderly' not in text(client.get("/"))


def test_elderly_mode_never_redirects_off_site(client: Client) -> None:
    response = client.post("/elderly-mode/", {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_elderly_mode_needs_post(client: Client) -> None:
    assert client.get("/elderly-mode/").status_code == 405


def test_every_page_offers_the_language_switch(client: Client, catalog: PortalCatalog) -> None:
    for url in ("/", "/search/", f"/items/{catalog.housing.code}/", "/uniformity/", "/uniformity/000130101000/"):
        html = text(client.get(url))
        assert 'action="/i18n/setlang/"' in html and 'value="en"' in html, url
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/items/{catalog.housing.code}/"})
    assert response.status_code == 302
    html = text(client.get(f"/items/{catalog.housing.code}/"))
    assert '<html lang="en">' in html and 'value="zh-hans"' in html


def test_department_options_carry_their_region_when_no_region_is_chosen(client: Client, catalog: PortalCatalog) -> None:
    # given two regions whose housing-fund centres share the code "hpf"
    from tongban.regions.tests.factories import DepartmentFactory

    bj = DepartmentFactory.create(region_id="110000", code="hpf", name="北京住房公积金管理中心（hpf）")
    tj = DepartmentFactory.create(region_id="120000", code="hpf", name="天津住房公积金管理中心（hpf）")
    bj_item = ServiceItemFactory.create(department=bj, region_id="110000", name="公积金甲")
    tj_item = ServiceItemFactory.create(department=tj, region_id="120000", name="公积金乙")
    # when the search page is shown without a region, then the options say which region they belong to
    html = text(client.get("/search/"))
    assert 'value="110000:hpf"' in html and 'value="120000:hpf"' in html
    # when the Tianjin one is chosen, then only Tianjin's items are found
    assert result_codes(text(client.get("/search/", {"department": "120000:hpf"}))) == [tj_item.code]
    # a plain code with a region works, and a plain code alone means that office in every region
    assert result_codes(text(client.get("/search/", {"region": "110000", "department": "hpf"}))) == [bj_item.code]
    assert set(result_codes(text(client.get("/search/", {"department": "hpf"})))) == {bj_item.code, tj_item.code}
    # the region-carrying value is accepted with its own region chosen
    both = {"region": "120000", "department": "120000:hpf"}
    assert result_codes(text(client.get("/search/", both))) == [tj_item.code]
    # a department of another region than the one chosen is refused with a message
    response = client.get("/search/", {"region": "110000", "department": "120000:hpf"})
    assert response.status_code == 400
    assert "不是该筛选条件的可选值" in text(response)
