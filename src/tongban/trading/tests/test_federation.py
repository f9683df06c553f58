"""The expert pool over the federation at one node, with real signatures of peers pinned by trust
bundle: sharing, pulling, summoning a peer's expert and their answer, and the refusals of a sender
that is not the expert's region."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tongban.accounts.tests.factories import UserFactory
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.federation import services as federation
from tongban.federation.constants import InboxStatus
from tongban.federation.models import InboxMessage, OutboxMessage
from tongban.federation.tests.factories import KeyedPeer
from tongban.trading import pool
from tongban.trading.constants import DrawStatus, SeatAction, SeatStatus, SummonsStatus
from tongban.trading.models import Expert, Seat, Summons
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db
HERE = "120000"


@pytest.fixture(autouse=True)
def _region(settings: Any) -> None:
    settings.TONGBAN_REGION = HERE
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 3600


def arrive(peer: KeyedPeer, type_name: str, payload: dict[str, Any]) -> InboxMessage:
    """A message from ``peer``, signed with its key, through the node's real receiving path."""
    return federation.message_receive(token=peer.sign(peer.envelope(recipient=HERE, type=type_name, payload=payload)))


def queued(type_name: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(type=type_name).order_by("id"))


def hebei_expert(version: int = 1, **changes: Any) -> dict[str, Any]:
    doc = {
        "uid": "6f1c5a8e-6a55-4a43-9d4e-3c1c1f6b0a01",
        "origin_region": "130000",
        "code": "HB-0001",
        "name": "冀专家",
        "id_number": make_resident_id("130102", __import__("datetime").date(1972, 5, 1), 7),
        "employer_uscc": "",
        "specialties": ["building"],
        "status": "active",
        "shared": True,
        "version": version,
        "conflicts": [],
    }
    doc.update(changes)
    return doc


def test_a_shared_expert_of_this_region_goes_to_every_peer() -> None:
    # given two peers
    f.ensure_peer("110000")
    f.ensure_peer("130000")
    op = f.operator()
    # when an expert of this region is added to the shared pool
    expert = f.expert(op)
    # then each peer gets the expert as a signed message, with the conflicts
    messages = queued(pool.EXPERT_MESSAGE)
    assert sorted(m.recipient_region for m in messages) == ["110000", "130000"]
    assert messages[0].payload["expert"]["uid"] == str(expert.uid)
    assert "conflicts" in messages[0].payload["expert"]


def test_a_peers_expert_arrives_is_kept_and_only_newer_versions_change_it() -> None:
    hebei = f.ensure_peer("130000")
    # when Hebei shares an expert
    message = arrive(hebei, pool.EXPERT_MESSAGE, {"expert": hebei_expert()})
    # then a read-only copy is kept here
    assert message.status == InboxStatus.HANDLED
    copy = Expert.objects.get(uid=hebei_expert()["uid"])
    assert (copy.origin_region_id, copy.name, copy.version) == ("130000", "冀专家", 1)
    # an older or equal version changes nothing; a newer one updates it
    arrive(hebei, pool.EXPERT_MESSAGE, {"expert": hebei_expert(version=1, name="旧名字")})
    arrive(hebei, pool.EXPERT_MESSAGE, {"expert": hebei_expert(version=2, title="正高级工程师")})
    copy.refresh_from_db()
    assert (copy.name, copy.title, copy.version) == ("冀专家", "正高级工程师", 2)


def test_an_expert_from_a_region_that_is_not_theirs_is_refused() -> None:
    beijing = f.ensure_peer("110000")
    f.ensure_peer("130000")
    arrive(f.ensure_peer("130000"), pool.EXPERT_MESSAGE, {"expert": hebei_expert()})
    # when Beijing sends Hebei's expert (claiming it as Hebei's, or as its own with Hebei's uid)
    forged = arrive(beijing, pool.EXPERT_MESSAGE, {"expert": hebei_expert(version=9, name="冒名")})
    stolen = arrive(beijing, pool.EXPERT_MESSAGE, {"expert": hebei_expert(version=9, origin_region="110000")})
    # then both are refused and kept with the stable code
    assert (forged.status, forged.error_code) == (InboxStatus.FAILED, "expert_origin_mismatch")
    assert (stolen.status, stolen.error_code) == (InboxStatus.FAILED, "expert_origin_mismatch")
    assert Expert.objects.get(uid=hebei_expert()["uid"]).name == "冀专家"


def test_a_pull_is_answered_with_the_shared_pool_and_a_snapshot_is_stored() -> None:
    beijing = f.ensure_peer("110000")
    op = f.operator()
    for _ in range(3):
        f.expert(op)
    OutboxMessage.objects.all().delete()
    arrive(beijing, pool.POOL_PULL, {})
    snapshots = queued(pool.POOL_SNAPSHOT)
    assert len(snapshots) == 1 and len(snapshots[0].payload["experts"]) == 3
    # and a snapshot from a peer fills this node's copy of its pool
    hebei = f.ensure_peer("130000")
    docs = [hebei_expert(uid=str(uuid.uuid4()), code=f"HB-{i}") for i in range(2)]
    arrive(hebei, pool.POOL_SNAPSHOT, {"part": 1, "parts": 1, "experts": docs})
    assert Expert.objects.filter(origin_region_id="130000").count() == 2


def test_a_peers_expert_is_summoned_at_home_and_their_answer_completes_the_seat() -> None:
    # given a procedure whose panel must have a Hebei expert, drawn from Hebei's shared experts
    op = f.operator()
    procedure, _bidders, _bids = f.opened(op, region_minimums={"130000": 1}, region_maximums={"130000": 1})
    f.pool_of(op, per_region=6, regions=("120000",))
    hebei = f.ensure_peer("130000")
    arrive(hebei, pool.EXPERT_MESSAGE, {"expert": hebei_expert()})
    arrive(hebei, pool.EXPERT_MESSAGE, {"expert": hebei_expert(uid=str(uuid.uuid4()), code="HB-0002")})
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    (remote,) = Seat.objects.filter(draw=draw, expert__origin_region_id="130000")
    assert remote.venue_id == "120000"  # Hebei is no venue of this procedure: the expert comes to the main venue
    # then the summons went to Hebei's node
    (summons,) = queued(pool.SUMMONS_MESSAGE)
    assert summons.recipient_region == "130000" and summons.payload["seat"] == str(remote.uid)
    # when a peer that is not the expert's answers for them, it is refused
    beijing = f.ensure_peer("110000")
    forged = arrive(beijing, pool.SUMMONS_REPLY, {"seat": str(remote.uid), "action": "confirm"})
    assert (forged.status, forged.error_code) == (InboxStatus.FAILED, "expert_origin_mismatch")
    # when Hebei relays the expert's decline, a replacement is drawn (round 1)
    reply = arrive(hebei, pool.SUMMONS_REPLY, {"seat": str(remote.uid), "action": "decline", "reason": "身体原因"})
    assert reply.status == InboxStatus.HANDLED
    remote.refresh_from_db()
    assert remote.status == SeatStatus.DECLINED
    draw.refresh_from_db()
    assert draw.rounds == 2 and draw.status == DrawStatus.DRAWN and pool.draw_verify(draw)
    (replacement,) = Seat.objects.filter(draw=draw, round=1)
    assert replacement.expert.origin_region_id == "130000"  # the region minimum holds in the replacement
    # when the replacement declines too, no Hebei expert is left: the answer stands, the draw is short
    arrive(hebei, pool.SUMMONS_REPLY, {"seat": str(replacement.uid), "action": "decline"})
    replacement.refresh_from_db()
    assert replacement.status == SeatStatus.DECLINED
    short = AuditEvent.objects.get(stream=f"draw:{draw.pk}", action="draw.short")
    assert short.reason == "too_few_experts" and short.data["region"] == "130000"


def test_a_summons_of_this_regions_expert_is_answered_here_and_sent_back() -> None:
    # given this region's expert with a login, drawn by Beijing
    beijing = f.ensure_peer("110000")
    op = f.operator()
    expert = f.expert(op, user=UserFactory.create(password=f.NO_PASSWORD))
    seat_uid = str(uuid.uuid4())
    payload = {"seat": seat_uid, "expert": str(expert.uid), "ocid": "ocds-tongbn-110000-BJ-1", "title": "北京某工程"}
    message = arrive(beijing, pool.SUMMONS_MESSAGE, payload)
    # then the summons is kept and the expert notified; a second delivery of the same seat is once
    assert message.status == InboxStatus.HANDLED
    summons = Summons.objects.get(seat_uid=seat_uid)
    assert expert.user is not None and expert.user.notifications.filter(subject__contains="北京某工程").exists()
    arrive(beijing, pool.SUMMONS_MESSAGE, payload)
    assert Summons.objects.filter(seat_uid=seat_uid).count() == 1
    # when the expert recuses, declaring the conflict, the answer goes back to Beijing
    pool.summons_answer(
        actor=expert.user,
        summons_id=summons.pk,
        action=SeatAction.RECUSE,
        reason="近亲属在投标单位任职",
        conflict_uscc=f.bidder().enterprise.uscc,
    )
    summons.refresh_from_db()
    assert summons.status == SummonsStatus.RECUSED
    (reply,) = queued(pool.SUMMONS_REPLY)
    assert reply.recipient_region == "110000" and reply.payload == {
        "seat": seat_uid,
        "action": "recuse",
        "reason": "近亲属在投标单位任职",
    }
    assert expert.conflicts.count() == 1
    # a summons of an expert who is not in this region's pool is refused
    unknown = arrive(beijing, pool.SUMMONS_MESSAGE, {**payload, "seat": str(uuid.uuid4()), "expert": str(uuid.uuid4())})
    assert (unknown.status, unknown.error_code) == (InboxStatus.FAILED, "expert_not_ours")
