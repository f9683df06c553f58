"""Back-office views of trading. Procedures, bids, draws and evaluations change only through the
services (pages, API, commands), so they are read-only here; a sealed bid's ciphertext is not shown.
Trading roles are managed here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.trading.models import Bid, Complaint, Draw, Expert, Procedure, Project, TradingRole


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TradingRole)
class TradingRoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    raw_id_fields = ("user",)


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "region", "employer")
    search_fields = ("code", "name")


@admin.register(Procedure)
class ProcedureAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "status", "bid_deadline", "published_at")
    list_filter = ("status", "kind")
    search_fields = ("number", "title", "ocid")


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    list_display = ("pk", "procedure", "enterprise", "status", "submitted_at", "opening_result")
    list_filter = ("status",)
    exclude = ("ciphertext", "backup_ciphertext", "salt", "iv", "backup_salt", "backup_iv", "key", "plaintext")


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "origin_region", "status", "shared", "version")
    list_filter = ("origin_region", "status", "shared")
    search_fields = ("name", "code")
    exclude = ("id_number",)


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "status", "seed_hash", "rounds")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("procedure", "enterprise", "subject", "status", "submitted_at")
    list_filter = ("status",)
