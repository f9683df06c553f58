"""``POST /api/v1/licences/uses`` records a use only for an application of the caller's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.accounts.models import User
from tongban.cases import services as case_services
from tongban.cases.tests.factories import make_item, resident, submitted_case
from tongban.licences.models import LicenceType, LicenceUse
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _use(client: Client, licence_number: str, type_code: str, case_number: str) -> Any:
    return client.post(
        "/api/v1/licences/uses",
        {"licence_number": licence_number, "case_number": case_number, "licence_type_code": type_code, "consent": True},
        content_type="application/json",
    )


def test_a_use_is_refused_for_a_case_that_does_not_exist_or_is_someone_elses(licence_type: LicenceType) -> None:
    # given a resident holding a licence, and another resident's submitted case
    holder = resident()
    licence = make_licence(licence_type=licence_type, holder_id=holder.id_number)
    others = submitted_case(applicant=resident())
    client = _client(holder)
    # when the holder records uses for a made-up number and for the other resident's case
    for number in ("120000-20990101-999999", str(others.number), "draft #999999", ""):
        response = _use(client, licence.number, licence_type.code, number)
        # then each is refused and nothing is recorded
        assert response.status_code in (404, 422)
        if response.status_code == 404:
            assert response.json()["code"] == "case_not_found"
    assert not LicenceUse.objects.exists()


def test_a_use_is_recorded_for_the_callers_own_case_and_draft(licence_type: LicenceType) -> None:
    # given a resident holding a licence, with a submitted case and a draft
    holder = resident()
    licence = make_licence(licence_type=licence_type, holder_id=holder.id_number)
    case = submitted_case(applicant=holder)
    draft = case_services.case_draft_create(actor=holder, item=make_item(), form_data={"applicant_name": "张三"})
    client = _client(holder)
    # when they record the uses
    for number in (str(case.number), str(draft)):
        response = _use(client, licence.number, licence_type.code, number)
        # then they are recorded
        assert response.status_code == 201, response.content
    assert sorted(LicenceUse.objects.values_list("case_number", flat=True)) == sorted([str(case.number), str(draft)])
