"""A read-through cache of search answers, invalidated by the search index's generation.

Every change of the search index (``search.reindex_item`` / ``reindex_items``) increments the
single ``SearchGeneration`` row in the same transaction. An answer is cached under the generation
it was computed at and looked up under the current one, which every request reads from the
database. So every process, on every machine behind a load balancer, sees a publication or a
withdrawal with the very next request; the cache (Django cache alias ``search``, per-process
memory unless configured otherwise) only spares the ranking query and the serialisation of
repeated searches. An answer computed while a publication commits is stored under the older
generation and so is never served after it.
"""

from __future__ import annotations

import hashlib
import json

from django.core.cache import caches
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from tongban.catalog.models import SearchGeneration

CACHE_ALIAS = "search"


def current_generation() -> int:
    table = connection.ops.quote_name(SearchGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608 - a quoted model table name
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump_generation() -> None:
    """Mark the index changed; call inside the transaction that changes it."""
    if SearchGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            SearchGeneration.objects.create(pk=1, value=1)
    except IntegrityError:
        SearchGeneration.objects.filter(pk=1).update(value=F("value") + 1)


def _key(generation: int, params: dict[str, object]) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"catalog-search:{generation}:{digest}"


def get(params: dict[str, object]) -> tuple[str, bytes | None]:
    """The cache key for these parameters at the current generation, and the cached answer if any."""
    key = _key(current_generation(), params)
    body = caches[CACHE_ALIAS].get(key)
    return key, body if isinstance(body, bytes) else None


def put(key: str, body: bytes) -> None:
    caches[CACHE_ALIAS].set(key, body)
