"""Writes of the catalog: the national base list, drafts, versions and publication of items.

Every service is keyword-only, names its acting user and runs in one transaction. ``actor``
is a ``User``, or ``None`` for the system itself (the command line run by the node's
operator, data loaders); a ``User`` must be a superuser or hold the ``catalog_admin`` role
(see ``can_manage_department``).

Versions: ``code`` names an item across versions. A new code starts as version 1 draft;
``item_draft_start`` copies the live (or latest) version into a new draft; the live version
stays live until ``item_publish`` publishes the draft, which supersedes it in the same
transaction. Superseded and withdrawn versions are kept as history.

The six basic elements (六统一要素) an implementation item must share with its national base
item, as enforced by ``item_input_problems``:

- kind (事项类型): equal to the base item's kind;
- legal basis (设定依据): every law named by the base item must be named by the item (a region
  may add its own regulations); law names are compared ignoring brackets, punctuation, spaces,
  full/half width and the prefix 中华人民共和国 (see ``law_key``);
- name (事项名称): equal to the base name, or the base name with a qualifier around it (region,
  level, situation: ``食品经营许可（天津市）``) — the base name must appear whole in the item name;
- code: fixed per item: a new version keeps the code, region and base item of the first one;
- competent department and implementing body: the item's department must exist in the item's region.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError as PydanticValidationError

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.selectors import user_department_ids
from tongban.catalog import events
from tongban.catalog.constants import ITEM_TRANSITIONS, ItemAction, ItemStatus, SpecialStepKind
from tongban.catalog.models import BaseItem, Material, ServiceItem, Theme
from tongban.catalog.schemas import BaseItemIn, ItemIn, MaterialIn, input_error_details
from tongban.catalog.search import reindex_item
from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.core.workflow import Move, Workflow
from tongban.regions.models import Department, Region

Actor = User | None

# Fields of ServiceItem copied from ItemIn as they are (JSON lists are stored as plain data).
_SCALAR_FIELDS = (
    "name",
    "name_en",
    "kind",
    "handling_type",
    "service_object",
    "content",
    "legal_limit_days",
    "promised_limit_days",
    "limit_note",
    "result_form",
    "result_name",
    "licence_type_code",
    "handling_place",
    "office_hours",
    "visits_needed",
    "online_depth",
    "cross_region_mode",
    "reform_mode",
    "commitment_allowed",
    "commitment_text",
    "gap_acceptance_allowed",
    "service_commitments",
    "consultation_phone",
    "complaint_phone",
)
_JSON_FIELDS = ("conditions", "legal_basis", "fees", "channels", "special_steps", "process", "faq", "situations")
_JSON_FIELDS_ALL = (*_JSON_FIELDS, "form_fields")
_COPIED_FIELDS = ("base_id", "region_id", "department_id", *_SCALAR_FIELDS, *_JSON_FIELDS_ALL)


def _record_item_move(move: Move[ServiceItem]) -> AuditEvent | None:
    """The audit event of a version's move: publishing names the version it superseded (the superseded
    version's own move is recorded by that event); a draft's update records its changed fields itself."""
    if move.action == ItemAction.PUBLISH:
        return events.item_published(actor=move.actor, item=move.obj, superseded=(move.data or {}).get("superseded"))
    if move.action == ItemAction.WITHDRAW:
        return events.item_withdrawn(actor=move.actor, item=move.obj, reason=move.reason)
    return None


# The item workflow: every change of a version's status is checked against ``constants.ITEM_TRANSITIONS``.
ITEMS: Workflow[ServiceItem] = Workflow(
    name="item",
    model=ServiceItem,
    table=ITEM_TRANSITIONS,
    label=lambda status: ItemStatus(status).label,
    record=_record_item_move,
    not_allowed=gettext_lazy("This action is not allowed for a version in status “%(status)s”."),
)


# --- permissions -------------------------------------------------------------------------------


def _ancestor_codes(region: Region) -> set[str]:
    codes: set[str] = set()
    current: Region | None = region
    while current is not None and current.code not in codes:
        codes.add(current.code)
        current = current.parent
    return codes


def can_manage_department(*, actor: Actor, department: Department) -> bool:
    """May ``actor`` write the items of ``department``?

    The system and superusers may; a member of staff may when they hold ``catalog_admin`` in
    that very department, or in any department of a region above it (a province's catalog
    office manages its cities' and districts' lists).
    """
    if actor is None:
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    dept_ids = user_department_ids(user=actor, role=StaffRoleKind.CATALOG_ADMIN)
    if not dept_ids:
        return False
    if department.pk in dept_ids:
        return True
    above = _ancestor_codes(department.region) - {department.region_id}
    return Department.objects.filter(pk__in=dept_ids, region_id__in=above).exists()


def _require_catalog_admin(actor: Actor) -> None:
    if actor is None:
        return
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied()
    if actor.is_superuser:
        return
    if not user_department_ids(user=actor, role=StaffRoleKind.CATALOG_ADMIN):
        raise PermissionDenied(_("Only catalog administrators may change the catalog."), code="not_catalog_admin")


def _require_department(actor: Actor, department: Department) -> None:
    if not can_manage_department(actor=actor, department=department):
        raise PermissionDenied(
            _("You may not change the items of %(department)s.") % {"department": department.name},
            code="not_catalog_admin_of_department",
        )


# --- validation --------------------------------------------------------------------------------


def _problem(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


_PRC = "中华人民共和国"


def law_key(name: str) -> str:
    """A law's name as compared with the base list.

    Width-folded (NFKC), without spaces, brackets and punctuation, and without the prefix
    中华人民共和国 (《中华人民共和国计量法》 and 《计量法》 name the same law), as the uniformity
    comparison reads law titles.
    """
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith(("P", "S")))
    return text.removeprefix(_PRC)


def _name_key(name: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", name))


@dataclass
class ResolvedItem:
    """The database rows an ``ItemIn`` refers to, once it is valid."""

    region: Region
    department: Department
    base: BaseItem
    themes: list[Theme]


def basic_element_problems(*, data: ItemIn, base: BaseItem) -> list[dict[str, Any]]:
    """Where the item departs from its base item's basic elements (see the module's docstring)."""
    problems: list[dict[str, Any]] = []
    if data.kind != base.kind:
        problems.append(
            _problem(
                "kind",
                "kind_mismatch",
                _("The kind must be the same as the base list's: %(kind)s.") % {"kind": base.get_kind_display()},
            )
        )
    if _name_key(base.name) not in _name_key(data.name):
        problems.append(
            _problem(
                "name",
                "name_mismatch",
                _("The name must be the base list's name “%(name)s”, optionally with a qualifier.")
                % {"name": base.name},
            )
        )
    item_laws = {law_key(e.law) for e in data.legal_basis}
    missing = [e["law"] for e in base.legal_basis if law_key(str(e.get("law", ""))) not in item_laws]
    if missing:
        problems.append(
            _problem(
                "legal_basis",
                "legal_basis_mismatch",
                _("The legal basis must name every law of the base list; missing: %(laws)s.")
                % {"laws": "、".join(missing)},
            )
        )
    return problems


def item_input_problems(
    *, data: ItemIn, existing: ServiceItem | None = None
) -> tuple[list[dict[str, Any]], ResolvedItem | None]:
    """Every problem of ``data`` that needs the database, and the rows it refers to when there are none.

    ``existing`` is a version of the same item (for a draft update or a new version); without
    it the code must be new.
    """
    problems: list[dict[str, Any]] = []
    region = Region.objects.filter(code=data.region).first()
    department: Department | None = None
    if region is None:
        problems.append(_problem("region", "region_not_found", _("No region has this code.")))
    else:
        department = Department.objects.filter(region=region, code=data.department).select_related("region").first()
        if department is None:
            if Department.objects.filter(code=data.department).exists():
                problems.append(
                    _problem(
                        "department",
                        "department_not_in_region",
                        _("This department does not belong to region %(region)s.") % {"region": region.code},
                    )
                )
            else:
                problems.append(_problem("department", "department_not_found", _("No department has this code.")))
    base = BaseItem.objects.filter(base_code=data.base_code).first()
    if base is None:
        problems.append(_problem("base_code", "base_not_found", _("No item of the base list has this code.")))
    else:
        problems.extend(basic_element_problems(data=data, base=base))

    if existing is None:
        if ServiceItem.objects.filter(code=data.code).exists():
            problems.append(_problem("code", "item_code_exists", _("An item with this code already exists.")))
    else:
        if data.code != existing.code:
            problems.append(_problem("code", "code_mismatch", _("The code of an item cannot change.")))
        if data.region != existing.region_id:
            problems.append(_problem("region", "region_change", _("The region of an item cannot change.")))
        if base is not None and base.pk != existing.base_id:
            problems.append(_problem("base_code", "base_change", _("The base item of an item cannot change.")))

    if data.promised_limit_days > data.legal_limit_days:
        problems.append(
            _problem(
                "promised_limit_days",
                "promised_exceeds_legal",
                _("The promised time limit may not exceed the legal time limit."),
            )
        )
    for i, step in enumerate(data.special_steps):
        if step.kind not in SpecialStepKind.values:
            problems.append(
                _problem(
                    f"special_steps.{i}.kind",
                    "invalid_choice",
                    _("The value is not one of the allowed choices."),
                )
            )
    if len(set(data.channels)) != len(data.channels):
        problems.append(_problem("channels", "duplicate_channel", _("A channel is listed twice.")))
    seen: set[str] = set()
    for i, m in enumerate(data.materials):
        if m.code in seen:
            problems.append(
                _problem(f"materials.{i}.code", "duplicate_material_code", _("Two materials have the same code."))
            )
        seen.add(m.code)
    situation_codes = [s.code for s in data.situations]
    if len(set(situation_codes)) != len(situation_codes):
        problems.append(_problem("situations", "duplicate_situation", _("Two situations have the same code.")))
    theme_codes = list(dict.fromkeys(data.themes))
    themes = list(Theme.objects.filter(code__in=theme_codes))
    unknown = sorted(set(theme_codes) - {t.code for t in themes})
    if unknown:
        problems.append(
            _problem(
                "themes",
                "theme_not_found",
                _("Unknown themes: %(codes)s.") % {"codes": ", ".join(unknown)},
            )
        )
    if problems or region is None or department is None or base is None:
        return problems, None
    return problems, ResolvedItem(region=region, department=department, base=base, themes=themes)


def _validated(*, actor: Actor, data: ItemIn, existing: ServiceItem | None) -> ResolvedItem:
    problems, resolved = item_input_problems(data=data, existing=existing)
    if resolved is None:
        # The department may not resolve; still refuse an actor who may not write the one named.
        department = Department.objects.filter(region_id=data.region, code=data.department).first()
        if department is not None:
            _require_department(actor, department)
        raise ValidationFailed(details=problems)
    _require_department(actor, resolved.department)
    return resolved


# --- writes ------------------------------------------------------------------------------------


def _apply(item: ServiceItem, data: ItemIn, resolved: ResolvedItem) -> list[str]:
    """Copy ``data`` onto ``item`` (unsaved); return the names of the fields that changed."""
    dumped = data.model_dump(mode="json")
    changed: list[str] = []
    new_values: dict[str, Any] = {
        "base_id": resolved.base.pk,
        "region_id": resolved.region.pk,
        "department_id": resolved.department.pk,
    }
    for name in _SCALAR_FIELDS:
        new_values[name] = dumped[name]
    for name in _JSON_FIELDS_ALL:
        new_values[name] = dumped[name]
    for name, value in new_values.items():
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name)
    return changed


def _material_rows(materials: list[MaterialIn]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in materials]


def _replace_materials(item: ServiceItem, materials: list[dict[str, Any]]) -> None:
    item.materials.all().delete()
    Material.objects.bulk_create([Material(item=item, order=i, **m) for i, m in enumerate(materials)])


def _current_materials(item: ServiceItem) -> list[dict[str, Any]]:
    fields = list(MaterialIn.model_fields)
    return [{f: getattr(m, f) for f in fields} for m in item.materials.order_by("order", "id")]


@transaction.atomic
def base_item_upsert(*, actor: Actor, data: BaseItemIn) -> BaseItem:
    """Create or update an entry of the national base list (superusers and the system only)."""
    if actor is not None and not (actor.is_authenticated and actor.is_active and actor.is_superuser):
        raise PermissionDenied(
            _("Only the node's administrators may change the national base list."), code="not_base_list_admin"
        )
    values = data.model_dump(mode="json")
    base = BaseItem.objects.select_for_update().filter(base_code=data.base_code).first()
    created = base is None
    if base is None:
        base = BaseItem.objects.create(**values)
        changed = sorted(values)
    else:
        changed = [k for k, v in values.items() if getattr(base, k) != v]
        for k in changed:
            setattr(base, k, values[k])
        if changed:
            base.save(update_fields=[*changed, "updated_at"])
    if created or changed:
        events.base_item_saved(actor=actor, base=base, created=created, changed=changed)
    return base


@transaction.atomic
def item_draft_create(*, actor: Actor, data: ItemIn) -> ServiceItem:
    """Start a new item: its version 1, as a draft."""
    _require_catalog_admin(actor)
    resolved = _validated(actor=actor, data=data, existing=None)
    item = ServiceItem(code=data.code, version=1, status=ItemStatus.DRAFT)
    _apply(item, data, resolved)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise Conflict(_("An item with this code already exists."), code="item_code_exists") from None
    _replace_materials(item, _material_rows(data.materials))
    item.themes.set(resolved.themes)
    events.item_draft_created(actor=actor, item=item, from_version=None)
    return item


@transaction.atomic
def item_draft_start(*, actor: Actor, code: str) -> ServiceItem:
    """Copy the live version of an item (or, when none is live, its latest one) into a new draft."""
    _require_catalog_admin(actor)
    versions = ServiceItem.objects.select_for_update().filter(code=code)
    if not versions.exists():
        raise NotFound(_("No item has this code."), code="item_not_found")
    if versions.filter(status=ItemStatus.DRAFT).exists():
        raise Conflict(_("This item already has a draft."), code="draft_exists")
    source = (
        versions.filter(status=ItemStatus.PUBLISHED).select_related("department__region").first()
        or versions.select_related("department__region").order_by("-version").first()
    )
    assert source is not None
    _require_department(actor, source.department)
    latest = versions.aggregate(v=Max("version"))["v"] or 0
    draft = ServiceItem(code=code, version=latest + 1, status=ItemStatus.DRAFT)
    for name in _COPIED_FIELDS:
        setattr(draft, name, getattr(source, name))
    try:
        with transaction.atomic():
            draft.save()
    except IntegrityError:
        raise Conflict(_("This item already has a draft."), code="draft_exists") from None
    _replace_materials(draft, _current_materials(source))
    draft.themes.set(source.themes.all())
    events.item_draft_created(actor=actor, item=draft, from_version=source.version)
    return draft


def _locked(item: ServiceItem) -> ServiceItem:
    try:
        return ServiceItem.objects.select_for_update().select_related("department__region").get(pk=item.pk)
    except ServiceItem.DoesNotExist:
        raise NotFound(_("No item has this code."), code="item_not_found") from None


@transaction.atomic
def item_draft_update(*, actor: Actor, item: ServiceItem, data: ItemIn) -> ServiceItem:
    """Replace every element of a draft with ``data``."""
    _require_catalog_admin(actor)
    item = _locked(item)
    _require_department(actor, item.department)
    ITEMS.check(item, ItemAction.UPDATE)
    resolved = _validated(actor=actor, data=data, existing=item)
    changed = _apply(item, data, resolved)
    if changed:
        item.save(update_fields=[*changed, "updated_at"])
    materials = _material_rows(data.materials)
    if materials != _current_materials(item):
        _replace_materials(item, materials)
        changed.append("materials")
    if {t.pk for t in resolved.themes} != set(item.themes.values_list("pk", flat=True)):
        item.themes.set(resolved.themes)
        changed.append("themes")
    if changed:
        events.item_draft_updated(actor=actor, item=item, changed=changed)
    return item


@transaction.atomic
def item_publish(*, actor: Actor, item: ServiceItem) -> ServiceItem:
    """Publish a draft; the live version of the same item, if any, is superseded in the same transaction."""
    _require_catalog_admin(actor)
    item = _locked(item)
    _require_department(actor, item.department)
    ITEMS.check(item, ItemAction.PUBLISH)
    # The draft may have been edited outside the services (admin) or the base list may have
    # changed since: check it again as it is now.
    try:
        as_input = ItemIn.from_item(item)
    except PydanticValidationError as exc:
        raise ValidationFailed(details=input_error_details(exc)) from None
    problems, _resolved = item_input_problems(data=as_input, existing=item)
    if problems:
        raise ValidationFailed(details=problems)
    current = (
        ServiceItem.objects.select_for_update()
        .filter(code=item.code, status=ItemStatus.PUBLISHED)
        .exclude(pk=item.pk)
        .first()
    )
    if current is not None:
        ITEMS.apply(current, action=ItemAction.SUPERSEDE, actor=actor)
    item.published_at = timezone.now()
    ITEMS.apply(item, action=ItemAction.PUBLISH, actor=actor, fields=["published_at"], data={"superseded": current})
    if current is not None:
        reindex_item(current)
    reindex_item(item)
    return item


@transaction.atomic
def item_withdraw(*, actor: Actor, item: ServiceItem, reason: str) -> ServiceItem:
    """Take a live item off the catalog; the version stays as history."""
    _require_catalog_admin(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(details=[_problem("reason", "required", _("Give the reason for withdrawing the item."))])
    item = _locked(item)
    _require_department(actor, item.department)
    ITEMS.apply(item, action=ItemAction.WITHDRAW, actor=actor, reason=reason)
    reindex_item(item)
    return item
