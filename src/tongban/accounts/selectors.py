"""Reads of the accounts app: staff roles (the one roles selector), enterprises a user acts for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tongban.accounts import store
from tongban.accounts.constants import MemberRole, StaffRoleKind
from tongban.accounts.models import Enterprise, EnterpriseMember, OidcConsent, StaffRole, User
from tongban.core.context import request_context
from tongban.regions.models import Department


@dataclass(frozen=True)
class HeldRole:
    """One role a member of staff holds: the role, its department, and where that department is."""

    role: str
    department_id: int
    region_id: str  # the department's region
    parent_region_id: str | None  # that region's parent (a province for a city's department)

    def in_region(self, region: str, *, subregions: bool = False) -> bool:
        """Whether the department is in ``region`` (or, with ``subregions``, in a region directly under it)."""
        return self.region_id == region or (subregions and self.parent_region_id == region)


_ROLES_MEMO = "_tongban_staff_roles"


def _held_roles(user: User) -> list[HeldRole]:
    """Every role of ``user``. Within one request the answer is remembered on the user object (the
    request's user) and keyed by the request's context, so a request's checks ask the database once;
    outside a request (tasks, commands, tests calling services) it is read every time, and a role
    withdrawn between two requests is seen by the second."""
    ctx = request_context()
    memo = user.__dict__.get(_ROLES_MEMO)
    if ctx is not None and memo is not None and memo[0] is ctx:
        return cast(list[HeldRole], memo[1])
    held = [HeldRole(*row) for row in store.staff_roles_of(user.pk)]
    if ctx is not None:
        user.__dict__[_ROLES_MEMO] = (ctx, held)
    return held


def user_roles(
    *,
    user: User | AnonymousUser | None,
    roles: Iterable[str] | None = None,
    department: Department | int | None = None,
    region: str | None = None,
    subregions: bool = False,
) -> list[HeldRole]:
    """The staff roles ``user`` holds (THE roles selector: every app asks here, none reads
    ``StaffRole`` itself), optionally only ``roles``, only in ``department``, only in departments of
    ``region`` (with ``subregions``: or of a region directly under it).

    Only roles actually held: a superuser's implied rights are the caller's decision (``user_has_role``
    grants them). Anonymous users and ``None`` hold none; whether an inactive user may act is the
    caller's check, as before.
    """
    if user is None or not user.is_authenticated or user.pk is None:
        return []
    wanted = None if roles is None else {str(r) for r in roles}
    department_id = department.pk if isinstance(department, Department) else department
    return [
        held
        for held in _held_roles(user)
        if (wanted is None or held.role in wanted)
        and (department_id is None or held.department_id == department_id)
        and (region is None or held.in_region(region, subregions=subregions))
    ]


def user_has_role(
    *,
    user: User | AnonymousUser | None,
    role: StaffRoleKind | str,
    department: Department | int | None = None,
    region: str | None = None,
) -> bool:
    """Whether ``user`` holds ``role`` (in ``department``, in a department of ``region``); a superuser does."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return bool(user_roles(user=user, roles=[role], department=department, region=region))


def user_department_ids(
    *, user: User | AnonymousUser | None, role: StaffRoleKind | str | None = None, roles: Iterable[str] | None = None
) -> set[int]:
    """The departments in which ``user`` holds ``role`` (or one of ``roles``; any role when neither is given)."""
    wanted = [role] if role is not None else roles
    return {held.department_id for held in user_roles(user=user, roles=wanted)}


def role_holders(
    *, role: StaffRoleKind | str, department: Department | None = None, region: str | None = None
) -> QuerySet[User]:
    """The users holding ``role`` in ``department``, or in any department of ``region``."""
    holders = StaffRole.objects.filter(role=role)
    if department is not None:
        holders = holders.filter(department=department)
    if region is not None:
        holders = holders.filter(department__region_id=region)
    return User.objects.filter(pk__in=holders.values("user_id"))


def staff_for_department(*, department: Department, role: StaffRoleKind) -> QuerySet[User]:
    return role_holders(role=role, department=department)


ACTING_ENTERPRISE_SESSION_KEY = "tongban_acting_enterprise"


# ---------------------------------------------------------------- delegated authority
#
# THE one place that decides whether someone may act for someone else (a legal representative or
# an authorised agent for an enterprise; later proxies and family members). An authorisation is in
# force from ``authorised_from`` through ``authorised_until`` (both days included, an open end
# lasts until revoked) while ``active``; the day is the node's local date. Every other module asks
# these functions and never reads ``EnterpriseMember`` rows itself (a test keeps it so).


def acting_for(*, user: User, on: dt.date | None = None) -> QuerySet[EnterpriseMember]:
    """The authorisations under which ``user`` may act for an enterprise on day ``on`` (default: today)."""
    if not user.is_authenticated or not user.is_active or user.pk is None:
        return EnterpriseMember.objects.none()
    day = on or timezone.localdate()
    return EnterpriseMember.objects.filter(
        user=user,
        active=True,
        authorised_from__lte=day,
    ).filter(Q(authorised_until__isnull=True) | Q(authorised_until__gte=day))


def enterprises_for_user(*, user: User, on: dt.date | None = None) -> QuerySet[Enterprise]:
    """The enterprises ``user`` may act for (as legal representative or a currently authorised agent)."""
    ids = acting_for(user=user, on=on).values("enterprise_id")
    return Enterprise.objects.filter(pk__in=ids).order_by("name")


def enterprise_roles_for(*, user: User) -> dict[int, str]:
    """Enterprise id → the role (``MemberRole``) under which ``user`` may act for it today."""
    return dict(acting_for(user=user).values_list("enterprise_id", "role"))


def user_can_act_for(*, user: User, enterprise: Enterprise, on: dt.date | None = None) -> bool:
    return acting_for(user=user, on=on).filter(enterprise=enterprise).exists()


def membership_for(*, user: User, enterprise: Enterprise) -> EnterpriseMember | None:
    return acting_for(user=user).filter(enterprise=enterprise).first()


def user_is_legal_representative(*, user: User, enterprise: Enterprise) -> bool:
    return acting_for(user=user).filter(enterprise=enterprise, role=MemberRole.LEGAL_REPRESENTATIVE).exists()


def holder_ids_for(*, user: User) -> list[str]:
    """The identifiers ``user`` may act under today: their own ID number or credit code, and the
    credit codes of the enterprises they may act for (licences are held under these)."""
    ids = [v for v in (user.id_number, user.uscc) if v]
    ids.extend(acting_for(user=user).values_list("enterprise__uscc", flat=True))
    return sorted(set(ids))


def enterprise_member_get(*, uscc: str, member_id: int) -> EnterpriseMember | None:
    """One authorisation of an enterprise (in force or not), for its legal representative to manage."""
    return (
        EnterpriseMember.objects.filter(pk=member_id, enterprise__uscc=uscc)
        .select_related("user", "enterprise")
        .first()
    )


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


def oidc_consent_covers(*, user: User, application: Any, scopes: list[str]) -> bool:
    """Whether ``user`` asked to remember their consent to ``application`` for (at least) ``scopes``."""
    if not user.is_authenticated:
        return False
    remembered = OidcConsent.objects.filter(user=user, application=application).values_list("scopes", flat=True).first()
    return remembered is not None and set(scopes) <= set(remembered.split())
