"""Chinese full-text search over published items: jieba words, their pinyin and pinyin initials.

Each published item has rows in ``SearchTerm``: every word jieba finds in its name, department,
themes, result and content (``cut_for_search``, so 住房公积金 also yields 住房, 公积金), the word's
toneless pinyin (``gongjijin``) and initials (``gjj``), with a weight by field. A query is cut
the same way; latin input is taken as pinyin or initials. Items are ranked by the summed weight
of the terms they match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import jieba
from django.db import transaction
from pypinyin import Style, lazy_pinyin

from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import SearchTerm, ServiceItem

jieba.setLogLevel(60)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+", re.IGNORECASE)
MAX_TERM = 64

# Field weights: a word of the name counts most.
W_NAME = 10.0
W_NAME_CHAR = 1.0
W_THEME = 3.0
W_RESULT = 3.0
W_DEPARTMENT = 2.0
W_CONTENT = 1.0


def _pinyin(word: str) -> tuple[str, str]:
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def words(text: str) -> list[str]:
    """The search words of a text: jieba's fine-grained cut, lower-cased, punctuation dropped."""
    out: list[str] = []
    for chunk in _WORD.findall(text):
        if _CJK.match(chunk):
            out.extend(w for w in jieba.cut_for_search(chunk) if w.strip())
        else:
            out.append(chunk.lower())
    return out


def text_terms(text: str, weight: float) -> dict[str, float]:
    """Terms of one field with their weight: words, and for Chinese words their pinyin and initials."""
    terms: dict[str, float] = {}

    def add(term: str, w: float) -> None:
        term = term[:MAX_TERM]
        if term and terms.get(term, 0.0) < w:
            terms[term] = w

    for word in words(text):
        add(word, weight)
        if _CJK.search(word) and len(word) >= 2:
            full, initials = _pinyin(word)
            add(full, weight)
            add(initials, weight * 0.8)
    return terms


def item_terms(item: ServiceItem) -> dict[str, float]:
    """All index terms of an item with the weight each contributes to a match."""
    terms: dict[str, float] = defaultdict(float)

    def merge(part: dict[str, float]) -> None:
        for term, w in part.items():
            terms[term] = max(terms[term], w)

    merge(text_terms(item.name, W_NAME))
    compact_name = "".join(_CJK.findall(item.name))
    if compact_name:
        full, initials = _pinyin(compact_name)
        merge({full[:MAX_TERM]: W_NAME, initials[:MAX_TERM]: W_NAME * 0.8})
        merge({ch: W_NAME_CHAR for ch in compact_name})
    merge({item.code.lower()[:MAX_TERM]: W_NAME})
    merge(text_terms(item.department.name, W_DEPARTMENT))
    merge(text_terms(item.result_name, W_RESULT))
    for theme in item.themes.all():
        merge(text_terms(theme.name, W_THEME))
    merge(text_terms(item.content, W_CONTENT))
    return dict(terms)


def reindex_item(item: ServiceItem) -> None:
    """Bring the index of one item version up to date: published versions are indexed, others removed."""
    with transaction.atomic():
        SearchTerm.objects.filter(item=item).delete()
        if item.status != ItemStatus.PUBLISHED:
            return
        SearchTerm.objects.bulk_create(
            [SearchTerm(item=item, term=t, weight=w) for t, w in item_terms(item).items()], batch_size=1000
        )


def reindex_all(items: Iterable[ServiceItem] | None = None) -> int:
    """Rebuild the index of the given (or all published) items; returns how many were indexed."""
    qs = (
        items
        if items is not None
        else ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
        .select_related("department")
        .prefetch_related("themes")
    )
    count = 0
    for item in qs:
        reindex_item(item)
        count += 1
    return count


def query_terms(q: str) -> list[str]:
    """The terms a query looks up: its jieba words, or latin input as pinyin / initials."""
    terms: list[str] = []
    for word in words(q):
        if word not in terms:
            terms.append(word[:MAX_TERM])
    compact = "".join(_CJK.findall(q))
    if compact and len(compact) >= 2 and compact not in terms:
        terms.append(compact[:MAX_TERM])
    return terms
