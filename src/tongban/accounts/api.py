"""Identity API under ``/api/v1/accounts/``: registration, two-step login, profile, enterprises
and agents, the acting enterprise, notifications.

Login for programs: ``POST /login`` with user name and password answers ``needs_otp`` and a
``challenge``; ``POST /login/otp`` with the challenge and the code from the SMS/email (in the
demo: ``var/notifications.log``) opens a session and returns its CSRF token for later unsafe
calls. Other systems use OAuth2 bearer tokens from ``/o/token/`` instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from tongban.accounts import selectors, services
from tongban.accounts.api_auth import api_auth
from tongban.accounts.events import mask_id_number
from tongban.accounts.models import Enterprise, EnterpriseMember, Notification, User
from tongban.accounts.notifications import (
    notification_get,
    notification_list,
    notification_mark_read,
    notification_unread_count,
)
from tongban.accounts.sessions import session_login
from tongban.core.context import current
from tongban.core.errors import NotFound, PermissionDenied

router = Router(tags=["accounts"])


class ErrorOut(Schema):
    code: str
    message: str
    details: Any = None


class In(Schema):
    """Input: no NUL characters in any text (databases refuse them; answer 422, not 500)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed")
        return value


class RegisterIn(In):
    id_number: str = Field(max_length=18)
    full_name: str = Field(max_length=60)
    phone: str = Field(max_length=20)
    password: str = Field(max_length=128)
    email: str = Field(default="", max_length=254)


class LoginIn(In):
    username: str = Field(max_length=150, description="User name or 18-digit ID number")
    password: str = Field(max_length=128)


class LoginChallengeOut(Schema):
    needs_otp: bool = True
    challenge: str
    expires_at: dt.datetime
    sent_to: list[str]


class OtpIn(In):
    challenge: str = Field(max_length=100)
    code: str = Field(max_length=12)


class EnterpriseOut(Schema):
    uscc: str
    name: str
    region: str
    address: str
    legal_representative_name: str
    role: str = ""

    @staticmethod
    def of(enterprise: Enterprise, role: str = "") -> EnterpriseOut:
        return EnterpriseOut(
            uscc=enterprise.uscc,
            name=enterprise.name,
            region=enterprise.region_id,
            address=enterprise.address,
            legal_representative_name=enterprise.legal_representative_name,
            role=role,
        )


class MeOut(Schema):
    id: int
    username: str
    kind: str
    full_name: str
    id_number_masked: str
    phone: str
    email: str
    region: str | None
    enterprises: list[EnterpriseOut]
    acting_enterprise: str | None
    unread_notifications: int


class LoggedInOut(Schema):
    user: MeOut
    csrf_token: str


class EnterpriseIn(In):
    uscc: str = Field(max_length=18)
    name: str = Field(max_length=200)
    region: str = Field(max_length=6)
    address: str = Field(default="", max_length=200)


class AgentIn(In):
    id_number: str = Field(max_length=18)
    authorised_from: dt.date
    authorised_until: dt.date


class MemberOut(Schema):
    id: int
    full_name: str
    id_number_masked: str
    role: str
    authorised_from: dt.date
    authorised_until: dt.date | None
    active: bool

    @staticmethod
    def of(member: EnterpriseMember) -> MemberOut:
        return MemberOut(
            id=member.pk,
            full_name=member.user.display_name,
            id_number_masked=mask_id_number(member.user.id_number),
            role=member.role,
            authorised_from=member.authorised_from,
            authorised_until=member.authorised_until,
            active=member.active,
        )


class RevokeIn(In):
    reason: str = Field(default="", max_length=200)


class ActingIn(In):
    uscc: str | None = Field(default=None, max_length=18, description="null: act as yourself")


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    kind: str
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def of(n: Notification) -> NotificationOut:
        return NotificationOut(
            id=n.pk,
            subject=n.subject,
            body=n.body,
            kind=n.kind,
            link=n.link,
            created_at=n.created_at,
            read_at=n.read_at,
        )


class NotificationPageOut(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _me(request: HttpRequest, user: User) -> MeOut:
    memberships = selectors.enterprise_roles_for(user=user)
    acting = selectors.acting_enterprise(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        kind=user.kind,
        full_name=user.full_name,
        id_number_masked=mask_id_number(user.id_number) if user.id_number else "",
        phone=user.phone,
        email=user.email,
        region=user.region_id,
        enterprises=[EnterpriseOut.of(e, memberships.get(e.pk, "")) for e in selectors.enterprises_for_user(user=user)],
        acting_enterprise=acting.uscc if acting else None,
        unread_notifications=notification_unread_count(user=user),
    )


def _enterprise(uscc: str) -> Enterprise:
    if "\x00" in uscc or len(uscc) > 40:
        raise NotFound(code="enterprise_not_found")
    enterprise = Enterprise.objects.filter(uscc=uscc.strip().upper()).first()
    if enterprise is None:
        raise NotFound(code="enterprise_not_found")
    return enterprise


@router.post("/register", response={201: MeOut, **ERRORS, 422: ErrorOut}, summary="Resident self-registration")
def register(request: HttpRequest, payload: RegisterIn) -> Status[MeOut]:
    user = services.resident_register(
        id_number=payload.id_number,
        full_name=payload.full_name,
        phone=payload.phone,
        password=payload.password,
        email=payload.email,
    )
    return Status(201, _me(request, user))


@router.post(
    "/login",
    response={200: LoginChallengeOut, **ERRORS, 422: ErrorOut},
    summary="Login step 1: password; a one-time code is sent",
)
def login_password(request: HttpRequest, payload: LoginIn) -> LoginChallengeOut:
    ctx = current()
    challenge = services.login_start(
        username=payload.username, password=payload.password, source=ctx.source, user_agent=ctx.user_agent
    )
    return LoginChallengeOut(challenge=challenge.challenge, expires_at=challenge.expires_at, sent_to=challenge.sent_to)


@router.post(
    "/login/otp",
    response={200: LoggedInOut, **ERRORS, 422: ErrorOut},
    summary="Login step 2: the one-time code; opens a session",
)
def login_otp(request: HttpRequest, payload: OtpIn) -> LoggedInOut:
    ctx = current()
    user = services.login_verify_otp(
        challenge=payload.challenge, code=payload.code, source=ctx.source, user_agent=ctx.user_agent
    )
    session_login(request, user)
    return LoggedInOut(user=_me(request, user), csrf_token=get_token(request))


@router.post("/logout", auth=api_auth, response={204: None, **ERRORS}, summary="End the session")
def logout_view(request: HttpRequest) -> Status[None]:
    services.logout_record(user=_user(request))
    logout(request)
    return Status(204, None)


@router.get("/me", auth=api_auth, response={200: MeOut, **ERRORS}, summary="My account")
def me(request: HttpRequest) -> MeOut:
    return _me(request, _user(request))


@router.get("/enterprises", auth=api_auth, response={200: list[EnterpriseOut], **ERRORS})
def enterprise_list(request: HttpRequest) -> list[EnterpriseOut]:
    user = _user(request)
    roles = selectors.enterprise_roles_for(user=user)
    return [EnterpriseOut.of(e, roles.get(e.pk, "")) for e in selectors.enterprises_for_user(user=user)]


@router.post(
    "/enterprises",
    auth=api_auth,
    response={201: EnterpriseOut, **ERRORS, 422: ErrorOut},
    summary="Register an enterprise (by its legal representative)",
)
def enterprise_create(request: HttpRequest, payload: EnterpriseIn) -> Status[EnterpriseOut]:
    enterprise = services.enterprise_register(
        actor=_user(request),
        uscc=payload.uscc,
        name=payload.name,
        region_code=payload.region,
        address=payload.address,
    )
    return Status(201, EnterpriseOut.of(enterprise, "legal_representative"))


@router.get("/enterprises/{uscc}/members", auth=api_auth, response={200: list[MemberOut], **ERRORS})
def member_list(request: HttpRequest, uscc: str) -> list[MemberOut]:
    enterprise = _enterprise(uscc)
    if not selectors.user_is_legal_representative(user=_user(request), enterprise=enterprise):
        raise PermissionDenied(code="not_legal_representative")
    return [MemberOut.of(m) for m in selectors.enterprise_members(enterprise=enterprise)]


@router.post(
    "/enterprises/{uscc}/agents",
    auth=api_auth,
    response={201: MemberOut, **ERRORS, 422: ErrorOut},
    summary="Authorise an agent for a period (legal representative only)",
)
def agent_add(request: HttpRequest, uscc: str, payload: AgentIn) -> Status[MemberOut]:
    member = services.enterprise_agent_add(
        actor=_user(request),
        enterprise=_enterprise(uscc),
        agent_id_number=payload.id_number,
        authorised_from=payload.authorised_from,
        authorised_until=payload.authorised_until,
    )
    return Status(201, MemberOut.of(member))


@router.post(
    "/enterprises/{uscc}/agents/{member_id}/revoke",
    auth=api_auth,
    response={200: MemberOut, **ERRORS},
    summary="Revoke an agent's authorisation (legal representative only)",
)
def agent_revoke(request: HttpRequest, uscc: str, member_id: int, payload: RevokeIn) -> MemberOut:
    enterprise = _enterprise(uscc)
    member = selectors.enterprise_member_get(uscc=enterprise.uscc, member_id=member_id)
    if member is None:
        raise NotFound(code="member_not_found")
    return MemberOut.of(services.enterprise_agent_revoke(actor=_user(request), member=member, reason=payload.reason))


@router.post(
    "/acting-enterprise",
    auth=api_auth,
    response={200: MeOut, **ERRORS, 422: ErrorOut},
    summary="Choose the enterprise to act for in this session (null: yourself)",
)
def acting_enterprise_set(request: HttpRequest, payload: ActingIn) -> MeOut:
    user = _user(request)
    enterprise = _enterprise(payload.uscc) if payload.uscc else None
    chosen = services.acting_enterprise_choose(user=user, enterprise=enterprise)
    if chosen is None:
        request.session.pop(selectors.ACTING_ENTERPRISE_SESSION_KEY, None)
    else:
        request.session[selectors.ACTING_ENTERPRISE_SESSION_KEY] = chosen.pk
    return _me(request, user)


@router.get("/notifications", auth=api_auth, response={200: NotificationPageOut, **ERRORS})
def notifications(request: HttpRequest, unread_only: bool = False, limit: int = 50) -> NotificationPageOut:
    user = _user(request)
    limit = max(1, min(limit, 200))
    qs = notification_list(user=user, unread_only=unread_only)
    return NotificationPageOut(
        count=qs.count(),
        unread=notification_unread_count(user=user),
        items=[NotificationOut.of(n) for n in qs[:limit]],
    )


@router.post("/notifications/{notification_id}/read", auth=api_auth, response={200: NotificationOut, **ERRORS})
def notification_read(request: HttpRequest, notification_id: int) -> NotificationOut:
    user = _user(request)
    n = notification_mark_read(user=user, notification=notification_get(user=user, notification_id=notification_id))
    return NotificationOut.of(n)
