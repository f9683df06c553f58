from __future__ import annotations

from django.db.models import QuerySet

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.regions.models import Department


def user_has_role(*, user: User, role: StaffRoleKind, department: Department | None = None) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    qs = user.staff_roles.filter(role=role)
    if department is not None:
        qs = qs.filter(department=department)
    return qs.exists()


def user_department_ids(*, user: User, role: StaffRoleKind | None = None) -> set[int]:
    qs = user.staff_roles.all()
    if role is not None:
        qs = qs.filter(role=role)
    return set(qs.values_list("department_id", flat=True))


def staff_for_department(*, department: Department, role: StaffRoleKind) -> QuerySet[User]:
    return User.objects.filter(staff_roles__department=department, staff_roles__role=role).distinct()
