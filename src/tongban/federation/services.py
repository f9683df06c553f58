"""Writes of the federation context: sending, receiving, the outbox, queries (peers and their keys:
``federation.peers``, named here too)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError, InvalidTransition
from tongban.core.text import TextRefused, check_json
from tongban.core.workflow import Workflow
from tongban.federation import errors, events, registry, signing
from tongban.federation.constants import (
    ANSWER_TYP,
    OUTBOX_TRANSITIONS,
    QUERY_PATH,
    Direction,
    InboxStatus,
    OutboxStatus,
    PeerKeyStatus,
    PeerStatus,
)
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer
from tongban.federation.peers import (
    FetchedNode,
    RefreshResult,
    peer_add,
    peer_add_bundle,
    peer_refresh,
    peer_refresh_if_due,
    peer_remove,
)

logger = logging.getLogger("tongban.federation")

__all__ = [
    "FetchedNode",
    "RefreshResult",
    "peer_add",
    "peer_add_bundle",
    "peer_refresh",
    "peer_refresh_if_due",
    "peer_remove",
]

SCHEMA_FIELDS = ("id", "type", "schema_version", "sender", "recipient", "created", "correlation_id", "payload", "sent")


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# ---------------------------------------------------------------- sending


@transaction.atomic
def message_send(
    *,
    recipient_region: str,
    type: str,
    payload: dict[str, Any],
    correlation_id: str | None = None,
    schema_version: int = 1,
    actor: User | None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction; the delivery worker sends it after commit.

    ``actor`` is who caused the message (kept for the caller's own audit event; the message log
    records the message itself).
    """
    if not registry.TYPE_NAME.match(type):
        raise errors.invalid_type_name()
    if not Peer.objects.filter(region_code=recipient_region, status=PeerStatus.ACTIVE).exists():
        raise errors.unknown_recipient()
    now = timezone.now()
    return OutboxMessage.objects.create(
        recipient_region=recipient_region,
        type=type,
        schema_version=schema_version,
        correlation_id=correlation_id or "",
        payload=payload,
        created_at=now,
        next_attempt_at=now,
    )


def envelope_of(message: OutboxMessage, *, sent: dt.datetime) -> dict[str, Any]:
    return {
        "id": str(message.message_id),
        "type": message.type,
        "schema_version": message.schema_version,
        "sender": signing.own_region(),
        "recipient": message.recipient_region,
        "created": message.created_at.isoformat(),
        "correlation_id": message.correlation_id,
        "payload": message.payload,
        "sent": sent.isoformat(),
    }


# The outbox workflow, for its checks: the writes of a delivery attempt are the delivery's own (no
# audit event for each attempt, outside any transaction of the caller's), so only ``check`` is used.
OUTBOX: Workflow[OutboxMessage] = Workflow(
    name="outbox",
    model=OutboxMessage,
    table=OUTBOX_TRANSITIONS,
    label=lambda status: OutboxStatus(status).label,
    record=lambda move: None,
    not_allowed=InvalidTransition.default_message,
    resolve_target=lambda message, action: str(message.status),
)


def outbox_mark_delivered(*, message: OutboxMessage, token: str, kid: str, code: str) -> None:
    message.status = OUTBOX.check(message, "deliver")
    message.attempts += 1
    message.delivered_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["status", "attempts", "delivered_at", "last_error"])
    MessageLog.objects.create(
        direction=Direction.SENT,
        message_id=str(message.message_id),
        peer_region=message.recipient_region,
        type=message.type,
        kid=kid,
        token=token,
        code=code,
    )


def backoff_seconds(attempts: int) -> float:
    base = _setting("TONGBAN_FEDERATION_BACKOFF_SECONDS", 5)
    cap = _setting("TONGBAN_FEDERATION_BACKOFF_MAX_SECONDS", 3600)
    return float(min(cap, base * (2 ** max(0, attempts - 1))))


def outbox_mark_failed(*, message: OutboxMessage, token: str, kid: str, code: str, detail: str) -> None:
    """Count a failed attempt: schedule the next one with exponential backoff, or park the message."""
    OUTBOX.check(message, "fail")
    message.attempts += 1
    message.last_error = f"{code}: {detail}"[:2000]
    max_attempts = int(_setting("TONGBAN_FEDERATION_MAX_ATTEMPTS", 8))
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.PARKED
        events.outbox_parked(message=message)
    else:
        message.next_attempt_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(message.attempts))
    message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    MessageLog.objects.create(
        direction=Direction.FAILED,
        message_id=str(message.message_id),
        peer_region=message.recipient_region,
        type=message.type,
        kid=kid,
        token=token,
        code=code,
        detail=detail[:2000],
    )


@transaction.atomic
def outbox_retry(*, message_id: uuid.UUID | str, actor: User | None) -> OutboxMessage:
    """An administrator sends a parked message again (attempts start over)."""
    message = OutboxMessage.objects.select_for_update().filter(message_id=message_id).first()
    if message is None:
        raise errors.message_not_found()
    message.status = OUTBOX.check(message, "retry")
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    events.outbox_retried(message=message, actor=actor)
    return message


# ---------------------------------------------------------------- receiving


def _log_refusal(*, token: str, envelope: dict[str, Any] | None, kid: str, error: ApplicationError) -> None:
    if envelope is None:
        try:
            envelope = signing.read_unverified(token)[1]
        except (signing.JoseError, ValueError, UnicodeError):
            envelope = {}
    logger.warning(
        "federation message refused: %s (id=%s sender=%s kid=%s)",
        error.code,
        envelope.get("id"),
        envelope.get("sender"),
        kid,
    )
    with transaction.atomic():
        MessageLog.objects.create(
            direction=Direction.REFUSED,
            message_id=str(envelope.get("id", ""))[:64],
            peer_region=str(envelope.get("sender", ""))[:6],
            type=str(envelope.get("type", ""))[:100],
            kid=kid[:100],
            token=token[:20000],
            code=error.code,
            detail=str(error.message),
        )


def _parse_time(value: Any) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("time without zone")
    return parsed


def _check(
    token: str, *, keys: dict[tuple[str, str], Any] | None = None, query: bool = False
) -> tuple[dict[str, Any], str, Any]:
    """Everything but the replay check; raises a ``MessageRefused`` with its code.

    ``keys`` caches the verifying key per (sender, key id) over a batch (the peer and its pinned key
    are looked up once per batch, the signature is still verified per message).
    """
    if not isinstance(token, str) or token.count(".") != 2 or not all(token.split(".")):
        raise errors.unsigned()
    try:
        header, claimed = signing.read_unverified(token)
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.malformed(str(exc)) from exc
    kid = str(header.get("kid", ""))
    if str(header.get("alg", "none")).lower() == "none" or not kid:
        raise errors.unsigned()
    cache_key = (str(claimed.get("sender", "")), kid)
    public = keys.get(cache_key) if keys is not None else None
    if public is None:
        peer = Peer.objects.filter(region_code=cache_key[0], status=PeerStatus.ACTIVE).first()
        if peer is None:
            raise errors.unknown_sender()
        key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
        if key is None and peer_refresh_if_due(peer):
            key = peer.keys.filter(kid=kid, status=PeerKeyStatus.PINNED).first()
        if key is None:
            raise errors.unknown_key()
        try:
            public = signing.public_key(dict(key.public_jwk))
        except (signing.JoseError, ValueError, TypeError) as exc:
            raise errors.bad_signature() from exc
        if keys is not None:
            keys[cache_key] = public
    try:
        envelope = signing.verify_with(token, public)
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        raise errors.bad_signature() from exc
    missing = [f for f in SCHEMA_FIELDS if f not in envelope]
    if missing:
        raise errors.malformed("missing " + ", ".join(missing))
    if envelope["recipient"] != signing.own_region():
        raise errors.misaddressed()
    try:
        sent = _parse_time(envelope["sent"])
        _parse_time(envelope["created"])
        uuid.UUID(str(envelope["id"]))
    except ValueError as exc:
        raise errors.malformed(str(exc)) from exc
    skew = _setting("TONGBAN_FEDERATION_SKEW_SECONDS", 300)
    age = (timezone.now() - sent).total_seconds()
    if age > skew:
        raise errors.too_old()
    if age < -skew:
        raise errors.from_future()
    mtype: registry.MessageType | registry.QueryType | None = (
        registry.get_query(str(envelope["type"])) if query else registry.get(str(envelope["type"]))
    )
    if mtype is None:
        raise errors.unknown_type()
    if envelope["schema_version"] not in mtype.versions:
        raise errors.unsupported_version()
    if not isinstance(envelope["payload"], dict):
        raise errors.malformed("payload must be an object")
    try:
        check_json(envelope["payload"], field="payload")
        check_json([envelope["type"], envelope["sender"], str(envelope["correlation_id"] or "")], field="envelope")
    except TextRefused as exc:
        raise errors.malformed(f"{exc.code} at {exc.field}") from exc
    return envelope, kid, mtype


def message_receive(*, token: str) -> InboxMessage:
    """Verify and store a message from a peer, then handle it, all in one transaction.

    Refusals raise ``MessageRefused`` (stable code) after a message-log entry. A handler's
    ``ApplicationError`` rolls back the handler's writes only: the message stays stored as
    ``failed`` with its code (a second delivery is still a replay).
    """
    envelope: dict[str, Any] | None = None
    kid = ""
    try:
        envelope, kid, mtype = _check(token)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    message = InboxMessage.objects.create(
                        message_id=envelope["id"],
                        sender_region=envelope["sender"],
                        type=envelope["type"],
                        schema_version=envelope["schema_version"],
                        correlation_id=str(envelope["correlation_id"] or "")[:100],
                        payload=envelope["payload"],
                        created_at=_parse_time(envelope["created"]),
                        received_at=timezone.now(),
                        kid=kid,
                        token=token,
                        status=InboxStatus.HANDLED,
                    )
            except IntegrityError as exc:
                raise errors.already_received() from exc
            try:
                with transaction.atomic():
                    mtype.handler(message)
            except ApplicationError as exc:
                message.status = InboxStatus.FAILED
                message.error_code = exc.code
                message.save(update_fields=["status", "error_code"])
            MessageLog.objects.create(
                direction=Direction.RECEIVED,
                message_id=str(message.message_id),
                peer_region=message.sender_region,
                type=message.type,
                kid=kid,
                token=token,
                code=message.error_code or "accepted",
            )
            return message
    except errors.MessageRefused as exc:
        _log_refusal(token=token if isinstance(token, str) else "", envelope=envelope, kid=kid, error=exc)
        raise


# ---------------------------------------------------------------- receiving a batch


@dataclass
class BatchResult:
    """The answer for one message of a batch (same codes and statuses as the one-message endpoint)."""

    code: str
    status: int
    id: str = ""
    message: str = ""
    handler_status: str = ""
    error_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"code": self.code, "status": self.status}
        if self.id:
            answer["id"] = self.id
        if self.message:
            answer["message"] = self.message
        if self.handler_status:
            answer["handler_status"] = self.handler_status
            answer["error_code"] = self.error_code
        return answer


def _refused(token: Any, envelope: dict[str, Any] | None, kid: str, exc: errors.MessageRefused) -> BatchResult:
    _log_refusal(token=token if isinstance(token, str) else "", envelope=envelope, kid=kid, error=exc)
    return BatchResult(code=exc.code, status=exc.status, message=str(exc.message))


def message_receive_batch(*, tokens: list[Any]) -> list[BatchResult]:
    """Verify, store and handle a batch of signed messages from peers: one result per token, in order.

    The same checks and codes as ``message_receive``, each message verified against its own
    signature; the batch is stored in one transaction (inbox rows and message-log rows in one
    insert each) before the node answers. As there, a handler's ``ApplicationError`` undoes the
    handler's writes only and the message stays stored as ``failed``; any other exception of a
    handler undoes that message entirely (its result is ``handler_error``, 500, and the sender
    retries it) and the rest of the batch is kept.
    """
    results: list[BatchResult | None] = [None] * len(tokens)
    keys: dict[tuple[str, str], Any] = {}
    with transaction.atomic():
        checked: list[tuple[int, dict[str, Any], str, registry.MessageType, str]] = []
        for index, token in enumerate(tokens):
            envelope: dict[str, Any] | None = None
            kid = ""
            try:
                if not isinstance(token, str):
                    raise errors.unsigned()
                envelope, kid, mtype = _check(token, keys=keys)
                checked.append((index, envelope, kid, mtype, token))
            except errors.MessageRefused as exc:
                results[index] = _refused(token, envelope, kid, exc)
        ids = [uuid.UUID(str(envelope["id"])) for _i, envelope, _k, _m, _t in checked]
        known = set(InboxMessage.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
        fresh: list[tuple[int, InboxMessage, registry.MessageType]] = []
        now = timezone.now()
        for (index, envelope, kid, mtype, token), message_id in zip(checked, ids, strict=True):
            if message_id in known:
                results[index] = _refused(token, envelope, kid, errors.already_received())
                continue
            known.add(message_id)
            row = InboxMessage(
                message_id=message_id,
                sender_region=envelope["sender"],
                type=envelope["type"],
                schema_version=envelope["schema_version"],
                correlation_id=str(envelope["correlation_id"] or "")[:100],
                payload=envelope["payload"],
                created_at=_parse_time(envelope["created"]),
                received_at=now,
                kid=kid,
                token=token,
                status=InboxStatus.HANDLED,
            )
            fresh.append((index, row, mtype))
        try:
            with transaction.atomic():
                InboxMessage.objects.bulk_create([row for _i, row, _m in fresh])
        except IntegrityError:
            # another delivery of one of them committed meanwhile: one by one, the replays refused
            stored = []
            for index, row, mtype in fresh:
                try:
                    with transaction.atomic():
                        row.save(force_insert=True)
                    stored.append((index, row, mtype))
                except IntegrityError:
                    results[index] = _refused(row.token, None, row.kid, errors.already_received())
            fresh = stored
        logged: list[InboxMessage] = []
        for index, row, mtype in fresh:
            try:
                with transaction.atomic():
                    mtype.handler(row)
            except ApplicationError as exc:
                row.status = InboxStatus.FAILED
                row.error_code = exc.code
                row.save(update_fields=["status", "error_code"])
            except Exception:
                logger.exception("federation handler of %s failed (id=%s)", row.type, row.message_id)
                InboxMessage.objects.filter(pk=row.pk).delete()
                results[index] = BatchResult(code="handler_error", status=500, id=str(row.message_id))
                continue
            logged.append(row)
            results[index] = BatchResult(
                code="accepted",
                status=202,
                id=str(row.message_id),
                handler_status=row.status,
                error_code=row.error_code,
            )
        MessageLog.objects.bulk_create(
            [
                MessageLog(
                    direction=Direction.RECEIVED,
                    message_id=str(row.message_id),
                    peer_region=row.sender_region,
                    type=row.type,
                    kid=row.kid,
                    token=row.token,
                    code=row.error_code or "accepted",
                    logged_at=now,
                )
                for row in logged
            ]
        )
    return [r for r in results if r is not None]


# ---------------------------------------------------------------- queries (a request and its signed answer)


@dataclass(frozen=True)
class Answer:
    """A peer's verified answer to a query: its payload, the compact JWS it came in and the key."""

    payload: dict[str, Any]
    token: str
    kid: str
    sender: str


def query_send(*, recipient_region: str, type: str, payload: dict[str, Any], timeout: float | None = None) -> Answer:
    """Send a signed query to a peer and wait for its signed answer (ADR 0022).

    The query is an ordinary envelope (the peer checks it as it checks messages, and keeps it in
    its inbox, so a replay is refused); the answer is an envelope of type ``{type}.answer`` from the
    peer, signed with one of its pinned keys, whose ``correlation_id`` is the query's id. Refusals:
    ``unknown_recipient`` (not an active peer), ``peer_down`` (no answer), the peer's own refusal code
    (``MessageRefused`` with its status), ``answer_invalid`` (an answer that does not verify).
    """
    if not registry.TYPE_NAME.match(type):
        raise errors.invalid_type_name()
    peer = Peer.objects.filter(region_code=recipient_region, status=PeerStatus.ACTIVE).first()
    if peer is None:
        raise errors.unknown_recipient()
    now = timezone.now()
    envelope = {
        "id": str(uuid.uuid4()),
        "type": type,
        "schema_version": 1,
        "sender": signing.own_region(),
        "recipient": recipient_region,
        "created": now.isoformat(),
        "correlation_id": "",
        "payload": payload,
        "sent": now.isoformat(),
    }
    token, kid = signing.sign_envelope(envelope)
    try:
        response = httpx.post(
            peer.base_url + QUERY_PATH,
            content=token.encode(),
            headers={"Content-Type": CONTENT_TYPE_JOSE},
            timeout=timeout if timeout is not None else _setting("TONGBAN_FEDERATION_TIMEOUT", 10),
        )
    except httpx.HTTPError as exc:
        _log_query(envelope, token, kid, Direction.FAILED, "peer_down", str(exc))
        raise errors.peer_down(exc.__class__.__name__) from exc
    if response.status_code != 200:
        try:
            body = response.json()
            code, message = str(body.get("code", "")), str(body.get("message", ""))
        except (ValueError, AttributeError):
            code, message = "", ""
        _log_query(envelope, token, kid, Direction.FAILED, code or f"http_{response.status_code}", message)
        if not code:
            raise errors.answer_invalid(f"HTTP {response.status_code}")
        raise errors.MessageRefused(message or code, code=code, status=response.status_code)
    answer_token = response.text.strip()
    try:
        header, _claimed = signing.read_unverified(answer_token)
        answer_kid = str(header.get("kid", ""))
        key = peer.keys.filter(kid=answer_kid, status=PeerKeyStatus.PINNED).first()
        if key is None and peer_refresh_if_due(peer):
            key = peer.keys.filter(kid=answer_kid, status=PeerKeyStatus.PINNED).first()
        if key is None or header.get("typ") != ANSWER_TYP:
            raise ValueError("answer signed with an unknown key")
        verified = signing.verify(answer_token, dict(key.public_jwk))
        if (
            verified.get("sender") != recipient_region
            or verified.get("recipient") != signing.own_region()
            or verified.get("correlation_id") != envelope["id"]
            or verified.get("type") != f"{type}.answer"
            or not isinstance(verified.get("payload"), dict)
        ):
            raise ValueError("answer does not match the query")
    except (signing.JoseError, ValueError, UnicodeError) as exc:
        _log_query(envelope, token, kid, Direction.FAILED, "answer_invalid", str(exc))
        raise errors.answer_invalid(str(exc)) from exc
    _log_query(envelope, token, kid, Direction.SENT, "answered", "")
    return Answer(payload=dict(verified["payload"]), token=answer_token, kid=answer_kid, sender=recipient_region)


CONTENT_TYPE_JOSE = "application/jose"


def _log_query(envelope: dict[str, Any], token: str, kid: str, direction: str, code: str, detail: str) -> None:
    with transaction.atomic():
        MessageLog.objects.create(
            direction=direction,
            message_id=str(envelope["id"]),
            peer_region=str(envelope["recipient"]),
            type=str(envelope["type"])[:100],
            kid=kid,
            token=token,
            code=code[:60],
            detail=detail[:2000],
        )


def query_receive(*, token: str) -> str:
    """Verify a query from a peer, keep it in the inbox, run its handler and sign the answer.

    The checks and refusals are those of ``message_receive`` (a replayed query is refused as
    ``already_received``). The handler's answer, or ``{"error": {"code", "message"}}`` when it raises
    an ``ApplicationError`` (its writes undone, the query kept as ``failed``), is signed as an
    envelope of type ``{type}.answer`` addressed to the sender, with the query's id as its
    ``correlation_id``. Returns the compact JWS of the answer.
    """
    envelope: dict[str, Any] | None = None
    kid = ""
    try:
        envelope, kid, qtype = _check(token, query=True)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    message = InboxMessage.objects.create(
                        message_id=envelope["id"],
                        sender_region=envelope["sender"],
                        type=envelope["type"],
                        schema_version=envelope["schema_version"],
                        correlation_id=str(envelope["correlation_id"] or "")[:100],
                        payload=envelope["payload"],
                        created_at=_parse_time(envelope["created"]),
                        received_at=timezone.now(),
                        kid=kid,
                        token=token,
                        status=InboxStatus.HANDLED,
                    )
            except IntegrityError as exc:
                raise errors.already_received() from exc
            try:
                with transaction.atomic():
                    answer = qtype.handler(message)
            except ApplicationError as exc:
                message.status = InboxStatus.FAILED
                message.error_code = exc.code
                message.save(update_fields=["status", "error_code"])
                answer = {"error": {"code": exc.code, "message": str(exc.message)}}
            now = timezone.now()
            reply = {
                "id": str(uuid.uuid4()),
                "type": f"{message.type}.answer",
                "schema_version": message.schema_version,
                "sender": signing.own_region(),
                "recipient": message.sender_region,
                "created": now.isoformat(),
                "correlation_id": str(message.message_id),
                "payload": answer,
                "sent": now.isoformat(),
            }
            answer_token, answer_kid = signing.sign_payload(reply, typ=ANSWER_TYP)
            MessageLog.objects.bulk_create(
                [
                    MessageLog(
                        direction=Direction.RECEIVED,
                        message_id=str(message.message_id),
                        peer_region=message.sender_region,
                        type=message.type,
                        kid=kid,
                        token=token,
                        code=message.error_code or "accepted",
                    ),
                    MessageLog(
                        direction=Direction.SENT,
                        message_id=reply["id"],
                        peer_region=message.sender_region,
                        type=reply["type"][:100],
                        kid=answer_kid,
                        token=answer_token,
                        code="answer",
                    ),
                ]
            )
            return answer_token
    except errors.MessageRefused as exc:
        _log_refusal(token=token if isinstance(token, str) else "", envelope=envelope, kid=kid, error=exc)
        raise
