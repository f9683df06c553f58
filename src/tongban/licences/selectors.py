"""Reads of the licences context."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import holder_ids_for, user_department_ids
from tongban.core.errors import NotFound, PermissionDenied, ValidationFailed
from tongban.licences.constants import LicenceStatus, StoredStatus
from tongban.licences.models import Licence, LicenceType, LicenceUse, local_today


class LicenceNotFound(NotFound):
    default_code = "licence_not_found"
    default_message = _("No such licence.")


def status_q(status: str) -> Q:
    """A filter for the *effective* status (expiry computed from today's date)."""
    today = local_today()
    not_expired = Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    if status == LicenceStatus.VALID:
        return Q(status=StoredStatus.VALID) & not_expired
    if status == LicenceStatus.EXPIRED:
        return Q(status=StoredStatus.VALID, valid_to__lt=today)
    if status in (LicenceStatus.SUSPENDED, LicenceStatus.REVOKED):
        return Q(status=status)
    raise ValidationFailed(_("Unknown licence status."), code="invalid_status")


def licence_list(*, holder_id: str | None = None, status: str | None = None) -> QuerySet[Licence]:
    qs = Licence.objects.select_related("licence_type", "department").order_by("number")
    if holder_id:
        qs = qs.filter(holder_id=holder_id.strip().upper())
    if status:
        qs = qs.filter(status_q(status))
    return qs


def licence_get(*, number: str) -> Licence:
    try:
        return Licence.objects.select_related("licence_type", "department").get(number=number.strip().upper())
    except Licence.DoesNotExist:
        raise LicenceNotFound() from None


def licences_for_holder(*, user: User) -> QuerySet[Licence]:
    return (
        Licence.objects.filter(holder_id__in=holder_ids_for(user=user))
        .select_related("licence_type", "department")
        .order_by("-issued_at", "-id")
    )


def licence_get_for_holder(*, number: str, user: User) -> Licence:
    """The holder's own licence; someone else's number answers 'not found' (nothing leaks)."""
    licence = licence_get(number=number)
    if licence.holder_id not in holder_ids_for(user=user):
        raise LicenceNotFound()
    return licence


def can_administer(*, user: User, licence_type: LicenceType | None = None, department_id: int | None = None) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    dept = department_id if department_id is not None else (licence_type.department_id if licence_type else None)
    return dept in user_department_ids(user=user, role=StaffRoleKind.LICENCE_ADMIN)


def licence_get_for_staff(*, number: str, user: User) -> Licence:
    licence = licence_get(number=number)
    if not can_administer(user=user, department_id=licence.department_id):
        raise PermissionDenied(code="not_licence_admin")
    return licence


def licences_usable_for(*, holder_id: str, licence_type_code: str) -> QuerySet[Licence]:
    """The holder's licences of a type that can replace a material today (valid, not expired)."""
    return (
        Licence.objects.filter(holder_id=holder_id.strip().upper(), licence_type__code=licence_type_code)
        .filter(status_q(LicenceStatus.VALID))
        .select_related("licence_type", "department")
        .order_by("-valid_from", "-id")
    )


def uses_for_holder(*, user: User) -> QuerySet[LicenceUse]:
    return (
        LicenceUse.objects.filter(licence__holder_id__in=holder_ids_for(user=user))
        .select_related("licence", "licence__licence_type")
        .order_by("-at", "-id")
    )


def licence_type_get(*, code: str) -> LicenceType:
    try:
        return LicenceType.objects.select_related("department").get(code=code)
    except LicenceType.DoesNotExist:
        raise NotFound(_("No such licence type."), code="licence_type_not_found") from None


def minimal(licence: Licence) -> dict[str, Any]:
    """What a verifier is told about a licence: no ID number, no field values."""
    return {
        "number": licence.number,
        "type_code": licence.licence_type.code,
        "type_name": licence.licence_type.name,
        "holder_name": licence.holder_name,
        "issuer": licence.department.name,
        "issuing_region": licence.region_code,
        "valid_from": licence.valid_from.isoformat(),
        "valid_to": licence.valid_to.isoformat() if licence.valid_to else None,
    }


def licence_reference_status(*, licence_number: str, holder_ids: list[str]) -> dict[str, Any] | None:
    """For a reviewer: the licence a case references, checked now (minimal fields, today's status,
    whether it belongs to the applicant). ``None`` if no such licence exists at this node."""
    licence = (
        Licence.objects.select_related("licence_type", "department")
        .filter(number=licence_number.strip().upper())
        .first()
    )
    if licence is None:
        return None
    status = licence.effective_status()
    info = minimal(licence)
    info["status"] = str(status)
    info["status_label"] = str(status.label)
    info["held_by_applicant"] = licence.holder_id in holder_ids
    info["valid"] = status == LicenceStatus.VALID and info["held_by_applicant"]
    return info


def licence_choices_for(*, user: User, licence_type_code: str) -> list[tuple[str, str]]:
    """(number, label) of the user's valid licences of a type, for an application form's 免提交 choice."""
    choices: list[tuple[str, str]] = []
    for holder_id in holder_ids_for(user=user):
        for licence in licences_usable_for(holder_id=holder_id, licence_type_code=licence_type_code):
            until = licence.valid_to.isoformat() if licence.valid_to else "—"
            choices.append(
                (licence.number, f"{licence.licence_type.name} {licence.number}（{licence.holder_name}，至 {until}）")
            )
    return choices
