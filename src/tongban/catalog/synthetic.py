"""A large, realistic-looking synthetic catalog for benchmarks (``tongban seed synthetic``).

Names are built from the vocabularies of real implementation lists: a department, the object
of the service (食品经营许可, 住房公积金, 机动车驾驶证…), an action (核发, 变更, 延续, 注销,
提取…) and sometimes a qualifier (个人, 企业, 告知承诺制…). Each region gets its own
departments (code prefix ``SYN-``), items (code ``<region>-SYN-<n>``) with materials, legal
bases, conditions, process and fees, all published and indexed for search. The national base
items (``SYN-…``) are shared by every region. Running it again for a region replaces that
region's synthetic items; the same seed gives the same catalog.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tongban.catalog import search
from tongban.catalog.constants import (
    Channel,
    CrossRegionMode,
    HandlingType,
    ItemKind,
    ItemStatus,
    MaterialForm,
    MaterialSource,
    ReformMode,
    ResultForm,
    ServiceObject,
)
from tongban.catalog.models import BaseItem, Material, SearchTerm, ServiceItem
from tongban.regions.models import Department
from tongban.regions.selectors import region_get

CODE_MARK = "SYN"
DEPARTMENT_PREFIX = f"{CODE_MARK}-"


def item_code_prefix(region_code: str) -> str:
    """Codes of a region's synthetic items start with this."""
    return f"{region_code}-{CODE_MARK}-"


@dataclass(frozen=True)
class Action:
    verb: str
    handling: HandlingType
    kind: ItemKind | None = None  # None: the object's kind


@dataclass(frozen=True)
class Subject:
    name: str
    kind: ItemKind
    service_object: ServiceObject
    actions: str  # key of ACTIONS
    result_form: ResultForm
    result_name: str = ""
    law: str = ""


N, C, R, X, Q, OT = (
    HandlingType.NEW,
    HandlingType.CHANGE,
    HandlingType.RENEWAL,
    HandlingType.CANCELLATION,
    HandlingType.QUERY,
    HandlingType.OTHER,
)

ACTIONS: dict[str, tuple[Action, ...]] = {
    "licence": (
        Action("核发", N),
        Action("变更", C),
        Action("延续", R),
        Action("注销", X),
        Action("补发", OT),
        Action("换发", R),
    ),
    "registration": (
        Action("登记", N),
        Action("变更登记", C),
        Action("注销登记", X),
        Action("信息查询", Q, ItemKind.PUBLIC_SERVICE),
    ),
    "filing": (Action("备案", N), Action("变更备案", C), Action("注销备案", X)),
    "confirmation": (Action("认定", N), Action("确认", N), Action("复核", OT), Action("证明开具", Q)),
    "payment": (Action("申领", N), Action("发放", N), Action("变更", C), Action("停发", X)),
    "service": (Action("办理", N), Action("查询", Q), Action("证明开具", Q), Action("预约", OT), Action("变更", C)),
    "fund": (
        Action("缴存登记", N),
        Action("提取", OT),
        Action("个人住房贷款", N),
        Action("账户转移接续", C),
        Action("缴存证明开具", Q),
        Action("贷款提前还款", OT),
        Action("缴存基数调整", C),
        Action("账户封存", X),
        Action("账户启封", C),
        Action("信息查询", Q),
    ),
}

L, P = ServiceObject.NATURAL_PERSON, ServiceObject.LEGAL_PERSON

DEPARTMENTS_FILE = Path(__file__).resolve().parent / "data" / "synthetic_departments.json"


def _departments() -> tuple[tuple[str, str, tuple[Subject, ...]], ...]:
    rows = json.loads(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    return tuple(
        (
            str(row["code"]),
            str(row["name"]),
            tuple(
                Subject(
                    name=str(sub["name"]),
                    kind=ItemKind(sub["kind"]),
                    service_object=ServiceObject(sub["service_object"]),
                    actions=str(sub["actions"]),
                    result_form=ResultForm(sub["result_form"]),
                    result_name=str(sub.get("result_name", "")),
                    law=str(sub.get("law", "")),
                )
                for sub in row["subjects"]
            ),
        )
        for row in rows
    )


# (department code, department name, subjects): data/synthetic_departments.json
DEPARTMENTS: tuple[tuple[str, str, tuple[Subject, ...]], ...] = _departments()

QUALIFIERS: tuple[tuple[str, ServiceObject | None], ...] = (
    ("", None),
    ("（个人）", L),
    ("（企业）", P),
    ("（告知承诺制）", None),
    ("（首次申请）", None),
    ("（跨省通办）", None),
    ("（港澳台居民）", L),
    ("（外籍人员）", L),
    ("（容缺受理）", None),
    ("（简易程序）", None),
    ("（一般程序）", None),
    ("（网上办理）", None),
)

MATERIALS: tuple[tuple[str, MaterialSource, str], ...] = (
    ("申请表", MaterialSource.APPLICANT, ""),
    ("居民身份证", MaterialSource.GOVERNMENT, "resident_id"),
    ("户口簿", MaterialSource.GOVERNMENT, ""),
    ("营业执照", MaterialSource.GOVERNMENT, "business_licence"),
    ("授权委托书", MaterialSource.APPLICANT, ""),
    ("法定代表人身份证明", MaterialSource.APPLICANT, ""),
    ("不动产权证书", MaterialSource.GOVERNMENT, "real_estate"),
    ("房屋租赁合同", MaterialSource.APPLICANT, ""),
    ("劳动合同", MaterialSource.APPLICANT, ""),
    ("结婚证", MaterialSource.GOVERNMENT, "marriage"),
    ("出生医学证明", MaterialSource.GOVERNMENT, "birth_certificate"),
    ("近期免冠彩色照片", MaterialSource.APPLICANT, ""),
    ("场所平面布局图", MaterialSource.APPLICANT, ""),
    ("相关专业技术人员资格证明", MaterialSource.GOVERNMENT, ""),
    ("检验检测报告", MaterialSource.INTERMEDIARY, ""),
    ("安全管理制度", MaterialSource.APPLICANT, ""),
    ("医疗费用票据", MaterialSource.OTHER, ""),
    ("银行账户信息", MaterialSource.OTHER, ""),
    ("购房合同", MaterialSource.APPLICANT, ""),
    ("原证件", MaterialSource.GOVERNMENT, ""),
)

CONDITIONS: tuple[str, ...] = (
    "申请人具有完全民事行为能力",
    "申请人为依法设立的市场主体",
    "具有与经营项目相适应的场所和设施",
    "具有相应的专业技术人员和管理制度",
    "符合国家和本市规定的其他条件",
    "申请人在本市连续缴存满六个月",
    "无不良信用记录",
    "属于本行政区域内的户籍或常住人口",
)

PROCESS: tuple[str, ...] = ("申请", "受理", "审查", "决定", "送达")

CROSS_REGION_WEIGHTS = (
    (CrossRegionMode.NONE, 55),
    (CrossRegionMode.ONLINE, 25),
    (CrossRegionMode.PROXY_RECEIPT, 15),
    (CrossRegionMode.JOINT, 5),
)
REFORM_WEIGHTS = (
    (ReformMode.NONE, 60),
    (ReformMode.OPTIMISE, 20),
    (ReformMode.COMMITMENT, 12),
    (ReformMode.FILING, 6),
    (ReformMode.CANCEL, 2),
)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


@dataclass(frozen=True)
class _Plan:
    dept_code: str
    subject: Subject
    action: Action
    base_code: str
    base_name: str
    name: str
    service_object: ServiceObject


def _plans(count: int, rng: random.Random, district_names: list[str]) -> list[_Plan]:
    """``count`` distinct item names: every subject × action × qualifier, then per district."""
    bases: list[tuple[str, Subject, Action, str, str]] = []
    for dept_code, _dept_name, subjects in DEPARTMENTS:
        for si, subject in enumerate(subjects):
            for ai, action in enumerate(ACTIONS[subject.actions]):
                base_code = f"{CODE_MARK}-{dept_code}-{si + 1:02d}{ai + 1:02d}"
                bases.append((dept_code, subject, action, base_code, subject.name + action.verb))
    plans: list[_Plan] = []
    for suffix in [""] + [f"（{d}）" for d in district_names]:
        for qualifier, obj in QUALIFIERS:
            for dept_code, subject, action, base_code, base_name in bases:
                if obj is not None and subject.service_object not in (obj, ServiceObject.BOTH):
                    continue  # a 企业 qualifier on an item for persons only would make no sense
                plans.append(
                    _Plan(
                        dept_code=dept_code,
                        subject=subject,
                        action=action,
                        base_code=base_code,
                        base_name=base_name,
                        name=base_name + qualifier + suffix,
                        service_object=obj or subject.service_object,
                    )
                )
        if len(plans) >= count:
            break
    # keep every plain base name, then a seeded sample of the qualified variants
    head, tail = plans[: len(bases)], plans[len(bases) :]
    rng.shuffle(tail)
    chosen = (head + tail)[:count]
    if len(chosen) < count:
        raise ValueError(f"the vocabularies give only {len(chosen)} distinct names")
    return chosen


@transaction.atomic
def generate(*, items: int, region_code: str | None, seed: int) -> int:
    """Replace the synthetic items of a region with ``items`` new published, indexed ones."""
    if items < 0:
        raise ValueError("items must be 0 or more")
    region = region_get(code=region_code or settings.TONGBAN_REGION)
    rng = random.Random(f"{seed}:{region.code}")
    now = timezone.now()

    old = ServiceItem.objects.filter(region=region, code__startswith=item_code_prefix(region.code))
    SearchTerm.objects.filter(item__in=old).delete()
    Material.objects.filter(item__in=old).delete()
    ServiceItem.themes.through.objects.filter(serviceitem__in=old).delete()
    old.delete()
    if items == 0:
        return 0

    departments: dict[str, Department] = {}
    for code, name, _subjects in DEPARTMENTS:
        dept, _created = Department.objects.update_or_create(
            region=region,
            code=DEPARTMENT_PREFIX + code,
            defaults={
                "name": region.name + name,
                "short_name": name,
                "phone": "12345",
                "office_hours": "工作日 9:00-17:00",
                "address": f"{region.name}政务服务中心",
            },
        )
        departments[code] = dept

    districts = list(region.children.values_list("name", flat=True)) or [f"第{n}分中心" for n in range(1, 31)]
    plans = _plans(items, rng, districts)

    dept_names = {code: name for code, name, _s in DEPARTMENTS}
    BaseItem.objects.bulk_create(
        [
            BaseItem(
                base_code=p.base_code,
                name=p.base_name,
                kind=p.action.kind or p.subject.kind,
                competent_department=dept_names[p.dept_code],
                implementing_level="省级、市级、县级",
                legal_basis=[{"law": p.subject.law, "article": ""}] if p.subject.law else [],
            )
            for p in {p.base_code: p for p in plans}.values()
        ],
        ignore_conflicts=True,
    )
    bases = {b.base_code: b for b in BaseItem.objects.filter(base_code__startswith=f"{CODE_MARK}-")}

    prefix = item_code_prefix(region.code)
    new_items: list[ServiceItem] = []
    for n, plan in enumerate(plans, start=1):
        base = bases[plan.base_code]
        dept = departments[plan.dept_code]
        legal = rng.choice((5, 10, 15, 20, 30, 45, 60))
        promised = max(0, min(legal, rng.choice((0, 1, 3, 5, 7, 10, 15))))
        cross = _weighted(rng, CROSS_REGION_WEIGHTS)
        reform = _weighted(rng, REFORM_WEIGHTS)
        depth = 4 if cross == CrossRegionMode.ONLINE else rng.choice((2, 3, 3, 4, 4))
        channels = [Channel.ONLINE, Channel.WINDOW] + ([Channel.MOBILE] if rng.random() < 0.6 else [])
        article = f"第{rng.randint(2, 60)}条"
        legal_basis = [{"law": plan.subject.law, "article": article, "text": ""}] if plan.subject.law else []
        content = (
            f"{dept.name}依法办理{plan.name}。申请人可通过政务服务网、移动端或政务服务中心综合窗口提出申请，"
            f"经受理、审查后在{promised or legal}个工作日内作出决定"
            + (f"，结果为{plan.subject.result_name}。" if plan.subject.result_name else "。")
        )
        new_items.append(
            ServiceItem(
                code=f"{prefix}{n:05d}",
                version=1,
                status=ItemStatus.PUBLISHED,
                published_at=now,
                base=base,
                region=region,
                department=dept,
                name=plan.name,
                kind=base.kind,
                handling_type=plan.action.handling,
                service_object=plan.service_object,
                content=content,
                conditions=rng.sample(CONDITIONS, k=rng.randint(1, 3)),
                legal_basis=legal_basis,
                legal_limit_days=legal,
                promised_limit_days=promised,
                fees=[] if rng.random() < 0.85 else [{"name": "工本费", "amount": "10元", "basis": ""}],
                result_form=plan.subject.result_form,
                result_name=plan.subject.result_name,
                channels=channels,
                handling_place=f"{region.name}政务服务中心{rng.randint(1, 4)}楼综合窗口",
                office_hours="工作日上午9:00-12:00，下午13:30-17:00",
                visits_needed=0 if depth == 4 else rng.choice((0, 1, 1, 2)),
                online_depth=depth,
                cross_region_mode=cross,
                reform_mode=reform,
                commitment_allowed=reform == ReformMode.COMMITMENT,
                commitment_text="申请人承诺所提交材料真实有效。" if reform == ReformMode.COMMITMENT else "",
                gap_acceptance_allowed=rng.random() < 0.3,
                process=[{"name": step, "description": ""} for step in PROCESS],
                consultation_phone="12345",
                complaint_phone="12345",
            )
        )
    created = ServiceItem.objects.bulk_create(new_items, batch_size=500)
    if created and created[0].pk is None:  # a backend without RETURNING: read the ids back
        created = list(ServiceItem.objects.filter(region=region, code__startswith=prefix).select_related("department"))

    materials: list[Material] = []
    for item in created:
        picked = rng.sample(MATERIALS, k=rng.randint(2, 5))
        for order, (name, source, licence) in enumerate(picked, start=1):
            materials.append(
                Material(
                    item_id=item.pk,
                    order=order,
                    code=f"M{order:02d}",
                    name=name,
                    form=MaterialForm.ORIGINAL if source == MaterialSource.GOVERNMENT else MaterialForm.ELECTRONIC,
                    required=order <= 2 or rng.random() < 0.6,
                    gap_allowed=order > 2 and item.gap_acceptance_allowed,
                    source=source,
                    licence_type_code=licence,
                )
            )
    Material.objects.bulk_create(materials, batch_size=2000)
    search.reindex_items(created, theme_names={})
    _refresh_statistics()
    return len(created)


def _refresh_statistics() -> None:
    """After a bulk load the planner's statistics are stale: refresh them as autovacuum would."""
    tables = [ServiceItem._meta.db_table, SearchTerm._meta.db_table, Material._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))
