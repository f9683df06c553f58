"""Reads of cross-region cases, with authorization.

Origin side: the applicant sees their own remote cases; window clerks of this node's region
see the cases received at a window (异地代收), with the queues of corrections to supply and
results to deliver. Anyone else gets ``remote_case_not_found``. Clerks' reads are audited.
Deciding side: ``forwarded_case_get`` finds the case registered for a forwarding id.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q, QuerySet

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases.constants import CaseStatus
from tongban.federation.models import PeerCatalogItem
from tongban.forwarding import errors, events
from tongban.forwarding.constants import REFUSED, ForwardMode
from tongban.forwarding.models import ForwardedCase, RemoteCase, RemoteCaseEvent, RemoteCaseFile
from tongban.forwarding.services import OFFERED, is_clerk_here, may_act

QUEUES: dict[str, tuple[str, ...]] = {
    "correction": (CaseStatus.CORRECTION_REQUESTED.value,),
    "deliver": (CaseStatus.RESULT_ISSUED.value,),
    "refused": (REFUSED,),
}


def peer_items(*, mode: str, q: str = "") -> QuerySet[PeerCatalogItem]:
    """Peers' items offered for ``mode`` (the peer's published 跨省通办 mode), from the synced catalogs."""
    rows = PeerCatalogItem.objects.select_related("peer").filter(
        peer__status="active", snapshot__application__cross_region_mode__in=list(OFFERED.get(mode, ()))
    )
    term = (q or "").strip()[:100]
    if term:
        rows = rows.filter(Q(base_name__icontains=term) | Q(code__icontains=term) | Q(snapshot__name__icontains=term))
    return rows.order_by("peer__region_code", "code")


def remote_cases_for(*, user: User) -> QuerySet[RemoteCase]:
    """The remote cases a user may see: their own, and (window clerks here) every case received at a window."""
    if not user.is_authenticated:
        return RemoteCase.objects.none()
    q = Q(applicant=user)
    if is_clerk_here(user):
        q |= Q(mode=ForwardMode.PROXY_RECEIPT)
    return RemoteCase.objects.filter(q).select_related("applicant").order_by("-created_at", "-id")


def my_remote_cases(*, user: User) -> QuerySet[RemoteCase]:
    return RemoteCase.objects.filter(applicant=user).order_by("-created_at", "-id")


def clerk_queue(*, user: User, queue: str = "") -> QuerySet[RemoteCase]:
    if not is_clerk_here(user):
        return RemoteCase.objects.none()
    rows = RemoteCase.objects.filter(mode=ForwardMode.PROXY_RECEIPT).select_related("applicant")
    if queue in QUEUES:
        rows = rows.filter(status__in=QUEUES[queue])
    return rows.order_by("-updated_at", "-id")


def remote_case_get_for_user(*, user: User, pk: int, reason: str = "") -> tuple[RemoteCase, str]:
    remote_case = RemoteCase.objects.select_related("applicant", "received_by").filter(pk=pk).first()
    role = may_act(actor=user, remote_case=remote_case) if remote_case is not None and user.is_authenticated else None
    if remote_case is None or role is None:
        raise errors.RemoteCaseNotFound()
    if role != "applicant":
        with transaction.atomic():
            events.remote(remote_case, action="viewed", actor=user, role=role, reason=(reason or "handling")[:500])
    return remote_case, role


def remote_case_timeline(*, remote_case: RemoteCase) -> QuerySet[RemoteCaseEvent]:
    return RemoteCaseEvent.objects.filter(remote_case=remote_case).order_by("occurred_at", "id")


def remote_case_files(*, remote_case: RemoteCase) -> QuerySet[RemoteCaseFile]:
    return RemoteCaseFile.objects.filter(remote_case=remote_case).order_by("id")


def forwarded_case_get(*, forward_id: uuid.UUID | str) -> ForwardedCase | None:
    """At the deciding node: the registration of a forwarding id (None until every part has arrived)."""
    return ForwardedCase.objects.select_related("case").filter(forward_id=forward_id).first()


def forwarded_cases_for(*, user: User, forward_id: uuid.UUID | None = None) -> QuerySet[ForwardedCase]:
    """At the deciding node: the forwarded cases among those ``user`` may see (``cases`` authorization)."""
    from tongban.cases.selectors import case_list_for_user

    rows = ForwardedCase.objects.filter(case__in=case_list_for_user(user=user)).select_related(
        "case", "case__item", "case__department"
    )
    if forward_id is not None:
        rows = rows.filter(forward_id=forward_id)
    return rows.order_by("-created_at", "-id")


def origin_regions(*, case_ids: list[int]) -> dict[int, str]:
    """At the deciding node: the origin region of each forwarded case among ``case_ids``."""
    return dict(ForwardedCase.objects.filter(case_id__in=case_ids).values_list("case_id", "origin_region"))


CLERK_ROLE = StaffRoleKind.WINDOW_CLERK.value
