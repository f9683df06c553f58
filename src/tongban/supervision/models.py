"""Ratings of closed cases (好差评), rectification tasks for bad ratings, and credit records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.supervision.constants import (
    DEFAULT_AVOID_MONTHS,
    AvoidReason,
    CreditClass,
    CreditKind,
    CreditListKind,
    CreditSeverity,
    InspectionResult,
    InspectionStatus,
    PlanStatus,
    RectificationStatus,
    RepairStatus,
    UnresolvedStatus,
)


class Rating(models.Model):
    """An applicant's rating of one closed case: 1–5 stars, tags and text. One per case."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="rating", verbose_name=_("case"))
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("applicant")
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="ratings", verbose_name=_("department")
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    text = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_range")]

    def __str__(self) -> str:
        return f"{self.case} ★{self.stars}"


class RectificationTask(models.Model):
    """A department's rectification of a bad rating, followed up by a supervisor."""

    rating = models.OneToOneField(
        Rating, on_delete=models.CASCADE, related_name="rectification", verbose_name=_("rating")
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="rectification_tasks", verbose_name=_("department")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due_date = models.DateField(_("due date"), db_index=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    report = models.TextField(_("rectification report"), blank=True)
    supervisor_note = models.TextField(_("supervisor's note"), blank=True)
    rounds = models.PositiveSmallIntegerField(_("rounds returned"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RectificationStatus.values), name="rectification_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating.case} · {self.get_status_display()}"

    @property
    def stream(self) -> str:
        return f"rectification:{self.pk}"


class CreditRecord(models.Model):
    """A record in a subject's credit file (信用记录), e.g. a commitment found false."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
        verbose_name=_("subject"),
    )
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, db_index=True, help_text=_("for an enterprise")
    )
    enterprise = models.ForeignKey(
        "accounts.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
        verbose_name=_("enterprise"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_records",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CreditKind.choices)
    severity = models.CharField(
        _("severity"), max_length=8, choices=CreditSeverity.choices, default=CreditSeverity.MINOR
    )
    valid_until = models.DateField(_("counts until"), null=True, blank=True)
    repaired_at = models.DateTimeField(_("repaired at"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CreditKind.values), name="credit_kind_valid"),
            models.CheckConstraint(
                condition=Q(subject__isnull=False) | ~Q(uscc=""), name="credit_record_has_subject_or_uscc"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_kind_display()}"


# ------------------------------------------------------------------ 双随机一公开 (random inspections)


class InspectionTarget(models.Model):
    """An entry of the region's list of inspection targets (检查对象名录): an enterprise."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection target")
        verbose_name_plural = _("inspection targets")
        ordering = ["uscc"]
        constraints = [models.UniqueConstraint(fields=["region", "uscc"], name="inspection_target_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class Inspector(models.Model):
    """An entry of the region's list of law-enforcement inspectors (执法检查人员名录)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    qualifications = models.JSONField(_("matters qualified for"), default=list, blank=True)
    related_usccs = models.JSONField(
        _("enterprises related to the inspector"),
        default=list,
        blank=True,
        help_text=_("former employers, relatives' enterprises: never drawn for them"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["department_id", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="inspector_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.department}"


class InspectorConflict(models.Model):
    """A conflict of interest an inspector declared for a target: never drawn for it."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(_("reason"), max_length=500)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [models.UniqueConstraint(fields=["inspector", "target"], name="inspector_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.inspector} ≠ {self.target}"


class InspectionPlan(models.Model):
    """A random inspection plan: matters, scope, ratio and period; its lists frozen and its seed committed
    before the draw, the seed revealed with the draw (``core.inspection_draw``)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("organising department")
    )
    title = models.CharField(_("title"), max_length=200)
    matters = models.JSONField(_("matters inspected"), default=list)
    industry = models.CharField(_("industry in scope"), max_length=60, blank=True, help_text=_("blank: all"))
    ratio_bp = models.PositiveIntegerField(_("ratio (hundredths of a percent)"))
    team_size = models.PositiveSmallIntegerField(_("inspectors per target"), default=2)
    avoid_months = models.PositiveSmallIntegerField(
        _("months before the same target again"), default=DEFAULT_AVOID_MONTHS
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    commitment = models.CharField(_("seed commitment (SHA-256)"), max_length=64, blank=True)
    seed = models.CharField(_("seed (revealed with the draw)"), max_length=64, blank=True)
    frozen = models.JSONField(_("published lists"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("random inspection plan")
        verbose_name_plural = _("random inspection plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values), name="inspection_plan_status_valid"),
            models.CheckConstraint(condition=Q(ratio_bp__gte=1, ratio_bp__lte=10000), name="inspection_plan_ratio"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="inspection_plan_period"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"inspection-plan:{self.pk}"

    @property
    def ratio_percent(self) -> str:
        whole, rest = divmod(self.ratio_bp, 100)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".")


class Inspection(models.Model):
    """One drawn target of a plan with its team of inspectors, and the published result."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="inspections")
    position = models.PositiveIntegerField(_("position in the draw"))
    target = models.ForeignKey(InspectionTarget, on_delete=models.PROTECT, related_name="inspections")
    team = models.ManyToManyField(Inspector, related_name="inspections", verbose_name=_("inspectors"))
    status = models.CharField(
        _("status"), max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.ASSIGNED
    )
    result = models.CharField(_("result"), max_length=20, choices=InspectionResult.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="inspection_position_unique"),
            models.UniqueConstraint(fields=["plan", "target"], name="inspection_target_once_per_plan"),
            models.CheckConstraint(condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.target}"

    @property
    def stream(self) -> str:
        return f"inspection-plan:{self.plan_id}"


class AvoidPair(models.Model):
    """Why an inspector was kept away from a target in a plan's draw (published with the lists)."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.CASCADE, related_name="avoid_pairs")
    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(InspectionTarget, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=AvoidReason.choices)

    class Meta:
        verbose_name = _("avoidance")
        verbose_name_plural = _("avoidances")
        constraints = [
            models.UniqueConstraint(fields=["plan", "inspector", "target", "reason"], name="avoid_pair_unique")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} ≠ {self.target} ({self.get_reason_display()})"


# ------------------------------------------------------------------ credit (信用)


class CreditListEntry(models.Model):
    """An entry on the red list (守信激励) or the black list (失信惩戒), for a period."""

    kind = models.CharField(_("list"), max_length=5, choices=CreditListKind.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=500)
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("deciding department")
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"))
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("listed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit list entry")
        verbose_name_plural = _("credit list entries")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CreditListKind.values), name="credit_list_kind_valid"),
            models.CheckConstraint(condition=Q(subject__isnull=False) | ~Q(uscc=""), name="credit_list_has_subject"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="credit_list_period"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"


class CreditRule(models.Model):
    """One classification rule as data: a CEL expression over a subject's credit facts."""

    credit_class = models.CharField(_("class"), max_length=10, choices=CreditClass.choices)
    expression = models.CharField(_("CEL expression"), max_length=500)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(credit_class__in=CreditClass.values), name="credit_rule_class")
        ]

    def __str__(self) -> str:
        return f"{self.get_credit_class_display()}: {self.expression}"


class CreditRepairRequest(models.Model):
    """A subject's request to repair a credit record (信用修复), decided by the recording department."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="repairs")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("what was done to correct it"))
    status = models.CharField(_("status"), max_length=10, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit repair request")
        verbose_name_plural = _("credit repair requests")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=RepairStatus.values), name="credit_repair_status")]

    def __str__(self) -> str:
        return f"{self.record} · {self.get_status_display()}"

    @property
    def stream(self) -> str:
        return f"credit-repair:{self.pk}"


# ------------------------------------------------------------------ 办不成事 window


class UnresolvedMatter(models.Model):
    """A matter a resident could not get done (办不成事): recorded by the resident or a clerk, given an
    owner and a deadline by a supervisor, closed with an outcome."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resident"),
    )
    contact_name = models.CharField(_("contact name"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    item_code = models.CharField(_("service item (code)"), max_length=64, blank=True)
    description = models.TextField(_("what could not be done"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, default="online")
    status = models.CharField(
        _("status"), max_length=10, choices=UnresolvedStatus.choices, default=UnresolvedStatus.RECORDED
    )
    owner = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("owner")
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("matter that could not be done")
        verbose_name_plural = _("matters that could not be done")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=UnresolvedStatus.values), name="unresolved_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.pk} · {self.get_status_display()}"

    @property
    def stream(self) -> str:
        return f"unresolved:{self.pk}"
