"""Issuing licences: validation of holders and typed fields, licence types, issuance (also on a case's decision)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import Conflict, PermissionDenied, ValidationFailed
from tongban.core.identifiers import validate_resident_id, validate_uscc
from tongban.licences import credentials, events
from tongban.licences.constants import FieldType, HolderKind, LicenceAction, StoredStatus
from tongban.licences.models import Licence, LicenceSerial, LicenceStatusChange, LicenceType, local_today
from tongban.licences.numbers import is_well_formed, make_number
from tongban.licences.selectors import can_administer
from tongban.regions.models import Department

STANDARD_DISCLOSABLE = ("holder_name", "valid_to")


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


def require_admin(*, actor: User | None, department_id: int) -> None:
    if actor is None:
        return  # the system itself (a case decision, a data migration)
    if not can_administer(user=actor, department_id=department_id):
        raise PermissionDenied(
            _("Only a licence administrator of the issuing department may do this."), code="not_licence_admin"
        )


def require_reason(reason: str) -> str:
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
        require_admin(actor=actor, department_id=department.pk)
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
