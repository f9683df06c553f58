"""The licence administrator's pages: search, status changes with reasons, import; others are refused."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.core.models import AuditEvent
from tongban.licences.constants import StoredStatus
from tongban.licences.models import Licence, LicenceType
from tongban.licences.tests.factories import make_licence
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_admin_finds_and_revokes_with_a_reason(licence_type: LicenceType, licence_admin: User, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    client = _client(licence_admin)
    page = client.get("/licences/staff/", {"q": resident.id_number})
    assert page.status_code == 200 and licence.number in page.content.decode()
    detail = client.get(f"/licences/staff/{licence.number}/")
    assert detail.status_code == 200
    assert AuditEvent.objects.filter(action="licence.read", actor_id=licence_admin.pk).exists()
    # a missing reason is refused with a message, nothing changes
    response = client.post(f"/licences/staff/{licence.number}/", {"action": "revoke", "reason": ""})
    assert response.status_code == 200 and "请填写原因" in response.content.decode()
    licence.refresh_from_db()
    assert licence.status == StoredStatus.VALID
    response = client.post(f"/licences/staff/{licence.number}/", {"action": "revoke", "reason": "以欺骗手段取得"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.status == StoredStatus.REVOKED and licence.status_reason == "以欺骗手段取得"


def test_reissue_from_the_page_leads_to_the_new_licence(
    licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    response = _client(licence_admin).post(
        f"/licences/staff/{licence.number}/", {"action": "reissue", "reason": "遗失补发"}
    )
    new = Licence.objects.get(replaces=licence)
    assert response.status_code == 302 and response["Location"].endswith(f"/licences/staff/{new.number}/")


def test_other_staff_and_residents_are_refused(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    elsewhere = StaffFactory.create(roles=[(DepartmentFactory.create(), StaffRoleKind.LICENCE_ADMIN)])
    assert _client(elsewhere).get(f"/licences/staff/{licence.number}/").status_code == 404
    listing = _client(elsewhere).get("/licences/staff/", {"q": licence.number}).content.decode()
    assert f"/licences/staff/{licence.number}/" not in listing
    assert _client(resident).get("/licences/staff/").status_code == 403
    response = _client(resident).post(f"/licences/staff/{licence.number}/", {"action": "revoke", "reason": "x"})
    assert response.status_code == 404
    licence.refresh_from_db()
    assert licence.status == StoredStatus.VALID


def test_import_errors_are_listed_on_the_page(licence_type: LicenceType, licence_admin: User) -> None:
    upload = io.BytesIO(f"type_code,holder_id,holder_name\n{licence_type.code},bad,甲\n".encode())
    upload.name = "bad.csv"
    response = _client(licence_admin).post("/licences/staff/", {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and "未导入任何数据" in body and "holder_id" in body
    assert Licence.objects.count() == 0
