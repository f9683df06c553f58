"""The contexts a read can name, and who vouches for them: a registry the higher layers fill.

A read through the exchange always names a context (a case, a 12345 ticket, a verification task,
a benefit check) as an ``AccessContext``: its kind, its id and the subject the caller says it is
about. The exchange never imports the apps that own contexts (cases, hotline and policies sit
above it); each registers, in its ``AppConfig.ready``, a function that answers whether one of its
contexts exists and covers a subject for a department::

    from tongban.sharing.contexts import register

    def _case_covers(context_id: str, subject_id: str, department_id: int) -> bool | None: ...

    register(ContextKind.CASE, _case_covers)

``None`` means "no such context" (refused as ``context_not_found``), ``False`` "it does not concern
this subject or this department" (``subject_not_covered``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Covers = Callable[[str, str, int], "bool | None"]

_KINDS: dict[str, Covers] = {}


@dataclass(frozen=True)
class AccessContext:
    """What a read is for: ``kind`` (a ``ContextKind``), ``id`` (the case number, ticket number…)."""

    kind: str
    id: str

    def __bool__(self) -> bool:
        return bool(self.kind and self.id)


def register(kind: str, covers: Covers) -> Covers:
    _KINDS[str(kind)] = covers
    return covers


def resolver(kind: str) -> Covers | None:
    return _KINDS.get(kind)


def known_kinds() -> list[str]:
    return sorted(_KINDS)
