"""Writes of the licences context: issue, change status, re-issue, present (亮证), verify, reuse, keys."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import (
    ApplicationError,
    Conflict,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from tongban.core.identifiers import validate_resident_id, validate_uscc
from tongban.licences import credentials, events, keys
from tongban.licences.constants import (
    PRESENTATION_SECONDS_DEFAULT,
    PRESENTATION_SECONDS_MAX,
    TRANSITIONS,
    FieldType,
    HolderKind,
    KeyAlgorithm,
    KeyStatus,
    LicenceAction,
    LicenceStatus,
    StoredStatus,
    UseKind,
)
from tongban.licences.models import (
    Licence,
    LicenceSerial,
    LicenceStatusChange,
    LicenceType,
    LicenceUse,
    Presentation,
    SigningKey,
    effective_status,
    local_today,
)
from tongban.licences.numbers import is_well_formed, make_number
from tongban.licences.selectors import (
    LicenceNotFound,
    can_administer,
    holder_ids_for,
    minimal,
)
from tongban.licences.verification import Check, is_local_issuer, verify_compact
from tongban.regions.models import Department

STANDARD_DISCLOSABLE = ("holder_name", "valid_to")


class LicenceNotUsable(ApplicationError):
    status = 409
    default_code = "licence_not_usable"
    default_message = _("This licence cannot be used: it is not valid or not yours.")


class ConsentRequired(ApplicationError):
    status = 422
    default_code = "consent_required"
    default_message = _("Your consent is needed to use a licence instead of an upload.")


# ---------------------------------------------------------------- validation helpers


def normalise_holder_id(*, holder_kind: str, holder_id: str) -> str:
    if holder_kind == HolderKind.ENTERPRISE:
        return validate_uscc(holder_id)
    return validate_resident_id(holder_id)


def validate_field_values(
    *, licence_type: LicenceType, values: dict[str, Any], partial: bool = False
) -> dict[str, str]:
    """Check values against the type's typed fields; returns them as strings (ISO dates).

    ``partial`` leaves out missing required fields (a licence issued from a case, whose file holds them).
    """
    errors: list[dict[str, str]] = []
    clean: dict[str, str] = {}
    declared = {f["name"]: f for f in licence_type.fields}
    for name in values:
        if name not in declared:
            errors.append(
                {
                    "field": name,
                    "code": "unknown_field",
                    "message": str(_("This field is not part of the licence type.")),
                }
            )
    for name, spec in declared.items():
        raw = values.get(name)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if spec.get("required", False) and not partial:
                errors.append({"field": name, "code": "required", "message": str(_("This field is required."))})
            continue
        kind = spec.get("type", FieldType.TEXT)
        if kind == FieldType.DATE:
            try:
                text = raw.isoformat() if isinstance(raw, dt.date) else dt.date.fromisoformat(text[:10]).isoformat()
            except ValueError:
                errors.append({"field": name, "code": "invalid_date", "message": str(_("Enter a date as YYYY-MM-DD."))})
                continue
        elif kind == FieldType.NUMBER:
            try:
                text = str(Decimal(text))
            except InvalidOperation:
                errors.append({"field": name, "code": "invalid_number", "message": str(_("Enter a number."))})
                continue
        elif kind == FieldType.CHOICE and text not in spec.get("choices", []):
            errors.append(
                {"field": name, "code": "invalid_choice", "message": str(_("This value is not one of the choices."))}
            )
            continue
        if len(text) > 500:
            errors.append({"field": name, "code": "too_long", "message": str(_("The value is too long."))})
            continue
        clean[name] = text
    if errors:
        raise ValidationFailed(_("Some licence fields are invalid."), code="invalid_licence_fields", details=errors)
    return clean


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")


def default_valid_to(*, licence_type: LicenceType, valid_from: dt.date) -> dt.date | None:
    if not licence_type.validity_months:
        return None
    return add_months(valid_from, licence_type.validity_months) - dt.timedelta(days=1)


def _require_admin(*, actor: User | None, department_id: int) -> None:
    if actor is None:
        return  # the system itself (a case decision, a data migration)
    if not can_administer(user=actor, department_id=department_id):
        raise PermissionDenied(
            _("Only a licence administrator of the issuing department may do this."), code="not_licence_admin"
        )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Please give a reason."), code="reason_required")
    if len(reason) > 500:
        raise ValidationFailed(_("The reason is too long (500 characters at most)."), code="reason_too_long")
    return reason


def _next_serial(*, licence_type: LicenceType, region_code: str) -> int:
    serial, _created = LicenceSerial.objects.get_or_create(licence_type=licence_type, region_code=region_code)
    serial = LicenceSerial.objects.select_for_update().get(pk=serial.pk)
    serial.last += 1
    serial.save(update_fields=["last"])
    return serial.last


# ---------------------------------------------------------------- licence types

_FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_type_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a licence type's field definitions: unique snake_case names, known types, choices for choice fields."""
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    clean: list[dict[str, Any]] = []
    for index, spec in enumerate(fields):
        name = str(spec.get("name", ""))
        kind = str(spec.get("type", FieldType.TEXT))
        if not _FIELD_NAME_RE.match(name) or name in seen or name in STANDARD_DISCLOSABLE:
            errors.append(
                {
                    "field": f"fields[{index}].name",
                    "code": "invalid_field_name",
                    "message": str(_("Field names are unique lower-case identifiers.")),
                }
            )
        if kind not in FieldType.values:
            errors.append(
                {
                    "field": f"fields[{index}].type",
                    "code": "invalid_field_type",
                    "message": str(_("Unknown field type.")),
                }
            )
        choices = [str(c) for c in spec.get("choices", [])]
        if kind == FieldType.CHOICE and not choices:
            errors.append(
                {
                    "field": f"fields[{index}].choices",
                    "code": "choices_required",
                    "message": str(_("A choice field needs its choices.")),
                }
            )
        seen.add(name)
        item: dict[str, Any] = {
            "name": name,
            "label": str(spec.get("label", name)),
            "type": kind,
            "required": bool(spec.get("required", False)),
        }
        if choices:
            item["choices"] = choices
        clean.append(item)
    if errors:
        raise ValidationFailed(_("The licence type's fields are invalid."), code="invalid_licence_type", details=errors)
    return clean


@transaction.atomic
def licence_type_save(
    *,
    code: str,
    name: str,
    department: Department,
    holder_kind: str,
    fields: list[dict[str, Any]],
    validity_months: int | None,
    template: dict[str, Any],
    actor: User | None,
    name_en: str = "",
) -> LicenceType:
    """Create or update a licence type (a node administrator's or the demo loader's task)."""
    if not re.match(r"^[a-z0-9]{1,12}$", code):
        raise ValidationFailed(
            _("A licence type code has 1 to 12 lower-case letters or digits."), code="invalid_licence_type"
        )
    if holder_kind not in HolderKind.values:
        raise ValidationFailed(_("Unknown holder kind."), code="invalid_licence_type")
    if validity_months is not None and not 1 <= validity_months <= 1200:
        raise ValidationFailed(_("The validity is between 1 and 1200 months."), code="invalid_licence_type")
    ltype, _created = LicenceType.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "department": department,
            "holder_kind": holder_kind,
            "fields": validate_type_fields(fields),
            "validity_months": validity_months,
            "template": {k: str(v) for k, v in template.items() if k in ("title", "colour", "subtitle")},
        },
    )
    return ltype


# ---------------------------------------------------------------- issuance


@transaction.atomic
def licence_issue(
    *,
    licence_type: LicenceType,
    holder_id: str,
    holder_name: str,
    field_values: dict[str, Any],
    actor: User | None,
    department: Department | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    case_number: str = "",
    reason: str = "",
    number: str = "",
    replaces: Licence | None = None,
    check_permission: bool = True,
    partial_fields: bool = False,
) -> Licence:
    """Issue a licence: number it, validate it, sign its credential, record it.

    ``actor`` must be a licence administrator of the issuing department unless ``check_permission``
    is False (issuance decided by a case, checked by the case workflow). ``number`` keeps the number
    of an imported licence (it must be well-formed and unused).
    """
    department = department or licence_type.department
    if check_permission:
        _require_admin(actor=actor, department_id=department.pk)
    holder_id = normalise_holder_id(holder_kind=licence_type.holder_kind, holder_id=holder_id)
    holder_name = (holder_name or "").strip()
    if not holder_name or len(holder_name) > 200:
        raise ValidationFailed(_("Give the holder's name (200 characters at most)."), code="invalid_holder_name")
    values = validate_field_values(licence_type=licence_type, values=field_values, partial=partial_fields)
    valid_from = valid_from or local_today()
    if valid_to is None:
        valid_to = default_valid_to(licence_type=licence_type, valid_from=valid_from)
    if valid_to is not None and valid_to < valid_from:
        raise ValidationFailed(_("The licence cannot end before it starts."), code="invalid_validity_period")
    region_code = department.region_id
    if number:
        number = number.strip().upper()
        if not is_well_formed(number):
            raise ValidationFailed(
                _("The licence number is malformed or its check character is wrong."), code="invalid_licence_number"
            )
        if Licence.objects.filter(number=number).exists():
            raise Conflict(_("A licence with this number exists already."), code="licence_number_taken")
    else:
        number = make_number(
            type_code=licence_type.code,
            region_code=region_code,
            serial=_next_serial(licence_type=licence_type, region_code=region_code),
        )
    licence = Licence.objects.create(
        number=number,
        licence_type=licence_type,
        department=department,
        region_code=region_code,
        holder_kind=licence_type.holder_kind,
        holder_id=holder_id,
        holder_name=holder_name,
        field_values=values,
        valid_from=valid_from,
        valid_to=valid_to,
        case_number=case_number,
        replaces=replaces,
    )
    licence.vc_jwt, licence.signing_kid = credentials.sign_licence(licence)
    licence.save(update_fields=["vc_jwt", "signing_kid"])
    LicenceStatusChange.objects.create(
        licence=licence,
        action=LicenceAction.ISSUE,
        from_status="",
        to_status=StoredStatus.VALID,
        reason=reason,
        actor=actor,
    )
    events.licence_issued(licence=licence, actor=actor, reason=reason)
    return licence


def _case_field_values(case: Any) -> dict[str, Any]:
    for attr in ("form_data", "data", "fields", "answers"):
        value = getattr(case, attr, None)
        if isinstance(value, dict):
            return value
    return {}


def _case_holder(case: Any, holder_kind: str) -> tuple[str, str] | None:
    """(holder id, holder name) for a licence of ``holder_kind``: the enterprise the case is filed for,
    or the applicant in person; ``None`` when the case has no such holder."""
    if holder_kind == HolderKind.ENTERPRISE:
        enterprise = getattr(case, "enterprise", None)
        return (str(enterprise.uscc), str(enterprise.name)) if enterprise is not None else None
    applicant = case.applicant
    if not applicant.id_number:
        return None
    return str(applicant.id_number), str(applicant.display_name)


def licence_issue_for_case(*, case: Any, actor: User | None) -> Licence | None:
    """Issue the licence a case's decision produces (hook called by the case workflow).

    Does nothing (returns None) unless the case's item has ``result_form = licence``, a licence type
    known here, and the case has a holder of the type's kind (the enterprise it is filed for, or the
    applicant in person). Idempotent: a case issues at most one licence. Fields of the licence type are filled
    from the case's form data by name; missing required fields fail the decision with a clear error.
    """
    item = case.item
    if getattr(item, "result_form", "") != "licence" or not getattr(item, "licence_type_code", ""):
        return None  # most results are not licences: no savepoint for them
    return _licence_issue_for_case(case=case, item=item, actor=actor)


@transaction.atomic
def _licence_issue_for_case(*, case: Any, item: Any, actor: User | None) -> Licence | None:
    case_number = str(getattr(case, "number", "") or case.pk)
    existing = Licence.objects.filter(case_number=case_number, replaced_by__isnull=True).first()
    if existing is not None:
        return existing
    licence_type = LicenceType.objects.filter(code=item.licence_type_code).select_related("department").first()
    if licence_type is None:
        return None
    holder = _case_holder(case, licence_type.holder_kind)
    if holder is None:  # e.g. an enterprise licence applied for by a person without an enterprise
        return None
    holder_id, holder_name = holder
    data = _case_field_values(case)
    declared = {f["name"] for f in licence_type.fields}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in declared:
            continue
        try:  # a value the licence type does not accept is left out rather than failing the decision
            values.update(validate_field_values(licence_type=licence_type, values={key: value}, partial=True))
        except ValidationFailed:
            continue
    department = getattr(item, "department", None) or licence_type.department
    return licence_issue(
        licence_type=licence_type,
        holder_id=holder_id,
        holder_name=holder_name,
        field_values=values,
        actor=actor,
        department=department,
        case_number=case_number,
        reason=str(_("Issued on the decision of case %(number)s") % {"number": case_number}),
        check_permission=False,
        partial_fields=True,
    )


# ---------------------------------------------------------------- status changes


def _transition(*, licence: Licence, action: str, actor: User | None, reason: str) -> Licence:
    locked = Licence.objects.select_for_update().select_related("licence_type", "department").get(pk=licence.pk)
    allowed, target = TRANSITIONS[action]
    current = locked.effective_status()
    if current not in allowed:
        raise InvalidTransition(
            _("A licence that is %(status)s cannot be changed this way.") % {"status": LicenceStatus(current).label},
            details={"status": str(current), "action": action},
        )
    previous = locked.status
    locked.status = target
    locked.status_reason = reason
    locked.save(update_fields=["status", "status_reason"])
    LicenceStatusChange.objects.create(
        licence=locked, action=action, from_status=current, to_status=target, reason=reason, actor=actor
    )
    events.licence_status_changed(
        licence=locked, actor=actor, action=action, from_status=previous, to_status=target, reason=reason
    )
    return locked


@transaction.atomic
def licence_suspend(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = _require_reason(reason)
    _require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.SUSPEND, actor=actor, reason=reason)


@transaction.atomic
def licence_reinstate(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = _require_reason(reason)
    _require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.REINSTATE, actor=actor, reason=reason)


@transaction.atomic
def licence_revoke(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = _require_reason(reason)
    _require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.REVOKE, actor=actor, reason=reason)


@transaction.atomic
def licence_reissue(
    *,
    licence: Licence,
    actor: User | None,
    reason: str,
    field_values: dict[str, Any] | None = None,
    holder_name: str | None = None,
    valid_to: dt.date | None = None,
) -> Licence:
    """Replace a licence (lost, changed details, renewal): the old one is revoked, a new one is issued."""
    reason = _require_reason(reason)
    _require_admin(actor=actor, department_id=licence.department_id)
    old = _transition(licence=licence, action=LicenceAction.REISSUE, actor=actor, reason=reason)
    values = dict(old.field_values)
    if field_values:
        values.update(field_values)
    return licence_issue(
        licence_type=old.licence_type,
        holder_id=old.holder_id,
        holder_name=holder_name or old.holder_name,
        field_values=values,
        actor=actor,
        department=old.department,
        valid_to=valid_to,
        case_number=old.case_number,
        reason=reason,
        replaces=old,
        check_permission=False,
    )


@transaction.atomic
def record_staff_read(*, licence: Licence, actor: User, purpose: str) -> None:
    """Audit a staff member's read of a licence's personal data."""
    events.licence_read(licence=licence, actor=actor, purpose=purpose)


# ---------------------------------------------------------------- keys


@transaction.atomic
def signing_key_rotate(*, actor: User | None, algorithm: str = KeyAlgorithm.ED25519) -> SigningKey:
    """Make a new active key; the previous one stays published so its credentials keep verifying."""
    if algorithm not in KeyAlgorithm.values:
        raise ValidationFailed(_("Unknown signing algorithm."), code="invalid_algorithm")
    previous = SigningKey.objects.select_for_update().filter(algorithm=algorithm, status=KeyStatus.ACTIVE).first()
    if previous is not None:
        previous.status = KeyStatus.PUBLISHED
        previous.save(update_fields=["status"])
    key = keys.create_key(algorithm=algorithm)
    events.signing_key_rotated(key=key, previous=previous, actor=actor)
    return key


@transaction.atomic
def signing_key_retire(*, kid: str, actor: User | None) -> SigningKey:
    """Stop publishing a key: credentials it signed no longer verify (use after re-signing them)."""
    key = SigningKey.objects.select_for_update().filter(kid=kid).first()
    if key is None:
        raise ValidationFailed(_("No such signing key."), code="key_not_found")
    if key.status != KeyStatus.PUBLISHED:
        raise InvalidTransition(_("Only a published, no longer active key can be retired."), code="key_not_retirable")
    key.status = KeyStatus.RETIRED
    key.retired_at = timezone.now()
    key.save(update_fields=["status", "retired_at"])
    events.signing_key_retired(key=key, actor=actor)
    return key


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


def _record_use(
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


# The verification's one statement (ADR 0018): find the licence by its unique number with its type and
# issuer, and, if the holder matches, log the verification for the holder, in one round trip. On
# PostgreSQL, outside any transaction, the statement is its own transaction and sets
# synchronous_commit off for that transaction only (a read log: a crash may lose the last fraction of a
# second of entries, never a state change).
_VERIFY_SELECT = """
SELECT l.id, l.holder_id, l.holder_name, l.status, l.valid_from, l.valid_to, l.region_code,
       t.code, t.name, d.name
  FROM licences_licence l
  JOIN licences_licencetype t ON t.id = l.licence_type_id
  JOIN regions_department d ON d.id = l.department_id
 WHERE l.number = %s
"""
_VERIFY_INSERT_COLUMNS = "licence_id, kind, by_user_id, by_label, source, case_number, material_code, valid_at_use, at"
_VERIFY_PG = f"""
WITH found AS ({_VERIFY_SELECT}),
logged AS (
    INSERT INTO licences_licenceuse ({_VERIFY_INSERT_COLUMNS})
    SELECT found.id, %s, %s, %s, %s, '', '',
           %s AND found.status = 'valid' AND (found.valid_to IS NULL OR found.valid_to >= %s), %s
      FROM found
     WHERE found.holder_id = %s
    RETURNING 1
)
SELECT found.*, (SELECT count(*) FROM logged), {{async_commit}} FROM found
"""  # noqa: S608 - constant SQL
_VERIFY_PG_ASYNC = _VERIFY_PG.format(async_commit="set_config('synchronous_commit', 'off', true)")
_VERIFY_PG_IN_TRANSACTION = _VERIFY_PG.format(async_commit="NULL")
_VERIFY_SQLITE_INSERT = (
    f"INSERT INTO licences_licenceuse ({_VERIFY_INSERT_COLUMNS}) "  # noqa: S608 - constant SQL
    "VALUES (%s, %s, %s, %s, %s, '', '', %s, %s)"
)


@dataclass(frozen=True)
class _Found:
    holder_matches: bool
    status: LicenceStatus
    licence: dict[str, Any]


def _verify_and_log(
    *, number: str, holder_id: str, by_user: User | None, by_label: str, source: str, signed_ok: bool = True
) -> _Found | None:
    """Look a licence up by number and, if ``holder_id`` is its holder's, log the verification.

    ``None`` if there is no such licence. ``signed_ok`` is false when a VC-JWT's own checks (its validity
    period) failed, so that the log says the verification did not succeed."""
    today = local_today()
    now = timezone.now()
    user_id = by_user.pk if by_user is not None and by_user.is_authenticated else None
    label = (by_label or (by_user.display_name if by_user is not None and by_user.is_authenticated else ""))[:200]
    source = source[:100]
    if connection.vendor == "postgresql":
        import psycopg

        sql = _VERIFY_PG_ASYNC if connection.get_autocommit() else _VERIFY_PG_IN_TRANSACTION
        connection.ensure_connection()
        # A server-side prepared statement (planned once per connection), on Django's own connection.
        with psycopg.Cursor(connection.connection) as raw:
            raw.execute(
                sql, [number, UseKind.VERIFIED, user_id, label, source, signed_ok, today, now, holder_id], prepare=True
            )
            row = raw.fetchone()
    else:
        with connection.cursor() as cursor, transaction.atomic():
            cursor.execute(_VERIFY_SELECT, [number])
            row = cursor.fetchone()
            if row is not None and row[1] == holder_id:
                valid_at_use = (
                    signed_ok
                    and effective_status(row[3], _as_date(row[5]) if row[5] else None, today) == LicenceStatus.VALID
                )
                cursor.execute(
                    _VERIFY_SQLITE_INSERT, [row[0], UseKind.VERIFIED, user_id, label, source, valid_at_use, now]
                )
    if row is None:
        return None
    _pk, holder, holder_name, stored, valid_from, valid_to, region, type_code, type_name, issuer = row[:10]
    valid_from = _as_date(valid_from)
    valid_to = _as_date(valid_to) if valid_to is not None else None
    return _Found(
        holder_matches=holder == holder_id,
        status=effective_status(stored, valid_to, today),
        licence={
            "number": number,
            "type_code": type_code,
            "type_name": type_name,
            "holder_name": holder_name,
            "issuer": issuer,
            "issuing_region": region,
            "valid_from": valid_from.isoformat(),
            "valid_to": valid_to.isoformat() if valid_to else None,
        },
    )


def _as_date(value: dt.date | str) -> dt.date:
    """SQLite's raw cursor answers dates as ISO strings."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


_STATUS_MESSAGES = {
    LicenceStatus.VALID: "",
    LicenceStatus.SUSPENDED: _("The licence is suspended."),
    LicenceStatus.REVOKED: _("The licence has been revoked."),
    LicenceStatus.EXPIRED: _("The licence has expired."),
}


def _status_check(licence: Licence) -> tuple[str, Check]:
    status = licence.effective_status()
    return status, Check("status", status == LicenceStatus.VALID, str(_STATUS_MESSAGES[status]))


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
    found = _verify_and_log(
        number=number, holder_id=holder_id.strip().upper(), by_user=by_user, by_label=by_label, source=source
    )
    if found is None or not found.holder_matches:
        # The same answer whether the number is unknown or belongs to someone else.
        checks.append(Check("record", False, str(_("No licence with this number is held by this holder."))))
        return VerificationResult(valid=False, status="unknown", checks=checks)
    checks.append(Check("record", True))
    valid = found.status == LicenceStatus.VALID
    checks.append(Check("status", valid, str(_STATUS_MESSAGES[found.status])))
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
    found = _verify_and_log(
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
    checks.append(Check("status", status_ok, str(_STATUS_MESSAGES[found.status])))
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
    if licence.holder_id not in holder_ids_for(holder):
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
    status, check = _status_check(licence)
    checks.append(check)
    _record_use(
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


# ---------------------------------------------------------------- reuse (免提交)


@transaction.atomic
def licence_use_for_case(
    *,
    licence_number: str,
    applicant: User,
    case_number: str,
    licence_type_code: str,
    consent: bool,
    material_code: str = "",
    actor: User | None = None,
) -> LicenceUse:
    """Record that an application uses a licence instead of an uploaded material.

    Refused unless the applicant consents, holds the licence (in person or for an enterprise they act for),
    the licence is of the type the material accepts, and it is valid today.
    """
    if not consent:
        raise ConsentRequired()
    licence = (
        Licence.objects.select_for_update()
        .select_related("licence_type", "department")
        .filter(number=licence_number.strip().upper())
        .first()
    )
    if licence is None or licence.holder_id not in holder_ids_for(applicant):
        raise LicenceNotUsable()
    if licence.licence_type.code != licence_type_code:
        raise LicenceNotUsable(_("This licence is not of the type this material accepts."), code="licence_wrong_type")
    if licence.effective_status() != LicenceStatus.VALID:
        raise LicenceNotUsable(
            _("This licence is not valid (revoked, suspended or expired)."), code="licence_not_valid"
        )
    use = LicenceUse.objects.create(
        licence=licence,
        kind=UseKind.USED_IN_CASE,
        by_user=actor or applicant,
        by_label=(actor or applicant).display_name[:200],
        case_number=case_number,
        material_code=material_code,
        valid_at_use=True,
    )
    events.licence_used_in_case(
        licence=licence, actor=actor or applicant, case_number=case_number, material_code=material_code
    )
    return use


@transaction.atomic
def licence_check_for_case(
    *, licence_number: str, holder_ids: list[str], case_number: str, material_code: str, actor: User
) -> dict[str, Any] | None:
    """For a reviewer: the licence a case references, checked now, and the check logged for the holder.

    The answer is ``selectors.licence_reference_status`` plus ``checks``: the number's check character,
    the issuer's signature on the stored credential, whether the applicant holds it and its status
    today. ``None`` if no such licence exists at this node."""
    from tongban.core.context import current
    from tongban.licences.selectors import licence_reference_status

    info = licence_reference_status(licence_number=licence_number, holder_ids=holder_ids)
    if info is None:
        return None
    licence = Licence.objects.select_related("licence_type", "department").get(number=info["number"])
    checks = [
        Check(
            "format",
            is_well_formed(licence.number),
            "" if is_well_formed(licence.number) else str(_("The check character is wrong.")),
        )
    ]
    if licence.vc_jwt:
        signed = verify_compact(licence.vc_jwt)
        failed = [c.detail for c in signed.checks if not c.passed]
        payload = signed.payload or {}
        subject = payload.get("credentialSubject") or {}
        matches = subject.get("licenceNumber") == licence.number and subject.get("holderId") == licence.holder_id
        checks.append(
            Check(
                "signature",
                signed.passed and matches,
                failed[0] if failed else ("" if matches else str(_("The credential does not match the record."))),
            )
        )
    else:
        checks.append(Check("signature", False, str(_("The licence has no signed credential."))))
    checks.append(
        Check(
            "holder",
            info["held_by_applicant"],
            "" if info["held_by_applicant"] else str(_("The licence is not held by the applicant.")),
        )
    )
    status = licence.effective_status()
    checks.append(Check("status", status == LicenceStatus.VALID, str(_STATUS_MESSAGES[status])))
    info["checks"] = [c.as_dict() for c in checks]
    info["signing_kid"] = licence.signing_kid
    info["valid"] = all(c.passed for c in checks)
    _record_use(
        licence=licence,
        kind=UseKind.VERIFIED,
        by_user=actor,
        by_label="",
        source=current().source,
        valid=info["valid"],
        case_number=case_number,
        material_code=material_code,
    )
    return info


def licence_uses_name_case(*, licence_numbers: list[str], draft_label: str, case_number: str) -> int:
    """Give the uses of licences recorded for a draft (``draft_label``) the case's number once it has one.

    Called inside the case's numbering transaction."""
    return LicenceUse.objects.filter(
        licence__number__in=licence_numbers, kind=UseKind.USED_IN_CASE, case_number=draft_label
    ).update(case_number=case_number)
