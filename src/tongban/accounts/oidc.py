"""Tongban as the region's OpenID Connect provider (统一身份认证, 单点登录 for department systems).

django-oauth-toolkit does the protocol (authorization code with PKCE, RS256 ID tokens,
JWKS, userinfo, discovery); this module decides the claims:

``sub``     pairwise: an HMAC of the client and the account, so two department systems
            cannot join their records on it;
``kind``    ``resident`` / ``enterprise`` / ``staff`` (scope ``openid``);
``region``  the home region's GB/T 2260 code (scope ``openid``);
``id_number`` the full ID number, only with scope ``id_number``, which only peer regions'
            nodes may ask for (``accounts.scopes``, ADR 0015);
``name``, ``id_number_masked`` (``110101********1234``), ``enterprises`` (USCC, name, role
of each enterprise the person may act for today) and, for staff, ``roles`` (department and
role) with scope ``profile``; ``phone_number`` with ``phone``; ``email`` with ``email``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oauth2_provider.oauth2_validators import OAuth2Validator

from tongban.accounts.events import mask_id_number
from tongban.accounts.models import User
from tongban.accounts.selectors import enterprise_roles_for, enterprises_for_user

# The consent page shows these (settings.OAUTH2_PROVIDER["SCOPES"] uses the same texts).
SCOPE_DESCRIPTIONS = {
    "openid": _("Sign you in (your account kind and home region)"),
    "profile": _("Your name, masked ID number and the enterprises you act for"),
    "phone": _("Your mobile phone number"),
    "email": _("Your email address"),
    "id_number": _("Your full ID number (for the node of another region you log in at)"),
}


def pairwise_subject(*, user: User, client_id: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"oidc-sub:{client_id}:{user.pk}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


def user_claims(user: User) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "kind": user.kind,
        "region": user.region_id or settings.TONGBAN_REGION,
        "name": user.display_name,
        "amr": ["pwd", "otp"],  # every interactive login takes a password and a one-time code
    }
    if user.id_number:
        claims["id_number_masked"] = mask_id_number(user.id_number)
        claims["id_number"] = user.id_number  # released only with the scope id_number (peer nodes)
    roles = enterprise_roles_for(user=user)
    claims["enterprises"] = [
        {"uscc": e.uscc, "name": e.name, "role": roles.get(e.pk, "")} for e in enterprises_for_user(user=user)
    ]
    if user.kind == "staff":
        claims["roles"] = [
            {"department": r.department.code, "department_name": r.department.name, "role": r.role}
            for r in user.staff_roles.select_related("department").order_by("department__code", "role")
        ]
    if user.phone:
        claims["phone_number"] = user.phone
    if user.email:
        claims["email"] = user.email
    return claims


class TongbanOAuth2Validator(OAuth2Validator):  # type: ignore[misc]
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "kind": "openid",
        "region": "openid",
        "amr": "openid",
        "name": "profile",
        "id_number_masked": "profile",
        "enterprises": "profile",
        "roles": "profile",
        "id_number": "id_number",  # peer regions' nodes only (accounts.scopes, ADR 0015)
    }

    def validate_redirect_uri(self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        """Only a registered redirect URI, character for character (RFC 9700 §4.1.3). django-oauth-toolkit
        also lets a loopback URI (``http://127.0.0.1/...``) match at any port (RFC 8252 §7.3, for native
        apps); Tongban's clients are department systems and peer nodes, which register their port."""
        registered = str(getattr(request.client, "redirect_uris", "") or "").split()
        return redirect_uri in registered

    def get_claim_dict(self, request: Any) -> dict[str, Any]:
        user: User = request.user
        client_id = getattr(request.client, "client_id", "") or getattr(request, "client_id", "")
        claims: dict[str, Any] = {"sub": pairwise_subject(user=user, client_id=str(client_id))}
        claims.update(self.get_additional_claims(request))
        return claims

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return user_claims(request.user)

    def get_discovery_claims(self, request: Any) -> list[str]:
        return [
            "sub",
            "kind",
            "region",
            "amr",
            "name",
            "id_number_masked",
            "id_number",
            "enterprises",
            "roles",
            "phone_number",
            "email",
        ]
