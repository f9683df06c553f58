"""What the apps above cases plug into its pages and API (ADR 0021: a lower layer offers a registry).

好差评 (ratings of closed cases) belong to supervision, which sits above cases; the case pages and
the case API show and take ratings through the ``Ratings`` that supervision provides in its
``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from tongban.accounts.models import User
    from tongban.cases.models import Case


class RatingCreate(Protocol):
    """``(*, case, actor, stars, tags, text)`` → the new rating (raises ``ApplicationError``)."""

    def __call__(self, *, case: Case, actor: User, stars: int, tags: Sequence[str], text: str) -> Any: ...


@dataclass(frozen=True)
class Ratings:
    tag_choices: Callable[[], list[tuple[str, Any]]]
    rated_case_ids: Callable[[list[int]], set[int]]
    """Of these case ids, those already rated."""
    rating_for_case: Callable[[int], Any]
    """The case's rating (``stars``, ``tags``, ``text``, ``created_at``, ``rectification``) or None."""
    rating_create: RatingCreate


_RATINGS: list[Ratings] = []


def provide_ratings(ratings: Ratings) -> None:
    _RATINGS[:] = [ratings]


def ratings() -> Ratings:
    if not _RATINGS:
        raise ImproperlyConfigured("no installed app provides case ratings (tongban.supervision does)")
    return _RATINGS[0]
