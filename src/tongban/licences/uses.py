"""Reuse of licences in applications (免提交): a licence instead of an uploaded material, with the applicant's
consent, and a reviewer's check of the licence a case references."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.accounts.selectors import holder_ids_for
from tongban.core.context import current
from tongban.core.errors import ApplicationError, NotFound
from tongban.licences import events
from tongban.licences.constants import LicenceStatus, UseKind
from tongban.licences.models import Licence, LicenceUse
from tongban.licences.numbers import is_well_formed
from tongban.licences.selectors import licence_reference_status
from tongban.licences.verification import Check, verify_compact
from tongban.licences.verifying import STATUS_MESSAGES, LicenceNotUsable, record_use


class CaseNotFound(NotFound):
    default_code = "case_not_found"
    default_message = _("No such application of yours.")


# Whether a case number names an application the user may act on as its applicant. Licences sit
# below cases, so the cases context registers the check (CasesConfig.ready); with none registered
# no case number is accepted.
CaseCheck = Callable[[str, User], bool]
_case_checks: list[CaseCheck] = []


def register_case_check(check: CaseCheck) -> None:
    if check not in _case_checks:
        _case_checks.append(check)


def require_applicants_case(*, case_number: str, user: User) -> None:
    """Refuse (``case_not_found``, 404) a case number that names no application of ``user``'s."""
    number = case_number.strip()
    if not number or not any(check(number, user) for check in _case_checks):
        raise CaseNotFound()


class ConsentRequired(ApplicationError):
    status = 422
    default_code = "consent_required"
    default_message = _("Your consent is needed to use a licence instead of an upload.")


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
    if licence is None or licence.holder_id not in holder_ids_for(user=applicant):
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
    checks.append(Check("status", status == LicenceStatus.VALID, str(STATUS_MESSAGES[status])))
    info["checks"] = [c.as_dict() for c in checks]
    info["signing_kid"] = licence.signing_kid
    info["valid"] = all(c.passed for c in checks)
    record_use(
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
