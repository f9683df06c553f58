"""Chinese search of the knowledge base: jieba words, their pinyin and initials (shared with the catalog).

Index side (``KnowledgeTerm``): for each published entry, the words of its question (weight 10,
with pinyin and initials), its variants (6), its category (3) and its answer (1, no pinyin), and
every character of the question (1) so that a half-typed word (公积) still finds 公积金 entries.
The term logic is ``tongban.catalog.search.text_terms``; the query is parsed by
``tongban.catalog.search.parse_query`` (latin input as pinyin prefixes while typing). Every change
of the index increments ``KnowledgeGeneration`` in the same transaction.

Query side: terms found in more than ``COMMON`` index rows (办理, 服务, boilerplate of answers)
are left out of the ranking when the query has rarer terms — they would make the grouped query
scan most of the index and say little (a bounded count per term, at most ``COMMON`` + 1 index
entries). When every term is common, those in at most ``VERY_COMMON`` rows rank; when every term
is more common still, all rank on questions and variants only. Then one grouped statement over
the covering term index (an index-only scan on PostgreSQL), ranked by summed weight, joined to
the entries valid today. Single characters of Chinese words are looked up only for short queries
(a half-typed word such as 公积).

Rankings are cached per process under the generation (ADR 0010's pattern); each search reads the
generation and the ranked entries in one statement, so a change of the index or of an entry is
seen by the very next search in every process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from tongban.catalog.search import parse_query, text_terms
from tongban.hotline import store
from tongban.hotline.constants import KnowledgeStatus
from tongban.hotline.models import KnowledgeEntry, KnowledgeGeneration, KnowledgeTerm

_CJK = re.compile(r"[\u4e00-\u9fff]")
W_QUESTION = 10.0
W_VARIANT = 6.0
W_CATEGORY = 3.0
W_ANSWER = 1.0
W_CHAR = 1.0
F_PREFIX = 0.6
MAX_QUERY = 100
COMMON = 1000
VERY_COMMON = 5000
SHORT_QUERY = 3
CACHE_ALIAS = "search"  # per-process memory (settings.CACHES), keyed by the generation


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
        bump_generation()


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
        bump_generation()
    return count


# ------------------------------------------------------------------ generation (cache key)


def current_generation() -> int:
    """How many times the search index has changed (read from the database)."""
    return store.knowledge_generation()


def bump_generation() -> None:
    """Mark the index changed; runs inside the transaction that changes it."""
    if KnowledgeGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            KnowledgeGeneration.objects.create(pk=1, value=1)
    except IntegrityError:
        KnowledgeGeneration.objects.filter(pk=1).update(value=F("value") + 1)


# ------------------------------------------------------------------ search


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


def _term_counts(exact: list[str], prefixes: list[str], *, cap: int) -> dict[str, int]:
    """How many index rows each term (and each pinyin prefix) has, counted up to ``cap`` + 1."""
    return store.knowledge_term_counts(exact, prefixes, cap=cap)


def _selective(exact: list[str], prefixes: list[str]) -> tuple[list[str], list[str], float]:
    """The terms worth ranking on, and the least weight of an index row that counts.

    Terms found in at most ``COMMON`` rows rank if there are any; else those in at most
    ``VERY_COMMON`` rows; else every term, on questions and variants only (weight ≥ ``W_VARIANT``).
    Terms found nowhere are dropped: they match nothing.
    """
    counts = _term_counts(exact, prefixes, cap=COMMON)
    found = [k for k in [*exact, *prefixes] if counts.get(k, 0) > 0]
    if not found:
        return [], [], 0.0
    rare = {k for k in found if counts[k] <= COMMON}
    if not rare:
        counts = _term_counts([t for t in exact if t in found], [p for p in prefixes if p in found], cap=VERY_COMMON)
        rare = {k for k in found if counts[k] <= VERY_COMMON}
    if rare:
        return [t for t in exact if t in rare], [p for p in prefixes if p in rare], 0.0
    return [t for t in exact if t in found], [p for p in prefixes if p in found], W_VARIANT


def _hit(row: Sequence[Any], score: float) -> KnowledgeHit:
    return KnowledgeHit(
        id=int(row[0]),
        uid=str(uuid.UUID(str(row[1]))),
        version=int(row[2]),
        category=row[3],
        question=row[4],
        answer=row[5],
        source=row[6],
        origin_region=row[7],
        shareable=bool(row[8]),
        score=float(score),
    )


def _rank(
    exact: list[str], prefixes: list[str], min_weight: float, *, limit: int, today: dt.date
) -> tuple[int, list[tuple[int, float]], dict[int, KnowledgeHit]]:
    """The generation, the best ``limit`` entries by summed weight of the matching index rows, and
    those of them that are published and valid ``today`` (one statement: ``store.knowledge_ranked``)."""
    rows = store.knowledge_ranked(exact, prefixes, min_weight, limit=limit, today=today)
    ranked = [(int(r[1]), float(r[2])) for r in rows if r[1] is not None]
    hits = {int(r[1]): _hit(r[3:], r[2]) for r in rows if r[3] is not None}
    return int(rows[0][0]), ranked, hits


def _fetch(ids: list[int], *, today: dt.date) -> tuple[int, dict[int, tuple[Any, ...]]]:
    """The generation and the entries among ``ids`` that are published and valid ``today``."""
    rows = store.knowledge_entries(ids, today=today)
    return int(rows[0][0]), {int(r[1]): tuple(r[1:]) for r in rows if r[1] is not None}


def _query_terms(q: str) -> tuple[list[str], list[str]]:
    words = parse_query(q)
    short = len("".join(_CJK.findall(q))) <= SHORT_QUERY
    exact: dict[str, None] = {}
    prefixes: list[str] = []
    for word in words:
        exact.update(dict.fromkeys(word.all_terms))
        if short and _CJK.search(word.text):
            exact.update(dict.fromkeys(ch for ch in word.text if _CJK.match(ch)))
        if word.prefix:
            prefixes.append(word.prefix)
    # a prefix inside another's range adds nothing (and would count rows twice)
    kept = [p for p in sorted(set(prefixes)) if not any(p != o and p.startswith(o) for o in prefixes)]
    return sorted(exact), kept


def _cache_key(q: str, limit: int) -> str:
    return "kb-search:" + hashlib.sha256(f"{limit}\x00{q}".encode()).hexdigest()


def search(q: str, *, limit: int = 8, today: dt.date | None = None) -> list[KnowledgeHit]:
    """Published, currently valid entries for a query in Chinese, pinyin or initials, best first.

    The ranking (entry ids and scores) is cached per process under the index's generation, which
    every search reads from the database together with the entries themselves: an answer never
    outlives a change of the index, and an entry's text, status and dates are always current.
    """
    q = (q or "").strip()[:MAX_QUERY]
    exact, prefixes = _query_terms(q)
    if not exact and not prefixes:
        return []
    today = today or timezone.localdate()
    cache = caches[CACHE_ALIAS]
    key = _cache_key(q, limit)
    cached = cache.get(key)
    if isinstance(cached, tuple) and len(cached) == 2:
        generation, ranked = cached
        current, rows = _fetch([entry_id for entry_id, _score in ranked], today=today)
        if current == generation:
            hits = [_hit(rows[i], score) for i, score in ranked if i in rows]
            hits.sort(key=lambda h: (-h.score, h.id))
            return hits[:limit]
    exact, prefixes, min_weight = _selective(exact, prefixes)
    if not exact and not prefixes:
        return []  # no term of the query is in the index (not cached: no generation was read with it)
    generation, ranked, found = _rank(exact, prefixes, min_weight, limit=limit * 3, today=today)
    if not connection.in_atomic_block:
        # inside a transaction the generation may be one that a rollback hands out again
        cache.set(key, (generation, tuple(ranked)))
    hits = sorted(found.values(), key=lambda h: (-h.score, h.id))
    return hits[:limit]
