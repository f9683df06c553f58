"""Case pages under ``/cases/``, by audience: ``apply`` (residents and enterprises applying),
``mine`` (their cases and a case's page), ``staff`` (the department's workbench), ``window`` (the
one-stop window); ``common`` holds what they share."""

from tongban.cases.views.apply import apply, edit, receipt
from tongban.cases.views.common import nav
from tongban.cases.views.mine import (
    detail,
    material_download,
    mine,
    rate,
    shared_material,
    supplement,
    track,
    withdraw,
)
from tongban.cases.views.staff import act, received, verify, workbench
from tongban.cases.views.window import notice, window, window_apply

__all__ = [
    "act",
    "apply",
    "detail",
    "edit",
    "material_download",
    "mine",
    "nav",
    "notice",
    "rate",
    "receipt",
    "received",
    "shared_material",
    "supplement",
    "track",
    "verify",
    "window",
    "window_apply",
    "withdraw",
    "workbench",
]
