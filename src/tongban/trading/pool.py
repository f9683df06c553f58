"""The shared expert pool (评标专家库共用) and the verifiable draw with avoidance (ADR 0020).

Each region keeps its own experts; a shared expert is sent to every peer (``trading.expert``) and
kept there as a read-only copy, so a node draws from its own pool and its peers' shared experts.

A draw has two published steps (``core.draw`` documents the algorithm):

1. ``draw_commit``: once the bidders are known (after the opening) the avoidance rules are applied
   and the eligible list (uids and regions), the avoided experts with their reasons, the pairs kept
   apart and the rules are stored and published with the list's digest and the SHA-256 of a fresh
   secret seed;
2. ``draw_reveal``: the seed is revealed and the panel drawn by ``core.draw.draw``; anyone re-runs it
   from the published data (``draw_verify``).

Avoidance: an expert is not eligible if they work for the employer, its agent or a bidder
(``employer_relationship``), declared a conflict with any of them (``declared_conflict``), or is not
active; two experts who sat on the same panel within ``CO_EVALUATION_DAYS`` are kept apart; the
procedure's region minimums and maximums hold. Replacements (declined, or a conflict declared after
the draw) are drawn the same way in the next round. A drawn expert of another region is summoned
at their home node (``trading.summons``) and answers there (``trading.summons_reply``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.accounts.models import User
from tongban.accounts.notifications import notify_inbox
from tongban.core import draw as drawing
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import is_valid_resident_id, is_valid_uscc
from tongban.federation import services as federation
from tongban.federation.constants import PeerStatus
from tongban.federation.models import Peer
from tongban.regions.models import Region
from tongban.trading import evaluation, events, selectors
from tongban.trading import workflows as wf
from tongban.trading.common import lock_procedure, require_operator
from tongban.trading.constants import (
    CO_EVALUATION_DAYS,
    SITTING,
    ConflictKind,
    DrawAction,
    DrawStatus,
    ExpertAction,
    ExpertStatus,
    ProcedureStatus,
    SeatAction,
    SeatStatus,
    Specialty,
    SummonsStatus,
)
from tongban.trading.errors import (
    ExpertNotFound,
    NotOnPanel,
    SharedExpertReadOnly,
    TooFewExperts,
)
from tongban.trading.models import Draw, Expert, ExpertConflict, Procedure, Seat, Summons

EXPERT_MESSAGE = "trading.expert"
POOL_PULL = "trading.pool_pull"
POOL_SNAPSHOT = "trading.pool_snapshot"
SUMMONS_MESSAGE = "trading.summons"
SUMMONS_REPLY = "trading.summons_reply"
SNAPSHOT_PART = 200
DRAW_STAGES = frozenset(
    {ProcedureStatus.OPENED, ProcedureStatus.EVALUATING, ProcedureStatus.EVALUATED, ProcedureStatus.PUBLICITY}
)


def own_region() -> str:
    return str(settings.TONGBAN_REGION)


def active_peers() -> list[str]:
    return list(Peer.objects.filter(status=PeerStatus.ACTIVE).values_list("region_code", flat=True))


# ------------------------------------------------------------------ experts of this region


def expert_document(expert: Expert) -> dict[str, Any]:
    """An expert as shared with peers (their conflicts included, so peers avoid them too)."""
    return {
        "uid": str(expert.uid),
        "origin_region": expert.origin_region_id,
        "code": expert.code,
        "name": expert.name,
        "id_number": expert.id_number,
        "title": expert.title,
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
        "specialties": list(expert.specialties),
        "status": expert.status,
        "shared": expert.shared,
        "version": expert.version,
        "conflicts": [
            {
                "uscc": c.uscc,
                "kind": c.kind,
                "enterprise_name": c.enterprise_name,
                "declared_at": c.declared_at.isoformat(),
            }
            for c in expert.conflicts.order_by("pk")
        ],
    }


def _share(expert: Expert, *, actor: User | None, was_shared: bool) -> int:
    """Send the expert to every peer when shared (or when just unshared, so peers stop drawing them)."""
    if expert.origin_region_id != own_region() or not (expert.shared or was_shared):
        return 0
    peers = active_peers()
    for region in peers:
        federation.message_send(
            recipient_region=region,
            type=EXPERT_MESSAGE,
            payload={"expert": expert_document(expert)},
            correlation_id=str(expert.uid),
            actor=actor,
        )
    return len(peers)


def _check_expert_fields(*, name: str, id_number: str, employer_uscc: str, specialties: Sequence[str]) -> None:
    if not name.strip() or not is_valid_resident_id(id_number):
        raise ValidationFailed(_("The expert's name or ID number is invalid."), code="invalid_expert")
    if employer_uscc and not is_valid_uscc(employer_uscc):
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    if not specialties or set(specialties) - set(Specialty.values):
        raise ValidationFailed(_("Unknown specialty."), code="invalid_specialty")


@transaction.atomic(durable=True)
def expert_save(
    *,
    actor: User,
    code: str,
    name: str,
    id_number: str,
    specialties: Sequence[str],
    title: str = "",
    employer_name: str = "",
    employer_uscc: str = "",
    shared: bool = True,
    user: User | None = None,
    uid: uuid.UUID | None = None,
) -> Expert:
    """Add an expert to this region's pool, or update one (a new version, shared with peers).

    ``uid`` keeps the id an expert already has (a pool imported from an earlier system)."""
    require_operator(actor)
    _check_expert_fields(name=name, id_number=id_number, employer_uscc=employer_uscc, specialties=specialties)
    region = Region.objects.get(code=own_region())
    expert = Expert.objects.select_for_update().filter(origin_region=region, code=code).first()
    created = expert is None
    was_shared = False
    if expert is None:
        expert = Expert(origin_region=region, code=code[:40], version=1, uid=uid or uuid.uuid4())
    else:
        was_shared = expert.shared
        expert.version += 1
    expert.name = name.strip()[:60]
    expert.id_number = id_number
    expert.title = title[:60]
    expert.employer_name = employer_name[:200]
    expert.employer_uscc = employer_uscc
    expert.specialties = sorted(set(specialties))
    expert.shared = shared
    if user is not None:
        expert.user = user
    expert.save()
    events.expert_saved(expert=expert, actor=actor, created=created)
    _share(expert, actor=actor, was_shared=was_shared)
    return expert


@transaction.atomic(durable=True)
def expert_set_status(*, actor: User, expert_id: int, action: ExpertAction, reason: str = "") -> Expert:
    require_operator(actor)
    expert = Expert.objects.select_for_update().filter(pk=expert_id).first()
    if expert is None:
        raise ExpertNotFound()
    if expert.origin_region_id != own_region():
        raise SharedExpertReadOnly()
    expert.version += 1
    wf.EXPERT.apply(expert, action=action, actor=actor, role="operator", fields=["version"], reason=reason)
    _share(expert, actor=actor, was_shared=expert.shared)
    return expert


@dataclass(frozen=True)
class ConflictOutcome:
    conflict: ExpertConflict
    recused: list[Seat]
    replacements: list[Seat]


def _is_expert(actor: User, expert: Expert) -> bool:
    return expert.user_id == actor.pk or bool(actor.id_number and actor.id_number == expert.id_number)


@transaction.atomic(durable=True)
def conflict_declare(
    *, actor: User, expert_id: int, uscc: str, kind: ConflictKind, note: str = "", enterprise_name: str = ""
) -> ConflictOutcome:
    """An expert of this region declares an interest (or an operator records it).

    If the expert already sits on a panel whose employer, agent or bidders include the enterprise,
    the seat is recused and a replacement drawn: the conflict after the draw is reported
    (``conflict_after_draw``) with the seats concerned.
    """
    expert = Expert.objects.select_for_update().filter(pk=expert_id).first()
    if expert is None:
        raise ExpertNotFound()
    if not (_is_expert(actor, expert) or selectors.is_operator(actor)):
        raise NotOnPanel()
    if expert.origin_region_id != own_region():
        raise SharedExpertReadOnly()
    if not is_valid_uscc(uscc) or kind not in ConflictKind.values:
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    conflict, _created = ExpertConflict.objects.get_or_create(
        expert=expert,
        uscc=uscc,
        kind=kind,
        defaults={"note": note[:300], "enterprise_name": enterprise_name[:200], "declared_at": timezone.now()},
    )
    recused, replacements = _recuse_where_conflicted(expert=expert, uscc=uscc, actor=actor, reason=note or str(kind))
    events.conflict_declared(expert=expert, uscc=uscc, kind=kind, actor=actor, after_draw=bool(recused))
    expert.version += 1
    expert.save(update_fields=["version", "updated_at"])
    _share(expert, actor=actor, was_shared=expert.shared)
    return ConflictOutcome(conflict=conflict, recused=recused, replacements=replacements)


def _parties(procedure: Procedure) -> set[str]:
    project = procedure.project
    out = {project.employer.uscc}
    if project.agent is not None:
        out.add(project.agent.uscc)
    out |= set(procedure.bids.values_list("enterprise__uscc", flat=True))
    return out


def _recuse_where_conflicted(
    *, expert: Expert, uscc: str, actor: User | None, reason: str
) -> tuple[list[Seat], list[Seat]]:
    recused: list[Seat] = []
    replacements: list[Seat] = []
    seats = Seat.objects.select_for_update().filter(
        expert=expert, status__in=SITTING, draw__procedure__status__in=DRAW_STAGES
    )
    for seat in seats:
        procedure = seat.draw.procedure
        if uscc not in _parties(procedure):
            continue
        seat.reason = reason
        wf.SEAT.apply(
            seat, action=SeatAction.RECUSE, actor=actor, role="expert", fields=["reason"], reason="conflict_after_draw"
        )
        recused.append(seat)
        replacements += _after_seat_left(seat, actor=actor)
    return recused, replacements


# ------------------------------------------------------------------ experts of peers (called by the handlers)


def expert_receive(*, sender_region: str, doc: Any) -> Expert | None:
    """A peer's shared expert (new or a new version), kept as a read-only copy. Older versions are ignored."""
    if not isinstance(doc, dict):
        raise ValidationFailed(_("This is not an expert."), code="invalid_expert")
    if str(doc.get("origin_region")) != sender_region or sender_region == own_region():
        raise ValidationFailed(_("Only the expert's own region may share them."), code="expert_origin_mismatch")
    try:
        uid = uuid.UUID(str(doc.get("uid")))
        version = int(doc.get("version", 0))
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(_("This is not an expert."), code="invalid_expert") from exc
    specialties = [s for s in doc.get("specialties", []) if s in Specialty.values]
    _check_expert_fields(
        name=str(doc.get("name", "")),
        id_number=str(doc.get("id_number", "")),
        employer_uscc=str(doc.get("employer_uscc", "")),
        specialties=specialties,
    )
    expert = Expert.objects.select_for_update().filter(uid=uid).first()
    if expert is not None and expert.origin_region_id != sender_region:
        raise ValidationFailed(_("Only the expert's own region may share them."), code="expert_origin_mismatch")
    if expert is not None and version <= expert.version:
        return None
    region = Region.objects.filter(code=sender_region).first()
    if region is None:
        raise ValidationFailed(_("Unknown region."), code="unknown_region")
    created = expert is None
    if expert is None:
        expert = Expert(uid=uid, origin_region=region)
    expert.code = str(doc.get("code", ""))[:40]
    expert.name = str(doc["name"])[:60]
    expert.id_number = str(doc["id_number"])
    expert.title = str(doc.get("title", ""))[:60]
    expert.employer_name = str(doc.get("employer_name", ""))[:200]
    expert.employer_uscc = str(doc.get("employer_uscc", ""))
    expert.specialties = sorted(set(specialties))
    expert.status = ExpertStatus.ACTIVE if doc.get("status") == ExpertStatus.ACTIVE else ExpertStatus.SUSPENDED
    expert.shared = bool(doc.get("shared", True))
    expert.version = version
    expert.received_at = timezone.now()
    expert.save()
    expert.conflicts.all().delete()
    for c in doc.get("conflicts", []) or []:
        if isinstance(c, dict) and is_valid_uscc(str(c.get("uscc", ""))) and c.get("kind") in ConflictKind.values:
            ExpertConflict.objects.create(
                expert=expert,
                uscc=str(c["uscc"]),
                kind=str(c["kind"]),
                enterprise_name=str(c.get("enterprise_name", ""))[:200],
                declared_at=_parse_time(c.get("declared_at")),
            )
    events.expert_saved(expert=expert, actor=None, created=created, source=sender_region)
    return expert


def _parse_time(value: Any) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return timezone.now()
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def shareable_documents() -> list[dict[str, Any]]:
    return [
        expert_document(e)
        for e in Expert.objects.filter(origin_region_id=own_region(), shared=True)
        .prefetch_related("conflicts")
        .order_by("pk")
    ]


@transaction.atomic(durable=True)
def pool_pull(*, actor: User | None, region: str | None = None) -> list[str]:
    """Ask peers (all, or one) for their shared experts; they answer with snapshots."""
    peers = [region] if region else active_peers()
    for code in peers:
        federation.message_send(recipient_region=code, type=POOL_PULL, payload={}, actor=actor)
    return peers


# ------------------------------------------------------------------ the draw


def _eligible_pool(procedure: Procedure) -> tuple[list[dict[str, str]], list[dict[str, Any]], list[list[str]]]:
    """(candidates, avoided with reasons, pairs kept apart) for a procedure's draw."""
    parties = _parties(procedure)
    wanted = set(procedure.expert_specialties)
    experts = (
        Expert.objects.filter(status=ExpertStatus.ACTIVE)
        .filter(Q(origin_region_id=own_region()) | Q(shared=True))
        .prefetch_related("conflicts")
        .order_by("uid")
    )
    candidates: list[dict[str, str]] = []
    excluded: list[dict[str, Any]] = []
    for expert in experts:
        if wanted and not wanted & set(expert.specialties):
            continue
        reasons = []
        if expert.employer_uscc and expert.employer_uscc in parties:
            reasons.append("employer_relationship")
        if expert.employer_uscc and expert.employer_uscc == procedure.project.employer.uscc:
            reasons.append("project_employer")
        if any(c.uscc in parties for c in expert.conflicts.all()):
            reasons.append("declared_conflict")
        if reasons:
            excluded.append({"uid": str(expert.uid), "reasons": reasons})
        else:
            candidates.append({"uid": str(expert.uid), "region": expert.origin_region_id})
    since = timezone.now() - dt.timedelta(days=CO_EVALUATION_DAYS)
    ids = {c["uid"] for c in candidates}
    panels: dict[int, list[str]] = {}
    recent = Seat.objects.filter(status=SeatStatus.CONFIRMED, answered_at__gte=since).exclude(draw__procedure=procedure)
    for draw_id, uid in recent.values_list("draw_id", "expert__uid"):
        if str(uid) in ids:
            panels.setdefault(draw_id, []).append(str(uid))
    apart = sorted(sorted(pair) for pair in drawing.pairs(panels.values()))
    return candidates, excluded, apart


def rules_of(draw: Draw) -> drawing.Rules:
    return drawing.Rules(
        minimums={str(k): int(v) for k, v in draw.rules.get("minimums", {}).items()},
        maximums={str(k): int(v) for k, v in draw.rules.get("maximums", {}).items()},
        apart=frozenset(frozenset(pair) for pair in draw.apart),
    )


def candidates_of(draw: Draw) -> list[drawing.Candidate]:
    return [drawing.Candidate(c["uid"], c["region"]) for c in draw.candidates]


@transaction.atomic(durable=True)
def draw_commit(*, actor: User, procedure_id: int) -> Draw:
    """Publish the eligible list, the avoided experts, the rules and the seed's hash (not the seed)."""
    require_operator(actor)
    procedure = lock_procedure(procedure_id)
    if procedure.status != ProcedureStatus.OPENED:
        raise ValidationFailed(_("Experts are drawn after the opening, before the evaluation."), code="draw_not_now")
    if Draw.objects.filter(procedure=procedure).exists():
        raise ValidationFailed(_("The experts of this procedure have been drawn already."), code="draw_exists")
    candidates, excluded, apart = _eligible_pool(procedure)
    minimums = {str(k): int(v) for k, v in procedure.region_minimums.items()}
    by_region: dict[str, int] = {}
    for c in candidates:
        by_region[c["region"]] = by_region.get(c["region"], 0) + 1
    short = {r: n for r, n in minimums.items() if by_region.get(r, 0) < n}
    if len(candidates) < procedure.expert_count or short:
        raise TooFewExperts(
            details={"needed": procedure.expert_count, "eligible": len(candidates), "regions_short": short}
        )
    seed = drawing.new_seed()
    draw = Draw.objects.create(
        procedure=procedure,
        algorithm=drawing.VERSION,
        candidates=candidates,
        excluded=excluded,
        apart=apart,
        rules={
            "count": procedure.expert_count,
            "minimums": minimums,
            "maximums": {str(k): int(v) for k, v in procedure.region_maximums.items()},
            "specialties": list(procedure.expert_specialties),
        },
        candidates_digest=drawing.digest(c["uid"] for c in candidates),
        seed_hash=drawing.commit(seed),
        seed=seed.hex(),
        committed_at=timezone.now(),
    )
    events.draw_committed(draw=draw, actor=actor)
    return draw


def _venue(expert: Expert, procedure: Procedure) -> str:
    venues = {procedure.main_venue_id, *procedure.remote_venues}
    return expert.origin_region_id if expert.origin_region_id in venues else procedure.main_venue_id


def _seat(draw: Draw, expert: Expert, *, round: int, rank: int, actor: User | None) -> Seat:
    procedure = draw.procedure
    seat = Seat.objects.create(draw=draw, expert=expert, round=round, rank=rank, venue_id=_venue(expert, procedure))
    if expert.origin_region_id == own_region() or expert.origin_region_id not in active_peers():
        # this region's expert, or a peer's while that peer is not connected: notified here, and
        # answered by the expert (logged in) or recorded by an operator who reached them by phone
        if expert.user_id is not None:
            notify_inbox(
                user_id=expert.user_id,
                subject=_("You were drawn as an evaluation expert: %(title)s") % {"title": procedure.title},
                body=_("Please confirm or decline in the trading pages."),
                kind="reminder",
                link="/trading/expert/",
            )
    else:
        federation.message_send(
            recipient_region=expert.origin_region_id,
            type=SUMMONS_MESSAGE,
            payload={
                "seat": str(seat.uid),
                "expert": str(expert.uid),
                "ocid": procedure.ocid,
                "title": procedure.title,
                "venue": seat.venue_id,
                "host_url": f"{str(settings.TONGBAN_BASE_URL).rstrip('/')}/trading/procedures/{procedure.pk}/evaluation/",
            },
            correlation_id=str(seat.uid),
            actor=actor,
        )
    return seat


def _run(draw: Draw, *, count: int, round: int, seated: list[Seat], exclude: list[str]) -> list[drawing.Candidate]:
    """Draw one round and record its inputs and result in the draw's published history."""
    seated_ids = [str(s.expert.uid) for s in seated]
    regions = {c["uid"]: c["region"] for c in draw.candidates}
    try:
        taken = drawing.draw(
            seed=bytes.fromhex(draw.seed),
            candidates=candidates_of(draw),
            count=count,
            rules=rules_of(draw),
            round=round,
            seated=[
                drawing.Candidate(uid, regions.get(uid, s.expert.origin_region_id))
                for uid, s in zip(seated_ids, seated, strict=True)
            ],
            exclude=exclude,
        )
    except drawing.DrawError as exc:
        raise TooFewExperts(details={"needed": exc.needed, "found": exc.found, "region": exc.group}) from exc
    draw.history = [
        *draw.history,
        {
            "round": round,
            "count": count,
            "seated": seated_ids,
            "exclude": sorted(exclude),
            "taken": [c.id for c in taken],
        },
    ]
    return taken


@transaction.atomic(durable=True)
def draw_reveal(*, actor: User, draw_id: int) -> Draw:
    """Reveal the seed and draw the panel; each expert is notified (at their home node if a peer's)."""
    require_operator(actor)
    draw = Draw.objects.select_for_update().filter(pk=draw_id).select_related("procedure").first()
    if draw is None:
        raise ExpertNotFound()
    wf.DRAW.check(draw, DrawAction.DRAW)
    taken = _run(draw, count=int(draw.rules["count"]), round=0, seated=[], exclude=[])
    experts = {str(e.uid): e for e in Expert.objects.filter(uid__in=[c.id for c in taken])}
    for rank, cand in enumerate(taken, start=1):
        _seat(draw, experts[cand.id], round=0, rank=rank, actor=actor)
    draw.seed_revealed = True
    draw.rounds = 1
    draw.drawn_at = timezone.now()
    return wf.DRAW.apply(
        draw,
        action=DrawAction.DRAW,
        actor=actor,
        role="operator",
        fields=["seed_revealed", "rounds", "drawn_at", "history"],
        data={"seed": draw.seed, "seats": [c.id for c in taken]},
    )


def draw_verify(draw: Draw) -> bool:
    """Anyone's check of a revealed draw: the seed matches its hash, the list its digest, and every
    round re-run from its published inputs (seated, excluded, count) gives the seats drawn in it."""
    if not draw.seed_revealed:
        return False
    seed = bytes.fromhex(draw.seed)
    if (
        drawing.commit(seed) != draw.seed_hash
        or drawing.digest(c["uid"] for c in draw.candidates) != draw.candidates_digest
    ):
        return False
    regions = {c["uid"]: c["region"] for c in draw.candidates}
    seats = list(draw.seats.select_related("expert"))
    for entry in draw.history:
        try:
            again = drawing.draw(
                seed=seed,
                candidates=candidates_of(draw),
                count=int(entry["count"]),
                rules=rules_of(draw),
                round=int(entry["round"]),
                seated=[drawing.Candidate(uid, regions.get(uid, "")) for uid in entry["seated"]],
                exclude=entry["exclude"],
            )
        except (drawing.DrawError, KeyError, ValueError):
            return False
        in_round = [str(s.expert.uid) for s in sorted(seats, key=lambda s: s.rank) if s.round == int(entry["round"])]
        if [c.id for c in again] != entry["taken"] or entry["taken"] != in_round:
            return False
    return len(draw.history) == draw.rounds


def _after_seat_left(seat: Seat, *, actor: User | None) -> list[Seat]:
    """A seat was declined or recused: void its work and draw a replacement in the next round."""
    draw = Draw.objects.select_for_update().select_related("procedure").get(pk=seat.draw_id)
    evaluation.seat_left(seat=seat, actor=actor)
    seats = list(draw.seats.select_related("expert"))
    sitting = [s for s in seats if s.status in SITTING]
    need = int(draw.rules["count"]) - len(sitting)
    if need <= 0:
        return []
    round_no = draw.rounds
    try:
        taken = _run(draw, count=need, round=round_no, seated=sitting, exclude=[str(s.expert.uid) for s in seats])
    except TooFewExperts as exc:
        # the answer stands; the panel stays short and the operators are told (a new draw is needed)
        events.draw_short(draw=draw, actor=actor, details=exc.as_dict().get("details") or {})
        return []
    experts = {str(e.uid): e for e in Expert.objects.filter(uid__in=[c.id for c in taken])}
    new = [_seat(draw, experts[c.id], round=round_no, rank=i, actor=actor) for i, c in enumerate(taken, start=1)]
    draw.rounds = round_no + 1
    wf.DRAW.apply(
        draw,
        action=DrawAction.REDRAW,
        actor=actor,
        role="operator",
        fields=["rounds", "history"],
        data={"round": round_no, "seats": [c.id for c in taken], "replacing": str(seat.uid)},
    )
    return new


def _answer(seat: Seat, *, action: SeatAction, actor: User | None, role: str, reason: str) -> list[Seat]:
    seat.answered_at = timezone.now()
    seat.reason = reason[:2000]
    wf.SEAT.apply(seat, action=action, actor=actor, role=role, fields=["answered_at", "reason"], reason=reason)
    if action == SeatAction.CONFIRM:
        draw = Draw.objects.select_for_update().get(pk=seat.draw_id)
        confirmed = draw.seats.filter(status=SeatStatus.CONFIRMED).count()
        if confirmed >= int(draw.rules["count"]) and draw.status == DrawStatus.DRAWN:
            wf.DRAW.apply(draw, action=DrawAction.COMPLETE, actor=actor, role=role)
        return []
    return _after_seat_left(seat, actor=actor)


@transaction.atomic(durable=True)
def seat_answer(
    *, actor: User, seat_id: int, action: SeatAction, reason: str = "", conflict_uscc: str = ""
) -> list[Seat]:
    """A drawn expert of this region confirms, declines or recuses (or an operator records their
    answer by phone); a declined or recused seat is replaced at once. Answers the replacements."""
    seat = Seat.objects.select_for_update().filter(pk=seat_id).select_related("expert", "draw__procedure").first()
    if seat is None:
        raise NotOnPanel()
    is_self = _is_expert(actor, seat.expert)
    if not (is_self or selectors.is_operator(actor)):
        raise NotOnPanel()
    if seat.expert.origin_region_id != own_region() and is_self is False and not selectors.is_operator(actor):
        raise NotOnPanel()
    if action == SeatAction.RECUSE and conflict_uscc and seat.expert.origin_region_id == own_region():
        if not is_valid_uscc(conflict_uscc):
            raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
        ExpertConflict.objects.get_or_create(
            expert=seat.expert,
            uscc=conflict_uscc,
            kind=ConflictKind.OTHER,
            defaults={"note": reason[:300], "declared_at": timezone.now()},
        )
        events.conflict_declared(
            expert=seat.expert, uscc=conflict_uscc, kind=ConflictKind.OTHER, actor=actor, after_draw=True
        )
    return _answer(seat, action=action, actor=actor, role="expert" if is_self else "operator", reason=reason)


def seat_reply_receive(*, sender_region: str, payload: dict[str, Any]) -> list[Seat]:
    """The expert's home node relays their answer to a summons (in the handler's transaction)."""
    try:
        seat_uid = uuid.UUID(str(payload.get("seat")))
    except ValueError as exc:
        raise ValidationFailed(_("Unknown seat."), code="unknown_seat") from exc
    seat = Seat.objects.select_for_update().filter(uid=seat_uid).select_related("expert").first()
    if seat is None:
        raise ValidationFailed(_("Unknown seat."), code="unknown_seat")
    if seat.expert.origin_region_id != sender_region:
        raise ValidationFailed(_("Only the expert's own region may answer for them."), code="expert_origin_mismatch")
    action = str(payload.get("action", ""))
    if action not in (SeatAction.CONFIRM, SeatAction.DECLINE, SeatAction.RECUSE):
        raise ValidationFailed(_("Unknown answer."), code="unknown_answer")
    if seat.status not in SITTING:  # a repeated answer after the seat left: nothing to do
        return []
    return _answer(seat, action=SeatAction(action), actor=None, role="peer", reason=str(payload.get("reason", "")))


# ------------------------------------------------------------------ summonses at the expert's home node


def summons_receive(*, sender_region: str, payload: dict[str, Any]) -> Summons:
    """A peer drew one of this region's experts: keep the summons and notify the expert."""
    try:
        seat_uid = uuid.UUID(str(payload.get("seat")))
        expert_uid = uuid.UUID(str(payload.get("expert")))
    except ValueError as exc:
        raise ValidationFailed(_("This is not a summons."), code="invalid_summons") from exc
    existing = Summons.objects.filter(seat_uid=seat_uid).first()
    if existing is not None:
        return existing
    expert = Expert.objects.filter(uid=expert_uid, origin_region_id=own_region()).first()
    if expert is None:
        raise ValidationFailed(_("This expert is not in this region's pool."), code="expert_not_ours")
    host = Region.objects.filter(code=sender_region).first()
    if host is None:
        raise ValidationFailed(_("Unknown region."), code="unknown_region")
    summons = Summons.objects.create(
        seat_uid=seat_uid,
        host_region=host,
        expert=expert,
        ocid=str(payload.get("ocid", ""))[:80],
        procedure_title=str(payload.get("title", ""))[:200],
        received_at=timezone.now(),
    )
    if expert.user_id is not None:
        notify_inbox(
            user_id=expert.user_id,
            subject=_("%(region)s drew you as an evaluation expert: %(title)s")
            % {"region": host.name, "title": summons.procedure_title},
            body=str(payload.get("host_url", "")),
            kind="reminder",
            link="/trading/expert/",
        )
    return summons


@transaction.atomic(durable=True)
def summons_answer(
    *, actor: User, summons_id: int, action: SeatAction, reason: str = "", conflict_uscc: str = ""
) -> Summons:
    """The expert answers a peer's summons at home; the answer goes back to the drawing node."""
    summons = Summons.objects.select_for_update().filter(pk=summons_id).select_related("expert").first()
    if summons is None or not _is_expert(actor, summons.expert):
        raise NotOnPanel()
    if action == SeatAction.RECUSE and conflict_uscc:
        if not is_valid_uscc(conflict_uscc):
            raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
        ExpertConflict.objects.get_or_create(
            expert=summons.expert,
            uscc=conflict_uscc,
            kind=ConflictKind.OTHER,
            defaults={"note": reason[:300], "declared_at": timezone.now()},
        )
        events.conflict_declared(
            expert=summons.expert, uscc=conflict_uscc, kind=ConflictKind.OTHER, actor=actor, after_draw=True
        )
    summons.answered_at = timezone.now()
    summons.reason = reason[:2000]
    wf.SUMMONS.apply(
        summons, action=action, actor=actor, role="expert", fields=["answered_at", "reason"], reason=reason
    )
    federation.message_send(
        recipient_region=summons.host_region_id,
        type=SUMMONS_REPLY,
        payload={"seat": str(summons.seat_uid), "action": str(action), "reason": reason[:2000]},
        correlation_id=str(summons.seat_uid),
        actor=actor,
    )
    return summons


PENDING_SUMMONS = frozenset({SummonsStatus.PENDING, SummonsStatus.CONFIRMED})
