"""Reads of the catalog. Only published versions are visible to the public."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import psycopg
from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.catalog import search
from tongban.catalog.constants import CrossRegionMode, ItemKind, ItemStatus, ServiceObject
from tongban.catalog.models import BaseItem, SearchTerm, ServiceItem
from tongban.core.errors import NotFound, ValidationFailed
from tongban.regions.models import Department, Region


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)


def item_get(*, code: str) -> ServiceItem:
    """The published version of the item with this implementation code."""
    try:
        return (
            published_items()
            .select_related("base", "region", "department")
            .prefetch_related("materials", "themes")
            .get(code=code)
        )
    except ServiceItem.DoesNotExist:
        raise NotFound(code="item_not_found") from None


@dataclass(frozen=True)
class ItemSummary:
    """One line of a search result or item list."""

    code: str
    base_code: str
    name: str
    region: str
    region_name: str
    department: str
    department_name: str
    kind: str
    service_object: str
    cross_region_mode: str
    promised_limit_days: int
    visits_needed: int
    online_depth: int
    score: float = 0.0


@dataclass(frozen=True)
class SearchPage:
    """One page of search results and how many items matched in all."""

    count: int
    page: int
    page_size: int
    items: list[ItemSummary]


MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_QUERY_LENGTH = 100
_REGION_CODE = re.compile(r"^\d{6}$")
_PUBLISHED_SQL = f"'{ItemStatus.PUBLISHED.value}'"  # a code constant, formatted into SQL as a literal

_SUMMARY_COLUMNS = (
    "id",
    "code",
    "base_code",
    "name",
    "region",
    "region_name",
    "department",
    "department_name",
    "kind",
    "service_object",
    "cross_region_mode",
    "promised_limit_days",
    "visits_needed",
    "online_depth",
)


def _summary(row: tuple[Any, ...], score: float = 0.0) -> ItemSummary:
    return ItemSummary(
        code=row[1],
        base_code=row[2],
        name=row[3],
        region=row[4],
        region_name=row[5],
        department=row[6],
        department_name=row[7],
        kind=row[8],
        service_object=row[9],
        cross_region_mode=row[10],
        promised_limit_days=row[11],
        visits_needed=row[12],
        online_depth=row[13],
        score=score,
    )


@dataclass(frozen=True)
class _Filters:
    """Validated search filters. Whether the region and department exist is checked only when
    nothing matched (``check_exist``): a match proves they do, and the common case saves queries."""

    region: str | None = None
    department: str | None = None
    kind: str | None = None
    service_objects: tuple[str, ...] = ()
    cross_region_mode: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        region: str | None,
        department: str | None,
        kind: str | None,
        service_object: str | None,
        cross_region_mode: str | None,
    ) -> _Filters:
        if region and not _REGION_CODE.match(region):
            raise ValidationFailed(_("Unknown region code."), code="invalid_region")
        if department and len(department) > 40:
            raise ValidationFailed(_("Unknown department code."), code="invalid_department")
        if kind and kind not in ItemKind.values:
            raise ValidationFailed(_("Unknown item kind."), code="invalid_kind")
        objects: tuple[str, ...] = ()
        if service_object:
            if service_object not in ServiceObject.values:
                raise ValidationFailed(_("Unknown service object."), code="invalid_service_object")
            objects = (
                (ServiceObject.BOTH.value,)
                if service_object == ServiceObject.BOTH
                else (service_object, ServiceObject.BOTH.value)
            )
        if cross_region_mode and cross_region_mode not in CrossRegionMode.values:
            raise ValidationFailed(_("Unknown cross-region mode."), code="invalid_cross_region_mode")
        return cls(
            region=region or None,
            department=department or None,
            kind=kind or None,
            service_objects=objects,
            cross_region_mode=cross_region_mode or None,
        )

    @property
    def any(self) -> bool:
        return bool(self.region or self.department or self.kind or self.service_objects or self.cross_region_mode)

    def check_exist(self) -> None:
        if self.region and not Region.objects.filter(code=self.region).exists():
            raise ValidationFailed(_("Unknown region code."), code="invalid_region")
        if self.department:
            departments = Department.objects.filter(code=self.department)
            if self.region:
                departments = departments.filter(region_id=self.region)
            if not departments.exists():
                raise ValidationFailed(_("Unknown department code."), code="invalid_department")

    def lookups(self) -> dict[str, Any]:
        """The filters as lookups on ``ServiceItem`` (published items only)."""
        out: dict[str, Any] = {"status": ItemStatus.PUBLISHED}
        if self.region:
            out["region_id"] = self.region
        if self.department:
            out["department__code"] = self.department
        if self.kind:
            out["kind"] = self.kind
        if self.service_objects:
            out["service_object__in"] = self.service_objects
        if self.cross_region_mode:
            out["cross_region_mode"] = self.cross_region_mode
        return out

    def sql(self, item: str, department: str) -> tuple[list[str], list[Any]]:
        """WHERE conditions on the aliases ``item`` and ``department`` (joined when needed)."""
        # The status is a literal, not a parameter: a prepared statement's generic plan can then
        # use the partial index of published items.
        conds = [f"{item}.status = {_PUBLISHED_SQL}"]
        params: list[Any] = []
        if self.region:
            conds.append(f"{item}.region_id = %s")
            params.append(self.region)
        if self.department:
            conds.append(f"{department}.code = %s")
            params.append(self.department)
        if self.kind:
            conds.append(f"{item}.kind = %s")
            params.append(self.kind)
        if self.service_objects:
            conds.append(f"{item}.service_object IN ({', '.join(['%s'] * len(self.service_objects))})")
            params.extend(self.service_objects)
        if self.cross_region_mode:
            conds.append(f"{item}.cross_region_mode = %s")
            params.append(self.cross_region_mode)
        return conds, params


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Terms starting with ``prefix`` are those in [prefix, upper) in byte order."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


_plan_modes: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


def _fetch_all(sql: str, params: list[Any], *, generic_plan: bool = False) -> list[tuple[Any, ...]]:
    """The rows of a read on the default database.

    On PostgreSQL the statement is prepared (server-side binding, ``prepare=True``) on the
    persistent connection: the search's statements come in few shapes, and planning them cost
    more than running them. ``generic_plan`` asks PostgreSQL to plan such a statement once for
    any parameters (``plan_cache_mode``, a session setting that only concerns prepared
    statements, which Django's own cursors never make); right for the unfiltered search,
    whose best plan does not depend on the terms; wrong where the filters' selectivity matters.
    """
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        conn = connection.connection
        mode = "force_generic_plan" if generic_plan else "auto"
        with psycopg.Cursor(conn) as cursor:
            if _plan_modes.get(conn, "auto") != mode:
                cursor.execute(f"SET plan_cache_mode = {mode}")
                _plan_modes[conn] = mode
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _ranked_page(
    words: list[search.QueryWord], filters: _Filters, *, offset: int, limit: int
) -> tuple[int, list[tuple[Any, ...]]]:
    """How many items match, and the summary rows (with score last) of one page of them, best first.

    One statement, written in SQL because it is the portal's hot path (the ORM's compilation
    alone cost more than the database's work):

    - ``h``: the index rows of every exact term, plus one range per pinyin prefix. A prefix is
      a range of the index, [prefix, next prefix): SQLite's LIKE ignores case and cannot use
      the index (terms are lower-case, the index is in byte order), and on PostgreSQL the
      ``varchar_pattern_ops`` operators are what LIKE 'prefix%' becomes anyway. Each part is
      read from the (covering) index alone.
    - ``m``: per item and query word, the best weight × factor reached;
    - ``r``: the items passing the filters, ranked by how many words they match, then by summed
      score, counted with a window function, cut to the page;
    - finally the summary columns of the page's items only.
    """
    postgres = connection.vendor == "postgresql"
    ge, lt = ("~>=~", "~<~") if postgres else (">=", "<")

    def one_of(column: str, terms: list[str]) -> tuple[str, list[Any]]:
        if postgres:
            return f"{column} = ANY(%s)", [terms]
        return f"{column} IN ({', '.join(['%s'] * len(terms))})", list(terms)

    exact_terms = list(dict.fromkeys(t for w in words for t in w.all_terms))
    term_table = _table(SearchTerm)
    cond, h_params = one_of("t.term", exact_terms)
    h_select = f"SELECT t.item_id, t.term, t.weight FROM {term_table} t WHERE"  # noqa: S608
    h_parts = [f"{h_select} {cond}"]
    select_parts: list[str] = []
    select_params: list[Any] = []
    for n, word in enumerate(words):
        cond, params = one_of("h.term", list(word.exact))
        whens = [f"WHEN {cond} THEN h.weight * {search.F_EXACT!r}"]
        select_params.extend(params)
        if word.subwords:
            cond, params = one_of("h.term", list(word.subwords))
            whens.append(f"WHEN {cond} THEN h.weight * {search.F_SUBWORD!r}")
            select_params.extend(params)
        if word.prefix:
            low, high = _prefix_range(word.prefix)
            h_parts.append(f"{h_select} t.term {ge} %s AND t.term {lt} %s")
            h_params.extend([low, high])
            whens.append(f"WHEN h.term {ge} %s AND h.term {lt} %s THEN h.weight * {search.F_PREFIX!r}")
            select_params.extend([low, high])
        select_parts.append(f"MAX(CASE {' '.join(whens)} ELSE 0.0 END) AS s{n}")
    scores = [f"m.s{n}" for n in range(len(words))]
    matched = " + ".join(f"CASE WHEN {s} > 0 THEN 1 ELSE 0 END" for s in scores)
    if filters.any:
        conds, filter_params = filters.sql("i", "d")
        department_join = f"JOIN {_table(Department)} d ON d.id = i.department_id" if filters.department else ""
        filtered = f"JOIN {_table(ServiceItem)} i ON i.id = m.item_id {department_join} WHERE {' AND '.join(conds)}"
    else:  # only published versions are in the index: no need to read the items before ranking
        filter_params = []
        filtered = ""
    # Only table names, placeholders, operators, aliases and float factors are formatted in;
    # every value is a parameter.
    sql = " ".join(
        (
            f"WITH h AS ({' UNION ALL '.join(h_parts)}),",
            f"m AS (SELECT h.item_id, {', '.join(select_parts)} FROM h GROUP BY h.item_id),",  # noqa: S608
            f"r AS (SELECT m.item_id, ({matched}) AS matched, ({' + '.join(scores)}) AS score,",
            "COUNT(*) OVER () AS total",
            f"FROM m {filtered}",
            "ORDER BY matched DESC, score DESC, m.item_id LIMIT %s OFFSET %s)",
            "SELECT i.id, i.code, b.base_code, i.name, i.region_id, g.name, d.code, d.name, i.kind,",
            "i.service_object, i.cross_region_mode, i.promised_limit_days, i.visits_needed, i.online_depth,",
            "r.score, r.total",
            f"FROM r JOIN {_table(ServiceItem)} i ON i.id = r.item_id",
            f"JOIN {_table(BaseItem)} b ON b.id = i.base_id",
            f"JOIN {_table(Region)} g ON g.code = i.region_id",
            f"JOIN {_table(Department)} d ON d.id = i.department_id",
            f"WHERE i.status = {_PUBLISHED_SQL}",
            "ORDER BY r.matched DESC, r.score DESC, r.item_id",
        )
    )
    params = [*h_params, *select_params, *filter_params]
    generic = not filters.any
    rows = _fetch_all(sql, [*params, limit, offset], generic_plan=generic)
    if not rows and offset:  # past the last page: count from the first
        first = _fetch_all(sql, [*params, 1, 0], generic_plan=generic)
        return (first[0][-1] if first else 0), []
    return (rows[0][-1] if rows else 0), rows


def _summaries(ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Summary rows of published items by id, in one query."""
    if not ids:
        return {}
    postgres = connection.vendor == "postgresql"
    id_cond = "i.id = ANY(%s)" if postgres else f"i.id IN ({', '.join(['%s'] * len(ids))})"
    sql = " ".join(
        (
            "SELECT i.id, i.code, b.base_code, i.name, i.region_id, r.name, d.code, d.name, i.kind,",
            "i.service_object, i.cross_region_mode, i.promised_limit_days, i.visits_needed, i.online_depth",
            f"FROM {_table(ServiceItem)} i",
            f"JOIN {_table(BaseItem)} b ON b.id = i.base_id",
            f"JOIN {_table(Region)} r ON r.code = i.region_id",
            f"JOIN {_table(Department)} d ON d.id = i.department_id",
            f"WHERE i.status = {_PUBLISHED_SQL} AND {id_cond}",
        )
    )
    id_params: list[Any] = [list(ids)] if postgres else list(ids)
    return {row[0]: row for row in _fetch_all(sql, id_params)}


def item_search(
    *,
    q: str = "",
    region: str | None = None,
    department: str | None = None,
    kind: str | None = None,
    service_object: str | None = None,
    cross_region_mode: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """Published items matching a free-text query (Chinese, pinyin or initials) and filters.

    With a query, the best matches come first: items matching more of the query's words, then
    higher summed weight (a match in the name outweighs one in the content). Without one, all
    items passing the filters, ordered by code. Bad filter values raise ``ValidationFailed``.
    """
    if page < 1:
        raise ValidationFailed(_("The page number must be 1 or more."), code="invalid_page")
    if page > MAX_PAGE:  # before any query: (page - 1) * page_size must fit a database integer
        raise ValidationFailed(_("The page number is too large."), code="invalid_page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            _("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE}, code="invalid_page_size"
        )
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationFailed(
            _("The search text may have at most %(max)d characters.") % {"max": MAX_QUERY_LENGTH},
            code="invalid_query",
        )
    filters = _Filters.parse(
        region=region,
        department=department,
        kind=kind,
        service_object=service_object,
        cross_region_mode=cross_region_mode,
    )
    start = (page - 1) * page_size
    words = search.parse_query(q) if q else []
    if not words:
        if q:  # only punctuation or symbols: nothing can match
            filters.check_exist()
            return SearchPage(count=0, page=page, page_size=page_size, items=[])
        qs = ServiceItem.objects.filter(**filters.lookups())
        count = qs.count()
        if count == 0:
            filters.check_exist()
        ids = list(qs.order_by("code").values_list("id", flat=True)[start : start + page_size])
        by_id = _summaries(ids)
        items = [_summary(by_id[i]) for i in ids if i in by_id]
        return SearchPage(count=count, page=page, page_size=page_size, items=items)

    count, rows = _ranked_page(words, filters, offset=start, limit=page_size)
    if not count:
        filters.check_exist()
    items = [_summary(row, float(row[14])) for row in rows]
    return SearchPage(count=count, page=page, page_size=page_size, items=items)


def item_history(*, code: str) -> list[ServiceItem]:
    """Every version of an item, newest first: the draft, the live version, superseded and withdrawn ones."""
    versions = list(
        ServiceItem.objects.filter(code=code)
        .select_related("base", "region", "department")
        .prefetch_related("materials", "themes")
        .order_by("-version")
    )
    if not versions:
        raise NotFound(code="item_not_found")
    return versions
