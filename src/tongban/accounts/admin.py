from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import (
    Enterprise,
    EnterpriseMember,
    FederatedIdentity,
    HomeRegionClient,
    LoginAttempt,
    Notification,
    PeerLoginClient,
    StaffRole,
    User,
)


class StaffRoleInline(admin.TabularInline[StaffRole, User]):
    model = StaffRole
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    list_display = ["username", "full_name", "kind", "region", "is_staff", "is_active", "locked_until"]
    list_filter = ["kind", "region", "is_staff", "is_active"]
    search_fields = ["username", "full_name", "id_number", "uscc", "phone"]
    inlines = [StaffRoleInline]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Identity"),
            {"fields": ("kind", "full_name", "id_number", "uscc", "phone", "address", "region", "locked_until")},
        ),
    )


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin[StaffRole]):
    list_display = ["user", "department", "role"]
    list_filter = ["role", "department__region"]
    search_fields = ["user__username", "user__full_name", "department__name"]
    autocomplete_fields = ["user", "department"]


class EnterpriseMemberInline(admin.TabularInline[EnterpriseMember, Enterprise]):
    model = EnterpriseMember
    fk_name = "enterprise"
    extra = 0
    autocomplete_fields = ["user", "granted_by"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin[Enterprise]):
    list_display = ["name", "uscc", "legal_representative_name", "region", "created_at"]
    list_filter = ["region"]
    search_fields = ["name", "uscc", "legal_representative_name"]
    autocomplete_fields = ["region"]
    inlines = [EnterpriseMemberInline]


@admin.register(EnterpriseMember)
class EnterpriseMemberAdmin(admin.ModelAdmin[EnterpriseMember]):
    list_display = ["enterprise", "user", "role", "authorised_from", "authorised_until", "active"]
    list_filter = ["role", "active"]
    search_fields = ["enterprise__name", "enterprise__uscc", "user__full_name", "user__username"]
    autocomplete_fields = ["enterprise", "user", "granted_by"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["subject", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "user__username", "user__full_name"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin[LoginAttempt]):
    """Read-only: the record of logins is evidence."""

    list_display = ["created_at", "username", "user", "stage", "succeeded", "reason", "source"]
    list_filter = ["stage", "succeeded", "reason"]
    search_fields = ["username", "source", "user__full_name"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in LoginAttempt._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LoginAttempt | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LoginAttempt | None = None) -> bool:
        return False


def _admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """The admin has no password-only door: everyone logs in through /accounts/login/ (password + code)."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect(next_url if url_has_allowed_host_and_scheme(next_url, {request.get_host()}) else "/admin/")
    return redirect_to_login(next_url, login_url=reverse("accounts:login"))


admin.site.login = _admin_login  # type: ignore[method-assign]


# ---------------------------------------------------------------- cross-region login (ADR 0015): read-only


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FederatedIdentity)
class FederatedIdentityAdmin(_ReadOnly):
    list_display = ["user", "home_region", "subject", "linked_at", "last_login_at"]
    list_filter = ["home_region"]
    search_fields = ["user__username", "user__full_name", "subject"]


@admin.register(HomeRegionClient)
class HomeRegionClientAdmin(_ReadOnly):
    list_display = ["region_code", "client_id", "issuer", "registered_at"]
    exclude = ["client_secret"]


@admin.register(PeerLoginClient)
class PeerLoginClientAdmin(_ReadOnly):
    list_display = ["region_code", "application", "redirect_uri", "registered_at"]
