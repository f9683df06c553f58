"""What other contexts do to a case: public services with an explicit actor (ADR 0020).

- A peer node (another region's Tongban, through a signed federation message) registers an
  application here (forwarding's 异地代收 and 全程网办, a joint case's step), supplies a
  correction, and hands the result over at its window: ``case_create_for_peer``,
  ``case_material_attach_for_peer``, ``case_submit_for_peer``, ``case_resubmit_for_peer``,
  ``case_deliver_for_peer``. The actor is a ``PeerActor``: no user, a role naming the peer.
- Joint cases lock a case as its applicant or as its department before their own writes:
  ``case_lock_as_applicant``, ``case_lock_as_department``.
- Supervision rates a closed case: ``case_lock_for_rating``, ``case_rating_recorded``.

Each runs inside the caller's transaction (the message handler's, or the caller's service).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.cases import events
from tongban.cases.constants import CaseAction, CaseStatus, DeliveryMethod
from tongban.cases.forms import clean_situations
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import rules
from tongban.cases.services.drafts import material_attach_stored
from tongban.cases.services.intake import WindowApplicant, resident_for
from tongban.cases.uploads import store_upload
from tongban.cases.workflow import CASES
from tongban.catalog.models import ServiceItem
from tongban.core.errors import InvalidTransition, PermissionDenied
from tongban.regions.models import Region


@dataclass(frozen=True)
class PeerActor:
    """Another region's node acting on a case here: no user; ``role`` is what the audit trail names
    it by (``peer_node`` for forwarding, ``peer:<region>`` for joint cases)."""

    region: str
    role: str


@dataclass(frozen=True)
class CaseDelivery:
    """How the applicant wants the result (checked like an online application's)."""

    method: str = DeliveryMethod.ELECTRONIC
    address: str = ""
    recipient: str = ""
    phone: str = ""


# ------------------------------------------------------------------ registration by a peer


def case_create_for_peer(
    *,
    actor: PeerActor,
    item: ServiceItem,
    applicant: WindowApplicant,
    applicant_region: Region,
    form_data: Mapping[str, Any],
    situations: Mapping[str, Any] | None = None,
    complete: bool,
    channel: str,
    identity_check: str,
    forwarded_from: str = "",
    delivery: CaseDelivery | None = None,
) -> Case:
    """A peer's application as a case of ``item``'s department, not yet submitted: the applicant is
    found (or registered) by ID number; with ``complete`` every situation must be answered and the
    form be complete (a joint step's form may be partial). Audited as ``case.created``."""
    resident = resident_for(applicant=applicant, region=applicant_region)
    answers = clean_situations(item, situations, complete=complete) if situations is not None else None
    cleaned = rules.validate_form(item, form_data, partial=not complete)
    if delivery is not None:
        rules.validate_delivery(delivery.method, delivery.address)
    fields: dict[str, Any] = {}
    if answers is not None:
        fields["situations"] = answers
    if forwarded_from:
        fields["forwarded_from"] = forwarded_from
    if delivery is not None:
        fields.update(
            delivery_method=delivery.method,
            delivery_address=delivery.address.strip()[:200],
            delivery_recipient=delivery.recipient.strip()[:120],
            delivery_phone=delivery.phone.strip()[:20],
        )
    case = Case.objects.create(
        applicant=resident,
        item=item,
        department=item.department,
        region_id=item.region_id,
        form_data=cleaned,
        channel=channel,
        identity_check=identity_check,
        **fields,
    )
    CaseMaterial.objects.bulk_create([CaseMaterial(case=case, material=m) for m in item.materials.all()])
    events.case_created(case=case, actor=None, role=actor.role)
    return case


def case_material_attach_for_peer(
    *, actor: PeerActor, case: Case, material_code: str, source: IO[bytes], original_name: str
) -> CaseMaterial:
    """A material file the peer sent (its SHA-256 checked by the caller), stored on the case's row."""
    row = rules.material_row(case, material_code)
    stored = store_upload(case_id=case.pk, source=source, original_name=original_name)
    return material_attach_stored(case=case, row=row, stored=stored, actor=None, role=actor.role)


def case_submit_for_peer(*, actor: PeerActor, case: Case, notice: str, data: dict[str, Any] | None = None) -> Case:
    """Number and submit a case created for a peer (受理 is then this department's call)."""
    case.number = rules.next_number(case)
    case.submitted_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.SUBMIT,
        actor=None,
        role=actor.role,
        fields=["number", "submitted_at"],
        data=data,
        notice=notice,
    )


def case_resubmit_for_peer(
    *,
    actor: PeerActor,
    case_id: int,
    uploads: Mapping[str, tuple[IO[bytes], str]],
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> Case:
    """补正 sent by the peer: the corrected files (``{material code: (file, original name)}``) are
    stored and the case is resubmitted; refused while a required material is still missing."""
    case = rules.lock(case_id)
    CASES.check(case, CaseAction.RESUBMIT)
    for code, (source, name) in uploads.items():
        case_material_attach_for_peer(actor=actor, case=case, material_code=code, source=source, original_name=name)
    missing = rules.missing_for_submission(case)
    if missing:
        rules.raise_missing(case.item, missing)
    case.submitted_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.RESUBMIT,
        actor=None,
        role=actor.role,
        fields=["submitted_at"],
        reason=reason,
        data=data,
    )


def case_deliver_for_peer(
    *,
    actor: PeerActor,
    case_id: int,
    tracking_number: str,
    delivered_at: Any,
    data: dict[str, Any] | None = None,
) -> Case:
    """The peer handed the result over at its window: the case is delivered and closed here too
    (once: a case delivered or closed already is left as it is)."""
    case = rules.lock(case_id)
    if case.status in (CaseStatus.DELIVERED, CaseStatus.CLOSED):
        return case
    CASES.check(case, CaseAction.DELIVER)
    case.tracking_number = tracking_number
    case.delivered_at = delivered_at
    CASES.apply(
        case,
        action=CaseAction.DELIVER,
        actor=None,
        role=actor.role,
        fields=["tracking_number", "delivered_at"],
        data=data,
    )
    CASES.check(case, CaseAction.CLOSE)
    case.closed_at = timezone.now()
    return CASES.apply(
        case,
        action=CaseAction.CLOSE,
        actor=None,
        role=actor.role,
        fields=["closed_at"],
        notice=gettext("Your case is closed. Please rate our service."),
    )


# ------------------------------------------------------------------ locks for joint cases


def case_lock_as_applicant(*, case: Case | int, actor: User) -> tuple[Case, str]:
    """The case locked, and the actor's role on the applicant's side (``NotYourCase`` otherwise)."""
    locked = rules.lock(case)
    return locked, rules.require_applicant(actor, locked)


def case_lock_as_department(*, case: Case | int, actor: User) -> tuple[Case, str]:
    """The case locked, and the actor's role in its department (``NotYourCase`` otherwise)."""
    locked = rules.lock(case)
    return locked, rules.require_department(actor, locked)


# ------------------------------------------------------------------ ratings (supervision)


def case_lock_for_rating(*, case: Case, actor: User) -> Case:
    """The case locked for its applicant's rating: refused to anyone else, and before it is closed."""
    locked = rules.lock(case)
    if not rules.is_applicant_side(actor=actor, case=locked):
        raise PermissionDenied(_("Only the applicant may rate this case."), code="case_forbidden")
    if locked.status != CaseStatus.CLOSED:
        raise InvalidTransition(_("A case can be rated once it is closed."), code="case_not_closed")
    return locked


def case_rating_recorded(*, case: Case, actor: User, stars: int) -> None:
    """The case's trail records that its applicant rated it (the rating is supervision's)."""
    events.case_rated(case=case, actor=actor, stars=stars)
