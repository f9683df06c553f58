"""Delivering the outbox as a job (``tongban.core.jobs``; run by ``tongban jobs worker``, ADR 0020).

A message written to the outbox queues a delivery run once its transaction commits (one waiting run
at a time: ``unique``); the scheduler also starts one every minute, for retries whose backoff ended
and for anything a crash left behind. A run delivers what is due, waits for a message whose backoff
ends within ``WAIT_SECONDS`` and delivers again, and ends when nothing is due that soon (or after
``DRAIN_SECONDS``): the next minute's run takes the later retries.

It is idempotent: messages are leased before they are sent (``delivery``), a run killed mid-batch
leaves them due again when the lease ends, and the receiver's ``already_received`` answer marks a
message that got through before the kill as delivered without a second effect.

``tongban federation deliver --loop`` still runs the same delivery as a process of its own.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from tongban.core import jobs
from tongban.federation import delivery
from tongban.federation.constants import OutboxStatus
from tongban.federation.models import OutboxMessage

DRAIN_SECONDS = 50.0
WAIT_SECONDS = 10.0


def _next_due_in() -> float | None:
    """Seconds until the earliest pending message is due (0 if one is due now), None if none is pending."""
    first = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if first is None else max(0.0, (first - timezone.now()).total_seconds())


@jobs.periodic(
    "federation.deliver",
    every=dt.timedelta(minutes=1),
    description="deliver the outbox to the peers (also queued when a message is written); "
    "retries due within 10 s are waited for, later ones left to the next minute's run",
)
def deliver_job(*, max_seconds: float = DRAIN_SECONDS) -> dict[str, int]:
    total = delivery.DeliveryReport()
    started = time.monotonic()
    while True:
        total.add(delivery.deliver_due(keep_alive=True))
        wait = _next_due_in()
        left = max_seconds - (time.monotonic() - started)
        if wait is None or wait > min(WAIT_SECONDS, left):
            break
        time.sleep(max(0.2, wait))
    return {"delivered": total.delivered, "failed": total.failed, "parked": total.parked}


def queue_delivery() -> None:
    jobs.enqueue("federation.deliver", unique=True)


@receiver(post_save, sender=OutboxMessage, dispatch_uid="tongban.federation.tasks.deliver_soon")
def _deliver_soon(sender: type[OutboxMessage], instance: OutboxMessage, **kwargs: Any) -> None:
    if instance.status != OutboxStatus.PENDING:
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(entry[1] is queue_delivery for entry in conn.run_on_commit):
        return  # one delivery run per transaction, however many messages it writes
    transaction.on_commit(queue_delivery)
