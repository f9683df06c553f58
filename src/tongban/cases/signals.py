"""Signals of the case workflow, for other contexts that follow cases (e.g. forwarded cases).

``case_transitioned`` is sent by every status transition, inside its transaction, after the
audit event: receivers may write (e.g. queue a federation message through the outbox) and
their writes commit or roll back with the transition. Keyword arguments: ``case`` (the saved
case), ``action`` (a ``CaseAction`` value), ``from_status``, ``actor`` (a user or None),
``role``, ``reason``.
"""

from __future__ import annotations

from django.dispatch import Signal

case_transitioned = Signal()
