"""Audit events of the licences context (one constructor per event), written with ``core.audit.record``."""

from __future__ import annotations

from typing import Any

from tongban.core.audit import record
from tongban.core.models import AuditEvent
from tongban.licences.models import Licence, SigningKey

KEY_STREAM = "licence-keys"


def _stream(licence: Licence) -> str:
    return f"licence:{licence.number}"


def licence_issued(*, licence: Licence, actor: Any, reason: str = "") -> AuditEvent:
    return record(
        stream=_stream(licence),
        action="licence.issued",
        object_type="licence",
        object_id=licence.number,
        actor=actor,
        reason=reason,
        data={
            "type": licence.licence_type.code,
            "holder_id": licence.holder_id,
            "department": licence.department_id,
            "case_number": licence.case_number,
            "replaces": licence.replaces.number if licence.replaces else "",
            "kid": licence.signing_kid,
        },
    )


def licence_status_changed(
    *, licence: Licence, actor: Any, action: str, from_status: str, to_status: str, reason: str
) -> AuditEvent:
    return record(
        stream=_stream(licence),
        action=f"licence.{action}",
        object_type="licence",
        object_id=licence.number,
        actor=actor,
        reason=reason,
        data={"from": from_status, "to": to_status},
    )


def licence_read(*, licence: Licence, actor: Any, purpose: str) -> AuditEvent:
    """A member of staff (or an administrator's script) read the licence's personal data."""
    return record(
        stream=_stream(licence),
        action="licence.read",
        object_type="licence",
        object_id=licence.number,
        actor=actor,
        reason=purpose,
    )


def licence_used_in_case(*, licence: Licence, actor: Any, case_number: str, material_code: str) -> AuditEvent:
    return record(
        stream=_stream(licence),
        action="licence.used_in_case",
        object_type="licence",
        object_id=licence.number,
        actor=actor,
        reason="consent given by the holder",
        data={"case_number": case_number, "material_code": material_code},
    )


def licence_presented(*, licence: Licence, actor: Any, jti: str, fields: list[str]) -> AuditEvent:
    return record(
        stream=_stream(licence),
        action="licence.presentation_created",
        object_type="licence",
        object_id=licence.number,
        actor=actor,
        data={"jti": jti, "fields": fields},
    )


def licences_imported(*, actor: Any, count: int, file_name: str, numbers: list[str]) -> AuditEvent:
    return record(
        stream="licence-imports",
        action="licence.imported",
        object_type="licence_import",
        object_id=file_name[:120] or "upload",
        actor=actor,
        data={"count": count, "first": numbers[:5], "last": numbers[-5:]},
    )


def signing_key_rotated(*, key: SigningKey, previous: SigningKey | None, actor: Any) -> AuditEvent:
    return record(
        stream=KEY_STREAM,
        action="licence_key.rotated",
        object_type="signing_key",
        object_id=key.kid,
        actor=actor,
        data={"algorithm": key.algorithm, "previous": previous.kid if previous else ""},
    )


def signing_key_retired(*, key: SigningKey, actor: Any) -> AuditEvent:
    return record(
        stream=KEY_STREAM,
        action="licence_key.retired",
        object_type="signing_key",
        object_id=key.kid,
        actor=actor,
    )
