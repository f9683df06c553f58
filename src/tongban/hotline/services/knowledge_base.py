"""The hotline's knowledge base (知识库): entries written, reviewed and published in versions, shared with peers.

An entry is written as a draft, sent for review and published by a supervisor other than its author;
a new version replaces the published one when it is published; retired entries leave the search.
Shareable entries of this region are sent to every peer when published or retired
(``hotline.kb_entry``, ``hotline.kb_entry_withdrawn``), and peers' entries arrive here
(``kb_receive``, ``kb_withdraw_receive``; the handlers are in ``hotline.federation``) or by a file
(``kb_import``), always marked with their origin region, never overwriting our own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tongban.federation import services as federation
from tongban.federation.constants import PeerStatus
from tongban.federation.models import Peer
from tongban.hotline import events, knowledge
from tongban.hotline.constants import (
    KB_ENTRY_MESSAGE,
    KB_EXPORT_FORMAT,
    KB_WITHDRAWN_MESSAGE,
    SUBJECTS,
    KnowledgeStatus,
)
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.hotline.services.common import (
    clean_reason,
    clean_text,
    line_roles,
    lock_ticket,
    now_or,
    require_line,
    validate_region,
)
from tongban.regions.models import Department, Region

EXPORT_FORMAT = KB_EXPORT_FORMAT


def _require_kb(actor: User, *, publish: bool = False) -> str:
    roles = line_roles(actor=actor, region_id=settings.TONGBAN_REGION)
    if publish:
        if StaffRoleKind.HOTLINE_SUPERVISOR in roles:
            return StaffRoleKind.HOTLINE_SUPERVISOR
        raise PermissionDenied(_("Only a hotline supervisor may review and publish entries."), code="kb_forbidden")
    if roles:
        return sorted(roles)[0]
    raise PermissionDenied(_("Only hotline staff may edit the knowledge base."), code="kb_forbidden")


def _clean_entry(
    *, category: str, question: str, answer: str, variants: list[str], source: str
) -> tuple[str, str, str, list[str], str]:
    category = clean_text(category, max_length=60, code="invalid_category", message=_("Give the entry a category."))
    question = clean_text(question, max_length=300, code="invalid_question", message=_("Write the question."))
    answer = clean_text(answer, max_length=20000, code="invalid_answer", message=_("Write the answer."))
    source = clean_text(
        source, max_length=300, code="invalid_source", message=_("The source is too long."), required=False
    )
    cleaned = [v.strip()[:300] for v in variants if v and v.strip()][:20]
    return category, question, answer, cleaned, source


@transaction.atomic
def kb_entry_create(
    *,
    actor: User,
    category: str,
    question: str,
    answer: str,
    variants: list[str] | None = None,
    source: str = "",
    owner: Department | None = None,
    shareable: bool = False,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    proposed_from: Ticket | None = None,
) -> KnowledgeEntry:
    """A new draft entry (version 1)."""
    role = _require_kb(actor)
    category, question, answer, cleaned, source = _clean_entry(
        category=category, question=question, answer=answer, variants=variants or [], source=source
    )
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed(_("The entry must end after it starts."), code="invalid_validity")
    entry = KnowledgeEntry.objects.create(
        origin_region=validate_region(settings.TONGBAN_REGION),
        category=category,
        question=question,
        variants=cleaned,
        answer=answer,
        source=source,
        owner=owner,
        shareable=shareable,
        valid_from=valid_from,
        valid_until=valid_until,
        proposed_from=proposed_from,
        author=actor,
    )
    events.knowledge_changed(entry=entry, action="created", actor=actor, role=role)
    return entry


@transaction.atomic
def kb_propose_from_ticket(*, ticket: Ticket, actor: User, category: str = "") -> KnowledgeEntry:
    """Propose an answered ticket as a new entry: its content as the question, its reply as the answer."""
    ticket = lock_ticket(ticket)
    require_line(actor, ticket)
    if not ticket.reply:
        raise InvalidTransition(_("Only answered tickets can be proposed."), code="ticket_not_answered")
    entry = kb_entry_create(
        actor=actor,
        category=category or (SUBJECTS[ticket.subject][0] if ticket.subject in SUBJECTS else gettext("General")),
        question=ticket.title,
        variants=[ticket.content[:300]],
        answer=ticket.reply,
        source=gettext("Ticket %(number)s") % {"number": ticket.number},
        owner=ticket.department,
        proposed_from=ticket,
    )
    entry.status = KnowledgeStatus.IN_REVIEW
    entry.save(update_fields=["status"])
    return entry


@transaction.atomic
def kb_entry_submit(*, entry: KnowledgeEntry, actor: User) -> KnowledgeEntry:
    role = _require_kb(actor)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != KnowledgeStatus.DRAFT:
        raise InvalidTransition(_("Only drafts can be sent for review."), code="kb_not_draft")
    entry.status = KnowledgeStatus.IN_REVIEW
    entry.save(update_fields=["status", "updated_at"])
    events.knowledge_changed(entry=entry, action="submitted", actor=actor, role=role)
    return entry


@transaction.atomic
def kb_entry_publish(*, entry: KnowledgeEntry, actor: User, now: dt.datetime | None = None) -> KnowledgeEntry:
    """Review and publish a version; the previously published version of the entry retires."""
    role = _require_kb(actor, publish=True)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in (KnowledgeStatus.DRAFT, KnowledgeStatus.IN_REVIEW):
        raise InvalidTransition(_("This entry cannot be published."), code="kb_not_publishable")
    if entry.author_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Someone else must review an entry you wrote."), code="kb_self_review")
    for old in KnowledgeEntry.objects.select_for_update().filter(uid=entry.uid, status=KnowledgeStatus.PUBLISHED):
        old.status = KnowledgeStatus.RETIRED
        old.save(update_fields=["status", "updated_at"])
        knowledge.reindex(old)
    entry.status = KnowledgeStatus.PUBLISHED
    entry.reviewed_by = actor
    entry.published_at = now_or(now)
    entry.save(update_fields=["status", "reviewed_by", "published_at", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="published", actor=actor, role=role)
    if entry.shareable and entry.origin_region_id == settings.TONGBAN_REGION:
        share_entry(entry=entry, actor=actor)
    return entry


@transaction.atomic
def kb_entry_new_version(
    *, entry: KnowledgeEntry, actor: User, answer: str, question: str | None = None, variants: list[str] | None = None
) -> KnowledgeEntry:
    """A new draft version of a published entry (the published one stays live until it is replaced)."""
    role = _require_kb(actor)
    latest = KnowledgeEntry.objects.filter(uid=entry.uid).order_by("-version").first()
    assert latest is not None
    category, question_, answer_, cleaned, source = _clean_entry(
        category=entry.category,
        question=question or entry.question,
        answer=answer,
        variants=variants if variants is not None else list(entry.variants),
        source=entry.source,
    )
    draft = KnowledgeEntry.objects.create(
        uid=entry.uid,
        version=latest.version + 1,
        origin_region=entry.origin_region,
        category=category,
        question=question_,
        variants=cleaned,
        answer=answer_,
        source=source,
        owner=entry.owner,
        shareable=entry.shareable,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        author=actor,
    )
    events.knowledge_changed(entry=draft, action="new_version", actor=actor, role=role)
    return draft


@transaction.atomic
def kb_entry_retire(*, entry: KnowledgeEntry, actor: User, reason: str) -> KnowledgeEntry:
    role = _require_kb(actor, publish=True)
    reason = clean_reason(reason)
    entry = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status == KnowledgeStatus.RETIRED:
        raise InvalidTransition(_("The entry is already retired."), code="kb_retired")
    was_shared = (
        entry.status == KnowledgeStatus.PUBLISHED
        and entry.shareable
        and entry.origin_region_id == settings.TONGBAN_REGION
    )
    entry.status = KnowledgeStatus.RETIRED
    entry.save(update_fields=["status", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="retired", actor=actor, role=role, reason=reason)
    if was_shared:
        share_withdrawal(entry=entry, actor=actor)
    return entry


def kb_export_shareable() -> dict[str, Any]:
    """Published shareable entries as the JSON document the federation carries to peers (origin kept)."""
    entries = (
        KnowledgeEntry.objects.filter(status=KnowledgeStatus.PUBLISHED, shareable=True)
        .select_related("owner")
        .order_by("pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "region": settings.TONGBAN_REGION,
        "exported_at": timezone.now().isoformat(),
        "entries": [kb_entry_document(e) for e in entries],
    }


def kb_entry_document(e: KnowledgeEntry) -> dict[str, Any]:
    """One entry as exported and as carried to peers (its origin region kept)."""
    return {
        "uid": str(e.uid),
        "version": e.version,
        "origin_region": e.origin_region_id,
        "category": e.category,
        "question": e.question,
        "variants": list(e.variants),
        "answer": e.answer,
        "source": e.source,
        "owner": e.owner.name if e.owner else "",
        "valid_from": e.valid_from.isoformat() if e.valid_from else None,
        "valid_until": e.valid_until.isoformat() if e.valid_until else None,
        "published_at": e.published_at.isoformat() if e.published_at else None,
    }


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationFailed(_("A date is not valid."), code="invalid_date") from exc


@transaction.atomic
def kb_import(*, document: dict[str, Any], now: dt.datetime | None = None) -> ImportReport:
    """Import a peer's shareable entries (idempotent: an entry is keyed on its uid and version; a newer
    version replaces the older one; our own entries are never overwritten). All or nothing."""
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ValidationFailed(_("This is not a knowledge-base export."), code="invalid_kb_document")
    items = document.get("entries")
    if not isinstance(items, list):
        raise ValidationFailed(_("This is not a knowledge-base export."), code="invalid_kb_document")
    report = ImportReport()
    for index, raw in enumerate(items):
        _kb_import_entry(raw, index=index, report=report, now=now_or(now))
    return report


def _invalid_entry(index: int) -> ValidationFailed:
    return ValidationFailed(_("Entry %(n)d is not valid.") % {"n": index + 1}, code="invalid_kb_entry")


def _kb_import_entry(
    raw: Any, *, index: int, report: ImportReport, now: dt.datetime, sender_region: str | None = None
) -> None:
    """One shared entry into this node's knowledge base, marked with its origin region.

    ``sender_region``: the peer it came from, which must be the entry's origin (``kb_wrong_origin``)."""
    if not isinstance(raw, dict):
        raise _invalid_entry(index)
    try:
        uid = uuid.UUID(str(raw.get("uid")))
        version = int(raw.get("version", 1))
        origin = Region.objects.get(code=str(raw.get("origin_region")))
    except (ValueError, TypeError, Region.DoesNotExist) as exc:
        raise _invalid_entry(index) from exc
    if version < 1:
        raise _invalid_entry(index)
    if sender_region is not None and origin.code != sender_region:
        raise PermissionDenied(
            _("A region shares only the entries it wrote."), code="kb_wrong_origin", details={"entry": index + 1}
        )
    if origin.code == settings.TONGBAN_REGION:
        report.unchanged += 1
        return
    variants = raw.get("variants") or []
    if not isinstance(variants, list):
        raise _invalid_entry(index)
    category, question, answer, cleaned, source = _clean_entry(
        category=str(raw.get("category", "")),
        question=str(raw.get("question", "")),
        answer=str(raw.get("answer", "")),
        variants=[str(v) for v in variants],
        source=str(raw.get("source", "")),
    )
    current = KnowledgeEntry.objects.select_for_update().filter(uid=uid).order_by("-version").first()
    if current is not None and current.origin_region_id != origin.code:
        raise PermissionDenied(
            _("A region shares only the entries it wrote."), code="kb_wrong_origin", details={"entry": index + 1}
        )
    if current is not None and current.version >= version:
        report.unchanged += 1
        return
    if current is not None:
        KnowledgeEntry.objects.filter(uid=uid, status=KnowledgeStatus.PUBLISHED).update(status=KnowledgeStatus.RETIRED)
        for old in KnowledgeEntry.objects.filter(uid=uid):
            knowledge.reindex(old)
    entry = KnowledgeEntry.objects.create(
        uid=uid,
        version=version,
        origin_region=origin,
        category=category,
        question=question,
        variants=cleaned,
        answer=answer,
        source=source,
        status=KnowledgeStatus.PUBLISHED,
        shareable=True,
        valid_from=_date(raw.get("valid_from")),
        valid_until=_date(raw.get("valid_until")),
        published_at=now,
    )
    knowledge.reindex(entry)
    events.knowledge_changed(entry=entry, action="imported", actor=None, role="federation")
    if current is None:
        report.created += 1
    else:
        report.updated += 1


@transaction.atomic
def kb_receive(*, sender_region: str, entries: list[Any], now: dt.datetime | None = None) -> ImportReport:
    """Entries shared by a peer over the federation (published, new version, or a pull's snapshot).

    Each must come from its origin region; all or nothing, idempotent like ``kb_import``."""
    report = ImportReport()
    for index, raw in enumerate(entries):
        _kb_import_entry(raw, index=index, report=report, now=now_or(now), sender_region=sender_region)
    return report


@transaction.atomic
def kb_withdraw_receive(*, sender_region: str, uid: str, version: Any) -> KnowledgeEntry | None:
    """The origin region retired a shared entry: its copy here is retired too (idempotent).

    A withdrawal of an older version than the one here changes nothing; only the origin region
    may withdraw (``kb_wrong_origin``)."""
    try:
        key = uuid.UUID(uid)
        withdrawn = int(version)
    except (ValueError, TypeError) as exc:
        raise _invalid_entry(0) from exc
    entry = (
        KnowledgeEntry.objects.select_for_update()
        .filter(uid=key, status=KnowledgeStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )
    if entry is None:
        return None
    if entry.origin_region_id != sender_region or entry.origin_region_id == settings.TONGBAN_REGION:
        raise PermissionDenied(_("A region shares only the entries it wrote."), code="kb_wrong_origin")
    if entry.version > withdrawn:
        return entry
    entry.status = KnowledgeStatus.RETIRED
    entry.save(update_fields=["status", "updated_at"])
    knowledge.reindex(entry)
    events.knowledge_changed(
        entry=entry, action="withdrawn", actor=None, role="federation", reason=f"withdrawn by {sender_region}"
    )
    return entry


# ------------------------------------------------------------------ sharing with peers (in the caller's transaction)


def active_peers() -> list[str]:
    """The regions of this node's active peers."""
    return list(Peer.objects.filter(status=PeerStatus.ACTIVE).values_list("region_code", flat=True))


def share_entry(*, entry: KnowledgeEntry, actor: User | None) -> int:
    """A shareable entry of this region was published: send it to every peer (returns how many)."""
    peers = active_peers()
    for region in peers:
        federation.message_send(
            recipient_region=region,
            type=KB_ENTRY_MESSAGE,
            payload={"entry": kb_entry_document(entry)},
            correlation_id=str(entry.uid),
            actor=actor,
        )
    return len(peers)


def share_withdrawal(*, entry: KnowledgeEntry, actor: User | None) -> int:
    """A shared entry of this region was retired: tell every peer (returns how many)."""
    peers = active_peers()
    for region in peers:
        federation.message_send(
            recipient_region=region,
            type=KB_WITHDRAWN_MESSAGE,
            payload={"uid": str(entry.uid), "version": entry.version, "origin_region": entry.origin_region_id},
            correlation_id=str(entry.uid),
            actor=actor,
        )
    return len(peers)
