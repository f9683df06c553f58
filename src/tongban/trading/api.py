"""The trading API under ``/api/v1/trading/``: published procedures and their OCDS releases and
records (public), the expert draw's publication (public), and for logged-in users: registration,
sealed bids (submit, withdraw, fetch the ciphertext, release the key at opening) and an expert's
scores. A bid's plaintext and the bidder's secret never reach these endpoints before opening."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import Enterprise, User
from tongban.core.errors import NotFound
from tongban.trading import evaluation, ocds, pool, sealing, selectors, services
from tongban.trading.errors import BidNotFound, NotActingForBidder
from tongban.trading.models import Bid, Draw

router = Router(tags=["trading"])


class ProcedureOut(Schema):
    id: int
    number: str
    ocid: str
    title: str
    kind: str
    status: str
    project: str
    employer: str
    bid_deadline: dt.datetime | None
    published_at: dt.datetime | None
    estimated_value: str | None


def _procedure_out(p: Any) -> ProcedureOut:
    return ProcedureOut(
        id=p.pk,
        number=p.number,
        ocid=p.ocid,
        title=p.title,
        kind=p.kind,
        status=p.status,
        project=p.project.name,
        employer=p.project.employer.name,
        bid_deadline=p.bid_deadline,
        published_at=p.published_at,
        estimated_value=str(p.estimated_value) if p.estimated_value is not None else None,
    )


@router.get("/procedures", response=list[ProcedureOut], summary="Published procedures")
def procedure_list(request: HttpRequest, status: str = "", kind: str = "") -> list[ProcedureOut]:
    return [_procedure_out(p) for p in selectors.procedure_list(status=status or None, kind=kind or None)[:200]]


@router.get("/procedures/{procedure_id}", response=ProcedureOut, summary="One published procedure")
def procedure_get(request: HttpRequest, procedure_id: int) -> ProcedureOut:
    return _procedure_out(selectors.procedure_get(procedure_id=procedure_id))


@router.get("/procedures/{procedure_id}/ocds/releases", summary="OCDS 1.1.5 release package of a procedure")
def procedure_releases(request: HttpRequest, procedure_id: int) -> dict[str, Any]:
    return ocds.release_package(selectors.procedure_get(procedure_id=procedure_id, published_only=False))


@router.get("/procedures/{procedure_id}/ocds/record", summary="OCDS 1.1.5 record package of a procedure")
def procedure_record(request: HttpRequest, procedure_id: int) -> dict[str, Any]:
    return ocds.record_package(selectors.procedure_get(procedure_id=procedure_id, published_only=False))


class DrawOut(Schema):
    algorithm: str
    status: str
    seed_hash: str
    seed: str | None
    candidates_digest: str
    candidates: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    apart: list[list[str]]
    rules: dict[str, Any]
    history: list[dict[str, Any]]
    verified: bool | None


@router.get("/procedures/{procedure_id}/draw", response=DrawOut, summary="The expert draw's publication")
def procedure_draw(request: HttpRequest, procedure_id: int) -> DrawOut:
    procedure = selectors.procedure_get(procedure_id=procedure_id)
    draw = Draw.objects.filter(procedure=procedure).first()
    if draw is None:
        raise NotFound(code="draw_not_found")
    return DrawOut(
        algorithm=draw.algorithm,
        status=draw.status,
        seed_hash=draw.seed_hash,
        seed=draw.seed if draw.seed_revealed else None,
        candidates_digest=draw.candidates_digest,
        candidates=draw.candidates,
        excluded=draw.excluded,
        apart=draw.apart,
        rules=draw.rules,
        history=draw.history if draw.seed_revealed else [],
        verified=pool.draw_verify(draw) if draw.seed_revealed else None,
    )


# ------------------------------------------------------------------ bidders


def _enterprise(user: User, uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        raise NotActingForBidder()
    services.require_acting_for(user, enterprise)
    return enterprise


class RegistrationIn(Schema):
    enterprise: str = Field(..., max_length=18, description="the bidder's unified social credit code")


@router.post("/procedures/{procedure_id}/registrations", auth=api_auth, response={201: dict[str, Any]})
def registration_create(request: HttpRequest, procedure_id: int, body: RegistrationIn) -> Status[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    registration = services.registration_create(
        actor=user, procedure_id=procedure_id, enterprise=_enterprise(user, body.enterprise)
    )
    return Status(201, {"id": registration.pk, "status": registration.status})


class SealedIn(Schema):
    salt: str = Field(..., max_length=64)
    iv: str = Field(..., max_length=32)
    ciphertext: str = Field(..., max_length=3 * 1024 * 1024)


class BidIn(Schema):
    enterprise: str = Field(..., max_length=18)
    cipher: str = Field(..., max_length=20)
    kdf: str = Field(..., max_length=20)
    iterations: int
    commitment: str = Field(..., max_length=64)
    primary: SealedIn
    backup: SealedIn | None = None
    replace: bool = False


class BidOut(Schema):
    id: int
    status: str
    commitment: str
    ciphertext_sha256: str
    submitted_at: dt.datetime
    receipt: str
    opening_result: str
    price: str | None


def _bid_out(bid: Bid) -> BidOut:
    return BidOut(
        id=bid.pk,
        status=bid.status,
        commitment=bid.commitment,
        ciphertext_sha256=bid.ciphertext_sha256,
        submitted_at=bid.submitted_at,
        receipt=bid.receipt,
        opening_result=bid.opening_result,
        price=str(bid.price) if bid.price is not None else None,
    )


@router.post("/procedures/{procedure_id}/bids", auth=api_auth, response={201: BidOut}, summary="Submit a sealed bid")
def bid_submit(request: HttpRequest, procedure_id: int, body: BidIn) -> Status[BidOut]:
    user: User = request.auth  # type: ignore[attr-defined]
    sealed = services.SealedBid(
        cipher=body.cipher,
        kdf=body.kdf,
        iterations=body.iterations,
        commitment=body.commitment,
        primary=sealing.Sealed(salt=body.primary.salt, iv=body.primary.iv, ciphertext=body.primary.ciphertext),
        backup=sealing.Sealed(salt=body.backup.salt, iv=body.backup.iv, ciphertext=body.backup.ciphertext)
        if body.backup
        else None,
    )
    bid = services.bid_submit(
        actor=user,
        procedure_id=procedure_id,
        enterprise=_enterprise(user, body.enterprise),
        sealed=sealed,
        replace=body.replace,
    )
    return Status(201, _bid_out(bid))


def _own_bid(user: User, bid_id: int) -> Bid:
    bid = Bid.objects.select_related("enterprise").filter(pk=bid_id).first()
    if bid is None:
        raise BidNotFound()
    services.require_acting_for(user, bid.enterprise)
    return bid


@router.get("/bids/{bid_id}", auth=api_auth, response=BidOut, summary="One's own bid (receipt, status)")
def bid_get(request: HttpRequest, bid_id: int) -> BidOut:
    return _bid_out(_own_bid(request.auth, bid_id))  # type: ignore[attr-defined]


class SealedBidOut(Schema):
    cipher: str
    kdf: str
    iterations: int
    salt: str
    iv: str
    ciphertext: str
    backup_salt: str
    backup_iv: str
    backup_ciphertext: str
    commitment: str


@router.get(
    "/bids/{bid_id}/sealed", auth=api_auth, response=SealedBidOut, summary="The sealed bid, to decrypt in the browser"
)
def bid_sealed(request: HttpRequest, bid_id: int) -> SealedBidOut:
    bid = _own_bid(request.auth, bid_id)  # type: ignore[attr-defined]
    return SealedBidOut(
        cipher=bid.cipher,
        kdf=bid.kdf,
        iterations=bid.iterations,
        salt=bid.salt,
        iv=bid.iv,
        ciphertext=bid.ciphertext,
        backup_salt=bid.backup_salt,
        backup_iv=bid.backup_iv,
        backup_ciphertext=bid.backup_ciphertext,
        commitment=bid.commitment,
    )


@router.post("/bids/{bid_id}/withdraw", auth=api_auth, response=BidOut)
def bid_withdraw(request: HttpRequest, bid_id: int) -> BidOut:
    return _bid_out(services.bid_withdraw(actor=request.auth, bid_id=bid_id))  # type: ignore[attr-defined]


class KeyIn(Schema):
    key: str = Field(..., max_length=64, description="the AES key derived in the browser, base64")
    backup: bool = Field(False, description="the key opens the backup copy (when the tender allows one)")


@router.post("/bids/{bid_id}/open", auth=api_auth, response=BidOut, summary="Release the key at the opening")
def bid_open(request: HttpRequest, bid_id: int, body: KeyIn) -> BidOut:
    user: User = request.auth  # type: ignore[attr-defined]
    return _bid_out(
        services.bid_open(actor=user, bid_id=bid_id, key=body.key, copy="backup" if body.backup else "primary")
    )


# ------------------------------------------------------------------ experts


class ScoresIn(Schema):
    scores: dict[str, dict[str, str]]
    submit: bool = False


@router.post("/procedures/{procedure_id}/scores", auth=api_auth, summary="An expert's scores")
def scores_save(request: HttpRequest, procedure_id: int, body: ScoresIn) -> dict[str, Any]:
    sheet = evaluation.sheet_save(actor=request.auth, procedure_id=procedure_id, scores=body.scores, submit=body.submit)  # type: ignore[attr-defined]
    return {"status": sheet.status, "scores": sheet.scores}
