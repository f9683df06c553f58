"""Test helpers: operators, bidders acting for their enterprises, published procedures, bids sealed
exactly as ``seal.js`` seals them (PBKDF2-SHA256 → AES-256-GCM, SHA-256 commitment of the plaintext),
and the passing of time (a deadline moved into the past, as the clock would)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.db import transaction
from django.utils import timezone

from tongban.accounts.models import Enterprise, User
from tongban.accounts.tests.factories import EnterpriseFactory, EnterpriseMemberFactory, UserFactory
from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.federation import services as federation
from tongban.federation.models import Peer
from tongban.federation.tests.factories import KeyedPeer
from tongban.trading import pool, sealing, services
from tongban.trading.constants import MIN_KDF_ITERATIONS, ProcedureKind, Specialty, TradingRoleKind
from tongban.trading.models import Expert, Procedure, Project, TradingRole
from tongban.trading.services import SealedBid

CRITERIA = [
    {"code": "price", "name": "投标报价", "max": 40, "kind": "price"},
    {"code": "technical", "name": "施工组织设计", "max": 40, "kind": "technical"},
    {"code": "commercial", "name": "企业业绩与信誉", "max": 20, "kind": "commercial"},
]
_counter = iter(range(1, 1_000_000))
NO_PASSWORD = factory.Transformer.Force("!")  # unusable, not hashed: a hash costs a second under load


def n() -> int:
    return next(_counter)


def operator() -> User:
    user = UserFactory.create(kind="staff", id_number="", password=NO_PASSWORD)
    TradingRole.objects.create(user=user, role=TradingRoleKind.OPERATOR)
    return user


def supervisor() -> User:
    user = UserFactory.create(kind="staff", id_number="", password=NO_PASSWORD)
    TradingRole.objects.create(user=user, role=TradingRoleKind.SUPERVISOR)
    return user


@dataclass
class Bidder:
    user: User
    enterprise: Enterprise


def bidder(name: str | None = None, region: str = "120000") -> Bidder:
    enterprise = EnterpriseFactory.create(
        **({"name": name} if name else {}), uscc=make_uscc(region[:2] + "0101", 300000 + n())
    )
    member = EnterpriseMemberFactory.create(enterprise=enterprise, user=UserFactory.create(password=NO_PASSWORD))
    return Bidder(user=member.user, enterprise=enterprise)


def project(actor: User, *, kind: str = ProcedureKind.CONSTRUCTION, employer: Enterprise | None = None) -> Project:
    i = n()
    return services.project_create(
        actor=actor,
        code=f"PRJ-{i:05d}",
        name=f"雄安新区示范工程{i}",
        kind=kind,
        region_code="120000",
        employer=employer or EnterpriseFactory.create(name=f"雄安新区建设投资集团{i}"),
        description="雄安新区市政道路工程施工",
    )


def draft(actor: User, *, days: float = 21, **options: Any) -> Procedure:
    kind = options.pop("kind", ProcedureKind.CONSTRUCTION)
    prj = options.pop("project", None) or project(actor, kind=kind)
    i = n()
    return services.procedure_create(
        actor=actor,
        project=prj,
        number=options.pop("number", f"BD-{i:05d}"),
        title=options.pop("title", f"雄安新区市政道路工程施工第{i}标段"),
        category=options.pop("category", "works"),
        criteria=options.pop("criteria", CRITERIA),
        bid_deadline=timezone.now() + dt.timedelta(days=days),
        estimated_value=options.pop("estimated_value", Decimal("12000000")),
        **options,
    )


def published(actor: User, **options: Any) -> Procedure:
    procedure = draft(actor, **options)
    return services.procedure_publish(actor=actor, procedure_id=procedure.pk, body="招标公告正文：工期300日历天。")


def register(procedure: Procedure, b: Bidder) -> None:
    services.registration_create(actor=b.user, procedure_id=procedure.pk, enterprise=b.enterprise)


# ------------------------------------------------------------------ sealing as the browser does


@dataclass
class Sealed:
    sealed: SealedBid
    plaintext: bytes
    key: str  # what the bidder releases at opening (base64 of the derived AES key)
    backup_key: str = ""


def derive(secret: str, salt: bytes, iterations: int = MIN_KDF_ITERATIONS) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(secret.encode("utf-8"))


def _encrypt(plaintext: bytes, secret: str) -> tuple[sealing.Sealed, bytes]:
    salt, iv = os.urandom(16), os.urandom(12)
    key = derive(secret, salt)
    data = AESGCM(key).encrypt(iv, plaintext, None)
    return sealing.Sealed(salt=sealing.b64(salt), iv=sealing.b64(iv), ciphertext=sealing.b64(data)), key


def seal(
    procedure: Procedure,
    b: Bidder,
    *,
    price: str = "11800000.00",
    secret: str = "投标人自己保管的口令-2026",  # noqa: S107 (a test bidder's secret)
    note: str = "工期300日历天，质量合格",
    backup_secret: str | None = None,
    plaintext: bytes | None = None,
    commitment_of: bytes | None = None,
) -> Sealed:
    """Seal a bid; ``commitment_of`` commits to other bytes than those encrypted (a forged bid)."""
    text = plaintext or sealing.plaintext_for(
        ocid=procedure.ocid, bidder_uscc=b.enterprise.uscc, price=price, duration_days=300, note=note
    )
    primary, key = _encrypt(text, secret)
    backup = None
    backup_key = b""
    if backup_secret is not None:
        backup, backup_key = _encrypt(text, backup_secret)
    sealed = SealedBid(
        cipher="AES-256-GCM",
        kdf="PBKDF2-SHA256",
        iterations=MIN_KDF_ITERATIONS,
        commitment=sealing.commitment_of(commitment_of or text),
        primary=primary,
        backup=backup,
    )
    return Sealed(
        sealed=sealed,
        plaintext=text,
        key=base64.b64encode(key).decode(),
        backup_key=base64.b64encode(backup_key).decode(),
    )


def submit(procedure: Procedure, b: Bidder, **options: Any) -> tuple[Any, Sealed]:
    s = seal(procedure, b, **options)
    bid = services.bid_submit(actor=b.user, procedure_id=procedure.pk, enterprise=b.enterprise, sealed=s.sealed)
    return bid, s


# ------------------------------------------------------------------ time passing


def pass_deadline(procedure: Procedure) -> None:
    Procedure.objects.filter(pk=procedure.pk).update(bid_deadline=timezone.now() - dt.timedelta(seconds=1))
    procedure.refresh_from_db()


def close_window(procedure: Procedure) -> None:
    Procedure.objects.filter(pk=procedure.pk).update(opening_closes_at=timezone.now() - dt.timedelta(seconds=1))
    procedure.refresh_from_db()


def end_publicity(procedure: Procedure) -> None:
    Procedure.objects.filter(pk=procedure.pk).update(publicity_ends_at=timezone.now() - dt.timedelta(seconds=1))
    procedure.refresh_from_db()


# ------------------------------------------------------------------ experts


def expert(
    actor: User,
    *,
    region: str = "120000",
    specialties: tuple[str, ...] = (Specialty.BUILDING,),
    employer_uscc: str = "",
    user: User | None = None,
) -> Expert:
    """An expert of this node's pool (``region`` must be this node's), or a peer's shared copy."""
    i = n()
    id_number = make_resident_id(region[:2] + "0101", dt.date(1970, 1, 1) + dt.timedelta(days=i), i % 1000)
    if region == "120000":
        return pool.expert_save(
            actor=actor,
            code=f"E{i:05d}",
            name=f"专家{i}",
            id_number=id_number,
            specialties=list(specialties),
            employer_uscc=employer_uscc,
            employer_name="某设计院" if employer_uscc else "",
            user=user,
        )
    ensure_peer(region)
    with transaction.atomic():  # as in the federation handler's transaction
        received = _receive(region, i, id_number, specialties, employer_uscc)
    assert received is not None
    return received


def _receive(region: str, i: int, id_number: str, specialties: tuple[str, ...], employer_uscc: str) -> Expert | None:
    return pool.expert_receive(
        sender_region=region,
        doc={
            "uid": str(uuid.uuid4()),
            "origin_region": region,
            "code": f"E{i:05d}",
            "name": f"专家{i}",
            "id_number": id_number,
            "specialties": list(specialties),
            "employer_uscc": employer_uscc,
            "status": "active",
            "shared": True,
            "version": 1,
        },
    )


def opened(
    actor: User, *, prices: tuple[str, ...] = ("11800000.00", "11500000.00", "12100000.00"), **options: Any
) -> tuple[Procedure, list[Bidder], list[Any]]:
    """A procedure whose bids were sealed, decrypted by their bidders and the opening closed."""
    procedure = published(actor, **options)
    bidders = [bidder(f"投标企业{n()}") for _ in prices]
    for b in bidders:
        register(procedure, b)
    sealed = [submit(procedure, b, price=p) for b, p in zip(bidders, prices, strict=True)]
    pass_deadline(procedure)
    services.opening_start(actor=actor, procedure_id=procedure.pk)
    for b, (bid, s) in zip(bidders, sealed, strict=True):
        services.bid_open(actor=b.user, bid_id=bid.pk, key=s.key)
    services.opening_close(actor=actor, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    return procedure, bidders, [bid for bid, _s in sealed]


def pool_of(
    actor: User, per_region: int = 4, regions: tuple[str, ...] = ("110000", "120000", "130000")
) -> list[Expert]:
    """A pool: this node's experts (with logins) and peers' shared copies."""
    experts = []
    for region in regions:
        for _ in range(per_region):
            user = UserFactory.create(password=NO_PASSWORD) if region == "120000" else None
            experts.append(expert(actor, region=region, user=user))
    return experts


PEERS: dict[str, KeyedPeer] = {}


def ensure_peer(region: str) -> KeyedPeer:
    """A peer node of ``region`` with its own key, pinned here by trust bundle."""
    peer = PEERS.setdefault(region, KeyedPeer(region=region))
    if not Peer.objects.filter(region_code=region).exists():
        federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    return peer
