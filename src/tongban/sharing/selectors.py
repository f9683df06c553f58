"""Reads of data sharing: the resource catalog, requests and approvals, the data tracker, anomalies."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import user_department_ids, user_has_role, user_roles
from tongban.regions.models import Department
from tongban.sharing import errors
from tongban.sharing.constants import LIVE_STATUSES, ProofMode, RequestStatus, ResourceStatus, SharingClass
from tongban.sharing.models import (
    AccessLogEntry,
    Anomaly,
    DataReceipt,
    DataRequest,
    DataResource,
    Objection,
    ProofRequirement,
    VerificationTask,
)

REGION_DATA_OFFICE = "gsa"  # the department whose data administrators administer the region's data


def own_region() -> str:
    return str(settings.TONGBAN_REGION)


# ---------------------------------------------------------------- who may do what


def is_data_admin(*, user: User, department: Department) -> bool:
    if user.is_superuser:
        return True
    return user_has_role(user=user, role=StaffRoleKind.DATA_ADMIN, department=department)


def is_region_data_admin(*, user: User, region_code: str) -> bool:
    if user.is_superuser:
        return True
    office = Department.objects.filter(region_id=region_code, code=REGION_DATA_OFFICE).values_list("pk", flat=True)
    return any(user_roles(user=user, roles=[StaffRoleKind.DATA_ADMIN], department=pk) for pk in office)


def can_request_for(*, user: User, department: Department) -> bool:
    if user.is_superuser:
        return True
    return bool(
        user_roles(user=user, roles=[StaffRoleKind.DATA_ADMIN, StaffRoleKind.DEPARTMENT_HEAD], department=department)
    )


def is_member(*, user: User, department: Department) -> bool:
    return bool(user_roles(user=user, department=department))


def data_admin_departments(*, user: User) -> QuerySet[Department]:
    if user.is_superuser:
        return Department.objects.filter(region_id=own_region())
    return Department.objects.filter(
        pk__in=user_department_ids(user=user, role=StaffRoleKind.DATA_ADMIN), region_id=own_region()
    )


def requesting_departments(*, user: User) -> QuerySet[Department]:
    if user.is_superuser:
        return Department.objects.filter(region_id=own_region())
    return Department.objects.filter(
        pk__in=user_department_ids(user=user, roles=[StaffRoleKind.DATA_ADMIN, StaffRoleKind.DEPARTMENT_HEAD]),
        region_id=own_region(),
    )


def member_departments(*, user: User) -> QuerySet[Department]:
    return Department.objects.filter(pk__in=user_department_ids(user=user), region_id=own_region())


def department_get(*, region_code: str, code: str) -> Department | None:
    return Department.objects.filter(region_id=region_code, code=code).first()


# ---------------------------------------------------------------- the resource catalog


def resource_list(*, q: str = "", include_drafts: bool = False) -> QuerySet[DataResource]:
    statuses = [ResourceStatus.PUBLISHED, ResourceStatus.DRAFT] if include_drafts else [ResourceStatus.PUBLISHED]
    qs = DataResource.objects.filter(status__in=statuses).select_related("provider", "provider__region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(provider__name__icontains=q))
    return qs.order_by("code", "-version")


def resource_get(*, code: str) -> DataResource:
    """The published version of a resource."""
    found = (
        DataResource.objects.filter(code=code, status=ResourceStatus.PUBLISHED)
        .select_related("provider", "provider__region")
        .first()
    )
    if found is None:
        raise errors.resource_not_found()
    return found


def resource_find(*, code: str) -> DataResource | None:
    return (
        DataResource.objects.filter(code=code, status=ResourceStatus.PUBLISHED)
        .select_related("provider", "provider__region")
        .first()
    )


def resource_versions(*, code: str) -> QuerySet[DataResource]:
    return DataResource.objects.filter(code=code).select_related("provider").order_by("-version")


def resource_draft(*, code: str) -> DataResource | None:
    return DataResource.objects.filter(code=code, status=ResourceStatus.DRAFT).select_related("provider").first()


def shareable_fields(resource: DataResource) -> list[dict[str, Any]]:
    return [f for f in resource.fields if f.get("sharing") != SharingClass.NOT_SHARED]


# ---------------------------------------------------------------- requests and approvals


def request_get(*, number: str) -> DataRequest:
    found = DataRequest.objects.filter(number=number).select_related("provider", "requester").first()
    if found is None:
        raise errors.request_not_found()
    return found


def requests_for_user(*, user: User) -> QuerySet[DataRequest]:
    """Requests the user's departments made, and those made to the departments they administer."""
    qs = DataRequest.objects.select_related("provider", "requester")
    if user.is_superuser:
        return qs
    departments = list(user_department_ids(user=user))
    mine = Q(requester_id__in=departments) | Q(provider_id__in=departments)
    if is_region_data_admin(user=user, region_code=own_region()):
        mine |= Q(status=RequestStatus.DISPUTED, provider_region=own_region())
    return qs.filter(mine)


def live_approval(*, department_id: int, resource_code: str, today: dt.date) -> DataRequest | None:
    return (
        DataRequest.objects.filter(
            requester_id=department_id,
            resource_code=resource_code,
            status__in=LIVE_STATUSES,
            approved_from__lte=today,
            approved_to__gte=today,
        )
        .order_by("-approved_to", "-id")
        .first()
    )


def latest_approval(*, department_id: int, resource_code: str) -> DataRequest | None:
    """The most recent decided request of a department for a resource (to explain a refusal)."""
    return (
        DataRequest.objects.filter(
            requester_id=department_id,
            resource_code=resource_code,
            status__in=[*LIVE_STATUSES, RequestStatus.EXPIRED, RequestStatus.REVOKED],
        )
        .order_by("-updated_at", "-id")
        .first()
    )


def approvals_due_to_expire(*, today: dt.date) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(status__in=LIVE_STATUSES, approved_to__lt=today, provider_region=own_region())


# ---------------------------------------------------------------- the data tracker


def reads_of_subjects(*, subject_ids: list[str]) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(subject_id__in=subject_ids).order_by("-occurred_at", "-id")


def read_get(*, lane: int, seq: int, subject_ids: list[str]) -> AccessLogEntry:
    found = AccessLogEntry.objects.filter(lane=lane, seq=seq, subject_id__in=subject_ids).first()
    if found is None:
        raise errors.read_not_found()
    return found


def objected_reads(*, subject_ids: list[str]) -> dict[tuple[int, int], Objection]:
    return {(o.log_lane, o.log_seq): o for o in Objection.objects.filter(subject_id__in=subject_ids)}


def subject_ids_for(user: User) -> list[str]:
    """The subjects whose data use a user may see: their ID number, and enterprises they act for."""
    from tongban.accounts.selectors import enterprises_for_user

    ids = [user.id_number] if user.id_number else []
    if user.uscc:
        ids.append(user.uscc)
    ids.extend(e.uscc for e in enterprises_for_user(user=user))
    return list(dict.fromkeys(ids))


# ---------------------------------------------------------------- receipts, proofs, anomalies


def receipts_for_context(*, kind: str, context_id: str) -> QuerySet[DataReceipt]:
    return DataReceipt.objects.filter(context_kind=kind, context_id=context_id).order_by("fetched_at", "id")


def receipt_get(*, number: str) -> DataReceipt:
    found = DataReceipt.objects.filter(number=number).first()
    if found is None:
        raise errors.receipt_not_found()
    return found


def proof_list(*, region_code: str | None = None, mode: str | None = None) -> QuerySet[ProofRequirement]:
    qs = ProofRequirement.objects.filter(region_id=region_code or own_region())
    if mode:
        qs = qs.filter(mode=mode)
    return qs.order_by("code")


def proofs_for_item(*, item_code: str, region_code: str | None = None) -> list[ProofRequirement]:
    return [p for p in proof_list(region_code=region_code) if item_code in p.item_codes]


def proof_for_material(
    *, item_code: str, material_code: str, region_code: str | None = None
) -> ProofRequirement | None:
    for proof in proof_list(region_code=region_code):
        if item_code in proof.item_codes and material_code in proof.material_codes:
            return proof
    return None


def proof_mode_counts(*, region_code: str | None = None) -> dict[str, int]:
    counts = dict.fromkeys(ProofMode.values, 0)
    for mode in proof_list(region_code=region_code).values_list("mode", flat=True):
        counts[mode] += 1
    return counts


def task_get(*, number: str) -> VerificationTask:
    found = VerificationTask.objects.filter(number=number).select_related("proof", "department").first()
    if found is None:
        raise errors.task_not_found()
    return found


def tasks_for_departments(*, department_ids: list[int]) -> QuerySet[VerificationTask]:
    return (
        VerificationTask.objects.filter(department_id__in=department_ids)
        .select_related("proof", "department")
        .order_by("status", "due_on", "id")
    )


def anomaly_list(*, since: dt.datetime | None = None) -> QuerySet[Anomaly]:
    qs = Anomaly.objects.all()
    if since is not None:
        qs = qs.filter(found_at__gte=since)
    return qs.order_by("-found_at", "-id")


@dataclass(frozen=True)
class LogSummary:
    reads: int
    refusals: int
    subjects: int


def log_summary(*, since: dt.datetime | None = None) -> LogSummary:
    qs = AccessLogEntry.objects.all()
    if since is not None:
        qs = qs.filter(occurred_at__gte=since)
    return LogSummary(
        reads=qs.filter(result__in=["ok", "no_record"]).count(),
        refusals=qs.filter(result="refused").count(),
        subjects=qs.values("subject_id").distinct().count(),
    )


def now() -> dt.datetime:
    return timezone.now()


@dataclass(frozen=True)
class Fetchable:
    """What an applicant is told before consenting: which data, from whom, which fields, why."""

    resource: DataResource
    fields: list[str]
    labels: list[str]
    approval_number: str


def fetchable(*, department_id: int, resource_code: str, fields: list[str] | None = None) -> Fetchable | None:
    """Whether ``department_id`` can fetch ``resource_code`` through the exchange today (a published
    resource and a live approval, or a peer region's resource), and what would be fetched."""
    if not resource_code:
        return None
    resource = resource_find(code=resource_code)
    if resource is None:
        return None
    specs = resource.field_specs()
    if resource.connector == "peer":
        allowed = [f for f in (fields or list(specs)) if f in specs and specs[f].get("sharing") != "not_shared"]
        number = ""
    else:
        approval = live_approval(department_id=department_id, resource_code=resource_code, today=timezone.localdate())
        if approval is None:
            return None
        allowed = [f for f in (fields or list(approval.approved_fields)) if f in approval.approved_fields]
        if fields and len(allowed) != len(fields):
            return None
        number = approval.number
    return Fetchable(
        resource=resource,
        fields=allowed,
        labels=[str(specs.get(f, {}).get("label", f)) for f in allowed],
        approval_number=number,
    )
