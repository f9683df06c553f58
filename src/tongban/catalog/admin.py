from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.catalog import services
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import BaseItem, Material, ServiceItem, Theme
from tongban.core.errors import ApplicationError


def _is_history(obj: ServiceItem | None) -> bool:
    """Published, superseded and withdrawn versions are history: changed only through a new draft."""
    return obj is not None and obj.status != ItemStatus.DRAFT


class MaterialInline(admin.TabularInline[Material, ServiceItem]):
    model = Material
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: ServiceItem | None = None) -> bool:
        return not _is_history(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: ServiceItem | None = None) -> bool:
        return not _is_history(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ServiceItem | None = None) -> bool:
        return not _is_history(obj) and super().has_delete_permission(request, obj)


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin[ServiceItem]):
    list_display = ["code", "version", "status", "name", "region", "department", "kind", "cross_region_mode"]
    list_filter = ["status", "region", "kind", "cross_region_mode", "reform_mode"]
    search_fields = ["code", "name", "base__base_code"]
    autocomplete_fields = ["base", "department"]
    filter_horizontal = ["themes"]
    inlines = [MaterialInline]
    actions = ["publish_drafts", "start_drafts"]

    def has_change_permission(self, request: HttpRequest, obj: ServiceItem | None = None) -> bool:
        return not _is_history(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ServiceItem | None = None) -> bool:
        return not _is_history(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk deletion would remove history; drafts are deleted one by one.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def _run(self, request: HttpRequest, queryset: QuerySet[ServiceItem], action: str, done_message: str) -> None:
        actor = request.user
        assert isinstance(actor, User)
        done = 0
        for item in queryset.order_by("code", "version"):
            try:
                if action == "publish":
                    services.item_publish(actor=actor, item=item)
                else:
                    services.item_draft_start(actor=actor, code=item.code)
                done += 1
            except ApplicationError as exc:
                reasons = "; ".join(str(d.get("message", "")) for d in (exc.details or []) if isinstance(d, dict))
                self.message_user(
                    request,
                    f"{item.code} v{item.version}: {exc.message}" + (f" ({reasons})" if reasons else ""),
                    messages.ERROR,
                )
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected drafts"))
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        self._run(request, queryset, "publish", gettext("%(count)d draft(s) published."))

    @admin.action(description=_("Start a new draft of the selected items"))
    def start_drafts(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        self._run(request, queryset, "start", gettext("%(count)d draft(s) started."))


@admin.register(BaseItem)
class BaseItemAdmin(admin.ModelAdmin[BaseItem]):
    list_display = ["base_code", "name", "kind", "competent_department"]
    list_filter = ["kind"]
    search_fields = ["base_code", "name"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
    list_display = ["code", "name", "audience", "order"]
    list_filter = ["audience"]
