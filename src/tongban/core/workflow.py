"""The one transition kernel: every stateful object of Tongban moves through here.

A workflow is data: a table of ``Transition`` rows (allowed source states → target state) per
action, kept in its app's ``constants.py``, and a ``Workflow`` that names the model, the status
field, how a status is shown, the audit event each move writes and the notices it queues. Apps
never write their own lock–check–save–audit sequence; they call

- ``workflow.check(obj, action)``: is the action allowed from ``obj``'s current status? Raises
  ``InvalidTransition`` (stable code ``invalid_transition``, details ``status`` and ``action``);
  answers the target status.
- ``workflow.apply(obj, action=..., actor=..., ...)``: ``obj`` already locked by the app (its
  ``store.py`` knows the fastest lock for its rows). Checks, sets the status, saves the status and
  the named fields, appends the audit event, tells the subscribers and queues the notices — all
  in the caller's transaction, and on PostgreSQL the update, the event and the notice go to the
  server as one statement (``fastpath.write_batch``; any read in between sends them first).
- ``workflow.transition(pk, action=..., actor=..., ...)``: lock (the workflow's ``lock``), then
  an optional ``change`` callback (the business rule's own field changes, which may still refuse),
  then ``apply``; for workflows that need nothing in between.
- ``workflow.guard(action, rule)``: a rule of a higher layer that may refuse one action (joint cases
  refuse an approval while the other region's step lacks its certificate); guards run in ``apply``
  after the table's check, before anything is written.
- ``workflow.subscribe(receiver)``: the registry through which higher layers learn of moves
  (forwarding, joint cases, supervision follow cases this way). Receivers run inside the
  transaction, after the audit event; their writes commit or roll back with the move. A receiver
  that acts on the move as a whole, notices included (supervision's credit record after a
  revocation), subscribes with ``after_notices=True``.

The tables stay readable: ``Transition(frozenset({S.SUBMITTED}), S.ACCEPTED)``, one row per action.
A ``None`` target means "decided by the workflow's ``resolve_target``" (e.g. resume returns a case to
the status it was suspended from).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import InvalidTransition
from tongban.core.fastpath import save_fields, write_batch

M = TypeVar("M", bound=Model)

NOT_ALLOWED = _("This action is not allowed in the current state (“%(status)s”).")


@dataclass(frozen=True)
class Transition:
    """One row of a workflow's table: the states an action may start from, and where it leads."""

    sources: frozenset[str]
    target: str | None = None  # None: decided by the workflow's ``resolve_target``

    def allows(self, status: str) -> bool:
        return status in self.sources


@dataclass(frozen=True)
class Move(Generic[M]):
    """What a move was: given to the audit-event constructor, the notices and the subscribers."""

    obj: M
    action: str
    from_status: str
    to_status: str
    actor: Any
    role: str
    reason: str = ""
    data: dict[str, Any] | None = None
    notice: str = ""


Receiver = Callable[[Move[Any]], None]


@dataclass
class Workflow(Generic[M]):
    """One workflow: its table and how its moves are written.

    ``record`` writes the audit event of a move (the app's typed constructor in ``events.py``);
    ``notify`` queues the notices of a move (inbox rows; delivery happens after commit);
    ``lock`` answers the row locked until the transaction ends (for ``transition``);
    ``current`` reads the status a check starts from (default: the status field; e.g. a licence's
    effective status counts its expiry); ``touch`` names fields saved with every move
    (``updated_at``); ``not_allowed`` is the refusal's message, with ``%(status)s`` for the label.
    """

    name: str
    model: type[M]
    table: Mapping[str, Transition]
    label: Callable[[str], str | Promise]
    record: Callable[[Move[M]], Any]
    not_allowed: str | Promise = NOT_ALLOWED
    status_field: str = "status"
    touch: tuple[str, ...] = ("updated_at",)
    notify: Callable[[Move[M]], None] | None = None
    lock: Callable[[int], M] | None = None
    current: Callable[[M], str] | None = None
    resolve_target: Callable[[M, str], str] | None = None
    _receivers: list[Receiver] = field(default_factory=list, repr=False)
    _late_receivers: list[Receiver] = field(default_factory=list, repr=False)
    _guards: dict[str, list[Callable[[M], None]]] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ reading the table

    def status_of(self, obj: M) -> str:
        return self.current(obj) if self.current is not None else str(getattr(obj, self.status_field))

    def actions_from(self, status: str) -> list[str]:
        """The actions allowed from ``status``, in the table's order."""
        return [action for action, row in self.table.items() if row.allows(status)]

    def sources_of(self, action: str) -> frozenset[str]:
        return self.table[action].sources

    def can(self, obj: M, action: str) -> bool:
        row = self.table.get(action)
        return row is not None and row.allows(self.status_of(obj))

    def check(self, obj: M, action: str) -> str:
        """The status ``action`` leads ``obj`` to; ``InvalidTransition`` when it is not allowed now."""
        row = self.table.get(action)
        status = self.status_of(obj)
        if row is None or not row.allows(status):
            raise InvalidTransition(
                self.not_allowed % {"status": self.label(status)},
                details={"status": status, "action": str(action)},
            )
        if row.target is not None:
            return row.target
        if self.resolve_target is None:
            raise InvalidTransition(details={"status": status, "action": str(action)})
        return self.resolve_target(obj, action)

    # ------------------------------------------------------------------ guards and subscribers

    def guard(self, action: str, rule: Callable[[M], None]) -> Callable[[M], None]:
        """Let ``rule(obj)`` refuse ``action`` (by raising) before a move by it is written (idempotent)."""
        rules = self._guards.setdefault(str(action), [])
        if rule not in rules:
            rules.append(rule)
        return rule

    def unguard(self, action: str, rule: Callable[[M], None]) -> None:
        rules = self._guards.get(str(action), [])
        if rule in rules:
            rules.remove(rule)

    def subscribe(self, receiver: Receiver, *, after_notices: bool = False) -> Receiver:
        """Call ``receiver(move)`` after every move, inside its transaction (idempotent per receiver):
        after the audit event, or with ``after_notices`` after the move's notices too."""
        receivers = self._late_receivers if after_notices else self._receivers
        if receiver not in receivers:
            receivers.append(receiver)
        return receiver

    def unsubscribe(self, receiver: Receiver) -> None:
        for receivers in (self._receivers, self._late_receivers):
            if receiver in receivers:
                receivers.remove(receiver)

    # ------------------------------------------------------------------ moving

    def apply(
        self,
        obj: M,
        *,
        action: str,
        actor: Any,
        role: str = "",
        fields: Iterable[str] = (),
        reason: str = "",
        data: dict[str, Any] | None = None,
        notice: str = "",
        target: str | None = None,
    ) -> M:
        """Move ``obj`` (locked by the caller, in its transaction) by ``action`` and record it.

        ``target`` skips the table's check (the caller checked it earlier, before changing fields
        that the check reads); the guards of the action run either way; ``fields`` are saved with
        the status.
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError(f"{self.name}: a move must run inside a transaction")
        to_status = self.check(obj, action) if target is None else target
        for rule in self._guards.get(str(action), ()):
            rule(obj)
        from_status = str(getattr(obj, self.status_field))
        setattr(obj, self.status_field, to_status)
        move = Move(
            obj=obj,
            action=str(action),
            from_status=from_status,
            to_status=str(to_status),
            actor=actor,
            role=role,
            reason=reason,
            data=data,
            notice=notice,
        )
        with write_batch():
            save_fields(obj, [self.status_field, *self.touch, *fields])
            self.record(move)
            for receiver in tuple(self._receivers):
                receiver(move)
            if self.notify is not None:
                self.notify(move)
            for receiver in tuple(self._late_receivers):
                receiver(move)
        return obj

    def transition(
        self,
        pk: int,
        *,
        action: str,
        actor: Any,
        role: str = "",
        change: Callable[[M], Sequence[str]] | None = None,
        reason: str = "",
        data: dict[str, Any] | None = None,
        notice: str = "",
    ) -> M:
        """Lock the row, check the action, let ``change`` set fields (it answers their names), move."""
        if self.lock is None:
            raise RuntimeError(f"{self.name}: no lock is configured for transition(); lock and call apply()")
        obj = self.lock(pk)
        self.check(obj, action)
        fields = change(obj) if change is not None else ()
        return self.apply(
            obj, action=action, actor=actor, role=role, fields=fields, reason=reason, data=data, notice=notice
        )


def table(rows: Mapping[Any, tuple[Iterable[Any], Any]]) -> dict[str, Transition]:
    """A table written as ``{action: (sources, target)}`` (``TextChoices`` or strings)."""
    return {
        str(action): Transition(frozenset(str(s) for s in sources), None if target is None else str(target))
        for action, (sources, target) in rows.items()
    }
