from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tongban.supervision.models import CreditRecord, Rating, RectificationTask


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(_ReadOnly, admin.ModelAdmin[Rating]):
    list_display = ["case", "stars", "department", "created_at"]
    list_filter = ["stars", "department"]


@admin.register(RectificationTask)
class RectificationTaskAdmin(_ReadOnly, admin.ModelAdmin[RectificationTask]):
    list_display = ["rating", "department", "status", "due_date", "rounds"]
    list_filter = ["status", "department"]


@admin.register(CreditRecord)
class CreditRecordAdmin(_ReadOnly, admin.ModelAdmin[CreditRecord]):
    list_display = ["subject", "kind", "department", "case", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["subject", "enterprise", "case", "recorded_by"]
