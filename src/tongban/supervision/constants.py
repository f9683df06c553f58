"""Ratings (好差评), rectification of bad ratings, and credit records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import Transition, table


class RatingTag(models.TextChoices):
    FAST = "fast", _("Fast")
    FRIENDLY = "friendly", _("Friendly staff")
    CLEAR = "clear", _("Clear guidance")
    ONE_VISIT = "one_visit", _("Done in one visit at most")
    SLOW = "slow", _("Slow")
    UNCLEAR = "unclear", _("Unclear requirements")
    UNFRIENDLY = "unfriendly", _("Unfriendly staff")
    RUN_AROUND = "run_around", _("Had to come back several times")
    SYSTEM = "system", _("System problems")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Rectification reported")
    CLOSED = "closed", _("Closed")


class RectificationAction(models.TextChoices):
    START = "start", _("Start")
    REPORT = "report", _("Report the rectification")
    ACCEPT = "accept", _("Accept the rectification")
    RETURN = "return", _("Return for more work")


# THE transition table of rectification tasks: action → (the statuses it may start from, the new status).
# ``services.RECTIFICATIONS`` (the rectification workflow on ``core.workflow``) checks every move against it.
RECTIFICATION_TRANSITIONS: dict[str, Transition] = table(
    {
        RectificationAction.START: ({RectificationStatus.OPEN}, RectificationStatus.IN_PROGRESS),
        RectificationAction.REPORT: (
            {RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS},
            RectificationStatus.SUBMITTED,
        ),
        RectificationAction.ACCEPT: ({RectificationStatus.SUBMITTED}, RectificationStatus.CLOSED),
        RectificationAction.RETURN: ({RectificationStatus.SUBMITTED}, RectificationStatus.IN_PROGRESS),
    }
)


class CreditKind(models.TextChoices):
    FALSE_COMMITMENT = "false_commitment", _("False commitment")
    INSPECTION_FINDING = "inspection_finding", _("Finding of a random inspection")
    OTHER = "other", _("Other dishonesty")


class CreditSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")


# The severity a record of each kind gets: a commitment found false is serious (失信).
CREDIT_KIND_SEVERITY = {
    CreditKind.FALSE_COMMITMENT: CreditSeverity.SERIOUS,
    CreditKind.INSPECTION_FINDING: CreditSeverity.MINOR,
    CreditKind.OTHER: CreditSeverity.MINOR,
}

# How long a record counts against its subject, by severity (days), unless repaired earlier.
CREDIT_RECORD_DAYS = {CreditSeverity.MINOR: 365, CreditSeverity.SERIOUS: 3 * 365}


class CreditClass(models.TextChoices):
    TRUSTED = "trusted", _("Trustworthy (守信)")
    ORDINARY = "ordinary", _("Ordinary (一般)")
    UNTRUSTED = "untrusted", _("Untrustworthy (失信)")


class CreditListKind(models.TextChoices):
    RED = "red", _("Red list (守信激励)")
    BLACK = "black", _("Black list (失信惩戒)")


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved: the record no longer counts")
    REFUSED = "refused", _("Refused")


class RepairAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REFUSE = "refuse", _("Refuse")


REPAIR_TRANSITIONS = {
    RepairAction.APPROVE: ({RepairStatus.SUBMITTED}, RepairStatus.APPROVED),
    RepairAction.REFUSE: ({RepairStatus.SUBMITTED}, RepairStatus.REFUSED),
}

# The classification rules as data (CEL over the facts of ``supervision.credit.facts_of``), evaluated
# in order; the first that holds gives the class, none gives ``ordinary``. Administrators change them
# in the admin (``CreditRule``); these are the defaults loaded by the migration.
DEFAULT_CREDIT_RULES = (
    (CreditClass.UNTRUSTED, "black || serious > 0 || records >= 3"),
    (CreditClass.TRUSTED, "red && records == 0"),
)


# A rating at or below this many stars is a bad rating (差评) and needs rectification.
BAD_RATING_MAX_STARS = 2
# Working days a department has to rectify a bad rating.
RECTIFICATION_WORKING_DAYS = 15


# ------------------------------------------------------------------ 双随机一公开 (random inspections)


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMMITTED = "committed", _("Lists frozen, seed committed")
    DRAWN = "drawn", _("Drawn")
    CLOSED = "closed", _("Closed")


class PlanAction(models.TextChoices):
    COMMIT = "commit", _("Freeze the lists and commit the seed")
    DRAW = "draw", _("Draw")
    CLOSE = "close", _("Close")


class InspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    RECORDED = "recorded", _("Result recorded")


class InspectionAction(models.TextChoices):
    RECORD = "record", _("Record the result")


class InspectionResult(models.TextChoices):
    NO_PROBLEM = "no_problem", _("No problem found")
    PROBLEMS_FOUND = "problems_found", _("Problems found, rectification ordered")
    VIOLATION = "violation", _("Violation found, case filed")
    NOT_FOUND = "not_found", _("Not found at the registered address")
    CLOSED_BUSINESS = "closed_business", _("Business closed")


# Results that count against a target's credit.
ADVERSE_RESULTS = frozenset({InspectionResult.PROBLEMS_FOUND, InspectionResult.VIOLATION, InspectionResult.NOT_FOUND})


class AvoidReason(models.TextChoices):
    DECLARED = "declared", _("Declared conflict of interest")
    RELATIONSHIP = "relationship", _("Relationship with the enterprise")
    RECENT = "recent", _("Inspected the same target recently")


# The one transition table of inspection plans and of inspections (tongban.core.workflow).
PLAN_TRANSITIONS = {
    PlanAction.COMMIT: ({PlanStatus.DRAFT}, PlanStatus.COMMITTED),
    PlanAction.DRAW: ({PlanStatus.COMMITTED}, PlanStatus.DRAWN),
    PlanAction.CLOSE: ({PlanStatus.DRAWN}, PlanStatus.CLOSED),
}
INSPECTION_TRANSITIONS = {
    InspectionAction.RECORD: ({InspectionStatus.ASSIGNED}, InspectionStatus.RECORDED),
}
# Default period within which an inspector is not drawn again for the same target (months).
DEFAULT_AVOID_MONTHS = 12


# ------------------------------------------------------------------ 办不成事 (matters that could not be done)


class UnresolvedStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    ASSIGNED = "assigned", _("Assigned to a department")
    RESOLVED = "resolved", _("Resolved")
    EXPLAINED = "explained", _("Cannot be done: explained to the resident")


class UnresolvedAction(models.TextChoices):
    ASSIGN = "assign", _("Assign")
    RESOLVE = "resolve", _("Resolve")
    EXPLAIN = "explain", _("Explain why it cannot be done")


UNRESOLVED_TRANSITIONS = {
    UnresolvedAction.ASSIGN: ({UnresolvedStatus.RECORDED, UnresolvedStatus.ASSIGNED}, UnresolvedStatus.ASSIGNED),
    UnresolvedAction.RESOLVE: ({UnresolvedStatus.ASSIGNED}, UnresolvedStatus.RESOLVED),
    UnresolvedAction.EXPLAIN: ({UnresolvedStatus.ASSIGNED}, UnresolvedStatus.EXPLAINED),
}
# Working days a department has for a matter the 办不成事 window assigned to it, unless the supervisor sets another.
UNRESOLVED_WORKING_DAYS = 5
