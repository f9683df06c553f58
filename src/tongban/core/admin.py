from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tongban.core.models import AuditEvent, CalendarDay, CalendarYear


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["occurred_at", "stream", "seq", "action", "actor_label", "actor_role", "source"]
    list_filter = ["action", "object_type"]
    search_fields = ["stream", "object_id", "actor_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


class CalendarDayInline(admin.TabularInline[CalendarDay, CalendarYear]):
    model = CalendarDay
    extra = 3
    fields = ["date", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    """Administrators enter a year's official schedule when the State Council announces it."""

    list_display = ["year", "published", "source", "updated_at"]
    list_filter = ["published"]
    inlines = [CalendarDayInline]
