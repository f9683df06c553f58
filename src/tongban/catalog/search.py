"""Chinese full-text search over published items: jieba words, their pinyin and pinyin initials.

Index side: each published item has rows in ``SearchTerm``: every word jieba finds in its name,
department, themes, result and content (``cut_for_search``, so 住房公积金 also yields 住房 and
公积金), each Chinese word's toneless pinyin (``gongjijin``) and initials (``gjj``), the whole
name, its pinyin and initials (``zhufanggongjijintiqu``, ``zfgjjtq``) and every character of
the name, with a weight by field (a word of the name weighs most).

Query side: the query is cut into words (jieba's precise mode; latin input is taken as pinyin,
initials or an item code). Each query word is looked up as itself (full weight), as the finer
words jieba finds inside it (half weight), and, for latin input, as the prefix of a term
(so ``gongji`` finds ``gongjijin`` while the user is still typing). An item's score for a query
word is the best weight it matches; items are ranked first by how many query words they match,
then by the summed score (see ``selectors.item_search``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import jieba
from django.db import transaction
from pypinyin import Style, lazy_pinyin

from tongban.catalog import search_cache
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import SearchTerm, ServiceItem

jieba.setLogLevel(60)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+(?:-[a-z0-9]+)*", re.IGNORECASE)
MAX_TERM = 64
MAX_QUERY_WORDS = 8

# Field weights: a word of the name counts most.
W_NAME = 10.0
W_WHOLE_NAME = 15.0
W_NAME_CHAR = 1.0
W_THEME = 3.0
W_RESULT = 3.0
W_DEPARTMENT = 2.0
W_CONTENT = 1.0
INITIALS_FACTOR = 0.8

# Query-side factors: how much a kind of match of a query word is worth.
F_EXACT = 1.0
F_SUBWORD = 0.25
F_PREFIX = 0.6
MIN_PREFIX = 2


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) rather than on the first search request."""
    jieba.initialize()
    lazy_pinyin("预热")


@lru_cache(maxsize=65536)
def _pinyin(word: str) -> tuple[str, str]:
    syllables = lazy_pinyin(word, style=Style.NORMAL, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


@lru_cache(maxsize=65536)
def _cut_for_search(chunk: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.cut_for_search(chunk) if w.strip())


def words(text: str) -> list[str]:
    """The index words of a text: jieba's fine-grained cut, lower-cased, punctuation dropped."""
    out: list[str] = []
    for chunk in _WORD.findall(text):
        if _CJK.match(chunk):
            out.extend(_cut_for_search(chunk))
        else:
            out.append(chunk.lower())
    return out


def text_terms(text: str, weight: float, *, pinyin: bool = True) -> dict[str, float]:
    """Terms of one field with their weight: words, and for Chinese words their pinyin and initials.

    Single Chinese characters (的, 及, 证…) are left out: the name's characters are indexed
    separately, and those of other fields would only add noise. Long texts (the content) are
    indexed without pinyin: people type pinyin for what an item is called, not for its body.
    """
    terms: dict[str, float] = {}

    def add(term: str, w: float) -> None:
        term = term[:MAX_TERM]
        if term and terms.get(term, 0.0) < w:
            terms[term] = w

    for word in words(text):
        if _CJK.search(word):
            if len(word) < 2:
                continue
            add(word, weight)
            if not pinyin:
                continue
            full, initials = _pinyin(word)
            add(full, weight)
            add(initials, weight * INITIALS_FACTOR)
        else:
            add(word, weight)
    return terms


def item_terms(item: ServiceItem, theme_names: Sequence[str] | None = None) -> dict[str, float]:
    """All index terms of an item with the weight each contributes to a match.

    ``theme_names`` may be given by bulk indexers that already know them; otherwise the item's
    themes are read (prefetch them).
    """
    terms: dict[str, float] = defaultdict(float)

    def merge(part: dict[str, float]) -> None:
        for term, w in part.items():
            if w > terms[term]:
                terms[term] = w

    compact_name = "".join(_CJK.findall(item.name))
    # Field-length normalisation: the same word weighs a little more in a shorter name, so
    # 住房公积金提取 comes before 住房公积金提取（港澳台居民） for 公积金.
    shortness = 1.0 + 1.0 / max(len(compact_name), 1)
    merge(text_terms(item.name, W_NAME * shortness))
    if compact_name:
        full, initials = _pinyin(compact_name)
        merge(
            {
                compact_name[:MAX_TERM]: W_WHOLE_NAME * shortness,
                full[:MAX_TERM]: W_WHOLE_NAME * shortness,
                initials[:MAX_TERM]: W_WHOLE_NAME * shortness * INITIALS_FACTOR,
            }
        )
        merge({ch: W_NAME_CHAR for ch in compact_name})
    merge({item.code.lower()[:MAX_TERM]: W_WHOLE_NAME})
    merge(text_terms(item.department.name, W_DEPARTMENT))
    merge(text_terms(item.result_name, W_RESULT))
    names = theme_names if theme_names is not None else [t.name for t in item.themes.all()]
    for name in names:
        merge(text_terms(name, W_THEME))
    merge(text_terms(item.content, W_CONTENT, pinyin=False))
    return dict(terms)


def _rows(item: ServiceItem, theme_names: Sequence[str] | None = None) -> list[SearchTerm]:
    return [SearchTerm(item_id=item.pk, term=t, weight=w) for t, w in item_terms(item, theme_names).items()]


def reindex_item(item: ServiceItem) -> None:
    """Bring the index of one item version up to date: published versions are indexed, others removed."""
    with transaction.atomic():
        search_cache.bump_generation()
        SearchTerm.objects.filter(item_id=item.pk).delete()
        if item.status != ItemStatus.PUBLISHED:
            return
        SearchTerm.objects.bulk_create(_rows(item), batch_size=2000)


def reindex_items(items: Iterable[ServiceItem], *, theme_names: dict[int, list[str]] | None = None) -> int:
    """Rebuild the index of many item versions in a few queries; returns how many were indexed.

    Load the items with ``select_related("department")`` and either prefetch their themes or pass
    ``theme_names`` (item id → theme names).
    """
    items = list(items)
    indexed = 0
    with transaction.atomic():
        search_cache.bump_generation()
        ids = [i.pk for i in items]
        for start in range(0, len(ids), 900):
            SearchTerm.objects.filter(item_id__in=ids[start : start + 900]).delete()
        batch: list[SearchTerm] = []
        for item in items:
            if item.status != ItemStatus.PUBLISHED:
                continue
            names = theme_names.get(item.pk, []) if theme_names is not None else None
            batch.extend(_rows(item, names))
            indexed += 1
            if len(batch) >= 5000:
                SearchTerm.objects.bulk_create(batch, batch_size=2000)
                batch = []
        SearchTerm.objects.bulk_create(batch, batch_size=2000)
    return indexed


def reindex_all(items: Iterable[ServiceItem] | None = None) -> int:
    """Rebuild the index of the given (or all published) items; returns how many were indexed."""
    if items is not None:
        return reindex_items(items)
    qs = (
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
        .select_related("department")
        .prefetch_related("themes")
        .order_by("pk")
    )
    return reindex_items(qs)


@dataclass(frozen=True)
class QueryWord:
    """One word of a query and the index terms that match it.

    ``exact`` terms are worth ``F_EXACT``, ``subwords`` ``F_SUBWORD`` and a term starting with
    ``prefix`` (when set) ``F_PREFIX`` of the matched term's weight.
    """

    text: str
    exact: tuple[str, ...]
    subwords: tuple[str, ...] = ()
    prefix: str | None = None

    @property
    def all_terms(self) -> tuple[str, ...]:
        return self.exact + self.subwords


def parse_query(q: str) -> list[QueryWord]:
    """The words of a query (at most ``MAX_QUERY_WORDS``), each with the terms it looks up."""
    return list(_parse_query(q))


@lru_cache(maxsize=4096)
def _parse_query(q: str) -> tuple[QueryWord, ...]:
    # A pure function of the text (jieba's dictionary is fixed): popular queries are cut once.
    out: list[QueryWord] = []
    seen: set[str] = set()
    for chunk in _WORD.findall(q):
        if _CJK.match(chunk):
            for word in jieba.cut(chunk):
                word = word.strip()[:MAX_TERM]
                if not word or word in seen:
                    continue
                seen.add(word)
                subs = tuple(
                    s for s in dict.fromkeys(jieba.cut_for_search(word)) if s != word and len(s) >= 2 and s not in seen
                )
                out.append(QueryWord(text=word, exact=(word,), subwords=subs))
        else:
            word = chunk.lower()[:MAX_TERM]
            if word in seen:
                continue
            seen.add(word)
            prefix = word if len(word) >= MIN_PREFIX and "-" not in word else None
            out.append(QueryWord(text=word, exact=(word,), prefix=prefix))
    return tuple(out[:MAX_QUERY_WORDS])


def query_terms(q: str) -> list[str]:
    """Every term a query looks up exactly (its words and their finer words)."""
    terms: list[str] = []
    for word in parse_query(q):
        for term in word.all_terms:
            if term not in terms:
                terms.append(term)
    return terms
