from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import Transition, table


class ItemKind(models.TextChoices):
    LICENSING = "licensing", _("Administrative licensing")
    CONFIRMATION = "confirmation", _("Administrative confirmation")
    PAYMENT = "payment", _("Administrative payment")
    ADJUDICATION = "adjudication", _("Administrative adjudication")
    LEVY = "levy", _("Administrative levy")
    REWARD = "reward", _("Administrative reward")
    FILING = "filing", _("Administrative filing")
    OTHER_POWER = "other_power", _("Other administrative power")
    PUBLIC_SERVICE = "public_service", _("Public service")


class ServiceObject(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("Natural persons")
    LEGAL_PERSON = "legal_person", _("Legal persons")
    BOTH = "both", _("Natural and legal persons")


class CrossRegionMode(models.TextChoices):
    NONE = "none", _("Not cross-region")
    ONLINE = "online", _("Fully online (全程网办)")
    PROXY_RECEIPT = "proxy_receipt", _("Received on behalf (异地代收代办)")
    JOINT = "joint", _("Joint handling across regions (多地联办)")


class ReformMode(models.TextChoices):
    NONE = "none", _("No reform")
    CANCEL = "cancel", _("Approval cancelled")
    FILING = "filing", _("Approval changed to filing")
    COMMITMENT = "commitment", _("Notification and commitment")
    OPTIMISE = "optimise", _("Approval service optimised")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ItemAction(models.TextChoices):
    UPDATE = "update", _("Update the draft")
    PUBLISH = "publish", _("Publish")
    SUPERSEDE = "supersede", _("Supersede")
    WITHDRAW = "withdraw", _("Withdraw")


# THE transition table of item versions: action → (the statuses it may start from, the new status).
# ``services.ITEMS`` (the item workflow on ``core.workflow``) checks every change of a version against it.
ITEM_TRANSITIONS: dict[str, Transition] = table(
    {
        ItemAction.UPDATE: ({ItemStatus.DRAFT}, ItemStatus.DRAFT),
        ItemAction.PUBLISH: ({ItemStatus.DRAFT}, ItemStatus.PUBLISHED),
        ItemAction.SUPERSEDE: ({ItemStatus.PUBLISHED}, ItemStatus.SUPERSEDED),
        ItemAction.WITHDRAW: ({ItemStatus.PUBLISHED}, ItemStatus.WITHDRAWN),
    }
)


class HandlingType(models.TextChoices):
    NEW = "new", _("New")
    CHANGE = "change", _("Change")
    RENEWAL = "renewal", _("Renewal")
    CANCELLATION = "cancellation", _("Cancellation")
    QUERY = "query", _("Query")
    OTHER = "other", _("Other")


class OnlineDepth(models.IntegerChoices):
    INFORMATION = 1, _("Level 1: information online")
    FORMS = 2, _("Level 2: forms downloadable")
    APPLICATION = 3, _("Level 3: application online")
    FULL = 4, _("Level 4: fully online")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online portal")
    MOBILE = "mobile", _("Mobile app")
    WINDOW = "window", _("Service window")
    SELF_SERVICE = "self_service", _("Self-service terminal")
    POST = "post", _("Post")


class ResultForm(models.TextChoices):
    LICENCE = "licence", _("Licence or certificate")
    APPROVAL_DOCUMENT = "approval_document", _("Approval document")
    CERTIFICATE_OF_FILING = "filing_receipt", _("Filing receipt")
    INFORMATION = "information", _("Information or query result")
    PAYMENT = "payment", _("Payment or benefit")
    OTHER = "other", _("Other")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")
    ELECTRONIC = "electronic", _("Electronic")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("Prepared by the applicant")
    GOVERNMENT = "government", _("Issued by a government department")
    INTERMEDIARY = "intermediary", _("Issued by an intermediary")
    OTHER = "other", _("Other")


class ThemeAudience(models.TextChoices):
    PERSONAL = "personal", _("Personal life events")
    ENTERPRISE = "enterprise", _("Enterprise life cycle")


class SpecialStepKind(models.TextChoices):
    SITE_INSPECTION = "site_inspection", _("Site inspection")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    HEARING = "hearing", _("Hearing")
    PUBLIC_NOTICE = "public_notice", _("Public notice")
    TESTING = "testing", _("Inspection and testing")
    OTHER = "other", _("Other")


# The six elements compared by the 六统一 (uniformity) check.
UNIFORMITY_ELEMENTS: tuple[str, ...] = (
    "name",
    "legal_basis",
    "content",
    "conditions",
    "materials",
    "result_form",
)
