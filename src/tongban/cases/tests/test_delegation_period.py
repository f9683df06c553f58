"""An enterprise's cases are open to whoever may act for it today, and only to them.

Agents authorised from tomorrow (the day before), from today (the first day), until today (the
last day) and until yesterday (the day after). (The applicant keeps the application they filed,
test_workflow.test_enterprise_cases_are_shared_with_the_people_who_may_act_for_it.)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.constants import MemberRole
from tongban.accounts.models import Enterprise, EnterpriseMember, User
from tongban.accounts.tests.factories import EnterpriseMemberFactory, UserFactory
from tongban.cases import selectors, services
from tongban.cases.models import Case
from tongban.cases.tests.factories import make_item

pytestmark = pytest.mark.django_db

PERIODS = [
    ("day_before", 1, 30, False),
    ("first_day", 0, 30, True),
    ("last_day", -30, 0, True),
    ("day_after", -30, -1, False),
]


def _member(
    enterprise: Enterprise | None, start: int, end: int | None, role: str = MemberRole.AGENT
) -> EnterpriseMember:
    today = timezone.localdate()
    kwargs = {"enterprise": enterprise} if enterprise is not None else {}
    return EnterpriseMemberFactory.create(
        user=UserFactory.create(),
        role=role,
        authorised_from=today + dt.timedelta(days=start),
        authorised_until=today + dt.timedelta(days=end) if end is not None else None,
        **kwargs,
    )


def _enterprise_case() -> Case:
    rep = _member(None, -100, None, role=MemberRole.LEGAL_REPRESENTATIVE)
    return services.case_draft_create(
        actor=rep.user, item=make_item(), form_data={"applicant_name": "李四"}, enterprise=rep.enterprise
    )


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.parametrize(("name", "start", "end", "may"), PERIODS, ids=[p[0] for p in PERIODS])
def test_agent_sees_and_acts_on_the_enterprises_cases_only_within_the_period(
    name: str, start: int, end: int, may: bool
) -> None:
    # given an enterprise's draft case and an agent authorised for the period
    case = _enterprise_case()
    assert case.enterprise is not None
    agent = _member(case.enterprise, start, end).user
    client = _client(agent)
    # when the agent looks for the case and opens it
    listed = [row["id"] for row in client.get("/api/v1/cases/mine").json()]
    api_detail = client.get(f"/api/v1/cases/{case.pk}")
    page = client.get(f"/cases/{case.pk}/")
    # then only an agent within the period finds it and may act on it
    assert services.is_applicant_side(actor=agent, case=case) is may
    assert (selectors.access_for(user=agent, case=case) is not None) is may
    assert (case.pk in listed) is may
    assert api_detail.status_code == (200 if may else 404)
    assert page.status_code == (200 if may else 404)
