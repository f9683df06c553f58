"""CPSV-AP 3.2.0 export of the published catalog as self-contained JSON-LD.

Each published item becomes a ``cpsv:PublicService``; its department a ``cv:PublicOrganisation``
located in its region (``dct:Location``); conditions become ``cv:Requirement``; materials
``cv:Evidence`` (``cpsv:hasInput``); fees ``cv:Cost``; channels ``cv:Channel``; the result a
``cv:Output``; each law of the legal basis an ``eli:LegalResource``; themes ``cv:Event``
(``cv:LifeEvent`` or ``cv:BusinessEvent``); the kind, channel types and result forms are
``skos:Concept`` of vocabularies minted under this node's base URL.

The ``@context`` is inline and only declares prefixes, so reading the document never needs
the network. IRIs are stable: they derive from ``TONGBAN_BASE_URL`` and the codes, never
from database ids or versions. Values the shapes require (identifier, title, description)
are always present. The processing time is the promised limit (working days) written as an
``xsd:duration`` in days (``P20D``), a deliberate approximation: durations have no working days.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from tongban.catalog.constants import Channel, ItemKind, ResultForm, ThemeAudience
from tongban.catalog.models import Material, ServiceItem
from tongban.catalog.selectors import published_items
from tongban.core.errors import NotFound
from tongban.regions.models import Department, Region

CONTEXT: dict[str, str] = {
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cv": "http://data.europa.eu/m8g/",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

LANG_ZH = "zh"
LANG_EN = "en"
CHINESE = "http://publications.europa.eu/resource/authority/language/ZHO"
CNY = "http://publications.europa.eu/resource/authority/currency/CNY"

_AMOUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:元|CNY|RMB)?\s*$", re.IGNORECASE)


def _base() -> str:
    return str(settings.TONGBAN_BASE_URL).rstrip("/")


def _seg(value: str) -> str:
    return quote(value, safe="-._~")


def service_iri(code: str) -> str:
    return f"{_base()}/catalog/items/{_seg(code)}"


def _text(value: str, lang: str = LANG_ZH) -> dict[str, str]:
    return {"@value": value, "@language": lang}


def _ref(iri: str) -> dict[str, str]:
    return {"@id": iri}


def _labels(choices: Any) -> dict[str, tuple[str, str]]:
    """``{value: (Chinese label, English label)}`` of a choices class."""
    out: dict[str, tuple[str, str]] = {}
    for value, label in choices.choices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        out[str(value)] = (zh, en)
    return out


def amount_value(amount: str) -> float | None:
    """The amount of a fee as a number of yuan, when it is one (``"10.00"``, ``"10元"``)."""
    match = _AMOUNT.match(amount)
    if match is None:
        return None
    try:
        return float(Decimal(match.group(1)))
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        return None


class _Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}

    def add(self, node: dict[str, Any]) -> dict[str, str]:
        self.nodes.setdefault(node["@id"], node)
        return _ref(node["@id"])

    def concept(self, scheme: str, code: str, labels: tuple[str, str]) -> dict[str, str]:
        scheme_iri = f"{_base()}/catalog/vocab/{scheme}"
        self.add({"@id": scheme_iri, "@type": "skos:ConceptScheme", "dct:title": _text(scheme, LANG_EN)})
        return self.add(
            {
                "@id": f"{scheme_iri}/{_seg(code)}",
                "@type": "skos:Concept",
                "skos:notation": code,
                "skos:prefLabel": [_text(labels[0]), _text(labels[1], LANG_EN)],
                "skos:inScheme": _ref(scheme_iri),
            }
        )

    def location(self, region: Region) -> dict[str, str]:
        names = [_text(region.name)] + ([_text(region.name_en, LANG_EN)] if region.name_en else [])
        return self.add(
            {
                "@id": f"{_base()}/regions/{region.code}",
                "@type": "dct:Location",
                "dct:identifier": region.code,
                "skos:prefLabel": names,
            }
        )

    def organisation(self, department: Department) -> dict[str, str]:
        names = [_text(department.name)] + ([_text(department.name_en, LANG_EN)] if department.name_en else [])
        node: dict[str, Any] = {
            "@id": f"{_base()}/regions/{department.region_id}/departments/{_seg(department.code)}",
            "@type": ["cv:PublicOrganisation", "foaf:Agent"],
            "dct:identifier": f"{department.region_id}:{department.code}",
            "dct:title": names,
            "skos:prefLabel": names,
            "dct:spatial": self.location(department.region),
        }
        return self.add(node)


def material_description(material: Material) -> str:
    """How the material is given, in Chinese: form, copies, required or not, notes."""
    with translation.override("zh-hans"):
        parts = [
            str(material.get_form_display()),
            _("%(count)s copies") % {"count": material.count},
            str(_("required") if material.required else _("optional")),
            str(_("may be supplied after acceptance")) if material.gap_allowed else "",
            material.notes,
        ]
    return "；".join(p for p in parts if p)


def _service(graph: _Graph, item: ServiceItem, kinds: Any, channels: Any, results: Any) -> dict[str, Any]:
    iri = service_iri(item.code)
    titles = [_text(item.name)] + ([_text(item.name_en, LANG_EN)] if item.name_en else [])
    service: dict[str, Any] = {
        "@id": iri,
        "@type": "cpsv:PublicService",
        "dct:identifier": item.code,
        "dct:title": titles,
        "dct:description": _text(item.content or item.name),
        "dct:type": graph.concept("item-kind", item.kind, kinds[item.kind]),
        "dct:language": graph.add({"@id": CHINESE, "@type": "dct:LinguisticSystem"}),
        "dct:spatial": graph.location(item.region),
        "cv:hasCompetentAuthority": graph.organisation(item.department),
        "cv:processingTime": {"@value": f"P{item.promised_limit_days}D", "@type": "xsd:duration"},
    }
    requirements = []
    for i, condition in enumerate(item.conditions, start=1):
        requirements.append(
            graph.add(
                {
                    "@id": f"{iri}#condition-{i}",
                    "@type": "cv:Requirement",
                    "dct:identifier": f"{item.code}/condition-{i}",
                    "dct:title": _text(condition),
                }
            )
        )
    if requirements:
        service["cv:holdsRequirement"] = requirements
    evidences = []
    for material in item.materials.all():
        description = material_description(material)
        evidences.append(
            graph.add(
                {
                    "@id": f"{iri}#material-{_seg(material.code)}",
                    "@type": "cv:Evidence",
                    "dct:identifier": f"{item.code}/{material.code}",
                    "dct:title": _text(material.name),
                    "dct:description": _text(description),
                }
            )
        )
    if evidences:
        service["cpsv:hasInput"] = evidences
    costs = []
    for i, fee in enumerate(item.fees, start=1):
        cost: dict[str, Any] = {
            "@id": f"{iri}#fee-{i}",
            "@type": "cv:Cost",
            "dct:identifier": f"{item.code}/fee-{i}",
            "dct:description": _text(" ".join(p for p in (fee["name"], fee["amount"], fee.get("basis", "")) if p)),
        }
        value = amount_value(str(fee["amount"]))
        if value is not None:
            cost["cv:hasValue"] = {"@value": repr(value), "@type": "xsd:double"}
            cost["cv:currency"] = graph.add({"@id": CNY, "@type": "skos:Concept"})
        costs.append(graph.add(cost))
    if costs:
        service["cv:hasCost"] = costs
    channel_refs = []
    for code in item.channels:
        channel_refs.append(
            graph.add(
                {
                    "@id": f"{iri}#channel-{_seg(code)}",
                    "@type": "cv:Channel",
                    "dct:identifier": f"{item.code}/channel-{code}",
                    "dct:type": graph.concept("channel", code, channels.get(code, (code, code))),
                    "dct:description": _text(
                        " ".join(p for p in (channels.get(code, (code, code))[0], item.handling_place) if p)
                        if code in (Channel.WINDOW, Channel.SELF_SERVICE)
                        else channels.get(code, (code, code))[0]
                    ),
                }
            )
        )
    if channel_refs:
        service["cv:hasChannel"] = channel_refs
    result_title = item.result_name or results[item.result_form][0]
    service["cpsv:produces"] = graph.add(
        {
            "@id": f"{iri}#output",
            "@type": "cv:Output",
            "dct:identifier": f"{item.code}/output",
            "dct:title": _text(result_title),
            "dct:type": graph.concept("result-form", item.result_form, results[item.result_form]),
        }
    )
    legal = []
    for i, entry in enumerate(item.legal_basis, start=1):
        title = " ".join(p for p in (entry.get("law", ""), entry.get("article", "")) if p)
        node: dict[str, Any] = {
            "@id": f"{iri}#legal-{i}",
            "@type": "eli:LegalResource",
            "dct:identifier": f"{item.code}/legal-{i}",
            "dct:title": _text(title),
        }
        if entry.get("text"):
            node["dct:description"] = _text(entry["text"])
        legal.append(graph.add(node))
    if legal:
        service["cv:hasLegalResource"] = legal
    events = []
    for theme in item.themes.all():
        event_type = "cv:BusinessEvent" if theme.audience == ThemeAudience.ENTERPRISE else "cv:LifeEvent"
        names = [_text(theme.name)] + ([_text(theme.name_en, LANG_EN)] if theme.name_en else [])
        event_iri = f"{_base()}/catalog/themes/{_seg(theme.code)}"
        node = graph.nodes.get(event_iri) or {
            "@id": event_iri,
            "@type": ["cv:Event", event_type],
            "dct:identifier": theme.code,
            "dct:title": names,
            "cv:hasRelatedService": [],
        }
        if theme.description:
            node["dct:description"] = _text(theme.description)
        node["cv:hasRelatedService"].append(_ref(iri))
        events.append(graph.add(node))
    if events:
        service["cv:isGroupedBy"] = events
    if item.consultation_phone or item.office_hours:
        contact: dict[str, Any] = {"@id": f"{iri}#contact", "@type": "cv:ContactPoint"}
        if item.consultation_phone:
            contact["cv:telephone"] = item.consultation_phone
        if item.office_hours:
            contact["cv:openingHours"] = graph.add(
                {
                    "@id": f"{iri}#opening-hours",
                    "@type": "time:TemporalEntity",
                    "dct:description": _text(item.office_hours),
                }
            )
        service["cv:contactPoint"] = graph.add(contact)
    return service


def export_items(items: QuerySet[ServiceItem]) -> dict[str, Any]:
    """The JSON-LD document (a dict) describing ``items``."""
    kinds = _labels(ItemKind)
    channels = _labels(Channel)
    results = _labels(ResultForm)
    graph = _Graph()
    qs = items.select_related("region", "department__region").prefetch_related("materials", "themes").order_by("code")
    for item in qs:
        graph.add(_service(graph, item, kinds, channels, results))
    return {"@context": dict(CONTEXT), "@graph": list(graph.nodes.values())}


def export_catalog(*, region: str | None = None) -> dict[str, Any]:
    """The published implementation list of ``region`` (every region when ``None``) as JSON-LD."""
    items = published_items()
    if region is not None:
        if not Region.objects.filter(code=region).exists():
            raise NotFound(code="region_not_found")
        items = items.filter(region_id=region)
    return export_items(items)


def export_catalog_json(*, region: str | None = None) -> str:
    return json.dumps(export_catalog(region=region), ensure_ascii=False, indent=2)
