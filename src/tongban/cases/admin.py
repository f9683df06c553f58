"""Back-office views of cases: read-only (every change goes through the services and their audit trail)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tongban.cases.models import Case, CaseMaterial, VerificationTask


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class CaseMaterialInline(_ReadOnly, admin.TabularInline[CaseMaterial, Case]):
    model = CaseMaterial
    fields = ["material", "status", "content_type", "size", "sha256", "licence_number", "gap_deadline"]
    readonly_fields = ["material", "status", "content_type", "size", "sha256", "licence_number", "gap_deadline"]
    extra = 0


@admin.register(Case)
class CaseAdmin(_ReadOnly, admin.ModelAdmin[Case]):
    list_display = ["number", "status", "item", "department", "channel", "submitted_at", "promised_due_date"]
    list_filter = ["status", "channel", "due_provisional", "department"]
    search_fields = ["number", "item__name", "item__code"]
    inlines = [CaseMaterialInline]
    raw_id_fields = ["applicant", "enterprise", "item", "received_by", "accepted_by", "decided_by"]


@admin.register(VerificationTask)
class VerificationTaskAdmin(_ReadOnly, admin.ModelAdmin[VerificationTask]):
    list_display = ["case", "department", "status", "due_date", "verified_at"]
    list_filter = ["status", "department"]
