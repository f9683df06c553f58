"""Changes of a licence's status (suspend, reinstate, revoke, re-issue) through the licence workflow.

The workflow (``LICENCES``, ``core.workflow`` over ``constants.TRANSITIONS``) checks an action
against the licence's effective status (its stored status, or ``expired`` once ``valid_to`` has
passed: the workflow's ``current``), saves the new stored status with its reason, and records the
move twice: the ``LicenceStatusChange`` row of the licence's history and the ``licence.<action>``
audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.core.models import AuditEvent
from tongban.core.workflow import Move, Workflow
from tongban.licences import events
from tongban.licences.constants import TRANSITIONS, LicenceAction, LicenceStatus
from tongban.licences.issuing import licence_issue, require_admin, require_reason
from tongban.licences.models import Licence, LicenceStatusChange, effective_status, local_today


def _lock(pk: int) -> Licence:
    return Licence.objects.select_for_update().select_related("licence_type", "department").get(pk=pk)


def _record(move: Move[Licence]) -> AuditEvent:
    """The licence's history row (from its effective status before the move) and the audit event
    (from its stored status)."""
    licence = move.obj
    LicenceStatusChange.objects.create(
        licence=licence,
        action=move.action,
        from_status=effective_status(move.from_status, licence.valid_to, local_today()),
        to_status=move.to_status,
        reason=move.reason,
        actor=move.actor,
    )
    return events.licence_status_changed(
        licence=licence,
        actor=move.actor,
        action=move.action,
        from_status=move.from_status,
        to_status=move.to_status,
        reason=move.reason,
    )


LICENCES: Workflow[Licence] = Workflow(
    name="licence",
    model=Licence,
    table=TRANSITIONS,
    label=lambda status: LicenceStatus(status).label,
    record=_record,
    not_allowed=_("A licence that is %(status)s cannot be changed this way."),
    touch=(),
    lock=_lock,
    current=lambda licence: str(licence.effective_status()),
)


def _transition(*, licence: Licence, action: str, actor: User | None, reason: str) -> Licence:
    def change(locked: Licence) -> list[str]:
        locked.status_reason = reason
        return ["status_reason"]

    return LICENCES.transition(licence.pk, action=action, actor=actor, change=change, reason=reason)


@transaction.atomic
def licence_suspend(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = require_reason(reason)
    require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.SUSPEND, actor=actor, reason=reason)


@transaction.atomic
def licence_reinstate(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = require_reason(reason)
    require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.REINSTATE, actor=actor, reason=reason)


@transaction.atomic
def licence_revoke(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    reason = require_reason(reason)
    require_admin(actor=actor, department_id=licence.department_id)
    return _transition(licence=licence, action=LicenceAction.REVOKE, actor=actor, reason=reason)


@transaction.atomic
def licence_reissue(
    *,
    licence: Licence,
    actor: User | None,
    reason: str,
    field_values: dict[str, Any] | None = None,
    holder_name: str | None = None,
    valid_to: dt.date | None = None,
) -> Licence:
    """Replace a licence (lost, changed details, renewal): the old one is revoked, a new one is issued."""
    reason = require_reason(reason)
    require_admin(actor=actor, department_id=licence.department_id)
    old = _transition(licence=licence, action=LicenceAction.REISSUE, actor=actor, reason=reason)
    values = dict(old.field_values)
    if field_values:
        values.update(field_values)
    return licence_issue(
        licence_type=old.licence_type,
        holder_id=old.holder_id,
        holder_name=holder_name or old.holder_name,
        field_values=values,
        actor=actor,
        department=old.department,
        valid_to=valid_to,
        case_number=old.case_number,
        reason=reason,
        replaces=old,
        check_permission=False,
    )
