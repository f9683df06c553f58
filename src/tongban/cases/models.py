"""Cases (办件): one application for one item, handled by the item's department against a legal clock.

Statuses and the allowed transitions live in ``constants.py``; every write goes through
``services.py``, which locks the row, checks the transition table and writes an audit
event on the stream ``case:<id>``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.cases.constants import (
    CaseChannel,
    CaseStatus,
    DeliveryMethod,
    IdentityCheck,
    MaterialStatus,
    VerificationStatus,
)
from tongban.core.models import TimeStampedModel


class Case(TimeStampedModel):
    """One application (办件) for one published version of a service item."""

    # Unique by a constraint (Meta): ``unique=True`` would add a second, pattern index that no search uses.
    number = models.CharField(_("case number"), max_length=32, null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    # Foreign keys whose lookups a composite index of Meta serves have no index of their own: every
    # transition rewrites the row's entry in each index (status is indexed, so no update is HOT).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("applicant"),
        db_index=False,
    )
    enterprise = models.ForeignKey(
        "accounts.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("enterprise"),
        db_index=False,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", on_delete=models.PROTECT, related_name="cases", verbose_name=_("service item")
    )
    department = models.ForeignKey(
        "regions.Department",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("department"),
        db_index=False,
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"), db_index=False
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    situations = models.JSONField(_("situation answers"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=12, choices=CaseChannel.choices, default=CaseChannel.ONLINE)
    # 跨省通办: the region code of the node that forwarded the application here (blank: applied here).
    # Kept on the case so that every transition knows without a query whether its origin must hear of it.
    forwarded_from = models.CharField(_("forwarded from region"), max_length=6, blank=True, default="")

    # Window acceptance (综合窗口): who received the application and how identity was checked.
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_received",
        verbose_name=_("received by"),
        db_index=False,
    )
    identity_check = models.CharField(
        _("identity check"), max_length=20, choices=IdentityCheck.choices, default=IdentityCheck.ONLINE_LOGIN
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_accepted",
        verbose_name=_("accepted by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_decided",
        verbose_name=_("decided by"),
        db_index=False,  # nothing looks cases up by who decided them
    )

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # The clock: working days from acceptance; suspension and correction do not count.
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    legal_due_date = models.DateField(_("legal due date"), null=True, blank=True, db_index=True)
    promised_due_date = models.DateField(_("promised due date"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    suspended_working_days = models.PositiveIntegerField(_("suspended working days"), default=0)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspended_from = models.CharField(_("suspended from"), max_length=24, blank=True)

    # 补正 / 不予受理 / 不予许可 / 撤销 / 中止 reasons, the latest of each kind.
    correction_materials = models.JSONField(_("materials to correct"), default=list, blank=True)
    correction_note = models.TextField(_("correction note"), blank=True)
    decision_reasons = models.TextField(_("decision reasons"), blank=True)

    # 容缺受理
    gap_deadline = models.DateField(_("supplement deadline"), null=True, blank=True)
    gap_reminded_on = models.DateField(_("last supplement reminder"), null=True, blank=True)

    # 告知承诺制
    commitment_signed_at = models.DateTimeField(_("commitment signed at"), null=True, blank=True)
    commitment_text = models.TextField(_("commitment text signed"), blank=True)

    result_number = models.CharField(_("result document number"), max_length=80, blank=True)
    result_note = models.TextField(_("result note"), blank=True)

    delivery_method = models.CharField(
        _("delivery method"), max_length=12, choices=DeliveryMethod.choices, default=DeliveryMethod.ELECTRONIC
    )
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    delivery_recipient = models.CharField(_("recipient"), max_length=120, blank=True)
    delivery_phone = models.CharField(_("recipient phone"), max_length=20, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=CaseChannel.values), name="case_channel_valid"),
            models.CheckConstraint(
                condition=Q(delivery_method__in=DeliveryMethod.values), name="case_delivery_method_valid"
            ),
            models.CheckConstraint(condition=Q(identity_check__in=IdentityCheck.values), name="case_identity_valid"),
            models.CheckConstraint(
                condition=Q(status=CaseStatus.DRAFT) | Q(number__isnull=False), name="case_number_after_draft"
            ),
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
        ]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="case_applicant_idx"),
            models.Index(fields=["department", "status", "promised_due_date"], name="case_queue_idx"),
            models.Index(fields=["received_by", "-created_at"], name="case_received_idx"),
            models.Index(fields=["enterprise", "-created_at"], name="case_enterprise_idx"),
            models.Index(fields=["region"], name="case_region_idx"),
            # Only cases accepted with gaps (容缺) have a supplement deadline: the others stay out.
            models.Index(
                fields=["gap_deadline"], name="case_gap_deadline_idx", condition=Q(gap_deadline__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"draft #{self.pk}"

    @property
    def stream(self) -> str:
        return self.stream_of(self.pk)

    @staticmethod
    def stream_of(pk: int) -> str:
        """The audit stream of the case with this id."""
        return f"case:{pk}"


class CaseNumberCounter(models.Model):
    """The last sequence number given to a case of one region on one day (locked while numbering)."""

    region_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region_code", "day"], name="case_counter_unique")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} #{self.last}"


class CaseMaterial(models.Model):
    """How one material the item asks for is satisfied in one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials", verbose_name=_("case"))
    material = models.ForeignKey(
        "catalog.Material", on_delete=models.PROTECT, related_name="+", verbose_name=_("material")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    # Upload: the stored file (outside the web root), its type decided from content, size and digest.
    file = models.FileField(_("file"), max_length=300, blank=True)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    # Licence reference (电子证照), resolved by the licences module.
    licence_number = models.CharField(_("licence number"), max_length=80, blank=True)
    # Data sharing (已由部门共享获取): the exchange's receipt of the data fetched instead of an upload.
    receipt_number = models.CharField(_("data receipt"), max_length=40, blank=True)
    # 容缺: supplied later, by this date.
    gap_deadline = models.DateField(_("supplement deadline"), null=True, blank=True)
    supplied_at = models.DateTimeField(_("supplied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["case_id", "material__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "material"], name="case_material_unique"),
            models.CheckConstraint(condition=Q(status__in=MaterialStatus.values), name="case_material_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.material}"


class VerificationTask(TimeStampedModel):
    """A department's check of a commitment (告知承诺制) after the case was approved at once."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="verification_task", verbose_name=_("case")
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="verification_tasks", verbose_name=_("department")
    )
    due_date = models.DateField(_("due date"), db_index=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    class Meta:
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=VerificationStatus.values), name="verification_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_status_display()}"


# 多地联办 (joint cases) live in their own module; imported here so that Django registers them.
from tongban.cases.joint.models import JointCase, JointEvent, JointStep  # noqa: E402, F401
