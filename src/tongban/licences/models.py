"""Licence types, licences, their status history, the node's signing keys, presentations and uses.

A licence's stored ``status`` is valid, suspended or revoked; whether it has expired is
computed from ``valid_to`` against today's date, so it can never be stale.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.licences.constants import (
    HolderKind,
    KeyAlgorithm,
    KeyStatus,
    LicenceStatus,
    StoredStatus,
    UseKind,
)


def local_today() -> dt.date:
    return timezone.localdate()


def effective_status(stored: str, valid_to: dt.date | None, today: dt.date) -> LicenceStatus:
    """A licence's status today: the stored one, or expired once ``valid_to`` has passed."""
    if stored != StoredStatus.VALID:
        return LicenceStatus(stored)
    if valid_to is not None and valid_to < today:
        return LicenceStatus.EXPIRED
    return LicenceStatus.VALID


class LicenceType(models.Model):
    """A kind of licence (证照类型): who issues it, who holds it, the fields it carries, how long it lasts."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    department = models.ForeignKey(
        "regions.Department",
        on_delete=models.PROTECT,
        related_name="licence_types",
        verbose_name=_("issuing department"),
    )
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    fields = models.JSONField(_("fields"), default=list, blank=True)
    validity_months = models.PositiveIntegerField(
        _("validity (months)"), null=True, blank=True, help_text=_("Empty means the licence does not expire.")
    )
    template = models.JSONField(_("visual template"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(holder_kind__in=HolderKind.values), name="licence_type_holder_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LicenceSerial(models.Model):
    """The last serial number used for one licence type in one region (locked while a number is taken)."""

    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=6)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["licence_type", "region_code"], name="licence_serial_unique")]

    def __str__(self) -> str:
        return f"{self.licence_type_id}/{self.region_code}: {self.last}"


class Licence(models.Model):
    """One licence (电子证照). Its ``id`` is also its index in the node's status lists."""

    number = models.CharField(_("licence number"), max_length=64, unique=True)
    licence_type = models.ForeignKey(
        LicenceType, on_delete=models.PROTECT, related_name="licences", verbose_name=_("licence type")
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="licences", verbose_name=_("issuing department")
    )
    region_code = models.CharField(_("issuing region"), max_length=6)
    holder_kind = models.CharField(_("holder kind"), max_length=12, choices=HolderKind.choices)
    holder_id = models.CharField(_("holder ID number or USCC"), max_length=18, db_index=True)
    holder_name = models.CharField(_("holder name"), max_length=200)
    field_values = models.JSONField(_("field values"), default=dict, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=StoredStatus.choices, default=StoredStatus.VALID)
    status_reason = models.CharField(_("reason of the status"), max_length=500, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    case_number = models.CharField(_("case number"), max_length=64, blank=True, db_index=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name=_("replaces")
    )
    vc_jwt = models.TextField(_("signed credential (VC-JWT)"), blank=True)
    signing_kid = models.CharField(_("signing key id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StoredStatus.values), name="licence_status_valid"),
            models.CheckConstraint(condition=Q(holder_kind__in=HolderKind.values), name="licence_holder_kind_valid"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="licence_validity_period_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["holder_id", "licence_type"], name="licence_holder_type_idx"),
            models.Index(fields=["id"], condition=~Q(status="valid"), name="licence_not_valid_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def effective_status(self, today: dt.date | None = None) -> LicenceStatus:
        return effective_status(self.status, self.valid_to, today or local_today())

    @property
    def current_status(self) -> LicenceStatus:
        return self.effective_status()


class LicenceStatusChange(models.Model):
    """One change of a licence's status, with its reason (the history shown to staff and the holder)."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="status_changes")
    action = models.CharField(_("action"), max_length=12)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("licence status change")
        verbose_name_plural = _("licence status changes")
        ordering = ["licence_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.licence_id}: {self.from_status} -> {self.to_status}"


class SigningKey(models.Model):
    """A signing key of this node. The private key is stored encrypted (AES-GCM, key from the node secret)."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=12, choices=KeyAlgorithm.choices)
    status = models.CharField(_("status"), max_length=12, choices=KeyStatus.choices, default=KeyStatus.ACTIVE)
    public_jwk = models.JSONField(_("public key (JWK)"))
    private_key_encrypted = models.BinaryField(_("private key (encrypted)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(algorithm__in=KeyAlgorithm.values), name="signing_key_alg_valid"),
            models.CheckConstraint(condition=Q(status__in=KeyStatus.values), name="signing_key_status_valid"),
            models.UniqueConstraint(
                fields=["algorithm"], condition=Q(status=KeyStatus.ACTIVE), name="signing_key_one_active_per_alg"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.algorithm}, {self.status})"


class Presentation(models.Model):
    """A short-lived, single-use presentation of one licence (亮证), with the fields the holder chose."""

    jti = models.CharField(_("presentation id"), max_length=64, unique=True)
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="presentations")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    disclosed_fields = models.JSONField(_("disclosed fields"), default=list)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    consumed_at = models.DateTimeField(_("scanned at"), null=True, blank=True)
    consumed_by = models.CharField(_("scanned by"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")

    def __str__(self) -> str:
        return self.jti


class LicenceUse(models.Model):
    """Who verified, scanned or used a licence, when, and for which case (shown to the holder)."""

    # No database-level foreign key: its check would lock the licence's row (FOR KEY SHARE) and so write
    # the licence's table page on every verification, a read. The log row is written in the same
    # statement that found the licence, and licences are never deleted (ADR 0018).
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="uses", db_constraint=False)
    kind = models.CharField(_("kind"), max_length=14, choices=UseKind.choices)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(_("by"), max_length=200, blank=True)
    source = models.CharField(_("from"), max_length=100, blank=True)
    case_number = models.CharField(_("case number"), max_length=64, blank=True)
    material_code = models.CharField(_("material"), max_length=40, blank=True)
    valid_at_use = models.BooleanField(_("valid when used"), default=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("licence use")
        verbose_name_plural = _("licence uses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["licence", "-at"], name="licence_use_recent_idx")]
        constraints = [models.CheckConstraint(condition=Q(kind__in=UseKind.values), name="licence_use_kind_valid")]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
