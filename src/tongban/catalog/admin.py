from __future__ import annotations

from django.contrib import admin

from tongban.catalog.models import BaseItem, Material, ServiceItem, Theme


class MaterialInline(admin.TabularInline[Material, ServiceItem]):
    model = Material
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin[ServiceItem]):
    list_display = ["code", "version", "status", "name", "region", "department", "kind", "cross_region_mode"]
    list_filter = ["status", "region", "kind", "cross_region_mode", "reform_mode"]
    search_fields = ["code", "name", "base__base_code"]
    autocomplete_fields = ["base", "department"]
    filter_horizontal = ["themes"]
    inlines = [MaterialInline]


@admin.register(BaseItem)
class BaseItemAdmin(admin.ModelAdmin[BaseItem]):
    list_display = ["base_code", "name", "kind", "competent_department"]
    list_filter = ["kind"]
    search_fields = ["base_code", "name"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin[Theme]):
    list_display = ["code", "name", "audience", "order"]
    list_filter = ["audience"]
