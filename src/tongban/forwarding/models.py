"""Cross-region cases: the origin's mirror (``RemoteCase``) and the deciding node's link (``ForwardedCase``).

Origin (A): ``RemoteCase`` — the application received here for a peer's item, its files
(``RemoteCaseFile``) and the timeline mirrored from the peer (``RemoteCaseEvent``).
Deciding node (B): ``ForwardedCase`` — a ``cases.Case`` of B registered from a peer's
message; ``IncomingBundle`` / ``IncomingFilePart`` gather the files of a submission or a
correction until every part has arrived (messages may arrive in any order).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.cases.constants import DeliveryMethod, IdentityCheck
from tongban.core.models import TimeStampedModel
from tongban.forwarding.constants import DRAFT, REMOTE_STATUS_CHOICES, REMOTE_STATUSES, ForwardMode

# ---------------------------------------------------------------- origin side (A)


class RemoteCase(TimeStampedModel):
    """An application received at this node for a peer region's item, decided by that peer."""

    forward_id = models.UUIDField(_("forwarding id"), default=uuid.uuid4, unique=True, editable=False)
    peer_region = models.CharField(_("deciding region"), max_length=6, db_index=True)
    mode = models.CharField(_("mode"), max_length=14, choices=ForwardMode.choices)
    status = models.CharField(_("status"), max_length=24, choices=REMOTE_STATUS_CHOICES, default=DRAFT)

    item_code = models.CharField(_("item code"), max_length=60)
    item_name = models.CharField(_("item name"), max_length=200)
    department_name = models.CharField(_("deciding department"), max_length=120, blank=True)
    item_snapshot = models.JSONField(_("item as published by the peer"), default=dict)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="remote_cases", verbose_name=_("applicant")
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="remote_cases_received",
        verbose_name=_("received by"),
    )
    identity_check = models.CharField(
        _("identity check"), max_length=20, choices=IdentityCheck.choices, default=IdentityCheck.ONLINE_LOGIN
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    situations = models.JSONField(_("situation answers"), default=dict, blank=True)
    delivery_method = models.CharField(
        _("delivery method"), max_length=12, choices=DeliveryMethod.choices, default=DeliveryMethod.WINDOW
    )
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    delivery_recipient = models.CharField(_("recipient"), max_length=120, blank=True)
    delivery_phone = models.CharField(_("recipient phone"), max_length=20, blank=True)

    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    # Mirrored from the deciding node's status messages (the legal clock is the peer's).
    remote_number = models.CharField(_("case number at the deciding region"), max_length=32, blank=True)
    remote_seq = models.PositiveIntegerField(_("last status applied"), default=0)
    legal_due_date = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due_date = models.DateField(_("promised due date"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    correction_materials = models.JSONField(_("materials to correct"), default=list, blank=True)
    correction_note = models.TextField(_("correction note"), blank=True)
    result_number = models.CharField(_("result document number"), max_length=80, blank=True)
    result_note = models.TextField(_("result note"), blank=True)
    decision_reasons = models.TextField(_("decision reasons"), blank=True)
    refusal_code = models.CharField(_("refusal code"), max_length=60, blank=True)
    refusal_message = models.TextField(_("refusal message"), blank=True)

    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivered by"),
    )

    class Meta:
        verbose_name = _("case decided by another region")
        verbose_name_plural = _("cases decided by other regions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=sorted(REMOTE_STATUSES)), name="remote_case_status_valid"),
            models.CheckConstraint(condition=Q(mode__in=ForwardMode.values), name="remote_case_mode_valid"),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="remote_case_applicant_idx"),
            models.Index(fields=["mode", "status"], name="remote_case_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.remote_number or f"{self.peer_region}/{self.forward_id}"

    @property
    def stream(self) -> str:
        return f"remote-case:{self.pk}"


class RemoteCaseFile(models.Model):
    """A material file received at the origin and sent to the deciding node (with its SHA-256)."""

    remote_case = models.ForeignKey(RemoteCase, on_delete=models.CASCADE, related_name="files")
    material_code = models.CharField(_("material code"), max_length=40)
    material_name = models.CharField(_("material"), max_length=200, blank=True)
    file = models.FileField(_("file"), max_length=300)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The submission or correction that carried it to the peer (empty until it is sent).
    bundle_id = models.UUIDField(_("sent in bundle"), null=True, blank=True)

    class Meta:
        verbose_name = _("material file of a cross-region case")
        verbose_name_plural = _("material files of cross-region cases")
        ordering = ["remote_case_id", "id"]

    def __str__(self) -> str:
        return f"{self.remote_case} · {self.material_code}"


class RemoteCaseEvent(models.Model):
    """One entry of the timeline: the origin's own steps and the peer's status messages (by ``seq``)."""

    remote_case = models.ForeignKey(RemoteCase, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField(_("peer's sequence number"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=6)
    action = models.CharField(_("action"), max_length=40)
    status = models.CharField(_("status"), max_length=24)
    occurred_at = models.DateTimeField(_("occurred at"))
    role = models.CharField(_("role"), max_length=60, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("timeline entry of a cross-region case")
        verbose_name_plural = _("timeline entries of cross-region cases")
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["remote_case", "seq"], name="remote_case_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.remote_case} {self.action}"


# ---------------------------------------------------------------- deciding side (B)


class ForwardedCase(TimeStampedModel):
    """A case of this node registered from a peer's application (异地代收 or 全程网办)."""

    forward_id = models.UUIDField(_("forwarding id"), unique=True)
    origin_region = models.CharField(_("origin region"), max_length=6, db_index=True)
    mode = models.CharField(_("mode"), max_length=14, choices=ForwardMode.choices)
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="forwarded", verbose_name=_("case")
    )
    received_by_name = models.CharField(_("received by (at the origin)"), max_length=120, blank=True)
    received_at_office = models.CharField(_("received at (office)"), max_length=200, blank=True)
    status_seq = models.PositiveIntegerField(_("last status sent"), default=0)

    class Meta:
        verbose_name = _("case received from another region")
        verbose_name_plural = _("cases received from other regions")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(mode__in=ForwardMode.values), name="forwarded_mode_valid")]

    def __str__(self) -> str:
        return f"{self.origin_region}/{self.forward_id}"


class IncomingBundle(models.Model):
    """The files of one submission or correction from a peer, applied once every part is here."""

    bundle_id = models.UUIDField(_("bundle id"), unique=True)
    origin_region = models.CharField(_("origin region"), max_length=6)
    forward_id = models.UUIDField(_("forwarding id"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, blank=True)  # submit | resubmit, once the manifest is in
    manifest = models.JSONField(_("manifest"), null=True, blank=True)
    received_at = models.DateTimeField(_("first received at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    refused_code = models.CharField(_("refusal code"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("incoming bundle of files")
        verbose_name_plural = _("incoming bundles of files")

    def __str__(self) -> str:
        return f"{self.origin_region}/{self.bundle_id}"


class IncomingFilePart(models.Model):
    """One slice of one material file of a bundle (bytes kept until the bundle is applied)."""

    bundle = models.ForeignKey(IncomingBundle, on_delete=models.CASCADE, related_name="parts")
    material_code = models.CharField(_("material code"), max_length=40)
    part = models.PositiveSmallIntegerField(_("part"))
    parts = models.PositiveSmallIntegerField(_("parts"))
    data = models.BinaryField(_("bytes"))

    class Meta:
        verbose_name = _("incoming file part")
        verbose_name_plural = _("incoming file parts")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "material_code", "part"], name="incoming_part_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle} {self.material_code} {self.part + 1}/{self.parts}"
