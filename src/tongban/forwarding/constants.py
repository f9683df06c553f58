"""Modes, statuses, message types and limits of cross-region cases (异地代收代办, 全程网办).

Two sides: the *origin* node (A) receives the application (window clerk, or a resident online)
and keeps a ``RemoteCase``; the *deciding* node (B) owns the item, registers a ``cases.Case``
of its department and keeps a ``ForwardedCase`` linking it to the origin.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.cases.constants import CaseStatus
from tongban.core.workflow import Transition, table


class ForwardMode(models.TextChoices):
    PROXY_RECEIPT = "proxy_receipt", _("Received on behalf (异地代收代办)")
    ONLINE = "online", _("Fully online (全程网办)")


# Message types (schema version 1 each); payloads in ``payloads.py``.
MSG_FILE_PART = "forwarding.file_part"  # A → B: a slice of one material file
MSG_SUBMIT = "forwarding.submit"  # A → B: the application (with the manifest of its files)
MSG_RESUBMIT = "forwarding.resubmit"  # A → B: corrected materials after 补正
MSG_DELIVERED = "forwarding.delivered"  # A → B: the result was handed over at A
MSG_STATUS = "forwarding.status"  # B → A: one state change of the case at B
MSG_REFUSED = "forwarding.refused"  # B → A: B could not register the application (or a correction)

# Raw bytes per file part: the base64 of a part, inside a JSON payload, inside a base64url JWS,
# stays under the JWS payload limit of joserfc (128,000 bytes) that every receiver applies.
PART_BYTES = 64 * 1024
MAX_PARTS = 160  # 10 MiB, the upload limit

# Statuses of a RemoteCase at the origin: its own before B registers it, then B's mirrored.
DRAFT = CaseStatus.DRAFT.value
FORWARDING = "forwarding"
REFUSED = "refused"
REMOTE_STATUS_CHOICES: list[tuple[str, object]] = [
    (DRAFT, CaseStatus.DRAFT.label),
    (FORWARDING, _("Forwarded, waiting for the deciding region")),
    (REFUSED, _("Refused by the deciding region")),
    *[(s.value, s.label) for s in CaseStatus if s != CaseStatus.DRAFT],
]
REMOTE_STATUSES = frozenset(value for value, _label in REMOTE_STATUS_CHOICES)

# The origin's own transitions (THE table for RemoteCase, on the kernel: ``workflow.REMOTE_CASES``);
# B's status messages move it otherwise (a mirror of B's case, not a move of A's).
REMOTE_TRANSITIONS: dict[str, Transition] = table(
    {
        "forward": ({DRAFT}, FORWARDING),
        "supply_correction": ({CaseStatus.CORRECTION_REQUESTED.value}, FORWARDING),
        "deliver": ({CaseStatus.RESULT_ISSUED.value}, CaseStatus.DELIVERED.value),
    }
)
# Files can be attached to a draft, and to a case returned for correction.
ATTACH_STATES = frozenset({DRAFT, CaseStatus.CORRECTION_REQUESTED.value})
