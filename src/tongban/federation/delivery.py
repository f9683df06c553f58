"""The outbox worker: deliver due messages to their peers, in batches, with retries and exponential backoff.

Per peer, the worker leases up to ``TONGBAN_FEDERATION_BATCH_SIZE`` due messages in one short
transaction (``SKIP LOCKED`` on PostgreSQL, so several workers share the work; the lease moves
``next_attempt_at`` past the HTTP timeout) and signs each one then (every message is its own compact
JWS: the envelope's ``sent`` time is what the receiver checks against its clock skew; ``created``
keeps the time of the change that caused it). The batch is POSTed, outside any transaction, to the
peer's batch endpoint (``/federation/v1/messages/batch``) over a keep-alive connection; the peer
verifies, stores and handles each message and answers one result per message, in order. A second
short transaction marks the delivered ones (one statement) and logs them (one bulk insert), and
reschedules or parks the refused ones. A peer without the batch endpoint gets the messages one by
one (``/federation/v1/messages``). Peers are served concurrently (one thread each); to one peer,
one batch is in flight at a time, so its messages keep their order.

A worker that dies mid-attempt leaves the messages due again when the lease ends; the receiver's
``already_received`` answer then marks them delivered without a second effect.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from tongban.federation import services, signing
from tongban.federation.constants import (
    BATCH_PATH,
    CONTENT_TYPE,
    MESSAGES_PATH,
    Direction,
    OutboxStatus,
    PeerStatus,
)
from tongban.federation.models import MessageLog, OutboxMessage, Peer

MAX_BATCH_BYTES = 2_000_000  # under Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) at the receiver


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    parked: int = 0

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.failed += other.failed
        self.parked += other.parked

    @property
    def attempted(self) -> int:
        return self.delivered + self.failed + self.parked


@dataclass
class Outcome:
    """What the peer answered for one message: delivered (``accepted`` / ``already_received``) or not."""

    delivered: bool
    code: str
    detail: str = ""


@dataclass
class Claimed:
    message: OutboxMessage
    token: str
    kid: str


@dataclass
class Batch:
    items: list[Claimed] = field(default_factory=list)


def _timeout() -> float:
    return float(getattr(settings, "TONGBAN_FEDERATION_TIMEOUT", 10))


def _batch_size() -> int:
    return max(1, int(getattr(settings, "TONGBAN_FEDERATION_BATCH_SIZE", 100)))


def _claim(region: str, size: int) -> Batch:
    """Lease up to ``size`` due messages for ``region`` (short transaction) and sign each for this attempt."""
    lease = 2 * _timeout() + 5
    batch = Batch()
    with transaction.atomic():
        now = timezone.now()
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, recipient_region=region, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:size]
        )
        if not rows:
            return batch
        # Another worker skips them until the lease ends; a worker that dies mid-attempt leaves them due again.
        OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            next_attempt_at=now + dt.timedelta(seconds=lease)
        )
        sign = signing.envelope_signer()
        size_left = MAX_BATCH_BYTES
        for row in rows:
            token, kid = sign(services.envelope_of(row, sent=timezone.now()))
            if batch.items and len(token) + 4 > size_left:
                # over the batch's size: give the rest their time back, they go in the next batch
                rest = [r.pk for r in rows[len(batch.items) :]]
                OutboxMessage.objects.filter(pk__in=rest).update(next_attempt_at=now)
                break
            size_left -= len(token) + 4
            batch.items.append(Claimed(row, token, kid))
    return batch


def _answer_code(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body.get("code", "")) if isinstance(body, dict) else ""
    except ValueError:
        return ""


def _single_outcome(response: httpx.Response) -> Outcome:
    answer = _answer_code(response)
    if response.is_success:
        return Outcome(True, "accepted")
    if response.status_code == 409 and answer == "already_received":
        # A previous attempt got through but its answer was lost: delivered, once.
        return Outcome(True, answer)
    return Outcome(False, answer or f"http_{response.status_code}", response.text[:500])


def _post_one(client: httpx.Client, peer: Peer, token: str) -> Outcome:
    try:
        response = client.post(
            peer.base_url + MESSAGES_PATH, content=token.encode(), headers={"Content-Type": CONTENT_TYPE}
        )
    except httpx.HTTPError as exc:
        return Outcome(False, "network_error", f"{type(exc).__name__}: {exc}")
    return _single_outcome(response)


def _post_batch(client: httpx.Client, peer: Peer, batch: Batch) -> list[Outcome]:
    """POST the batch outside any transaction: one outcome per message, in order."""
    body = json.dumps({"messages": [c.token for c in batch.items]}).encode()
    try:
        response = client.post(peer.base_url + BATCH_PATH, content=body, headers={"Content-Type": "application/json"})
    except httpx.HTTPError as exc:
        return [Outcome(False, "network_error", f"{type(exc).__name__}: {exc}")] * len(batch.items)
    if response.status_code in (404, 405):
        # a peer without the batch endpoint: one by one, stopping at the first network failure
        outcomes: list[Outcome] = []
        for claimed in batch.items:
            outcome = _post_one(client, peer, claimed.token)
            outcomes.append(outcome)
            if outcome.code == "network_error":
                break
        return outcomes + [Outcome(False, "not_sent", "")] * (len(batch.items) - len(outcomes))
    results = None
    if response.status_code == 200:
        try:
            results = response.json().get("results")
        except (ValueError, AttributeError):
            results = None
    if not isinstance(results, list) or len(results) != len(batch.items):
        code = _answer_code(response) or f"http_{response.status_code}"
        return [Outcome(False, code, response.text[:500])] * len(batch.items)
    outcomes = []
    for result in results:
        code = str(result.get("code", "")) if isinstance(result, dict) else ""
        if code == "accepted" or code == "already_received":
            outcomes.append(Outcome(True, code))
        else:
            outcomes.append(Outcome(False, code or "malformed_answer", json.dumps(result, ensure_ascii=False)[:500]))
    return outcomes


def _settle(batch: Batch, outcomes: list[Outcome], report: DeliveryReport) -> None:
    """Second short transaction: delivered ones in one update and one log insert; the rest rescheduled."""
    by_pk = {c.message.pk: (c, o) for c, o in zip(batch.items, outcomes, strict=True)}
    with transaction.atomic():
        # lock them; one an administrator or another worker settled meanwhile is left alone
        pending = set(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=list(by_pk), status=OutboxStatus.PENDING)
            .values_list("pk", flat=True)
        )
        delivered = [pk for pk in by_pk if pk in pending and by_pk[pk][1].delivered]
        if delivered:
            now = timezone.now()
            OutboxMessage.objects.filter(pk__in=delivered).update(
                status=OutboxStatus.DELIVERED, attempts=F("attempts") + 1, delivered_at=now, last_error=""
            )
            MessageLog.objects.bulk_create(
                [
                    MessageLog(
                        direction=Direction.SENT,
                        message_id=str(c.message.message_id),
                        peer_region=c.message.recipient_region,
                        type=c.message.type,
                        kid=c.kid,
                        token=c.token,
                        code=o.code,
                        logged_at=now,
                    )
                    for c, o in (by_pk[pk] for pk in delivered)
                ]
            )
            report.delivered += len(delivered)
        for pk, (claimed, outcome) in by_pk.items():
            if pk not in pending or outcome.delivered:
                continue
            if outcome.code == "not_sent":
                OutboxMessage.objects.filter(pk=pk).update(next_attempt_at=timezone.now())
                continue
            message = OutboxMessage.objects.get(pk=pk)
            services.outbox_mark_failed(
                message=message, token=claimed.token, kid=claimed.kid, code=outcome.code, detail=outcome.detail
            )
            if message.status == OutboxStatus.PARKED:
                report.parked += 1
            else:
                report.failed += 1


def _deliver_to(region: str, *, limit: int, client: httpx.Client | None) -> DeliveryReport:
    """Batches to one peer, one at a time (in order), until nothing is due, ``limit`` is reached or it fails."""
    report = DeliveryReport()
    own_client = client is None
    http = client or httpx.Client(timeout=_timeout())
    try:
        peer = Peer.objects.filter(region_code=region).first()
        while report.attempted < limit:
            batch = _claim(region, min(_batch_size(), limit - report.attempted))
            if not batch.items:
                break
            if peer is None or peer.status != PeerStatus.ACTIVE:
                outcomes = [Outcome(False, "peer_unavailable", "the recipient is no longer an active peer")] * len(
                    batch.items
                )
            else:
                outcomes = _post_batch(http, peer, batch)
            _settle(batch, outcomes, report)
            if any(o.code in ("network_error", "peer_unavailable") for o in outcomes):
                break  # keep order per peer: the later messages wait for the next round
    finally:
        if own_client:
            http.close()
    return report


_CLIENTS: dict[str, httpx.Client] = {}


def _client_for(region: str) -> httpx.Client:
    """One keep-alive connection pool per peer for this worker process."""
    client = _CLIENTS.get(region)
    if client is None:
        client = _CLIENTS[region] = httpx.Client(timeout=_timeout())
    return client


def _in_thread(work: Callable[[], DeliveryReport]) -> DeliveryReport:
    try:
        return work()
    finally:
        connection.close()


def deliver_due(*, limit: int = 1000, recipient_region: str | None = None, keep_alive: bool = False) -> DeliveryReport:
    """Try every due pending message once (oldest first per peer, peers concurrently); returns what happened.

    ``keep_alive`` keeps one HTTP connection pool per peer across calls (the worker loop).
    """
    report = DeliveryReport()
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
    if recipient_region:
        due = due.filter(recipient_region=recipient_region)
    regions = sorted(set(due.values_list("recipient_region", flat=True).distinct()))
    if not regions:
        return report

    def work(region: str) -> Callable[[], DeliveryReport]:
        client = _client_for(region) if keep_alive else None
        return lambda: _deliver_to(region, limit=limit, client=client)

    if len(regions) == 1 or connection.vendor == "sqlite" or connection.in_atomic_block:
        for region in regions:
            report.add(work(region)())
        return report
    with ThreadPoolExecutor(max_workers=min(8, len(regions))) as pool:
        for result in pool.map(lambda r: _in_thread(work(r)), regions):
            report.add(result)
    return report


def pending_count() -> int:
    return OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()


def deliver_loop(
    *, max_seconds: float | None = None, until_idle: bool = False, interval: float = 1.0
) -> DeliveryReport:
    """Run the worker: deliver due messages, sleep ``interval`` when nothing is due.

    ``until_idle`` stops once no message is pending any more; ``max_seconds`` bounds the run.
    """
    total = DeliveryReport()
    started = time.monotonic()
    while True:
        report = deliver_due(keep_alive=True)
        total.add(report)
        if until_idle and pending_count() == 0:
            return total
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            return total
        if report.attempted == 0:
            time.sleep(interval)
