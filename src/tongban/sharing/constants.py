"""Kinds, statuses and the transition tables of data sharing (数据共享交换)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.core.workflow import table


class SubjectKind(models.TextChoices):
    PERSON = "person", _("Natural person")
    ENTERPRISE = "enterprise", _("Legal person")


class SharingClass(models.TextChoices):
    """The sharing class of one field (政务数据共享分类)."""

    UNCONDITIONAL = "unconditional", _("Shared without conditions")
    CONDITIONAL = "conditional", _("Shared on conditions")
    NOT_SHARED = "not_shared", _("Not shared")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes / no")
    ID_NUMBER = "id_number", _("Resident ID number")
    USCC = "uscc", _("Unified social credit code")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class ConnectorKind(models.TextChoices):
    LOCAL = "local", _("Exchange front-end tables (local)")
    HTTP = "http", _("Provider system over HTTP (JSON)")
    PEER = "peer", _("Peer region's node (federation)")


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("resource status", "Draft")
    PUBLISHED = "published", pgettext_lazy("resource status", "Published")
    SUPERSEDED = "superseded", pgettext_lazy("resource status", "Superseded")
    WITHDRAWN = "withdrawn", pgettext_lazy("resource status", "Withdrawn")


class ResourceAction(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    SUPERSEDE = "supersede", _("Supersede")
    WITHDRAW = "withdraw", _("Withdraw")


RESOURCE_TRANSITIONS = table(
    {
        ResourceAction.PUBLISH: ({ResourceStatus.DRAFT}, ResourceStatus.PUBLISHED),
        ResourceAction.SUPERSEDE: ({ResourceStatus.PUBLISHED}, ResourceStatus.SUPERSEDED),
        ResourceAction.WITHDRAW: ({ResourceStatus.PUBLISHED}, ResourceStatus.WITHDRAWN),
    }
)


class Purpose(models.TextChoices):
    """Why data is read (用途). An approval names the purposes it allows; a read names one."""

    LICENSING = "licensing", _("Handling an application (administrative licensing or confirmation)")
    PUBLIC_SERVICE = "public_service", _("Providing a public service")
    BENEFIT = "benefit", _("Checking eligibility for a benefit")
    COMMITMENT_CHECK = "commitment_check", _("Verifying a signed commitment (告知承诺核查)")
    SUPERVISION = "supervision", _("Supervision and inspection")
    HOTLINE = "hotline", _("Handling a 12345 request")


class ContextKind(models.TextChoices):
    """What a read is for: every read names one, and the context must cover the subject."""

    CASE = "case", _("Case (办件)")
    TICKET = "ticket", _("12345 ticket")
    VERIFICATION = "verification", _("Verification task")
    BENEFIT = "benefit", _("Benefit check")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("data request", "Requested")
    APPROVED = "approved", pgettext_lazy("data request", "Approved")
    CONDITIONAL = "conditional", pgettext_lazy("data request", "Approved with conditions")
    REFUSED = "refused", pgettext_lazy("data request", "Refused")
    DISPUTED = "disputed", pgettext_lazy("data request", "Disputed (with the data administrator)")
    GRANTED = "granted", pgettext_lazy("data request", "Granted by the data administrator")
    DENIED = "denied", pgettext_lazy("data request", "Refused by the data administrator")
    EXPIRED = "expired", pgettext_lazy("data request", "Expired")
    REVOKED = "revoked", pgettext_lazy("data request", "Revoked")
    WITHDRAWN = "withdrawn", pgettext_lazy("data request", "Withdrawn")


class RequestAction(models.TextChoices):
    APPROVE = "approve", _("Approve")
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", _("Approve with conditions")
    REFUSE = "refuse", _("Refuse")
    DISPUTE = "dispute", _("Dispute")
    GRANT = "grant", _("Grant (data administrator)")
    DENY = "deny", _("Refuse (data administrator)")
    EXPIRE = "expire", _("Expire")
    REVOKE = "revoke", _("Revoke")
    WITHDRAW = "withdraw", _("Withdraw")


# An approval is live (reads may go through it) in these statuses, within its period.
LIVE_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.CONDITIONAL, RequestStatus.GRANTED})

# The supply-and-demand workflow (供需对接): one row per action, sources → target.
REQUEST_TRANSITIONS = table(
    {
        RequestAction.APPROVE: ({RequestStatus.REQUESTED}, RequestStatus.APPROVED),
        RequestAction.APPROVE_WITH_CONDITIONS: ({RequestStatus.REQUESTED}, RequestStatus.CONDITIONAL),
        RequestAction.REFUSE: ({RequestStatus.REQUESTED}, RequestStatus.REFUSED),
        RequestAction.DISPUTE: ({RequestStatus.REFUSED, RequestStatus.CONDITIONAL}, RequestStatus.DISPUTED),
        RequestAction.GRANT: ({RequestStatus.DISPUTED}, RequestStatus.GRANTED),
        RequestAction.DENY: ({RequestStatus.DISPUTED}, RequestStatus.DENIED),
        RequestAction.EXPIRE: (LIVE_STATUSES, RequestStatus.EXPIRED),
        RequestAction.REVOKE: (LIVE_STATUSES, RequestStatus.REVOKED),
        RequestAction.WITHDRAW: ({RequestStatus.REQUESTED, RequestStatus.DISPUTED}, RequestStatus.WITHDRAWN),
    }
)


class AccessResult(models.TextChoices):
    """The outcome of one read through the exchange, as the access log keeps it."""

    OK = "ok", _("Data returned")
    NO_RECORD = "no_record", _("The provider holds no record")
    REFUSED = "refused", _("Refused")
    UNAVAILABLE = "unavailable", _("The provider could not be reached")


class ProofMode(models.TextChoices):
    """How a region handles a proof it used to ask for (证明事项清单)."""

    CANCELLED = "cancelled", _("Cancelled (取消)")
    COMMITMENT = "commitment", _("Replaced by a signed commitment (告知承诺)")
    DATA_CHECK = "data_check", _("Checked through shared data (数据核验)")
    DEPARTMENT_CHECK = "department_check", _("Checked by the department (部门核验)")
    KEPT = "kept", _("Still required (保留)")


class VerificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("verification", "Open")
    CONFIRMED = "confirmed", pgettext_lazy("verification", "Confirmed")
    CONTRADICTED = "contradicted", pgettext_lazy("verification", "Contradicted")


class VerificationAction(models.TextChoices):
    CONFIRM = "confirm", _("Confirm")
    CONTRADICT = "contradict", _("Contradict")


VERIFICATION_TRANSITIONS = table(
    {
        VerificationAction.CONFIRM: ({VerificationStatus.OPEN}, VerificationStatus.CONFIRMED),
        VerificationAction.CONTRADICT: ({VerificationStatus.OPEN}, VerificationStatus.CONTRADICTED),
    }
)


class ObjectionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("objection", "Open")
    TICKET_OPENED = "ticket_opened", pgettext_lazy("objection", "12345 ticket opened")


class AnomalyKind(models.TextChoices):
    NO_MATCHING_CONTEXT = "no_matching_context", _("Read without a matching case")
    VOLUME_SPIKE = "volume_spike", _("Unusual volume of reads by one user")
    MANY_DEPARTMENTS = "many_departments", _("One subject read by many departments")


# The access log is kept in this many hash chains (lanes); a subject's reads are always in one lane.
ACCESS_LOG_LANES = 8

# Exchange protocol of the HTTP connector: ``GET {base_url}/records/{resource}/{subject}``.
HTTP_DEFAULT_TIMEOUT = 2.0
HTTP_DEFAULT_RETRIES = 2

# Limits on what a request may ask for.
MAX_FIELDS = 60
MAX_ITEMS = 40
MAX_PERIOD_DAYS = 366 * 3

# Anomaly thresholds (overridable in settings as TONGBAN_SHARING_*).
SPIKE_READS_PER_HOUR = 200
MANY_DEPARTMENTS = 4

# The type of the JWS a node signs over data it fetched (the receipt shown to reviewers).
RECEIPT_TYP = "tongban-data-receipt+jws"
