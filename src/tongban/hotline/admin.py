"""Back-office views of the hotline. Tickets and knowledge entries change only through the services
(the workbenches and the API), so they are read-only here; API keys can be deactivated."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.hotline.models import KnowledgeEntry, Open311Key, Ticket, TicketTransfer


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "category", "channel", "department", "created_at", "due_at")
    list_filter = ("status", "category", "channel", "urgency")
    search_fields = ("number", "title")
    exclude = ("caller_name", "caller_phone", "caller_email", "check_code")


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(ReadOnlyAdmin):
    list_display = ("question", "category", "version", "status", "shareable", "origin_region")
    list_filter = ("status", "shareable", "origin_region")
    search_fields = ("question",)


@admin.register(TicketTransfer)
class TicketTransferAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "ticket", "to_region", "status", "created_at", "outcome_at")
    list_filter = ("status", "to_region")


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "prefix", "active", "created_at", "last_used_at")
    fields = ("name", "prefix", "active", "created_at", "last_used_at")
    readonly_fields = ("name", "prefix", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created with `tongban open311 keys create NAME`
