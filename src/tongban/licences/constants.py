"""Statuses, kinds and the transition table of licences."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.core.workflow import Transition, table


class HolderKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ENTERPRISE = "enterprise", _("Enterprise")


class StoredStatus(models.TextChoices):
    """What is stored. ``expired`` is never stored: it is computed from ``valid_to``."""

    VALID = "valid", pgettext_lazy("licence status", "Valid")
    SUSPENDED = "suspended", pgettext_lazy("licence status", "Suspended")
    REVOKED = "revoked", pgettext_lazy("licence status", "Revoked")


class LicenceStatus(models.TextChoices):
    """The status a licence has today (stored status, with expiry applied)."""

    VALID = "valid", pgettext_lazy("licence status", "Valid")
    SUSPENDED = "suspended", pgettext_lazy("licence status", "Suspended")
    REVOKED = "revoked", pgettext_lazy("licence status", "Revoked")
    EXPIRED = "expired", pgettext_lazy("licence status", "Expired")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")


class KeyAlgorithm(models.TextChoices):
    ED25519 = "Ed25519", "Ed25519"
    ES256 = "ES256", "ECDSA P-256 (ES256)"


class KeyStatus(models.TextChoices):
    ACTIVE = "active", _("Active (signs new licences)")
    PUBLISHED = "published", _("Published (verifies old licences)")
    RETIRED = "retired", _("Retired")


class UseKind(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    PRESENTED = "presented", _("Shown by QR code")
    USED_IN_CASE = "used_in_case", _("Used in an application")


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")


class LicenceAction(models.TextChoices):
    ISSUE = "issue", _("Issue")
    SUSPEND = "suspend", _("Suspend")
    REINSTATE = "reinstate", _("Reinstate")
    REVOKE = "revoke", _("Revoke")
    REISSUE = "reissue", _("Re-issue")


# One table for the licence workflow: action -> (allowed current statuses, stored status after).
# Current statuses are the *effective* ones (expiry applied); ``reissue`` revokes the old licence
# and issues a new one in the same transaction.
TRANSITIONS: dict[str, Transition] = table(
    {
        LicenceAction.SUSPEND: ({LicenceStatus.VALID}, StoredStatus.SUSPENDED),
        LicenceAction.REINSTATE: ({LicenceStatus.SUSPENDED}, StoredStatus.VALID),
        LicenceAction.REVOKE: ({LicenceStatus.VALID, LicenceStatus.SUSPENDED}, StoredStatus.REVOKED),
        LicenceAction.REISSUE: (
            {LicenceStatus.VALID, LicenceStatus.SUSPENDED, LicenceStatus.EXPIRED},
            StoredStatus.REVOKED,
        ),
    }
)

# Bits per status list credential (the W3C recommendation's minimum, for herd privacy).
STATUS_LIST_SIZE = 131072

PRESENTATION_SECONDS_DEFAULT = 300
PRESENTATION_SECONDS_MAX = 1800
