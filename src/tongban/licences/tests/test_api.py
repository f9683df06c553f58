"""The licences API: verification, the holder's own licences, staff actions and their refusals."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.accounts.models import User
from tongban.core.models import AuditEvent
from tongban.licences.models import LicenceType, LicenceUse
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_verify_by_number_and_holder_returns_minimal_fields_and_logs_the_use(
    api_client: Client, licence_type: LicenceType, resident: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number, holder_name="王小明")
    body = api_client.post(
        "/api/v1/licences/verify",
        {"number": licence.number.lower(), "holder_id": resident.id_number},
        content_type="application/json",
    ).json()
    assert body["valid"] is True and body["status"] == "valid"
    assert body["licence"]["number"] == licence.number and body["licence"]["holder_name"] == "王小明"
    assert "holder_id" not in body["licence"] and "fields" not in body["licence"]
    assert [c["name"] for c in body["checks"]] == ["format", "record", "status"]
    use = LicenceUse.objects.get(licence=licence)
    assert use.kind == "verified" and use.valid_at_use


def test_verify_with_someone_elses_id_says_nothing_about_the_licence(
    api_client: Client, licence_type: LicenceType, resident: User, other_resident: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    body = api_client.post(
        "/api/v1/licences/verify",
        {"number": licence.number, "holder_id": other_resident.id_number},
        content_type="application/json",
    ).json()
    assert body["valid"] is False and body["status"] == "unknown" and body["licence"] is None
    assert LicenceUse.objects.count() == 0


def test_verify_refuses_bad_input_with_stable_codes(api_client: Client) -> None:
    response = api_client.post("/api/v1/licences/verify", {}, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "verify_input_missing"
    assert "许可证" in response.json()["message"] or response.json()["message"]
    body = api_client.post(
        "/api/v1/licences/verify",
        {"number": "YYZZ-120000-00000001Z", "holder_id": "x"},
        content_type="application/json",
    ).json()
    assert body["valid"] is False and body["checks"][0] == {
        "name": "format",
        "passed": False,
        "detail": body["checks"][0]["detail"],
    }
    response = api_client.post("/api/v1/licences/verify", {"number": 5 * "x" * 100}, content_type="application/json")
    assert response.status_code == 422


def test_holder_sees_own_licences_and_not_others(
    licence_type: LicenceType, resident: User, other_resident: User
) -> None:
    mine = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    theirs = make_licence(licence_type=licence_type, holder_id=other_resident.id_number, n=2)
    client = _client(resident)
    numbers = [lic["number"] for lic in client.get("/api/v1/licences/mine").json()]
    assert numbers == [mine.number]
    assert client.get(f"/api/v1/licences/{mine.number}").json()["history"][0]["action"] == "issue"
    for path in (
        f"/api/v1/licences/{theirs.number}",
        f"/api/v1/licences/{theirs.number}/vc-jwt",
        f"/api/v1/licences/{theirs.number}/pdf",
    ):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "licence_not_found"
    response = client.post(
        f"/api/v1/licences/mine/{theirs.number}/presentations", {"fields": []}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/licences/{mine.number}/vc-jwt").content.decode() == mine.vc_jwt
    assert Client().get("/api/v1/licences/mine").status_code == 401


def test_staff_issue_and_revoke_through_the_api(licence_type: LicenceType, licence_admin: User, resident: User) -> None:
    client = _client(licence_admin)
    response = client.post(
        "/api/v1/licences/",
        {
            "type_code": licence_type.code,
            "holder_id": resident.id_number,
            "holder_name": resident.full_name,
            "fields": {"speciality": "儿科"},
            "reason": "窗口发证",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    response = client.post(f"/api/v1/licences/{number}/revoke", {"reason": ""}, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "reason_required"
    response = client.post(f"/api/v1/licences/{number}/revoke", {"reason": "吊销"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    response = client.post(f"/api/v1/licences/{number}/suspend", {"reason": "暂停"}, content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "invalid_transition"
    # a staff read of someone's licence is audited
    client.get(f"/api/v1/licences/{number}")
    assert AuditEvent.objects.filter(
        stream=f"licence:{number}", action="licence.read", actor_id=licence_admin.pk
    ).exists()


def test_holder_cannot_revoke_their_own_licence_nor_issue(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    client = _client(resident)
    response = client.post(
        f"/api/v1/licences/{licence.number}/revoke", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_licence_admin"
    response = client.post(
        "/api/v1/licences/",
        {
            "type_code": licence_type.code,
            "holder_id": resident.id_number,
            "holder_name": "我",
            "fields": {"speciality": "x"},
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_jwks_is_public_json(api_client: Client, licence_type: LicenceType, resident: User) -> None:
    make_licence(licence_type=licence_type, holder_id=resident.id_number)
    response = api_client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    [key] = response.json()["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["use"] == "sig" and "d" not in key


def test_types_are_listed(api_client: Client, licence_type: LicenceType) -> None:
    body = api_client.get("/api/v1/licences/types").json()
    assert [t["code"] for t in body] == [licence_type.code]
