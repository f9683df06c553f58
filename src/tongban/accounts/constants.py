from django.db import models
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    ENTERPRISE = "enterprise", _("Enterprise")
    STAFF = "staff", _("Staff")


class StaffRoleKind(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    REVIEWER = "reviewer", _("Reviewer")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    CATALOG_ADMIN = "catalog_admin", _("Catalog administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    HOTLINE_HANDLER = "hotline_handler", _("Hotline department handler")
    HOTLINE_SUPERVISOR = "hotline_supervisor", _("Hotline supervisor")
    LICENCE_ADMIN = "licence_admin", _("Licence administrator")
    NODE_ADMIN = "node_admin", _("Node administrator")
    DATA_ADMIN = "data_admin", _("Data administrator")


class MemberRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    AGENT = "agent", _("Authorised agent")


class NotificationKind(models.TextChoices):
    INFO = "info", _("Information")
    SECURITY = "security", _("Security")
    CASE = "case", _("Case")
    REMINDER = "reminder", _("Reminder")
    WARNING = "warning", _("Warning")


class NotificationChannel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class LoginStage(models.TextChoices):
    PASSWORD = "password", _("Password")
    OTP = "otp", _("One-time code")


# Login protection (overridable in settings: TONGBAN_LOGIN_* ).
OTP_LENGTH = 6
OTP_TTL_SECONDS = 5 * 60
OTP_MAX_ATTEMPTS = 5
OTP_MAX_SENDS = 5  # codes per account within LOCKOUT_WINDOW_SECONDS
LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60
LOGIN_SOURCE_FAILURES = 30  # failures from one address, whatever the accounts, within the window
LOGIN_ACCOUNT_FAILURES = 50  # failures of one account from addresses its owner never used, within the window
KNOWN_SOURCE_DAYS = 90
