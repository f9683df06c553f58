"""Statuses and limits of the federation context."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import Transition, table

JWS_TYP = "tongban-federation+jws"
ANNOUNCEMENT_TYP = "tongban-keys+jws"
CONTENT_TYPE = "application/jose"
MESSAGES_PATH = "/federation/v1/messages"
BATCH_PATH = "/federation/v1/messages/batch"
QUERY_PATH = "/federation/v1/query"
ANSWER_TYP = "tongban-federation-answer+jws"
NODE_PATH = "/federation/v1/node"
JWKS_PATH = "/.well-known/jwks.json"


class PeerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class PeerKeyStatus(models.TextChoices):
    PINNED = "pinned", _("Pinned")
    WITHDRAWN = "withdrawn", _("Withdrawn by the peer")


class KeySource(models.TextChoices):
    FINGERPRINT = "fingerprint", _("Fetched and checked against a fingerprint")
    BUNDLE = "bundle", _("Trust bundle")
    ROTATION = "rotation", _("Rotation announced by a pinned key")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    PARKED = "parked", _("Parked after repeated failures")


class InboxStatus(models.TextChoices):
    HANDLED = "handled", _("Handled")
    FAILED = "failed", _("Refused by its handler")


class Direction(models.TextChoices):
    SENT = "sent", _("Sent")
    RECEIVED = "received", _("Received")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Delivery failed")


# Outbox transitions: one table, visible in one place (action → (sources, target); None: decided by the
# service: a failed attempt stays pending until the last one parks it). ``services.OUTBOX`` checks them.
OUTBOX_TRANSITIONS: dict[str, Transition] = table(
    {
        "deliver": ({OutboxStatus.PENDING}, OutboxStatus.DELIVERED),
        "fail": ({OutboxStatus.PENDING}, None),
        "park": ({OutboxStatus.PENDING}, OutboxStatus.PARKED),
        "retry": ({OutboxStatus.PARKED}, OutboxStatus.PENDING),
    }
)
