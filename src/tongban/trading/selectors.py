"""Reads of public-resource trading."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tongban.accounts import selectors as accounts
from tongban.accounts.models import Enterprise, User
from tongban.trading.constants import (
    PUBLISHED_STATES,
    BidStatus,
    ProcedureStatus,
    ReportStatus,
    SeatStatus,
    SheetStatus,
    TradingRoleKind,
)
from tongban.trading.errors import ProcedureNotFound
from tongban.trading.models import (
    Bid,
    EvaluationReport,
    Expert,
    Notice,
    Procedure,
    Registration,
    ScoreSheet,
    Seat,
    TradingRole,
)


def has_role(user: Any, role: TradingRoleKind) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return TradingRole.objects.filter(user=user, role=role).exists()


def is_operator(user: Any) -> bool:
    return has_role(user, TradingRoleKind.OPERATOR)


def is_supervisor(user: Any) -> bool:
    return has_role(user, TradingRoleKind.SUPERVISOR)


def procedure_get(*, procedure_id: int, published_only: bool = True) -> Procedure:
    qs = Procedure.objects.select_related("project", "project__employer", "project__agent", "main_venue")
    if published_only:
        qs = qs.filter(status__in=PUBLISHED_STATES)
    found = qs.filter(pk=procedure_id).first()
    if found is None:
        raise ProcedureNotFound()
    return found


def procedure_list(*, status: str | None = None, kind: str | None = None) -> QuerySet[Procedure]:
    qs = Procedure.objects.filter(status__in=PUBLISHED_STATES).select_related("project", "project__employer")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-pk")


def notices_of(procedure: Procedure) -> QuerySet[Notice]:
    return procedure.notices.order_by("version")


def registration_of(*, procedure: Procedure, enterprise: Enterprise) -> Registration | None:
    return Registration.objects.filter(procedure=procedure, enterprise=enterprise, status="registered").first()


def live_bid_of(*, procedure: Procedure, enterprise: Enterprise) -> Bid | None:
    return (
        Bid.objects.filter(
            procedure=procedure,
            enterprise=enterprise,
            status__in=[BidStatus.SEALED, BidStatus.OPENED, BidStatus.INVALID, BidStatus.REJECTED],
        )
        .order_by("-pk")
        .first()
    )


def bids_at_opening(procedure: Procedure) -> QuerySet[Bid]:
    """The bids that count at the opening (not withdrawn, not replaced), in submission order."""
    return (
        Bid.objects.filter(
            procedure=procedure, status__in=[BidStatus.SEALED, BidStatus.OPENED, BidStatus.INVALID, BidStatus.REJECTED]
        )
        .select_related("enterprise")
        .order_by("submitted_at", "pk")
    )


def valid_bids(procedure: Procedure) -> list[Bid]:
    return list(
        Bid.objects.filter(procedure=procedure, status=BidStatus.OPENED)
        .select_related("enterprise")
        .order_by("submitted_at", "pk")
    )


def enterprises_for(user: User) -> list[Enterprise]:
    return list(accounts.enterprises_for_user(user=user))


def expert_of(user: Any) -> list[Expert]:
    """The experts this user is: linked to the account, or with the account's ID number."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    qs = Expert.objects.filter(user=user)
    if getattr(user, "id_number", ""):
        qs = qs | Expert.objects.filter(id_number=user.id_number)
    return list(qs.distinct())


def seat_of(*, procedure: Procedure, user: Any) -> Seat | None:
    """The panel seat this user holds on the procedure (any status), if any."""
    experts = expert_of(user)
    if not experts:
        return None
    return (
        Seat.objects.filter(draw__procedure=procedure, expert__in=experts)
        .select_related("expert", "venue")
        .order_by("-pk")
        .first()
    )


def panel(procedure: Procedure) -> list[Seat]:
    return list(
        Seat.objects.filter(draw__procedure=procedure, status=SeatStatus.CONFIRMED)
        .select_related("expert", "venue")
        .order_by("round", "rank")
    )


def sheets(procedure: Procedure) -> list[ScoreSheet]:
    return list(
        ScoreSheet.objects.filter(procedure=procedure)
        .exclude(status=SheetStatus.VOID)
        .select_related("seat", "seat__expert", "seat__venue")
        .order_by("seat__round", "seat__rank")
    )


def current_report(procedure: Procedure) -> EvaluationReport | None:
    return (
        EvaluationReport.objects.filter(procedure=procedure)
        .exclude(status=ReportStatus.SUPERSEDED)
        .order_by("-version")
        .first()
    )


def is_published(procedure: Procedure) -> bool:
    return procedure.status != ProcedureStatus.DRAFT
