"""Demo licence types and licences for this node's region (idempotent).

The ten types match the catalog's demo items (``licence_type_code``); the departments are the
region's demo departments (``tongban.regions.demo``), the holders the demo residents and
enterprises (``tongban.accounts.demo``). Every resident and enterprise gets several valid licences;
some licences are revoked, suspended or expired, to show every status. The region's demo licence
administrator becomes licence administrator of every issuing department.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO

from django.conf import settings
from django.db import transaction

from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import StaffRole, User
from tongban.core.context import RequestContext, bound
from tongban.licences.constants import FieldType, HolderKind, StoredStatus
from tongban.licences.models import Licence, LicenceType
from tongban.licences.services import licence_issue, licence_revoke, licence_suspend, licence_type_save
from tongban.regions.models import Department


def f(
    name: str, label: str, kind: str = FieldType.TEXT, *, required: bool = False, choices: tuple[str, ...] = ()
) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "label": label, "type": kind, "required": required}
    if choices:
        spec["choices"] = list(choices)
    return spec


# code, name, English name, department code, holder kind, validity (months), colour, fields
TYPES: list[tuple[str, str, str, str, str, int | None, str, list[dict[str, Any]]]] = [
    (
        "yyzz",
        "营业执照",
        "Business licence",
        "amr",
        HolderKind.ENTERPRISE,
        None,
        "#b3262b",
        [
            f(
                "enterprise_type",
                "类型",
                FieldType.CHOICE,
                required=True,
                choices=("有限责任公司", "股份有限公司", "个人独资企业", "合伙企业", "个体工商户"),
            ),
            f("legal_representative", "法定代表人", required=True),
            f("registered_capital", "注册资本（万元）", FieldType.NUMBER),
            f("established_on", "成立日期", FieldType.DATE, required=True),
            f("business_scope", "经营范围", required=True),
            f("address", "住所"),
        ],
    ),
    (
        "ysyzz",
        "医师执业证书",
        "Physician practising certificate",
        "health",
        HolderKind.RESIDENT,
        None,
        "#1f5c99",
        [
            f(
                "practice_category",
                "执业类别",
                FieldType.CHOICE,
                required=True,
                choices=("临床", "中医", "口腔", "公共卫生"),
            ),
            f("practice_scope", "执业范围", required=True),
            f("practice_place", "主要执业机构", required=True),
        ],
    ),
    (
        "nyjyxkz",
        "农药经营许可证",
        "Pesticide trading licence",
        "agri",
        HolderKind.ENTERPRISE,
        60,
        "#2e6b30",
        [
            f(
                "business_scope",
                "经营范围",
                FieldType.CHOICE,
                required=True,
                choices=("农药（限制使用农药除外）", "农药（含限制使用农药）"),
            ),
            f("premises", "经营场所", required=True),
            f("warehouse", "仓储场所"),
        ],
    ),
    (
        "lszyz",
        "律师执业证",
        "Lawyer's practising certificate",
        "justice",
        HolderKind.RESIDENT,
        None,
        "#7a2e1f",
        [
            f("law_firm", "执业机构", required=True),
            f("practice_type", "执业类别", FieldType.CHOICE, required=True, choices=("专职", "兼职", "公职", "公司")),
        ],
    ),
    (
        "zcqscjyxkz",
        "种畜禽生产经营许可证",
        "Breeding livestock production and trading licence",
        "agri",
        HolderKind.ENTERPRISE,
        36,
        "#556b2f",
        [
            f("breeds", "品种、配套系", required=True),
            f("scope", "生产经营范围", required=True),
            f("site", "生产经营地址"),
        ],
    ),
    (
        "hkb",
        "居民户口簿",
        "Household register",
        "psb",
        HolderKind.RESIDENT,
        None,
        "#8b4513",
        [
            f("household_type", "户别", FieldType.CHOICE, required=True, choices=("家庭户", "集体户")),
            f("relation", "与户主关系", required=True),
            f("address", "住址", required=True),
        ],
    ),
    (
        "sbcbzm",
        "社会保险参保证明",
        "Social insurance certificate",
        "hrss",
        HolderKind.RESIDENT,
        3,
        "#0b6e6e",
        [
            f("insurance_types", "参保险种", required=True),
            f("insured_since", "参保起始年月", required=True),
            f("months_paid", "累计缴费月数", FieldType.NUMBER, required=True),
        ],
    ),
    (
        "gjjjczm",
        "住房公积金缴存证明",
        "Housing provident fund certificate",
        "hpf",
        HolderKind.RESIDENT,
        3,
        "#4b3f8f",
        [
            f("employer", "缴存单位", required=True),
            f("account_status", "账户状态", FieldType.CHOICE, required=True, choices=("正常", "封存")),
            f("monthly_amount", "月缴存额（元）", FieldType.NUMBER, required=True),
            f("paid_until", "缴至年月", required=True),
        ],
    ),
    (
        "zyzgzs",
        "职业资格证书",
        "Vocational qualification certificate",
        "hrss",
        HolderKind.RESIDENT,
        None,
        "#9a6a00",
        [
            f("occupation", "职业（工种）", required=True),
            f(
                "level",
                "等级",
                FieldType.CHOICE,
                required=True,
                choices=("五级/初级工", "四级/中级工", "三级/高级工", "二级/技师", "一级/高级技师"),
            ),
            f("certified_on", "发证日期", FieldType.DATE),
        ],
    ),
    (
        "wwsdslpzwj",
        "文物商店设立批准文件",
        "Approval of an antiques shop",
        "culture",
        HolderKind.ENTERPRISE,
        60,
        "#6b1f4f",
        [
            f("shop_name", "文物商店名称", required=True),
            f("premises", "经营场所", required=True),
            f("scope", "经营范围", required=True),
        ],
    ),
]

D = dt.date


def _resident_licences(user: User, index: int) -> list[tuple[str, dict[str, Any], dt.date, dt.date | None, str]]:
    """(type, fields, valid from, valid to or None for the type's rule, final status) for one resident."""
    today = dt.date.today()
    recent = today - dt.timedelta(days=20 + index)
    out: list[tuple[str, dict[str, Any], dt.date, dt.date | None, str]] = [
        (
            "hkb",
            {"household_type": "家庭户", "relation": "户主", "address": user.address or "—"},
            D(2015, 6, 1),
            None,
            StoredStatus.VALID,
        ),
        (
            "sbcbzm",
            {"insurance_types": "养老、医疗、失业、工伤", "insured_since": "2012-07", "months_paid": 160 + index},
            recent,
            None,
            StoredStatus.VALID,
        ),
        (
            "gjjjczm",
            {
                "employer": "天津津港物流有限公司" if index % 2 else "天津市和平区人民医院",
                "account_status": "正常",
                "monthly_amount": 1860 + 40 * index,
                "paid_until": f"{today:%Y-%m}",
            },
            recent,
            None,
            StoredStatus.VALID,
        ),
        (
            "zyzgzs",
            {"occupation": "电工", "level": "三级/高级工", "certified_on": "2019-10-15"},
            D(2019, 10, 15),
            None,
            StoredStatus.VALID,
        ),
        # An old insurance certificate, long expired.
        (
            "sbcbzm",
            {"insurance_types": "养老、医疗", "insured_since": "2012-07", "months_paid": 96},
            D(2020, 8, 3),
            None,
            StoredStatus.VALID,
        ),
    ]
    if index % 3 == 0:
        out.append(
            (
                "ysyzz",
                {"practice_category": "临床", "practice_scope": "内科专业", "practice_place": "天津市第一中心医院"},
                D(2018, 9, 1),
                None,
                StoredStatus.VALID,
            )
        )
    if index % 3 == 1:
        out.append(
            (
                "lszyz",
                {"law_firm": "天津津和律师事务所", "practice_type": "专职"},
                D(2017, 3, 20),
                None,
                StoredStatus.VALID,
            )
        )
    if index % 3 == 2:
        # A revoked licence (practice stopped), to show revocation.
        out.append(
            (
                "ysyzz",
                {
                    "practice_category": "中医",
                    "practice_scope": "中医专业",
                    "practice_place": "天津中医药大学第一附属医院",
                },
                D(2010, 5, 4),
                None,
                StoredStatus.REVOKED,
            )
        )
    return out


def _enterprise_licences(
    name: str, rep: str, index: int
) -> list[tuple[str, dict[str, Any], dt.date, dt.date | None, str]]:
    out: list[tuple[str, dict[str, Any], dt.date, dt.date | None, str]] = [
        (
            "yyzz",
            {
                "enterprise_type": "有限责任公司",
                "legal_representative": rep,
                "registered_capital": 500 + 100 * index,
                "established_on": "2016-04-18",
                "business_scope": "一般项目：技术服务、货物进出口、仓储服务（不含危险化学品）",
                "address": "—",
            },
            D(2016, 4, 18),
            None,
            StoredStatus.VALID,
        ),
    ]
    if "农资" in name or "种业" in name or index % 2:
        out.append(
            (
                "nyjyxkz",
                {"business_scope": "农药（限制使用农药除外）", "premises": "经营门店", "warehouse": "自有仓库"},
                D(2024, 3, 1),
                None,
                StoredStatus.VALID,
            )
        )
        # The licence it replaced, expired.
        out.append(
            (
                "nyjyxkz",
                {"business_scope": "农药（限制使用农药除外）", "premises": "经营门店", "warehouse": "租赁仓库"},
                D(2018, 3, 1),
                D(2023, 2, 28),
                StoredStatus.VALID,
            )
        )
    if "种业" in name or index % 2 == 0:
        out.append(
            (
                "zcqscjyxkz",
                {"breeds": "大白猪、长白猪", "scope": "种猪生产、销售", "site": "养殖基地"},
                D(2025, 1, 10),
                None,
                StoredStatus.VALID,
            )
        )
    if index == 0:
        out.append(
            (
                "wwsdslpzwj",
                {"shop_name": f"{name}文物商店", "premises": "古文化街", "scope": "文物购销（不含出境）"},
                D(2023, 5, 6),
                None,
                StoredStatus.SUSPENDED,
            )
        )
    return out


def load(*, stdout: TextIO) -> None:
    region = str(settings.TONGBAN_REGION)
    departments = {d.code: d for d in Department.objects.filter(region_id=region)}
    missing = sorted({t[3] for t in TYPES} - departments.keys())
    if missing:
        stdout.write(f"licences: skipped, region {region} lacks demo departments {missing}\n")
        return
    issued = 0
    with bound(RequestContext(source="seed")), transaction.atomic():
        types: dict[str, LicenceType] = {}
        for code, name, name_en, dept, holder_kind, months, colour, fields in TYPES:
            types[code] = licence_type_save(
                code=code,
                name=name,
                name_en=name_en,
                department=departments[dept],
                holder_kind=holder_kind,
                fields=fields,
                validity_months=months,
                template={"title": name, "colour": colour},
                actor=None,
            )
        admin = User.objects.filter(
            username__endswith="_licence_admin", staff_roles__department__region_id=region
        ).first()
        if admin is not None:
            for dept in {t[3] for t in TYPES}:
                StaffRole.objects.get_or_create(
                    user=admin, department=departments[dept], role=StaffRoleKind.LICENCE_ADMIN
                )

        plans: list[tuple[str, str, str, dict[str, Any], dt.date, dt.date | None, str]] = []
        residents = User.objects.filter(kind=UserKind.RESIDENT).exclude(id_number="").order_by("username")
        for index, user in enumerate(residents):
            for code, values, start, end, status in _resident_licences(user, index):
                plans.append((code, user.id_number, user.display_name, values, start, end, status))
        try:
            from tongban.accounts.models import Enterprise
        except ImportError:  # pragma: no cover - the identity module always has enterprises
            enterprises: list[Any] = []
        else:
            enterprises = list(Enterprise.objects.order_by("uscc"))
        for index, enterprise in enumerate(enterprises):
            for code, values, start, end, status in _enterprise_licences(
                enterprise.name, enterprise.legal_representative_name, index
            ):
                values = dict(values)
                if "address" in values:
                    values["address"] = enterprise.address or "—"
                plans.append((code, enterprise.uscc, enterprise.name, values, start, end, status))

        for code, holder_id, holder_name, values, start, end, status in plans:
            if Licence.objects.filter(licence_type=types[code], holder_id=holder_id, valid_from=start).exists():
                continue
            licence = licence_issue(
                licence_type=types[code],
                holder_id=holder_id,
                holder_name=holder_name,
                field_values=values,
                valid_from=start,
                valid_to=end,
                actor=None,
                reason="演示数据",
                check_permission=False,
            )
            if status == StoredStatus.REVOKED:
                licence_revoke(licence=licence, actor=None, reason="执业注销（演示数据）")
            elif status == StoredStatus.SUSPENDED:
                licence_suspend(licence=licence, actor=None, reason="经营场所核查期间暂停（演示数据）")
            issued += 1
    total = Licence.objects.count()
    stdout.write(f"licences: {len(TYPES)} types, {issued} licences issued now, {total} in all (region {region})\n")
