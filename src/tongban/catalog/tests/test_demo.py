"""``tongban seed demo``: the demo catalog is complete, well-formed, idempotent and has 六统一 differences."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from pydantic import BaseModel

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.demo import DEMO_PASSWORD
from tongban.accounts.models import Enterprise, EnterpriseMember, StaffRole, User
from tongban.catalog.constants import ItemStatus
from tongban.catalog.demo_data import ITEMS, NAMED_ITEM_KEYS
from tongban.catalog.models import BaseItem, Material, SearchTerm, ServiceItem, Theme
from tongban.catalog.schemas import (
    FaqEntry,
    FeeEntry,
    FormField,
    LegalBasisEntry,
    ProcessStep,
    Situation,
    SpecialStepEntry,
)
from tongban.catalog.search import words
from tongban.catalog.services import law_key
from tongban.catalog.uniformity import compare, region_report
from tongban.core.identifiers import is_valid_resident_id, is_valid_uscc
from tongban.core.models import AuditEvent
from tongban.regions.models import Department

DEMO_REGIONS = ("110000", "120000", "130000")
NAMED_ITEMS = (
    "住房公积金查询",
    "社会组织查询",
    "律师执业证查询",
    "社会保险个人权益记录查询",
    "农药经营许可",
    "种畜禽生产经营许可证核发",
    "计量标准器具核准",
    "医师执业注册",
    "设立文物商店审批",
    "企业设立登记（营业执照）",
    "户口迁移",
    "养老保险关系转移接续",
    "住房公积金转移接续",
    "职业资格证书查验",
)
JSON_SCHEMAS: dict[str, type[BaseModel]] = {
    "legal_basis": LegalBasisEntry,
    "fees": FeeEntry,
    "special_steps": SpecialStepEntry,
    "process": ProcessStep,
    "faq": FaqEntry,
    "situations": Situation,
    "form_fields": FormField,
}
FIELD_TYPES = {"text", "number", "date", "choice", "id_number", "uscc", "address"}


def seed() -> str:
    out = io.StringIO()
    call_command("seed", "demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """Everything the demo loaders write, to compare before and after a second run."""
    return {
        "items": list(ServiceItem.objects.order_by("pk").values_list("pk", "code", "version", "status", "updated_at")),
        "materials": list(Material.objects.order_by("pk").values_list("pk", "item_id", "code", "name")),
        "bases": list(BaseItem.objects.order_by("pk").values_list("pk", "base_code", "updated_at")),
        "themes": list(Theme.objects.order_by("pk").values_list("pk", "code")),
        "item_themes": sorted(ServiceItem.themes.through.objects.values_list("serviceitem_id", "theme_id")),
        "terms": SearchTerm.objects.count(),
        "departments": list(Department.objects.order_by("pk").values_list("pk", "region_id", "code", "name")),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "password")),
        "roles": list(StaffRole.objects.order_by("pk").values_list("pk", "user_id", "department_id", "role")),
        "enterprises": list(Enterprise.objects.order_by("pk").values_list("pk", "uscc")),
        "members": list(EnterpriseMember.objects.order_by("pk").values_list("pk", "user_id", "enterprise_id", "role")),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_loads_the_catalog_and_a_second_run_changes_nothing() -> None:
    # Given an empty catalog, when the demo is loaded
    output = seed()

    # Then each demo region has at least 40 published items, most of them sharing base items
    published = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
    per_region = Counter(published.values_list("region_id", flat=True))
    for region in DEMO_REGIONS:
        assert per_region[region] >= 40, region
    shared = [b for b in BaseItem.objects.all() if b.implementations.values("region").distinct().count() == 3]
    assert len(shared) >= 40

    # And the items named in the source documents are published in every demo region
    for name in NAMED_ITEMS:
        base = BaseItem.objects.get(name=name)
        regions = set(published.filter(base=base).values_list("region_id", flat=True))
        assert regions == set(DEMO_REGIONS), name

    # And implementation codes look like real ones: region + base code + kind + sequence
    item = published.get(region_id="120000", base__name="农药经营许可")
    assert item.code == "120000-000117001000-XK-001"

    # And every published item is searchable and its items are summarised
    assert SearchTerm.objects.filter(item__in=published).values("item").distinct().count() == published.count()
    assert "150 implementations (150 new" in output
    assert "Tongban-demo-2026" in output

    # When it is loaded again
    before = snapshot()
    again = seed()

    # Then nothing was created, updated or re-indexed
    assert snapshot() == before
    assert "(0 new, 0 updated, 0 left alone), 0 re-indexed" in again

    # And every creation was audited with the system as actor
    assert AuditEvent.objects.filter(action="catalog.item_published", actor_role="system").count() == 150

    # Given one item edited behind the loader's back and one withdrawn by an administrator
    drifted = published.get(code="110000-000117001000-XK-001")
    ServiceItem.objects.filter(pk=drifted.pk).update(content="被改动的内容")
    Material.objects.filter(item=drifted, code="yyzz").delete()
    withdrawn = published.get(code="130000-000117001000-XK-001")
    ServiceItem.objects.filter(pk=withdrawn.pk).update(status=ItemStatus.WITHDRAWN)

    # When the demo is loaded a third time
    third = seed()

    # Then the edited item is restored (and audited) and the withdrawn one is left alone
    assert "(0 new, 1 updated, 1 left alone), 1 re-indexed" in third
    drifted.refresh_from_db()
    assert drifted.content != "被改动的内容"
    assert drifted.materials.filter(code="yyzz").exists()
    assert AuditEvent.objects.filter(action="catalog.item_demo_reloaded", object_id=str(drifted.pk)).exists()
    withdrawn.refresh_from_db()
    assert withdrawn.status == ItemStatus.WITHDRAWN


@pytest.mark.django_db
def test_demo_items_are_well_formed() -> None:
    seed()
    items = ServiceItem.objects.filter(status=ItemStatus.PUBLISHED).select_related("base").prefetch_related("materials")
    for item in items:
        # promised limit within the legal limit (also a database constraint)
        assert item.promised_limit_days <= item.legal_limit_days, item.code
        # JSON elements conform to the schemas, with no unknown keys
        for field_name, schema in JSON_SCHEMAS.items():
            for entry in getattr(item, field_name):
                schema.model_validate(entry)
                assert set(entry) <= set(schema.model_fields), (item.code, field_name, entry)
        assert all(isinstance(c, str) and c for c in item.conditions), item.code
        assert all(f["type"] in FIELD_TYPES for f in item.form_fields), item.code
        # materials that depend on a situation name an existing question and option
        options = {f"{s['code']}={o['code']}" for s in item.situations for o in s["options"]}
        for material in item.materials.all():
            assert set(material.applies_when) <= options, (item.code, material.code, material.applies_when)
        # the basic elements follow the base list: the base name within the name, the base's laws cited
        assert item.base.name in item.name, item.code
        assert item.kind == item.base.kind, item.code
        laws = {law_key(e["law"]) for e in item.legal_basis}
        assert {law_key(e["law"]) for e in item.base.legal_basis} <= laws, item.code
        # commitment items carry the text to sign
        assert not item.commitment_allowed or item.commitment_text, item.code
    # 告知承诺 for 农药经营许可, 现场踏勘 and 专家评审 where the seeds say so, cross-region modes
    pesticide = items.get(region_id="110000", base__name="农药经营许可")
    assert pesticide.commitment_allowed and pesticide.reform_mode == "commitment"
    assert any(s["kind"] == "site_inspection" for s in pesticide.special_steps)
    metrology = items.get(region_id="120000", base__name="计量标准器具核准")
    assert any(s["kind"] == "expert_review" for s in metrology.special_steps)
    assert items.get(region_id="130000", base__name="医师执业注册").cross_region_mode == "proxy_receipt"
    assert items.get(region_id="110000", base__name="住房公积金转移接续").cross_region_mode == "joint"
    assert items.get(region_id="120000", base__name="住房公积金查询").cross_region_mode == "online"


@pytest.mark.django_db
def test_demo_uniformity_has_uniform_and_differing_items() -> None:
    # Given the demo catalog
    seed()

    # When the three regions are compared
    report = region_report(region_codes=list(DEMO_REGIONS))

    # Then some shared items are fully uniform and some are not, on several elements
    assert report.shared_items >= 40
    assert 0 < report.fully_uniform < report.shared_items
    assert sum(1 for count in report.non_uniform_by_element.values() if count) >= 5
    # the seeds' query items are uniform; 农药经营许可 differs on name and materials
    assert compare(base_code=BaseItem.objects.get(name="住房公积金查询").base_code).score == 1.0
    pesticide = compare(base_code=BaseItem.objects.get(name="农药经营许可").base_code)
    assert pesticide.differing_elements == ["name", "materials"]
    assert "农药经营人员培训合格证明" in pesticide.elements["materials"].values["130000"]
    physician = compare(base_code=BaseItem.objects.get(name="医师执业注册").base_code)
    assert physician.differing_elements == ["legal_basis"]


@pytest.mark.django_db
def test_demo_accounts() -> None:
    # Given the regions and accounts loaders
    seed()

    # Then every demo region has staff in each role the workflows need
    for region in DEMO_REGIONS:
        roles = set(StaffRole.objects.filter(department__region_id=region).values_list("role", flat=True))
        assert roles == set(StaffRoleKind.values), region
    # residents and enterprises have valid identifiers; everyone shares the demo password
    for user in User.objects.filter(kind=UserKind.RESIDENT):
        assert is_valid_resident_id(user.id_number), user.username
    for enterprise in Enterprise.objects.all():
        assert is_valid_uscc(enterprise.uscc)
        assert enterprise.members.filter(role="legal_representative", active=True).exists()
    assert all(is_valid_uscc(u.uscc) for u in User.objects.filter(kind=UserKind.ENTERPRISE))
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    catalog_admin = User.objects.get(username="tj_catalog")
    assert catalog_admin.check_password(DEMO_PASSWORD)
    assert catalog_admin.is_staff and catalog_admin.has_perm("catalog.change_serviceitem")
    assert not User.objects.get(username="tj_window").has_perm("catalog.change_serviceitem")
    # realistic department names per region
    assert Department.objects.get(region_id="120000", code="amr").name == "天津市市场监督管理委员会"
    assert Department.objects.get(region_id="110000", code="amr").name == "北京市市场监督管理局"


def test_demo_data_specs_are_consistent() -> None:
    # Pure checks of the data module: unique codes, named items present, search words for each name
    keys = [spec.key for spec in ITEMS]
    assert len(keys) == len(set(keys))
    assert len({spec.base_code for spec in ITEMS}) == len(ITEMS)
    assert set(NAMED_ITEM_KEYS) <= set(keys)
    codes = [spec.code_in(region) for spec in ITEMS for region in spec.regions]
    assert len(codes) == len(set(codes))
    for spec in ITEMS:
        for region in spec.regions:
            regional = spec.for_region(region)
            assert regional.promised <= regional.legal_limit, (spec.key, region)
            material_codes = [mt.code for mt in regional.materials]
            assert len(material_codes) == len(set(material_codes)), (spec.key, region)
        assert words(spec.name)
