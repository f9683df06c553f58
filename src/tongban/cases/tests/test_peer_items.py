"""A peer region's item held in this node's catalog is applied for only through the cross-region
paths; a local application for it is refused everywhere with ``item_of_peer_region``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import services
from tongban.cases.constants import CaseStatus
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.tests.factories import make_item, resident, staff, upload_all
from tongban.catalog.models import ServiceItem
from tongban.regions.models import Region
from tongban.regions.selectors import is_local
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing_item() -> ServiceItem:
    """A Beijing item pulled into this (Tianjin) node's catalog, with a Beijing department."""
    beijing = Region.objects.get(code="110000")
    return make_item(region=beijing, department=DepartmentFactory.create(region=beijing, code="BJ-SCJG"))


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("own", "code", "local"),
    [
        ("120000", "120000", True),
        ("120000", "120101", True),
        ("120000", "110000", False),
        ("120000", "130100", False),
        ("130100", "130102", True),
        ("130100", "130000", False),
        ("130100", "130200", False),
    ],
)
def test_local_regions_are_this_nodes_region_and_those_within_it(own: str, code: str, local: bool) -> None:
    with override_settings(TONGBAN_REGION=own):
        assert is_local(region_code=code) is local


def test_the_api_refuses_a_draft_for_a_peer_regions_item(beijing_item: ServiceItem) -> None:
    # given a Tianjin resident
    applicant = resident()
    # when they start a draft for the Beijing item through the API
    response = logged_in(applicant).post(
        "/api/v1/cases/drafts",
        {"item_code": beijing_item.code, "form_data": {"applicant_name": "张三"}},
        content_type="application/json",
    )
    # then it is refused with a stable code and a Chinese message, and nothing is stored
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "item_of_peer_region" and "跨省通办" in body["message"]
    assert body["details"] == {"region": "110000", "item": beijing_item.code}
    assert not Case.objects.exists()


def test_the_apply_page_sends_the_resident_to_the_cross_region_services(beijing_item: ServiceItem) -> None:
    # given a Tianjin resident on the Beijing item
    client = logged_in(resident())
    # when they open its application page or post it
    opened = client.get(f"/cases/apply/{beijing_item.code}/")
    posted = client.post(f"/cases/apply/{beijing_item.code}/", {"f-applicant_name": "张三", "action": "save"})
    # then both lead to the cross-region page with the reason, and nothing is stored
    for response in (opened, posted):
        assert response.status_code == 302 and response["Location"].startswith("/cross-region/online/")
    page = client.get(opened["Location"])
    assert "跨省通办" in page.content.decode()
    assert not Case.objects.exists()
    # and the guide page offers the cross-region path instead of the local application
    guide = client.get(f"/items/{beijing_item.code}/")
    assert guide.status_code == 200
    html = guide.content.decode()
    assert 'id="apply-cross-region"' in html and 'id="apply-online"' not in html


def test_a_window_clerk_cannot_receive_it_as_a_local_case(beijing_item: ServiceItem) -> None:
    # given a clerk who (wrongly) holds a role in the Beijing department at this node
    clerk = staff(beijing_item.department, StaffRoleKind.WINDOW_CLERK)
    # when the clerk opens the window form, and receives it through the service
    page = logged_in(clerk).get(f"/cases/window/{beijing_item.code}/")
    with pytest.raises(services.ItemOfPeerRegion):
        services.case_window_receive(
            actor=clerk,
            applicant=services.WindowApplicant(id_number=resident().id_number, full_name="张三"),
            item=beijing_item,
            form_data={"applicant_name": "张三"},
            identity_check_method="id_card_reader",
        )
    # then both are refused
    assert page.status_code == 404
    assert not Case.objects.exists()


def test_a_draft_made_before_the_rule_cannot_be_submitted(beijing_item: ServiceItem) -> None:
    # given a draft for the Beijing item stored before the rule existed
    applicant = resident()
    case = Case.objects.create(
        applicant=applicant,
        item=beijing_item,
        department=beijing_item.department,
        region=beijing_item.region,
        form_data={"applicant_name": "张三"},
    )
    CaseMaterial.objects.bulk_create([CaseMaterial(case=case, material=m) for m in beijing_item.materials.all()])
    upload_all(case, applicant)
    # when the applicant submits it, then it is refused and keeps no number
    with pytest.raises(services.ItemOfPeerRegion):
        services.case_submit(case=case, actor=applicant)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and not case.number


def test_a_districts_item_is_local(settings: Any) -> None:
    # given an item of a Tianjin district at the Tianjin node
    district = Region.objects.filter(code__startswith="12").exclude(code="120000").first()
    assert district is not None
    item = make_item(region=district)
    # then a resident may apply for it
    case = services.case_draft_create(actor=resident(), item=item, form_data={"applicant_name": "张三"})
    assert case.region_id == district.code
