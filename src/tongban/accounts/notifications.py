"""Notifications: the user's inbox, and delivery by SMS or email through configurable backends.

``notify`` stores a ``Notification`` in the user's inbox and, for the channels ``sms`` and
``email``, hands the message to every backend named in ``settings.TONGBAN_NOTIFY_BACKENDS``
that serves the channel. Delivery happens after the surrounding transaction commits
(``transaction.on_commit``), so a rolled-back change sends nothing.

Backends:

``console``  prints each message as one JSON line on standard output (any channel);
``file``     appends each message as one JSON line to ``settings.TONGBAN_NOTIFY_FILE``
             (``var/notifications.log``; the demo default, so a person can read login codes there);
``smtp``     sends ``email`` through Django's mail framework (``EMAIL_*`` settings);
``sms``      sends ``sms`` to an HTTP SMS gateway: ``POST`` JSON ``{"to", "message", "sender",
             "kind"}`` to ``settings.TONGBAN_SMS_GATEWAY_URL`` with ``Authorization: Bearer <key>``
             (``settings.TONGBAN_SMS_API_KEY``); any 2xx answer is success.
"""

from __future__ import annotations

import fcntl
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import NotificationChannel, NotificationKind
from tongban.accounts.models import Notification, User
from tongban.accounts.store import notification_insert, notifications_insert_for_role
from tongban.core.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

DELIVERY_CHANNELS = frozenset({NotificationChannel.SMS.value, NotificationChannel.EMAIL.value})


@dataclass(frozen=True)
class Message:
    """One message to one address on one channel."""

    channel: str
    to: str
    subject: str
    body: str
    kind: str = NotificationKind.INFO.value
    link: str = ""
    user_id: int | None = None

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data["at"] = timezone.now().isoformat()
        return data


class DeliveryFailed(Exception):
    pass


class Backend:
    name: ClassVar[str] = ""
    channels: ClassVar[frozenset[str]] = DELIVERY_CHANNELS
    needs_address: ClassVar[bool] = True

    def send(self, message: Message) -> None:
        raise NotImplementedError


class ConsoleBackend(Backend):
    name = "console"
    needs_address = False

    def send(self, message: Message) -> None:
        sys.stdout.write(json.dumps(message.as_json(), ensure_ascii=False) + "\n")
        sys.stdout.flush()


class FileBackend(Backend):
    name = "file"
    needs_address = False

    def send(self, message: Message) -> None:
        path = Path(settings.TONGBAN_NOTIFY_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(message.as_json(), ensure_ascii=False) + "\n"
        with path.open("a", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)  # several processes may append at once
            try:
                fh.write(line)
                fh.flush()
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


class SmtpBackend(Backend):
    name = "smtp"
    channels = frozenset({NotificationChannel.EMAIL.value})

    def send(self, message: Message) -> None:
        body = message.body + (f"\n\n{message.link}" if message.link else "")
        send_mail(message.subject, body, settings.DEFAULT_FROM_EMAIL, [message.to], fail_silently=False)


class SmsGatewayBackend(Backend):
    name = "sms"
    channels = frozenset({NotificationChannel.SMS.value})

    def send(self, message: Message) -> None:
        url = settings.TONGBAN_SMS_GATEWAY_URL
        if not url:
            raise DeliveryFailed("TONGBAN_SMS_GATEWAY_URL is not set")
        text = (
            f"【{settings.TONGBAN_SMS_SIGNATURE}】{message.subject}：{message.body}"
            if message.body
            else message.subject
        )
        payload = {"to": message.to, "message": text, "sender": settings.TONGBAN_SMS_SENDER, "kind": message.kind}
        headers = {"Authorization": f"Bearer {settings.TONGBAN_SMS_API_KEY}"}
        try:
            response = httpx.post(url, json=payload, headers=headers, timeout=settings.TONGBAN_SMS_TIMEOUT)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"SMS gateway answered {response.status_code}")


BACKENDS: dict[str, type[Backend]] = {b.name: b for b in (ConsoleBackend, FileBackend, SmtpBackend, SmsGatewayBackend)}


def configured_backends() -> list[Backend]:
    names = settings.TONGBAN_NOTIFY_BACKENDS
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    backends: list[Backend] = []
    for name in names:
        cls = BACKENDS.get(name)
        if cls is None:
            raise ValueError(f"unknown notification backend {name!r} (known: {', '.join(sorted(BACKENDS))})")
        backends.append(cls())
    return backends


def _address(user: User, channel: str) -> str:
    if channel == NotificationChannel.SMS:
        return user.phone or ""
    if channel == NotificationChannel.EMAIL:
        return user.email or ""
    return ""


def plan_delivery(*, user: User, channels: Sequence[str]) -> list[tuple[Backend, str, str]]:
    """(backend, channel, address) for every delivery the configured backends can make."""
    plan: list[tuple[Backend, str, str]] = []
    for backend in configured_backends():
        served = [c for c in channels if c in DELIVERY_CHANNELS and c in backend.channels]
        with_address = [(c, _address(user, c)) for c in served if _address(user, c)]
        if not with_address and served and not backend.needs_address:
            # console/file record the message even without an address (the demo reads codes there)
            with_address = [(served[0], "")]
        plan.extend((backend, channel, address) for channel, address in with_address)
    return plan


def _send_now(backend: Backend, message: Message) -> None:
    try:
        backend.send(message)
    except Exception:  # a failed delivery must not break the request that caused it
        logger.exception(
            "notification backend %s failed for user %s on %s", backend.name, message.user_id, message.channel
        )


def deliver(
    *,
    user: User,
    subject: str,
    body: str,
    channels: Sequence[str],
    kind: str = NotificationKind.INFO.value,
    link: str = "",
) -> list[str]:
    """Send by SMS/email without storing anything in the inbox (used for login codes).

    Returns the ``backend:channel`` deliveries scheduled (after commit); empty if none could be made.
    """
    scheduled: list[str] = []
    for backend, channel, address in plan_delivery(user=user, channels=channels):
        message = Message(
            channel=channel, to=address, subject=subject, body=body, kind=kind, link=link, user_id=user.pk
        )
        transaction.on_commit(lambda b=backend, m=message: _send_now(b, m))  # type: ignore[misc]
        scheduled.append(f"{backend.name}:{channel}")
    return scheduled


_KINDS = frozenset(NotificationKind.values)  # (``values`` builds a new list on every access)
_CHANNELS = frozenset(NotificationChannel.values)


def _validate(*, kind: str, channels: Sequence[str], subject: str) -> None:
    if kind not in _KINDS:
        raise ValidationFailed(_("Unknown notification kind."), code="invalid_notification_kind")
    unknown = [c for c in channels if c not in _CHANNELS]
    if unknown or not channels:
        raise ValidationFailed(_("Unknown notification channel."), code="invalid_notification_channel")
    if not subject.strip():
        raise ValidationFailed(_("A notification needs a subject."), code="invalid_notification")


def notify(
    *,
    user: User,
    subject: str,
    body: str,
    kind: str = "info",
    link: str = "",
    channels: tuple[str, ...] = ("inbox",),
) -> Notification:
    """Put a message in the user's inbox and send it on the other channels after commit."""
    _validate(kind=kind, channels=channels, subject=subject)
    notification = _store(user_id=user.pk, subject=subject, body=body, kind=kind, link=link, channels=channels)
    others = [c for c in channels if c in DELIVERY_CHANNELS]
    if others:
        deliver(user=user, subject=str(subject), body=str(body), channels=others, kind=kind, link=link)
    return notification


def notify_inbox(*, user_id: int, subject: str, body: str, kind: str = "info", link: str = "") -> Notification:
    """``notify`` on the inbox alone, for a user known by id (no user row needed: a case's
    applicant hears of every transition)."""
    _validate(kind=kind, channels=("inbox",), subject=subject)
    return _store(user_id=user_id, subject=subject, body=body, kind=kind, link=link, channels=("inbox",))


def _store(*, user_id: int, subject: str, body: str, kind: str, link: str, channels: Sequence[str]) -> Notification:
    return notification_insert(user_id=user_id, subject=subject, body=body, kind=kind, link=link, channels=channels)


def notify_role_holders(*, department_id: int, role: str, subject: str, body: str, kind: str, link: str = "") -> int:
    """Put a message in the inbox of everyone holding ``role`` in the department, in one statement
    (the holders are not read first); returns how many messages were stored."""
    _validate(kind=kind, channels=("inbox",), subject=subject)
    return notifications_insert_for_role(
        department_id=department_id, role=role, subject=subject, body=body, kind=kind, link=link
    )


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_get(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:  # someone else's notification looks the same as a missing one
        raise NotFound(_("Notification not found."), code="notification_not_found")
    return notification


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    if notification.user_id != user.pk:
        raise NotFound(_("Notification not found."), code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
