"""Where an objection to a read goes: a registry the hotline fills (it sits above sharing).

When a resident or an enterprise objects to a read in their data use record, the sharing app
calls the registered opener inside the objection's transaction; the hotline registers one (in
``HotlineConfig.ready``) that opens a 12345 complaint linked to the read and answers its number.
Without an opener the objection is refused (``objections_unavailable``) rather than lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectionNotice:
    """What the hotline needs to open the ticket: who objects, to which read, and why."""

    user: Any  # accounts.User
    read_id: str  # "{lane}-{seq}" of the access log entry
    subject_id: str
    resource_name: str
    department_label: str
    department_id: int  # 0 when the reader is another region's department
    occurred_at: str
    purpose: str
    context: str
    fields: list[str]
    reason: str


Opener = Callable[[ObjectionNotice], str]
_OPENERS: list[Opener] = []


def register(opener: Opener) -> Opener:
    if opener not in _OPENERS:
        _OPENERS.append(opener)
    return opener


def opener() -> Opener | None:
    return _OPENERS[-1] if _OPENERS else None
