"""Labels of case statuses and delivery methods for the case pages.

They carry a translation context so that other apps' translations of the same English
words (an item is "withdrawn" in the catalog, a case by its applicant) do not leak in.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import pgettext_lazy

from tongban.cases.constants import CaseStatus
from tongban.cases.forms import delivery_label as _delivery_label

register = template.Library()

STATUS_LABELS: dict[str, Any] = {
    CaseStatus.DRAFT.value: pgettext_lazy("case status", "Draft"),
    CaseStatus.SUBMITTED.value: pgettext_lazy("case status", "Submitted"),
    CaseStatus.CORRECTION_REQUESTED.value: pgettext_lazy("case status", "Correction requested"),
    CaseStatus.ACCEPTED.value: pgettext_lazy("case status", "Accepted"),
    CaseStatus.REJECTED_AT_INTAKE.value: pgettext_lazy("case status", "Not accepted"),
    CaseStatus.UNDER_REVIEW.value: pgettext_lazy("case status", "Under review"),
    CaseStatus.SUSPENDED.value: pgettext_lazy("case status", "Suspended (special procedure)"),
    CaseStatus.APPROVED.value: pgettext_lazy("case status", "Approved"),
    CaseStatus.DENIED.value: pgettext_lazy("case status", "Denied"),
    CaseStatus.RESULT_ISSUED.value: pgettext_lazy("case status", "Result issued"),
    CaseStatus.DELIVERED.value: pgettext_lazy("case status", "Delivered"),
    CaseStatus.CLOSED.value: pgettext_lazy("case status", "Closed"),
    CaseStatus.WITHDRAWN.value: pgettext_lazy("case status", "Withdrawn"),
    CaseStatus.TERMINATED.value: pgettext_lazy("case status", "Terminated"),
    CaseStatus.REVOKED.value: pgettext_lazy("case status", "Approval revoked"),
}


@register.filter
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


@register.filter
def delivery_label(method: str) -> str:
    return _delivery_label(method)
