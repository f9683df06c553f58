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
