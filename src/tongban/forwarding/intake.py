"""The deciding node (B): register a peer's application as a case of B's department, apply its
corrections and its delivery, and tell the origin about every state change.

Every function runs inside the handler's transaction (``federation.services.message_receive``).
Checks that concern the sender (a forwarding id of another peer, a malformed payload) raise,
so the message is kept as refused by its handler with the code and nothing is written.
Business refusals of a complete submission (unknown item, invalid form, a file whose SHA-256
does not match) are answered to the origin with a ``forwarding.refused`` message.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.cases import services as case_services
from tongban.cases.constants import CaseAction, CaseChannel, CaseStatus
from tongban.cases.models import Case
from tongban.catalog.constants import CrossRegionMode, ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError, InvalidTransition
from tongban.core.workflow import Move
from tongban.federation import signing
from tongban.federation.services import message_send
from tongban.forwarding import errors, events, payloads
from tongban.forwarding.constants import MSG_REFUSED, MSG_STATUS, ForwardMode
from tongban.forwarding.models import ForwardedCase, IncomingBundle, IncomingFilePart

logger = logging.getLogger("tongban.forwarding")
PEER_ROLE = events.PEER_ROLE

# Which items a peer may forward, by mode (the item's 跨省通办 mode in the catalog).
MODES_ALLOWED: dict[str, frozenset[str]] = {
    ForwardMode.ONLINE: frozenset({CrossRegionMode.ONLINE}),
    ForwardMode.PROXY_RECEIPT: frozenset({CrossRegionMode.PROXY_RECEIPT, CrossRegionMode.ONLINE}),
}


def _link(sender: str, forward_id: Any) -> ForwardedCase:
    """The forwarded case with this id *from this sender*; another peer's id is answered as unknown."""
    link = ForwardedCase.objects.select_for_update().filter(forward_id=forward_id).first()
    if link is None or link.origin_region != sender:
        raise errors.ForwardNotFound()
    return link


def _refuse_foreign(sender: str, forward_id: Any) -> None:
    owner = ForwardedCase.objects.filter(forward_id=forward_id).values_list("origin_region", flat=True).first()
    if owner is not None and owner != sender:
        raise errors.ForwardNotFound()


def _bundle(sender: str, bundle_id: Any, forward_id: Any) -> IncomingBundle:
    bundle = IncomingBundle.objects.select_for_update().filter(bundle_id=bundle_id).first()
    if bundle is None:
        return IncomingBundle.objects.create(bundle_id=bundle_id, origin_region=sender, forward_id=forward_id)
    if bundle.origin_region != sender or (bundle.forward_id is not None and bundle.forward_id != forward_id):
        raise errors.ForwardNotFound()
    return bundle


# ---------------------------------------------------------------- receiving


def receive_part(*, sender: str, part: payloads.FilePart) -> None:
    _refuse_foreign(sender, part.forward_id)
    bundle = _bundle(sender, part.bundle_id, part.forward_id)
    if bundle.applied_at is not None or bundle.refused_code:
        return  # a late copy of a part already used
    if bundle.manifest is not None:
        expected = {f["material_code"]: f["parts"] for f in bundle.manifest["files"]}
        if part.material_code in expected and expected[part.material_code] != part.parts:
            raise errors.InvalidPayload(details=[{"field": "parts", "code": "parts_mismatch"}])
    if not IncomingFilePart.objects.filter(bundle=bundle, material_code=part.material_code, part=part.part).exists():
        IncomingFilePart.objects.create(
            bundle=bundle, material_code=part.material_code, part=part.part, parts=part.parts, data=part.raw()
        )
    _try_apply(bundle)


def _receive_manifest(*, sender: str, kind: str, forward_id: Any, bundle_id: Any, manifest: dict[str, Any]) -> None:
    bundle = _bundle(sender, bundle_id, forward_id)
    if bundle.manifest is not None:
        return  # the same submission again: one effect
    bundle.kind = kind
    bundle.manifest = manifest
    bundle.forward_id = forward_id
    bundle.save(update_fields=["kind", "manifest", "forward_id"])
    _try_apply(bundle)


def receive_submit(*, sender: str, submit: payloads.Submit) -> None:
    _refuse_foreign(sender, submit.forward_id)
    _receive_manifest(
        sender=sender,
        kind="submit",
        forward_id=submit.forward_id,
        bundle_id=submit.bundle_id,
        manifest=payloads.dump(submit),
    )


def receive_resubmit(*, sender: str, resubmit: payloads.Resubmit) -> None:
    _link(sender, resubmit.forward_id)
    _receive_manifest(
        sender=sender,
        kind="resubmit",
        forward_id=resubmit.forward_id,
        bundle_id=resubmit.bundle_id,
        manifest=payloads.dump(resubmit),
    )


def receive_delivered(*, sender: str, delivered: payloads.Delivered) -> None:
    """The origin handed the result over: the case is delivered and closed here too."""
    link = _link(sender, delivered.forward_id)
    if link.mode != ForwardMode.PROXY_RECEIPT:
        raise errors.NotAllowed(code="not_proxy_receipt")
    case_services.case_deliver_for_peer(
        actor=_peer(sender),
        case_id=link.case_id,
        tracking_number=delivered.tracking_number,
        delivered_at=delivered.delivered_at,
        data={
            "method": delivered.method,
            "tracking_number": delivered.tracking_number,
            "origin_region": sender,
            "delivered_by": delivered.delivered_by,
        },
    )


# ---------------------------------------------------------------- applying a complete bundle


def _complete(bundle: IncomingBundle) -> dict[str, bytes] | None:
    assert bundle.manifest is not None
    rows: dict[str, dict[int, bytes]] = {}
    for row in IncomingFilePart.objects.filter(bundle=bundle).order_by("material_code", "part"):
        rows.setdefault(row.material_code, {})[row.part] = bytes(row.data)
    blobs = {}
    for ref in bundle.manifest["files"]:
        got = rows.get(ref["material_code"], {})
        if any(i not in got for i in range(ref["parts"])):
            return None
        blobs[ref["material_code"]] = b"".join(got[i] for i in range(ref["parts"]))
    return blobs


def _verify(manifest: dict[str, Any], blobs: dict[str, bytes]) -> None:
    for ref in manifest["files"]:
        data = blobs[ref["material_code"]]
        if len(data) != ref["size"] or hashlib.sha256(data).hexdigest() != ref["sha256"]:
            raise ApplicationError(
                gettext("A material file does not match its SHA-256 digest."),
                code="file_digest_mismatch",
                status=422,
                details={"material": ref["material_code"]},
            )


def _try_apply(bundle: IncomingBundle) -> None:
    if bundle.manifest is None or bundle.applied_at is not None or bundle.refused_code:
        return
    blobs = _complete(bundle)
    if blobs is None:
        return
    manifest = bundle.manifest
    try:
        with transaction.atomic():
            _verify(manifest, blobs)
            if bundle.kind == "submit":
                _register(bundle.origin_region, payloads.Submit.model_validate(manifest), blobs)
            else:
                _apply_correction(bundle.origin_region, payloads.Resubmit.model_validate(manifest), blobs)
    except ApplicationError as exc:
        logger.warning("forwarded %s %s refused: %s", bundle.kind, bundle.bundle_id, exc.code)
        bundle.refused_code = exc.code
        bundle.save(update_fields=["refused_code"])
        IncomingFilePart.objects.filter(bundle=bundle).delete()
        events.peer_refusal(origin=bundle.origin_region, forward_id=str(bundle.forward_id), code=exc.code)
        _send_refusal(bundle, exc)
        return
    bundle.applied_at = timezone.now()
    bundle.save(update_fields=["applied_at"])
    IncomingFilePart.objects.filter(bundle=bundle).delete()


def _send_refusal(bundle: IncomingBundle, exc: ApplicationError) -> None:
    assert bundle.forward_id is not None
    payload = payloads.Refused(
        forward_id=bundle.forward_id, bundle_id=bundle.bundle_id, code=exc.code, message=str(exc.message)[:4000]
    )
    try:
        message_send(
            recipient_region=bundle.origin_region,
            type=MSG_REFUSED,
            payload=payloads.dump(payload),
            correlation_id=str(bundle.forward_id),
            actor=None,
        )
    except ApplicationError as send_error:  # the origin is no longer a peer: nobody to answer
        logger.warning("refusal of %s not sent: %s", bundle.bundle_id, send_error.code)


def _peer(origin: str) -> case_services.PeerActor:
    return case_services.PeerActor(region=origin, role=PEER_ROLE)


def _register(origin: str, submit: payloads.Submit, blobs: dict[str, bytes]) -> Case:
    """Register the application as a submitted case of the item's department (受理 is B's reviewers' call)."""
    if ForwardedCase.objects.filter(forward_id=submit.forward_id).exists():
        raise errors.forward_conflict()
    item = (
        ServiceItem.objects.filter(code=submit.item_code, status=ItemStatus.PUBLISHED, region_id=signing.own_region())
        .select_related("department", "region")
        .first()
    )
    if item is None:
        raise ApplicationError(
            gettext("This item is not open for applications."), code="item_not_available", status=409
        )
    if item.cross_region_mode not in MODES_ALLOWED[submit.mode]:
        raise ApplicationError(
            gettext("This item cannot be applied for from another region in this way."),
            code="item_not_cross_region",
            status=409,
        )
    peer = _peer(origin)
    case = case_services.case_create_for_peer(
        actor=peer,
        item=item,
        applicant=case_services.WindowApplicant(
            id_number=submit.applicant.id_number, full_name=submit.applicant.full_name, phone=submit.applicant.phone
        ),
        applicant_region=item.region,
        form_data=submit.form_data,
        situations=submit.situations,
        complete=True,
        channel=CaseChannel.PROXY if submit.mode == "proxy_receipt" else CaseChannel.ONLINE,
        identity_check=submit.identity_check,
        forwarded_from=origin,
        delivery=case_services.CaseDelivery(
            method=submit.delivery.method,
            address=submit.delivery.address,
            recipient=submit.delivery.recipient,
            phone=submit.delivery.phone,
        ),
    )
    ForwardedCase.objects.create(
        forward_id=submit.forward_id,
        origin_region=origin,
        mode=submit.mode,
        case=case,
        received_by_name=submit.received_by.name if submit.received_by else "",
        received_at_office=submit.received_by.office if submit.received_by else "",
    )
    events.on_case(
        case,
        action="forward_received",
        origin=origin,
        data={
            "mode": submit.mode,
            "identity_check": submit.identity_check,
            "received_at": submit.received_at.isoformat(),
            "files": len(blobs),
        },
    )
    for code, data in blobs.items():
        ref = next(f for f in payloads.dump(submit)["files"] if f["material_code"] == code)
        case_services.case_material_attach_for_peer(
            actor=peer, case=case, material_code=code, source=io.BytesIO(data), original_name=ref["original_name"]
        )
    return case_services.case_submit_for_peer(
        actor=peer,
        case=case,
        data={"origin_region": origin, "mode": submit.mode},
        notice=gettext("Your application, received in another region, was registered here."),
    )


def _apply_correction(origin: str, resubmit: payloads.Resubmit, blobs: dict[str, bytes]) -> Case:
    link = _link(origin, resubmit.forward_id)
    refs = {f["material_code"]: f for f in payloads.dump(resubmit)["files"]}
    return case_services.case_resubmit_for_peer(
        actor=_peer(origin),
        case_id=link.case_id,
        uploads={code: (io.BytesIO(data), refs[code]["original_name"]) for code, data in blobs.items()},
        reason=resubmit.note,
        data={"origin_region": origin, "materials": sorted(blobs)},
    )


# ---------------------------------------------------------------- telling the origin


def status_payload(case: Case, link: ForwardedCase, *, action: str, role: str, reason: str) -> dict[str, Any]:
    names = dict(case.materials.values_list("material__code", "material__name"))
    correction = (
        [payloads.NamedCode(code=c, name=names.get(c, c)[:200]) for c in case.correction_materials]
        if case.status == CaseStatus.CORRECTION_REQUESTED
        else []
    )
    return payloads.dump(
        payloads.Status(
            forward_id=link.forward_id,
            seq=link.status_seq,
            case_number=case.number or "",
            action=action,
            status=case.status,
            occurred_at=timezone.now(),
            role=role[:60],
            reason=(reason or "")[:4000],
            department=case.department.name[:120],
            legal_due_date=case.legal_due_date,
            promised_due_date=case.promised_due_date,
            due_provisional=case.due_provisional,
            correction_materials=correction,
            correction_note=case.correction_note if correction else "",
            result_number=case.result_number,
            result_note=case.result_note[:4000],
            decision_reasons=case.decision_reasons[:4000],
        )
    )


def on_case_transitioned(move: Move[Case]) -> None:
    """Every move of a forwarded case becomes a ``forwarding.status`` message to its origin
    (subscribed to the case workflow, ``cases.workflow.CASES``).

    The result of a case received at another region's window is handed over there: delivering or
    closing it here is refused (``delivered_at_origin``), which undoes the move.
    Cases applied for at this node (``forwarded_from`` blank) cost no query.
    """
    case, action, role = move.obj, move.action, move.role
    if not case.forwarded_from:
        return
    link = ForwardedCase.objects.select_for_update().filter(case_id=case.pk).first()
    if link is None:
        return
    if (
        link.mode == ForwardMode.PROXY_RECEIPT
        and action in (CaseAction.DELIVER, CaseAction.CLOSE)
        and role != PEER_ROLE
    ):
        raise InvalidTransition(
            _("The result of a case received in another region is delivered by that region."),
            code="delivered_at_origin",
        )
    link.status_seq += 1
    link.save(update_fields=["status_seq", "updated_at"])
    try:
        message_send(
            recipient_region=link.origin_region,
            type=MSG_STATUS,
            payload=status_payload(case, link, action=action, role=role, reason=move.reason),
            correlation_id=str(link.forward_id),
            actor=move.actor,
        )
    except ApplicationError as exc:  # the origin is no longer a peer: the case goes on here
        logger.warning("status of forwarded case %s not sent: %s", case.pk, exc.code)
        events.on_case(case, action="forward_status_not_sent", origin=link.origin_region, data={"code": exc.code})
