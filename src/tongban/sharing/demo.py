"""Load the exchange's demo data for this node's region (idempotent): the resource catalog, the
front-end tables with the demo people and enterprises, the approvals the demo journeys need, a
peer resource for cross-region reads and the proof register.

Writes go through the services as the ``admin`` superuser (accounts are loaded before this), so
resources are versioned and approvals decided through the kernel with their audit events.
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from tongban.accounts.models import User
from tongban.regions.models import Department
from tongban.sharing import selectors, services
from tongban.sharing.constants import ConnectorKind, ProofMode, RequestAction, RequestStatus, SubjectKind
from tongban.sharing.demo_data import DEMO_APPROVALS, DEMO_MASKS, REGION_NAMES, RESOURCES, ResourceSpec, demo_records
from tongban.sharing.models import DataRequest, ProofRequirement, ProviderRecord
from tongban.sharing.schemas import DecisionIn, RequestIn, ResourceFieldIn, ResourceIn

# Cross-region reads of the demo: (reading region, providing region, resource, reading department).
PEER_READS: list[tuple[str, str, str, str]] = [
    ("120000", "110000", "rs_sbjf", "psb"),
    ("110000", "120000", "rs_sbjf", "psb"),
    ("130000", "110000", "rs_sbjf", "psb"),
    ("120000", "130000", "rs_sbjf", "psb"),
]
PEER_PREFIX = {"110000": "bj", "120000": "tj", "130000": "hb"}
PEER_FIELDS = ["id_number", "name", "insured", "employer", "insured_since", "months_paid"]

# (code, proof, issuer, legal basis, mode, resource, fields, items, materials, note)
PROOFS: list[tuple[str, str, str, str, str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str]] = [
    (
        "csyxzm",
        "出生医学证明",
        "助产医疗机构（卫生健康部门）",
        "《中华人民共和国母婴保健法》第二十三条",
        ProofMode.DATA_CHECK,
        "wj_csyxzm",
        ("certificate_number", "baby_name", "birth_date", "mother_name", "father_name"),
        ("出生登记",),
        ("csyxzm",),
        "",
    ),
    (
        "jhz",
        "结婚证（婚姻关系证明）",
        "民政部门婚姻登记机关",
        "《婚姻登记条例》第七条",
        ProofMode.DATA_CHECK,
        "mz_hydj",
        ("marital_status", "certificate_number", "spouse_name"),
        ("出生登记", "户口迁移", "住房公积金提取"),
        ("jhz", "hyzm", "qszm"),
        "",
    ),
    (
        "sfz",
        "居民身份证",
        "公安机关",
        "《中华人民共和国居民身份证法》第十三条",
        ProofMode.DATA_CHECK,
        "gaj_jmsfz",
        ("name", "id_number", "valid_to"),
        ("出生登记", "户口迁移", "居住证办理", "内地居民结婚登记", "高龄津贴申领", "社会保障卡申领"),
        ("sfz", "fmsfz", "sfz2", "fddbsfz"),
        "",
    ),
    (
        "hkb",
        "居民户口簿",
        "公安机关",
        "《中华人民共和国户口登记条例》第四条",
        ProofMode.DATA_CHECK,
        "gaj_hjxx",
        ("name", "household_number", "address"),
        ("出生登记", "户口迁移", "内地居民结婚登记"),
        ("hkb", "hkb2"),
        "",
    ),
    (
        "sbjf",
        "社会保险缴纳证明",
        "人力资源社会保障部门",
        "《中华人民共和国社会保险法》第七十四条",
        ProofMode.DATA_CHECK,
        "rs_sbjf",
        ("insured", "employer", "months_paid"),
        ("户口迁移", "居住证办理"),
        ("ldht",),
        "",
    ),
    (
        "zszm",
        "住所（经营场所）使用证明",
        "不动产登记机构或出租人",
        "《中华人民共和国市场主体登记管理条例》第十六条",
        ProofMode.COMMITMENT,
        "gtj_bdcdj",
        ("location", "usage"),
        ("企业设立登记",),
        ("zszm", "cszm"),
        "申请人承诺对住所（经营场所）享有使用权，登记机关事后通过不动产登记信息核验",
    ),
    (
        "jzzm",
        "居住地住址证明",
        "不动产登记机构或出租人",
        "《居住证暂行条例》第九条",
        ProofMode.COMMITMENT,
        "gtj_bdcdj",
        ("location",),
        ("居住证办理",),
        ("zsj",),
        "承诺居住地址真实，公安机关事后核验",
    ),
    (
        "dszm",
        "未婚（单身）证明",
        "原由户籍地村（居）委会出具",
        "《国务院办公厅关于做好证明事项清理工作的通知》（国办发〔2018〕47号）",
        ProofMode.CANCELLED,
        "mz_hydj",
        ("marital_status",),
        ("内地居民结婚登记",),
        (),
        "已取消，婚姻状况由婚姻登记信息系统核查",
    ),
    (
        "jzhm",
        "健在（生存）证明",
        "原由社区出具",
        "《国务院办公厅关于做好证明事项清理工作的通知》（国办发〔2018〕47号）",
        ProofMode.CANCELLED,
        "wj_swdj",
        ("date_of_death",),
        ("高龄津贴申领",),
        (),
        "已取消，通过死亡登记信息比对",
    ),
    (
        "wfzjl",
        "无犯罪记录证明",
        "公安机关",
        "《公安机关办理犯罪记录查询工作规定》",
        ProofMode.DEPARTMENT_CHECK,
        "",
        (),
        ("律师执业许可",),
        ("wfzjlzm",),
        "由审批部门向公安机关发函核验",
    ),
    (
        "yzbg",
        "验资报告",
        "会计师事务所",
        "《社会团体登记管理条例》第十条",
        ProofMode.KEPT,
        "",
        (),
        ("社会团体成立登记",),
        ("yzzm",),
        "中介机构出具，暂予保留",
    ),
]


def _resource_in(spec: ResourceSpec, region: str, *, code: str | None = None, peer: str = "") -> ResourceIn:
    return ResourceIn(
        code=code or spec.code,
        name=f"{spec.name}（{REGION_NAMES.get(peer, peer)}）" if peer else spec.name,
        name_en=spec.name_en,
        description=spec.description,
        provider_code=spec.provider,
        provider_region=peer or region,
        subject_kind=SubjectKind(spec.subject_kind),
        fields=[ResourceFieldIn(name=n, label=label, type=t, sharing=c) for n, label, t, c in spec.fields],  # type: ignore[arg-type]
        update_frequency=spec.frequency,  # type: ignore[arg-type]
        legal_basis=spec.legal_basis,
        system_name=spec.system,
        connector=ConnectorKind.PEER if peer else ConnectorKind.LOCAL,
        connector_config={"region": peer, "resource": spec.code} if peer else {},
    )


def _publish(admin: User, data: ResourceIn) -> bool:
    if selectors.resource_find(code=data.code) is not None:
        return False
    draft = services.resource_draft_save(actor=admin, data=data)
    services.resource_publish(actor=admin, resource=draft)
    return True


def _approve(
    admin: User,
    *,
    department: Department,
    resource_code: str,
    fields: list[str],
    purposes: list[str],
    items: str,
    masked: list[str],
    today: dt.date,
) -> bool:
    live = selectors.live_approval(department_id=department.pk, resource_code=resource_code, today=today)
    if live is not None:
        return False
    request = services.request_submit(
        actor=admin,
        data=RequestIn(
            resource_code=resource_code,
            requester_code=department.code,
            fields=fields,
            item_codes=[i for i in items.split("；") if i],
            purposes=purposes,  # type: ignore[arg-type]
            purpose_text=f"办理{items}时核验申请人信息，免于提交纸质材料",
            legal_basis="《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》（国发〔2018〕27号）",
            period_from=today,
            period_to=dt.date(today.year + 2, 12, 31),
        ),
    )
    if request.provider_region != selectors.own_region():
        return True  # decided at the provider's node
    action = RequestAction.APPROVE_WITH_CONDITIONS if masked else RequestAction.APPROVE
    services.request_decide(
        actor=admin,
        request=request,
        decision=DecisionIn(
            action=action, masked_fields=masked, conditions="仅用于所列事项，不得留存或转用" if masked else ""
        ),
    )
    return True


def _cross_region_approvals(admin: User, region: str, today: dt.date) -> int:
    """At the provider's node: the peer departments' approved requests (the requesting node keeps the
    same number as a mirror, written by its own loader)."""
    made = 0
    for reader, provider, code, dept in PEER_READS:
        if region not in (reader, provider):
            continue
        number = f"SQ-{reader}-DEMO-{provider}-{code}"[:40]
        if DataRequest.objects.filter(number=number).exists():
            continue
        requester = Department.objects.filter(region_id=reader, code=dept).first()
        provider_dept = Department.objects.filter(region_id=provider, code="hrss").first()
        if requester is None or provider_dept is None:
            continue
        spec = next(s for s in RESOURCES if s.code == code)
        resource_code = code if region == provider else f"{PEER_PREFIX[provider]}_{code}"
        DataRequest.objects.create(
            number=number,
            resource_code=resource_code,
            resource_name=spec.name,
            provider_region=provider,
            provider=provider_dept,
            requester_region=reader,
            requester=requester,
            fields=PEER_FIELDS,
            item_codes=["户口迁移", "居住证办理"],
            purposes=["licensing", "public_service"],
            purpose_text="跨省通办：办理户口迁移、居住证时核验申请人在原参保地的参保缴费情况",
            legal_basis="《国务院办公厅关于加快推进政务服务“跨省通办”的指导意见》（国办发〔2020〕35号）",
            period_from=today,
            period_to=dt.date(today.year + 2, 12, 31),
            status=RequestStatus.APPROVED,
            approved_fields=PEER_FIELDS,
            approved_from=today,
            approved_to=dt.date(today.year + 2, 12, 31),
            requested_by_label="demo",
            decided_by_label="demo",
            decided_at=timezone.now(),
        )
        made += 1
    return made


def load(*, stdout: TextIO) -> None:
    region = selectors.own_region()
    admin = User.objects.filter(username="admin", is_superuser=True).first()
    if admin is None:
        stdout.write("sharing: no admin account (load the demo accounts first); nothing loaded\n")
        return
    today = timezone.localdate()
    with transaction.atomic():
        published = 0
        for spec in RESOURCES:
            published += _publish(admin, _resource_in(spec, region))
        for reader, provider, code, _dept in PEER_READS:
            if reader == region:
                spec = next(s for s in RESOURCES if s.code == code)
                published += _publish(
                    admin, _resource_in(spec, region, code=f"{PEER_PREFIX[provider]}_{code}", peer=provider)
                )
        records = demo_records(region, today=today)
        for resource_code, subject_id, data in records:
            ProviderRecord.objects.update_or_create(
                resource_code=resource_code, subject_id=subject_id, defaults={"data": data}
            )
        approved = 0
        for dept_code, code, fields, purposes, items in DEMO_APPROVALS:
            department = Department.objects.filter(region_id=region, code=dept_code).first()
            resource = selectors.resource_find(code=code)
            if department is None or resource is None:
                continue
            wanted = list(fields) or [f["name"] for f in selectors.shareable_fields(resource)]
            approved += _approve(
                admin,
                department=department,
                resource_code=code,
                fields=wanted,
                purposes=list(purposes),
                items=items,
                masked=list(DEMO_MASKS.get((dept_code, code), ())),
                today=today,
            )
        approved += _cross_region_approvals(admin, region, today)
        proofs = 0
        for code, name, issuer, basis, mode, resource_code, verify, asking, materials, note in PROOFS:
            _, created = ProofRequirement.objects.update_or_create(
                region_id=region,
                code=code,
                defaults={
                    "name": name,
                    "issuer": issuer,
                    "legal_basis": basis,
                    "mode": mode,
                    "resource_code": resource_code,
                    "verify_fields": list(verify),
                    "item_codes": list(asking),
                    "material_codes": list(materials),
                    "commitment_text": note if mode == ProofMode.COMMITMENT else "",
                    "note": note,
                },
            )
            proofs += created
    stdout.write(
        f"sharing: {len(RESOURCES)} resources ({published} newly published), {len(records)} provider records, "
        f"{approved} new approvals, {len(PROOFS)} proofs ({proofs} new) for {region}\n"
    )
