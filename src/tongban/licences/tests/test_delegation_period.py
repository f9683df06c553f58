"""An enterprise agent uses the enterprise's licences only within the authorisation's period.

Each check runs for an agent authorised from tomorrow (the day before), from today (the first day),
until today (the last day) and until yesterday (the day after): only the middle two may list, read,
download (VC-JWT, PDF), present and use the licence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.constants import MemberRole
from tongban.accounts.models import Enterprise, User
from tongban.accounts.selectors import enterprises_for_user, holder_ids_for, user_can_act_for
from tongban.accounts.tests.factories import EnterpriseFactory, EnterpriseMemberFactory, UserFactory
from tongban.core.errors import ApplicationError
from tongban.licences import selectors, services
from tongban.licences.constants import HolderKind
from tongban.licences.models import Licence, LicenceUse
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence

pytestmark = pytest.mark.django_db

# (name, days from today to authorised_from, days from today to authorised_until, may act)
PERIODS = [
    ("day_before", 1, 30, False),
    ("first_day", 0, 30, True),
    ("last_day", -30, 0, True),
    ("day_after", -30, -1, False),
]


def _agent(enterprise: Enterprise, start: int, end: int) -> User:
    today = timezone.localdate()
    member = EnterpriseMemberFactory.create(
        enterprise=enterprise,
        user=UserFactory.create(),
        role=MemberRole.AGENT,
        authorised_from=today + dt.timedelta(days=start),
        authorised_until=today + dt.timedelta(days=end),
    )
    return member.user


@pytest.fixture
def enterprise_licence() -> tuple[Enterprise, Licence]:
    enterprise = EnterpriseFactory.create()
    licence_type = LicenceTypeFactory.create(holder_kind=HolderKind.ENTERPRISE)
    licence = make_licence(licence_type=licence_type, holder_id=enterprise.uscc, holder_name=enterprise.name)
    return enterprise, licence


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "start", "end", "may"), PERIODS, ids=[p[0] for p in PERIODS])
def test_the_one_delegation_selector_honours_the_period(
    name: str, start: int, end: int, may: bool, enterprise_licence: tuple[Enterprise, Any]
) -> None:
    # given an agent authorised for the period
    enterprise, _licence = enterprise_licence
    agent = _agent(enterprise, start, end)
    # then the selector answers by the day
    assert user_can_act_for(user=agent, enterprise=enterprise) is may
    assert list(enterprises_for_user(user=agent)) == ([enterprise] if may else [])
    assert (enterprise.uscc in holder_ids_for(user=agent)) is may


@pytest.mark.parametrize(("name", "start", "end", "may"), PERIODS, ids=[p[0] for p in PERIODS])
def test_agent_lists_reads_and_downloads_the_enterprises_licences_only_within_the_period(
    name: str, start: int, end: int, may: bool, enterprise_licence: tuple[Enterprise, Licence]
) -> None:
    # given an agent authorised for the period and the enterprise's licence
    enterprise, licence = enterprise_licence
    client = _client(_agent(enterprise, start, end))
    # when they list, read and download it through the API and the pages
    api_list = client.get("/api/v1/licences/mine").json()
    api_detail = client.get(f"/api/v1/licences/{licence.number}")
    api_vc = client.get(f"/api/v1/licences/{licence.number}/vc-jwt")
    api_pdf = client.get(f"/api/v1/licences/{licence.number}/pdf")
    page_list = client.get("/licences/mine/")
    page_detail = client.get(f"/licences/mine/{licence.number}/")
    page_vc = client.get(f"/licences/mine/{licence.number}/vc-jwt")
    page_pdf = client.get(f"/licences/mine/{licence.number}/pdf")
    # then only an agent within the period gets it
    assert ([row["number"] for row in api_list] == [licence.number]) is may
    assert (licence.number in page_list.content.decode()) is may
    expected = 200 if may else 404
    for response in (api_detail, api_vc, api_pdf, page_detail, page_vc, page_pdf):
        assert response.status_code == expected
    if not may:
        assert api_detail.json()["code"] == "licence_not_found"


@pytest.mark.parametrize(("name", "start", "end", "may"), PERIODS, ids=[p[0] for p in PERIODS])
def test_agent_presents_and_uses_the_licence_only_within_the_period(
    name: str, start: int, end: int, may: bool, enterprise_licence: tuple[Enterprise, Licence]
) -> None:
    # given an agent authorised for the period
    enterprise, licence = enterprise_licence
    agent = _agent(enterprise, start, end)
    client = _client(agent)
    # when they show the licence (亮证) and offer it in place of a material
    presented = client.post(
        f"/api/v1/licences/mine/{licence.number}/presentations",
        {"fields": ["holder_name"], "seconds": 60},
        content_type="application/json",
    )
    usable = client.get("/api/v1/licences/usable", {"licence_type_code": licence.licence_type.code}).json()
    choices = selectors.licence_choices_for(user=agent, licence_type_code=licence.licence_type.code)
    used: ApplicationError | None = None
    try:
        services.licence_use_for_case(
            licence_number=licence.number,
            applicant=agent,
            case_number="",
            licence_type_code=licence.licence_type.code,
            consent=True,
        )
    except ApplicationError as exc:
        used = exc
    # then only an agent within the period may
    assert (presented.status_code == 201) is may
    assert ([row["number"] for row in usable] == [licence.number]) is may
    assert ([number for number, _label in choices] == [licence.number]) is may
    if may:
        assert used is None and LicenceUse.objects.filter(licence=licence, by_user=agent).exists()
    else:
        assert presented.json()["code"] == "licence_not_found"
        assert used is not None and used.code == "licence_not_usable"
        assert not LicenceUse.objects.filter(licence=licence).exists()
