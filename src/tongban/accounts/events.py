"""Audit events of identity: one typed constructor per event.

Events about one account go to the stream ``user:<id>``; attempts with an unknown
user name go to ``login:unknown``; enterprise events go to ``enterprise:<uscc>``.
Personal numbers are never written in full: ID numbers are masked.
"""

from __future__ import annotations

from typing import Any

from tongban.accounts.models import Enterprise, EnterpriseMember, User
from tongban.core import audit
from tongban.core.models import AuditEvent


def mask_id_number(value: str) -> str:
    """``110101199003071234`` → ``110101********1234``."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def user_stream(user: User) -> str:
    return f"user:{user.pk}"


def _role(actor: Any) -> str:
    if actor is None:
        return "system"
    if getattr(actor, "is_superuser", False):
        return "superuser"
    return str(getattr(actor, "kind", "") or "user")


def user_registered(*, user: User, actor: User | None) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.user_registered",
        object_type="accounts.user",
        object_id=user.pk,
        actor=actor or user,
        actor_role=_role(actor or user),
        data={"kind": user.kind, "id_number": mask_id_number(user.id_number), "region": user.region_id},
    )


def login_succeeded(*, user: User, method: str) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.login_succeeded",
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        actor_role=_role(user),
        data={"method": method},
    )


def login_failed(*, user: User | None, username: str, stage: str, reason: str) -> AuditEvent:
    return audit.record(
        stream=user_stream(user) if user is not None else "login:unknown",
        action="accounts.login_failed",
        object_type="accounts.user",
        object_id=user.pk if user is not None else "",
        actor=user,
        actor_role=_role(user) if user is not None else "anonymous",
        reason=reason,
        data={"username": username[:150], "stage": stage},
    )


def account_locked(*, user: User, until: str, failures: int) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.account_locked",
        object_type="accounts.user",
        object_id=user.pk,
        actor=None,
        actor_role="system",
        reason="too_many_failures",
        data={"locked_until": until, "failures": failures},
    )


def otp_sent(*, user: User, channels: list[str]) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.otp_sent",
        object_type="accounts.user",
        object_id=user.pk,
        actor=None,
        actor_role="system",
        data={"channels": channels},
    )


def logged_out(*, user: User) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.logged_out",
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        actor_role=_role(user),
    )


def enterprise_registered(*, enterprise: Enterprise, actor: User) -> AuditEvent:
    return audit.record(
        stream=f"enterprise:{enterprise.uscc}",
        action="accounts.enterprise_registered",
        object_type="accounts.enterprise",
        object_id=enterprise.pk,
        actor=actor,
        actor_role=_role(actor),
        data={"uscc": enterprise.uscc, "name": enterprise.name, "region": enterprise.region_id},
    )


def member_authorised(*, member: EnterpriseMember, actor: User) -> AuditEvent:
    return audit.record(
        stream=f"enterprise:{member.enterprise.uscc}",
        action="accounts.member_authorised",
        object_type="accounts.enterprisemember",
        object_id=member.pk,
        actor=actor,
        actor_role=_role(actor),
        data={
            "user": member.user_id,
            "role": member.role,
            "from": member.authorised_from.isoformat(),
            "until": member.authorised_until.isoformat() if member.authorised_until else None,
        },
    )


def member_revoked(*, member: EnterpriseMember, actor: User, reason: str) -> AuditEvent:
    return audit.record(
        stream=f"enterprise:{member.enterprise.uscc}",
        action="accounts.member_revoked",
        object_type="accounts.enterprisemember",
        object_id=member.pk,
        actor=actor,
        actor_role=_role(actor),
        reason=reason,
        data={"user": member.user_id, "role": member.role},
    )


def acting_enterprise_selected(*, user: User, enterprise: Enterprise | None) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.acting_enterprise_selected",
        object_type="accounts.enterprise",
        object_id=enterprise.pk if enterprise is not None else "",
        actor=user,
        actor_role=_role(user),
        data={"uscc": enterprise.uscc if enterprise is not None else None},
    )


def profile_viewed(*, user: User, actor: User) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.profile_viewed",
        object_type="accounts.user",
        object_id=user.pk,
        actor=actor,
        actor_role=_role(actor),
    )


def oidc_client_registered(*, application: Any, actor: User | None) -> AuditEvent:
    return audit.record(
        stream=f"oidc_client:{application.client_id}",
        action="accounts.oidc_client_registered",
        object_type="oauth2_provider.application",
        object_id=application.pk,
        actor=actor,
        actor_role=_role(actor),
        data={"name": application.name, "redirect_uris": application.redirect_uris.split()},
    )


def access_token_issued(*, user: User, application: Any, scope: str, expires: str, actor: User | None) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.access_token_issued",
        object_type="oauth2_provider.application",
        object_id=application.pk,
        actor=actor,
        actor_role=_role(actor),
        data={"client_id": application.client_id, "scope": scope, "expires": expires},
    )


def oidc_consent_remembered(*, user: User, application: Any, scopes: list[str]) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.oidc_consent_remembered",
        object_type="oauth2_provider.application",
        object_id=application.pk,
        actor=user,
        actor_role="self",
        data={"client_id": application.client_id, "scopes": scopes},
    )


# ---------------------------------------------------------------- cross-region login (ADR 0015)


def peer_login_client_registered(*, application: Any, region: str, redirect_uri: str, rekeyed: bool) -> AuditEvent:
    """Provider side: a peer node registered itself (signed statement) as an OIDC client here."""
    return audit.record(
        stream=f"oidc_client:{application.client_id}",
        action="accounts.peer_login_client_registered",
        object_type="oauth2_provider.application",
        object_id=application.pk,
        actor=None,
        actor_role=f"peer:{region}",
        data={"region": region, "redirect_uri": redirect_uri, "rekeyed": rekeyed},
    )


def home_region_client_registered(*, client: Any, actor: User | None) -> AuditEvent:
    """Relying-party side: this node holds a client registration at a peer's provider."""
    return audit.record(
        stream=f"federated-login:{client.region_code}",
        action="accounts.home_region_client_registered",
        object_type="accounts.homeregionclient",
        object_id=client.pk,
        actor=actor,
        actor_role=_role(actor),
        data={"region": client.region_code, "client_id": client.client_id, "issuer": client.issuer},
    )


def federated_user_linked(*, user: User, region: str, subject: str) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.federated_user_linked",
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        actor_role=_role(user),
        data={"home_region": region, "subject": subject, "id_number": mask_id_number(user.id_number)},
    )


def federated_login_succeeded(*, user: User, region: str, first: bool) -> AuditEvent:
    return audit.record(
        stream=user_stream(user),
        action="accounts.login_succeeded",
        object_type="accounts.user",
        object_id=user.pk,
        actor=user,
        actor_role=_role(user),
        data={"method": "home_region_oidc", "home_region": region, "first": first},
    )


def federated_login_failed(*, region: str, code: str) -> AuditEvent:
    return audit.record(
        stream=f"federated-login:{region[:6]}",
        action="accounts.federated_login_failed",
        object_type="region",
        object_id=region[:6],
        actor=None,
        actor_role="system",
        data={"code": code},
    )
