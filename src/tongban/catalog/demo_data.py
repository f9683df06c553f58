"""Demo catalog content: themes, national base items and the regional implementations of 京津冀.

The content is data: ``catalog/data/demo_catalog.json`` (read once, when this module is imported);
this module gives it its types. Each :class:`ItemSpec` describes one national base item together
with its implementation in Beijing (110000), Tianjin (120000) and Hebei (130000). ``overrides``
holds what a region does differently. Some differences touch the six 六统一 elements on purpose (a
longer name, an extra material, an older law cited, another result document), so the uniformity
comparison has something to find; others (promised limits, reform mode, fees) do not. In the file,
a field left out has its default below; a material lists its fields that differ from the defaults.

The items named in the source documents are here (住房公积金查询, 社会组织查询, 律师执业证查询,
社会保险个人权益记录查询 — 一网通办; 农药经营许可, 种畜禽生产经营许可证核发, 计量标准器具核准,
医师执业注册, 设立文物商店审批 — 异地可办; 户口迁移, 养老保险关系转移接续, 住房公积金转移接续 —
多地联办), with 企业设立登记（营业执照） and 职业资格证书查验.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tongban.catalog.constants import (
    CrossRegionMode,
    HandlingType,
    ItemKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ReformMode,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_catalog.json"

DEMO_REGIONS: tuple[str, ...] = ("110000", "120000", "130000")

# Kind → the abbreviation used in implementation codes (许可 XK, 确认 QR, 给付 JF, 备案 BA, 公共服务 GG).
KIND_ABBREVIATION: dict[str, str] = {
    ItemKind.LICENSING: "XK",
    ItemKind.CONFIRMATION: "QR",
    ItemKind.PAYMENT: "JF",
    ItemKind.ADJUDICATION: "CJ",
    ItemKind.LEVY: "ZS",
    ItemKind.REWARD: "JL",
    ItemKind.FILING: "BA",
    ItemKind.OTHER_POWER: "QT",
    ItemKind.PUBLIC_SERVICE: "GG",
}

FREE: list[dict[str, str]] = [{"name": "不收费", "amount": "0"}]


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    form: str = MaterialForm.ORIGINAL
    count: int = 1
    required: bool = True
    gap_allowed: bool = False
    source: str = MaterialSource.APPLICANT
    source_note: str = ""
    licence_type_code: str = ""
    data_resource_code: str = ""
    data_fields: tuple[str, ...] = ()
    applies_when: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class ItemSpec:
    key: str
    base_code: str
    name: str
    kind: str
    department: str
    competent_department: str
    service_object: str
    content: str
    conditions: list[str]
    legal_basis: list[dict[str, str]]
    base_legal_basis: list[dict[str, str]] | None
    materials: list[MaterialSpec]
    legal_limit: int
    promised: int
    result_form: str
    result_name: str
    themes: list[str]
    name_en: str = ""
    handling_type: str = HandlingType.NEW
    implementing_level: str = "省级、市级"
    limit_note: str = ""
    fees: list[dict[str, str]] = field(default_factory=lambda: [dict(fee) for fee in FREE])
    licence_type_code: str = ""
    channels: list[str] = field(default_factory=lambda: ["online", "mobile", "window"])
    visits: int = 0
    online_depth: int = OnlineDepth.FULL
    cross_region_mode: str = CrossRegionMode.NONE
    reform_mode: str = ReformMode.NONE
    commitment_allowed: bool = False
    commitment_text: str = ""
    gap_allowed: bool = False
    special_steps: list[dict[str, Any]] = field(default_factory=list)
    process: list[dict[str, Any]] = field(default_factory=list)
    faq: list[dict[str, str]] = field(default_factory=list)
    situations: list[dict[str, Any]] = field(default_factory=list)
    form_fields: list[dict[str, Any]] = field(default_factory=list)
    service_commitments: str = ""
    regions: tuple[str, ...] = DEMO_REGIONS
    suffix: int = 1
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_region(self, region: str) -> ItemSpec:
        """This spec with the region's overrides applied (``extra_materials``, ``drop_materials`` too)."""
        changes = dict(self.overrides.get(region, {}))
        extra: list[MaterialSpec] = changes.pop("extra_materials", [])
        drop: set[str] = set(changes.pop("drop_materials", []))
        spec = replace(self, **changes) if changes else self
        if extra or drop:
            spec = replace(spec, materials=[mt for mt in spec.materials if mt.code not in drop] + list(extra))
        return spec

    def code_in(self, region: str) -> str:
        return f"{region}-{self.base_code}-{KIND_ABBREVIATION[self.kind]}-{self.suffix:03d}"


def _material(data: dict[str, Any]) -> MaterialSpec:
    values = dict(data)
    for name in ("applies_when", "data_fields"):
        if name in values:
            values[name] = tuple(values[name])
    return MaterialSpec(**values)


def _item(data: dict[str, Any]) -> ItemSpec:
    values = dict(data)
    values["materials"] = [_material(m) for m in values["materials"]]
    if "regions" in values:
        values["regions"] = tuple(values["regions"])
    overrides: dict[str, dict[str, Any]] = {}
    for region, changes in values.pop("overrides", {}).items():
        changes = dict(changes)
        if "extra_materials" in changes:
            changes["extra_materials"] = [_material(m) for m in changes["extra_materials"]]
        overrides[region] = changes
    return ItemSpec(overrides=overrides, **values)


def _load() -> tuple[list[tuple[str, str, str, str, str]], list[ItemSpec], tuple[str, ...]]:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    themes = [(t["code"], t["name"], t["name_en"], t["audience"], t["description"]) for t in document["themes"]]
    return themes, [_item(row) for row in document["items"]], tuple(document["named_item_keys"])


# (code, name, English name, audience, description)
THEMES: list[tuple[str, str, str, str, str]]
ITEMS: list[ItemSpec]
# The items named in the source documents (the demo must implement each in Beijing, Tianjin and Hebei).
NAMED_ITEM_KEYS: tuple[str, ...]
THEMES, ITEMS, NAMED_ITEM_KEYS = _load()
