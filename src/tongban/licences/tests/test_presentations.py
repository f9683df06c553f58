"""亮证: short-lived, single-use presentations with only the fields the holder chose."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.models import User
from tongban.core.errors import ValidationFailed
from tongban.licences import services
from tongban.licences.models import LicenceType, LicenceUse, Presentation
from tongban.licences.selectors import LicenceNotFound
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def test_presentation_shows_chosen_fields_once(
    api_client: Client, licence_type: LicenceType, resident: User, licence_admin: User
) -> None:
    licence = make_licence(
        licence_type=licence_type,
        holder_id=resident.id_number,
        holder_name="王小明",
        field_values={"speciality": "内科", "first_issued": "2019-01-01"},
    )
    client = Client()
    client.force_login(resident)
    response = client.post(
        f"/api/v1/licences/mine/{licence.number}/presentations",
        {"fields": ["speciality"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    created = response.json()
    assert created["qr_svg"].startswith("<svg") and "/licences/verify/presentation/?t=" in created["url"]
    expires = dt.datetime.fromisoformat(created["expires_at"])
    assert dt.timedelta(minutes=4) < expires - timezone.now() <= dt.timedelta(minutes=5)
    # when a verifier checks it
    body = api_client.post(
        "/api/v1/licences/presentations/verify", {"token": created["token"]}, content_type="application/json"
    ).json()
    # then it is valid and shows only the chosen field: not the name, not the other field
    assert body["valid"] is True and body["disclosed"] == {"执业范围": "内科"}
    assert body["licence"]["holder_name"] == "" and "2019-01-01" not in str(body)
    assert LicenceUse.objects.get(licence=licence).kind == "presented"
    # and a second scan is refused as a replay
    again = api_client.post(
        "/api/v1/licences/presentations/verify", {"token": created["token"]}, content_type="application/json"
    ).json()
    assert again["valid"] is False and again["disclosed"] is None
    assert {c["name"]: c["passed"] for c in again["checks"]}["not_replayed"] is False


def test_expired_presentation_is_refused(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    presentation, token = services.licence_present(licence=licence, holder=resident, fields=["holder_name"], seconds=30)
    # when the clock passes its expiry (the signed exp is in the past)
    later = timezone.now() + dt.timedelta(seconds=31)
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=later):
        result = services.presentation_verify(token=token)
    assert not result.valid and {c.name: c.passed for c in result.checks}["not_expired"] is False
    presentation.refresh_from_db()
    assert presentation.consumed_at is None


def test_a_tampered_presentation_is_refused(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    _presentation, token = services.licence_present(licence=licence, holder=resident, fields=["holder_name"])
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    result = services.presentation_verify(token=tampered)
    assert not result.valid
    # a licence credential is not accepted as a presentation either
    assert not services.presentation_verify(token=licence.vc_jwt).valid


def test_only_the_holder_can_show_a_valid_licence(
    licence_type: LicenceType, resident: User, other_resident: User, licence_admin: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    with pytest.raises(LicenceNotFound):
        services.licence_present(licence=licence, holder=other_resident, fields=[])
    with pytest.raises(ValidationFailed):
        services.licence_present(licence=licence, holder=resident, fields=["secret"])
    services.licence_revoke(licence=licence, actor=licence_admin, reason="吊销")
    with pytest.raises(services.LicenceNotUsable):
        services.licence_present(licence=licence, holder=resident, fields=[])
    assert Presentation.objects.count() == 0


def test_a_presentation_of_a_licence_revoked_after_showing_is_not_valid(
    licence_type: LicenceType, resident: User, licence_admin: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    _presentation, token = services.licence_present(licence=licence, holder=resident, fields=["holder_name"])
    services.licence_revoke(licence=licence, actor=licence_admin, reason="吊销")
    result = services.presentation_verify(token=token)
    assert not result.valid and result.status == "revoked"
