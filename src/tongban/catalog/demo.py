"""Load the demo catalog (``tongban seed demo``): themes, national base items, 京津冀 implementations.

The content is in :mod:`tongban.catalog.demo_data`. Loading is idempotent and leaves rows alone
when nothing changed: themes and base items are keyed on their codes, an implementation on its
code (a code with no version at all gets a published version 1, which later runs bring up to date in
place; a code an administrator has drafted, republished or withdrawn is left alone), materials on
(item, code). Creations and changes are written to the audit trail with the system as actor. Only items that were created or changed are re-indexed for search. Departments
come from :mod:`tongban.regions.demo`, which must run first.
"""

from __future__ import annotations

from typing import Any, TextIO, TypeVar

from django.db import models, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from tongban.catalog import events
from tongban.catalog.constants import ItemStatus
from tongban.catalog.demo_data import ITEMS, THEMES, ItemSpec, MaterialSpec
from tongban.catalog.models import BaseItem, Material, ServiceItem, Theme
from tongban.catalog.search import reindex_all
from tongban.core import audit
from tongban.regions.models import Department

M = TypeVar("M", bound=models.Model)

PORTALS = {
    "110000": "北京市政务服务网（zwfw.beijing.gov.cn）",
    "120000": "天津网上办事大厅（zwfw.tj.gov.cn）",
    "130000": "河北政务服务网（www.hbzwfw.gov.cn）",
}


def _sync(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the values that differ on ``obj``; return the names of the fields that changed."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    return changed


def _upsert(model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[M, bool, list[str]]:
    """(object, created, names of the changed fields), saving only when something differs."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), True, []
    changed = _sync(obj, values)
    if changed:
        stamped = any(f.name == "updated_at" for f in model._meta.get_fields())
        obj.save(update_fields=[*changed, "updated_at"] if stamped else changed)
    return obj, False, changed


def _item_values(
    spec: ItemSpec, region: str, base: BaseItem, departments: dict[tuple[str, str], Department]
) -> dict[str, Any]:
    department = departments[(region, spec.department)]
    centre = departments.get((region, "gsa"), department)
    window = (
        "网上办理，无需到窗口"
        if spec.visits == 0 and "window" not in spec.channels
        else f"{centre.address}，{department.name}窗口"
    )
    promise = (
        "即时办结" if spec.promised == 0 else f"承诺{spec.promised}个工作日内办结（法定时限{spec.legal_limit}个工作日）"
    )
    return {
        "base": base,
        "region_id": region,
        "department": department,
        "name": spec.name,
        "name_en": spec.name_en,
        "kind": spec.kind,
        "handling_type": spec.handling_type,
        "service_object": spec.service_object,
        "content": spec.content,
        "conditions": list(spec.conditions),
        "legal_basis": [dict(e) for e in spec.legal_basis],
        "legal_limit_days": spec.legal_limit,
        "promised_limit_days": spec.promised,
        "limit_note": spec.limit_note,
        "fees": [dict(f) for f in spec.fees],
        "result_form": spec.result_form,
        "result_name": spec.result_name,
        "licence_type_code": spec.licence_type_code,
        "channels": list(spec.channels),
        "handling_place": f"{window}；网上办理：{PORTALS.get(region, '本地政务服务网')}",
        "office_hours": department.office_hours,
        "visits_needed": spec.visits,
        "online_depth": spec.online_depth,
        "cross_region_mode": spec.cross_region_mode,
        "reform_mode": spec.reform_mode,
        "commitment_allowed": spec.commitment_allowed,
        "commitment_text": spec.commitment_text,
        "gap_acceptance_allowed": spec.gap_allowed or any(mt.gap_allowed for mt in spec.materials),
        "special_steps": [dict(s) for s in spec.special_steps],
        "process": [dict(s) for s in spec.process],
        "faq": [dict(f) for f in spec.faq],
        "situations": [dict(s) for s in spec.situations],
        "form_fields": [dict(f) for f in spec.form_fields],
        "service_commitments": f"{promise}；首问负责、一次性告知、限时办结；办理结果可选择邮寄送达，免费寄递。",
        "consultation_phone": department.phone,
        "complaint_phone": "12345",
    }


def _material_values(spec: MaterialSpec, order: int) -> dict[str, Any]:
    return {
        "order": order,
        "name": spec.name,
        "form": spec.form,
        "count": spec.count,
        "required": spec.required,
        "gap_allowed": spec.gap_allowed,
        "source": spec.source,
        "source_note": spec.source_note,
        "licence_type_code": spec.licence_type_code,
        "data_resource_code": spec.data_resource_code,
        "data_fields": list(spec.data_fields),
        "applies_when": list(spec.applies_when),
        "notes": spec.notes,
    }


def _sync_materials(item: ServiceItem, materials: list[MaterialSpec]) -> bool:
    existing = {mt.code: mt for mt in item.materials.all()}
    new: list[Material] = []
    changed = False
    for order, spec in enumerate(materials, start=1):
        values = _material_values(spec, order)
        current = existing.pop(spec.code, None)
        if current is None:
            new.append(Material(item=item, code=spec.code, **values))
        elif fields := _sync(current, values):
            current.save(update_fields=fields)
            changed = True
    if new:
        Material.objects.bulk_create(new)
        changed = True
    for stale in existing.values():
        try:
            with transaction.atomic():
                stale.delete()
            changed = True
        except ProtectedError:  # cases refer to it: keep it rather than break them
            pass
    return changed


def load(*, stdout: TextIO) -> None:
    created = changed = skipped = 0
    touched: list[int] = []
    with transaction.atomic():
        departments = {(d.region_id, d.code): d for d in Department.objects.all()}
        themes: dict[str, Theme] = {}
        for order, (code, name, name_en, audience, description) in enumerate(THEMES, start=1):
            themes[code], _, _ = _upsert(
                Theme,
                {"code": code},
                {"name": name, "name_en": name_en, "audience": audience, "description": description, "order": order},
            )
        for spec in ITEMS:
            base, base_created, base_changed = _upsert(
                BaseItem,
                {"base_code": spec.base_code},
                {
                    "name": spec.name,
                    "kind": spec.kind,
                    "competent_department": spec.competent_department,
                    "implementing_level": spec.implementing_level,
                    "legal_basis": [dict(e) for e in (spec.base_legal_basis or spec.legal_basis)],
                },
            )
            if base_created or base_changed:
                events.base_item_saved(actor=None, base=base, created=base_created, changed=base_changed)
            for region in spec.regions:
                regional = spec.for_region(region)
                code = spec.code_in(region)
                values = _item_values(regional, region, base, departments)
                versions = list(ServiceItem.objects.filter(code=code))
                item = next((v for v in versions if v.status == ItemStatus.PUBLISHED and v.version == 1), None)
                if item is None and versions:
                    skipped += 1  # an administrator has drafted, republished or withdrawn it: leave it
                    continue
                if item is None:
                    item = ServiceItem.objects.create(
                        code=code, version=1, status=ItemStatus.PUBLISHED, published_at=timezone.now(), **values
                    )
                    events.item_published(actor=None, item=item, superseded=None)
                    created += 1
                    is_new = item_changed = True
                else:
                    is_new = False
                    fields = _sync(item, values)
                    if fields:
                        item.save(update_fields=[*fields, "updated_at"])
                        audit.record(
                            stream=events.item_stream(code),
                            action="catalog.item_demo_reloaded",
                            object_type="catalog.serviceitem",
                            object_id=item.pk,
                            actor_role="system",
                            reason="tongban seed demo",
                            data={"code": code, "version": item.version, "changed": fields},
                        )
                    item_changed = bool(fields)
                wanted = {themes[t].pk for t in regional.themes}
                if set(item.themes.values_list("pk", flat=True)) != wanted:
                    item.themes.set(wanted)
                    item_changed = True
                item_changed |= _sync_materials(item, regional.materials)
                changed += item_changed and not is_new
                if item_changed or not item.search_terms.exists():
                    touched.append(item.pk)
        indexed = reindex_all(
            ServiceItem.objects.filter(pk__in=touched).select_related("department").prefetch_related("themes")
        )
    total = sum(len(s.regions) for s in ITEMS)
    stdout.write(
        f"catalog: {len(THEMES)} themes, {len(ITEMS)} base items, {total} implementations "
        f"({created} new, {changed} updated, {skipped} left alone), {indexed} re-indexed\n"
    )
