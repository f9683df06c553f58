"""Test data for the catalog's services, workbook and CPSV-AP tests: inputs and a demo-like catalog."""

from __future__ import annotations

from typing import Any

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.catalog.constants import ThemeAudience
from tongban.catalog.models import BaseItem, ServiceItem, Theme
from tongban.catalog.schemas import ItemIn
from tongban.catalog.services import item_draft_create, item_publish
from tongban.catalog.tests.factories import BaseItemFactory
from tongban.regions.models import Department, Region
from tongban.regions.tests.factories import DepartmentFactory


def catalog_admin(department: Department, **kwargs: Any) -> User:
    return StaffFactory.create(roles=[(department, StaffRoleKind.CATALOG_ADMIN)], **kwargs)


def theme(code: str = "newborn", name: str = "新生儿出生", audience: str = ThemeAudience.PERSONAL) -> Theme:
    obj, _created = Theme.objects.get_or_create(code=code, defaults={"name": name, "audience": audience})
    return obj


def item_data(*, base: BaseItem, dept: Department, code: str, **overrides: Any) -> ItemIn:
    """A complete, valid input for an item of ``department`` implementing ``base``."""
    data: dict[str, Any] = {
        "code": code,
        "base_code": base.base_code,
        "region": dept.region_id,
        "department": dept.code,
        "name": base.name,
        "name_en": "Test service",
        "kind": base.kind,
        "handling_type": "new",
        "service_object": "natural_person",
        "content": "对符合条件的申请人办理本事项。",
        "conditions": ["申请人具有完全民事行为能力", "申请事项属于本机关管辖范围"],
        "legal_basis": [dict(e) for e in base.legal_basis],
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "limit_note": "自受理之日起计算",
        "fees": [{"name": "工本费", "amount": "10.00", "basis": "价格主管部门批复"}],
        "result_form": "licence",
        "result_name": "测试许可证",
        "licence_type_code": "TEST-LIC",
        "channels": ["online", "window"],
        "handling_place": "政务服务中心二楼综合窗口",
        "office_hours": "工作日 9:00-17:00",
        "visits_needed": 0,
        "online_depth": 4,
        "cross_region_mode": "online",
        "reform_mode": "commitment",
        "commitment_allowed": True,
        "commitment_text": "本人承诺所填信息真实有效。",
        "gap_acceptance_allowed": True,
        "special_steps": [
            {
                "kind": "site_inspection",
                "name": "现场核查",
                "time_limit_days": 5,
                "legal_basis": "《测试条例》第十条",
                "fee": "",
                "counts_toward_limit": False,
            }
        ],
        "process": [{"name": "申请", "description": "网上提交"}, {"name": "受理", "time_limit_days": 1}],
        "faq": [{"question": "需要本人到场吗？", "answer": "全程网办，无需到场。"}],
        "situations": [
            {
                "code": "agent",
                "question": "是否委托代理人办理？",
                "options": [{"code": "yes", "label": "是"}, {"code": "no", "label": "否"}],
            }
        ],
        "form_fields": [{"name": "applicant", "label": "申请人", "type": "text", "required": True}],
        "service_commitments": "承诺件五个工作日内办结。",
        "consultation_phone": "022-12345",
        "complaint_phone": "12345",
        "themes": [],
        "materials": [
            {"code": "M01", "name": "申请书", "form": "original", "count": 1, "required": True},
            {
                "code": "M02",
                "name": "身份证明",
                "form": "electronic",
                "required": True,
                "source": "government",
                "licence_type_code": "ID-CARD",
            },
            {
                "code": "M03",
                "name": "授权委托书",
                "form": "original",
                "required": False,
                "gap_allowed": True,
                "applies_when": ["agent=yes"],
                "notes": "委托代理人办理时提交",
            },
        ],
    }
    data.update(overrides)
    return ItemIn.model_validate(data)


def base_item(**kwargs: Any) -> BaseItem:
    defaults: dict[str, Any] = {
        "legal_basis": [
            {"law": "《中华人民共和国行政许可法》", "article": "第二十九条"},
            {"law": "《测试条例》", "article": "第十条", "text": "从事测试活动应当取得许可。"},
        ]
    }
    defaults.update(kwargs)
    return BaseItemFactory.create(**defaults)


def published_item(*, base: BaseItem, department: Department, code: str, **overrides: Any) -> ServiceItem:
    draft = item_draft_create(actor=None, data=item_data(base=base, dept=department, code=code, **overrides))
    return item_publish(actor=None, item=draft)


def demo_like_catalog() -> list[ServiceItem]:
    """A small catalog like the demo's: two regions, themes, items with every element filled in."""
    newborn = theme("newborn", "新生儿出生")
    startup = theme("business-startup", "开办企业", ThemeAudience.ENTERPRISE)
    tj = Region.objects.get(code="120000")
    bj = Region.objects.get(code="110000")
    tj_market = DepartmentFactory.create(region=tj, code="TJ-SCJG", name="天津市市场监督管理委员会")
    tj_health = DepartmentFactory.create(region=tj, code="TJ-WJW", name="天津市卫生健康委员会")
    bj_market = DepartmentFactory.create(region=bj, code="BJ-SCJG", name="北京市市场监督管理局")
    food = base_item(base_code="000117001000", name="食品经营许可", kind="licensing")
    birth = base_item(
        base_code="000120005000",
        name="出生医学证明办理",
        kind="public_service",
        legal_basis=[{"law": "《中华人民共和国母婴保健法》", "article": "第二十三条"}],
    )
    items = [
        published_item(
            base=food,
            department=tj_market,
            code="120000-SCJG-0001",
            name="食品经营许可（新办）",
            themes=[startup.code],
        ),
        published_item(
            base=birth,
            department=tj_health,
            code="120000-WJW-0002",
            kind="public_service",
            service_object="natural_person",
            legal_limit_days=0,
            promised_limit_days=0,
            fees=[],
            result_form="licence",
            reform_mode="none",
            cross_region_mode="proxy_receipt",
            themes=[newborn.code],
            name_en="",
        ),
        published_item(
            base=food,
            department=bj_market,
            code="110000-SCJG-0001",
            service_object="legal_person",
            channels=["online", "mobile", "window", "self_service", "post"],
            fees=[{"name": "不收费", "amount": "0"}],
        ),
    ]
    return items
