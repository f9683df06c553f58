"""Back office for data sharing. Resources are edited as drafts and published through the
services (versioned); requests move only through the workflow; the access log is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tongban.sharing.models import (
    AccessLogEntry,
    Anomaly,
    DataReceipt,
    DataRequest,
    DataResource,
    Objection,
    ProofRequirement,
    ProviderRecord,
    VerificationTask,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DataResource)
class DataResourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "version", "name", "provider", "subject_kind", "connector", "status", "published_at")
    list_filter = ("status", "connector", "subject_kind", "update_frequency")
    search_fields = ("code", "name", "provider__name")
    readonly_fields = ("status", "version", "published_at", "created_by", "created_at", "updated_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # only drafts are edited here; published versions are history (a new draft makes a new version)
        from tongban.sharing.constants import ResourceStatus

        if obj is not None and obj.status != ResourceStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    list_display = ("number", "resource_code", "requester", "provider", "status", "approved_to")
    list_filter = ("status", "provider_region", "requester_region")
    search_fields = ("number", "resource_code")


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "lane",
        "seq",
        "department_label",
        "resource_code",
        "subject_id",
        "purpose",
        "result",
    )
    list_filter = ("result", "purpose", "context_kind")
    search_fields = ("subject_id", "resource_code", "context_id")


@admin.register(DataReceipt)
class DataReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "resource_code", "subject_id", "context_kind", "context_id", "fetched_at")


@admin.register(ProviderRecord)
class ProviderRecordAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("resource_code", "subject_id", "source_updated_at")
    search_fields = ("resource_code", "subject_id")


@admin.register(ProofRequirement)
class ProofRequirementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("region", "code", "name", "mode", "resource_code")
    list_filter = ("region", "mode")
    search_fields = ("code", "name")


@admin.register(VerificationTask)
class VerificationTaskAdmin(ReadOnlyAdmin):
    list_display = ("number", "proof", "subject_name", "due_on", "status")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("subject_id", "log_lane", "log_seq", "status", "ticket_number", "created_at")


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "window_start", "window_end", "found_at")
