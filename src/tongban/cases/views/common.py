"""What every case page shares: who may see a case, the navigation, errors, the item of a page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import User
from tongban.cases import selectors
from tongban.cases.constants import (
    CaseAction,
    CaseStatus,
)
from tongban.cases.models import Case
from tongban.cases.uploads import UploadEmpty, UploadTooLarge, UploadTypeNotAllowed
from tongban.catalog.constants import ItemStatus, OnlineDepth
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError

UPLOAD_ERRORS = (UploadTypeNotAllowed, UploadTooLarge, UploadEmpty)
DEPARTMENT_ROLES = {StaffRoleKind.REVIEWER.value, StaffRoleKind.DEPARTMENT_HEAD.value}

ROLE_LABELS: dict[str, Any] = {
    "applicant": _("Applicant"),
    StaffRoleKind.WINDOW_CLERK.value: _("Window clerk"),
    StaffRoleKind.REVIEWER.value: _("Reviewer"),
    StaffRoleKind.DEPARTMENT_HEAD.value: _("Department head"),
    StaffRoleKind.SUPERVISOR.value: _("Supervisor"),
    "system": _("System"),
    "peer_node": _("Node of another region"),
}

EVENT_LABELS: dict[str, Any] = {
    "case.created": _("Application started"),
    "case.submit": _("Application submitted"),
    "case.accept": _("Accepted"),
    "case.accept_with_gaps": _("Accepted with materials to follow"),
    "case.reject_at_intake": _("Not accepted"),
    "case.request_correction": _("Correction requested"),
    "case.resubmit": _("Resubmitted after correction"),
    "case.start_review": _("Review started"),
    "case.approve": _("Approved"),
    "case.deny": _("Denied"),
    "case.sign_commitment": _("Commitment signed, approved at once"),
    "case.issue_result": _("Result issued"),
    "case.deliver": _("Result delivered"),
    "case.close": _("Case closed"),
    "case.withdraw": _("Withdrawn by the applicant"),
    "case.suspend": _("Suspended (special procedure)"),
    "case.resume": _("Resumed"),
    "case.terminate": _("Terminated"),
    "case.revoke": _("Approval revoked"),
    "case.window_received": _("Received at the service window"),
    "case.material_supplied": _("Material supplied"),
    "case.gap_reminder": _("Reminder to supply materials"),
    "case.rated": _("Service rated"),
    "case.forward_received": _("Received in another region and forwarded here"),
}

# Button labels of the actions (with a context: the same English words mean other things in other apps).
ACTION_LABELS: dict[str, Any] = {
    CaseAction.ACCEPT.value: pgettext_lazy("case action", "Accept"),
    CaseAction.ACCEPT_WITH_GAPS.value: pgettext_lazy("case action", "Accept with materials to follow"),
    CaseAction.REJECT_AT_INTAKE.value: pgettext_lazy("case action", "Refuse to accept"),
    CaseAction.REQUEST_CORRECTION.value: pgettext_lazy("case action", "Request correction"),
    CaseAction.START_REVIEW.value: pgettext_lazy("case action", "Start review"),
    CaseAction.APPROVE.value: pgettext_lazy("case action", "Approve"),
    CaseAction.DENY.value: pgettext_lazy("case action", "Deny"),
    CaseAction.ISSUE_RESULT.value: pgettext_lazy("case action", "Issue the result"),
    CaseAction.DELIVER.value: pgettext_lazy("case action", "Deliver"),
    CaseAction.CLOSE.value: pgettext_lazy("case action", "Close the case"),
    CaseAction.SUSPEND.value: pgettext_lazy("case action", "Suspend"),
    CaseAction.RESUME.value: pgettext_lazy("case action", "Resume"),
    CaseAction.TERMINATE.value: pgettext_lazy("case action", "Terminate"),
    CaseAction.WITHDRAW.value: pgettext_lazy("case action", "Withdraw"),
}


def action_label(action: CaseAction) -> str:
    return str(ACTION_LABELS.get(action.value, action.label))


# The main road of a case, for the progress bar.
PROGRESS_STEPS: list[tuple[str, Any, frozenset[str]]] = [
    ("submitted", _("Submitted"), frozenset({CaseStatus.SUBMITTED, CaseStatus.CORRECTION_REQUESTED})),
    ("accepted", _("Accepted"), frozenset({CaseStatus.ACCEPTED})),
    ("review", _("Under review"), frozenset({CaseStatus.UNDER_REVIEW, CaseStatus.SUSPENDED})),
    ("decided", _("Decided"), frozenset({CaseStatus.APPROVED, CaseStatus.DENIED})),
    ("issued", _("Result issued"), frozenset({CaseStatus.RESULT_ISSUED})),
    ("delivered", _("Delivered"), frozenset({CaseStatus.DELIVERED})),
    ("closed", _("Closed"), frozenset({CaseStatus.CLOSED})),
]


# ------------------------------------------------------------------ who may see a case


@dataclass(frozen=True)
class Viewer:
    user: User
    role: str  # "applicant", or the staff role through which the case is seen
    can_write: bool = True

    @property
    def is_applicant(self) -> bool:
        return self.role == "applicant"

    @property
    def is_department(self) -> bool:
        return self.role in DEPARTMENT_ROLES and self.can_write

    @property
    def is_clerk(self) -> bool:
        return self.role == StaffRoleKind.WINDOW_CLERK and self.can_write


def viewable_case(request: HttpRequest, pk: int, *, reason: str = "") -> tuple[Case, Viewer]:
    """The case if the user may see it (404 otherwise, the same as a missing case); staff reads are audited."""
    user = request_user(request)
    try:
        case, access = selectors.case_get_for_user(user=user, case_id=pk, reason=reason or gettext("Handling the case"))
    except ApplicationError as exc:
        raise Http404(error_text(exc)) from exc
    return case, Viewer(user=user, role=access.role, can_write=access.can_write)


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def staff_department_ids(user: User, roles: Iterable[str]) -> list[int]:
    return list(user.staff_roles.filter(role__in=list(roles)).values_list("department_id", flat=True).distinct())


def is_clerk(user: User) -> bool:
    return user.is_authenticated and user.staff_roles.filter(role=StaffRoleKind.WINDOW_CLERK).exists()


def nav(request: HttpRequest, current: str) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"current": current}
    assert isinstance(user, User)
    roles = set(user.staff_roles.values_list("role", flat=True))
    notifications_url = ""
    unread = 0
    try:
        notifications_url = reverse("accounts:notifications")
        from tongban.accounts.notifications import notification_unread_count

        unread = notification_unread_count(user=user)
    except NoReverseMatch:
        notifications_url = ""
    return {
        "current": current,
        "resident": user.kind != UserKind.STAFF,
        "reviewer": bool(roles & DEPARTMENT_ROLES),
        "clerk": StaffRoleKind.WINDOW_CLERK.value in roles,
        "notifications_url": notifications_url,
        "unread": unread,
    }


def error_text(exc: ApplicationError) -> str:
    return str(exc.message)


def guide_url(item: ServiceItem) -> str:
    try:
        return reverse("web:item_guide", args=[item.code])
    except NoReverseMatch:
        return ""


def published_item(code: str, *, online: bool = True) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("department", "region")
        .filter(code=code, status=ItemStatus.PUBLISHED)
        .first()
    )
    if item is None or (online and item.online_depth < OnlineDepth.APPLICATION):
        raise Http404(gettext("This item is not open for applications."))
    return item
