"""Writes of the licences context, one module per sub-domain; the public names are re-exported here.

- ``issuing``: holders' IDs and typed fields validated, licence types, issuance (also on a case's decision);
- ``status_changes``: suspend, reinstate, revoke, re-issue, through the licence workflow (``LICENCES``);
- ``verifying``: verification by number + holder ID or VC-JWT, and 亮证 presentations;
- ``uses``: reuse of a licence in an application (免提交) and a reviewer's check of it;
- ``importing``: licences issued elsewhere, imported from a file;
- here: the signing keys and the audit of a staff member's read.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.errors import InvalidTransition, ValidationFailed
from tongban.licences import events, keys
from tongban.licences.constants import KeyAlgorithm, KeyStatus
from tongban.licences.issuing import (
    STANDARD_DISCLOSABLE,
    add_months,
    default_valid_to,
    licence_issue,
    licence_issue_for_case,
    licence_type_save,
    normalise_holder_id,
    require_admin,
    require_reason,
    validate_field_values,
    validate_type_fields,
)
from tongban.licences.models import Licence, SigningKey
from tongban.licences.status_changes import (
    LICENCES,
    licence_reinstate,
    licence_reissue,
    licence_revoke,
    licence_suspend,
)
from tongban.licences.uses import (
    CaseNotFound,
    ConsentRequired,
    licence_check_for_case,
    licence_use_for_case,
    licence_uses_name_case,
    register_case_check,
    require_applicants_case,
)
from tongban.licences.verifying import (
    STATUS_MESSAGES,
    LicenceNotUsable,
    VerificationResult,
    disclosable_fields,
    licence_present,
    licence_verify,
    presentation_verify,
    record_use,
)

__all__ = [
    "LICENCES",
    "STANDARD_DISCLOSABLE",
    "STATUS_MESSAGES",
    "CaseNotFound",
    "ConsentRequired",
    "LicenceNotUsable",
    "VerificationResult",
    "add_months",
    "default_valid_to",
    "disclosable_fields",
    "licence_check_for_case",
    "licence_issue",
    "licence_issue_for_case",
    "licence_present",
    "licence_reinstate",
    "licence_reissue",
    "licence_revoke",
    "licence_suspend",
    "licence_type_save",
    "licence_use_for_case",
    "licence_uses_name_case",
    "licence_verify",
    "normalise_holder_id",
    "presentation_verify",
    "record_staff_read",
    "record_use",
    "register_case_check",
    "require_admin",
    "require_applicants_case",
    "require_reason",
    "signing_key_retire",
    "signing_key_rotate",
    "validate_field_values",
    "validate_type_fields",
]


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
