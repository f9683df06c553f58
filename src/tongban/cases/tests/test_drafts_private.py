"""A draft belongs to its applicant until it is submitted: no member of staff opens it or its files."""

from __future__ import annotations

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import selectors, services
from tongban.cases.tests.factories import make_item, resident, staff, upload_all

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_staff_cannot_open_a_draft_or_its_files_until_it_is_submitted() -> None:
    # given a resident's draft with its files uploaded, and the department's reviewer, head and the region's supervisor
    item = make_item()
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    material = case.materials.get(material__code="ID")
    readers = [
        staff(item.department, StaffRoleKind.REVIEWER),
        staff(item.department, StaffRoleKind.DEPARTMENT_HEAD),
        staff(item.department, StaffRoleKind.SUPERVISOR),
    ]
    # when each of them looks for it, opens it and downloads its file (pages and API)
    for reader in readers:
        client = logged_in(reader)
        listed = [row["id"] for row in client.get("/api/v1/cases/").json()]
        # then it is as if it did not exist
        assert case.pk not in listed
        assert selectors.access_for(user=reader, case=case) is None
        assert client.get(f"/cases/{case.pk}/").status_code == 404
        assert client.get(f"/cases/{case.pk}/materials/{material.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
        assert client.get(f"/api/v1/cases/{case.pk}/materials/ID/file").status_code == 404
    # while the applicant has it all
    own = logged_in(applicant)
    assert own.get(f"/cases/{case.pk}/materials/{material.pk}/").status_code == 200
    # and once it is submitted, the department's reviewer opens it
    services.case_submit(case=case, actor=applicant)
    reviewer = logged_in(readers[0])
    assert reviewer.get(f"/api/v1/cases/{case.pk}").status_code == 200
    assert reviewer.get(f"/cases/{case.pk}/materials/{material.pk}/").status_code == 200
    assert case.pk in [row["id"] for row in reviewer.get("/api/v1/cases/").json()]
