from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tongban.accounts.constants import MemberRole, StaffRoleKind
from tongban.accounts.models import Enterprise, EnterpriseMember, User
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


ACTING_ENTERPRISE_SESSION_KEY = "tongban_acting_enterprise"


def _current_memberships(*, user: User) -> QuerySet[EnterpriseMember]:
    today = timezone.localdate()
    return EnterpriseMember.objects.filter(
        user=user,
        active=True,
        authorised_from__lte=today,
    ).filter(Q(authorised_until__isnull=True) | Q(authorised_until__gte=today))


def enterprises_for_user(*, user: User) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may act for today (as legal representative or a currently authorised agent)."""
    if not user.is_authenticated:
        return Enterprise.objects.none()
    ids = _current_memberships(user=user).values("enterprise_id")
    return Enterprise.objects.filter(pk__in=ids).order_by("name")


def user_can_act_for(*, user: User, enterprise: Enterprise) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return _current_memberships(user=user).filter(enterprise=enterprise).exists()


def membership_for(*, user: User, enterprise: Enterprise) -> EnterpriseMember | None:
    return _current_memberships(user=user).filter(enterprise=enterprise).first()


def user_is_legal_representative(*, user: User, enterprise: Enterprise) -> bool:
    return _current_memberships(user=user).filter(enterprise=enterprise, role=MemberRole.LEGAL_REPRESENTATIVE).exists()


def enterprise_members(*, enterprise: Enterprise) -> QuerySet[EnterpriseMember]:
    return enterprise.members.select_related("user").order_by("-active", "role", "authorised_from")


def acting_enterprise(request: HttpRequest) -> Enterprise | None:
    """The enterprise the logged-in user chose to act for in this session, if they still may."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session = getattr(request, "session", None)
    enterprise_id = session.get(ACTING_ENTERPRISE_SESSION_KEY) if session is not None else None
    if not enterprise_id:
        return None
    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None or not user_can_act_for(user=user, enterprise=enterprise):
        return None
    return enterprise
