"""Back-office views of licences (read-only: changes go through the services, with reasons and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.licences.models import Licence, LicenceStatusChange, LicenceType, LicenceUse, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LicenceType)
class LicenceTypeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "department", "holder_kind", "validity_months")
    search_fields = ("code", "name")


class StatusChangeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LicenceStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "reason", "actor", "at")


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ("number", "licence_type", "holder_name", "valid_from", "valid_to", "status")
    list_filter = ("status", "licence_type")
    search_fields = ("=number", "=holder_id")
    show_full_result_count = False
    inlines = [StatusChangeInline]
    exclude = ("vc_jwt",)


@admin.register(LicenceUse)
class LicenceUseAdmin(ReadOnlyAdmin):
    list_display = ("licence", "kind", "by_label", "case_number", "at")
    list_filter = ("kind",)
    show_full_result_count = False


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    list_display = ("kid", "algorithm", "status", "created_at", "retired_at")
    exclude = ("private_key_encrypted",)
