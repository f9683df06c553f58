"""Verifying licences: by number and holder ID or by VC-JWT (ADR 0018), and 亮证 — a holder's short-lived,
single-use presentation of chosen fields, checked when scanned. Every verification is logged for the holder."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.accounts.selectors import holder_ids_for
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.licences import credentials, events, store
from tongban.licences.constants import (
    PRESENTATION_SECONDS_DEFAULT,
    PRESENTATION_SECONDS_MAX,
    LicenceStatus,
    UseKind,
)
from tongban.licences.models import Licence, LicenceUse, Presentation
from tongban.licences.numbers import is_well_formed
from tongban.licences.selectors import LicenceNotFound, minimal
from tongban.licences.verification import Check, is_local_issuer, verify_compact


class LicenceNotUsable(ApplicationError):
    status = 409
    default_code = "licence_not_usable"
    default_message = _("This licence cannot be used: it is not valid or not yours.")


# ---------------------------------------------------------------- verification


@dataclass
class VerificationResult:
    valid: bool
    status: str
    licence: dict[str, Any] | None = None
    checks: list[Check] = field(default_factory=list)
    disclosed: dict[str, str] | None = None
    expires_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "valid": self.valid,
            "status": self.status,
            "licence": self.licence,
            "checks": [c.as_dict() for c in self.checks],
        }
        if self.disclosed is not None:
            body["disclosed"] = self.disclosed
        return body


def record_use(
    *,
    licence: Licence,
    kind: str,
    by_user: User | None,
    by_label: str,
    source: str,
    valid: bool,
    case_number: str = "",
    material_code: str = "",
) -> None:
    LicenceUse.objects.create(
        licence=licence,
        kind=kind,
        by_user=by_user if by_user is not None and by_user.is_authenticated else None,
        by_label=(by_label or (by_user.display_name if by_user is not None and by_user.is_authenticated else ""))[:200],
        source=source[:100],
        valid_at_use=valid,
        case_number=case_number,
        material_code=material_code,
    )


STATUS_MESSAGES = {
    LicenceStatus.VALID: "",
    LicenceStatus.SUSPENDED: _("The licence is suspended."),
    LicenceStatus.REVOKED: _("The licence has been revoked."),
    LicenceStatus.EXPIRED: _("The licence has expired."),
}


def status_check(licence: Licence) -> tuple[str, Check]:
    status = licence.effective_status()
    return status, Check("status", status == LicenceStatus.VALID, str(STATUS_MESSAGES[status]))


def licence_verify(
    *,
    token: str | None = None,
    number: str | None = None,
    holder_id: str | None = None,
    by_user: User | None = None,
    by_label: str = "",
    source: str = "",
) -> VerificationResult:
    """Verify a licence by its VC-JWT or by number + holder id; the use is logged for the holder.

    Not wrapped in a transaction: the lookup and the log entry are one statement (ADR 0018)."""
    if token:
        return _verify_token(token=token, by_user=by_user, by_label=by_label, source=source)
    if not number or not holder_id:
        raise ValidationFailed(
            _("Give the signed credential, or the licence number and the holder's ID."), code="verify_input_missing"
        )
    checks: list[Check] = []
    number = number.strip().upper()
    if not is_well_formed(number):
        checks.append(
            Check("format", False, str(_("The licence number is malformed or its check character is wrong.")))
        )
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("format", True))
    found = store.verify_and_log(
        number=number, holder_id=holder_id.strip().upper(), by_user=by_user, by_label=by_label, source=source
    )
    if found is None or not found.holder_matches:
        # The same answer whether the number is unknown or belongs to someone else.
        checks.append(Check("record", False, str(_("No licence with this number is held by this holder."))))
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("record", True))
    valid = found.status == LicenceStatus.VALID
    checks.append(Check("status", valid, str(STATUS_MESSAGES[found.status])))
    return VerificationResult(valid=valid, status=found.status, licence=found.licence, checks=checks)


def _verify_token(*, token: str, by_user: User | None, by_label: str, source: str) -> VerificationResult:
    jwt_check = verify_compact(token)
    checks = list(jwt_check.checks)
    payload = jwt_check.payload
    if payload is None:
        return VerificationResult(valid=False, status="unknown", checks=checks)
    subject = payload.get("credentialSubject") or {}
    issuer = payload.get("iss") or (payload.get("issuer") or {}).get("id", "")
    if not is_local_issuer(str(issuer)):
        checks.append(
            Check("status", False, str(_("The status of another region's licence is checked through its node.")))
        )
        return VerificationResult(valid=False, status="unknown", checks=checks)
    found = store.verify_and_log(
        number=str(subject.get("licenceNumber", "")),
        holder_id=str(subject.get("holderId", "")),
        by_user=by_user,
        by_label=by_label,
        source=source,
        signed_ok=jwt_check.passed,
    )
    if found is None or not found.holder_matches:
        checks.append(Check("record", False, str(_("The issuer has no record of this licence."))))
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("record", True))
    status_ok = found.status == LicenceStatus.VALID
    checks.append(Check("status", status_ok, str(STATUS_MESSAGES[found.status])))
    return VerificationResult(
        valid=jwt_check.passed and status_ok, status=found.status, licence=found.licence, checks=checks
    )


# ---------------------------------------------------------------- 亮证 (showing a licence)


def disclosable_fields(licence: Licence) -> list[tuple[str, str]]:
    """(name, label) of what the holder may choose to show."""
    labels = {f["name"]: f.get("label", f["name"]) for f in licence.licence_type.fields}
    out = [("holder_name", str(_("Holder"))), ("valid_to", str(_("Valid to")))]
    out += [(k, str(labels.get(k, k))) for k in licence.field_values]
    return out


def _disclosed_values(licence: Licence, names: list[str]) -> dict[str, str]:
    labels = dict(disclosable_fields(licence))
    values: dict[str, str] = {}
    for name in names:
        if name == "holder_name":
            values[labels[name]] = licence.holder_name
        elif name == "valid_to":
            values[labels[name]] = licence.valid_to.isoformat() if licence.valid_to else str(_("Long-term"))
        else:
            values[labels[name]] = str(licence.field_values.get(name, ""))
    return values


@transaction.atomic
def licence_present(
    *, licence: Licence, holder: User, fields: list[str], seconds: int = PRESENTATION_SECONDS_DEFAULT
) -> tuple[Presentation, str]:
    """Make a short-lived, single-use presentation of one licence with the chosen fields; returns it and its token."""
    licence = Licence.objects.select_related("licence_type", "department").get(pk=licence.pk)
    if licence.holder_id not in holder_ids_for(user=holder):
        raise LicenceNotFound()
    if licence.effective_status() != LicenceStatus.VALID:
        raise LicenceNotUsable(_("Only a valid licence can be shown."))
    allowed = {name for name, _label in disclosable_fields(licence)}
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise ValidationFailed(
            _("Some chosen fields are not on this licence."), code="invalid_disclosure", details=unknown
        )
    if not 30 <= seconds <= PRESENTATION_SECONDS_MAX:
        raise ValidationFailed(_("A presentation lasts between 30 seconds and 30 minutes."), code="invalid_duration")
    now = timezone.now()
    presentation = Presentation.objects.create(
        jti=secrets.token_urlsafe(16),
        licence=licence,
        holder=holder,
        disclosed_fields=list(dict.fromkeys(fields)),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=seconds),
    )
    payload = {
        "iss": credentials.base_url(),
        "jti": presentation.jti,
        "nonce": secrets.token_urlsafe(8),
        "iat": int(now.timestamp()),
        "exp": int(presentation.expires_at.timestamp()),
        "licence": licence.number,
        "fields": presentation.disclosed_fields,
    }
    token, _kid = credentials.sign_payload(payload, typ=credentials.PRESENTATION_TYP)
    events.licence_presented(licence=licence, actor=holder, jti=presentation.jti, fields=presentation.disclosed_fields)
    return presentation, token


@transaction.atomic
def presentation_verify(
    *, token: str, by_user: User | None = None, by_label: str = "", source: str = ""
) -> VerificationResult:
    """Check a scanned presentation: signature, expiry, first use; then the licence's status."""
    jwt_check = verify_compact(token, expected_typ=credentials.PRESENTATION_TYP)
    checks = [c for c in jwt_check.checks if c.name != "validity_period"]
    payload = jwt_check.payload
    if payload is None or (not jwt_check.passed and any(not c.passed for c in checks)):
        return VerificationResult(valid=False, status="unknown", checks=checks)
    now = timezone.now()
    if float(payload.get("exp", 0)) < now.timestamp():
        checks.append(Check("not_expired", False, str(_("This QR code has expired. Ask the holder to show it again."))))
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("not_expired", True))
    presentation = (
        Presentation.objects.select_for_update()
        .select_related("licence", "licence__licence_type", "licence__department")
        .filter(jti=str(payload.get("jti", "")))
        .first()
    )
    if presentation is None or presentation.licence.number != payload.get("licence"):
        checks.append(Check("not_replayed", False, str(_("This QR code is not known here."))))
        return VerificationResult(valid=False, status="unknown", checks=checks)
    if presentation.consumed_at is not None:
        checks.append(
            Check("not_replayed", False, str(_("This QR code has been used already. Ask the holder to show it again.")))
        )
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("not_replayed", True))
    licence = presentation.licence
    label = (by_label or (by_user.display_name if by_user is not None and by_user.is_authenticated else ""))[:200]
    presentation.consumed_at = now
    presentation.consumed_by = label or source
    presentation.save(update_fields=["consumed_at", "consumed_by"])
    status, check = status_check(licence)
    checks.append(check)
    record_use(
        licence=licence, kind=UseKind.PRESENTED, by_user=by_user, by_label=label, source=source, valid=check.passed
    )
    info = minimal(licence)
    # Only what the holder chose: the holder's name is shown only if chosen.
    if "holder_name" not in presentation.disclosed_fields:
        info["holder_name"] = ""
    if "valid_to" not in presentation.disclosed_fields:
        info["valid_to"] = None
    return VerificationResult(
        valid=check.passed,
        status=status,
        licence=info,
        checks=checks,
        disclosed=_disclosed_values(licence, presentation.disclosed_fields),
        expires_at=presentation.expires_at,
    )
