"""Tickets, extensions, transfers, the knowledge base, the dispatch model and Open311 keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.hotline.constants import (
    Channel,
    ExtensionStatus,
    KnowledgeStatus,
    Satisfaction,
    TicketCategory,
    TicketStatus,
    TransferStatus,
    Urgency,
)


class Ticket(models.Model):
    """One request to the 12345 line (工单)."""

    number = models.CharField(_("number"), max_length=24, unique=True)
    check_code = models.CharField(_("check code"), max_length=8)
    line_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("hotline region")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region concerned")
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=16, choices=TicketCategory.choices)
    subject = models.CharField(_("subject"), max_length=32, blank=True)
    urgency = models.CharField(_("urgency"), max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    long = models.FloatField(_("longitude"), null=True, blank=True)
    caller_anonymous = models.BooleanField(_("anonymous"), default=False)
    publish_consent = models.BooleanField(
        _("caller agreed to publication"),
        default=False,
        help_text=_("Shown on the public request list (Open311), with personal data removed; never for reports."),
    )
    caller_name = models.CharField(_("caller's name"), max_length=60, blank=True)
    caller_phone = models.CharField(_("caller's phone"), max_length=20, blank=True)
    caller_email = models.CharField(_("caller's email"), max_length=120, blank=True)
    caller_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caller's account"),
    )
    status = models.CharField(_("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.RECEIVED)
    department = models.ForeignKey(
        "regions.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken by"),
    )
    created_at = models.DateTimeField(_("received at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    sla_hours = models.PositiveIntegerField(_("allowed hours"), default=0)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    answered_directly = models.BooleanField(_("answered directly"), default=False)
    knowledge_entry = models.ForeignKey(
        "hotline.KnowledgeEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("knowledge-base entry"),
    )
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    return_reason = models.TextField(_("reason for the return"), blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    escalated = models.BooleanField(_("escalated"), default=False)
    supervised = models.BooleanField(_("was supervised"), default=False)
    revisited_at = models.DateTimeField(_("revisited at"), null=True, blank=True)
    revisit_note = models.TextField(_("revisit note"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    transferred_to = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred to"),
    )
    external_id = models.CharField(_("external reference"), max_length=64, blank=True)
    transferred_from = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("transferred from"),
    )
    origin_number = models.CharField(_("number at the originating line"), max_length=24, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["department", "status"], name="ticket_department_status"),
            models.Index(fields=["region", "created_at"], name="ticket_region_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=TicketStatus.values), name="ticket_status_valid"),
            models.CheckConstraint(
                condition=models.Q(category__in=TicketCategory.values), name="ticket_category_valid"
            ),
            models.CheckConstraint(condition=models.Q(channel__in=Channel.values), name="ticket_channel_valid"),
            models.CheckConstraint(condition=models.Q(urgency__in=Urgency.values), name="ticket_urgency_valid"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__in=["", *Satisfaction.values]), name="ticket_satisfaction_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def stream(self) -> str:
        return f"ticket:{self.pk}"


class ExtensionRequest(models.Model):
    """A department asks for more time; a hotline supervisor approves or refuses."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("ticket"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    working_days = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ExtensionStatus.values), name="ticket_extension_status_valid"
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(status="pending"), name="ticket_extension_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.working_days}"


class TicketTransfer(models.Model):
    """Outbox message of a cross-region transfer (京津冀 转送): the federation delivers ``payload``."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("ticket"))
    to_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("to region")
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("outcome received at"), null=True, blank=True)
    remote_number = models.CharField(_("number at the receiving line"), max_length=24, blank=True)

    class Meta:
        verbose_name = _("ticket transfer")
        verbose_name_plural = _("ticket transfers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TransferStatus.values), name="ticket_transfer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.message_id)


class KnowledgeEntry(models.Model):
    """One entry of the knowledge base (知识库): a question with its variants and the answer."""

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    origin_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("origin region")
    )
    category = models.CharField(_("category"), max_length=60)
    question = models.CharField(_("question"), max_length=300)
    variants = models.JSONField(_("question variants"), default=list, blank=True)
    answer = models.TextField(_("answer"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    owner = models.ForeignKey(
        "regions.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=KnowledgeStatus.choices, default=KnowledgeStatus.DRAFT
    )
    shareable = models.BooleanField(_("shared with other regions"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    proposed_from = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("proposed from")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge-base entry")
        verbose_name_plural = _("knowledge-base entries")
        ordering = ["question", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=KnowledgeStatus.values), name="knowledge_status_valid"
            ),
            models.UniqueConstraint(fields=["uid", "version"], name="knowledge_uid_version_unique"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="knowledge_validity_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def stream(self) -> str:
        return f"knowledge:{self.uid}"


class KnowledgeTerm(models.Model):
    """Search index of published entries: one row per term (jieba word, pinyin, initials)."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        # ``(term, weight)`` with the entry included: PostgreSQL ranks from the index alone (an
        # index-only scan; the weight bound of a query of common words is an index condition).
        indexes = [models.Index(fields=["term", "weight"], include=["entry"], name="knowledge_term_rank")]

    def __str__(self) -> str:
        return self.term


class KnowledgeGeneration(models.Model):
    """One row counting changes of the search index (``KnowledgeTerm``); cached rankings are keyed by it.

    ``knowledge.reindex`` / ``reindex_many`` increment it in the transaction that changes the index,
    and every search reads it from the database (``knowledge.search``).
    """

    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class DispatchModel(models.Model):
    """A trained dispatch classifier (TF-IDF over jieba words, linear model), stored for every process."""

    created_at = models.DateTimeField(auto_now_add=True)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    samples = models.PositiveIntegerField()
    accuracy = models.FloatField(null=True, blank=True)
    blob = models.BinaryField()

    class Meta:
        verbose_name = _("dispatch model")
        verbose_name_plural = _("dispatch models")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.created_at:%Y-%m-%d %H:%M}"


class Open311Key(models.Model):
    """An API key for Open311 clients; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
