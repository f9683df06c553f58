"""The origin's workflow of a forwarded application (``RemoteCase``) on the transition kernel.

``REMOTE_CASES`` moves a remote case by the origin's own actions (``constants.REMOTE_TRANSITIONS``:
forward, supply a correction, deliver the result) and records each on the remote case's stream
(``remote_case.forwarded`` …). The deciding node's status messages mirror its case instead
(``services.status_apply``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import Move, Workflow
from tongban.forwarding import events
from tongban.forwarding.constants import REMOTE_STATUS_CHOICES, REMOTE_TRANSITIONS
from tongban.forwarding.models import RemoteCase

# The audit action of each move, as the trail has always named it.
AUDIT_ACTIONS = {"forward": "forwarded", "supply_correction": "correction_supplied", "deliver": "delivered"}
_LABELS = dict(REMOTE_STATUS_CHOICES)


def _record(move: Move[RemoteCase]) -> None:
    events.remote(move.obj, action=AUDIT_ACTIONS[move.action], actor=move.actor, role=move.role, data=move.data)


def _label(status: str) -> str:
    return str(_LABELS.get(status, status))


REMOTE_CASES: Workflow[RemoteCase] = Workflow(
    name="remote_case",
    model=RemoteCase,
    table=REMOTE_TRANSITIONS,
    label=_label,
    record=_record,
    not_allowed=_("This action is not allowed in the current state."),
)
