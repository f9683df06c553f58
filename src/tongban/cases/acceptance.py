"""Checks that contexts above cases add to intake decisions (e.g. credit, 信用): a registry.

The cases app sits below supervision, so it cannot ask supervision itself; supervision registers a
check in its ``AppConfig.ready``. Before a case is accepted with gaps (容缺), approved on a signed
commitment (告知承诺) or accepted, the service runs every registered check with the case and the
route. A check refuses by raising an ``ApplicationError`` (its stable code and Chinese message reach
the user, and the transaction leaves the case as it was); otherwise it may answer flags that the
case's audit event records (``extra_review``, ``green_channel``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Route(TextChoices):
    ACCEPT = "accept", _("Acceptance")
    ACCEPT_WITH_GAPS = "accept_with_gaps", _("Acceptance with gaps (容缺)")
    COMMITMENT = "commitment", _("Approval on a signed commitment (告知承诺)")


@dataclass(frozen=True)
class Intake:
    """What a check sees: the case (with ``applicant`` and ``enterprise``), the route, who decides."""

    case: Any
    route: Route
    actor: Any


Check = Callable[[Intake], list[str]]

_CHECKS: dict[str, Check] = {}


def register(name: str, check: Check) -> Check:
    """Add (or replace) the check called ``name``."""
    _CHECKS[name] = check
    return check


def unregister(name: str) -> None:
    _CHECKS.pop(name, None)


def run(*, case: Any, route: Route, actor: Any) -> list[str]:
    """Run every registered check (in the order registered); answers the flags they raised."""
    flags: list[str] = []
    intake = Intake(case=case, route=route, actor=actor)
    for check in list(_CHECKS.values()):
        for flag in check(intake):
            if flag not in flags:
                flags.append(flag)
    return flags
