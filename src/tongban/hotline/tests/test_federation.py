"""The hotline's federation messages at one node, with real signatures from peers pinned by trust bundle:
transfers in and out (acknowledgement, outcome back, revisit at the origin), knowledge-base sharing
(publication, new version, withdrawal, pull), and the refusals of a sender that is not the counterpart."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tongban.core.errors import InvalidTransition
from tongban.core.models import AuditEvent
from tongban.federation import services as federation
from tongban.federation.constants import InboxStatus
from tongban.federation.models import InboxMessage, OutboxMessage
from tongban.federation.tests.factories import KeyedPeer
from tongban.hotline import federation as hotline_federation
from tongban.hotline import knowledge, services
from tongban.hotline.constants import KnowledgeStatus, TicketStatus, TransferStatus
from tongban.hotline.models import KnowledgeEntry, Ticket
from tongban.hotline.tests import factories as f
from tongban.regions.models import Region

pytestmark = pytest.mark.django_db
HERE = "120000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 3600


@pytest.fixture
def beijing() -> KeyedPeer:
    peer = KeyedPeer(region="110000")
    federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    return peer


@pytest.fixture
def hebei() -> KeyedPeer:
    peer = KeyedPeer(region="130000")
    federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    return peer


def arrive(peer: KeyedPeer, type_name: str, payload: dict[str, Any]) -> InboxMessage:
    """A message from ``peer``, signed with its key, through the node's real receiving path."""
    return federation.message_receive(token=peer.sign(peer.envelope(recipient=HERE, type=type_name, payload=payload)))


def queued(type_name: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(type=type_name).order_by("id"))


def transfer_from_beijing(**ticket: Any) -> dict[str, Any]:
    return {
        "type": services.TRANSFER_MESSAGE,
        "version": 1,
        "message_id": str(uuid.uuid4()),
        "from_region": "110000",
        "to_region": HERE,
        "ticket": {
            "number": "BJ26120100000001",
            "category": "complaint",
            "title": "武清区工厂夜间噪音",
            "content": "武清区杨村一家工厂夜间施工噪音扰民",
            "region": "120114",
            **ticket,
        },
        "reason": "属天津市办理事项",
    }


# ------------------------------------------------------------------ a ticket transferred here


def test_a_transfer_from_a_peer_becomes_a_ticket_here_and_its_outcome_goes_back(beijing: KeyedPeer) -> None:
    ln = f.line()
    payload = transfer_from_beijing()
    # when Beijing's transfer arrives
    message = arrive(beijing, services.TRANSFER_MESSAGE, payload)
    # then a ticket is created here, marked with its origin, and Beijing is told its number here
    assert message.status == InboxStatus.HANDLED, message.error_code
    ticket = Ticket.objects.get(external_id=payload["message_id"])
    assert (ticket.channel, ticket.transferred_from_id, ticket.origin_number) == (
        "transfer",
        "110000",
        "BJ26120100000001",
    )
    assert ticket.line_region_id == HERE and ticket.status == TicketStatus.RECEIVED and ticket.caller_anonymous
    [ack] = queued(hotline_federation.TRANSFER_RECEIVED)
    assert ack.recipient_region == "110000"
    assert ack.payload == {"message_id": payload["message_id"], "number": ticket.number}
    # when this line handles it to the end
    services.ticket_dispatch(ticket=ticket, actor=ln.agent, department=ln.amr)
    services.ticket_accept(ticket=ticket, actor=ln.amr_handler)
    services.ticket_reply(ticket=ticket, actor=ln.amr_handler, reply="已责令该厂停止夜间施工")
    assert not queued(services.OUTCOME_MESSAGE)
    services.ticket_close(ticket=ticket, actor=ln.agent)
    # then the outcome goes back to Beijing, and the revisit is Beijing's to do, not this line's
    [outcome] = queued(services.OUTCOME_MESSAGE)
    assert outcome.recipient_region == "110000"
    assert outcome.payload["message_id"] == payload["message_id"] and outcome.payload["from_region"] == HERE
    assert outcome.payload["reply"] == "已责令该厂停止夜间施工"
    with pytest.raises(InvalidTransition) as refused:
        services.ticket_revisit(ticket=ticket, actor=ln.agent, resolved=True)
    assert refused.value.code == "revisit_at_origin"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"from_region": "130000"}, "transfer_sender_mismatch"),  # Beijing signs a transfer claiming Hebei's
        ({"to_region": "130000"}, "wrong_transfer_region"),
        ({"ticket": "not an object"}, "invalid_transfer_message"),
        ({"message_id": "not-a-uuid"}, "invalid_transfer_message"),
        ({"type": "something.else"}, "invalid_transfer_message"),
    ],
)
def test_a_bad_transfer_is_kept_as_refused_with_its_code_and_makes_no_ticket(
    beijing: KeyedPeer, change: dict[str, Any], code: str
) -> None:
    f.line()
    message = arrive(beijing, services.TRANSFER_MESSAGE, {**transfer_from_beijing(), **change})
    assert (message.status, message.error_code) == (InboxStatus.FAILED, code)
    assert not Ticket.objects.filter(channel="transfer").exists()
    assert not queued(hotline_federation.TRANSFER_RECEIVED)


def test_a_transfer_with_an_invalid_category_is_refused(beijing: KeyedPeer) -> None:
    message = arrive(beijing, services.TRANSFER_MESSAGE, transfer_from_beijing(category="nonsense"))
    assert (message.status, message.error_code) == (InboxStatus.FAILED, "invalid_category")


# ------------------------------------------------------------------ a ticket transferred from here


def test_a_ticket_transferred_from_here_is_acknowledged_answered_and_revisited(
    beijing: KeyedPeer, hebei: KeyedPeer
) -> None:
    ln = f.line()
    t = f.ticket(ln, content="在北京朝阳区办理的社保转移到天津一直没有到账")
    # when the agent transfers it to Beijing
    transfer = services.ticket_transfer(
        ticket=t, actor=ln.agent, to_region=Region.objects.get(code="110000"), reason="属北京市办理事项"
    )
    [out] = queued(services.TRANSFER_MESSAGE)
    assert out.recipient_region == "110000" and out.correlation_id == str(transfer.message_id)
    # when Hebei claims to have it, then Beijing acknowledges it
    forged_ack = arrive(hebei, hotline_federation.TRANSFER_RECEIVED, {"message_id": str(transfer.message_id)})
    assert (forged_ack.status, forged_ack.error_code) == (InboxStatus.FAILED, "wrong_transfer_region")
    arrive(beijing, hotline_federation.TRANSFER_RECEIVED, {"message_id": str(transfer.message_id), "number": "BJ9"})
    transfer.refresh_from_db()
    assert (transfer.status, transfer.remote_number) == (TransferStatus.SENT, "BJ9")
    outcome = {
        "type": services.OUTCOME_MESSAGE,
        "version": 1,
        "message_id": str(transfer.message_id),
        "from_region": "110000",
        "reply": "北京市社保中心已完成转移，三个工作日内到账。",
        "on_time": True,
    }
    # when Hebei sends an outcome for it (even one naming Beijing), it is refused and changes nothing
    forged = arrive(hebei, services.OUTCOME_MESSAGE, outcome)
    assert (forged.status, forged.error_code) == (InboxStatus.FAILED, "wrong_outcome_region")
    t.refresh_from_db()
    assert t.status == TicketStatus.TRANSFERRED
    # when Beijing's outcome arrives, twice (two messages: a resend)
    arrive(beijing, services.OUTCOME_MESSAGE, outcome)
    arrive(beijing, services.OUTCOME_MESSAGE, outcome)
    # then the ticket is closed once with Beijing's reply, and this line does the revisit
    t.refresh_from_db()
    assert t.status == TicketStatus.CLOSED and "社保中心" in t.reply
    assert AuditEvent.objects.filter(stream=t.stream, action="ticket.transfer_outcome").count() == 1
    assert AuditEvent.objects.filter(stream=t.stream, action="ticket.transfer_received").count() == 1
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True, note="来电人确认到账")
    assert Ticket.objects.get(pk=t.pk).status == TicketStatus.REVISITED


def test_an_outcome_for_an_unknown_transfer_is_refused(beijing: KeyedPeer) -> None:
    message = arrive(
        beijing,
        services.OUTCOME_MESSAGE,
        {"type": services.OUTCOME_MESSAGE, "message_id": str(uuid.uuid4()), "from_region": "110000", "reply": "x"},
    )
    assert (message.status, message.error_code) == (InboxStatus.FAILED, "transfer_not_found")


# ------------------------------------------------------------------ knowledge base


def _entry(ln: f.Line, *, shareable: bool, question: str = "京津冀异地就医备案怎么办理") -> KnowledgeEntry:
    entry = services.kb_entry_create(
        actor=ln.agent,
        category="医疗保障",
        question=question,
        answer="在国家医保服务平台APP备案。",
        shareable=shareable,
    )
    return services.kb_entry_publish(entry=entry, actor=ln.supervisor)


def test_publishing_changing_and_withdrawing_a_shared_entry_messages_every_peer(
    beijing: KeyedPeer, hebei: KeyedPeer
) -> None:
    ln = f.line()
    # when a local-only entry and a shared entry are published
    _entry(ln, shareable=False, question="和平区停车场收费标准")
    shared = _entry(ln, shareable=True)
    # then only the shared one goes to both peers, with its origin
    sent = queued(hotline_federation.KB_ENTRY)
    assert sorted(m.recipient_region for m in sent) == ["110000", "130000"]
    assert {m.payload["entry"]["uid"] for m in sent} == {str(shared.uid)}
    assert {m.payload["entry"]["origin_region"] for m in sent} == {HERE}
    # when a new version is published, then it goes out too
    draft = services.kb_entry_new_version(entry=shared, actor=ln.agent, answer="登录国家医保服务平台APP办理备案。")
    services.kb_entry_publish(entry=draft, actor=ln.supervisor)
    assert sorted(m.payload["entry"]["version"] for m in queued(hotline_federation.KB_ENTRY)) == [1, 1, 2, 2]
    # when it is withdrawn, then the withdrawal goes to both peers
    services.kb_entry_retire(
        entry=KnowledgeEntry.objects.get(uid=shared.uid, version=2), actor=ln.supervisor, reason="政策调整"
    )
    withdrawn = queued(hotline_federation.KB_WITHDRAWN)
    assert sorted(m.recipient_region for m in withdrawn) == ["110000", "130000"]
    assert withdrawn[0].payload == {"uid": str(shared.uid), "version": 2, "origin_region": HERE}


def _beijing_entry(version: int = 1, **change: Any) -> dict[str, Any]:
    return {
        "uid": "6c1f0b8e-4d2a-4b7e-9a51-3f0c2d9e8a11",
        "version": version,
        "origin_region": "110000",
        "category": "住房公积金",
        "question": "北京公积金异地贷款缴存证明怎么开",
        "variants": ["北京公积金缴存证明"],
        "answer": "登录北京住房公积金网上业务系统打印。",
        "source": "北京市住房公积金管理中心",
        **change,
    }


def test_a_peers_shared_entries_arrive_marked_with_their_origin(beijing: KeyedPeer, hebei: KeyedPeer) -> None:
    # when Beijing shares an entry, twice (a resend), then a new version of it
    arrive(beijing, hotline_federation.KB_ENTRY, {"entry": _beijing_entry()})
    arrive(beijing, hotline_federation.KB_ENTRY, {"entry": _beijing_entry()})
    assert KnowledgeEntry.objects.filter(origin_region_id="110000").count() == 1
    arrive(beijing, hotline_federation.KB_ENTRY, {"entry": _beijing_entry(2, answer="网上业务系统自助打印。")})
    # then the newest version is published here, marked as Beijing's, and found by search
    live = KnowledgeEntry.objects.get(status=KnowledgeStatus.PUBLISHED, origin_region_id="110000")
    assert live.version == 2 and live.answer == "网上业务系统自助打印。"
    assert [(h.id, h.origin_region) for h in knowledge.search("公积金缴存证明", limit=3)][:1] == [(live.pk, "110000")]
    # when Hebei shares an entry claiming Beijing's origin, or withdraws Beijing's, both are refused
    claimed = arrive(hebei, hotline_federation.KB_ENTRY, {"entry": _beijing_entry(3)})
    assert (claimed.status, claimed.error_code) == (InboxStatus.FAILED, "kb_wrong_origin")
    withdrawal = {"uid": _beijing_entry()["uid"], "version": 2}
    stolen = arrive(hebei, hotline_federation.KB_WITHDRAWN, withdrawal)
    assert (stolen.status, stolen.error_code) == (InboxStatus.FAILED, "kb_wrong_origin")
    assert KnowledgeEntry.objects.get(pk=live.pk).status == KnowledgeStatus.PUBLISHED
    # when Beijing withdraws it, then it is retired here and no longer found
    arrive(beijing, hotline_federation.KB_WITHDRAWN, withdrawal)
    assert KnowledgeEntry.objects.get(pk=live.pk).status == KnowledgeStatus.RETIRED
    assert not [h for h in knowledge.search("公积金缴存证明", limit=3) if h.id == live.pk]
    # and a malformed entry is refused with its code
    broken = arrive(beijing, hotline_federation.KB_ENTRY, {"entry": _beijing_entry(uid="x")})
    assert (broken.status, broken.error_code) == (InboxStatus.FAILED, "invalid_kb_entry")


def test_a_new_peer_pulls_the_shared_knowledge_base_in_parts(
    beijing: KeyedPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = f.line()
    monkeypatch.setattr(hotline_federation, "SNAPSHOT_PART", 2)
    mine = [_entry(ln, shareable=True, question=f"天津市民卡补办问题{i}") for i in range(3)]
    _entry(ln, shareable=False, question="仅本地的条目")
    OutboxMessage.objects.all().delete()
    # when Beijing asks for the knowledge base
    arrive(beijing, hotline_federation.KB_PULL, {})
    # then the shared entries go back to Beijing in two parts, the local-only one not
    parts = queued(hotline_federation.KB_SNAPSHOT)
    assert [(m.recipient_region, m.payload["part"], m.payload["parts"]) for m in parts] == [
        ("110000", 1, 2),
        ("110000", 2, 2),
    ]
    assert [e["uid"] for m in parts for e in m.payload["entries"]] == [str(e.uid) for e in mine]
    # and a snapshot from Beijing is imported here
    arrive(beijing, hotline_federation.KB_SNAPSHOT, {"entries": [_beijing_entry()], "part": 1, "parts": 1})
    assert KnowledgeEntry.objects.filter(origin_region_id="110000", status=KnowledgeStatus.PUBLISHED).count() == 1
    # and pulling from every peer queues one request each
    assert hotline_federation.kb_pull(actor=None) == ["110000"]
    assert [m.recipient_region for m in queued(hotline_federation.KB_PULL)] == ["110000"]
