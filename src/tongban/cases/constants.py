"""Case statuses and THE transition table of the case workflow.

Every service that changes a case's status looks its action up in ``TRANSITIONS``:
the set of states it may start from and the state it leads to. Nothing else decides
whether a transition is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED_AT_INTAKE = "rejected_at_intake", _("Not accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    SUSPENDED = "suspended", _("Suspended (special procedure)")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    RESULT_ISSUED = "result_issued", _("Result issued")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")
    REVOKED = "revoked", _("Approval revoked")


class CaseAction(models.TextChoices):
    SUBMIT = "submit", _("Submit")
    ACCEPT = "accept", _("Accept")
    ACCEPT_WITH_GAPS = "accept_with_gaps", _("Accept with materials to follow")
    REJECT_AT_INTAKE = "reject_at_intake", _("Refuse to accept")
    REQUEST_CORRECTION = "request_correction", _("Request correction")
    RESUBMIT = "resubmit", _("Resubmit after correction")
    START_REVIEW = "start_review", _("Start review")
    APPROVE = "approve", _("Approve")
    DENY = "deny", _("Deny")
    SIGN_COMMITMENT = "sign_commitment", _("Sign the commitment")
    ISSUE_RESULT = "issue_result", _("Issue the result")
    DELIVER = "deliver", _("Deliver")
    CLOSE = "close", _("Close")
    WITHDRAW = "withdraw", _("Withdraw")
    SUSPEND = "suspend", _("Suspend")
    RESUME = "resume", _("Resume")
    TERMINATE = "terminate", _("Terminate")
    REVOKE = "revoke", _("Revoke the approval")


@dataclass(frozen=True)
class Transition:
    sources: frozenset[CaseStatus]
    target: CaseStatus | None  # None: back to the state the case was suspended from


S = CaseStatus
_OPEN_BEFORE_DECISION = frozenset({S.SUBMITTED, S.CORRECTION_REQUESTED, S.ACCEPTED, S.UNDER_REVIEW, S.SUSPENDED})

TRANSITIONS: dict[CaseAction, Transition] = {
    CaseAction.SUBMIT: Transition(frozenset({S.DRAFT}), S.SUBMITTED),
    CaseAction.ACCEPT: Transition(frozenset({S.SUBMITTED}), S.ACCEPTED),
    CaseAction.ACCEPT_WITH_GAPS: Transition(frozenset({S.SUBMITTED}), S.ACCEPTED),
    CaseAction.REJECT_AT_INTAKE: Transition(frozenset({S.SUBMITTED}), S.REJECTED_AT_INTAKE),
    CaseAction.REQUEST_CORRECTION: Transition(frozenset({S.SUBMITTED}), S.CORRECTION_REQUESTED),
    CaseAction.RESUBMIT: Transition(frozenset({S.CORRECTION_REQUESTED}), S.SUBMITTED),
    CaseAction.START_REVIEW: Transition(frozenset({S.ACCEPTED}), S.UNDER_REVIEW),
    CaseAction.APPROVE: Transition(frozenset({S.UNDER_REVIEW}), S.APPROVED),
    CaseAction.DENY: Transition(frozenset({S.UNDER_REVIEW}), S.DENIED),
    CaseAction.SIGN_COMMITMENT: Transition(frozenset({S.DRAFT, S.SUBMITTED}), S.APPROVED),
    CaseAction.ISSUE_RESULT: Transition(frozenset({S.APPROVED, S.DENIED}), S.RESULT_ISSUED),
    CaseAction.DELIVER: Transition(frozenset({S.RESULT_ISSUED}), S.DELIVERED),
    CaseAction.CLOSE: Transition(frozenset({S.DELIVERED}), S.CLOSED),
    CaseAction.WITHDRAW: Transition(_OPEN_BEFORE_DECISION, S.WITHDRAWN),
    CaseAction.SUSPEND: Transition(frozenset({S.ACCEPTED, S.UNDER_REVIEW}), S.SUSPENDED),
    CaseAction.RESUME: Transition(frozenset({S.SUSPENDED}), None),
    CaseAction.TERMINATE: Transition(_OPEN_BEFORE_DECISION, S.TERMINATED),
    CaseAction.REVOKE: Transition(frozenset({S.APPROVED, S.RESULT_ISSUED, S.DELIVERED, S.CLOSED}), S.REVOKED),
}

# States in which the legal clock runs (accepted and not yet decided, not suspended).
CLOCK_RUNNING: frozenset[CaseStatus] = frozenset({S.ACCEPTED, S.UNDER_REVIEW})
# States from which nothing more happens (except revocation of an approval).
FINAL: frozenset[CaseStatus] = frozenset({S.CLOSED, S.WITHDRAWN, S.TERMINATED, S.REJECTED_AT_INTAKE, S.REVOKED})


def allowed_actions(status: str) -> list[CaseAction]:
    return [action for action, t in TRANSITIONS.items() if status in t.sources]


class CaseChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    WINDOW = "window", _("Service window")
    PROXY = "proxy", _("Received on behalf")


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    WINDOW = "window", _("Pick up at a window")
    POST = "post", _("By post")


class MaterialStatus(models.TextChoices):
    MISSING = "missing", _("Not provided")
    UPLOADED = "uploaded", _("Uploaded")
    LICENCE = "licence", _("Replaced by a licence")
    SHARED = "shared", _("Obtained through data sharing")
    GAP = "gap", _("To be supplied later")


class IdentityCheck(models.TextChoices):
    ID_CARD_READER = "id_card_reader", _("ID card reader")
    FACE = "face", _("Face recognition")
    MANUAL = "manual", _("Manual check of the ID card")
    ONLINE_LOGIN = "online_login", _("Online login")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Commitment confirmed")
    FOUND_FALSE = "found_false", _("Commitment found false")


class DeadlineLevel(models.TextChoices):
    NONE = "none", _("No deadline")
    GREEN = "green", _("On time")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")


# Days before a gap-supplement deadline on which the applicant is reminded.
GAP_REMINDER_WORKING_DAYS = 2
# Default number of working days to supply materials accepted with gaps.
DEFAULT_GAP_DAYS = 5
# Working days a department has to verify a commitment.
DEFAULT_VERIFICATION_DAYS = 20
