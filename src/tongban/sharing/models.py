"""Data sharing: the resource catalog, supply and demand, the exchange's front-end tables, the
hash-chained access log, the data receipts shown to reviewers, the proof register, verification
tasks and residents' objections.

A resource (政务数据资源) is versioned like a catalog item: ``code`` identifies it across versions,
at most one version is published and at most one is a draft. Its fields (typed, each with its
sharing class) are JSON validated by ``schemas.ResourceFieldIn`` before they are saved.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.core.models import TimeStampedModel
from tongban.sharing.constants import (
    AccessResult,
    AnomalyKind,
    ConnectorKind,
    ContextKind,
    ObjectionStatus,
    ProofMode,
    RequestStatus,
    ResourceStatus,
    SubjectKind,
    UpdateFrequency,
    VerificationStatus,
)


class DataResource(TimeStampedModel):
    """One version of a data resource published by a provider department (政务数据资源目录)."""

    code = models.CharField(_("resource code"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=12, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    provider = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="data_resources", verbose_name=_("provider")
    )
    subject_kind = models.CharField(_("subject kind"), max_length=12, choices=SubjectKind.choices)
    fields = models.JSONField(_("fields"), default=list)
    update_frequency = models.CharField(_("update frequency"), max_length=12, choices=UpdateFrequency.choices)
    legal_basis = models.TextField(_("legal basis"))
    system_name = models.CharField(_("serving system"), max_length=200)
    connector = models.CharField(
        _("connector"), max_length=8, choices=ConnectorKind.choices, default=ConnectorKind.LOCAL
    )
    connector_config = models.JSONField(_("connector settings"), default=dict, blank=True)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="sharing_resource_code_version_unique"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status=ResourceStatus.PUBLISHED), name="sharing_resource_one_published"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status=ResourceStatus.DRAFT), name="sharing_resource_one_draft"
            ),
            models.CheckConstraint(condition=Q(status__in=ResourceStatus.values), name="sharing_resource_status_valid"),
            models.CheckConstraint(
                condition=Q(subject_kind__in=SubjectKind.values), name="sharing_resource_subject_valid"
            ),
            models.CheckConstraint(
                condition=Q(connector__in=ConnectorKind.values), name="sharing_resource_connector_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} v{self.version})"

    def field_specs(self) -> dict[str, dict[str, Any]]:
        return {str(f["name"]): dict(f) for f in self.fields}

    @property
    def peer_region(self) -> str:
        return str(self.connector_config.get("region", "")) if self.connector == ConnectorKind.PEER else ""


class DataRequest(TimeStampedModel):
    """A department's request to read a resource (供需对接), and the provider's decision on it.

    The request is also the approval: once approved (with or without conditions) it is *live* in
    ``approved_from``…``approved_to`` and reads through the exchange go through it. Cross-region
    requests are kept on both nodes under the same number: the provider's node decides, the
    requester's node mirrors the decision.
    """

    number = models.CharField(_("request number"), max_length=40, unique=True)
    resource_code = models.CharField(_("resource code"), max_length=60, db_index=True)
    resource_name = models.CharField(_("resource name"), max_length=120)
    provider_region = models.CharField(_("provider's region"), max_length=6)
    provider = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    requester_region = models.CharField(_("requester's region"), max_length=6)
    requester = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("requesting department")
    )
    fields = models.JSONField(_("requested fields"), default=list)
    item_codes = models.JSONField(_("for the items"), default=list, blank=True)
    purposes = models.JSONField(_("purposes"), default=list)
    purpose_text = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    period_from = models.DateField(_("requested from"))
    period_to = models.DateField(_("requested until"))
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    approved_fields = models.JSONField(_("approved fields"), default=list, blank=True)
    masked_fields = models.JSONField(_("masked fields"), default=list, blank=True)
    approved_from = models.DateField(_("approved from"), null=True, blank=True)
    approved_to = models.DateField(_("approved until"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    dispute_reason = models.TextField(_("reasons of the dispute"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_label = models.CharField(_("requested by"), max_length=150, blank=True)
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RequestStatus.values), name="sharing_request_status_valid"),
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")), name="sharing_request_period_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["requester", "resource_code", "status"], name="sharing_request_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.resource_code}"


class ProviderRecord(models.Model):
    """One subject's record of a resource in the exchange's front-end tables (前置库), the local connector's source."""

    resource_code = models.CharField(_("resource code"), max_length=60)
    subject_id = models.CharField(_("subject (ID number or USCC)"), max_length=18)
    data = models.JSONField(_("data"))
    source_updated_at = models.DateTimeField(_("updated at the source"), default=timezone.now)

    class Meta:
        verbose_name = _("provider record")
        verbose_name_plural = _("provider records")
        constraints = [
            models.UniqueConstraint(fields=["resource_code", "subject_id"], name="sharing_record_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_code}:{self.subject_id}"


class AccessLogHead(models.Model):
    """The last link of one lane of the access log; locked while an entry is appended to the lane."""

    lane = models.PositiveSmallIntegerField(primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"lane {self.lane}#{self.seq}"


class AccessLogEntry(models.Model):
    """One read through the exchange, or one refusal: append-only, hash-chained per lane.

    The hash covers every column below (``store.canonical``) and the previous entry's hash, so a
    changed, inserted or removed entry breaks the lane's chain (``tongban sharing verify-log``).
    Missing values are stored as ``""`` / ``0``, never NULL, so the canonical form has one spelling.
    """

    lane = models.PositiveSmallIntegerField(_("lane"))
    seq = models.PositiveBigIntegerField(_("sequence"))
    occurred_at = models.DateTimeField(_("at"))
    actor_id = models.BigIntegerField(_("actor id"), default=0)
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    requester_region = models.CharField(_("requester's region"), max_length=6)
    department_id = models.BigIntegerField(_("department id"), default=0)
    department_label = models.CharField(_("department"), max_length=120, blank=True)
    resource_code = models.CharField(_("resource"), max_length=60)
    resource_version = models.PositiveIntegerField(_("resource version"), default=0)
    subject_id = models.CharField(_("subject"), max_length=18)
    fields = models.CharField(_("fields"), max_length=2000, blank=True)
    purpose = models.CharField(_("purpose"), max_length=24, blank=True)
    context_kind = models.CharField(_("context kind"), max_length=16, blank=True)
    context_id = models.CharField(_("context"), max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=AccessResult.choices)
    error_code = models.CharField(_("error code"), max_length=48, blank=True)
    approval_number = models.CharField(_("approval"), max_length=40, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lane", "seq"], name="sharing_access_lane_seq_unique"),
            models.CheckConstraint(condition=Q(result__in=AccessResult.values), name="sharing_access_result_valid"),
        ]
        indexes = [
            models.Index(fields=["subject_id", "occurred_at"], name="sharing_access_subject_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="sharing_access_actor_idx"),
            models.Index(fields=["occurred_at"], name="sharing_access_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.lane}#{self.seq} {self.resource_code} {self.subject_id} {self.result}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("the access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("the access log is append-only")

    @property
    def field_list(self) -> list[str]:
        return [f for f in self.fields.split(",") if f]


class DataReceipt(models.Model):
    """Data fetched through the exchange for a context, kept with its source, time and signature.

    What a reviewer sees instead of an upload (已由部门共享获取): ``data`` holds the approved,
    masked fields only; ``token`` is a JWS over them signed by the node that read the source (this
    node, or the peer for a cross-region read).
    """

    number = models.CharField(_("receipt number"), max_length=40, unique=True)
    context_kind = models.CharField(_("context kind"), max_length=16, choices=ContextKind.choices)
    context_id = models.CharField(_("context"), max_length=64)
    subject_id = models.CharField(_("subject"), max_length=18)
    resource_code = models.CharField(_("resource"), max_length=60)
    resource_version = models.PositiveIntegerField(_("resource version"))
    resource_name = models.CharField(_("resource name"), max_length=120)
    provider_label = models.CharField(_("source"), max_length=200)
    provider_region = models.CharField(_("source region"), max_length=6)
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("reading department")
    )
    purpose = models.CharField(_("purpose"), max_length=24)
    material_code = models.CharField(_("material"), max_length=40, blank=True)
    data = models.JSONField(_("data"))
    fetched_at = models.DateTimeField(_("fetched at"))
    token = models.TextField(_("signature (JWS)"))
    kid = models.CharField(_("signing key id"), max_length=100)
    signer_region = models.CharField(_("signed by region"), max_length=6)
    log_lane = models.PositiveSmallIntegerField(_("access log lane"))
    log_seq = models.PositiveBigIntegerField(_("access log sequence"))
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("data receipt")
        verbose_name_plural = _("data receipts")
        ordering = ["-fetched_at", "-id"]
        indexes = [models.Index(fields=["context_kind", "context_id"], name="sharing_receipt_context_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.resource_code}"


class ProofRequirement(TimeStampedModel):
    """One proof a region still asks for, or no longer does (证明事项清单), with its mode."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("proof"), max_length=200)
    issuer = models.CharField(_("issued by"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    mode = models.CharField(_("mode"), max_length=20, choices=ProofMode.choices)
    resource_code = models.CharField(_("data resource that checks it"), max_length=60, blank=True)
    verify_fields = models.JSONField(_("fields that prove it"), default=list, blank=True)
    commitment_text = models.TextField(_("commitment text"), blank=True)
    item_codes = models.JSONField(_("items that ask for it"), default=list, blank=True)
    material_codes = models.JSONField(_("material codes that are this proof"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("proof requirement")
        verbose_name_plural = _("proof register")
        ordering = ["region_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="sharing_proof_region_code_unique"),
            models.CheckConstraint(condition=Q(mode__in=ProofMode.values), name="sharing_proof_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_mode_display()})"


class VerificationTask(TimeStampedModel):
    """A later check of a signed commitment (告知承诺) through the exchange; also a read context."""

    number = models.CharField(_("task number"), max_length=40, unique=True)
    proof = models.ForeignKey(ProofRequirement, on_delete=models.PROTECT, related_name="tasks")
    subject_id = models.CharField(_("subject"), max_length=18)
    subject_name = models.CharField(_("subject's name"), max_length=200)
    department = models.ForeignKey(
        "regions.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("checking department")
    )
    origin_kind = models.CharField(_("for a"), max_length=16, choices=ContextKind.choices)
    origin_id = models.CharField(_("for"), max_length=64)
    commitment_text = models.TextField(_("commitment signed"))
    committed_at = models.DateTimeField(_("committed at"))
    due_on = models.DateField(_("check by"))
    status = models.CharField(
        _("status"), max_length=14, choices=VerificationStatus.choices, default=VerificationStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    receipt_number = models.CharField(_("data receipt"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("verification task")
        verbose_name_plural = _("verification tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=VerificationStatus.values), name="sharing_verification_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Objection(models.Model):
    """A resident's or enterprise's objection to one read of their data, with the 12345 ticket it opened."""

    subject_id = models.CharField(_("subject"), max_length=18)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    log_lane = models.PositiveSmallIntegerField(_("access log lane"))
    log_seq = models.PositiveBigIntegerField(_("access log sequence"))
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(_("status"), max_length=14, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    ticket_number = models.CharField(_("12345 ticket"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["log_lane", "log_seq"], name="sharing_objection_one_per_read"),
            models.CheckConstraint(
                condition=Q(status__in=ObjectionStatus.values), name="sharing_objection_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.log_lane}#{self.log_seq}"


class Anomaly(models.Model):
    """A pattern of reads the supervisors should look at (found by ``anomalies_scan``)."""

    kind = models.CharField(_("kind"), max_length=24, choices=AnomalyKind.choices)
    key = models.CharField(_("about"), max_length=120)
    detail = models.JSONField(_("detail"), default=dict)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        verbose_name = _("anomaly")
        verbose_name_plural = _("anomalies")
        ordering = ["-found_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "window_start"], name="sharing_anomaly_unique"),
            models.CheckConstraint(condition=Q(kind__in=AnomalyKind.values), name="sharing_anomaly_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
