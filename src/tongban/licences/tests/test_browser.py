"""A real browser: the holder shows a licence (亮证), a verifier scans it; the public verification page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.accounts.tests.factories import UserFactory
from tongban.licences import services
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence


@pytest.fixture(autouse=True)
def _regions(transactional_db: Any) -> None:
    """Transactional tests flush every table, the regions of the data migration included: reload them."""
    from tongban.regions.data import REGIONS
    from tongban.regions.models import Region

    if Region.objects.filter(code="120000").exists():
        return
    for code, name, name_en, level, parent in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent_id": parent}
        )


def _login(page: Any, user: Any, live_server: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_show_a_licence_by_qr_code_and_verify_it(page: Any, live_server: Any, axe_serious: Any, settings: Any) -> None:
    # given a resident with a licence, and the node reachable at the live server's address
    settings.TONGBAN_BASE_URL = live_server.url
    resident = UserFactory.create(full_name="王小明")
    ltype = LicenceTypeFactory.create(name="医师执业证书")
    licence = make_licence(
        licence_type=ltype,
        holder_id=resident.id_number,
        holder_name="王小明",
        field_values={"speciality": "内科专业", "first_issued": "2019-01-01"},
    )
    _login(page, resident, live_server)

    # when the resident opens "my licences"
    page.goto("/licences/mine/")
    assert page.get_by_role("heading", name="我的证照").is_visible()
    assert axe_serious(page) == []
    page.get_by_role("link", name="医师执业证书").click()
    assert page.get_by_text(licence.number).first.is_visible()

    # and shows the licence with only the speciality (not the name)
    page.get_by_label("持证主体").uncheck()
    page.get_by_label("执业范围").check()
    page.get_by_role("button", name="生成亮证二维码").click()
    qr = page.get_by_test_id("qr")
    assert qr.locator("svg").is_visible()
    assert axe_serious(page) == []
    link = page.get_by_test_id("presentation-link").get_attribute("href")
    assert link and link.startswith(live_server.url + "/licences/verify/presentation/?t=")

    # then a verifier (another browser, not logged in) scanning it sees validity and that field only
    verifier = page.context.browser.new_context(locale="zh-CN", base_url=live_server.url)
    scan = verifier.new_page()
    scan.goto(link)
    assert scan.get_by_test_id("verdict").inner_text() == "证照有效"
    assert scan.get_by_test_id("disclosed").inner_text() == "内科专业"
    assert "王小明" not in scan.content() and resident.id_number not in scan.content()
    assert axe_serious(scan) == []
    # and scanning the same code again is refused
    scan.reload()
    assert scan.get_by_test_id("verdict").inner_text() == "无效"
    assert scan.get_by_text("该二维码已被使用").is_visible()

    # the holder sees who scanned it in the uses of their licences
    page.goto("/licences/mine/uses/")
    assert page.get_by_role("cell", name="亮证扫码").is_visible()
    assert axe_serious(page) == []

    # the public verification page: valid, then revoked (within one request of the change)
    scan.goto("/licences/verify/")
    assert axe_serious(scan) == []
    scan.get_by_label("证照编号", exact=True).fill(licence.number)
    scan.get_by_label("持证主体身份证号或统一社会信用代码").fill(resident.id_number)
    scan.get_by_role("button", name="核验").first.click()
    assert scan.get_by_test_id("verdict").inner_text() == "证照有效"
    assert axe_serious(scan) == []
    services.licence_revoke(licence=licence, actor=None, reason="吊销")
    scan.get_by_role("button", name="核验").first.click()
    assert scan.get_by_test_id("verdict").inner_text() == "无效"
    assert scan.get_by_test_id("status").inner_text() == "已吊销/注销"
    verifier.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_someone_elses_licence_page_is_not_found(page: Any, live_server: Any) -> None:
    owner = UserFactory.create()
    intruder = UserFactory.create()
    licence = make_licence(holder_id=owner.id_number)
    _login(page, intruder, live_server)
    response = page.goto(f"/licences/mine/{licence.number}/")
    assert response is not None and response.status == 404
    response = page.goto(f"/licences/mine/{licence.number}/pdf")
    assert response is not None and response.status == 404
