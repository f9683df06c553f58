"""Writes of public-resource trading: projects, procedures and notices, registration, sealed bids, the
remote opening (不见面开标) and its objections, complaints, award and contract.

The expert pool and its draws are in ``pool``, the evaluation in ``evaluation``. Every state change
goes through a workflow of ``workflows`` (lock, check, save, audit event, notices) and, when the
public should see it, publishes a notice and an OCDS release in the same transaction.
Deadlines are checked against this server's clock (``timezone.now()``), never the browser's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.accounts.models import Enterprise, User
from tongban.accounts.notifications import notify_inbox
from tongban.core import calendar
from tongban.core.db import CompiledQuery
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.regions.models import Region
from tongban.trading import common, evaluation, events, ocds, sealing, selectors
from tongban.trading import workflows as wf
from tongban.trading.constants import (
    AMENDMENT_MINIMUM_DAYS,
    COMPLAINT_DAYS,
    MINIMUM_BIDS,
    MINIMUM_DAYS,
    MINIMUM_EXPERTS,
    MINIMUM_WORKING_DAYS,
    OPENING_RECORD_TYP,
    PENDING_COMPLAINTS,
    PUBLICITY_MINIMUM_DAYS,
    BidAction,
    BidStatus,
    ComplaintAction,
    DecryptionFailure,
    EvaluationMethod,
    NoticeKind,
    ObjectionAction,
    OpeningResult,
    ProcedureAction,
    ProcedureKind,
    ProcedureStatus,
    ProcurementCategory,
    ProcurementMethod,
    RegistrationAction,
    RegistrationStatus,
    ReportStatus,
)
from tongban.trading.errors import (
    AlreadyRegistered,
    AmendmentNeedsPostponement,
    BackupNotAllowed,
    BidAfterDeadline,
    BidAlreadySubmitted,
    BidContentInvalid,
    BidNotFound,
    CommitmentMismatch,
    ComplaintPending,
    ComplaintTooLate,
    DeadlineBelowMinimum,
    InvalidProcedure,
    NotRegistered,
    OpeningBeforeDeadline,
    OpeningWindowClosed,
    OpeningWindowOpen,
    PublicityNotOver,
    RegistrationClosed,
)
from tongban.trading.models import (
    Bid,
    Complaint,
    Notice,
    OpeningObjection,
    Procedure,
    Project,
    Registration,
)

NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,38}$")
CRITERION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
CRITERION_KINDS = ("price", "technical", "commercial")

# ------------------------------------------------------------------ helpers

require_operator = common.require_operator
require_supervisor = common.require_supervisor
require_acting_for = common.require_acting_for
lock_procedure = common.lock_procedure
notice_publish = common.notice_publish


def legal_minimum_met(
    *, kind: str, documents_from: dt.datetime, bid_deadline: dt.datetime
) -> tuple[bool, dict[str, Any]]:
    """Whether the period from issuing the documents to the deadline meets the legal minimum of ``kind``."""
    if kind in MINIMUM_WORKING_DAYS:
        need = MINIMUM_WORKING_DAYS[kind]
        local_from = timezone.localtime(documents_from).date()
        local_to = timezone.localtime(bid_deadline).date()
        got = calendar.working_days_between(local_from, local_to)
        return got >= need, {"minimum_working_days": need, "working_days": got}
    need = MINIMUM_DAYS[kind]
    return bid_deadline - documents_from >= dt.timedelta(days=need), {
        "minimum_days": need,
        "days": round((bid_deadline - documents_from).total_seconds() / 86400, 2),
    }


def validate_criteria(criteria: Any, *, method: str) -> list[dict[str, Any]]:
    """``[{"code", "name", "max", "kind"}]``: unique codes, positive maxima, at most one price criterion."""
    if not isinstance(criteria, list) or not criteria:
        raise InvalidProcedure(details={"field": "criteria"})
    seen: set[str] = set()
    cleaned = []
    for item in criteria:
        if not isinstance(item, dict):
            raise InvalidProcedure(details={"field": "criteria"})
        code = str(item.get("code", ""))
        kind = str(item.get("kind", "technical"))
        try:
            maximum = Decimal(str(item.get("max")))
        except ArithmeticError as exc:
            raise InvalidProcedure(details={"field": "criteria", "code": code}) from exc
        if not CRITERION_CODE.match(code) or code in seen or kind not in CRITERION_KINDS:
            raise InvalidProcedure(details={"field": "criteria", "code": code})
        if not maximum.is_finite() or maximum <= 0 or maximum > 100:
            raise InvalidProcedure(details={"field": "criteria", "code": code})
        seen.add(code)
        top: int | float = int(maximum) if maximum == maximum.to_integral_value() else float(maximum)
        cleaned.append({"code": code, "name": str(item.get("name", code))[:60], "max": top, "kind": kind})
    if sum(1 for c in cleaned if c["kind"] == "price") > 1:
        raise InvalidProcedure(details={"field": "criteria", "problem": "one_price_criterion"})
    if method == EvaluationMethod.LOWEST_PRICE and not any(c["kind"] == "price" for c in cleaned):
        raise InvalidProcedure(details={"field": "criteria", "problem": "price_criterion_needed"})
    return cleaned


# ------------------------------------------------------------------ projects and procedures


@transaction.atomic(durable=True)
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    region_code: str,
    employer: Enterprise,
    agent: Enterprise | None = None,
    location: str = "",
    description: str = "",
    budget: Decimal | None = None,
) -> Project:
    require_operator(actor)
    if not NUMBER.match(code) or not name.strip() or kind not in ProcedureKind.values:
        raise ValidationFailed(_("The project's code, name or kind is invalid."), code="invalid_project")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ValidationFailed(_("Unknown region."), code="unknown_region")
    if Project.objects.filter(code=code).exists():
        raise ValidationFailed(_("A project with this code exists."), code="project_code_taken")
    return Project.objects.create(
        code=code,
        name=name.strip()[:200],
        kind=kind,
        region=region,
        location=location[:200],
        employer=employer,
        agent=agent,
        description=description,
        budget=budget,
        created_by=actor,
    )


@transaction.atomic(durable=True)
def procedure_create(
    *,
    actor: User,
    project: Project,
    number: str,
    title: str,
    category: str,
    criteria: list[dict[str, Any]],
    bid_deadline: dt.datetime,
    method: str = ProcurementMethod.OPEN,
    estimated_value: Decimal | None = None,
    evaluation_method: str = EvaluationMethod.COMPREHENSIVE,
    expert_count: int = MINIMUM_EXPERTS,
    expert_specialties: Sequence[str] = (),
    region_minimums: dict[str, int] | None = None,
    region_maximums: dict[str, int] | None = None,
    main_venue: str | None = None,
    remote_venues: Sequence[str] = (),
    opening_window_minutes: int = 60,
    decryption_failure: str = DecryptionFailure.INVALID,
    publicity_days: int = PUBLICITY_MINIMUM_DAYS,
) -> Procedure:
    """A draft procedure (标段) of a project; published by ``procedure_publish``."""
    require_operator(actor)
    if not NUMBER.match(number) or not title.strip():
        raise InvalidProcedure(details={"field": "number"})
    if Procedure.objects.filter(number=number).exists():
        raise InvalidProcedure(_("A procedure with this number exists."), details={"field": "number"})
    if category not in ProcurementCategory.values or method not in ProcurementMethod.values:
        raise InvalidProcedure(details={"field": "category"})
    if evaluation_method not in EvaluationMethod.values or decryption_failure not in DecryptionFailure.values:
        raise InvalidProcedure(details={"field": "evaluation_method"})
    if (
        project.kind == ProcedureKind.CONSTRUCTION and (expert_count < MINIMUM_EXPERTS or expert_count % 2 == 0)
    ) or expert_count < 1:
        raise InvalidProcedure(
            _("The panel needs an odd number of at least 5 experts."), details={"field": "expert_count"}
        )
    if publicity_days < PUBLICITY_MINIMUM_DAYS or not 5 <= opening_window_minutes <= 24 * 60:
        raise InvalidProcedure(details={"field": "publicity_days"})
    venue_codes = [main_venue or project.region_id, *remote_venues]
    known = set(Region.objects.filter(code__in=venue_codes).values_list("code", flat=True))
    minimums = {str(k): int(v) for k, v in (region_minimums or {}).items()}
    maximums = {str(k): int(v) for k, v in (region_maximums or {}).items()}
    if set(venue_codes) - known or sum(minimums.values()) > expert_count or any(v < 0 for v in minimums.values()):
        raise InvalidProcedure(details={"field": "venues"})
    procedure = Procedure.objects.create(
        project=project,
        number=number,
        ocid=f"{settings.TONGBAN_OCDS_PREFIX}-{settings.TONGBAN_REGION}-{number}",
        title=title.strip()[:200],
        kind=project.kind,
        method=method,
        category=category,
        estimated_value=estimated_value,
        bid_deadline=bid_deadline,
        opening_window_minutes=opening_window_minutes,
        decryption_failure=decryption_failure,
        evaluation_method=evaluation_method,
        criteria=validate_criteria(criteria, method=evaluation_method),
        expert_count=expert_count,
        expert_specialties=list(expert_specialties),
        region_minimums=minimums,
        region_maximums=maximums,
        main_venue_id=venue_codes[0],
        remote_venues=[c for c in dict.fromkeys(remote_venues) if c != venue_codes[0]],
        publicity_days=publicity_days,
        created_by=actor,
    )
    events.procedure_created(procedure=procedure, actor=actor)
    return procedure


@transaction.atomic(durable=True)
def procedure_publish(
    *, actor: User, procedure_id: int, body: str, documents: Sequence[tuple[str, bytes]] = ()
) -> Procedure:
    """Publish the tender announcement (招标公告) with its documents; bidding opens now.

    The tender documents are issued from now, and the bid deadline must leave the legal minimum.
    """
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.PUBLISH)
    now = timezone.now()
    if procedure.bid_deadline is None:
        raise InvalidProcedure(details={"field": "bid_deadline"})
    met, details = legal_minimum_met(kind=procedure.kind, documents_from=now, bid_deadline=procedure.bid_deadline)
    if not met:
        raise DeadlineBelowMinimum(details=details)
    procedure.documents_from = now
    procedure.published_at = now
    procedure.version = 1
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.PUBLISH,
        actor=actor,
        role="operator",
        fields=["documents_from", "published_at", "version"],
    )
    notice_publish(
        procedure=procedure,
        kind=NoticeKind.TENDER,
        title=procedure.title,
        body=body,
        actor=actor,
        documents=documents,
        changes={"bid_deadline": procedure.bid_deadline.isoformat()},
    )
    ocds.publish(procedure, tag="tender")
    return procedure


@transaction.atomic(durable=True)
def procedure_amend(
    *,
    actor: User,
    procedure_id: int,
    kind: NoticeKind,
    title: str,
    body: str,
    bid_deadline: dt.datetime | None = None,
    documents: Sequence[tuple[str, bytes]] = (),
) -> Notice:
    """Publish a clarification (澄清) or an amendment (修改) as the next version of the announcement.

    Less than 15 days before the deadline it must postpone the deadline to at least 15 days from now
    (招标投标法 第23条); a deadline is never brought forward.
    """
    require_operator(actor)
    if kind not in (NoticeKind.CLARIFICATION, NoticeKind.AMENDMENT) or not body.strip():
        raise InvalidProcedure(details={"field": "kind"})
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.AMEND)
    now = timezone.now()
    current = procedure.bid_deadline
    assert current is not None
    new = bid_deadline or current
    minimum = dt.timedelta(days=AMENDMENT_MINIMUM_DAYS)
    if new < current or new - now < minimum:
        raise AmendmentNeedsPostponement(
            details={"bid_deadline": current.isoformat(), "earliest": (now + minimum).isoformat()}
        )
    changes: dict[str, Any] = {}
    if new != current:
        changes = {"bid_deadline": {"from": current.isoformat(), "to": new.isoformat()}}
        procedure.bid_deadline = new
    procedure.version += 1
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.AMEND,
        actor=actor,
        role="operator",
        fields=["bid_deadline", "version"],
        data={"kind": str(kind), **changes},
    )
    notice = notice_publish(
        procedure=procedure,
        kind=kind,
        title=title or procedure.title,
        body=body,
        actor=actor,
        documents=documents,
        changes=changes,
    )
    ocds.publish(procedure, tag="tenderAmendment" if kind == NoticeKind.AMENDMENT else "tenderUpdate")
    for registration in procedure.registrations.filter(status=RegistrationStatus.REGISTERED):
        notify_inbox(
            user_id=registration.user_id,
            subject=_("%(title)s: a new notice was published") % {"title": procedure.title},
            body=notice.title,
            link=f"/trading/procedures/{procedure.pk}/",
        )
    return notice


@transaction.atomic(durable=True)
def procedure_cancel(*, actor: User, procedure_id: int, reason: str) -> Procedure:
    require_operator(actor)
    if not reason.strip():
        raise ValidationFailed(_("Please give the reasons."), code="reason_required")
    procedure = lock_procedure(procedure_id)
    procedure.ended_reason = reason
    was_published = procedure.status != ProcedureStatus.DRAFT
    wf.PROCEDURE.apply(
        procedure, action=ProcedureAction.CANCEL, actor=actor, role="operator", fields=["ended_reason"], reason=reason
    )
    if was_published:
        notice_publish(
            procedure=procedure,
            kind=NoticeKind.CANCELLATION,
            title=_("Cancellation announcement"),
            body=reason,
            actor=actor,
        )
        ocds.publish(procedure, tag="tenderCancellation")
    return procedure


# ------------------------------------------------------------------ registration


@transaction.atomic(durable=True)
def registration_create(*, actor: User, procedure_id: int, enterprise: Enterprise) -> Registration:
    """An enterprise, acting through a logged-in representative or agent, registers as a bidder."""
    require_acting_for(actor, enterprise)
    procedure = lock_procedure(procedure_id)
    now = timezone.now()
    if procedure.status != ProcedureStatus.ANNOUNCED:
        raise RegistrationClosed()
    if procedure.bid_deadline is not None and now >= procedure.bid_deadline:
        raise BidAfterDeadline()
    if procedure.project.employer_id == enterprise.pk or procedure.project.agent_id == enterprise.pk:
        raise ValidationFailed(_("The employer and its agent may not bid."), code="employer_may_not_bid")
    if selectors.registration_of(procedure=procedure, enterprise=enterprise) is not None:
        raise AlreadyRegistered()
    registration = Registration.objects.create(
        procedure=procedure, enterprise=enterprise, user=actor, registered_at=now
    )
    events.registration_created(registration=registration, actor=actor)
    return registration


@transaction.atomic(durable=True)
def registration_withdraw(*, actor: User, registration_id: int) -> Registration:
    registration = (
        Registration.objects.select_for_update().filter(pk=registration_id).select_related("enterprise").first()
    )
    if registration is None:
        raise NotRegistered()
    require_acting_for(actor, registration.enterprise)
    procedure = lock_procedure(registration.procedure_id)
    if procedure.status != ProcedureStatus.ANNOUNCED or (
        procedure.bid_deadline is not None and timezone.now() >= procedure.bid_deadline
    ):
        raise RegistrationClosed()
    for bid in Bid.objects.select_for_update().filter(registration=registration, status=BidStatus.SEALED):
        wf.BID.apply(bid, action=BidAction.WITHDRAW, actor=actor, role="bidder", reason="registration withdrawn")
    return wf.REGISTRATION.apply(registration, action=RegistrationAction.WITHDRAW, actor=actor, role="bidder")


# ------------------------------------------------------------------ sealed bids


@dataclass(frozen=True)
class SealedBid:
    """What the bidder's browser posts: never the secret, never the plaintext."""

    cipher: str
    kdf: str
    iterations: int
    commitment: str
    primary: sealing.Sealed
    backup: sealing.Sealed | None = None


def _receipt_payload(bid: Bid, procedure: Procedure) -> dict[str, Any]:
    return {
        "type": "bid-receipt",
        "ocid": procedure.ocid,
        "procedure": procedure.number,
        "bid": bid.pk,
        "bidder": bid.enterprise.uscc,
        "commitment": bid.commitment,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "backup": bool(bid.backup_ciphertext),
        "submitted_at": bid.submitted_at.isoformat(),
        "deadline": procedure.bid_deadline.isoformat() if procedure.bid_deadline else None,
    }


@transaction.atomic(durable=True)
def bid_submit(
    *, actor: User, procedure_id: int, enterprise: Enterprise, sealed: SealedBid, replace: bool = False
) -> Bid:
    """Store a sealed bid and sign its receipt; refused after the deadline by this server's clock.

    A second bid of the same bidder is refused (``bid_already_submitted``) unless ``replace`` is
    asked for, which replaces the sealed one before the deadline.
    """
    require_acting_for(actor, enterprise)
    procedure = lock_procedure(procedure_id)
    now = timezone.now()
    if procedure.status != ProcedureStatus.ANNOUNCED:
        if procedure.status in (ProcedureStatus.OPENING, ProcedureStatus.OPENED):
            raise BidAfterDeadline()
        raise RegistrationClosed()
    if procedure.bid_deadline is None or now >= procedure.bid_deadline:
        raise BidAfterDeadline(
            details={"deadline": procedure.bid_deadline.isoformat() if procedure.bid_deadline else None}
        )
    registration = selectors.registration_of(procedure=procedure, enterprise=enterprise)
    if registration is None:
        raise NotRegistered()
    if sealed.backup is not None and procedure.decryption_failure != DecryptionFailure.BACKUP:
        raise BackupNotAllowed()
    digest = sealing.check_submission(
        cipher=sealed.cipher,
        kdf=sealed.kdf,
        iterations=sealed.iterations,
        commitment=sealed.commitment,
        primary=sealed.primary,
        backup=sealed.backup,
    )
    existing = (
        Bid.objects.select_for_update()
        .filter(procedure=procedure, enterprise=enterprise, status=BidStatus.SEALED)
        .first()
    )
    if existing is not None and not replace:
        raise BidAlreadySubmitted(details={"bid": existing.pk, "commitment": existing.commitment})
    if existing is None and replace:
        raise BidNotFound()
    if existing is not None:
        wf.BID.apply(existing, action=BidAction.REPLACE, actor=actor, role="bidder")
    try:
        with transaction.atomic():
            bid = Bid.objects.create(
                procedure=procedure,
                enterprise=enterprise,
                registration=registration,
                submitted_by=actor,
                cipher=sealed.cipher,
                kdf=sealed.kdf,
                iterations=sealed.iterations,
                salt=sealed.primary.salt,
                iv=sealed.primary.iv,
                ciphertext=sealed.primary.ciphertext,
                ciphertext_sha256=digest,
                commitment=sealed.commitment,
                backup_salt=sealed.backup.salt if sealed.backup else "",
                backup_iv=sealed.backup.iv if sealed.backup else "",
                backup_ciphertext=sealed.backup.ciphertext if sealed.backup else "",
                submitted_at=now,
                receipt="",
                replaces=existing,
            )
    except IntegrityError as exc:  # a concurrent submission of the same bidder won
        raise BidAlreadySubmitted() from exc
    bid.receipt = sealing.sign_document(_receipt_payload(bid, procedure))
    bid.save(update_fields=["receipt"])
    events.bid_sealed(bid=bid, actor=actor)
    notify_inbox(
        user_id=actor.pk,
        subject=_("Bid receipt: %(title)s") % {"title": procedure.title},
        body=_("Sealed bid received at %(time)s. Commitment (SHA-256): %(commitment)s")
        % {"time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"), "commitment": bid.commitment},
        link=f"/trading/procedures/{procedure.pk}/bid/",
    )
    return bid


@transaction.atomic(durable=True)
def bid_withdraw(*, actor: User, bid_id: int) -> Bid:
    bid = Bid.objects.select_for_update().filter(pk=bid_id).select_related("enterprise").first()
    if bid is None:
        raise BidNotFound()
    require_acting_for(actor, bid.enterprise)
    procedure = lock_procedure(bid.procedure_id)
    if procedure.status != ProcedureStatus.ANNOUNCED or (
        procedure.bid_deadline is not None and timezone.now() >= procedure.bid_deadline
    ):
        raise BidAfterDeadline()
    return wf.BID.apply(bid, action=BidAction.WITHDRAW, actor=actor, role="bidder")


# The bid an opening decrypts, locked with its bidder and procedure: compiled once per connection
# (an opening of 500 bids runs it 500 times; compiling the query cost more than running it).
_LOCKED_BID: CompiledQuery[Bid] = CompiledQuery(
    lambda pk: Bid.objects.select_for_update().select_related("enterprise", "procedure").filter(pk=pk), arity=1
)


def receipt_check(bid: Bid, *, keys: sealing.KeyCache | None = None) -> bool:
    """The receipt verifies under this node's keys and names this bid's commitment and ciphertext."""
    try:
        payload = sealing.verify_signed(bid.receipt, keys=keys)
    except Exception:  # any failure to verify is a failed check, shown in the opening record
        return False
    stored = hashlib.sha256(sealing.b64decode(bid.ciphertext, field="ciphertext")).hexdigest()
    return (
        payload.get("bid") == bid.pk
        and payload.get("commitment") == bid.commitment
        and payload.get("ciphertext_sha256") == bid.ciphertext_sha256 == stored
    )


# ------------------------------------------------------------------ the remote opening (不见面开标)


@transaction.atomic(durable=True)
def opening_start(*, actor: User, procedure_id: int) -> Procedure:
    """Open the online hall at the deadline: bidders decrypt their own bids within the window.

    With fewer than three bids there is no opening (招标投标法实施条例 第44条): the procedure fails.
    """
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.OPEN)
    now = timezone.now()
    if procedure.bid_deadline is None or now < procedure.bid_deadline:
        raise OpeningBeforeDeadline(
            details={"deadline": procedure.bid_deadline.isoformat() if procedure.bid_deadline else None}
        )
    sealed = list(
        Bid.objects.filter(procedure=procedure, status=BidStatus.SEALED).values_list("submitted_by_id", flat=True)
    )
    procedure.opened_at = now
    procedure.opening_closes_at = now + dt.timedelta(minutes=procedure.opening_window_minutes)
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.OPEN,
        actor=actor,
        role="operator",
        fields=["opened_at", "opening_closes_at"],
        data={"bids": len(sealed)},
    )
    if len(sealed) < MINIMUM_BIDS:
        _fail(procedure, actor=actor, reason=_("Fewer than %(n)d bids were received.") % {"n": MINIMUM_BIDS})
        return procedure
    for user_id in set(sealed):
        notify_inbox(
            user_id=user_id,
            subject=_("The opening of %(title)s has started: decrypt your bid") % {"title": procedure.title},
            body=_("Decrypt your bid in the online opening hall before %(time)s.")
            % {"time": timezone.localtime(procedure.opening_closes_at).strftime("%Y-%m-%d %H:%M")},
            kind="reminder",
            link=f"/trading/procedures/{procedure.pk}/hall/",
        )
    return procedure


def _fail(procedure: Procedure, *, actor: User | None, reason: str) -> None:
    procedure.ended_reason = reason
    wf.PROCEDURE.apply(
        procedure, action=ProcedureAction.FAIL, actor=actor, role="operator", fields=["ended_reason"], reason=reason
    )
    notice_publish(
        procedure=procedure, kind=NoticeKind.FAILURE, title=_("Failure announcement"), body=reason, actor=actor
    )
    ocds.publish(procedure, tag="tenderUpdate")


@dataclass(frozen=True)
class OpenOutcome:
    bid: Bid
    refusal: ApplicationError | None


def bid_open(*, actor: User, bid_id: int, key: str, copy: str = "primary") -> Bid:
    """The bidder releases the key of their bid in the hall; the server decrypts and checks it.

    A wrong key is refused and changes nothing (the bidder may try again within the window). A bid
    that decrypts but does not match its commitment, or is not a bid for this procedure and bidder,
    is recorded invalid and then reported (``commitment_mismatch``, ``bid_content_invalid``).
    """
    outcome = _bid_open(actor=actor, bid_id=bid_id, key=key, copy=copy)
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome.bid


@transaction.atomic(durable=True)
def _bid_open(*, actor: User, bid_id: int, key: str, copy: str) -> OpenOutcome:
    bid = _LOCKED_BID.first(bid_id)
    if bid is None:
        raise BidNotFound()
    require_acting_for(actor, bid.enterprise)
    procedure = bid.procedure
    now = timezone.now()
    if procedure.status == ProcedureStatus.ANNOUNCED:
        raise OpeningBeforeDeadline()
    if procedure.status != ProcedureStatus.OPENING or (
        procedure.opening_closes_at and now > procedure.opening_closes_at
    ):
        raise OpeningWindowClosed()
    wf.BID.check(bid, BidAction.OPEN)
    if copy == "backup":
        if procedure.decryption_failure != DecryptionFailure.BACKUP or not bid.backup_ciphertext:
            raise BackupNotAllowed()
        iv, ciphertext, result = bid.backup_iv, bid.backup_ciphertext, OpeningResult.BACKUP
    else:
        iv, ciphertext, result = bid.iv, bid.ciphertext, OpeningResult.VERIFIED
    plaintext = sealing.decrypt(key_b64=key, iv_b64=iv, ciphertext_b64=ciphertext)  # WrongKey: nothing written
    bid.opened_at = now
    bid.key = key
    refusal: ApplicationError | None = None
    if sealing.commitment_of(plaintext) != bid.commitment:
        bid.opening_result = OpeningResult.MISMATCH
        refusal = CommitmentMismatch(details={"bid": bid.pk, "commitment": bid.commitment})
    else:
        try:
            content = sealing.read_content(plaintext, ocid=procedure.ocid, bidder_uscc=bid.enterprise.uscc)
        except BidContentInvalid as exc:
            bid.opening_result = OpeningResult.CONTENT_INVALID
            refusal = exc
        else:
            bid.opening_result = result
            bid.price = content.price
            bid.duration_days = content.duration_days
        bid.plaintext = plaintext.decode("utf-8", errors="replace")
    fields = ["opened_at", "key", "opening_result", "plaintext", "price", "duration_days"]
    if refusal is None:
        wf.BID.apply(bid, action=BidAction.OPEN, actor=actor, role="bidder", fields=fields, data={"result": result})
    else:
        wf.BID.apply(
            bid,
            action=BidAction.INVALIDATE,
            actor=actor,
            role="bidder",
            fields=fields,
            reason=refusal.code,
            data={"result": bid.opening_result},
        )
    return OpenOutcome(bid=bid, refusal=refusal)


def _opening_record(procedure: Procedure) -> dict[str, Any]:
    rows = []
    keys = sealing.KeyCache()
    for bid in selectors.bids_at_opening(procedure):
        rows.append(
            {
                "bid": bid.pk,
                "bidder": bid.enterprise.name,
                "uscc": bid.enterprise.uscc,
                "submitted_at": bid.submitted_at.isoformat(),
                "commitment": bid.commitment,
                "ciphertext_sha256": bid.ciphertext_sha256,
                "receipt_verified": receipt_check(bid, keys=keys),
                "result": bid.opening_result,
                "status": bid.status,
                "price": str(bid.price) if bid.price is not None else None,
                "duration_days": bid.duration_days,
            }
        )
    return {
        "ocid": procedure.ocid,
        "procedure": procedure.number,
        "title": procedure.title,
        "deadline": procedure.bid_deadline.isoformat() if procedure.bid_deadline else None,
        "opened_at": procedure.opened_at.isoformat() if procedure.opened_at else None,
        "closed_at": timezone.now().isoformat(),
        "bids": rows,
    }


@transaction.atomic(durable=True)
def opening_close(*, actor: User | None, procedure_id: int) -> Procedure:
    """Close the hall: bids not decrypted in the window are invalid (the tender's rule decided whether a
    backup copy could still be opened in it); the signed opening record is published; with fewer than
    three valid bids the procedure fails."""
    if actor is not None:
        require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.CLOSE_OPENING)
    now = timezone.now()
    remaining = list(Bid.objects.select_for_update().filter(procedure=procedure, status=BidStatus.SEALED))
    if remaining and procedure.opening_closes_at is not None and now < procedure.opening_closes_at:
        raise OpeningWindowOpen(details={"sealed": len(remaining)})
    for bid in remaining:
        bid.opening_result = OpeningResult.NOT_DECRYPTED
        wf.BID.apply(
            bid,
            action=BidAction.INVALIDATE,
            actor=actor,
            role="operator",
            fields=["opening_result"],
            reason=OpeningResult.NOT_DECRYPTED,
        )
    record = _opening_record(procedure)
    procedure.opening_record = record
    procedure.opening_record_jws = sealing.sign_document(record, typ=OPENING_RECORD_TYP)
    valid = sum(1 for row in record["bids"] if row["status"] == BidStatus.OPENED)
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.CLOSE_OPENING,
        actor=actor,
        role="operator",
        fields=["opening_record", "opening_record_jws"],
        data={"bids": len(record["bids"]), "valid": valid},
    )
    lines = [
        f"{row['bidder']}：{row['price'] if row['price'] else str(OpeningResult(row['result']).label)}"
        for row in record["bids"]
    ]
    notice_publish(
        procedure=procedure, kind=NoticeKind.OPENING, title=_("Opening record"), body="\n".join(lines), actor=actor
    )
    ocds.publish(procedure, tag="tenderUpdate")
    if valid < MINIMUM_BIDS:
        _fail(procedure, actor=actor, reason=_("Fewer than %(n)d valid bids.") % {"n": MINIMUM_BIDS})
    return procedure


@transaction.atomic(durable=True)
def objection_raise(*, actor: User, procedure_id: int, enterprise: Enterprise, text: str) -> OpeningObjection:
    """A bidder's objection in the hall (开标异议), during or right after the opening."""
    require_acting_for(actor, enterprise)
    procedure = lock_procedure(procedure_id)
    if procedure.status not in (ProcedureStatus.OPENING, ProcedureStatus.OPENED):
        raise ValidationFailed(
            _("Objections are raised in the opening hall during the opening."), code="objection_closed"
        )
    if selectors.registration_of(procedure=procedure, enterprise=enterprise) is None:
        raise NotRegistered()
    if not text.strip():
        raise ValidationFailed(_("Please write the objection."), code="objection_empty")
    objection = OpeningObjection.objects.create(
        procedure=procedure, enterprise=enterprise, raised_by=actor, text=text.strip()[:4000], raised_at=timezone.now()
    )
    events.objection_raised(objection=objection, actor=actor)
    return objection


@transaction.atomic(durable=True)
def objection_answer(*, actor: User, objection_id: int, answer: str) -> OpeningObjection:
    require_operator(actor)
    if not answer.strip():
        raise ValidationFailed(_("Please write the answer."), code="answer_empty")

    def change(objection: OpeningObjection) -> list[str]:
        objection.answer = answer.strip()[:4000]
        objection.answered_by = actor
        objection.answered_at = timezone.now()
        return ["answer", "answered_by", "answered_at"]

    objection = wf.OBJECTION.transition(
        objection_id, action=ObjectionAction.ANSWER, actor=actor, role="operator", change=change
    )
    notify_inbox(
        user_id=objection.raised_by_id,
        subject=_("Your objection at the opening was answered"),
        body=objection.answer,
        link=f"/trading/procedures/{objection.procedure_id}/hall/",
    )
    return objection


# ------------------------------------------------------------------ complaints, award, contract


@transaction.atomic(durable=True)
def complaint_submit(*, actor: User, procedure_id: int, enterprise: Enterprise, subject: str, facts: str) -> Complaint:
    """A bidder's complaint (投诉) to the supervisor, within 10 days of the award at the latest."""
    require_acting_for(actor, enterprise)
    procedure = lock_procedure(procedure_id)
    now = timezone.now()
    if procedure.status in (ProcedureStatus.DRAFT, ProcedureStatus.CANCELLED) or (
        procedure.status in (ProcedureStatus.AWARDED, ProcedureStatus.CONTRACTED, ProcedureStatus.FAILED)
        and now > (procedure.awarded_at or procedure.updated_at) + dt.timedelta(days=COMPLAINT_DAYS)
    ):
        raise ComplaintTooLate()
    if not procedure.registrations.filter(enterprise=enterprise).exists():
        raise NotRegistered()
    if not subject.strip() or not facts.strip():
        raise ValidationFailed(_("Please give the subject and the facts."), code="complaint_empty")
    complaint = Complaint.objects.create(
        procedure=procedure,
        enterprise=enterprise,
        submitted_by=actor,
        subject=subject.strip()[:200],
        facts=facts.strip(),
        submitted_at=now,
    )
    events.complaint_submitted(complaint=complaint, actor=actor)
    return complaint


@transaction.atomic(durable=True)
def complaint_decide(*, actor: User, complaint_id: int, action: ComplaintAction, decision: str = "") -> Complaint:
    """The supervisor accepts or refuses to handle a complaint, then upholds or dismisses it.

    Upholding a complaint about a procedure whose candidates are published sends it back to the
    panel (re-evaluation); the complainant hears of every decision.
    """
    if action == ComplaintAction.WITHDRAW:
        complaint = Complaint.objects.select_related("enterprise").get(pk=complaint_id)
        require_acting_for(actor, complaint.enterprise)
        return wf.COMPLAINT.transition(complaint_id, action=action, actor=actor, role="bidder")
    require_supervisor(actor)
    if action in (ComplaintAction.REJECT, ComplaintAction.UPHOLD, ComplaintAction.DISMISS) and not decision.strip():
        raise ValidationFailed(_("Please give the reasons."), code="reason_required")

    def change(complaint: Complaint) -> list[str]:
        complaint.decision = decision.strip()
        complaint.decided_by = actor
        complaint.decided_at = timezone.now()
        return ["decision", "decided_by", "decided_at"]

    complaint = wf.COMPLAINT.transition(
        complaint_id, action=action, actor=actor, role="supervisor", change=change, reason=decision
    )
    if action == ComplaintAction.UPHOLD:
        procedure = lock_procedure(complaint.procedure_id)
        if procedure.status == ProcedureStatus.PUBLICITY:
            evaluation.reopen(procedure=procedure, actor=actor, reason=decision)
    return complaint


@transaction.atomic(durable=True)
def procedure_award(*, actor: User, procedure_id: int) -> Procedure:
    """Award to the first candidate of the signed report once the publicity period is over and no
    complaint is pending; the notice of award goes to the winner."""
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.AWARD)
    now = timezone.now()
    if procedure.publicity_ends_at is None or now < procedure.publicity_ends_at:
        raise PublicityNotOver(
            details={"ends_at": procedure.publicity_ends_at.isoformat() if procedure.publicity_ends_at else None}
        )
    if procedure.complaints.filter(status__in=PENDING_COMPLAINTS).exists():
        raise ComplaintPending()
    report = selectors.current_report(procedure)
    if report is None or report.status != ReportStatus.SIGNED or not report.content.get("candidates"):
        raise InvalidProcedure(details={"field": "report"})
    first = int(report.content["candidates"][0]["bid"])
    procedure.awarded_bid = Bid.objects.get(pk=first, procedure=procedure, status=BidStatus.OPENED)
    procedure.awarded_at = now
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.AWARD,
        actor=actor,
        role="operator",
        fields=["awarded_bid", "awarded_at"],
        data={"bid": first},
    )
    winner = procedure.awarded_bid.enterprise
    notice_publish(
        procedure=procedure,
        kind=NoticeKind.AWARD,
        title=_("Award announcement"),
        body=_("Awarded to %(name)s at %(price)s yuan.") % {"name": winner.name, "price": procedure.awarded_bid.price},
        actor=actor,
    )
    ocds.publish(procedure, tag="awardUpdate")
    return procedure


@transaction.atomic(durable=True)
def procedure_contract(
    *, actor: User, procedure_id: int, contract_number: str, value: Decimal, signed_at: dt.datetime
) -> Procedure:
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    wf.PROCEDURE.check(procedure, ProcedureAction.CONTRACT)
    if (
        not contract_number.strip()
        or value <= 0
        or signed_at > timezone.now()
        or (procedure.awarded_at is not None and signed_at < procedure.awarded_at)
    ):
        raise ValidationFailed(_("The contract's number, value or date is invalid."), code="invalid_contract")
    procedure.contract_number = contract_number.strip()[:60]
    procedure.contract_value = value
    procedure.contract_signed_at = signed_at
    wf.PROCEDURE.apply(
        procedure,
        action=ProcedureAction.CONTRACT,
        actor=actor,
        role="operator",
        fields=["contract_number", "contract_value", "contract_signed_at"],
    )
    notice_publish(
        procedure=procedure,
        kind=NoticeKind.CONTRACT,
        title=_("Contract announcement"),
        body=_("Contract %(number)s signed for %(value)s yuan.") % {"number": contract_number, "value": value},
        actor=actor,
    )
    ocds.publish(procedure, tag="contract")
    return procedure
