"""Chinese search of the knowledge base: jieba words, their pinyin and initials (shared with the catalog).

Index side (``KnowledgeTerm``): for each published entry, the words of its question (weight 10,
with pinyin and initials), its variants (6), its category (3) and its answer (1, no pinyin), and
every character of the question (1) so that a half-typed word (公积) still finds 公积金 entries.
The term logic is ``tongban.catalog.search.text_terms``; the query is parsed by
``tongban.catalog.search.parse_query`` (latin input as pinyin prefixes while typing).

Query side: terms found in more than ``COMMON`` entries (办理, 服务, boilerplate of answers) are
left out of the ranking when the query has rarer terms — they would make the grouped query scan
most of the index and say little (a bounded count per term, at most ``COMMON`` + 1 index rows).
Then one grouped query over the term index, ranked by summed weight; entries outside their
validity dates are dropped. Single characters of Chinese words are looked up only for short
queries (a half-typed word such as 公积).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from tongban.catalog.search import parse_query, text_terms
from tongban.hotline.constants import KnowledgeStatus
from tongban.hotline.models import KnowledgeEntry, KnowledgeTerm

_CJK = re.compile(r"[\u4e00-\u9fff]")
W_QUESTION = 10.0
W_VARIANT = 6.0
W_CATEGORY = 3.0
W_ANSWER = 1.0
W_CHAR = 1.0
F_PREFIX = 0.6
MAX_QUERY = 100
COMMON = 1000
SHORT_QUERY = 3


def entry_terms(entry: KnowledgeEntry) -> dict[str, float]:
    terms: dict[str, float] = {}

    def merge(part: dict[str, float]) -> None:
        for term, weight in part.items():
            if weight > terms.get(term, 0.0):
                terms[term] = weight

    merge(text_terms(entry.question, W_QUESTION))
    compact = "".join(_CJK.findall(entry.question))
    merge({ch: W_CHAR for ch in compact})
    for variant in entry.variants:
        merge(text_terms(str(variant), W_VARIANT))
    merge(text_terms(entry.category, W_CATEGORY))
    merge(text_terms(entry.answer[:2000], W_ANSWER, pinyin=False))
    return terms


def _rows(entry: KnowledgeEntry) -> list[KnowledgeTerm]:
    return [KnowledgeTerm(entry_id=entry.pk, term=t, weight=w) for t, w in entry_terms(entry).items()]


def reindex(entry: KnowledgeEntry) -> None:
    """Index a published entry; remove any other from the index."""
    with transaction.atomic():
        KnowledgeTerm.objects.filter(entry_id=entry.pk).delete()
        if entry.status == KnowledgeStatus.PUBLISHED:
            KnowledgeTerm.objects.bulk_create(_rows(entry), batch_size=2000)


def reindex_many(entries: Iterable[KnowledgeEntry]) -> int:
    """Index many entries in few queries (demo loading, benchmarks); returns how many were indexed."""
    entries = list(entries)
    count = 0
    with transaction.atomic():
        ids = [e.pk for e in entries]
        for start in range(0, len(ids), 900):
            KnowledgeTerm.objects.filter(entry_id__in=ids[start : start + 900]).delete()
        batch: list[KnowledgeTerm] = []
        for entry in entries:
            if entry.status != KnowledgeStatus.PUBLISHED:
                continue
            batch.extend(_rows(entry))
            count += 1
            if len(batch) >= 5000:
                KnowledgeTerm.objects.bulk_create(batch, batch_size=2000)
                batch = []
        KnowledgeTerm.objects.bulk_create(batch, batch_size=2000)
    return count


@dataclass(frozen=True)
class KnowledgeHit:
    id: int
    uid: str
    version: int
    category: str
    question: str
    answer: str
    source: str
    origin_region: str
    shareable: bool
    score: float


def _next(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _common_terms(exact: list[str], prefixes: list[str]) -> set[str]:
    """The terms (and pinyin prefixes) found in more than ``COMMON`` index rows, in one statement that
    reads at most ``COMMON`` + 1 index rows per term."""
    table = connection.ops.quote_name(KnowledgeTerm._meta.db_table)
    parts: list[str] = []
    params: list[Any] = []
    keys = [*exact, *prefixes]
    for i, term in enumerate(exact):
        # only the model's table name and integer positions are formatted in; values are parameters
        parts.append(f"SELECT {i}, COUNT(*) FROM (SELECT 1 FROM {table} WHERE term = %s LIMIT %s) AS c{i}")  # noqa: S608
        params += [term, COMMON + 1]
    for j, prefix in enumerate(prefixes, start=len(exact)):
        parts.append(
            f"SELECT {j}, COUNT(*) FROM (SELECT 1 FROM {table} WHERE term >= %s AND term < %s LIMIT %s) AS c{j}"  # noqa: S608
        )
        params += [prefix, _next(prefix), COMMON + 1]
    if not parts:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {keys[int(i)] for i, n in cursor.fetchall() if n > COMMON}


def search(q: str, *, limit: int = 8, today: dt.date | None = None) -> list[KnowledgeHit]:
    """Published, currently valid entries for a query in Chinese, pinyin or initials, best first."""
    q = (q or "").strip()[:MAX_QUERY]
    words = parse_query(q)
    if not words:
        return []
    short = len("".join(_CJK.findall(q))) <= SHORT_QUERY
    exact: set[str] = set()
    prefixes: set[str] = set()
    for word in words:
        exact.update(word.all_terms)
        if short and _CJK.search(word.text):
            exact.update(ch for ch in word.text if _CJK.match(ch))
        if word.prefix:
            prefixes.add(word.prefix)
    common = _common_terms(sorted(exact), sorted(prefixes))
    rare_exact = [t for t in sorted(exact) if t not in common]
    rare_prefixes = [p for p in sorted(prefixes) if p not in common]
    if rare_exact or rare_prefixes:
        exact, prefixes = set(rare_exact), set(rare_prefixes)
    cond = Q(term__in=sorted(exact)) if exact else Q(pk__in=[])
    for prefix in prefixes:
        cond |= Q(term__gte=prefix, term__lt=_next(prefix))
    if not (rare_exact or rare_prefixes):
        cond &= Q(weight__gte=W_VARIANT)  # only common terms: rank on questions and their variants
    ranked = list(
        KnowledgeTerm.objects.filter(cond)
        .values("entry_id")
        .annotate(score=Sum("weight"), n=Count("id"))
        .order_by("-score", "entry_id")[: limit * 3]
    )
    if not ranked:
        return []
    today = today or timezone.localdate()
    scores = {r["entry_id"]: float(r["score"]) for r in ranked}
    entries = (
        KnowledgeEntry.objects.filter(pk__in=scores, status=KnowledgeStatus.PUBLISHED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .only("id", "uid", "version", "category", "question", "answer", "source", "origin_region_id", "shareable")
    )
    hits = [
        KnowledgeHit(
            id=e.pk,
            uid=str(e.uid),
            version=e.version,
            category=e.category,
            question=e.question,
            answer=e.answer,
            source=e.source,
            origin_region=e.origin_region_id,
            shareable=e.shareable,
            score=scores[e.pk],
        )
        for e in entries
    ]
    hits.sort(key=lambda h: (-h.score, h.id))
    return hits[:limit]
