"""Joint cases (多地联办): the same rows on both nodes; only the step a node runs has a local ``Case``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.cases.joint.constants import JointStatus, StepRole, StepStatus
from tongban.core.models import TimeStampedModel


class JointCase(TimeStampedModel):
    """One application with an outgoing step at the source region and an incoming step at the destination."""

    joint_id = models.UUIDField(_("joint case id"), unique=True, editable=False)
    base_code = models.CharField(_("base item code"), max_length=60)
    item_name = models.CharField(_("item name"), max_length=200)
    source_region = models.CharField(_("source region (转出地)"), max_length=6)
    destination_region = models.CharField(_("destination region (转入地)"), max_length=6)
    initiator_region = models.CharField(_("region applied at"), max_length=6)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="joint_cases", verbose_name=_("applicant")
    )
    status = models.CharField(_("status"), max_length=12, choices=JointStatus.choices, default=JointStatus.OPEN)
    failure_reasons = models.TextField(_("why it failed"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("joint case")
        verbose_name_plural = _("joint cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JointStatus.values), name="joint_case_status_valid"),
            models.CheckConstraint(
                condition=~Q(source_region=models.F("destination_region")), name="joint_case_two_regions"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_name} {self.source_region}→{self.destination_region} ({self.joint_id})"

    @property
    def stream(self) -> str:
        return f"joint:{self.joint_id}"

    def parties(self) -> set[str]:
        return {self.source_region, self.destination_region}


class JointStep(models.Model):
    """One step of a joint case: run here (``case`` set) or at the peer (mirrored from its messages)."""

    joint = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="steps", verbose_name=_("joint case"))
    role = models.CharField(_("step"), max_length=10, choices=StepRole.choices)
    region_code = models.CharField(_("region"), max_length=6)
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="joint_step", verbose_name=_("case")
    )
    opened_by_peer = models.BooleanField(_("opened at a peer's request"), default=False)
    status = models.CharField(_("status"), max_length=24, choices=StepStatus.choices, default=StepStatus.REQUESTED)
    case_number = models.CharField(_("case number"), max_length=32, blank=True)
    item_code = models.CharField(_("implementation code"), max_length=60, blank=True)
    department_name = models.CharField(_("department"), max_length=200, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    promised_due_date = models.DateField(_("promised due date"), null=True, blank=True)
    legal_due_date = models.DateField(_("legal due date"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    reasons = models.TextField(_("reasons"), blank=True)
    certificate = models.JSONField(_("transfer certificate"), default=dict, blank=True)
    seq = models.PositiveIntegerField(_("last update"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("joint case step")
        verbose_name_plural = _("joint case steps")
        ordering = ["joint_id", "-role"]
        constraints = [
            models.UniqueConstraint(fields=["joint", "role"], name="joint_step_role_unique"),
            models.CheckConstraint(condition=Q(role__in=StepRole.values), name="joint_step_role_valid"),
            models.CheckConstraint(condition=Q(status__in=StepStatus.values), name="joint_step_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.joint_id} {self.role} @{self.region_code}: {self.status}"


class JointEvent(models.Model):
    """One entry of the joint case's shared timeline; both nodes hold the same entries (by ``event_id``)."""

    joint = models.ForeignKey(JointCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("joint case"))
    event_id = models.UUIDField(_("event id"), unique=True)
    role = models.CharField(_("step"), max_length=10, choices=StepRole.choices, blank=True)
    region_code = models.CharField(_("region"), max_length=6, blank=True)
    action = models.CharField(_("action"), max_length=40)
    status = models.CharField(_("status after"), max_length=24)
    note = models.TextField(_("note"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))

    class Meta:
        verbose_name = _("joint case event")
        verbose_name_plural = _("joint case events")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["joint", "occurred_at"], name="joint_event_time_idx")]

    def __str__(self) -> str:
        return f"{self.joint_id} {self.action} {self.status}"
