"""The job record in the admin: queued, running, failed and retried runs; failed ones can be queued again.

django-q2's own pages (queued broker entries, successes, failures, schedules) sit beside it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError
from tongban.ops import services
from tongban.ops.models import Job


class RetriedFilter(admin.SimpleListFilter):
    title = _("retried")
    parameter_name = "retried"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Job]) -> list[tuple[str, str]]:
        return [("yes", str(_("more than one attempt")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Job]) -> QuerySet[Job]:
        return queryset.filter(attempts__gt=1) if self.value() == "yes" else queryset


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["name", "status", "attempts", "queued_at", "started_at", "finished_at", "worker"]
    list_filter = ["status", RetriedFilter, "name"]
    search_fields = ["id", "name", "request_id"]
    date_hierarchy = "queued_at"
    actions = ["requeue"]

    def get_readonly_fields(self, request: HttpRequest, obj: Job | None = None) -> list[str]:
        return [f.name for f in Job._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False

    @admin.action(description=_("Queue the selected failed jobs again"))
    def requeue(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        done = 0
        for job in queryset:
            try:
                services.job_requeue(job_id=str(job.pk), actor=request.user)  # type: ignore[arg-type]
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{job}: {exc.message}", messages.WARNING)
        if done:
            self.message_user(request, _("%(n)d job(s) queued again.") % {"n": done})
