"""Pages and API: public lists and OCDS, the sealing form posts no plaintext, the API takes sealed
bids and keys, refusals come back as ``{"code", "message"}`` in Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from tongban.trading import ocds, pool, services
from tongban.trading.constants import BidStatus, ProcedureStatus, SeatAction
from tongban.trading.models import Bid
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def _client(user: object | None = None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_public_pages_and_the_ocds_api(standards_dir: Path) -> None:
    op = f.operator()
    procedure = f.published(op)
    draft = f.draft(op)
    anonymous = _client()
    page = anonymous.get("/trading/")
    assert page.status_code == 200 and procedure.title in page.content.decode()
    assert draft.title not in page.content.decode()
    detail = anonymous.get(f"/trading/procedures/{procedure.pk}/")
    assert detail.status_code == 200 and "招标公告" in detail.content.decode()
    assert anonymous.get(f"/trading/procedures/{draft.pk}/").status_code == 404
    listed = anonymous.get("/api/v1/trading/procedures").json()
    assert [p["ocid"] for p in listed] == [procedure.ocid]
    record = anonymous.get(f"/api/v1/trading/procedures/{procedure.pk}/ocds/record").json()
    assert ocds.record_package_errors(record, folder=standards_dir / "ocds-1.1.5") == []
    refused = anonymous.get(f"/api/v1/trading/procedures/{draft.pk}/ocds/record")
    assert refused.status_code == 409 and refused.json()["code"] == "ocds_incomplete"
    assert "尚未发布" in refused.json()["message"]


def test_the_sealing_form_has_no_named_plaintext_fields() -> None:
    op = f.operator()
    procedure = f.published(op)
    b = f.bidder()
    f.register(procedure, b)
    html = _client(b.user).get(f"/trading/procedures/{procedure.pk}/bid/").content.decode()
    for field in ("seal-price", "seal-note", "seal-secret", "seal-secret2"):
        tag = html[html.index(f'id="{field}"') - 200 : html.index(f'id="{field}"') + 200]
        element = tag[tag.rindex("<") :]
        assert " name=" not in element.split(">")[0], field
    assert "<script>" not in html and "onclick" not in html  # no inline script (CSP)
    assert 'src="/static/trading/seal.js"' in html


def test_a_sealed_bid_through_the_api_and_its_opening() -> None:
    op = f.operator()
    procedure = f.published(op)
    bidders = [f.bidder() for _ in range(3)]
    sealed = []
    for b in bidders:
        client = _client(b.user)
        registered = client.post(
            f"/api/v1/trading/procedures/{procedure.pk}/registrations",
            {"enterprise": b.enterprise.uscc},
            content_type="application/json",
        )
        assert registered.status_code == 201
        s = f.seal(procedure, b)
        body = {
            "enterprise": b.enterprise.uscc,
            "cipher": s.sealed.cipher,
            "kdf": s.sealed.kdf,
            "iterations": s.sealed.iterations,
            "commitment": s.sealed.commitment,
            "primary": {
                "salt": s.sealed.primary.salt,
                "iv": s.sealed.primary.iv,
                "ciphertext": s.sealed.primary.ciphertext,
            },
        }
        answer = client.post(f"/api/v1/trading/procedures/{procedure.pk}/bids", body, content_type="application/json")
        assert answer.status_code == 201 and answer.json()["commitment"] == s.sealed.commitment
        again = client.post(f"/api/v1/trading/procedures/{procedure.pk}/bids", body, content_type="application/json")
        assert again.status_code == 409 and again.json()["code"] == "bid_already_submitted"
        sealed.append((answer.json()["id"], s, client))
    # another bidder cannot fetch someone else's ciphertext
    assert _client(bidders[1].user).get(f"/api/v1/trading/bids/{sealed[0][0]}/sealed").status_code == 403
    f.pass_deadline(procedure)
    late = sealed[0][2].post(f"/api/v1/trading/bids/{sealed[0][0]}/withdraw")
    assert late.status_code == 409 and late.json()["code"] == "bid_after_deadline"
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for bid_id, s, client in sealed:
        fetched = client.get(f"/api/v1/trading/bids/{bid_id}/sealed").json()
        assert fetched["ciphertext"] == s.sealed.primary.ciphertext
        opened = client.post(f"/api/v1/trading/bids/{bid_id}/open", {"key": s.key}, content_type="application/json")
        assert opened.status_code == 200 and opened.json()["status"] == BidStatus.OPENED
    assert Bid.objects.filter(procedure=procedure, status=BidStatus.OPENED).count() == 3


def test_the_hall_and_the_operators_controls_through_the_pages() -> None:
    op = f.operator()
    procedure = f.published(op)
    bidders = [f.bidder() for _ in range(3)]
    keys = []
    for b in bidders:
        f.register(procedure, b)
        bid, s = f.submit(procedure, b)
        keys.append((bid, s))
    f.pass_deadline(procedure)
    operator = _client(op)
    assert operator.post(f"/trading/procedures/{procedure.pk}/operate/open/").status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENING
    # the bidder's hall shows the ciphertext to decrypt in the browser, not anyone else's
    hall = _client(bidders[0].user).get(f"/trading/procedures/{procedure.pk}/hall/").content.decode()
    assert keys[0][1].sealed.primary.ciphertext in hall and keys[1][1].sealed.primary.ciphertext not in hall
    # a wrong key posted from the hall is reported in Chinese, the bid stays sealed
    wrong = _client(bidders[0].user).post(
        f"/trading/procedures/{procedure.pk}/hall/", {"bid": keys[0][0].pk, "key": keys[1][1].key}, follow=True
    )
    assert "无法解密" in wrong.content.decode()
    for b, (bid, s) in zip(bidders, keys, strict=True):
        _client(b.user).post(f"/trading/procedures/{procedure.pk}/hall/", {"bid": bid.pk, "key": s.key})
    operator.post(f"/trading/procedures/{procedure.pk}/operate/close/")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENED
    page = _client().get(f"/trading/procedures/{procedure.pk}/hall/").content.decode()
    assert "11800000.00" in page
    # objections raised in the hall and answered
    _client(bidders[2].user).post(
        f"/trading/procedures/{procedure.pk}/hall/",
        {"action": "objection", "enterprise": bidders[2].enterprise.pk, "text": "开标记录有误"},
    )
    objection = procedure.objections.get()
    operator.post(
        f"/trading/procedures/{procedure.pk}/operate/answer/", {"objection": objection.pk, "answer": "已核实无误"}
    )
    objection.refresh_from_db()
    assert objection.answer == "已核实无误"


def test_the_expert_pages_confirm_and_score() -> None:
    op = f.operator()
    procedure, _bidders, bids = f.opened(op)
    f.pool_of(op, per_region=7, regions=("120000",))
    draw = pool.draw_reveal(actor=op, draw_id=pool.draw_commit(actor=op, procedure_id=procedure.pk).pk)
    seats = list(draw.seats.select_related("expert__user"))
    for seat in seats:
        assert seat.expert.user is not None
        page = _client(seat.expert.user).get("/trading/expert/")
        assert procedure.title in page.content.decode()
        _client(seat.expert.user).post("/trading/expert/", {"seat": seat.pk, "action": SeatAction.CONFIRM})
    draw.refresh_from_db()
    assert draw.status == "complete"
    detail = _client().get(f"/trading/procedures/{procedure.pk}/").content.decode()
    assert draw.seed in detail and 'id="draw-verified">是' in detail
    _client(op).post(f"/trading/procedures/{procedure.pk}/operate/evaluate/")
    expert = seats[0].expert.user
    assert expert is not None
    out_of_range = _client(expert).post(
        f"/trading/procedures/{procedure.pk}/evaluation/",
        {"action": "save", f"score-{bids[0].pk}-technical": "99"},
        follow=True,
    )
    assert "分值范围" in out_of_range.content.decode()
    form = {f"score-{b.pk}-{c}": "10" for b in bids for c in ("technical", "commercial")}
    _client(expert).post(f"/trading/procedures/{procedure.pk}/evaluation/", {"action": "submit", **form})
    sheet = procedure.sheets.get(seat=seats[0])
    assert sheet.status == "submitted" and sheet.scores[str(bids[0].pk)] == {
        "technical": "10.00",
        "commercial": "10.00",
    }
    draw_api = _client().get(f"/api/v1/trading/procedures/{procedure.pk}/draw").json()
    assert draw_api["verified"] is True and draw_api["seed"] == draw.seed
    assert json.dumps(draw_api)
