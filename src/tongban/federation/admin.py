"""Back-office views of federation: peers and keys (read-only: managed by the commands, with audit),
the outbox with a retry action for parked messages, the inbox and the message log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError
from tongban.federation import services
from tongban.federation.constants import OutboxStatus
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer, PeerCatalogItem, PeerKey


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PeerKeyInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PeerKey
    fields = ("kid", "fingerprint", "status", "source", "pinned_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Peer)
class PeerAdmin(ReadOnlyAdmin):
    list_display = ("region_code", "base_url", "status", "added_at", "refreshed_at")
    inlines = [PeerKeyInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "type", "recipient_region", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "recipient_region", "type")
    search_fields = ("message_id", "correlation_id")
    actions = ["retry_parked"]

    @admin.action(description=_("Retry the selected parked messages"))
    def retry_parked(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        done = 0
        for message in queryset.filter(status=OutboxStatus.PARKED):
            try:
                services.outbox_retry(message_id=message.message_id, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), level=messages.ERROR)
        self.message_user(request, _("%(count)d message(s) queued again.") % {"count": done})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the action; every field stays read-only.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in OutboxMessage._meta.fields]


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "type", "sender_region", "status", "received_at")
    list_filter = ("status", "sender_region", "type")
    search_fields = ("message_id", "correlation_id")


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    list_display = ("logged_at", "direction", "type", "peer_region", "message_id", "code", "kid")
    list_filter = ("direction", "code", "peer_region")
    search_fields = ("message_id",)


@admin.register(PeerCatalogItem)
class PeerCatalogItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "base_code", "base_name", "peer", "fetched_at")
    list_filter = ("peer",)
    search_fields = ("code", "base_code", "base_name")
