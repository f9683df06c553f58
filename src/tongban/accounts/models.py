from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.accounts.constants import StaffRoleKind, UserKind


class User(AbstractUser):
    """One identity for every service: a resident, an enterprise account, or a member of staff."""

    kind = models.CharField(_("kind"), max_length=12, choices=UserKind.choices, default=UserKind.RESIDENT)
    full_name = models.CharField(_("full name"), max_length=120, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, db_index=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home region"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=UserKind.values), name="user_kind_valid"),
            models.UniqueConstraint(
                fields=["id_number"], condition=~models.Q(id_number=""), name="user_id_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class StaffRole(models.Model):
    """A role a member of staff holds in one department."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("user"))
    department = models.ForeignKey(
        "regions.Department",
        on_delete=models.CASCADE,
        related_name="staff_roles",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=24, choices=StaffRoleKind.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="staff_role_unique"),
            models.CheckConstraint(condition=models.Q(role__in=StaffRoleKind.values), name="staff_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department} · {self.get_role_display()}"
