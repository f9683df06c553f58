"""Audit events of the catalog: one typed constructor per event.

Item events go to the stream ``item:<implementation code>`` so the whole history of an
item, across its versions, reads as one chain; base-list events go to ``base_item:<base code>``.
"""

from __future__ import annotations

from typing import Any

from tongban.catalog.models import BaseItem, ServiceItem
from tongban.core import audit
from tongban.core.models import AuditEvent


def _role(actor: Any) -> str:
    if actor is None:
        return "system"
    return "superuser" if getattr(actor, "is_superuser", False) else "catalog_admin"


def _item_ref(item: ServiceItem) -> dict[str, Any]:
    return {"code": item.code, "version": item.version, "status": item.status, "region": item.region_id}


def item_stream(code: str) -> str:
    return f"item:{code}"


def base_item_saved(*, actor: Any, base: BaseItem, created: bool, changed: list[str]) -> AuditEvent:
    return audit.record(
        stream=f"base_item:{base.base_code}",
        action="catalog.base_item_created" if created else "catalog.base_item_updated",
        object_type="catalog.baseitem",
        object_id=base.pk,
        actor=actor,
        actor_role=_role(actor),
        data={"base_code": base.base_code, "name": base.name, "kind": base.kind, "changed": changed},
    )


def item_draft_created(*, actor: Any, item: ServiceItem, from_version: int | None) -> AuditEvent:
    return audit.record(
        stream=item_stream(item.code),
        action="catalog.item_draft_created",
        object_type="catalog.serviceitem",
        object_id=item.pk,
        actor=actor,
        actor_role=_role(actor),
        data={**_item_ref(item), "from_version": from_version, "name": item.name},
    )


def item_draft_updated(*, actor: Any, item: ServiceItem, changed: list[str]) -> AuditEvent:
    return audit.record(
        stream=item_stream(item.code),
        action="catalog.item_draft_updated",
        object_type="catalog.serviceitem",
        object_id=item.pk,
        actor=actor,
        actor_role=_role(actor),
        data={**_item_ref(item), "changed": changed},
    )


def item_published(*, actor: Any, item: ServiceItem, superseded: ServiceItem | None) -> AuditEvent:
    return audit.record(
        stream=item_stream(item.code),
        action="catalog.item_published",
        object_type="catalog.serviceitem",
        object_id=item.pk,
        actor=actor,
        actor_role=_role(actor),
        data={
            **_item_ref(item),
            "published_at": item.published_at,
            "superseded_version": superseded.version if superseded is not None else None,
        },
    )


def item_withdrawn(*, actor: Any, item: ServiceItem, reason: str) -> AuditEvent:
    return audit.record(
        stream=item_stream(item.code),
        action="catalog.item_withdrawn",
        object_type="catalog.serviceitem",
        object_id=item.pk,
        actor=actor,
        actor_role=_role(actor),
        reason=reason,
        data=_item_ref(item),
    )


def workbook_imported(*, actor: Any, created: list[str], updated: list[str], unchanged: int, source: str) -> AuditEvent:
    return audit.record(
        stream="catalog:imports",
        action="catalog.workbook_imported",
        object_type="catalog.workbook",
        object_id=source or "-",
        actor=actor,
        actor_role=_role(actor),
        data={"created": created, "updated": updated, "unchanged": unchanged},
    )
