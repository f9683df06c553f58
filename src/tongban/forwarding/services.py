"""Writes at the origin node (A): receive an application for a peer's item, forward it, supply
corrections, deliver the result, and apply the peer's status messages to the mirror.

``remote_case_forward`` is THE service that sends an application to the deciding node: it
queues the material files (``forwarding.file_part``, with their SHA-256 in the manifest) and
the application (``forwarding.submit``) in the caller's transaction; the federation worker
delivers them, and the peer registers its case once everything has arrived.
``proxy_receive`` (window clerk, 异地代收) and ``online_apply`` (resident, 全程网办) create,
attach and forward in one transaction.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import StaffRole, User
from tongban.accounts.notifications import notify
from tongban.cases import services as case_services
from tongban.cases.constants import CaseStatus, DeliveryMethod, IdentityCheck
from tongban.cases.forms import clean_situations, validate_form_data
from tongban.cases.uploads import Chunked, delete_stored, open_stored, store_upload
from tongban.catalog.models import Material, ServiceItem
from tongban.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from tongban.federation import signing
from tongban.federation.models import PeerCatalogItem
from tongban.federation.services import message_send
from tongban.forwarding import errors, events, payloads
from tongban.forwarding.constants import (
    ATTACH_STATES,
    FORWARDING,
    MSG_DELIVERED,
    MSG_FILE_PART,
    MSG_RESUBMIT,
    MSG_SUBMIT,
    PART_BYTES,
    REFUSED,
    ForwardMode,
)
from tongban.forwarding.models import RemoteCase, RemoteCaseEvent, RemoteCaseFile
from tongban.forwarding.workflow import REMOTE_CASES
from tongban.regions.models import Region
from tongban.web.situations import guide

# Which peer items are offered, by mode (the item's 跨省通办 mode as the peer publishes it).
OFFERED: dict[str, tuple[str, ...]] = {
    ForwardMode.PROXY_RECEIPT: ("proxy_receipt", "online"),
    ForwardMode.ONLINE: ("online",),
}
CLERK_IDENTITY_CHECKS = (IdentityCheck.ID_CARD_READER, IdentityCheck.FACE, IdentityCheck.MANUAL)


# ---------------------------------------------------------------- the peer's item


def application_spec(peer_item: PeerCatalogItem) -> dict[str, Any]:
    spec = peer_item.snapshot.get("application") if isinstance(peer_item.snapshot, dict) else None
    return spec if isinstance(spec, dict) else {}


def spec_item(peer_item: PeerCatalogItem) -> ServiceItem:
    """An unsaved ``ServiceItem`` carrying the peer's form and situations, to build and check forms here."""
    spec = application_spec(peer_item)
    return ServiceItem(
        code=peer_item.code,
        name=str(peer_item.snapshot.get("name", peer_item.base_name)),
        form_fields=spec.get("form_fields") or [],
        situations=spec.get("situations") or [],
    )


def spec_materials(peer_item: PeerCatalogItem, answers: Mapping[str, str] | None = None) -> list[Material]:
    """The peer item's materials that apply to ``answers`` (all of them when ``answers`` is None)."""
    materials = [
        Material(
            code=str(m.get("code", "")),
            name=str(m.get("name", "")),
            required=bool(m.get("required", True)),
            gap_allowed=bool(m.get("gap_allowed", False)),
            applies_when=m.get("applies_when") or [],
        )
        for m in application_spec(peer_item).get("materials", [])
        if isinstance(m, dict) and m.get("code")
    ]
    if answers is None:
        return materials
    shown = guide(materials, application_spec(peer_item).get("situations") or [], dict(answers)).shown
    return [match.material for match in shown]


def peer_item_get(*, region_code: str, code: str, mode: str) -> PeerCatalogItem:
    item = (
        PeerCatalogItem.objects.select_related("peer")
        .filter(peer__region_code=region_code, peer__status="active", code=code)
        .first()
    )
    if item is None or mode not in OFFERED or application_spec(item).get("cross_region_mode") not in OFFERED[mode]:
        raise errors.PeerItemNotFound()
    return item


# ---------------------------------------------------------------- who may act


def is_clerk_here(user: User) -> bool:
    return StaffRole.objects.filter(
        user=user, role=StaffRoleKind.WINDOW_CLERK, department__region_id=signing.own_region()
    ).exists()


def may_act(*, actor: User, remote_case: RemoteCase) -> str | None:
    """``applicant`` or ``window_clerk`` (any clerk of this node's region, for cases received at a window)."""
    if not actor.is_active:
        return None
    if remote_case.applicant_id == actor.pk:
        return "applicant"
    if remote_case.mode == ForwardMode.PROXY_RECEIPT and is_clerk_here(actor):
        return StaffRoleKind.WINDOW_CLERK
    return None


def _require(actor: User, remote_case: RemoteCase, *, clerk_only: bool = False) -> str:
    role = may_act(actor=actor, remote_case=remote_case)
    if role is None or (clerk_only and role != StaffRoleKind.WINDOW_CLERK):
        raise errors.RemoteCaseNotFound() if role is None else errors.NotAllowed()
    return role


def _lock(remote_case: RemoteCase) -> RemoteCase:
    locked = RemoteCase.objects.select_for_update().filter(pk=remote_case.pk).first()
    if locked is None:
        raise errors.RemoteCaseNotFound()
    return locked


def _timeline(remote_case: RemoteCase, *, action: str, role: str, note: str = "") -> None:
    RemoteCaseEvent.objects.create(
        remote_case=remote_case,
        region=signing.own_region(),
        action=action,
        status=remote_case.status,
        occurred_at=timezone.now(),
        role=role,
        note=note[:4000],
    )


CLERK_TODO = frozenset({CaseStatus.CORRECTION_REQUESTED.value, CaseStatus.RESULT_ISSUED.value})


def _notify(
    remote_case: RemoteCase, *, subject: str, body: str = "", kind: str = "case", user: User | None = None
) -> None:
    notify(
        user=user or remote_case.applicant,
        subject=subject,
        body=body,
        kind=kind,
        link=reverse("forwarding:detail", args=[remote_case.pk]),
        channels=("inbox",),
    )


# ---------------------------------------------------------------- receiving here


@transaction.atomic
def remote_case_create(
    *,
    actor: User,
    peer_item: PeerCatalogItem,
    mode: str,
    form_data: Mapping[str, Any],
    situations: Mapping[str, Any] | None = None,
    applicant: case_services.WindowApplicant | None = None,
    identity_check_method: str = "",
    delivery_method: str = DeliveryMethod.WINDOW,
    delivery_address: str = "",
    delivery_recipient: str = "",
    delivery_phone: str = "",
) -> RemoteCase:
    """A draft application for a peer's item: at the window (clerk, ``applicant`` given) or online (resident)."""
    peer_item = peer_item_get(region_code=peer_item.peer.region_code, code=peer_item.code, mode=mode)
    if mode == ForwardMode.PROXY_RECEIPT:
        if not actor.is_active or not is_clerk_here(actor):
            raise PermissionDenied(
                _("Only a window clerk of this region may receive applications."), code="clerk_required"
            )
        if identity_check_method not in CLERK_IDENTITY_CHECKS:
            raise ValidationFailed(
                _("Record how the applicant's identity was checked."), code="identity_check_required"
            )
        if applicant is None:
            raise ValidationFailed(_("Give the applicant's ID number and name."), code="applicant_required")
        if delivery_method not in (DeliveryMethod.WINDOW, DeliveryMethod.POST):
            raise ValidationFailed(_("Choose a delivery method."), code="invalid_delivery_method")
        region = Region.objects.filter(code=signing.own_region()).first()
        resident = case_services.resident_for(applicant=applicant, region=region) if region else None
        if resident is None:
            raise ValidationFailed(_("This node's region is not configured."), code="region_missing")
        received_by: User | None = actor
        role = StaffRoleKind.WINDOW_CLERK.value
    else:
        if not actor.is_active or actor.kind == UserKind.STAFF:
            raise PermissionDenied(_("Only residents and enterprises can apply."), code="applicant_required")
        if not actor.id_number or not actor.full_name:
            raise ValidationFailed(
                _("Your account needs a verified ID number and name to apply in another region."),
                code="id_number_required",
            )
        resident, received_by, role = actor, None, "applicant"
        identity_check_method = IdentityCheck.ONLINE_LOGIN
    case_services.validate_delivery(delivery_method, delivery_address)
    item = spec_item(peer_item)
    answers = clean_situations(item, situations or {}, complete=True)
    cleaned = validate_form_data(item, form_data, partial=False)
    spec = application_spec(peer_item)
    remote_case = RemoteCase.objects.create(
        peer_region=peer_item.peer.region_code,
        mode=mode,
        item_code=peer_item.code,
        item_name=str(peer_item.snapshot.get("name", peer_item.base_name))[:200],
        department_name=str(spec.get("department", ""))[:120],
        item_snapshot=peer_item.snapshot,
        applicant=resident,
        received_by=received_by,
        identity_check=identity_check_method,
        form_data=cleaned,
        situations=answers,
        delivery_method=delivery_method,
        delivery_address=delivery_address.strip()[:200],
        delivery_recipient=delivery_recipient.strip()[:120],
        delivery_phone=delivery_phone.strip()[:20],
    )
    events.remote(
        remote_case,
        action="created",
        actor=actor,
        role=role,
        data={"mode": mode, "item": peer_item.code, "identity_check": identity_check_method},
    )
    _timeline(remote_case, action="received" if mode == ForwardMode.PROXY_RECEIPT else "created", role=role)
    return remote_case


def _snapshot_materials(remote_case: RemoteCase) -> dict[str, str]:
    spec = remote_case.item_snapshot.get("application", {}) if isinstance(remote_case.item_snapshot, dict) else {}
    return {str(m["code"]): str(m.get("name", "")) for m in spec.get("materials", []) if isinstance(m, dict)}


@transaction.atomic
def remote_file_attach(
    *, remote_case: RemoteCase, actor: User, material_code: str, source: Chunked | IO[bytes], original_name: str
) -> RemoteCaseFile:
    """Scan or upload a material (checked by content, hashed) to send with the application or a correction."""
    remote_case = _lock(remote_case)
    role = _require(actor, remote_case)
    if remote_case.status not in ATTACH_STATES:
        raise errors.InvalidRemoteTransition(
            _("Materials can be added only before forwarding and when a correction is requested.")
        )
    names = _snapshot_materials(remote_case)
    if material_code not in names:
        raise ValidationFailed(_("The item asks for no such material."), code="material_not_found")
    stored = store_upload(case_id=f"remote-{remote_case.pk}", source=source, original_name=original_name)
    for old in RemoteCaseFile.objects.filter(remote_case=remote_case, material_code=material_code, bundle_id=None):
        delete_stored(old.file.name or "")
        old.delete()
    row = RemoteCaseFile.objects.create(
        remote_case=remote_case,
        material_code=material_code,
        material_name=names[material_code][:200],
        file=stored.path,
        original_name=stored.original_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_at=timezone.now(),
        uploaded_by=actor,
    )
    events.remote(
        remote_case,
        action="file_attached",
        actor=actor,
        role=role,
        data={"material": material_code, "sha256": stored.sha256, "size": stored.size},
    )
    return row


def _queue_files(
    remote_case: RemoteCase, files: Sequence[RemoteCaseFile], bundle_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Queue each file in parts of ``PART_BYTES`` (base64); the manifest entry carries its SHA-256."""
    manifest = []
    for row in files:
        with open_stored(row.file.name or "") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise ApplicationError(
                _("A stored material file was altered; scan it again."), code="file_digest_mismatch", status=409
            )
        chunks = [data[i : i + PART_BYTES] for i in range(0, len(data), PART_BYTES)] or [b""]
        for index, chunk in enumerate(chunks):
            part = {
                "forward_id": str(remote_case.forward_id),
                "bundle_id": str(bundle_id),
                "material_code": row.material_code,
                "part": index,
                "parts": len(chunks),
                "data": base64.b64encode(chunk).decode("ascii"),
            }
            message_send(
                recipient_region=remote_case.peer_region,
                type=MSG_FILE_PART,
                payload=part,
                correlation_id=str(remote_case.forward_id),
                actor=None,
            )
        manifest.append(
            {
                "material_code": row.material_code,
                "sha256": row.sha256,
                "size": row.size,
                "content_type": row.content_type,
                "original_name": row.original_name,
                "parts": len(chunks),
            }
        )
        row.bundle_id = bundle_id
        row.save(update_fields=["bundle_id"])
    return manifest


def _missing_materials(remote_case: RemoteCase, peer_item_snapshot: dict[str, Any], have: set[str]) -> list[str]:
    fake = PeerCatalogItem(snapshot=peer_item_snapshot)
    return [
        m.code
        for m in spec_materials(fake, remote_case.situations)
        if m.required and not m.gap_allowed and m.code not in have
    ]


@transaction.atomic
def remote_case_forward(*, remote_case: RemoteCase, actor: User) -> RemoteCase:
    """Forward a received application to the deciding node (files in parts, then the application).

    Refuses while a required material is missing (``materials_missing``). The peer's answers
    come back as ``forwarding.status`` messages (first: registered as submitted, with its number).
    """
    remote_case = _lock(remote_case)
    role = _require(actor, remote_case)
    target = REMOTE_CASES.check(remote_case, "forward")
    files = list(RemoteCaseFile.objects.filter(remote_case=remote_case, bundle_id=None).order_by("id"))
    missing = _missing_materials(remote_case, remote_case.item_snapshot, {f.material_code for f in files})
    if missing:
        names = _snapshot_materials(remote_case)
        raise ValidationFailed(
            _("Some required materials have not been provided: %(names)s.")
            % {"names": "、".join(names.get(c, c) for c in missing)},
            code="materials_missing",
            details={"materials": missing},
        )
    bundle_id = uuid.uuid4()
    manifest = _queue_files(remote_case, files, bundle_id)
    applicant = remote_case.applicant
    received_by = remote_case.received_by
    submit = payloads.Submit(
        forward_id=remote_case.forward_id,
        bundle_id=bundle_id,
        mode=remote_case.mode,  # type: ignore[arg-type]
        item_code=remote_case.item_code,
        applicant=payloads.Applicant(
            id_number=applicant.id_number, full_name=applicant.full_name, phone=applicant.phone[:20]
        ),
        identity_check=remote_case.identity_check,  # type: ignore[arg-type]
        received_by=payloads.ReceivedBy(
            name=received_by.display_name[:120] if received_by else "",
            office=_office_of(received_by),
        )
        if received_by
        else None,
        form_data=remote_case.form_data,
        situations=remote_case.situations,
        delivery=payloads.Delivery(
            method=remote_case.delivery_method,  # type: ignore[arg-type]
            address=remote_case.delivery_address,
            recipient=remote_case.delivery_recipient,
            phone=remote_case.delivery_phone,
        ),
        files=[payloads.FileRef(**m) for m in manifest],
        received_at=remote_case.created_at,
    )
    message_send(
        recipient_region=remote_case.peer_region,
        type=MSG_SUBMIT,
        payload=payloads.dump(submit),
        correlation_id=str(remote_case.forward_id),
        actor=actor,
    )
    remote_case.forwarded_at = timezone.now()
    REMOTE_CASES.apply(
        remote_case,
        action="forward",
        actor=actor,
        role=role,
        fields=["forwarded_at"],
        data={"files": len(files)},
        target=target,
    )
    _timeline(remote_case, action="forwarded", role=role)
    return remote_case


def _office_of(user: User | None) -> str:
    if user is None:
        return ""
    role = (
        StaffRole.objects.filter(user=user, role=StaffRoleKind.WINDOW_CLERK)
        .select_related("department")
        .order_by("id")
        .first()
    )
    return role.department.name[:200] if role else ""


Scans = Mapping[str, tuple[Chunked | IO[bytes], str]]


@dataclass(frozen=True)
class DeliveryChoice:
    method: str = DeliveryMethod.WINDOW
    address: str = ""
    recipient: str = ""
    phone: str = ""


@transaction.atomic
def proxy_receive(
    *,
    actor: User,
    peer_item: PeerCatalogItem,
    applicant: case_services.WindowApplicant,
    identity_check_method: str,
    form_data: Mapping[str, Any],
    situations: Mapping[str, Any] | None = None,
    delivery: DeliveryChoice | None = None,
    scans: Scans | None = None,
) -> RemoteCase:
    """异地代收: the clerk receives, checks identity and the form of the materials, and forwards at once."""
    delivery = delivery or DeliveryChoice()
    remote_case = remote_case_create(
        actor=actor,
        peer_item=peer_item,
        mode=ForwardMode.PROXY_RECEIPT,
        form_data=form_data,
        situations=situations,
        applicant=applicant,
        identity_check_method=identity_check_method,
        delivery_method=delivery.method,
        delivery_address=delivery.address,
        delivery_recipient=delivery.recipient,
        delivery_phone=delivery.phone,
    )
    for code, (source, name) in (scans or {}).items():
        remote_file_attach(remote_case=remote_case, actor=actor, material_code=code, source=source, original_name=name)
    return remote_case_forward(remote_case=remote_case, actor=actor)


@transaction.atomic
def online_apply(
    *,
    actor: User,
    peer_item: PeerCatalogItem,
    form_data: Mapping[str, Any],
    situations: Mapping[str, Any] | None = None,
    delivery: DeliveryChoice | None = None,
    uploads: Scans | None = None,
) -> RemoteCase:
    """全程网办: a resident applies here for a peer's item; the case is created at the peer."""
    delivery = delivery or DeliveryChoice(method=DeliveryMethod.ELECTRONIC)
    remote_case = remote_case_create(
        actor=actor,
        peer_item=peer_item,
        mode=ForwardMode.ONLINE,
        form_data=form_data,
        situations=situations,
        delivery_method=delivery.method,
        delivery_address=delivery.address,
        delivery_recipient=delivery.recipient,
        delivery_phone=delivery.phone,
    )
    for code, (source, name) in (uploads or {}).items():
        remote_file_attach(remote_case=remote_case, actor=actor, material_code=code, source=source, original_name=name)
    return remote_case_forward(remote_case=remote_case, actor=actor)


# ---------------------------------------------------------------- correction and delivery


@transaction.atomic
def remote_correction_supply(*, remote_case: RemoteCase, actor: User, note: str = "") -> RemoteCase:
    """补正 at the origin: the corrected materials (attached since the request) go to the peer."""
    remote_case = _lock(remote_case)
    role = _require(actor, remote_case)
    target = REMOTE_CASES.check(remote_case, "supply_correction")
    files = list(RemoteCaseFile.objects.filter(remote_case=remote_case, bundle_id=None).order_by("id"))
    wanted = [str(c.get("code")) for c in remote_case.correction_materials if isinstance(c, dict)]
    missing = [c for c in wanted if c not in {f.material_code for f in files}]
    if missing or not files:
        names = _snapshot_materials(remote_case)
        raise ValidationFailed(
            _("Some required materials have not been provided: %(names)s.")
            % {"names": "、".join(names.get(c, c) for c in missing)},
            code="materials_missing",
            details={"materials": missing},
        )
    bundle_id = uuid.uuid4()
    manifest = _queue_files(remote_case, files, bundle_id)
    resubmit = payloads.Resubmit(
        forward_id=remote_case.forward_id,
        bundle_id=bundle_id,
        files=[payloads.FileRef(**m) for m in manifest],
        note=(note or "").strip()[:4000],
    )
    message_send(
        recipient_region=remote_case.peer_region,
        type=MSG_RESUBMIT,
        payload=payloads.dump(resubmit),
        correlation_id=str(remote_case.forward_id),
        actor=actor,
    )
    REMOTE_CASES.apply(
        remote_case, action="supply_correction", actor=actor, role=role, data={"materials": wanted}, target=target
    )
    _timeline(remote_case, action="correction_supplied", role=role, note=resubmit.note)
    return remote_case


@transaction.atomic
def remote_case_deliver(*, remote_case: RemoteCase, actor: User, tracking_number: str = "") -> RemoteCase:
    """The clerk hands the peer's result over (window or post) and tells the peer, which closes the case."""
    remote_case = _lock(remote_case)
    role = _require(actor, remote_case, clerk_only=True)
    target = REMOTE_CASES.check(remote_case, "deliver")
    tracking = (tracking_number or "").strip()
    if remote_case.delivery_method == DeliveryMethod.POST and not tracking:
        raise ValidationFailed(_("Give the postal tracking number."), code="tracking_number_required")
    if len(tracking) > 60:
        raise ValidationFailed(_("The tracking number is too long."), code="tracking_number_invalid")
    now = timezone.now()
    message_send(
        recipient_region=remote_case.peer_region,
        type=MSG_DELIVERED,
        payload=payloads.dump(
            payloads.Delivered(
                forward_id=remote_case.forward_id,
                method=remote_case.delivery_method,  # type: ignore[arg-type]
                tracking_number=tracking,
                delivered_at=now,
                delivered_by=actor.display_name[:120],
            )
        ),
        correlation_id=str(remote_case.forward_id),
        actor=actor,
    )
    remote_case.tracking_number = tracking
    remote_case.delivered_at = now
    remote_case.delivered_by = actor
    REMOTE_CASES.apply(
        remote_case,
        action="deliver",
        actor=actor,
        role=role,
        fields=["tracking_number", "delivered_at", "delivered_by"],
        data={"method": remote_case.delivery_method, "tracking_number": tracking},
        target=target,
    )
    _timeline(remote_case, action="delivered", role=role, note=tracking)
    _notify(
        remote_case,
        subject=gettext("Case %(number)s: the result was handed over") % {"number": remote_case.remote_number},
    )
    return remote_case


# ---------------------------------------------------------------- the peer's messages


def _mine(sender: str, forward_id: uuid.UUID) -> RemoteCase:
    remote_case = RemoteCase.objects.select_for_update().filter(forward_id=forward_id).first()
    if remote_case is None or remote_case.peer_region != sender:
        raise errors.ForwardNotFound()
    return remote_case


MIRRORED_FIELDS = (
    "remote_seq",
    "status",
    "remote_number",
    "department_name",
    "legal_due_date",
    "promised_due_date",
    "due_provisional",
    "correction_materials",
    "correction_note",
    "result_number",
    "result_note",
    "decision_reasons",
)


def status_apply(*, sender: str, status: payloads.Status) -> RemoteCase:
    """Mirror one state change of the peer's case (idempotent by ``seq``; older news does not overwrite newer)."""
    remote_case = _mine(sender, status.forward_id)
    if RemoteCaseEvent.objects.filter(remote_case=remote_case, seq=status.seq).exists():
        return remote_case
    RemoteCaseEvent.objects.create(
        remote_case=remote_case,
        seq=status.seq,
        region=sender,
        action=status.action,
        status=status.status,
        occurred_at=status.occurred_at,
        role=status.role,
        note=status.reason or status.correction_note or status.decision_reasons,
    )
    events.remote(
        remote_case,
        action="peer_status",
        actor=None,
        role=events.PEER_ROLE,
        data={"seq": status.seq, "action": status.action, "status": status.status},
    )
    if status.seq <= remote_case.remote_seq:
        return remote_case
    remote_case.remote_seq = status.seq
    remote_case.status = status.status
    remote_case.remote_number = status.case_number
    remote_case.department_name = status.department or remote_case.department_name
    remote_case.legal_due_date = status.legal_due_date
    remote_case.promised_due_date = status.promised_due_date
    remote_case.due_provisional = status.due_provisional
    remote_case.correction_materials = [c.model_dump() for c in status.correction_materials]
    remote_case.correction_note = status.correction_note
    remote_case.result_number = status.result_number
    remote_case.result_note = status.result_note
    remote_case.decision_reasons = status.decision_reasons
    remote_case.save(update_fields=[*MIRRORED_FIELDS, "updated_at"])
    label = dict(RemoteCase._meta.get_field("status").flatchoices).get(status.status, status.status)
    body = status.correction_note or status.decision_reasons or status.reason
    if status.status == CaseStatus.CORRECTION_REQUESTED:
        names = "、".join(c.name for c in status.correction_materials)
        body = gettext("Please correct these materials: %(names)s. %(note)s") % {
            "names": names,
            "note": status.correction_note,
        }
    subject = gettext("Case %(number)s: %(status)s") % {"number": status.case_number, "status": label}
    _notify(remote_case, subject=subject, body=body)
    if remote_case.received_by_id and status.status in CLERK_TODO:
        # The clerk who received it has something to do: supply the correction, or deliver the result.
        _notify(remote_case, subject=subject, body=body, user=remote_case.received_by)
    return remote_case


def refusal_apply(*, sender: str, refused: payloads.Refused) -> RemoteCase:
    """The peer could not register the application (or the correction): shown to the clerk and applicant."""
    remote_case = _mine(sender, refused.forward_id)
    if remote_case.refusal_code == refused.code and remote_case.status == REFUSED:
        return remote_case
    remote_case.refusal_code = refused.code
    remote_case.refusal_message = refused.message
    fields = ["refusal_code", "refusal_message", "updated_at"]
    if remote_case.status == FORWARDING:
        # A refused application ends here; a refused correction goes back to the clerk or applicant.
        remote_case.status = REFUSED if remote_case.remote_seq == 0 else CaseStatus.CORRECTION_REQUESTED.value
        fields.append("status")
    remote_case.save(update_fields=fields)
    events.remote(remote_case, action="peer_refused", actor=None, role=events.PEER_ROLE, data={"code": refused.code})
    RemoteCaseEvent.objects.create(
        remote_case=remote_case,
        region=sender,
        action="refused",
        status=remote_case.status,
        occurred_at=timezone.now(),
        role=events.PEER_ROLE,
        note=refused.message,
    )
    subject = gettext("Your application for %(item)s could not be registered") % {"item": remote_case.item_name}
    _notify(remote_case, subject=subject, body=refused.message, kind="warning")
    if remote_case.received_by_id:
        _notify(remote_case, subject=subject, body=refused.message, kind="warning", user=remote_case.received_by)
    return remote_case
