"""Sealed bids and the remote opening: the server keeps ciphertext and commitment only, receipts
are signed, late and double bids are refused, and at opening the released key must decrypt to the
committed plaintext."""

from __future__ import annotations

import base64
import io
import json
import os
from decimal import Decimal
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from tongban.accounts.models import User
from tongban.core.models import AuditEvent
from tongban.trading import sealing, services
from tongban.trading.constants import BidStatus, DecryptionFailure, OpeningResult, ProcedureStatus
from tongban.trading.errors import (
    BackupNotAllowed,
    BidAfterDeadline,
    BidAlreadySubmitted,
    BidContentInvalid,
    BidMalformed,
    CommitmentMismatch,
    NotActingForBidder,
    NotRegistered,
    OpeningBeforeDeadline,
    OpeningWindowClosed,
    OpeningWindowOpen,
    WrongKey,
)
from tongban.trading.models import Bid, Notice, Procedure
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def _procedure_with_bidders(count: int = 3, **options: Any) -> tuple[User, Procedure, list[f.Bidder]]:
    op = f.operator()
    procedure = f.published(op, **options)
    bidders = [f.bidder(f"投标企业{i}") for i in range(count)]
    for b in bidders:
        f.register(procedure, b)
    return op, procedure, bidders


def test_a_sealed_bid_is_stored_as_ciphertext_and_commitment_with_a_signed_receipt() -> None:
    # given a registered bidder
    _op, procedure, (b, *_rest) = _procedure_with_bidders(1)
    # when they submit a bid sealed in their browser
    bid, sealed = f.submit(procedure, b, price="11800000.00")
    # then the server keeps the ciphertext and the commitment, and the receipt verifies under the
    # node's published key and names them
    bid.refresh_from_db()
    assert bid.status == BidStatus.SEALED
    assert bid.commitment == sealing.commitment_of(sealed.plaintext)
    receipt = sealing.verify_signed(bid.receipt)
    assert receipt["commitment"] == bid.commitment and receipt["ciphertext_sha256"] == bid.ciphertext_sha256
    assert receipt["bidder"] == b.enterprise.uscc and receipt["ocid"] == procedure.ocid
    assert services.receipt_check(bid)
    # and the bidder has the receipt in the inbox, the audit trail has the sealing without content
    assert b.user.notifications.filter(subject__startswith="投标回执").exists()
    event = AuditEvent.objects.get(stream=f"bid:{bid.pk}", action="bid.sealed")
    assert "11800000" not in json.dumps(event.data)


def test_an_operator_with_the_whole_database_cannot_read_a_sealed_bid() -> None:
    # given a sealed bid whose plaintext has a distinctive price and note
    _op, procedure, (b, *_rest) = _procedure_with_bidders(1)
    bid, sealed = f.submit(procedure, b, price="9876543.21", note="独特的技术方案XYZ")
    # when an operator dumps every row of every table of the node
    dump = "".join(
        serializers.serialize("json", model._default_manager.all())
        for model in apps.get_models()
        if model._meta.managed
    )
    # then neither the price nor the note nor the plaintext's encoding appears anywhere
    for secret in (
        "9876543.21",
        "独特的技术方案XYZ",
        "\\u72ec\\u7279",
        base64.b64encode(sealed.plaintext).decode()[:24],
    ):
        assert secret not in dump
    # and nothing stored is the key: every stored value fails to authenticate the ciphertext
    data = base64.b64decode(bid.ciphertext)
    iv = base64.b64decode(bid.iv)
    candidates = [bid.commitment, bid.ciphertext_sha256, bid.salt, bid.receipt[:32], bid.iv * 3]
    for value in candidates:
        key = value.encode()[:32].ljust(32, b"\0")
        with pytest.raises(InvalidTag):
            AESGCM(key).decrypt(iv, data, None)
    # and only the bidder's key opens it
    assert AESGCM(base64.b64decode(sealed.key)).decrypt(iv, data, None) == sealed.plaintext


def test_a_bid_after_the_deadline_is_refused_by_the_server_clock() -> None:
    _op, procedure, (b, *_rest) = _procedure_with_bidders(1)
    f.pass_deadline(procedure)
    with pytest.raises(BidAfterDeadline) as refused:
        f.submit(procedure, b)
    assert refused.value.code == "bid_after_deadline" and "截止" in str(refused.value.message)
    assert not Bid.objects.filter(procedure=procedure).exists()


def test_a_double_submission_is_refused_and_a_replacement_replaces() -> None:
    _op, procedure, (b, *_rest) = _procedure_with_bidders(1)
    first, _s = f.submit(procedure, b, price="100.00")
    # a second submission without asking to replace is refused, nothing changes
    with pytest.raises(BidAlreadySubmitted) as refused:
        f.submit(procedure, b, price="90.00")
    assert refused.value.code == "bid_already_submitted"
    assert Bid.objects.filter(procedure=procedure).count() == 1
    # replacing before the deadline keeps one live bid, the old one marked replaced
    again = f.seal(procedure, b, price="90.00")
    second = services.bid_submit(
        actor=b.user, procedure_id=procedure.pk, enterprise=b.enterprise, sealed=again.sealed, replace=True
    )
    first.refresh_from_db()
    assert first.status == BidStatus.REPLACED and second.replaces_id == first.pk
    # withdrawing before the deadline
    services.bid_withdraw(actor=b.user, bid_id=second.pk)
    second.refresh_from_db()
    assert second.status == BidStatus.WITHDRAWN
    # after the deadline a withdrawal is refused
    third, _s3 = f.submit(procedure, b)
    f.pass_deadline(procedure)
    with pytest.raises(BidAfterDeadline):
        services.bid_withdraw(actor=b.user, bid_id=third.pk)


def test_malformed_or_unauthorised_bids_are_refused() -> None:
    _op, procedure, (b, *_rest) = _procedure_with_bidders(1)
    good = f.seal(procedure, b).sealed
    bad = [
        services.SealedBid(good.cipher, good.kdf, 1000, good.commitment, good.primary),
        services.SealedBid(good.cipher, good.kdf, good.iterations, "not-a-hash", good.primary),
        services.SealedBid("AES-128-CBC", good.kdf, good.iterations, good.commitment, good.primary),
        services.SealedBid(
            good.cipher,
            good.kdf,
            good.iterations,
            good.commitment,
            sealing.Sealed(good.primary.salt, "short", good.primary.ciphertext),
        ),
        services.SealedBid(
            good.cipher,
            good.kdf,
            good.iterations,
            good.commitment,
            sealing.Sealed(good.primary.salt, good.primary.iv, "***"),
        ),
    ]
    for sealed in bad:
        with pytest.raises(BidMalformed) as refused:
            services.bid_submit(actor=b.user, procedure_id=procedure.pk, enterprise=b.enterprise, sealed=sealed)
        assert refused.value.code == "bid_malformed"
    with pytest.raises(NotActingForBidder):
        services.bid_submit(actor=f.bidder().user, procedure_id=procedure.pk, enterprise=b.enterprise, sealed=good)
    outsider = f.bidder()
    with pytest.raises(NotRegistered):
        services.bid_submit(actor=outsider.user, procedure_id=procedure.pk, enterprise=outsider.enterprise, sealed=good)
    with pytest.raises(BackupNotAllowed):
        services.bid_submit(
            actor=b.user,
            procedure_id=procedure.pk,
            enterprise=b.enterprise,
            sealed=f.seal(procedure, b, backup_secret="备用口令").sealed,
        )
    assert not Bid.objects.filter(procedure=procedure).exists()


def test_the_whole_opening_decrypts_verifies_and_publishes_the_signed_record() -> None:
    # given three sealed bids and the deadline passed
    op, procedure, bidders = _procedure_with_bidders(3)
    sealed = [
        f.submit(procedure, b, price=p)
        for b, p in zip(bidders, ["11800000.00", "11500000.00", "12100000.00"], strict=True)
    ]
    # opening before the deadline is refused
    with pytest.raises(OpeningBeforeDeadline):
        services.opening_start(actor=op, procedure_id=procedure.pk)
    f.pass_deadline(procedure)
    # when the operator opens the hall
    services.opening_start(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENING and procedure.opening_closes_at is not None
    # then a wrong key changes nothing and may be retried
    with pytest.raises(WrongKey) as wrong:
        services.bid_open(actor=bidders[0].user, bid_id=sealed[0][0].pk, key=base64.b64encode(os.urandom(32)).decode())
    assert wrong.value.code == "bid_key_wrong"
    assert Bid.objects.get(pk=sealed[0][0].pk).status == BidStatus.SEALED
    # another bidder may not open someone else's bid
    with pytest.raises(NotActingForBidder):
        services.bid_open(actor=bidders[1].user, bid_id=sealed[0][0].pk, key=sealed[0][1].key)
    # each bidder releases their key: the server decrypts and checks the commitment
    for b, (bid, s) in zip(bidders, sealed, strict=True):
        opened = services.bid_open(actor=b.user, bid_id=bid.pk, key=s.key)
        assert opened.status == BidStatus.OPENED and opened.opening_result == OpeningResult.VERIFIED
    assert Bid.objects.get(pk=sealed[1][0].pk).price == Decimal("11500000.00")
    # closing the hall publishes the opening record, signed, with every receipt verified
    services.opening_close(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENED
    record = sealing.verify_signed(procedure.opening_record_jws)
    assert [row["price"] for row in record["bids"]] == ["11800000.00", "11500000.00", "12100000.00"]
    assert all(row["receipt_verified"] for row in record["bids"])
    assert Notice.objects.filter(procedure=procedure, kind="opening").exists()


def test_a_ciphertext_that_does_not_match_its_commitment_is_invalid_and_reported() -> None:
    # given a bid whose commitment names other bytes than the ones encrypted (a forged bid)
    op, procedure, bidders = _procedure_with_bidders(3)
    forged, s = f.submit(procedure, bidders[0], commitment_of=b"something else entirely")
    for b in bidders[1:]:
        f.submit(procedure, b)
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    # when the bidder releases the key
    with pytest.raises(CommitmentMismatch) as refused:
        services.bid_open(actor=bidders[0].user, bid_id=forged.pk, key=s.key)
    # then it is reported with a stable code and the bid stays recorded invalid
    assert refused.value.code == "commitment_mismatch" and "承诺值" in str(refused.value.message)
    forged.refresh_from_db()
    assert forged.status == BidStatus.INVALID and forged.opening_result == OpeningResult.MISMATCH
    assert forged.price is None
    assert bidders[0].user.notifications.filter(subject__contains="无效").exists()


def test_bids_not_decrypted_in_the_window_are_invalid_and_too_few_valid_bids_fail() -> None:
    op, procedure, bidders = _procedure_with_bidders(3)
    sealed = [f.submit(procedure, b) for b in bidders]
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    services.bid_open(actor=bidders[0].user, bid_id=sealed[0][0].pk, key=sealed[0][1].key)
    # closing while the window is open and bids are still sealed is refused
    with pytest.raises(OpeningWindowOpen):
        services.opening_close(actor=op, procedure_id=procedure.pk)
    # after the window, a late decryption is refused, and closing invalidates the rest
    f.close_window(procedure)
    with pytest.raises(OpeningWindowClosed):
        services.bid_open(actor=bidders[1].user, bid_id=sealed[1][0].pk, key=sealed[1][1].key)
    services.opening_close(actor=op, procedure_id=procedure.pk)
    assert Bid.objects.get(pk=sealed[1][0].pk).opening_result == OpeningResult.NOT_DECRYPTED
    # one valid bid of three: the procedure fails (流标) with a published notice
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.FAILED
    assert Notice.objects.filter(procedure=procedure, kind="failure").exists()


def test_fewer_than_three_bids_fail_at_the_opening() -> None:
    op, procedure, bidders = _procedure_with_bidders(2)
    for b in bidders:
        f.submit(procedure, b)
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.FAILED


def test_a_backup_copy_opens_when_the_tender_allows_it() -> None:
    # given a tender that allows a backup copy, and a bidder who lost the primary secret
    op, procedure, bidders = _procedure_with_bidders(3, decryption_failure=DecryptionFailure.BACKUP)
    bid, s = f.submit(procedure, bidders[0], backup_secret="刻在U盘里的备用口令")
    for b in bidders[1:]:
        f.submit(procedure, b)
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    # the backup key cannot open the primary copy, but opens the backup copy, checked against the same commitment
    with pytest.raises(WrongKey):
        services.bid_open(actor=bidders[0].user, bid_id=bid.pk, key=s.backup_key)
    opened = services.bid_open(actor=bidders[0].user, bid_id=bid.pk, key=s.backup_key, copy="backup")
    assert opened.opening_result == OpeningResult.BACKUP and opened.status == BidStatus.OPENED


def test_objections_in_the_hall_are_recorded_and_answered() -> None:
    op, procedure, bidders = _procedure_with_bidders(3)
    for b in bidders:
        f.submit(procedure, b)
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    objection = services.objection_raise(
        actor=bidders[1].user,
        procedure_id=procedure.pk,
        enterprise=bidders[1].enterprise,
        text="第一名的工期不满足招标文件要求",
    )
    answered = services.objection_answer(actor=op, objection_id=objection.pk, answer="已记录，提交评标委员会评审")
    assert answered.status == "answered"
    assert bidders[1].user.notifications.filter(subject__contains="异议").exists()
    with pytest.raises(Exception) as again:
        services.objection_answer(actor=op, objection_id=objection.pk, answer="再次答复")
    assert getattr(again.value, "code", "") == "invalid_transition"


def test_a_bid_without_a_nonce_or_for_another_procedure_is_invalid_and_commitments_hide_equal_prices() -> None:
    op, procedure, bidders = _procedure_with_bidders(3)
    # two bids of the same price commit to different values (the nonce)
    a = f.seal(procedure, bidders[0], price="100.00")
    b = f.seal(procedure, bidders[0], price="100.00")
    assert a.sealed.commitment != b.sealed.commitment
    no_nonce = json.dumps(
        {"format": "tongban-bid/1", "ocid": procedure.ocid, "bidder": bidders[0].enterprise.uscc, "price": "100.00"},
        separators=(",", ":"),
    ).encode()
    other = sealing.plaintext_for(ocid="ocds-other-1", bidder_uscc=bidders[1].enterprise.uscc, price="100.00")
    first, s1 = f.submit(procedure, bidders[0], plaintext=no_nonce)
    second, s2 = f.submit(procedure, bidders[1], plaintext=other)
    f.submit(procedure, bidders[2])
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for bidder, bid, s, problem in (
        (bidders[0], first, s1, "nonce"),
        (bidders[1], second, s2, "other_procedure_or_bidder"),
    ):
        with pytest.raises(BidContentInvalid) as refused:
            services.bid_open(actor=bidder.user, bid_id=bid.pk, key=s.key)
        assert refused.value.code == "bid_content_invalid" and refused.value.as_dict()["details"] == {
            "problem": problem
        }
        bid.refresh_from_db()
        assert bid.status == BidStatus.INVALID and bid.opening_result == OpeningResult.CONTENT_INVALID


def test_the_tick_closes_halls_whose_window_has_passed() -> None:
    op, procedure, bidders = _procedure_with_bidders(3)
    sealed = [f.submit(procedure, b) for b in bidders]
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    for b, (bid, s) in zip(bidders, sealed, strict=True):
        services.bid_open(actor=b.user, bid_id=bid.pk, key=s.key)
    out = io.StringIO()
    call_command("trading", "tick", stdout=out)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENING and out.getvalue() == ""
    f.close_window(procedure)
    call_command("trading", "tick", stdout=out)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.OPENED and f"procedure {procedure.pk}" in out.getvalue()
