"""Trading pages under ``/trading/``: the public list and procedure pages (notices, opening record,
draw, candidates), the bidder's sealing page, the online opening hall (不见面开标), the evaluation
workspace shared by the main and remote venues, the expert's page, and the operator's controls.

Sealing and opening run in the bidder's browser (``static/trading/seal.js``, WebCrypto): the
plaintext fields of the sealing form have no ``name``, so without the script nothing readable is
ever posted. No inline scripts: the pages pass data to the script in ``data-`` attributes.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongban.accounts.models import Enterprise, User
from tongban.core.downloads import attachment_file
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.trading import evaluation, pool, sealing, selectors, services
from tongban.trading.constants import (
    CIPHER,
    KDF,
    MIN_KDF_ITERATIONS,
    BidStatus,
    ComplaintAction,
    DecryptionFailure,
    NoticeKind,
    ProcedureKind,
    ProcedureStatus,
    ProcurementCategory,
    SeatAction,
    SheetStatus,
)
from tongban.trading.errors import InvalidProcedure, NotActingForBidder, NotRegistered, ReportNotSigned
from tongban.trading.models import Bid, Complaint, Draw, OpeningObjection, Procedure, Seat, Summons


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _procedure(pk: int, request: HttpRequest) -> Procedure:
    published_only = not selectors.is_operator(request.user)
    try:
        return selectors.procedure_get(procedure_id=pk, published_only=published_only)
    except ApplicationError as exc:
        raise Http404 from exc


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, f"{exc.message}（{exc.code}）")


def _back(pk: int, page: str = "") -> HttpResponse:
    return redirect(f"/trading/procedures/{pk}/{page}")


def _my_enterprises(request: HttpRequest) -> list[Enterprise]:
    return selectors.enterprises_for(_user(request)) if request.user.is_authenticated else []


def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    procedures = selectors.procedure_list(status=status or None, kind=kind or None)[:100]
    return render(
        request,
        "trading/index.html",
        {
            "procedures": procedures,
            "statuses": ProcedureStatus.choices,
            "kinds": ProcedureKind.choices,
            "status": status,
            "kind": kind,
            "is_operator": selectors.is_operator(request.user),
            "drafts": Procedure.objects.filter(status=ProcedureStatus.DRAFT).order_by("-pk")[:20]
            if selectors.is_operator(request.user)
            else [],
        },
    )


def procedure(request: HttpRequest, pk: int) -> HttpResponse:
    p = _procedure(pk, request)
    mine = _my_enterprises(request)
    registrations = {r.enterprise_id: r for r in p.registrations.filter(status="registered", enterprise__in=mine)}
    draw = Draw.objects.filter(procedure=p).first()
    report = selectors.current_report(p)
    show_report = report is not None and p.status in (
        ProcedureStatus.PUBLICITY,
        ProcedureStatus.AWARDED,
        ProcedureStatus.CONTRACTED,
    )
    return render(
        request,
        "trading/procedure.html",
        {
            "p": p,
            "notices": selectors.notices_of(p),
            "mine": mine,
            "registered": [e for e in mine if e.pk in registrations],
            "unregistered": [e for e in mine if e.pk not in registrations],
            "draw": draw,
            "draw_verified": pool.draw_verify(draw) if draw is not None and draw.seed_revealed else None,
            "seats": list(draw.seats.select_related("expert", "venue").order_by("round", "rank")) if draw else [],
            "report": report if show_report else None,
            "is_operator": selectors.is_operator(request.user),
            "is_supervisor": selectors.is_supervisor(request.user),
            "complaints": Complaint.objects.filter(procedure=p, enterprise__in=mine)
            if mine
            else Complaint.objects.none(),
            "all_complaints": Complaint.objects.filter(procedure=p).select_related("enterprise")
            if selectors.is_supervisor(request.user)
            else [],
            "now": timezone.now(),
            "notice_kinds": [
                (NoticeKind.CLARIFICATION, NoticeKind.CLARIFICATION.label),
                (NoticeKind.AMENDMENT, NoticeKind.AMENDMENT.label),
            ],
        },
    )


@require_POST
@login_required
def register(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = Enterprise.objects.filter(pk=request.POST.get("enterprise") or 0).first()
    try:
        if enterprise is None:
            raise NotActingForBidder()
        services.registration_create(actor=_user(request), procedure_id=pk, enterprise=enterprise)
        messages.success(request, _("Registered. You may now seal and submit your bid."))
    except ApplicationError as exc:
        _fail(request, exc)
    return _back(pk)


@login_required
def bid(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealing page: the bid is encrypted in the browser, only ciphertext and commitment are posted."""
    p = _procedure(pk, request)
    user = _user(request)
    mine = [e for e in _my_enterprises(request) if selectors.registration_of(procedure=p, enterprise=e)]
    if request.method == "POST":
        enterprise = next((e for e in mine if str(e.pk) == request.POST.get("enterprise")), None)
        try:
            if enterprise is None:
                raise NotRegistered()
            backup = None
            if request.POST.get("backup_ciphertext"):
                backup = sealing.Sealed(
                    salt=request.POST.get("backup_salt", ""),
                    iv=request.POST.get("backup_iv", ""),
                    ciphertext=request.POST.get("backup_ciphertext", ""),
                )
            try:
                iterations = int(request.POST.get("iterations", "0"))
            except ValueError:
                iterations = 0
            sealed = services.SealedBid(
                cipher=request.POST.get("cipher", ""),
                kdf=request.POST.get("kdf", ""),
                iterations=iterations,
                commitment=request.POST.get("commitment", ""),
                primary=sealing.Sealed(
                    salt=request.POST.get("salt", ""),
                    iv=request.POST.get("iv", ""),
                    ciphertext=request.POST.get("ciphertext", ""),
                ),
                backup=backup,
            )
            submitted = services.bid_submit(
                actor=user,
                procedure_id=pk,
                enterprise=enterprise,
                sealed=sealed,
                replace=request.POST.get("replace") == "1",
            )
            messages.success(request, _("Your sealed bid was received. Keep your secret: you need it at the opening."))
            return redirect(f"/trading/procedures/{pk}/bid/?bid={submitted.pk}")
        except ApplicationError as exc:
            _fail(request, exc)
            return redirect(f"/trading/procedures/{pk}/bid/")
    bids = list(Bid.objects.filter(procedure=p, enterprise__in=mine).select_related("enterprise").order_by("-pk"))
    return render(
        request,
        "trading/bid.html",
        {
            "p": p,
            "mine": mine,
            "bids": bids,
            "live": [b for b in bids if b.status == BidStatus.SEALED],
            "cipher": CIPHER,
            "kdf": KDF,
            "iterations": max(MIN_KDF_ITERATIONS, 310_000),
            "backup_allowed": p.decryption_failure == DecryptionFailure.BACKUP,
            "open": p.status == ProcedureStatus.ANNOUNCED
            and p.bid_deadline is not None
            and timezone.now() < p.bid_deadline,
        },
    )


@require_POST
@login_required
def bid_withdraw(request: HttpRequest, pk: int, bid_id: int) -> HttpResponse:
    try:
        services.bid_withdraw(actor=_user(request), bid_id=bid_id)
        messages.success(request, _("Your bid was withdrawn."))
    except ApplicationError as exc:
        _fail(request, exc)
    return _back(pk, "bid/")


def hall(request: HttpRequest, pk: int) -> HttpResponse:
    """The online opening hall: each bidder decrypts their own bid here and releases its key."""
    p = _procedure(pk, request)
    mine = _my_enterprises(request)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next=/trading/procedures/{pk}/hall/")
        user = _user(request)
        try:
            if request.POST.get("action") == "objection":
                enterprise = next((e for e in mine if str(e.pk) == request.POST.get("enterprise")), None)
                if enterprise is None:
                    raise NotActingForBidder()
                services.objection_raise(
                    actor=user, procedure_id=pk, enterprise=enterprise, text=request.POST.get("text", "")
                )
                messages.success(request, _("Your objection was recorded."))
            else:
                opened = services.bid_open(
                    actor=user,
                    bid_id=int(request.POST.get("bid") or 0),
                    key=request.POST.get("key", ""),
                    copy="backup" if request.POST.get("copy") == "backup" else "primary",
                )
                messages.success(
                    request,
                    _("Your bid was decrypted and matches its commitment: %(price)s yuan.") % {"price": opened.price},
                )
        except ApplicationError as exc:
            _fail(request, exc)
        return _back(pk, "hall/")
    rows = list(selectors.bids_at_opening(p)) if p.status != ProcedureStatus.ANNOUNCED else []
    my_bids = [b for b in rows if b.enterprise in mine and b.status == BidStatus.SEALED]
    return render(
        request,
        "trading/hall.html",
        {
            "p": p,
            "rows": rows,
            "my_bids": my_bids,
            "mine": [e for e in mine if selectors.registration_of(procedure=p, enterprise=e)],
            "objections": OpeningObjection.objects.filter(procedure=p).select_related("enterprise"),
            "is_operator": selectors.is_operator(request.user),
            "can_open": p.status == ProcedureStatus.OPENING,
            "backup_allowed": p.decryption_failure == DecryptionFailure.BACKUP,
            "now": timezone.now(),
        },
    )


def _scores_from(request: HttpRequest) -> dict[str, dict[str, str]]:
    scores: dict[str, dict[str, str]] = {}
    for name in request.POST:
        value = request.POST.get(name, "").strip()
        if name.startswith("score-") and value:
            _prefix, bid_id, code = name.split("-", 2)
            scores.setdefault(bid_id, {})[code] = value
    return scores


@login_required
def evaluation_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluation workspace: the same page at the main venue and at every remote venue."""
    p = _procedure(pk, request)
    user = _user(request)
    seat = selectors.seat_of(procedure=p, user=user)
    operator = selectors.is_operator(user)
    if seat is None and not operator:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("save", "submit"):
                evaluation.sheet_save(
                    actor=user, procedure_id=pk, scores=_scores_from(request), submit=action == "submit"
                )
                messages.success(
                    request, _("Your scores were saved.") if action == "save" else _("Your scores were submitted.")
                )
            elif action == "explain":
                evaluation.outlier_explain(
                    actor=user,
                    procedure_id=pk,
                    bid=int(request.POST.get("bid") or 0),
                    criterion=request.POST.get("criterion", ""),
                    text=request.POST.get("text", ""),
                )
            elif action == "sign":
                report = selectors.current_report(p)
                if report is None:
                    raise ReportNotSigned()
                evaluation.report_sign(actor=user, report_id=report.pk, dissent=request.POST.get("dissent", ""))
                messages.success(request, _("You signed the evaluation report."))
            elif action == "reject":
                evaluation.bid_reject(
                    actor=user,
                    procedure_id=pk,
                    bid_id=int(request.POST.get("bid") or 0),
                    reason=request.POST.get("reason", ""),
                )
        except ApplicationError as exc:
            _fail(request, exc)
        return _back(pk, "evaluation/")
    sheet = None
    if seat is not None:
        sheet = p.sheets.filter(seat=seat).exclude(status=SheetStatus.VOID).first()
    bids = selectors.valid_bids(p)
    criteria = [c for c in p.criteria if c["kind"] != "price"]
    rows = [
        {
            "bid": b,
            "cells": [
                {
                    "code": c["code"],
                    "max": c["max"],
                    "value": (sheet.scores.get(str(b.pk), {}) if sheet else {}).get(c["code"], ""),
                }
                for c in criteria
            ],
        }
        for b in bids
    ]
    report = selectors.current_report(p)
    signed = set(report.signatures.values_list("seat_id", flat=True)) if report else set()
    return render(
        request,
        "trading/evaluation.html",
        {
            "p": p,
            "seat": seat,
            "sheet": sheet,
            "criteria": criteria,
            "price_criterion": next((c for c in p.criteria if c["kind"] == "price"), None),
            "rows": rows,
            "outliers": [o for o in evaluation.outliers(p) if operator or (seat is not None and o["seat"] == seat.pk)],
            "report": report,
            "signed": seat is not None and seat.pk in signed,
            "panel": selectors.panel(p),
            "sheets": selectors.sheets(p) if operator else [],
            "is_operator": operator,
            "editable": sheet is not None
            and sheet.status == SheetStatus.DRAFT
            and p.status == ProcedureStatus.EVALUATING,
        },
    )


@login_required
def expert_home(request: HttpRequest) -> HttpResponse:
    """An expert's drawings: seats on this node's panels and summonses from peer regions."""
    user = _user(request)
    experts = selectors.expert_of(user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action not in SeatAction.values:
                raise ValidationFailed(code="unknown_answer")
            if request.POST.get("summons"):
                pool.summons_answer(
                    actor=user,
                    summons_id=int(request.POST["summons"]),
                    action=SeatAction(action),
                    reason=request.POST.get("reason", ""),
                    conflict_uscc=request.POST.get("conflict_uscc", "").strip(),
                )
            else:
                pool.seat_answer(
                    actor=user,
                    seat_id=int(request.POST.get("seat") or 0),
                    action=SeatAction(action),
                    reason=request.POST.get("reason", ""),
                    conflict_uscc=request.POST.get("conflict_uscc", "").strip(),
                )
            messages.success(request, _("Your answer was recorded."))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect("/trading/expert/")
    return render(
        request,
        "trading/expert.html",
        {
            "experts": experts,
            "seats": Seat.objects.filter(expert__in=experts).select_related("draw__procedure", "venue").order_by("-pk"),
            "summonses": Summons.objects.filter(expert__in=experts).select_related("host_region").order_by("-pk"),
        },
    )


@require_POST
@login_required
def complaint(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        if request.POST.get("complaint"):
            action = request.POST.get("action", "")
            if action not in ComplaintAction.values:
                raise ValidationFailed(code="unknown_action")
            services.complaint_decide(
                actor=user,
                complaint_id=int(request.POST["complaint"]),
                action=ComplaintAction(action),
                decision=request.POST.get("decision", ""),
            )
        else:
            enterprise = next(
                (e for e in _my_enterprises(request) if str(e.pk) == request.POST.get("enterprise")), None
            )
            if enterprise is None:
                raise NotActingForBidder()
            services.complaint_submit(
                actor=user,
                procedure_id=pk,
                enterprise=enterprise,
                subject=request.POST.get("subject", ""),
                facts=request.POST.get("facts", ""),
            )
            messages.success(request, _("Your complaint was submitted to the supervisor."))
    except ApplicationError as exc:
        _fail(request, exc)
    return _back(pk)


def _deadline(value: str) -> dt.datetime | None:
    parsed = parse_datetime(value) if value else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@require_POST
@login_required
def operate(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The operator's controls of a procedure (each one service call)."""
    user = _user(request)
    post = request.POST
    page = ""
    try:
        if action == "publish":
            services.procedure_publish(actor=user, procedure_id=pk, body=post.get("body", ""))
        elif action == "amend":
            services.procedure_amend(
                actor=user,
                procedure_id=pk,
                kind=NoticeKind(post.get("kind", NoticeKind.CLARIFICATION)),
                title=post.get("title", ""),
                body=post.get("body", ""),
                bid_deadline=_deadline(post.get("bid_deadline", "")),
            )
        elif action == "open":
            services.opening_start(actor=user, procedure_id=pk)
            page = "hall/"
        elif action == "close":
            services.opening_close(actor=user, procedure_id=pk)
            page = "hall/"
        elif action == "answer":
            services.objection_answer(
                actor=user, objection_id=int(post.get("objection") or 0), answer=post.get("answer", "")
            )
            page = "hall/"
        elif action == "draw_commit":
            pool.draw_commit(actor=user, procedure_id=pk)
        elif action == "draw_reveal":
            draw = Draw.objects.filter(procedure_id=pk).first()
            if draw is None:
                raise ValidationFailed(code="draw_not_found")
            pool.draw_reveal(actor=user, draw_id=draw.pk)
        elif action == "evaluate":
            evaluation.evaluation_start(actor=user, procedure_id=pk)
            page = "evaluation/"
        elif action == "report":
            evaluation.report_draft(actor=user, procedure_id=pk)
            page = "evaluation/"
        elif action == "publicise":
            evaluation.candidates_publish(actor=user, procedure_id=pk)
        elif action == "award":
            services.procedure_award(actor=user, procedure_id=pk)
        elif action == "contract":
            try:
                value = Decimal(post.get("value", ""))
            except InvalidOperation as exc:
                raise ValidationFailed(code="invalid_contract") from exc
            signed_at = _deadline(post.get("signed_at", "")) or timezone.now()
            services.procedure_contract(
                actor=user, procedure_id=pk, contract_number=post.get("number", ""), value=value, signed_at=signed_at
            )
        elif action == "cancel":
            services.procedure_cancel(actor=user, procedure_id=pk, reason=post.get("reason", ""))
        else:
            raise Http404
        messages.success(request, _("Done."))
    except ApplicationError as exc:
        _fail(request, exc)
    return _back(pk, page)


@login_required
def procedure_new(request: HttpRequest) -> HttpResponse:
    """An operator creates a project and its first procedure (a draft, published from its page)."""
    user = _user(request)
    if not selectors.is_operator(user):
        raise Http404
    if request.method == "POST":
        post = request.POST
        try:
            employer = Enterprise.objects.filter(uscc=post.get("employer", "").strip()).first()
            if employer is None:
                raise ValidationFailed(_("No enterprise has this credit code."), code="unknown_enterprise")
            criteria = json.loads(post.get("criteria") or "[]")
            deadline = _deadline(post.get("bid_deadline", ""))
            if deadline is None:
                raise InvalidProcedure(details={"field": "bid_deadline"})
            project = services.project_create(
                actor=user,
                code=post.get("project_code", "").strip(),
                name=post.get("project_name", "").strip(),
                kind=post.get("kind", ""),
                region_code=post.get("region", "").strip(),
                employer=employer,
                description=post.get("description", ""),
            )
            created = services.procedure_create(
                actor=user,
                project=project,
                number=post.get("number", "").strip(),
                title=post.get("title", "").strip(),
                category=post.get("category", ""),
                criteria=criteria,
                bid_deadline=deadline,
                estimated_value=Decimal(post["estimated_value"]) if post.get("estimated_value") else None,
            )
            return _back(created.pk)
        except (ApplicationError, json.JSONDecodeError, InvalidOperation) as exc:
            if isinstance(exc, ApplicationError):
                _fail(request, exc)
            else:
                messages.error(request, _("The criteria or the value are not valid."))
    return render(
        request,
        "trading/new.html",
        {
            "kinds": ProcedureKind.choices,
            "categories": ProcurementCategory.choices,
            "criteria": json.dumps(
                [
                    {"code": "price", "name": "投标报价", "max": 40, "kind": "price"},
                    {"code": "technical", "name": "技术标", "max": 40, "kind": "technical"},
                    {"code": "commercial", "name": "商务标", "max": 20, "kind": "commercial"},
                ],
                ensure_ascii=False,
            ),
            "post": request.POST,
        },
    )


def document(request: HttpRequest, path: str) -> FileResponse:
    """A published notice's document."""
    if not path.startswith("trading/") or ".." in path or not default_storage.exists(path):
        raise Http404
    return attachment_file(
        default_storage.open(path, "rb"),
        filename=path.rsplit("/", 1)[-1],
        content_type=mimetypes.guess_type(path)[0] or "application/octet-stream",
    )
