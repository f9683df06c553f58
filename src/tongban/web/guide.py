"""What the guide page (办事指南) shows of one published item, ready for the template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tongban.catalog import situations
from tongban.catalog.constants import Channel, SpecialStepKind
from tongban.catalog.models import Material, ServiceItem
from tongban.core.errors import NotFound
from tongban.licences import selectors as licence_selectors
from tongban.web import selectors
from tongban.web.i18n import localized_name


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str | Promise


SECTIONS: tuple[Section, ...] = (
    Section("basic", pgettext_lazy("guide section", "Basic information")),
    Section("place", pgettext_lazy("guide section", "Place and hours")),
    Section("conditions", pgettext_lazy("guide section", "Conditions")),
    Section("materials", pgettext_lazy("guide section", "Materials")),
    Section("special-steps", pgettext_lazy("guide section", "Special steps")),
    Section("process", pgettext_lazy("guide section", "Process")),
    Section("fees", pgettext_lazy("guide section", "Fees")),
    Section("legal-basis", pgettext_lazy("guide section", "Legal basis")),
    Section("faq", pgettext_lazy("guide section", "Frequently asked questions")),
    Section("commitments", pgettext_lazy("guide section", "Service commitments")),
    Section("contact", pgettext_lazy("guide section", "Consultation and complaints")),
)


def special_steps(item: ServiceItem) -> list[dict[str, Any]]:
    labels = dict(SpecialStepKind.choices)
    out = []
    for step in item.special_steps:
        if not isinstance(step, Mapping):
            continue
        kind = str(step.get("kind") or "")
        out.append(
            {
                "kind": kind,
                "kind_label": labels.get(kind, kind),
                "name": str(step.get("name") or ""),
                "time_limit_days": int(step.get("time_limit_days") or 0),
                "legal_basis": str(step.get("legal_basis") or ""),
                "fee": str(step.get("fee") or ""),
                "counts_toward_limit": bool(step.get("counts_toward_limit")),
            }
        )
    return out


def channel_labels(item: ServiceItem) -> list[str]:
    labels = dict(Channel.choices)
    return [str(labels.get(c, c)) for c in item.channels]


def licence_type_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the electronic licence types (by code) that replace materials; unknown codes are left out."""
    names: dict[str, str] = {}
    for code in {c for c in codes if c}:
        try:
            names[code] = localized_name(licence_selectors.licence_type_get(code=code))
        except NotFound:
            continue
    return names


def _dicts(entries: Any) -> list[Mapping[str, Any]]:
    return [e for e in entries or [] if isinstance(e, Mapping)]


def context(*, item: ServiceItem, submitted: Mapping[str, str]) -> dict[str, Any]:
    materials: list[Material] = list(item.materials.all())
    guidance = situations.guide(materials, item.situations, submitted)
    siblings = [i for i in selectors.implementations_of(base_code=item.base.base_code) if i.code != item.code]
    return {
        "item": item,
        "item_name": localized_name(item),
        "sections": SECTIONS,
        "guidance": guidance,
        "materials_total": len(materials),
        "special_steps": special_steps(item),
        "channels": channel_labels(item),
        "legal_basis": _dicts(item.legal_basis),
        "fees": _dicts(item.fees),
        "process": _dicts(item.process),
        "faq": _dicts(item.faq),
        "form_fields": _dicts(item.form_fields),
        "conditions": [str(c) for c in item.conditions or []],
        "themes": list(item.themes.all()),
        "other_regions": siblings,
        "licence_names": licence_type_names([m.licence_type_code for m in materials] + [item.licence_type_code]),
        "shared": shared_sources(item, materials),
        "proofs": proof_modes(item, materials),
    }


def shared_sources(item: ServiceItem, materials: list[Material]) -> dict[str, Any]:
    """Per material code: the data the item's department can fetch instead of an upload (减证便民)."""
    from tongban.sharing.selectors import fetchable

    found = {}
    for m in materials:
        offer = fetchable(
            department_id=item.department_id, resource_code=m.data_resource_code, fields=list(m.data_fields) or None
        )
        if offer is not None:
            found[m.code] = offer
    return found


def proof_modes(item: ServiceItem, materials: list[Material]) -> dict[str, Any]:
    """Per material code: the region's proof register entry for it (证明事项清单), if any."""
    from tongban.sharing.selectors import proof_for_material

    found = {}
    for m in materials:
        proof = proof_for_material(item_code=item.name, material_code=m.code, region_code=item.region_id)
        if proof is not None:
            found[m.code] = proof
    return found
