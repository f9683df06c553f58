"""Hot statements of the cases app (the fast path, ADR 0003 and ADR 0020).

The only module of the app that imports ``tongban.core.fastpath``: the services, selectors, forms
and API call the functions below and read as business rules.

- ``lock_case``: the row lock of every transition, in one prepared statement with the head of the
  case's audit stream (a hint for the append), the content keys of its item and of the item's
  materials, and, for a staff actor, the actor's strongest role in the case's department.
- The item and its materials come from a per-process copy kept under their content keys
  (``fastpath.RowKey``/``RowsKey``), read in that same statement: a copy is used only for an item
  that reads exactly as the copy was read, whatever changed it in between and wherever.
- Roles, the case number counter, the draft insert, the material rows of the API.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.base import ModelState

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import StaffRole
from tongban.cases.constants import MaterialStatus
from tongban.cases.errors import CaseNotFound
from tongban.cases.models import Case, CaseMaterial, CaseNumberCounter
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import Material, ServiceItem
from tongban.core.audit import hint_head
from tongban.core.fastpath import CompiledQuery, RowKey, RowsKey, execute, insert_with, key_of_no_rows
from tongban.core.models import AuditStreamHead

DEPARTMENT_ROLES = (StaffRoleKind.REVIEWER, StaffRoleKind.DEPARTMENT_HEAD)

# ------------------------------------------------------------------ roles

_ROLES_IN_DEPARTMENT = CompiledQuery(
    lambda user_id, department_id: StaffRole.objects.filter(user_id=user_id, department_id=department_id).values_list(
        "role"
    ),
    arity=2,
)
_WINDOW_CLERK_IN_REGION = CompiledQuery(
    lambda user_id: (
        StaffRole.objects.filter(user_id=user_id, role=StaffRoleKind.WINDOW_CLERK)
        .values_list("department__region_id")
        .distinct()
    ),
    arity=1,
)


def roles_in_department(user_id: int, department_id: int) -> set[str]:
    """Every role the user holds in the department."""
    return {row[0] for row in _ROLES_IN_DEPARTMENT.rows(user_id, department_id)}


def window_clerk_regions(user_id: int) -> set[str]:
    """The regions in which the user is a clerk of a comprehensive window (综合窗口)."""
    return {row[0] for row in _WINDOW_CLERK_IN_REGION.rows(user_id)}


def department_role_read_with_lock(case: Case, user_id: int) -> tuple[bool, str | None]:
    """(known, role): the user's strongest reviewer/head role in the case's department as read with
    the lock, when the lock was taken for this user (``lock_case(..., actor_id=...)``)."""
    if case.__dict__.get("_actor_role_known") != user_id:
        return False, None
    role = case.__dict__.get("_actor_department_role")
    return True, str(role) if role else None


# ------------------------------------------------------------------ the lock


def _locked_case(pk: int, stream: str) -> QuerySet[Case]:
    # The head of the case's audit stream comes with the lock (not locked itself): a hint that lets
    # the transition's event be appended in the statement of its other writes (audit.hint_head).
    # The item is not read with it, only the content keys of its row and of its materials' rows.
    heads = AuditStreamHead.objects.filter(stream=stream)
    return (
        Case.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .annotate(
            _item_key=RowKey("item__code"),
            _materials_key=RowsKey(Material, "item", F("item_id")),
            _head_seq=Subquery(heads.values("seq")[:1]),
            _head_hash=Subquery(heads.values("last_hash")[:1]),
        )
    )


_LOCKED_CASE = CompiledQuery(_locked_case, arity=2, text_args=(1,))
# A staff member's transition: the same row lock, and in the same statement the actor's strongest
# role of the case's department ("department_head" sorts before "reviewer"), or NULL.
_LOCKED_CASE_WITH_ROLE = CompiledQuery(
    lambda pk, stream, user_id: _locked_case(pk, stream).annotate(
        _actor_department_role=Subquery(
            StaffRole.objects.filter(
                user_id=user_id, department_id=OuterRef("department_id"), role__in=DEPARTMENT_ROLES
            )
            .order_by("role")
            .values("role")[:1]
        )
    ),
    arity=3,
    text_args=(1,),
)


def lock_case(case: Case | int, *, actor_id: int | None = None) -> Case:
    """The case's row, locked until the transaction ends, with its item (and the item's materials
    key); with ``actor_id`` (staff), also the actor's role in the case's department, in the same
    statement. ``CaseNotFound`` when there is no such case."""
    pk = case.pk if isinstance(case, Case) else case
    if pk is None:
        raise CaseNotFound()
    locked: Case | None
    stream = Case.stream_of(int(pk))
    if actor_id is not None:
        locked = _LOCKED_CASE_WITH_ROLE.first(int(pk), stream, int(actor_id))
        if locked is not None:
            locked.__dict__["_actor_role_known"] = actor_id
    else:
        locked = _LOCKED_CASE.first(int(pk), stream)
    if locked is None:
        raise CaseNotFound()
    hint_head(stream=stream, seq=locked.__dict__.pop("_head_seq"), last_hash=locked.__dict__.pop("_head_hash"))
    _attach_item(locked, locked.__dict__.pop("_item_key"), locked.__dict__.pop("_materials_key"))
    return locked


# ------------------------------------------------------------------ items and materials, per process

# Item rows by (id, content key). A transition reads its case's item (limits, form, cross-region
# mode); the lock reads the row's content key, so a kept copy serves only that exact content.
_ITEMS: dict[tuple[int, str], ServiceItem] = {}
_ITEM_WITH_KEY = CompiledQuery(lambda pk: ServiceItem.objects.filter(pk=pk).annotate(_row_key=RowKey("code")), arity=1)


def _attach_item(case: Case, item_key: str, materials_key: str | None) -> None:
    """Put the case's item on it (``case.item``; no query when this process has this content)."""
    item = _ITEMS.get((case.item_id, item_key))
    if item is None:
        item = _ITEM_WITH_KEY.first(case.item_id)
        if item is None:
            raise CaseNotFound()
        # the key read with the row: if the item changed since the lock, this is the newer content,
        # kept under its own key (never under the lock's)
        read_key = str(item.__dict__.pop("_row_key"))
        if len(_ITEMS) >= 1024:
            _ITEMS.clear()
        _ITEMS[(case.item_id, read_key)] = item
    # each case gets its own copy: the same field values, a state and caches of its own
    clone = ServiceItem.__new__(ServiceItem)
    clone.__dict__.update(item.__dict__)
    clone._state = ModelState()
    clone._state.db, clone._state.adding = item._state.db, False
    if materials_key is not None:
        clone.__dict__["_materials_key"] = materials_key
    Case.item.field.set_cached_value(case, clone)


_MATERIALS = CompiledQuery(lambda item_id: Material.objects.filter(item_id=item_id), arity=1)
_MATERIALS_WITH_KEY = CompiledQuery(
    lambda item_id: Material.objects.filter(item_id=item_id).annotate(
        _rows_key=RowsKey(Material, "item", Value(item_id))
    ),
    arity=1,
)
# Material rows of an item by (item id, content key of all its material rows).
_MATERIALS_KEPT: dict[tuple[int, str], tuple[Material, ...]] = {}


def item_materials(item: ServiceItem) -> list[Material]:
    """The item's materials in their order (``item.materials.all()``, on the submission's hot path).

    An item read with the content key of its materials (the case lock, ``published_item``) gets
    them from this process's copy for that key; any other item reads them.
    """
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get("materials")
    if prefetched is not None:
        return list(prefetched)
    if item.pk is None:
        return []
    key = item.__dict__.get("_materials_key")
    if key is None:
        return _MATERIALS.objects(item.pk)
    found = _MATERIALS_KEPT.get((item.pk, key))
    if found is not None:
        return list(found)
    if key == key_of_no_rows(connection):
        return []
    rows: list[Material] = list(_MATERIALS_WITH_KEY.objects(item.pk))
    if not rows:  # (deleted since the key was read)
        return []
    read_key = ""
    for row in rows:
        read_key = str(row.__dict__.pop("_rows_key"))
    if len(_MATERIALS_KEPT) >= 4096:
        _MATERIALS_KEPT.clear()
    _MATERIALS_KEPT[(item.pk, read_key)] = tuple(rows)
    return rows


def published_item(code: str) -> ServiceItem | None:
    """The published item with this code, with its department and region and the content key of
    its materials (so that a draft of it finds them in this process's copy)."""
    return (
        ServiceItem.objects.select_related("department", "region")
        .filter(code=code, status=ItemStatus.PUBLISHED)
        .annotate(_materials_key=RowsKey(Material, "item", F("pk")))
        .first()
    )


# ------------------------------------------------------------------ numbers, drafts, materials of a case


def next_case_number(region: str, day: dt.date) -> int:
    """The next number of the per-region, per-day sequence, incremented in one upsert.

    The upsert takes the counter row's lock until the transaction ends, so two submissions
    never get the same number and a rolled-back one gives its number back.
    """
    table = CaseNumberCounter._meta.db_table
    ((last,),) = execute(
        connection,
        f"INSERT INTO {table} (region_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608 (table name is ours)
        f"ON CONFLICT (region_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
        [region, day],
    )
    return int(last)


_LICENCE_NUMBERS_USED = CompiledQuery(
    lambda case_id: CaseMaterial.objects.filter(case_id=case_id, status=MaterialStatus.LICENCE).values_list(
        "licence_number"
    ),
    arity=1,
)


def licence_numbers_used(case_id: int) -> list[str]:
    """The licence numbers the case's materials were replaced by (免提交)."""
    return [row[0] for row in _LICENCE_NUMBERS_USED.rows(case_id) if row[0]]


def _material_rows_sql() -> tuple[str, list[Any]]:
    """``INSERT … SELECT``: one ``CaseMaterial`` row (with the model's defaults) per material of the
    item, in the item's order, for the case ``__new__.id``; parameters: the defaults, then the item."""
    quote = connection.ops.quote_name
    template = CaseMaterial()
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in CaseMaterial._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(str(field.column)))
        if field.name == "case":
            values.append("n.id")
        elif field.name == "material":
            values.append("mt.id")
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(template, True), connection))
    sql = (
        f"INSERT INTO {quote(CaseMaterial._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 (our names)
        f"SELECT {', '.join(values)} FROM __new__ n, {quote(Material._meta.db_table)} mt "
        f'WHERE mt.item_id = %s ORDER BY mt."order", mt.id'
    )
    return sql, params


def insert_case(case: Case) -> None:
    """``Case.objects.create`` and a material row per material of its item, in one prepared statement
    on PostgreSQL (every online application starts here); the new case's audit stream has no head
    yet, which the first event's append is told."""
    sql, params = _material_rows_sql()
    insert_with(case, then=sql, then_params=[*params, case.item_id])
    hint_head(stream=case.stream, seq=None, last_hash=None)


_CASE_MATERIALS = CompiledQuery(
    lambda case_id: (
        CaseMaterial.objects.select_related("material").filter(case_id=case_id).order_by("material__order", "id")
    ),
    arity=1,
)


def case_materials(case_id: int) -> list[CaseMaterial]:
    """The case's material rows in the item's order, with their materials (in every answer of the API)."""
    return _CASE_MATERIALS.objects(case_id)


_CASE_FOR_WRITE = CompiledQuery(
    lambda pk: Case.objects.select_related("item", "department", "applicant").filter(pk=pk), arity=1
)


def case_with_item_department_applicant(case_id: int) -> Case | None:
    """The case with its item, department and applicant (what a write through the API checks first)."""
    return _CASE_FOR_WRITE.first(case_id)
