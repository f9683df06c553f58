"""W3C Verifiable Credentials 2.0 secured as JWTs (``vc+jwt``) and Bitstring Status Lists.

A licence's credential is signed once, at issuance, by the node's active key; older keys stay
in the JWKS until retired, so rotating keys never breaks credentials already issued.
Each department's licences point to that department's status lists (one for revocation, one
for suspension), each covering ``STATUS_LIST_SIZE`` consecutive licence ids.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import ECKey, OKPKey

from tongban.licences import keys
from tongban.licences.constants import STATUS_LIST_SIZE, StatusPurpose, StoredStatus
from tongban.licences.models import Licence
from tongban.regions.models import Department

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
REGISTRY = jws.JWSRegistry(algorithms=["Ed25519", "ES256"])
VC_TYP = "vc+jwt"
PRESENTATION_TYP = "tongban-presentation+jwt"


def base_url() -> str:
    return str(settings.TONGBAN_BASE_URL).rstrip("/")


def issuer_path(*, region_code: str, department_code: str) -> str:
    return f"/licences/issuers/{region_code}/{quote(department_code, safe='')}"


def issuer_id(department: Department) -> str:
    """The issuing department's identifier at this node (a URL that describes it)."""
    return base_url() + issuer_path(region_code=department.region_id, department_code=department.code)


def status_list_url(*, department: Department, purpose: str, block: int) -> str:
    return f"{issuer_id(department)}/status/{purpose}/{block}"


def credential_id(number: str) -> str:
    return f"{base_url()}/licences/credentials/{quote(number, safe='')}"


def _iso_start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone()).isoformat()


def _iso_end(day: dt.date) -> str:
    end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return end.isoformat()


def credential_for(licence: Licence) -> dict[str, Any]:
    """The credential (unsigned) of a licence."""
    department = licence.department
    ltype = licence.licence_type
    block, _offset = divmod(licence.pk, STATUS_LIST_SIZE)
    statuses = []
    for purpose in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION):
        url = status_list_url(department=department, purpose=purpose, block=block)
        statuses.append(
            {
                "id": f"{url}#{licence.pk}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": str(purpose),
                "statusListIndex": str(licence.pk % STATUS_LIST_SIZE),
                "statusListCredential": url,
            }
        )
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": credential_id(licence.number),
        "type": ["VerifiableCredential", "TongbanLicence"],
        "issuer": {"id": issuer_id(department), "name": department.name},
        "name": ltype.name,
        "validFrom": _iso_start(licence.valid_from),
        "credentialSubject": {
            "id": f"urn:tongban:holder:{licence.holder_kind}:{licence.holder_id}",
            "holderKind": licence.holder_kind,
            "holderId": licence.holder_id,
            "holderName": licence.holder_name,
            "licenceNumber": licence.number,
            "licenceType": ltype.code,
            "licenceTypeName": ltype.name,
            "issuingRegion": licence.region_code,
            "fields": dict(licence.field_values),
        },
        "credentialStatus": statuses,
    }
    if licence.valid_to is not None:
        credential["validUntil"] = _iso_end(licence.valid_to)
    return credential


def sign_payload(payload: dict[str, Any], *, typ: str, algorithm: str | None = None) -> tuple[str, str]:
    """Sign ``payload`` with the node's active key; returns (compact JWS, key id)."""
    key_row = keys.active_key(algorithm or keys.default_algorithm())
    private: OKPKey | ECKey = keys.private_jwk(key_row)
    header = {"alg": keys.JWS_ALG[key_row.algorithm], "typ": typ, "kid": key_row.kid}
    if typ == VC_TYP:
        header["cty"] = "vc"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return jws.serialize_compact(header, body, private, registry=REGISTRY), key_row.kid


def sign_licence(licence: Licence, *, algorithm: str | None = None) -> tuple[str, str]:
    payload = credential_for(licence)
    payload["iss"] = payload["issuer"]["id"]
    payload["jti"] = payload["id"]
    payload["iat"] = int(timezone.now().timestamp())
    return sign_payload(payload, typ=VC_TYP, algorithm=algorithm)


def encode_bitstring(indexes: list[int], *, size: int = STATUS_LIST_SIZE) -> str:
    """GZIP the bitstring (index 0 = most significant bit of the first byte), multibase base64url."""
    bits = bytearray(size // 8)
    for i in indexes:
        bits[i // 8] |= 0x80 >> (i % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(*, department: Department, purpose: str, block: int) -> str:
    """The signed status list, computed from the database on every request (never stale)."""
    start = block * STATUS_LIST_SIZE
    stored = StoredStatus.REVOKED if purpose == StatusPurpose.REVOCATION else StoredStatus.SUSPENDED
    ids = Licence.objects.filter(
        department=department, id__gte=start, id__lt=start + STATUS_LIST_SIZE, status=stored
    ).values_list("id", flat=True)
    url = status_list_url(department=department, purpose=purpose, block=block)
    now = timezone.now()
    payload = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(department), "name": department.name},
        "validFrom": now.isoformat(),
        "validUntil": (now + dt.timedelta(minutes=5)).isoformat(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "ttl": 0,
            "encodedList": encode_bitstring([i - start for i in ids]),
        },
        "iss": issuer_id(department),
        "iat": int(now.timestamp()),
    }
    token, _kid = sign_payload(payload, typ=VC_TYP)
    return token
