"""A small published catalog for the portal's tests: three regions, themes, situations, uniformity differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongban.catalog.constants import ThemeAudience
from tongban.catalog.models import ServiceItem, Theme
from tongban.catalog.tests.builders import base_item, published_item
from tongban.regions.data import REGIONS
from tongban.regions.models import Department, Region
from tongban.regions.tests.factories import DepartmentFactory

HOUSING_SITUATIONS: list[dict[str, Any]] = [
    {
        "code": "reason",
        "question": "提取原因是什么？",
        "options": [{"code": "retire", "label": "离休、退休"}, {"code": "purchase", "label": "购买自住住房"}],
    },
    {
        "code": "agent",
        "question": "是否委托他人办理？",
        "options": [{"code": "no", "label": "本人办理"}, {"code": "yes", "label": "委托代理人办理"}],
    },
]

HOUSING_MATERIALS: list[dict[str, Any]] = [
    {
        "code": "M01",
        "name": "居民身份证",
        "form": "original",
        "required": True,
        "source": "government",
        "licence_type_code": "ID-CARD",
    },
    {"code": "M02", "name": "退休证明", "form": "copy", "required": True, "applies_when": ["reason=retire"]},
    {
        "code": "M03",
        "name": "购房合同",
        "form": "original_and_copy",
        "required": True,
        "applies_when": ["reason=purchase"],
        "data_resource_code": "HOUSE-CONTRACT",
    },
    {"code": "M04", "name": "授权委托书", "form": "original", "required": True, "applies_when": ["agent=yes"]},
    {
        "code": "M05",
        "name": "代理人身份证",
        "form": "original",
        "required": True,
        "applies_when": ["agent=yes"],
        "gap_allowed": True,
    },
]


@dataclass
class PortalCatalog:
    housing: ServiceItem
    housing_bj: ServiceItem
    business: ServiceItem
    physician: ServiceItem
    pension: ServiceItem
    housing_theme: Theme
    startup_theme: Theme
    tj_fund: Department


def _theme(code: str, name: str, name_en: str, audience: str, order: int) -> Theme:
    obj, _created = Theme.objects.update_or_create(
        code=code, defaults={"name": name, "name_en": name_en, "audience": audience, "order": order}
    )
    return obj


def ensure_regions() -> None:
    """Load the shipped regions if a transactional test's flush removed them.

    ``serialized_rollback`` does not restore them on PostgreSQL in browser tests: the test body
    runs on a different connection object than the one that serialised the database.
    """
    if Region.objects.filter(code__in=("110000", "120000", "130000")).count() == 3:
        return
    for code, name, name_en, level, parent in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent_id": parent}
        )


def portal_catalog() -> PortalCatalog:
    """Publish five items in Tianjin, Beijing and Hebei through the catalog's own services."""
    ensure_regions()
    housing_theme = _theme("housing", "住房保障", "Housing", ThemeAudience.PERSONAL, 1)
    retire_theme = _theme("retirement", "退休养老", "Retirement", ThemeAudience.PERSONAL, 2)
    startup_theme = _theme("business-startup", "开办企业", "Starting a business", ThemeAudience.ENTERPRISE, 1)
    tj, bj, hb = (Region.objects.get(code=c) for c in ("120000", "110000", "130000"))
    tj_fund = DepartmentFactory.create(
        region=tj, code="TJ-GJJ", name="天津市住房公积金管理中心", name_en="Tianjin Housing Provident Fund Centre"
    )
    tj_market = DepartmentFactory.create(region=tj, code="TJ-SCJG", name="天津市市场监督管理委员会")
    tj_health = DepartmentFactory.create(region=tj, code="TJ-WJW", name="天津市卫生健康委员会")
    bj_fund = DepartmentFactory.create(region=bj, code="BJ-GJJ", name="北京住房公积金管理中心")
    hb_hrss = DepartmentFactory.create(region=hb, code="HB-RST", name="河北省人力资源和社会保障厅")

    fund_base = base_item(
        base_code="000130101000",
        name="住房公积金提取",
        kind="public_service",
        competent_department="住房和城乡建设部",
        legal_basis=[{"law": "《住房公积金管理条例》", "article": "第二十四条"}],
    )
    common: dict[str, Any] = {
        "kind": "public_service",
        "result_form": "payment",
        "result_name": "提取款项",
        "licence_type_code": "",
        "reform_mode": "none",
        "commitment_allowed": False,
        "commitment_text": "",
        "legal_basis": [{"law": "《住房公积金管理条例》", "article": "第二十四条"}],
    }
    housing = published_item(
        base=fund_base,
        department=tj_fund,
        code="120000-GJJ-0001",
        name="住房公积金提取",
        name_en="Withdrawal of housing provident fund",
        content="职工符合条件的，可以提取本人住房公积金账户内的存储余额。",
        conditions=["职工离休、退休", "购买、建造、翻建、大修自住住房"],
        situations=HOUSING_SITUATIONS,
        materials=HOUSING_MATERIALS,
        themes=[housing_theme.code, retire_theme.code],
        fees=[],
        cross_region_mode="online",
        special_steps=[
            {
                "kind": "public_notice",
                "name": "提取公示",
                "time_limit_days": 3,
                "legal_basis": "《住房公积金管理条例》第二十四条",
                "fee": "",
                "counts_toward_limit": False,
            }
        ],
        faq=[{"question": "退休后多久可以提取？", "answer": "办理退休手续后即可申请。"}],
        **common,
    )
    housing_bj = published_item(
        base=fund_base,
        department=bj_fund,
        code="110000-GJJ-0001",
        name="住房公积金提取",
        name_en="Withdrawal of housing provident fund",
        content="职工符合条件的，可以提取本人住房公积金账户内的存储余额。",
        conditions=["职工离休、退休", "购买自住住房", "无房租房"],
        situations=[],
        materials=[
            {"code": "M01", "name": "居民身份证", "form": "original", "required": True},
            {"code": "M02", "name": "租房合同", "form": "copy", "required": True},
        ],
        themes=[housing_theme.code],
        fees=[],
        cross_region_mode="online",
        **common,
    )
    business = published_item(
        base=base_item(base_code="000117002000", name="企业设立登记", kind="licensing"),
        department=tj_market,
        code="120000-SCJG-0001",
        name="企业设立登记",
        name_en="Company registration",
        service_object="legal_person",
        result_name="营业执照",
        themes=[startup_theme.code],
        cross_region_mode="none",
    )
    physician = published_item(
        base=base_item(base_code="000117003000", name="医师执业注册", kind="licensing"),
        department=tj_health,
        code="120000-WJW-0001",
        name="医师执业注册",
        name_en="Physician practice registration",
        result_name="医师执业证书",
        cross_region_mode="proxy_receipt",
        themes=[],
    )
    pension = published_item(
        base=base_item(base_code="000114001000", name="养老保险关系转移接续", kind="public_service"),
        department=hb_hrss,
        code="130000-RST-0001",
        name="养老保险关系转移接续",
        name_en="Transfer of pension insurance",
        kind="public_service",
        result_form="information",
        result_name="转移接续结果",
        licence_type_code="",
        reform_mode="none",
        commitment_allowed=False,
        commitment_text="",
        cross_region_mode="joint",
        themes=[retire_theme.code],
    )
    return PortalCatalog(
        housing=housing,
        housing_bj=housing_bj,
        business=business,
        physician=physician,
        pension=pension,
        housing_theme=housing_theme,
        startup_theme=startup_theme,
        tj_fund=tj_fund,
    )
