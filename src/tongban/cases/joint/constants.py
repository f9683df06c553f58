"""Statuses of joint cases and steps, the joint transition table, the message types."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.cases.constants import CaseStatus
from tongban.core.workflow import Transition, table

MSG_OPEN = "cases.joint_open"
MSG_STEP = "cases.joint_step"


class JointStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class StepRole(models.TextChoices):
    OUTGOING = "outgoing", _("Transfer out (转出)")
    INCOMING = "incoming", _("Transfer in (转入)")


class StepStatus(models.TextChoices):
    """A step's state: its case's status, or where it stands before the other node has opened it."""

    REQUESTED = "requested", _("Requested from the other region")
    REFUSED = "refused", _("Refused by the other region's node")
    SUBMITTED = CaseStatus.SUBMITTED.value, CaseStatus.SUBMITTED.label
    CORRECTION_REQUESTED = CaseStatus.CORRECTION_REQUESTED.value, CaseStatus.CORRECTION_REQUESTED.label
    ACCEPTED = CaseStatus.ACCEPTED.value, CaseStatus.ACCEPTED.label
    REJECTED_AT_INTAKE = CaseStatus.REJECTED_AT_INTAKE.value, CaseStatus.REJECTED_AT_INTAKE.label
    UNDER_REVIEW = CaseStatus.UNDER_REVIEW.value, CaseStatus.UNDER_REVIEW.label
    SUSPENDED = CaseStatus.SUSPENDED.value, CaseStatus.SUSPENDED.label
    APPROVED = CaseStatus.APPROVED.value, CaseStatus.APPROVED.label
    DENIED = CaseStatus.DENIED.value, CaseStatus.DENIED.label
    RESULT_ISSUED = CaseStatus.RESULT_ISSUED.value, CaseStatus.RESULT_ISSUED.label
    DELIVERED = CaseStatus.DELIVERED.value, CaseStatus.DELIVERED.label
    CLOSED = CaseStatus.CLOSED.value, CaseStatus.CLOSED.label
    WITHDRAWN = CaseStatus.WITHDRAWN.value, CaseStatus.WITHDRAWN.label
    TERMINATED = CaseStatus.TERMINATED.value, CaseStatus.TERMINATED.label
    REVOKED = CaseStatus.REVOKED.value, CaseStatus.REVOKED.label


# A step is complete once its department approved it; it failed once it can no longer be approved.
STEP_DONE: frozenset[str] = frozenset(
    {StepStatus.APPROVED, StepStatus.RESULT_ISSUED, StepStatus.DELIVERED, StepStatus.CLOSED}
)
STEP_FAILED: frozenset[str] = frozenset(
    {
        StepStatus.REFUSED,
        StepStatus.REJECTED_AT_INTAKE,
        StepStatus.DENIED,
        StepStatus.WITHDRAWN,
        StepStatus.TERMINATED,
        StepStatus.REVOKED,
    }
)

# The joint case's own transitions: one table (on the kernel: ``services.JOINTS``).
JOINT_TRANSITIONS: dict[str, Transition] = table(
    {
        "complete": ({JointStatus.OPEN}, JointStatus.COMPLETED),
        "fail": ({JointStatus.OPEN}, JointStatus.FAILED),
    }
)


class CertificateField(models.TextChoices):
    """Fields of the transfer certificate (参保缴费凭证 / 转移信息表) the outgoing step hands to the incoming one."""

    NUMBER = "certificate_number", _("Certificate number")
    CONTRIBUTION_MONTHS = "contribution_months", _("Months of contributions")
    ACCOUNT_BALANCE = "account_balance", _("Personal account balance (yuan)")
    FUND_TRANSFERRED = "fund_transferred", _("Amount transferred (yuan)")
    NOTE = "note", _("Note")


# Which fields each joint item's certificate carries (by national base item code); others: number and note.
CERTIFICATE_SPECS: dict[str, tuple[CertificateField, ...]] = {
    # 养老保险关系转移接续: 参保缴费凭证 and the fund transferred.
    "000114003000": (
        CertificateField.NUMBER,
        CertificateField.CONTRIBUTION_MONTHS,
        CertificateField.ACCOUNT_BALANCE,
        CertificateField.FUND_TRANSFERRED,
        CertificateField.NOTE,
    ),
    # 住房公积金转移接续: 转移信息 with the balance transferred.
    "000131002000": (
        CertificateField.NUMBER,
        CertificateField.CONTRIBUTION_MONTHS,
        CertificateField.FUND_TRANSFERRED,
        CertificateField.NOTE,
    ),
}
DEFAULT_CERTIFICATE_SPEC: tuple[CertificateField, ...] = (CertificateField.NUMBER, CertificateField.NOTE)
# Required in every certificate; the others may be empty.
CERTIFICATE_REQUIRED: frozenset[str] = frozenset(
    {CertificateField.NUMBER, CertificateField.CONTRIBUTION_MONTHS, CertificateField.FUND_TRANSFERRED}
)
