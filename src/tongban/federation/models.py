"""Peers with their pinned keys, the outbox, the inbox and the message log."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.federation.constants import (
    Direction,
    InboxStatus,
    KeySource,
    OutboxStatus,
    PeerKeyStatus,
    PeerStatus,
)


class Peer(models.Model):
    """Another Tongban node: one region, one base URL, the keys pinned for it."""

    region_code = models.CharField(_("region code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    base_url = models.URLField(_("base URL"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=PeerStatus.choices, default=PeerStatus.ACTIVE)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    refreshed_at = models.DateTimeField(_("keys refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("peer node")
        verbose_name_plural = _("peer nodes")
        ordering = ["region_code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=PeerStatus.values), name="peer_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.base_url}"


class PeerKey(models.Model):
    """A public key of a peer, pinned by its RFC 7638 thumbprint."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="keys", verbose_name=_("peer"))
    kid = models.CharField(_("key id"), max_length=100)
    fingerprint = models.CharField(_("fingerprint (SHA-256 JWK thumbprint)"), max_length=64)
    public_jwk = models.JSONField(_("public key (JWK)"))
    status = models.CharField(_("status"), max_length=10, choices=PeerKeyStatus.choices, default=PeerKeyStatus.PINNED)
    source = models.CharField(_("source"), max_length=12, choices=KeySource.choices)
    pinned_at = models.DateTimeField(_("pinned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pinned peer key")
        verbose_name_plural = _("pinned peer keys")
        constraints = [
            models.UniqueConstraint(fields=["peer", "kid"], name="peer_key_kid_unique"),
            models.CheckConstraint(condition=models.Q(status__in=PeerKeyStatus.values), name="peer_key_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kid} ({self.fingerprint})"


class OutboxMessage(models.Model):
    """A message waiting for (or done with) delivery; written in the transaction that causes it."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    recipient_region = models.CharField(_("recipient region"), max_length=6)
    type = models.CharField(_("type"), max_length=100)
    schema_version = models.PositiveSmallIntegerField(_("schema version"), default=1)
    correlation_id = models.CharField(_("correlation id"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=OutboxStatus.values), name="outbox_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.recipient_region} ({self.message_id})"


class InboxMessage(models.Model):
    """A message accepted from a peer; its unique id makes a second delivery a replay."""

    message_id = models.UUIDField(_("message id"), unique=True)
    sender_region = models.CharField(_("sender region"), max_length=6)
    type = models.CharField(_("type"), max_length=100)
    schema_version = models.PositiveSmallIntegerField(_("schema version"))
    correlation_id = models.CharField(_("correlation id"), max_length=100, blank=True)
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at (sender's clock)"))
    received_at = models.DateTimeField(_("received at"))
    kid = models.CharField(_("key id"), max_length=100)
    token = models.TextField(_("signed message (compact JWS)"))
    status = models.CharField(_("status"), max_length=10, choices=InboxStatus.choices)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=InboxStatus.values), name="inbox_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type} ← {self.sender_region} ({self.message_id})"


class MessageLog(models.Model):
    """Every message sent, received, refused or failed, with its signature, for audit (append-only)."""

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    message_id = models.CharField(_("message id"), max_length=64, blank=True, db_index=True)
    peer_region = models.CharField(_("peer region"), max_length=6, blank=True)
    type = models.CharField(_("type"), max_length=100, blank=True)
    kid = models.CharField(_("key id"), max_length=100, blank=True)
    token = models.TextField(_("signed message (compact JWS)"), blank=True)
    code = models.CharField(_("result code"), max_length=60, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message log entry")
        verbose_name_plural = _("message log")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values), name="message_log_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.message_id} {self.code}"


class PeerCatalogItem(models.Model):
    """One implementation item a peer node publishes, as pulled from its signed catalog."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="catalog_items", verbose_name=_("peer"))
    code = models.CharField(_("implementation code"), max_length=60)
    base_code = models.CharField(_("base item code"), max_length=60, db_index=True)
    base_name = models.CharField(_("base item name"), max_length=200, blank=True)
    handling_type = models.CharField(_("handling type"), max_length=20, blank=True)
    snapshot = models.JSONField(_("six elements"))
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("peer catalog item")
        verbose_name_plural = _("peer catalog items")
        ordering = ["peer", "code"]
        constraints = [models.UniqueConstraint(fields=["peer", "code"], name="peer_catalog_item_unique")]

    def __str__(self) -> str:
        return self.code


class RefusalTally(models.Model):
    """Refused federation requests counted per client address and time window.

    A stranger can send any number of unsigned or forged messages: the first
    ``TONGBAN_FEDERATION_REFUSALS_LOGGED`` refusals of an address in a window are written to the
    message log in full, the rest only counted here; past ``TONGBAN_FEDERATION_REFUSALS_MAX`` the
    address is answered 429 before its request is read.
    """

    source = models.CharField(_("client address"), max_length=64)
    window_start = models.DateTimeField(_("window start"))
    count = models.PositiveIntegerField(_("refusals"), default=0)
    logged = models.PositiveIntegerField(_("refusals logged in full"), default=0)
    updated_at = models.DateTimeField(_("last refusal"), auto_now=True)

    class Meta:
        verbose_name = _("refusal tally")
        verbose_name_plural = _("refusal tallies")
        constraints = [models.UniqueConstraint(fields=["source", "window_start"], name="refusal_tally_unique")]

    def __str__(self) -> str:
        return f"{self.source} {self.window_start:%Y-%m-%d %H:%M} {self.count}"
