"""Ratings of closed cases (好差评), rectification tasks for bad ratings, and credit records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.supervision.constants import CreditKind, RectificationStatus


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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_records", verbose_name=_("subject")
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
        constraints = [models.CheckConstraint(condition=Q(kind__in=CreditKind.values), name="credit_kind_valid")]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_kind_display()}"
