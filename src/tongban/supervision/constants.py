"""Ratings (好差评), rectification of bad ratings, and credit records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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


# The one transition table of rectification tasks: action → (allowed sources, target).
RECTIFICATION_TRANSITIONS: dict[RectificationAction, tuple[frozenset[str], RectificationStatus]] = {
    RectificationAction.START: (frozenset({RectificationStatus.OPEN}), RectificationStatus.IN_PROGRESS),
    RectificationAction.REPORT: (
        frozenset({RectificationStatus.OPEN, RectificationStatus.IN_PROGRESS}),
        RectificationStatus.SUBMITTED,
    ),
    RectificationAction.ACCEPT: (frozenset({RectificationStatus.SUBMITTED}), RectificationStatus.CLOSED),
    RectificationAction.RETURN: (frozenset({RectificationStatus.SUBMITTED}), RectificationStatus.IN_PROGRESS),
}


class CreditKind(models.TextChoices):
    FALSE_COMMITMENT = "false_commitment", _("False commitment")
    OTHER = "other", _("Other dishonesty")


# A rating at or below this many stars is a bad rating (差评) and needs rectification.
BAD_RATING_MAX_STARS = 2
# Working days a department has to rectify a bad rating.
RECTIFICATION_WORKING_DAYS = 15
