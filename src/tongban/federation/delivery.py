"""The outbox worker: deliver due messages to their peers, with retries and exponential backoff.

Each attempt leases the message in a short transaction (``SKIP LOCKED`` on PostgreSQL, so several
workers share the work; the lease moves ``next_attempt_at`` past the HTTP timeout) and signs it
then (the envelope's ``sent`` time is what the receiver checks against its clock skew; ``created``
keeps the time of the change that caused it); the POST runs outside any transaction; a second
short transaction marks it delivered, rescheduled or parked. A worker that dies mid-attempt
leaves the message due again when the lease ends; the receiver's ``already_received`` answer
then marks it delivered without a second effect.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.federation import services, signing
from tongban.federation.constants import CONTENT_TYPE, MESSAGES_PATH, OutboxStatus, PeerStatus
from tongban.federation.models import OutboxMessage, Peer


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


def _claim(message_pk: int) -> tuple[OutboxMessage, str, str] | None:
    """Lease a due message to this worker (short transaction) and sign it for this attempt."""
    lease = 2 * float(getattr(settings, "TONGBAN_FEDERATION_TIMEOUT", 10)) + 5
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_pk, status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if message is None:
            return None
        # Another worker skips it until the lease ends; a worker that dies mid-attempt leaves it due again.
        message.next_attempt_at = timezone.now() + dt.timedelta(seconds=lease)
        message.save(update_fields=["next_attempt_at"])
        token, kid = signing.sign_envelope(services.envelope_of(message, sent=timezone.now()))
    return message, token, kid


def _post(client: httpx.Client, message: OutboxMessage, token: str) -> tuple[bool, str, str]:
    """POST outside any transaction: (delivered, code, detail)."""
    peer = Peer.objects.filter(region_code=message.recipient_region).first()
    if peer is None or peer.status != PeerStatus.ACTIVE:
        return False, "peer_unavailable", "the recipient is no longer an active peer"
    try:
        response = client.post(
            peer.base_url + MESSAGES_PATH, content=token.encode(), headers={"Content-Type": CONTENT_TYPE}
        )
    except httpx.HTTPError as exc:
        return False, "network_error", f"{type(exc).__name__}: {exc}"
    try:
        body = response.json()
        answer = str(body.get("code", "")) if isinstance(body, dict) else ""
    except ValueError:
        answer = ""
    if response.is_success:
        return True, "accepted", ""
    if response.status_code == 409 and answer == "already_received":
        # A previous attempt got through but its answer was lost: delivered, once.
        return True, answer, ""
    return False, answer or f"http_{response.status_code}", response.text[:500]


def _deliver_one(client: httpx.Client, message_pk: int, report: DeliveryReport) -> str | None:
    """One attempt; returns the failure code, or None (delivered, or not due any more)."""
    claimed = _claim(message_pk)
    if claimed is None:
        return None
    message, token, kid = claimed
    delivered, code, detail = _post(client, message, token)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != OutboxStatus.PENDING:
            return None  # an administrator or another worker settled it meanwhile
        if delivered:
            services.outbox_mark_delivered(message=message, token=token, kid=kid, code=code)
            report.delivered += 1
            return None
        services.outbox_mark_failed(message=message, token=token, kid=kid, code=code, detail=detail)
    if message.status == OutboxStatus.PARKED:
        report.parked += 1
    else:
        report.failed += 1
    return code


def deliver_due(*, limit: int = 200, recipient_region: str | None = None) -> DeliveryReport:
    """Try every due pending message once (oldest first); returns what happened."""
    report = DeliveryReport()
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
    if recipient_region:
        due = due.filter(recipient_region=recipient_region)
    pks = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    if not pks:
        return report
    down: set[str] = set()
    timeout = float(getattr(settings, "TONGBAN_FEDERATION_TIMEOUT", 10))
    with httpx.Client(timeout=timeout) as client:
        for pk in pks:
            region = OutboxMessage.objects.filter(pk=pk).values_list("recipient_region", flat=True).first()
            if region is None or region in down:
                continue  # keep order per peer: after a network failure, later messages wait for the next round
            if _deliver_one(client, pk, report) in ("network_error", "peer_unavailable"):
                down.add(region)
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
        report = deliver_due()
        total.add(report)
        if until_idle and pending_count() == 0:
            return total
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            return total
        if report.attempted == 0:
            time.sleep(interval)
