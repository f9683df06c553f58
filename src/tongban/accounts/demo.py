"""Demo accounts: a superuser, staff with roles in each demo region, residents and enterprises.

Every demo account has the password ``DEMO_PASSWORD``. Staff of Beijing, Tianjin and Hebei hold
each role the later workflows need (catalog administrator, window clerk, reviewer, department
head, supervisor, hotline agent / handler / supervisor, licence and node administrators).
Data administrators (``*_data_admin``, the region's data office) administer the resource catalog
and decide disputes; ``*_data_provider`` answers data requests for every provider department.
Residents have valid ID numbers (GB 11643) and enterprises valid unified social credit codes
(GB 32100). Loading is idempotent: accounts are keyed on the username, and a password is only set
when an account is created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from tongban.accounts.constants import MemberRole, StaffRoleKind, UserKind
from tongban.accounts.models import Enterprise, EnterpriseMember, StaffRole, User
from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.regions.models import Department

DEMO_PASSWORD = "Tongban-demo-2026"  # noqa: S105 - published demo password
CATALOG_ADMIN_GROUP = "catalog administrators"

PREFIX = {"110000": "bj", "120000": "tj", "130000": "hb"}

# (username suffix, full name, role, department code)
STAFF: dict[str, list[tuple[str, str, StaffRoleKind, str]]] = {
    "110000": [
        ("catalog", "周明远", StaffRoleKind.CATALOG_ADMIN, "gsa"),
        ("window", "李晓雯", StaffRoleKind.WINDOW_CLERK, "gsa"),
        ("reviewer_amr", "王建国", StaffRoleKind.REVIEWER, "amr"),
        ("reviewer_health", "赵敏", StaffRoleKind.REVIEWER, "health"),
        ("reviewer_agri", "孙立伟", StaffRoleKind.REVIEWER, "agri"),
        ("reviewer_hrss", "钱文静", StaffRoleKind.REVIEWER, "hrss"),
        ("reviewer_hpf", "陆思琪", StaffRoleKind.REVIEWER, "hpf"),
        ("head_amr", "郑海峰", StaffRoleKind.DEPARTMENT_HEAD, "amr"),
        ("supervisor", "冯雅琴", StaffRoleKind.SUPERVISOR, "gsa"),
        ("hotline_agent", "陈思远", StaffRoleKind.HOTLINE_AGENT, "hotline"),
        ("hotline_handler", "褚红梅", StaffRoleKind.HOTLINE_HANDLER, "amr"),
        ("hotline_supervisor", "卫东升", StaffRoleKind.HOTLINE_SUPERVISOR, "hotline"),
        ("licence_admin", "蒋欣然", StaffRoleKind.LICENCE_ADMIN, "gsa"),
        ("node_admin", "沈浩", StaffRoleKind.NODE_ADMIN, "gsa"),
        ("data_admin", "田雨桐", StaffRoleKind.DATA_ADMIN, "gsa"),
        ("data_provider", "白志刚", StaffRoleKind.DATA_ADMIN, "psb"),
    ],
    "120000": [
        ("catalog", "韩雪", StaffRoleKind.CATALOG_ADMIN, "gsa"),
        ("window", "杨帆", StaffRoleKind.WINDOW_CLERK, "gsa"),
        ("reviewer_amr", "朱振华", StaffRoleKind.REVIEWER, "amr"),
        ("reviewer_health", "秦丽娟", StaffRoleKind.REVIEWER, "health"),
        ("reviewer_agri", "尤志强", StaffRoleKind.REVIEWER, "agri"),
        ("reviewer_hrss", "许文博", StaffRoleKind.REVIEWER, "hrss"),
        ("reviewer_hpf", "邓佳伟", StaffRoleKind.REVIEWER, "hpf"),
        ("head_amr", "何振宇", StaffRoleKind.DEPARTMENT_HEAD, "amr"),
        ("supervisor", "吕静怡", StaffRoleKind.SUPERVISOR, "gsa"),
        ("hotline_agent", "施佳慧", StaffRoleKind.HOTLINE_AGENT, "hotline"),
        ("hotline_handler", "张国栋", StaffRoleKind.HOTLINE_HANDLER, "amr"),
        ("hotline_supervisor", "孔德明", StaffRoleKind.HOTLINE_SUPERVISOR, "hotline"),
        ("licence_admin", "曹颖", StaffRoleKind.LICENCE_ADMIN, "gsa"),
        ("node_admin", "严峻", StaffRoleKind.NODE_ADMIN, "gsa"),
        ("data_admin", "苗静", StaffRoleKind.DATA_ADMIN, "gsa"),
        ("data_provider", "骆天翔", StaffRoleKind.DATA_ADMIN, "psb"),
    ],
    "130000": [
        ("catalog", "华晓燕", StaffRoleKind.CATALOG_ADMIN, "gsa"),
        ("window", "金鹏", StaffRoleKind.WINDOW_CLERK, "gsa"),
        ("reviewer_amr", "魏立军", StaffRoleKind.REVIEWER, "amr"),
        ("reviewer_health", "陶红", StaffRoleKind.REVIEWER, "health"),
        ("reviewer_agri", "姜春生", StaffRoleKind.REVIEWER, "agri"),
        ("reviewer_hrss", "戚玉兰", StaffRoleKind.REVIEWER, "hrss"),
        ("reviewer_hpf", "范美玲", StaffRoleKind.REVIEWER, "hpf"),
        ("head_amr", "谢长青", StaffRoleKind.DEPARTMENT_HEAD, "amr"),
        ("supervisor", "邹凤英", StaffRoleKind.SUPERVISOR, "gsa"),
        ("hotline_agent", "喻晨", StaffRoleKind.HOTLINE_AGENT, "hotline"),
        ("hotline_handler", "柏永刚", StaffRoleKind.HOTLINE_HANDLER, "amr"),
        ("hotline_supervisor", "水清", StaffRoleKind.HOTLINE_SUPERVISOR, "hotline"),
        ("licence_admin", "窦文", StaffRoleKind.LICENCE_ADMIN, "gsa"),
        ("node_admin", "章立", StaffRoleKind.NODE_ADMIN, "gsa"),
        ("data_admin", "温佳", StaffRoleKind.DATA_ADMIN, "gsa"),
        ("data_provider", "廉晓东", StaffRoleKind.DATA_ADMIN, "psb"),
    ],
}

# Extra roles: every department head also reviews; the Tianjin window clerk serves 滨海新区 too.
EXTRA_ROLES: list[tuple[str, str, str, StaffRoleKind]] = [
    ("bj_head_amr", "110000", "amr", StaffRoleKind.REVIEWER),
    ("tj_head_amr", "120000", "amr", StaffRoleKind.REVIEWER),
    ("hb_head_amr", "130000", "amr", StaffRoleKind.REVIEWER),
    ("tj_window", "120116", "gsa", StaffRoleKind.WINDOW_CLERK),
    # the data officer of each region's providers answers for every provider department (数据共享对接人)
    *[
        (f"{prefix}_data_provider", region, code, StaffRoleKind.DATA_ADMIN)
        for region, prefix in (("110000", "bj"), ("120000", "tj"), ("130000", "hb"))
        for code in ("health", "civil", "hrss", "hpf", "amr", "tax", "planning", "education", "cdpf")
    ],
]


@dataclass(frozen=True)
class Resident:
    username: str
    full_name: str
    county: str
    birth: dt.date
    sequence: int
    phone: str
    address: str


RESIDENTS: list[Resident] = [
    Resident("bj_resident_1", "刘洋", "110105", dt.date(1988, 3, 12), 31, "13800010001", "北京市朝阳区建国路88号"),
    Resident("bj_resident_2", "王芳", "110108", dt.date(1992, 7, 5), 42, "13800010002", "北京市海淀区中关村大街27号"),
    Resident("tj_resident_1", "张伟", "120101", dt.date(1985, 11, 20), 13, "13800020001", "天津市和平区南京路189号"),
    Resident("tj_resident_2", "李娜", "120116", dt.date(1995, 1, 8), 24, "13800020002", "天津市滨海新区洞庭路110号"),
    Resident("tj_retiree", "赵秀兰", "120104", dt.date(1964, 9, 1), 62, "13800020003", "天津市南开区鞍山西道58号"),
    Resident(
        "hb_resident_1", "陈静", "130102", dt.date(1990, 4, 18), 55, "13800030001", "河北省石家庄市长安区中山东路99号"
    ),
    Resident(
        "hb_resident_2", "杨磊", "130602", dt.date(1987, 12, 30), 17, "13800030002", "河北省保定市竞秀区朝阳北大街666号"
    ),
]

# (username, enterprise name, region, sequence, representative username, address)
ENTERPRISES: list[tuple[str, str, str, int, str, str]] = [
    ("bj_enterprise", "北京云启科技有限公司", "110000", 10001, "bj_resident_1", "北京市海淀区上地十街10号"),
    ("tj_enterprise", "天津津港物流有限公司", "120000", 20001, "tj_resident_1", "天津市滨海新区新港二号路35号"),
    ("tj_enterprise_2", "天津绿田农资有限公司", "120000", 20002, "tj_resident_2", "天津市武清区雍阳西道121号"),
    ("hb_enterprise", "河北冀丰种业有限公司", "130000", 30001, "hb_resident_1", "河北省石家庄市鹿泉区上庄镇创业路9号"),
]


# Authorised agents besides the legal representatives: (resident username, enterprise username).
AGENTS: list[tuple[str, str]] = [("tj_resident_2", "tj_enterprise")]
AUTHORISED_FROM = dt.date(2026, 1, 1)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    region: str
    full_name: str


def _upsert_user(username: str, defaults: dict[str, object], password_hash: str) -> tuple[User, bool]:
    user, created = User.objects.update_or_create(username=username, defaults=defaults)
    if created or not user.has_usable_password():
        user.password = password_hash
        user.save(update_fields=["password"])
    return user, created


def _catalog_admin_group() -> Group:
    group, _ = Group.objects.get_or_create(name=CATALOG_ADMIN_GROUP)
    perms = Permission.objects.filter(content_type__app_label="catalog").exclude(content_type__model="searchterm")
    group.permissions.set(perms)
    return group


def _member(user: User, enterprise: Enterprise, role: MemberRole) -> None:
    EnterpriseMember.objects.get_or_create(
        user=user,
        enterprise=enterprise,
        active=True,
        defaults={"role": role, "authorised_from": AUTHORISED_FROM, "granted_by": user},
    )


def load(*, stdout: TextIO, only_region: str | None = None) -> None:
    """Load the demo accounts; with ``only_region``, only that region's staff, residents and enterprises
    (a node of the three-node demo: the other regions' people have accounts at their own nodes)."""

    def wanted(region: str) -> bool:
        return only_region is None or region[:2] == only_region[:2]

    password_hash = make_password(DEMO_PASSWORD)
    accounts: list[DemoAccount] = []
    created = 0
    with transaction.atomic():
        admin, was_created = _upsert_user(
            "admin",
            {
                "kind": UserKind.STAFF,
                "full_name": "系统管理员",
                "is_staff": True,
                "is_superuser": True,
                "region_id": "120000",
            },
            password_hash,
        )
        created += was_created
        accounts.append(DemoAccount("admin", f"{UserKind.STAFF.label} (superuser)", "120000", admin.full_name))

        catalog_group = _catalog_admin_group()
        for region, staff in STAFF.items():
            if not wanted(region):
                continue
            for suffix, full_name, role, department_code in staff:
                username = f"{PREFIX[region]}_{suffix}"
                is_catalog_admin = role == StaffRoleKind.CATALOG_ADMIN
                user, was_created = _upsert_user(
                    username,
                    {
                        "kind": UserKind.STAFF,
                        "full_name": full_name,
                        "region_id": region,
                        "is_staff": is_catalog_admin or role == StaffRoleKind.NODE_ADMIN,
                    },
                    password_hash,
                )
                created += was_created
                department = Department.objects.get(region_id=region, code=department_code)
                StaffRole.objects.get_or_create(user=user, department=department, role=role)
                if is_catalog_admin:
                    user.groups.add(catalog_group)
                accounts.append(DemoAccount(username, f"{role.label} · {department.name}", region, full_name))
        for username, region, department_code, role in EXTRA_ROLES:
            if not wanted(region):
                continue
            StaffRole.objects.get_or_create(
                user=User.objects.get(username=username),
                department=Department.objects.get(region_id=region, code=department_code),
                role=role,
            )

        for r in RESIDENTS:
            if not wanted(r.county):
                continue
            _, was_created = _upsert_user(
                r.username,
                {
                    "kind": UserKind.RESIDENT,
                    "full_name": r.full_name,
                    "id_number": make_resident_id(r.county, r.birth, r.sequence),
                    "phone": r.phone,
                    "address": r.address,
                    "region_id": r.county[:2] + "0000",
                },
                password_hash,
            )
            created += was_created
            accounts.append(
                DemoAccount(r.username, f"{UserKind.RESIDENT.label} {r.county}", r.county[:2] + "0000", r.full_name)
            )

        enterprises: dict[str, Enterprise] = {}
        for username, name, region, sequence, representative, address in ENTERPRISES:
            if not wanted(region):
                continue
            uscc = make_uscc(region, sequence)
            _, was_created = _upsert_user(
                username,
                {
                    "kind": UserKind.ENTERPRISE,
                    "full_name": name,
                    "uscc": uscc,
                    "address": address,
                    "region_id": region,
                },
                password_hash,
            )
            created += was_created
            rep = User.objects.get(username=representative)
            enterprise, _ = Enterprise.objects.update_or_create(
                uscc=uscc,
                defaults={
                    "name": name,
                    "legal_representative_name": rep.full_name,
                    "legal_representative_id_number": rep.id_number,
                    "region_id": region,
                    "address": address,
                },
            )
            enterprises[username] = enterprise
            _member(rep, enterprise, MemberRole.LEGAL_REPRESENTATIVE)
            accounts.append(
                DemoAccount(
                    username, f"{UserKind.ENTERPRISE.label} {uscc}（法定代表人 {representative}）", region, name
                )
            )
        for resident, enterprise_username in AGENTS:
            if enterprise_username not in enterprises:
                continue
            _member(User.objects.get(username=resident), enterprises[enterprise_username], MemberRole.AGENT)

    stdout.write(f"accounts: {len(accounts)} ({created} new); password for every demo account: {DEMO_PASSWORD}\n")
    width = max(len(a.username) for a in accounts)
    stdout.write(f"  {'username'.ljust(width)}  region  role\n")
    for a in accounts:
        stdout.write(f"  {a.username.ljust(width)}  {a.region}  {a.role} ({a.full_name})\n")
