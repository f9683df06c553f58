"""The portal in a real Chromium: pinyin search, a guide's 情形引导, elderly mode, English, accessibility."""

from __future__ import annotations

from typing import Any

import pytest

from tongban.catalog.search import reindex_all
from tongban.web.tests.factories import portal_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def font_size_px(page: Any, selector: str) -> float:
    return float(page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)"))


def test_search_by_pinyin_then_answer_a_situation_question(page: Any) -> None:
    # given a published catalog with its search index
    catalog = portal_catalog()
    reindex_all()
    for query in ("gongjijin", "gjj"):
        # when the resident types pinyin (full or initials) in the home search box
        page.goto("/")
        page.fill("#home-q", query)
        page.press("#home-q", "Enter")
        page.wait_for_url("**/search/?q=*")
        # then a housing-fund item is listed first
        first = page.locator(".result h3 a").first
        assert "公积金" in first.inner_text()
    # when they open the Tianjin guide
    page.click(f'.result h3 a[href="/items/{catalog.housing.code}/"]')
    page.wait_for_url(f"**/items/{catalog.housing.code}/")
    assert page.locator("h1").inner_text() == "住房公积金提取"
    assert page.locator("[data-material]").count() == 5
    assert page.locator("button[data-print]").is_visible()  # the script un-hides the print button
    # and printed, the guide is content only: no header, contents list or question form
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".toc").is_visible()
    assert not page.locator(".situation-form").is_visible()
    assert page.locator("#materials").is_visible() and page.locator("#contact").is_visible()
    page.emulate_media(media="screen")
    # and say they retire and apply in person
    page.get_by_label("离休、退休").check()
    page.get_by_label("本人办理").check()
    page.get_by_role("button", name="查看我需要的材料").click()
    page.wait_for_url("**reason=retire**")
    # then only the materials for that situation remain
    codes = page.locator("[data-material]").evaluate_all("els => els.map(e => e.dataset.material)")
    assert codes == ["M01", "M02"]
    assert page.get_by_text("按您的情形，共 5 项材料中需要提交 2 项").is_visible()
    # and changing the answer changes the list
    page.get_by_label("购买自住住房").check()
    page.get_by_label("委托代理人办理").check()
    page.get_by_role("button", name="查看我需要的材料").click()
    page.wait_for_url("**reason=purchase**")
    codes = page.locator("[data-material]").evaluate_all("els => els.map(e => e.dataset.material)")
    assert codes == ["M01", "M03", "M04", "M05"]


def test_elderly_mode_stays_on_across_pages_and_languages(page: Any) -> None:
    catalog = portal_catalog()
    page.goto("/")
    assert font_size_px(page, "body") < 20
    # when the resident switches to the elderly-friendly mode
    page.click("#elderly-toggle")
    page.wait_for_selector("body.elderly")
    # then the type is large, and it stays on for other pages
    assert font_size_px(page, "body") >= 20
    for url in ("/search/?q=gjj", f"/items/{catalog.housing.code}/", "/uniformity/"):
        page.goto(url)
        assert "elderly" in (page.get_attribute("body", "class") or ""), url
        assert font_size_px(page, "body") >= 20
        assert font_size_px(page, "h1") > font_size_px(page, "body")
    # when they switch to English, then the page is English and still in elderly mode
    page.goto(f"/items/{catalog.housing.code}/")
    page.click("#language-switch")
    page.wait_for_selector('html[lang="en"]')
    assert page.locator("h1").inner_text() == "Withdrawal of housing provident fund"
    assert "elderly" in (page.get_attribute("body", "class") or "")
    assert page.locator("#elderly-toggle").inner_text().strip().endswith("Standard mode")
    # and back to Chinese and the standard mode
    page.click("#language-switch")
    page.wait_for_selector('html[lang="zh-Hans"]')
    page.click("#elderly-toggle")
    page.wait_for_function("!document.body.classList.contains('elderly')")
    page.goto("/")
    assert font_size_px(page, "body") < 20


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_resident_pages_have_no_serious_accessibility_violations(page: Any, axe_serious: Any, elderly: bool) -> None:
    catalog = portal_catalog()
    reindex_all()
    if elderly:
        page.goto("/")
        page.click("#elderly-toggle")
        page.wait_for_selector("body.elderly")
    pages = {
        "home": "/",
        "search results": "/search/?q=gongjijin",
        "search with filters": "/search/?q=gjj&region=120000&kind=public_service",
        "no results": "/search/?q=宇宙飞船",
        "bad filter": "/search/?kind=bogus",
        "guide": f"/items/{catalog.housing.code}/",
        "guide with answers": f"/items/{catalog.housing.code}/?reason=retire&agent=no",
        "uniformity": "/uniformity/000130101000/",
        "uniformity report": "/uniformity/",
        "not found": "/items/NOPE/",
    }
    found = {}
    for name, url in pages.items():
        page.goto(url)
        assert ("elderly" in (page.get_attribute("body", "class") or "")) is elderly
        violations = axe_serious(page)
        if violations:
            found[name] = violations
    assert found == {}
