"""Catalog sync: a node publishes its own region's implementation list, signed; peers pull it so
the 六统一 comparison (``catalog.uniformity.compare_snapshots``) can use live data of every region.

``GET /federation/v1/catalog`` answers a compact JWS (``typ: tongban-catalog+jws``) signed by the
node's active key over ``{"region", "generated", "items": [...]}``; each item carries its
implementation and base codes, handling type and the six elements in the form
``ImplementationSnapshot.from_dict`` reads. The puller verifies it against the keys pinned for
that peer (refreshing them once on an unknown key id) and replaces the peer's rows in one go.

The catalog app plugs this into the federation transport in its ``AppConfig.ready`` (``register``):
the endpoint and ``tongban federation catalog pull|compare``.
"""

from __future__ import annotations

import contextlib
import json
from argparse import ArgumentParser
from collections.abc import Iterable
from typing import Any

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tongban.accounts.models import User
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.constants import HandlingType
from tongban.catalog.models import BaseItem, Material
from tongban.catalog.uniformity import ImplementationSnapshot, Uniformity, compare_snapshots
from tongban.core.audit import record
from tongban.core.errors import ApplicationError, NotFound
from tongban.core.text import TextRefused, check_json
from tongban.federation import errors, registry, selectors, services, signing
from tongban.federation.constants import PeerKeyStatus, PeerStatus
from tongban.federation.models import Peer, PeerCatalogItem

CATALOG_TYP = "tongban-catalog+jws"
CATALOG_PATH = "/federation/v1/catalog"


def _item_dict(item: Any) -> dict[str, Any]:
    snap = ImplementationSnapshot.from_item(item)
    return {
        "code": item.code,
        "base_code": item.base.base_code,
        "base_name": item.base.name,
        "handling_type": item.handling_type,
        "region": snap.region,
        "region_name": snap.region_name,
        "name": snap.name,
        "legal_basis": [{"law": law, "article": article} for law, article in snap.legal_basis],
        "content": snap.content,
        "conditions": list(snap.conditions),
        "materials": [{"name": m} for m in snap.materials],
        "result_form": snap.result_form,
        "result_name": snap.result_name,
        # What a peer needs to receive an application for this item (异地代收, 全程网办; see tongban.forwarding).
        "application": {
            "cross_region_mode": item.cross_region_mode,
            "department": item.department.name,
            "legal_limit_days": item.legal_limit_days,
            "promised_limit_days": item.promised_limit_days,
            "form_fields": item.form_fields or [],
            "situations": item.situations or [],
            "materials": [
                {
                    "code": m.code,
                    "name": m.name,
                    "required": m.required,
                    "gap_allowed": m.gap_allowed,
                    "applies_when": m.applies_when or [],
                }
                for m in item.materials.all()
            ],
        },
    }


def catalog_document() -> dict[str, Any]:
    """The published implementation items of this node's own region."""
    items = (
        catalog_selectors.published_items()
        .filter(region_id=signing.own_region())
        .select_related("region", "base", "department")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order", "id")))
        .order_by("code")
    )
    return {
        "region": signing.own_region(),
        "generated": timezone.now().isoformat(),
        "items": [_item_dict(item) for item in items],
    }


def signed_catalog() -> str:
    token, _kid = signing.sign_payload(catalog_document(), typ=CATALOG_TYP)
    return token


def _verify_from_peer(peer: Peer, token: str) -> dict[str, Any]:
    try:
        header, _claimed = signing.read_unverified(token)
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.malformed(str(exc)) from exc
    kid = str(header.get("kid", ""))
    key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    if key is None:
        with contextlib.suppress(ApplicationError):  # a key not vouched for by a pinned one: refused below
            services.peer_refresh(peer=peer, actor=None)
        key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
    if key is None:
        raise errors.unknown_key()
    try:
        return signing.verify(token, dict(key.public_jwk))
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.bad_signature() from exc


def peer_catalog_pull(*, peer: Peer, actor: User | None) -> int:
    """Fetch, verify and store a peer's catalog (all its rows replaced, or none); returns the item count."""
    if peer.status != PeerStatus.ACTIVE:
        raise errors.unknown_recipient()
    try:
        response = httpx.get(peer.base_url + CATALOG_PATH, timeout=float(settings.TONGBAN_FEDERATION_TIMEOUT))
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise errors.peer_unreachable(str(exc)) from exc
    document = _verify_from_peer(peer, response.text.strip())
    if str(document.get("region")) != peer.region_code or not isinstance(document.get("items"), list):
        raise errors.malformed("catalog of another region, or without items")
    rows = []
    now = timezone.now()
    for index, item in enumerate(document["items"]):
        if not isinstance(item, dict) or not item.get("code") or not item.get("base_code"):
            raise errors.malformed(f"items[{index}] lacks code or base_code")
        if str(item.get("region")) != peer.region_code:
            raise errors.malformed(f"items[{index}] belongs to another region")
        try:
            check_json(item, field=f"items[{index}]")
        except TextRefused as exc:
            raise errors.malformed(f"{exc.code} at {exc.field}") from exc
        try:
            ImplementationSnapshot.from_dict(item)
        except (KeyError, TypeError, AttributeError) as exc:
            raise errors.malformed(f"items[{index}]: {exc}") from exc
        rows.append(
            PeerCatalogItem(
                peer=peer,
                code=str(item["code"])[:60],
                base_code=str(item["base_code"])[:60],
                base_name=str(item.get("base_name", ""))[:200],
                handling_type=str(item.get("handling_type", ""))[:20],
                snapshot=item,
                fetched_at=now,
            )
        )
    with transaction.atomic():
        PeerCatalogItem.objects.filter(peer=peer).delete()
        PeerCatalogItem.objects.bulk_create(rows)
        record(
            stream="federation-peers",
            action="federation.peer_catalog_pulled",
            object_type="peer",
            object_id=peer.region_code,
            actor=actor,
            data={"items": len(rows)},
        )
    return len(rows)


def _chosen(rows: Iterable[PeerCatalogItem]) -> list[ImplementationSnapshot]:
    """One implementation per region, by the rule of ``catalog.uniformity``: the new (新设) one, else the smallest code."""
    chosen: dict[str, PeerCatalogItem] = {}
    for row in rows:
        key = (0 if row.handling_type == HandlingType.NEW else 1, row.code)
        current = chosen.get(row.peer.region_code)
        if current is None or key < (0 if current.handling_type == HandlingType.NEW else 1, current.code):
            chosen[row.peer.region_code] = row
    return [ImplementationSnapshot.from_dict(r.snapshot) for r in chosen.values()]


def uniformity_with_peers(*, base_code: str) -> Uniformity:
    """六统一 of one base item over local data and the catalogs pulled from peers.

    A region whose catalog was pulled from its own node is compared on that live data; the local
    rows of that region (imported copies) are left out.
    """
    peer_rows = list(PeerCatalogItem.objects.filter(base_code=base_code).select_related("peer"))
    pulled_regions = set(PeerCatalogItem.objects.values_list("peer__region_code", flat=True).distinct())
    local = (
        catalog_selectors.published_items()
        .filter(base__base_code=base_code)
        .exclude(region_id__in=pulled_regions)
        .select_related("region", "base")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order", "id")))
    )
    by_region: dict[str, Any] = {}
    for item in local:
        key = (0 if item.handling_type == HandlingType.NEW else 1, item.code)
        current = by_region.get(item.region_id)
        if current is None or key < (0 if current.handling_type == HandlingType.NEW else 1, current.code):
            by_region[item.region_id] = item
    snapshots = [ImplementationSnapshot.from_item(i) for i in by_region.values()] + _chosen(peer_rows)
    base = BaseItem.objects.filter(base_code=base_code).first()
    if base is None and not peer_rows:
        raise NotFound(code="base_item_not_found")
    name = base.name if base is not None else peer_rows[0].base_name
    return compare_snapshots(base_code=base_code, base_name=name, snapshots=snapshots)


@require_GET
def catalog_view(request: HttpRequest) -> HttpResponse:
    """``GET /federation/v1/catalog``: this region's published implementation items, signed (catalog sync)."""
    response = HttpResponse(signed_catalog(), content_type="application/jose")
    response["Cache-Control"] = "no-store"
    return response


def _configure(parser: ArgumentParser) -> None:
    csub = parser.add_subparsers(dest="catalog_action", required=True)
    pull = csub.add_parser("pull", help="pull the signed catalogs of the peers (all, or one region)")
    pull.add_argument("region", nargs="?", default=None)
    compare = csub.add_parser("compare", help="六统一 of a base item over local and pulled data (JSON)")
    compare.add_argument("base_code")


def _run(command: BaseCommand, options: dict[str, Any]) -> None:
    if options["catalog_action"] == "pull":
        region = options["region"]
        peers = [selectors.peer_get(region_code=region)] if region else list(selectors.peer_list())
        for peer in peers:
            count = peer_catalog_pull(peer=peer, actor=None)
            command.stdout.write(f"{peer.region_code} {count}")
        return
    result = uniformity_with_peers(base_code=options["base_code"])
    document = {
        "base_code": result.base_code,
        "score": result.score,
        "comparable": result.comparable,
        "regions": result.regions,
        "differing_elements": result.differing_elements,
    }
    command.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def register() -> None:
    """Plug catalog sync into the federation transport (called by ``CatalogConfig.ready``)."""
    registry.register_endpoint("catalog", catalog_view, name="catalog")
    registry.register_command(
        registry.CommandGroup(name="catalog", help="catalog sync with peers", configure=_configure, run=_run)
    )
