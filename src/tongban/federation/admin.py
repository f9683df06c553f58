"""Back-office views of federation: peers and keys (added by URL and fingerprint or from a trust bundle,
refreshed and removed through the same audited services as the commands; keys stay read-only),
the outbox with a retry action for parked messages, the inbox and the message log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError
from tongban.core.jsonlimits import loads_bounded
from tongban.federation import services
from tongban.federation.constants import OutboxStatus
from tongban.federation.models import InboxMessage, MessageLog, OutboxMessage, Peer, PeerCatalogItem, PeerKey


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PeerKeyInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PeerKey
    fields = ("kid", "fingerprint", "status", "source", "pinned_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PeerAddForm(forms.Form):
    """Either the peer's URL with the fingerprint its administrator gave, or a trust bundle file."""

    base_url = forms.URLField(label=_("Peer node URL"), required=False, assume_scheme="https")
    fingerprint = forms.CharField(label=_("Key fingerprint"), required=False, max_length=100)
    bundle = forms.FileField(label=_("Trust bundle file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        by_url = bool(data.get("base_url")) or bool(data.get("fingerprint"))
        if by_url == bool(data.get("bundle")):
            raise forms.ValidationError(_("Give either the URL and the fingerprint, or a trust bundle file."))
        if by_url and not (data.get("base_url") and data.get("fingerprint")):
            raise forms.ValidationError(_("The URL and the fingerprint go together."))
        upload = data.get("bundle")
        if upload is not None:
            try:
                data["bundle"] = loads_bounded(upload.read(1_000_001), max_bytes=1_000_000)
            except ApplicationError:
                raise forms.ValidationError(_("The trust bundle is not a JSON file.")) from None
        return data


@admin.register(Peer)
class PeerAdmin(ReadOnlyAdmin):
    list_display = ("region_code", "base_url", "status", "added_at", "refreshed_at")
    inlines = [PeerKeyInline]
    actions = ["refresh_keys", "remove_peers"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the removal action, which goes through the audited service.
        return bool(request.user.is_superuser)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = PeerAddForm(request.POST, request.FILES) if request.method == "POST" else PeerAddForm()
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                if data.get("bundle") is not None:
                    added = services.peer_add_bundle(bundle=data["bundle"], actor=request.user)  # type: ignore[arg-type]
                else:
                    added = [
                        services.peer_add(
                            base_url=data["base_url"],
                            fingerprint=data["fingerprint"],
                            actor=request.user,  # type: ignore[arg-type]
                        )
                    ]
            except ApplicationError as exc:
                form.add_error(None, f"{exc.message} ({exc.code})")
            else:
                regions = ", ".join(p.region_code for p in added)
                self.message_user(request, _("Peer(s) added: %(regions)s") % {"regions": regions})
                return HttpResponseRedirect(reverse("admin:federation_peer_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a peer node"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/federation/peer/add_peer.html", context)

    @admin.action(description=_("Refresh the keys of the selected peers"))
    def refresh_keys(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        for peer in queryset:
            try:
                result = services.peer_refresh(peer=peer, actor=request.user)  # type: ignore[arg-type]
            except ApplicationError as exc:
                self.message_user(request, f"{peer.region_code}: {exc.message} ({exc.code})", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(region)s: %(pinned)d key(s) pinned, %(withdrawn)d withdrawn.")
                    % {"region": peer.region_code, "pinned": len(result.pinned), "withdrawn": len(result.withdrawn)},
                )

    @admin.action(description=_("Remove the selected peers"))
    def remove_peers(self, request: HttpRequest, queryset: QuerySet[Peer]) -> None:
        removed = 0
        for peer in queryset:
            try:
                services.peer_remove(region_code=peer.region_code, actor=request.user)  # type: ignore[arg-type]
                removed += 1
            except ApplicationError as exc:
                self.message_user(request, f"{peer.region_code}: {exc.message} ({exc.code})", level=messages.ERROR)
        self.message_user(request, _("%(count)d peer(s) removed.") % {"count": removed})


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "type", "recipient_region", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "recipient_region", "type")
    search_fields = ("message_id", "correlation_id")
    actions = ["retry_parked"]

    @admin.action(description=_("Retry the selected parked messages"))
    def retry_parked(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        done = 0
        for message in queryset.filter(status=OutboxStatus.PARKED):
            try:
                services.outbox_retry(message_id=message.message_id, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except ApplicationError as exc:
                self.message_user(request, str(exc.message), level=messages.ERROR)
        self.message_user(request, _("%(count)d message(s) queued again.") % {"count": done})

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the action; every field stays read-only.
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in OutboxMessage._meta.fields]


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("message_id", "type", "sender_region", "status", "received_at")
    list_filter = ("status", "sender_region", "type")
    search_fields = ("message_id", "correlation_id")


@admin.register(MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    list_display = ("logged_at", "direction", "type", "peer_region", "message_id", "code", "kid")
    list_filter = ("direction", "code", "peer_region")
    search_fields = ("message_id",)


@admin.register(PeerCatalogItem)
class PeerCatalogItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "base_code", "base_name", "peer", "fetched_at")
    list_filter = ("peer",)
    search_fields = ("code", "base_code", "base_name")
