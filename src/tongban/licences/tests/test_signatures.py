"""VC-JWTs checked with a different JOSE library (jwcrypto) than the one that signs (joserfc),
with the JWKS fetched over HTTP; tampering, wrong keys, key rotation and status lists."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws
from jwcrypto.common import JWException

from tongban.accounts.models import User
from tongban.core.errors import InvalidTransition
from tongban.licences import credentials, services
from tongban.licences.constants import KeyAlgorithm, KeyStatus
from tongban.licences.models import LicenceType, SigningKey
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _jwks(client: Client) -> jwcrypto_jwk.JWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return jwcrypto_jwk.JWKSet.from_json(response.content)


def _verify_with_jwcrypto(token: str, keyset: jwcrypto_jwk.JWKSet) -> dict[str, Any]:
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = keyset.get_key(header["kid"])
    if key is None:
        raise JWException("unknown kid")
    signed = jwcrypto_jws.JWS()
    signed.deserialize(token)
    signed.verify(key, alg=header["alg"])
    return dict(json.loads(signed.payload))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_vc_jwt_verifies_with_another_jose_library_and_the_published_jwks(
    api_client: Client, licence_type: LicenceType, resident: User
) -> None:
    # given an issued licence
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number, holder_name=resident.full_name)
    # when a verifier fetches the JWKS over HTTP and checks the JWT with jwcrypto
    payload = _verify_with_jwcrypto(licence.vc_jwt, _jwks(api_client))
    header = json.loads(base64.urlsafe_b64decode(licence.vc_jwt.split(".")[0] + "=="))
    # then it is a W3C VC 2.0 secured as a vc+jwt, issued by the department at this node
    assert header["typ"] == "vc+jwt" and header["alg"] == "Ed25519" and header["kid"] == licence.signing_kid
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert "VerifiableCredential" in payload["type"]
    issuer = credentials.issuer_id(licence.department)
    assert payload["issuer"]["id"] == issuer and issuer.startswith("http://127.0.0.1:8000/licences/issuers/120000/")
    assert payload["credentialSubject"]["licenceNumber"] == licence.number
    assert payload["credentialSubject"]["holderId"] == resident.id_number
    purposes = {s["statusPurpose"]: s for s in payload["credentialStatus"]}
    assert set(purposes) == {"revocation", "suspension"}
    assert purposes["revocation"]["type"] == "BitstringStatusListEntry"
    assert purposes["revocation"]["statusListIndex"] == str(licence.pk)
    # and the issuer's identifier resolves to a description pointing at the JWKS
    described = api_client.get(issuer.removeprefix("http://127.0.0.1:8000")).json()
    assert described["jwks_uri"].endswith("/.well-known/jwks.json") and described["name"] == licence.department.name


def test_a_tampered_jwt_fails_with_both_libraries(
    api_client: Client, licence_type: LicenceType, resident: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    header, payload_b64, signature = licence.vc_jwt.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    payload["credentialSubject"]["fields"]["speciality"] = "全科（篡改）"
    tampered = f"{header}.{_b64(payload)}.{signature}"
    with pytest.raises(JWException):
        _verify_with_jwcrypto(tampered, _jwks(api_client))
    result = services.licence_verify(token=tampered)
    assert not result.valid
    assert {c.name: c.passed for c in result.checks}["signature"] is False


def test_a_jwt_signed_with_another_key_under_the_same_kid_fails(licence_type: LicenceType, resident: User) -> None:
    # given a forger who copies the header (kid) and signs with their own Ed25519 key
    from joserfc import jws
    from joserfc.jwk import OKPKey

    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    header = json.loads(base64.urlsafe_b64decode(licence.vc_jwt.split(".")[0] + "=="))
    payload = base64.urlsafe_b64decode(licence.vc_jwt.split(".")[1] + "==")
    forged = jws.serialize_compact(header, payload, OKPKey.generate_key("Ed25519"), registry=credentials.REGISTRY)
    # then verification fails on the signature
    result = services.licence_verify(token=forged)
    assert not result.valid and {c.name: c.passed for c in result.checks}["signature"] is False


def test_a_jwt_with_an_unknown_kid_or_foreign_issuer_fails(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    header = json.loads(base64.urlsafe_b64decode(licence.vc_jwt.split(".")[0] + "=="))
    header["kid"] = "unknown-key"
    token = ".".join([_b64(header), *licence.vc_jwt.split(".")[1:]])
    result = services.licence_verify(token=token)
    assert not result.valid and {c.name: c.passed for c in result.checks}["issuer_key"] is False
    # garbage and alg=none are refused at the format check
    for bad in ("not-a-jwt", _b64({"alg": "none", "typ": "vc+jwt"}) + "." + _b64({"a": 1}) + "."):
        result = services.licence_verify(token=bad)
        assert not result.valid and result.checks[0].name == "format" and not result.checks[0].passed


def test_key_rotation_keeps_old_licences_verifiable_until_the_key_is_retired(
    api_client: Client, licence_type: LicenceType, resident: User
) -> None:
    # given a licence signed by the first key
    old = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    first_kid = old.signing_kid
    # when the key is rotated and a new licence is issued
    new_key = services.signing_key_rotate(actor=None)
    new = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=2)
    # then the new licence uses the new key, and both verify (the old key is still published)
    assert new.signing_kid == new_key.kid != first_kid
    keyset = _jwks(api_client)
    assert {k["kid"] for k in json.loads(keyset.export(private_keys=False))["keys"]} == {first_kid, new_key.kid}
    _verify_with_jwcrypto(old.vc_jwt, keyset)
    _verify_with_jwcrypto(new.vc_jwt, keyset)
    assert services.licence_verify(token=old.vc_jwt).valid
    # and the JWKS never contains private parts
    assert all("d" not in k for k in api_client.get("/.well-known/jwks.json").json()["keys"])
    # when the old key is retired, its credentials no longer verify
    services.signing_key_retire(kid=first_kid, actor=None)
    assert first_kid not in api_client.get("/.well-known/jwks.json").content.decode()
    assert not services.licence_verify(token=old.vc_jwt).valid
    assert services.licence_verify(token=new.vc_jwt).valid


def test_the_active_key_cannot_be_retired() -> None:
    key = services.signing_key_rotate(actor=None)
    with pytest.raises(InvalidTransition):
        services.signing_key_retire(kid=key.kid, actor=None)


def test_p256_keys_are_available(api_client: Client, licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    token, kid = credentials.sign_licence(licence, algorithm=KeyAlgorithm.ES256)
    assert SigningKey.objects.get(kid=kid).algorithm == "ES256"
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["alg"] == "ES256"
    _verify_with_jwcrypto(token, _jwks(api_client))
    assert services.licence_verify(token=token).valid


def test_private_keys_are_stored_encrypted() -> None:
    key = services.signing_key_rotate(actor=None)
    blob = bytes(key.private_key_encrypted)
    assert b"PRIVATE KEY" not in blob
    assert SigningKey.objects.filter(status=KeyStatus.ACTIVE).count() == 1


def test_revocation_shows_in_the_signed_status_list_at_once(
    api_client: Client, licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    entry = {
        s["statusPurpose"]: s for s in _verify_with_jwcrypto(licence.vc_jwt, _jwks(api_client))["credentialStatus"]
    }

    def bit(purpose: str) -> bool:
        url = entry[purpose]["statusListCredential"].removeprefix("http://127.0.0.1:8000")
        response = api_client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
        status_list = _verify_with_jwcrypto(response.content.decode(), _jwks(api_client))
        assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert status_list["credentialSubject"]["statusPurpose"] == purpose
        bits = credentials.decode_bitstring(status_list["credentialSubject"]["encodedList"])
        assert len(bits) * 8 >= 131072
        return credentials.bit_is_set(bits, int(entry[purpose]["statusListIndex"]))

    assert not bit("revocation") and not bit("suspension")
    services.licence_suspend(licence=licence, actor=licence_admin, reason="暂停")
    assert bit("suspension") and not bit("revocation")
    assert services.licence_verify(token=licence.vc_jwt).status == "suspended"
    services.licence_reinstate(licence=licence, actor=licence_admin, reason="恢复")
    assert not bit("suspension")
    # when the licence is revoked, the very next request sees it
    services.licence_revoke(licence=licence, actor=licence_admin, reason="吊销")
    assert bit("revocation")
    response = api_client.post(
        "/api/v1/licences/verify", {"vc_jwt": licence.vc_jwt}, content_type="application/json"
    ).json()
    assert response["valid"] is False and response["status"] == "revoked"


def test_bitstring_encoding_matches_the_recommendation() -> None:
    encoded = credentials.encode_bitstring([0, 7, 9, 131071])
    bits = credentials.decode_bitstring(encoded)
    assert encoded.startswith("u") and len(bits) == 16384
    assert bits[0] == 0b10000001 and bits[1] == 0b01000000 and bits[-1] == 0b00000001
