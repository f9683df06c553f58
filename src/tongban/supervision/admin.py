from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from tongban.core.errors import ApplicationError
from tongban.supervision.credit import check_rule
from tongban.supervision.models import (
    CreditListEntry,
    CreditRecord,
    CreditRule,
    InspectionPlan,
    Rating,
    RectificationTask,
)


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


class CreditRuleForm(forms.ModelForm[CreditRule]):
    class Meta:
        model = CreditRule
        fields = ["credit_class", "expression", "position", "active"]

    def clean_expression(self) -> str:
        try:
            return check_rule(self.cleaned_data.get("expression", ""))
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc


@admin.register(CreditRule)
class CreditRuleAdmin(admin.ModelAdmin[CreditRule]):
    """The classification rules are data: a supervisor edits them here; each is compiled before it is saved."""

    form = CreditRuleForm
    list_display = ["position", "credit_class", "expression", "active"]
    list_editable = ["active"]


@admin.register(CreditListEntry)
class CreditListEntryAdmin(_ReadOnly, admin.ModelAdmin[CreditListEntry]):
    list_display = ["kind", "name", "uscc", "department", "valid_from", "valid_until", "removed_at"]
    list_filter = ["kind", "department"]
    raw_id_fields = ["subject", "created_by"]


@admin.register(InspectionPlan)
class InspectionPlanAdmin(_ReadOnly, admin.ModelAdmin[InspectionPlan]):
    list_display = ["title", "region", "department", "ratio_bp", "status", "committed_at", "drawn_at"]
    list_filter = ["status", "region"]
