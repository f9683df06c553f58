"""A real browser: a bidder seals a bid with WebCrypto (nothing readable is posted), later opens it in
the online hall; an expert of another region's pool scores remotely in the evaluation workspace."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tongban.accounts.tests.factories import UserFactory
from tongban.federation import services as federation
from tongban.regions.models import Region
from tongban.trading import evaluation, pool, sealing, services
from tongban.trading.constants import BidStatus, OpeningResult, SeatAction, SheetStatus
from tongban.trading.models import Bid, Seat
from tongban.trading.tests import factories as f

SECRET = "只有投标人知道的口令-Bx9"


def _login(page: Any, user: Any, live_server: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_bidder_seals_then_opens_and_a_remote_expert_scores(
    page: Any, live_server: Any, axe_serious: Any, settings: Any
) -> None:
    settings.TONGBAN_REGION = "120000"
    # given a published tender with a Hebei remote venue and three registered bidders
    op = f.operator()
    procedure = f.published(op, remote_venues=["130000"], region_minimums={"130000": 1}, region_maximums={"130000": 1})
    bidders = [f.bidder(f"投标企业{i}") for i in range(3)]
    for b in bidders:
        f.register(procedure, b)
    others = [f.submit(procedure, b, price=p) for b, p in zip(bidders[1:], ["11500000.00", "12100000.00"], strict=True)]
    me = bidders[0]
    _login(page, me.user, live_server)
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.post_data or "") if request.method == "POST" else None)

    # when the bidder seals a bid in the browser
    page.goto(f"/trading/procedures/{procedure.pk}/bid/")
    assert page.get_by_role("heading", name="加密并递交投标文件").is_visible()
    assert axe_serious(page) == []
    page.get_by_label("投标报价（元）").fill("10990000")
    page.get_by_label("工期（天）").fill("280")
    page.get_by_label("技术和商务要点").fill("装配式施工，工期280日历天")
    page.get_by_label("您的口令（至少8个字符）").fill(SECRET)
    page.get_by_label("再次输入口令").fill(SECRET)
    page.get_by_role("button", name="加密并递交").click()
    page.get_by_text("已收到您的加密投标文件").wait_for()

    # then the server has a sealed bid with its commitment and receipt, and nothing readable
    # (price, note, secret) was ever posted
    bid = Bid.objects.get(procedure=procedure, enterprise=me.enterprise)
    assert bid.status == BidStatus.SEALED and len(bid.commitment) == 64 and not bid.plaintext
    assert bid.iterations >= 100_000 and services.receipt_check(bid)
    body = "".join(posted)
    for secret in ("10990000", "280%E6%97%A5", "装配式", SECRET, "%E5%8F%AA%E6%9C%89"):
        assert secret not in body
    assert page.locator(".commitment").first.inner_text() == bid.commitment

    # given the deadline has passed and the operator opened the hall
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for b, (other, s) in zip(bidders[1:], others, strict=True):
        services.bid_open(actor=b.user, bid_id=other.pk, key=s.key)

    # when the bidder decrypts in the hall with a wrong secret, then with theirs
    page.goto(f"/trading/procedures/{procedure.pk}/hall/")
    assert axe_serious(page) == []
    page.get_by_label("您的口令").fill("不是这个口令")
    page.get_by_role("button", name="在本浏览器中解密").click()
    page.get_by_text("该口令无法解密投标文件").wait_for()
    page.get_by_label("您的口令").fill(SECRET)
    page.get_by_role("button", name="在本浏览器中解密").click()
    page.locator(".open-price", has_text="10990000.00").wait_for()
    assert page.locator(".open-match").inner_text() == "是"
    page.get_by_role("button", name="确认并提交密钥").click()
    page.get_by_text("您的投标文件已解密，与承诺值一致").wait_for()
    bid.refresh_from_db()
    assert bid.status == BidStatus.OPENED and bid.opening_result == OpeningResult.VERIFIED
    assert str(bid.price) == "10990000.00"
    # the plaintext the browser sealed is the one committed to, in the documented format
    assert sealing.commitment_of(bid.plaintext.encode()) == bid.commitment
    content = json.loads(bid.plaintext)
    assert list(content) == ["format", "nonce", "ocid", "bidder", "price", "duration_days", "note"]
    assert (content["ocid"], content["bidder"], content["price"], content["duration_days"]) == (
        procedure.ocid,
        me.enterprise.uscc,
        "10990000.00",
        280,
    )
    services.opening_close(actor=op, procedure_id=procedure.pk)

    # given a panel drawn from this region's pool and one Hebei expert, who logs in with their
    # home region's account (the cross-region login gives the account the expert's ID number)
    for _ in range(4):
        f.expert(op, user=UserFactory.create(password=f.NO_PASSWORD))
    hebei_expert = f.expert(op, region="130000")
    remote_user = UserFactory.create(
        username=f"{hebei_expert.id_number}@130000",
        id_number=hebei_expert.id_number,
        region=Region.objects.get(code="130000"),
        password=f.NO_PASSWORD,
    )
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    hebei = f.ensure_peer("130000")
    for seat in Seat.objects.filter(draw=draw).select_related("expert"):
        if seat.expert.origin_region_id == "130000":
            envelope = hebei.envelope(
                recipient="120000", type=pool.SUMMONS_REPLY, payload={"seat": str(seat.uid), "action": "confirm"}
            )
            federation.message_receive(token=hebei.sign(envelope))
        else:
            pool.seat_answer(actor=op, seat_id=seat.pk, action=SeatAction.CONFIRM)
    evaluation.evaluation_start(actor=op, procedure_id=procedure.pk)

    # when the Hebei expert scores in the shared workspace
    page.context.clear_cookies()
    _login(page, remote_user, live_server)
    page.goto(f"/trading/procedures/{procedure.pk}/evaluation/")
    assert "副场" in page.locator("#my-seat").inner_text()
    assert axe_serious(page) == []
    valid = list(Bid.objects.filter(procedure=procedure, status=BidStatus.OPENED).order_by("pk"))
    page.locator(f"#score-{valid[0].pk}-technical").fill("45")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("评分超出该评审因素的分值范围").wait_for()
    for i, valid_bid in enumerate(valid):
        page.locator(f"#score-{valid_bid.pk}-technical").fill(str(30 + i))
        page.locator(f"#score-{valid_bid.pk}-commercial").fill("16.5")
    page.get_by_role("button", name="提交评分").click()
    page.get_by_text("评分已提交").wait_for()

    # then the sheet is submitted from the remote venue
    seat = Seat.objects.get(draw=draw, expert=hebei_expert)
    sheet = procedure.sheets.get(seat=seat)
    assert sheet.status == SheetStatus.SUBMITTED and seat.venue_id == "130000"
    assert sheet.scores[str(valid[0].pk)] == {"technical": "30.00", "commercial": "16.50"}
    assert dt.datetime.now(dt.UTC) > sheet.submitted_at  # type: ignore[operator]
