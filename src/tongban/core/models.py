from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditStreamHead(models.Model):
    """The last link of one hash chain; locked while an event is appended to the stream."""

    stream = models.CharField(max_length=120, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq}"


class AuditEvent(models.Model):
    """An append-only record of who did or read what, when, from where and why.

    Events of one stream (``case:42``, ``item:120000-XK-001``…) form a hash chain:
    each event's hash covers its content and the previous event's hash, so a changed
    or removed event breaks the chain (``tongban audit verify``).
    """

    stream = models.CharField(_("stream"), max_length=120)
    seq = models.PositiveBigIntegerField(_("sequence"))
    occurred_at = models.DateTimeField(_("occurred at"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=120)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq_unique")]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_action_idx"),
        ]
        ordering = ["stream", "seq"]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit events are append-only")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Make-up working day")


class CalendarYear(models.Model):
    """An official schedule of holidays and make-up working days for one year, entered by an administrator.

    An entered schedule takes precedence over the ``chinesecalendar`` package's data for
    that year. Only ``published`` schedules count: a draft can be prepared before the State
    Council's notice is out.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    published = models.BooleanField(_("announced (in force)"), default=False)
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("e.g. the notice's title and number")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="calendar_year_range")
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday rule: a holiday on a weekday or a make-up working day."""

    calendar = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("year"))
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField(_("holiday name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CalendarDayKind.values), name="calendar_day_kind_valid")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.date and self.calendar_id and self.date.year != self.calendar.year:
            raise ValidationError({"date": _("The date is not in the calendar's year.")})
