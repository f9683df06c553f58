"""Builders for cross-region case tests: a peer made of a real key pair, its messages, a peer's item."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from django.test import Client
from django.utils import timezone

from tongban.cases.tests.factories import PDF_BYTES
from tongban.federation import services as federation
from tongban.federation.models import InboxMessage, OutboxMessage, PeerCatalogItem
from tongban.federation.tests.factories import KeyedPeer
from tongban.forwarding.constants import PART_BYTES

URL = "/federation/v1/messages"
FORM_FIELDS = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "max_length": 40},
    {"name": "reason", "label": "申请事由", "type": "text", "required": False},
]


def pinned_peer(region: str) -> KeyedPeer:
    keyed = KeyedPeer(region=region)
    federation.peer_add_bundle(bundle=keyed.bundle(), actor=None)
    return keyed


def post(client: Client, peer: KeyedPeer, *, here: str, type: str, payload: dict[str, Any]) -> InboxMessage:
    envelope = peer.envelope(recipient=here, type=type, payload=payload)
    response = client.post(URL, data=peer.sign(envelope).encode(), content_type="application/jose")
    assert response.status_code == 202, response.content
    return InboxMessage.objects.get(message_id=envelope["id"])


def file_messages(
    data: bytes, *, forward_id: str, bundle_id: str, code: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    chunks = [data[i : i + PART_BYTES] for i in range(0, len(data), PART_BYTES)]
    parts = [
        {
            "forward_id": forward_id,
            "bundle_id": bundle_id,
            "material_code": code,
            "part": i,
            "parts": len(chunks),
            "data": base64.b64encode(chunk).decode(),
        }
        for i, chunk in enumerate(chunks)
    ]
    ref = {
        "material_code": code,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content_type": "application/pdf",
        "original_name": f"{code}.pdf",
        "parts": len(chunks),
    }
    return parts, ref


def big_pdf(size: int) -> bytes:
    return PDF_BYTES + b"%" + b"x" * (size - len(PDF_BYTES) - 1)


def submit_payload(
    *, item_code: str, id_number: str, files: list[dict[str, Any]], forward_id: str, bundle_id: str, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "forward_id": forward_id,
        "bundle_id": bundle_id,
        "mode": "proxy_receipt",
        "item_code": item_code,
        "applicant": {"id_number": id_number, "full_name": "李四", "phone": "13800000000"},
        "identity_check": "id_card_reader",
        "received_by": {"name": "王窗口", "office": "北京市政务服务中心"},
        "form_data": {"applicant_name": "李四", "reason": "异地办理"},
        "situations": {},
        "delivery": {"method": "window", "address": "", "recipient": "", "phone": ""},
        "files": files,
        "received_at": timezone.now().isoformat(),
    }
    body.update(extra)
    return body


def new_ids() -> tuple[str, str]:
    return str(uuid.uuid4()), str(uuid.uuid4())


def outbox(type: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(type=type).order_by("id"))


def peer_item(region: str, *, code: str = "120000-PEER-0001", mode: str = "proxy_receipt") -> PeerCatalogItem:
    from tongban.federation.models import Peer

    peer = Peer.objects.get(region_code=region)
    snapshot = {
        "code": code,
        "base_code": "BASE-1",
        "region": region,
        "name": "跨省测试事项",
        "materials": [{"name": "身份证"}, {"name": "场地平面图"}],
        "application": {
            "cross_region_mode": mode,
            "department": "某某局",
            "legal_limit_days": 20,
            "promised_limit_days": 10,
            "form_fields": FORM_FIELDS,
            "situations": [],
            "materials": [
                {"code": "ID", "name": "身份证", "required": True, "gap_allowed": False, "applies_when": []},
                {"code": "PLAN", "name": "场地平面图", "required": True, "gap_allowed": False, "applies_when": []},
            ],
        },
    }
    return PeerCatalogItem.objects.create(
        peer=peer, code=code, base_code="BASE-1", base_name="跨省测试事项", snapshot=snapshot, fetched_at=timezone.now()
    )
