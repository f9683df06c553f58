"""What the trading services share: role checks, the procedure lock and publishing a notice.

Kept apart from ``services`` so that ``evaluation`` and ``pool`` can use them and ``services`` can
call ``evaluation`` (an upheld complaint reopens the evaluation) without a circle of imports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tongban.accounts import selectors as accounts
from tongban.accounts.models import Enterprise, User
from tongban.trading import events, selectors
from tongban.trading.constants import NoticeKind
from tongban.trading.errors import NotActingForBidder, OperatorRequired, ProcedureNotFound, SupervisorRequired
from tongban.trading.models import Notice, Procedure


def require_operator(actor: User) -> None:
    if not selectors.is_operator(actor):
        raise OperatorRequired()


def require_supervisor(actor: User) -> None:
    if not selectors.is_supervisor(actor):
        raise SupervisorRequired()


def require_acting_for(actor: User, enterprise: Enterprise) -> None:
    if not accounts.user_can_act_for(user=actor, enterprise=enterprise):
        raise NotActingForBidder()


def lock_procedure(procedure_id: int) -> Procedure:
    found = Procedure.objects.select_for_update().filter(pk=procedure_id).first()
    if found is None:
        raise ProcedureNotFound()
    return found


def _next_version(procedure: Procedure) -> int:
    last = procedure.notices.order_by("-version").values_list("version", flat=True).first()
    return int(last or 0) + 1


def _store_documents(
    procedure: Procedure, version: int, documents: Sequence[tuple[str, bytes]]
) -> list[dict[str, Any]]:
    stored = []
    for title, content in documents:
        digest = hashlib.sha256(content).hexdigest()
        name = default_storage.save(f"trading/{procedure.pk}/{version}/{digest[:16]}", ContentFile(content))
        stored.append(
            {
                "title": title[:200],
                "path": name,
                "sha256": digest,
                "size": len(content),
                "url": f"/trading/files/{name}",
            }
        )
    return stored


def notice_publish(
    *,
    procedure: Procedure,
    kind: NoticeKind,
    title: str,
    body: str,
    actor: User | None,
    documents: Sequence[tuple[str, bytes]] = (),
    changes: dict[str, Any] | None = None,
) -> Notice:
    """A new version of the procedure's public notices (in the caller's transaction)."""
    version = _next_version(procedure)
    notice = Notice.objects.create(
        procedure=procedure,
        version=version,
        kind=kind,
        title=title[:200],
        body=body,
        documents=_store_documents(procedure, version, documents),
        changes=changes or {},
        published_at=timezone.now(),
        published_by=actor,
    )
    events.notice_published(notice=notice, actor=actor)
    return notice
