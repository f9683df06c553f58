"""Public-resource trading: projects, procedures and their notices, registrations, sealed bids, the
opening, the shared expert pool and its draws, the evaluation, complaints and OCDS releases."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.trading.constants import (
    BidStatus,
    ComplaintStatus,
    ConflictKind,
    DecryptionFailure,
    DrawStatus,
    EvaluationMethod,
    ExpertStatus,
    NoticeKind,
    ObjectionStatus,
    OpeningResult,
    ProcedureKind,
    ProcedureStatus,
    ProcurementCategory,
    ProcurementMethod,
    RegistrationStatus,
    ReportStatus,
    SeatStatus,
    SheetStatus,
    SummonsStatus,
    TradingRoleKind,
)

USER = settings.AUTH_USER_MODEL


def _valid(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class TradingRole(models.Model):
    """A role at this node's trading centre (交易中心): operators run procedures, openings and draws."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="trading_roles", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=16, choices=TradingRoleKind.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trading role")
        verbose_name_plural = _("trading roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="trading_role_unique"),
            _valid("role", TradingRoleKind, "trading_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Project(models.Model):
    """A project (项目) of an employer (招标人), traded in one or more procedures (标段)."""

    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProcedureKind.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    employer = models.ForeignKey(
        "accounts.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name=_("employer")
    )
    agent = models.ForeignKey(
        "accounts.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tendering agent"),
    )
    description = models.TextField(_("description"), blank=True)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        constraints = [_valid("kind", ProcedureKind, "trading_project_kind_valid")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Procedure(models.Model):
    """One procedure (标段): announced, bid, opened, evaluated, awarded, contracted."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("project"))
    number = models.CharField(_("procedure number"), max_length=40, unique=True)
    ocid = models.CharField(_("OCDS id"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ProcedureKind.choices)
    method = models.CharField(_("method"), max_length=12, choices=ProcurementMethod.choices)
    category = models.CharField(_("category"), max_length=12, choices=ProcurementCategory.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ProcedureStatus.choices, default=ProcedureStatus.DRAFT
    )
    estimated_value = models.DecimalField(_("estimated value (yuan)"), max_digits=16, decimal_places=2, null=True)
    documents_from = models.DateTimeField(_("tender documents issued from"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline and opening time"), null=True, blank=True)
    opening_window_minutes = models.PositiveIntegerField(_("decryption window (minutes)"), default=60)
    decryption_failure = models.CharField(
        _("if a bid is not decrypted"),
        max_length=8,
        choices=DecryptionFailure.choices,
        default=DecryptionFailure.INVALID,
    )
    evaluation_method = models.CharField(
        _("evaluation method"), max_length=16, choices=EvaluationMethod.choices, default=EvaluationMethod.COMPREHENSIVE
    )
    criteria = models.JSONField(_("evaluation criteria"), default=list)
    expert_count = models.PositiveSmallIntegerField(_("number of experts"), default=5)
    expert_specialties = models.JSONField(_("expert specialties"), default=list)
    region_minimums = models.JSONField(_("experts at least per region"), default=dict, blank=True)
    region_maximums = models.JSONField(_("experts at most per region"), default=dict, blank=True)
    main_venue = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("main venue (主场)")
    )
    remote_venues = models.JSONField(_("remote venues (副场)"), default=list, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("publicity days"), default=3)
    version = models.PositiveIntegerField(_("announcement version"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opening_closes_at = models.DateTimeField(_("decryption window closes at"), null=True, blank=True)
    opening_record = models.JSONField(_("opening record"), null=True, blank=True)
    opening_record_jws = models.TextField(_("signed opening record"), blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends at"), null=True, blank=True)
    awarded_bid = models.ForeignKey(
        "trading.Bid", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("awarded bid")
    )
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_value = models.DecimalField(_("contract value (yuan)"), max_digits=16, decimal_places=2, null=True)
    contract_signed_at = models.DateTimeField(_("contract signed at"), null=True, blank=True)
    ended_reason = models.TextField(_("reason (failure or cancellation)"), blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["-created_at"]
        constraints = [
            _valid("status", ProcedureStatus, "trading_procedure_status_valid"),
            _valid("kind", ProcedureKind, "trading_procedure_kind_valid"),
            models.CheckConstraint(condition=models.Q(expert_count__gte=1), name="trading_procedure_experts_positive"),
        ]
        indexes = [models.Index(fields=["status", "bid_deadline"], name="trading_proc_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def stream(self) -> str:
        return f"procedure:{self.pk}"


class Notice(models.Model):
    """A published notice of a procedure (公告, 澄清, 修改, 开标记录, 候选人公示…), one version each."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="notices")
    version = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    documents = models.JSONField(_("documents"), default=list, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["procedure", "version"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="trading_notice_version_unique"),
            _valid("kind", NoticeKind, "trading_notice_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} v{self.version} {self.title}"


class Registration(models.Model):
    """An enterprise registered as a bidder of a procedure (投标报名)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="registrations")
    enterprise = models.ForeignKey("accounts.Enterprise", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by"))
    status = models.CharField(
        _("status"), max_length=12, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    registered_at = models.DateTimeField(_("registered at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "enterprise"],
                condition=models.Q(status="registered"),
                name="trading_registration_unique",
            ),
            _valid("status", RegistrationStatus, "trading_registration_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_id} · {self.enterprise_id}"


class Bid(models.Model):
    """A bid sealed in the bidder's browser: the server holds the ciphertext and the commitment.

    ``commitment`` is the SHA-256 of the plaintext, computed in the browser and receipted at
    submission; the key never reaches the server before opening (``key`` is what the bidder releases
    at opening, after which anyone can check the ciphertext against the commitment).
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="bids")
    enterprise = models.ForeignKey("accounts.Enterprise", on_delete=models.PROTECT, related_name="+")
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="bids")
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=BidStatus.choices, default=BidStatus.SEALED)
    cipher = models.CharField(_("cipher"), max_length=20)
    kdf = models.CharField(_("key derivation"), max_length=20)
    iterations = models.PositiveIntegerField(_("key derivation iterations"))
    salt = models.CharField(_("salt (base64)"), max_length=64)
    iv = models.CharField(_("IV (base64)"), max_length=32)
    ciphertext = models.TextField(_("ciphertext (base64)"))
    ciphertext_sha256 = models.CharField(_("ciphertext SHA-256"), max_length=64)
    commitment = models.CharField(_("commitment (SHA-256 of the plaintext)"), max_length=64)
    backup_salt = models.CharField(_("backup salt"), max_length=64, blank=True)
    backup_iv = models.CharField(_("backup IV"), max_length=32, blank=True)
    backup_ciphertext = models.TextField(_("backup ciphertext (base64)"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    receipt = models.TextField(_("receipt (JWS)"))
    replaces = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opening_result = models.CharField(_("opening result"), max_length=20, choices=OpeningResult.choices, blank=True)
    key = models.CharField(_("released key (base64)"), max_length=64, blank=True)
    plaintext = models.TextField(_("opened bid"), blank=True)
    price = models.DecimalField(_("price (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    duration_days = models.PositiveIntegerField(_("duration (days)"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            # one live bid per bidder and procedure: a second submission is refused, replacing is explicit
            models.UniqueConstraint(
                fields=["procedure", "enterprise"],
                condition=models.Q(status__in=["sealed", "opened", "invalid", "rejected"]),
                name="trading_bid_one_live",
            ),
            _valid("status", BidStatus, "trading_bid_status_valid"),
        ]
        indexes = [models.Index(fields=["procedure", "status"], name="trading_bid_proc_idx")]

    def __str__(self) -> str:
        return f"bid {self.pk} · {self.procedure_id} · {self.enterprise_id}"


class OpeningObjection(models.Model):
    """An objection raised in the online opening hall (开标异议) and its answer."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="objections")
    enterprise = models.ForeignKey("accounts.Enterprise", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.RAISED
    )
    raised_at = models.DateTimeField(_("raised at"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("opening objection")
        verbose_name_plural = _("opening objections")
        ordering = ["raised_at"]
        constraints = [_valid("status", ObjectionStatus, "trading_objection_status_valid")]

    def __str__(self) -> str:
        return f"objection {self.pk} · {self.procedure_id}"


class Expert(models.Model):
    """An evaluation expert of a region's pool (评标专家); peers' shared experts are copies kept in step."""

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True)
    origin_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("pool of region")
    )
    code = models.CharField(_("expert number"), max_length=40)
    name = models.CharField(_("name"), max_length=60)
    id_number = models.CharField(_("ID number"), max_length=18)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    employer_uscc = models.CharField(_("employer's credit code"), max_length=18, blank=True)
    specialties = models.JSONField(_("specialties"), default=list)
    status = models.CharField(_("status"), max_length=12, choices=ExpertStatus.choices, default=ExpertStatus.ACTIVE)
    shared = models.BooleanField(_("shared with peer regions"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    user = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("login")
    )
    received_at = models.DateTimeField(_("received from the peer at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["origin_region", "code"]
        constraints = [
            models.UniqueConstraint(fields=["origin_region", "code"], name="trading_expert_code_unique"),
            _valid("status", ExpertStatus, "trading_expert_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.origin_region_id}-{self.code})"


class ExpertConflict(models.Model):
    """An interest an expert declared (or an administrator recorded) with an enterprise."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    uscc = models.CharField(_("enterprise's credit code"), max_length=18)
    enterprise_name = models.CharField(_("enterprise"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ConflictKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.UniqueConstraint(fields=["expert", "uscc", "kind"], name="trading_conflict_unique"),
            _valid("kind", ConflictKind, "trading_conflict_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} · {self.uscc} · {self.kind}"


class Draw(models.Model):
    """The expert draw of a procedure: list and seed hash published first, then the seed and the result."""

    procedure = models.OneToOneField(Procedure, on_delete=models.PROTECT, related_name="draw")
    status = models.CharField(_("status"), max_length=12, choices=DrawStatus.choices, default=DrawStatus.COMMITTED)
    algorithm = models.CharField(_("algorithm"), max_length=30)
    candidates = models.JSONField(_("eligible experts"), default=list)
    excluded = models.JSONField(_("avoided experts and why"), default=list)
    apart = models.JSONField(_("pairs kept apart"), default=list)
    rules = models.JSONField(_("rules"), default=dict)
    candidates_digest = models.CharField(_("list digest"), max_length=64)
    seed_hash = models.CharField(_("seed commitment"), max_length=64)
    seed = models.CharField(_("seed (hex)"), max_length=64)
    seed_revealed = models.BooleanField(_("seed revealed"), default=False)
    rounds = models.PositiveSmallIntegerField(_("rounds drawn"), default=0)
    history = models.JSONField(_("rounds: inputs and result"), default=list)
    committed_at = models.DateTimeField(_("committed at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert draw")
        verbose_name_plural = _("expert draws")
        constraints = [_valid("status", DrawStatus, "trading_draw_status_valid")]

    def __str__(self) -> str:
        return f"draw {self.pk} · {self.procedure_id}"


class Seat(models.Model):
    """An expert drawn onto a panel, and whether they confirmed."""

    uid = models.UUIDField(_("uid"), default=uuid.uuid4, unique=True)
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="seats")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="seats")
    round = models.PositiveSmallIntegerField(_("round"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    status = models.CharField(_("status"), max_length=12, choices=SeatStatus.choices, default=SeatStatus.DRAWN)
    venue = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("venue"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        ordering = ["draw", "round", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "expert"], name="trading_seat_expert_unique"),
            _valid("status", SeatStatus, "trading_seat_status_valid"),
        ]

    def __str__(self) -> str:
        return f"seat {self.uid} · {self.expert_id}"


class Summons(models.Model):
    """At the expert's home node: a peer's draw chose this region's expert (通知); they answer here."""

    seat_uid = models.UUIDField(_("seat"), unique=True)
    host_region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="summons")
    ocid = models.CharField(_("OCDS id"), max_length=80)
    procedure_title = models.CharField(_("procedure"), max_length=200)
    evaluation_at = models.DateTimeField(_("evaluation at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=SummonsStatus.choices, default=SummonsStatus.PENDING)
    received_at = models.DateTimeField(_("received at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("expert summons")
        verbose_name_plural = _("expert summonses")
        ordering = ["-received_at"]
        constraints = [_valid("status", SummonsStatus, "trading_summons_status_valid")]

    def __str__(self) -> str:
        return f"summons {self.seat_uid} · {self.expert_id}"


class ScoreSheet(models.Model):
    """One expert's scores of every valid bid on the tender's criteria (评分表)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="sheets")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="sheets")
    status = models.CharField(_("status"), max_length=12, choices=SheetStatus.choices, default=SheetStatus.DRAFT)
    scores = models.JSONField(_("scores"), default=dict)  # {bid id: {criterion code: score}}
    explanations = models.JSONField(_("explanations of outliers"), default=dict)  # {"bid:criterion": text}
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "seat"], name="trading_sheet_unique"),
            _valid("status", SheetStatus, "trading_sheet_status_valid"),
        ]

    def __str__(self) -> str:
        return f"sheet {self.pk} · {self.procedure_id}"


class EvaluationReport(models.Model):
    """The panel's report (评标报告): ranking and candidates, signed by each expert, then sealed."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="reports")
    version = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.SIGNING)
    content = models.JSONField(_("content"))
    digest = models.CharField(_("SHA-256 of the content"), max_length=64)
    jws = models.TextField(_("sealed report (JWS)"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "version"], name="trading_report_version_unique"),
            _valid("status", ReportStatus, "trading_report_status_valid"),
        ]

    def __str__(self) -> str:
        return f"report {self.procedure_id} v{self.version}"


class ReportSignature(models.Model):
    """An expert's signature of a report's digest (with a dissent, if they disagree)."""

    report = models.ForeignKey(EvaluationReport, on_delete=models.CASCADE, related_name="signatures")
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    digest = models.CharField(_("signed digest"), max_length=64)
    dissent = models.TextField(_("dissenting opinion"), blank=True)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("report signature")
        verbose_name_plural = _("report signatures")
        constraints = [models.UniqueConstraint(fields=["report", "seat"], name="trading_signature_unique")]

    def __str__(self) -> str:
        return f"signature {self.report_id} · {self.seat_id}"


class Complaint(models.Model):
    """A complaint (投诉) about a procedure to the administrative supervisor."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="complaints")
    enterprise = models.ForeignKey("accounts.Enterprise", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("subject"), max_length=200)
    facts = models.TextField(_("facts and grounds"))
    status = models.CharField(
        _("status"), max_length=12, choices=ComplaintStatus.choices, default=ComplaintStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-submitted_at"]
        constraints = [_valid("status", ComplaintStatus, "trading_complaint_status_valid")]

    def __str__(self) -> str:
        return f"complaint {self.pk} · {self.subject}"


class Release(models.Model):
    """One OCDS 1.1.5 release of a procedure, stored as published (the JSON text, validated)."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="releases")
    release_id = models.CharField(_("release id"), max_length=120, unique=True)
    tag = models.CharField(_("tag"), max_length=40)
    date = models.DateTimeField(_("date"))
    data = models.TextField(_("release (JSON)"))

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        ordering = ["procedure", "date", "id"]
        indexes = [models.Index(fields=["procedure", "date"], name="trading_release_proc_idx")]

    def __str__(self) -> str:
        return self.release_id
