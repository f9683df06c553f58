"""Demo data of public-resource trading (``tongban seed demo``): 京津冀 expert pools and projects.

Every node gets its region's trading operator and supervisor (``<prefix>_trading``,
``<prefix>_trading_supervisor``), its expert pool (six shared experts, two with logins
``<prefix>_expert_1``/``_2``), three construction bidders with logins (``<prefix>_bidder_1``…) and
an announced procedure open for bids (seal one at ``/trading/``). On the Tianjin node (120000),
which hosts 雄安 tenders (seed 000: “雄安新区部分建设项目在天津市公共资源交易平台已完成了7个项目的
异地开评标”), it also gets the shared experts of Beijing and Hebei (as the federation would bring
them) and a 雄安 construction tender run from announcement to contract: sealed bids opened remotely,
a panel drawn from all three regions' pools (at least one each, remote venues in Beijing and Hebei),
scores, the signed report, publicity and award. Its clock is moved between stages as time would
pass. Idempotent: keyed on usernames, expert codes and procedure numbers.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid
from decimal import Decimal
from typing import Any, TextIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from tongban.accounts.constants import MemberRole, UserKind
from tongban.accounts.demo import DEMO_PASSWORD
from tongban.accounts.models import Enterprise, EnterpriseMember, User
from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.regions.models import Region
from tongban.trading import evaluation, pool, sealing, services
from tongban.trading.constants import (
    MIN_KDF_ITERATIONS,
    ProcedureKind,
    SeatAction,
    Specialty,
    TradingRoleKind,
)
from tongban.trading.models import Expert, Procedure, Project, TradingRole

PREFIX = {"110000": "bj", "120000": "tj", "130000": "hb"}
REGION_NAMES = {"110000": "北京", "120000": "天津", "130000": "河北"}
UID_NAMESPACE = uuid.UUID("0b6f5a0e-51c4-4d0f-9d1e-7a5c2b9e3f11")
HOST = "120000"
CRITERIA = [
    {"code": "price", "name": "投标报价", "max": 40, "kind": "price"},
    {"code": "technical", "name": "施工组织设计", "max": 40, "kind": "technical"},
    {"code": "commercial", "name": "企业业绩与信誉", "max": 20, "kind": "commercial"},
]
EXPERT_NAMES = {
    "110000": ["高志远", "林雪梅", "任建华", "孟凡星", "白立新", "程晓燕"],
    "120000": ["邵文杰", "汤明珠", "贺永强", "龚丽华", "文海涛", "庞静"],
    "130000": ["樊国庆", "齐晓光", "路春燕", "葛建军", "安丽娜", "毛振东"],
}
SPECIALTIES = [
    Specialty.MUNICIPAL,
    Specialty.BUILDING,
    Specialty.COST,
    Specialty.MUNICIPAL,
    Specialty.LAW,
    Specialty.BUILDING,
]
BIDDERS = {
    "110000": ["北京京通路桥示范建设有限公司", "北京城建示范市政工程有限公司", "北京中关村示范建设集团有限公司"],
    "120000": ["天津津城示范建设工程有限公司", "天津滨海示范市政建设有限公司", "天津港湾示范工程有限公司"],
    "130000": ["河北冀中示范路桥工程有限公司", "雄安示范建工集团有限公司", "石家庄示范市政工程有限公司"],
}


def _user(username: str, full_name: str, region: str, password: str, *, kind: str, id_number: str = "") -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "full_name": full_name,
            "kind": kind,
            "region_id": region,
            "id_number": id_number,
            "password": password,
        },
    )
    return user


def _expert_docs(region: str) -> list[dict[str, Any]]:
    docs = []
    for i, name in enumerate(EXPERT_NAMES[region], start=1):
        code = f"{PREFIX[region].upper()}-PJ-{i:03d}"
        docs.append(
            {
                "uid": str(uuid.uuid5(UID_NAMESPACE, f"{region}:{code}")),
                "origin_region": region,
                "code": code,
                "name": name,
                "id_number": make_resident_id(region[:2] + "0102", dt.date(1968 + i, i, 10 + i), 500 + i),
                "title": "正高级工程师" if i % 2 else "高级工程师",
                "employer_name": f"{REGION_NAMES[region]}市政工程设计研究院（示范）",
                "employer_uscc": make_uscc(region[:2] + "0101", 80000 + i, kind="12"),
                "specialties": [SPECIALTIES[i - 1], Specialty.COST] if i in (1, 4) else [SPECIALTIES[i - 1]],
                "status": "active",
                "shared": True,
                "version": 1,
                "conflicts": [],
            }
        )
    return docs


def _own_pool(region: str, operator: User, password: str) -> list[Expert]:
    experts = []
    for i, doc in enumerate(_expert_docs(region), start=1):
        found = Expert.objects.filter(uid=str(doc["uid"])).first()
        if found is None:
            login = None
            if i <= 2:
                login = _user(
                    f"{PREFIX[region]}_expert_{i}",
                    str(doc["name"]),
                    region,
                    password,
                    kind=UserKind.RESIDENT,
                    id_number=str(doc["id_number"]),
                )
            found = pool.expert_save(
                actor=operator,
                code=str(doc["code"]),
                name=str(doc["name"]),
                id_number=str(doc["id_number"]),
                specialties=list(doc["specialties"]),
                title=str(doc["title"]),
                employer_name=str(doc["employer_name"]),
                employer_uscc=str(doc["employer_uscc"]),
                user=login,
                uid=uuid.UUID(str(doc["uid"])),
            )
        experts.append(found)
    return experts


def _bidders(region: str, password: str) -> list[tuple[User, Enterprise]]:
    out = []
    for i, name in enumerate(BIDDERS[region], start=1):
        id_number = make_resident_id(region[:2] + "0103", dt.date(1975, i, 3 * i), 600 + i)
        user = _user(
            f"{PREFIX[region]}_bidder_{i}",
            f"{name[:2]}投标代表{i}",
            region,
            password,
            kind=UserKind.RESIDENT,
            id_number=id_number,
        )
        enterprise, _ = Enterprise.objects.get_or_create(
            uscc=make_uscc(region[:2] + "0104", 70000 + i),
            defaults={
                "name": name,
                "legal_representative_name": user.full_name,
                "legal_representative_id_number": id_number,
                "region_id": region,
                "address": f"{REGION_NAMES[region]}示范路{i}号",
            },
        )
        EnterpriseMember.objects.get_or_create(
            user=user,
            enterprise=enterprise,
            active=True,
            defaults={"role": MemberRole.LEGAL_REPRESENTATIVE, "authorised_from": dt.date(2026, 1, 1)},
        )
        out.append((user, enterprise))
    return out


def _employer(code: str, name: str, region: str) -> Enterprise:
    enterprise, _ = Enterprise.objects.get_or_create(
        uscc=make_uscc(region[:2] + "0105", 60000 + int(code)),
        defaults={
            "name": name,
            "legal_representative_name": "示范法人",
            "legal_representative_id_number": make_resident_id(
                region[:2] + "0105", dt.date(1970, 1, 1), 700 + int(code)
            ),
            "region_id": region,
        },
    )
    return enterprise


def _seal(procedure: Procedure, enterprise: Enterprise, price: str, note: str) -> tuple[services.SealedBid, str]:
    """A bid sealed as the browser seals it; the demo keeps the key to open it at the opening."""
    plaintext = sealing.plaintext_for(
        ocid=procedure.ocid, bidder_uscc=enterprise.uscc, price=price, duration_days=300, note=note
    )
    key, salt, iv = os.urandom(32), os.urandom(16), os.urandom(12)
    data = AESGCM(key).encrypt(iv, plaintext, None)
    sealed = services.SealedBid(
        cipher="AES-256-GCM",
        kdf="PBKDF2-SHA256",
        iterations=MIN_KDF_ITERATIONS,
        commitment=sealing.commitment_of(plaintext),
        primary=sealing.Sealed(salt=sealing.b64(salt), iv=sealing.b64(iv), ciphertext=sealing.b64(data)),
    )
    return sealed, base64.b64encode(key).decode()


def _move(procedure: Procedure, **fields: dt.datetime) -> None:
    """Time passes in the demo: a deadline or window moved into the past."""
    Procedure.objects.filter(pk=procedure.pk).update(**fields)
    procedure.refresh_from_db()


def _procedure(
    operator: User,
    *,
    region: str,
    code: str,
    name: str,
    number: str,
    title: str,
    kind: str,
    employer: Enterprise,
    days: int = 25,
    **options: object,
) -> Procedure | None:
    if Procedure.objects.filter(number=number).exists():
        return None
    project = Project.objects.filter(code=code).first() or services.project_create(
        actor=operator, code=code, name=name, kind=kind, region_code=region, employer=employer, description=name
    )
    draft = services.procedure_create(
        actor=operator,
        project=project,
        number=number,
        title=title,
        category="works" if kind == ProcedureKind.CONSTRUCTION else "goods",
        criteria=CRITERIA,
        bid_deadline=timezone.now() + dt.timedelta(days=days),
        estimated_value=Decimal("48000000"),
        **options,  # type: ignore[arg-type]
    )
    return services.procedure_publish(
        actor=operator, procedure_id=draft.pk, body=f"{title}招标公告。投标文件在投标人浏览器中加密递交，不见面开标。"
    )


def _xiongan(operator: User, bidders: list[tuple[User, Enterprise]], stdout: TextIO) -> None:
    employer = _employer("1", "雄安新区建设投资集团（示范）", "130000")
    procedure = _procedure(
        operator,
        region="130600" if Region.objects.filter(code="130600").exists() else "130000",
        code="XA-2026-001",
        name="雄安新区容东片区市政道路及综合管廊工程",
        number="XA-2026-001-01",
        title="雄安新区容东片区市政道路及综合管廊工程施工一标段",
        kind=ProcedureKind.CONSTRUCTION,
        employer=employer,
        expert_specialties=[Specialty.MUNICIPAL, Specialty.BUILDING, Specialty.COST],
        region_minimums={"110000": 1, "120000": 1, "130000": 1},
        region_maximums={"110000": 2, "120000": 2, "130000": 2},
        remote_venues=["110000", "130000"],
    )
    if procedure is None:
        return
    prices = ["45600000.00", "44980000.00", "46120000.00"]
    keys = []
    for (user, enterprise), price in zip(bidders, prices, strict=True):
        services.registration_create(actor=user, procedure_id=procedure.pk, enterprise=enterprise)
        sealed, key = _seal(procedure, enterprise, price, "工期300日历天，质量合格，装配式综合管廊")
        keys.append(
            (
                user,
                services.bid_submit(actor=user, procedure_id=procedure.pk, enterprise=enterprise, sealed=sealed),
                key,
            )
        )
    _move(procedure, bid_deadline=timezone.now() - dt.timedelta(minutes=1))
    services.opening_start(actor=operator, procedure_id=procedure.pk)
    for user, bid, key in keys:
        services.bid_open(actor=user, bid_id=bid.pk, key=key)
    services.opening_close(actor=operator, procedure_id=procedure.pk)
    draw = pool.draw_reveal(actor=operator, draw_id=pool.draw_commit(actor=operator, procedure_id=procedure.pk).pk)
    seats = list(draw.seats.select_related("expert"))
    for seat in seats:
        # recorded by the operator (with peers connected, a peer's expert answers at home instead)
        pool.seat_answer(actor=operator, seat_id=seat.pk, action=SeatAction.CONFIRM, reason="电话确认")
    evaluation.evaluation_start(actor=operator, procedure_id=procedure.pk)
    valid = [bid for _u, bid, _k in keys]
    for i, seat in enumerate(seats):
        expert_user = seat.expert.user or _panel_login(seat.expert)
        scores = {b.pk: {"technical": str(32 + (i + j) % 5), "commercial": str(15 + j)} for j, b in enumerate(valid)}
        evaluation.sheet_save(actor=expert_user, procedure_id=procedure.pk, scores=scores, submit=True)
    report = evaluation.report_draft(actor=operator, procedure_id=procedure.pk)
    for seat in seats:
        evaluation.report_sign(actor=seat.expert.user or _panel_login(seat.expert), report_id=report.pk)
    evaluation.candidates_publish(actor=operator, procedure_id=procedure.pk)
    _move(procedure, publicity_ends_at=timezone.now() - dt.timedelta(minutes=1))
    services.procedure_award(actor=operator, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    assert procedure.awarded_bid is not None and procedure.awarded_bid.price is not None
    services.procedure_contract(
        actor=operator,
        procedure_id=procedure.pk,
        contract_number="XA-2026-001-01-HT",
        value=procedure.awarded_bid.price,
        signed_at=timezone.now(),
    )
    regions = sorted({s.expert.origin_region_id for s in seats})
    stdout.write(f"trading: 雄安 tender {procedure.number} contracted; panel from the pools of {', '.join(regions)}\n")


def _panel_login(expert: Expert) -> User:
    """The account an expert of a peer region has here after logging in with their home region's
    account (cross-region login): known by the ID number."""
    found = User.objects.filter(id_number=expert.id_number).first()
    if found is not None:
        return found
    return User.objects.create(
        username=f"{expert.id_number}@{expert.origin_region_id}",
        full_name=expert.name,
        kind=UserKind.RESIDENT,
        id_number=expert.id_number,
        region_id=expert.origin_region_id,
        password="!",  # noqa: S106 (unusable: they log in at their home region)
    )


def load(*, stdout: TextIO) -> None:
    region = str(settings.TONGBAN_REGION)
    if region not in PREFIX or not Region.objects.filter(code=region).exists():
        stdout.write("trading: no demo data for this region\n")
        return
    password = make_password(DEMO_PASSWORD)
    prefix = PREFIX[region]
    operator = _user(
        f"{prefix}_trading", f"{REGION_NAMES[region]}交易中心示范操作员", region, password, kind=UserKind.STAFF
    )
    supervisor = _user(
        f"{prefix}_trading_supervisor", f"{REGION_NAMES[region]}行政监督示范人员", region, password, kind=UserKind.STAFF
    )
    TradingRole.objects.get_or_create(user=operator, role=TradingRoleKind.OPERATOR)
    TradingRole.objects.get_or_create(user=supervisor, role=TradingRoleKind.SUPERVISOR)
    _own_pool(region, operator, password)
    if region == HOST:
        with transaction.atomic():
            for peer in ("110000", "130000"):
                for doc in _expert_docs(peer):
                    pool.expert_receive(sender_region=peer, doc=doc)
    bidders = _bidders(region, password)
    if region == HOST:
        _xiongan(operator, bidders, stdout)
    employer = _employer(region[:2], f"{REGION_NAMES[region]}市示范学校建设管理中心", region)
    opened = _procedure(
        operator,
        region=region,
        code=f"{prefix.upper()}-2026-101",
        name=f"{REGION_NAMES[region]}市示范学校教学楼改扩建工程",
        number=f"{prefix.upper()}-2026-101-01",
        title=f"{REGION_NAMES[region]}市示范学校教学楼改扩建工程施工",
        kind=ProcedureKind.CONSTRUCTION,
        employer=employer,
    )
    if opened is not None:
        for user, enterprise in bidders[:2]:
            services.registration_create(actor=user, procedure_id=opened.pk, enterprise=enterprise)
    stdout.write(
        f"trading: {Expert.objects.filter(origin_region_id=region).count()} experts in the {region} pool, "
        f"{Expert.objects.exclude(origin_region_id=region).count()} shared by peers; "
        f"{Procedure.objects.count()} procedures; accounts {prefix}_trading, {prefix}_bidder_1…3, {prefix}_expert_1…2\n"
    )
