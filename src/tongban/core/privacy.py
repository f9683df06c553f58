"""Which views show personal data, and the audit of every staff read of it (ADR 0031).

Every URL pattern and every API operation is declared here, by the app that owns it (its
``privacy.py``, found at start-up like ``admin.py``), as one of:

- ``NONE``  — shows nobody's personal data (public pages, forms, answers that carry a status);
- ``OWN``   — shows the caller only their own data (or that of those they act for);
- ``staff(purpose)`` — may show members of staff the personal data of others.

``PersonalDataReadMiddleware`` keys each request by its URL name (``cases:detail``), or for the
API by method and route (``GET api/v1/cases/<case_id>``). When a member of staff gets a successful
answer from a ``staff`` view and the view recorded no audit event of its own (``case.viewed``, a
transition, …), the middleware records ``core.personal_data_read`` with the declared purpose (or the
``reason`` the request gave), the path and the query (ID and phone numbers masked). So no staff read
of personal data goes unrecorded, whatever the view does; ``tests/test_personal_data_audit.py``
fails on any URL pattern or API operation that is not declared.

Admin pages are declared per model (``declare_admin``): every page of a model holding personal data
is a ``staff`` view.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from tongban.core import audit, events

logger = logging.getLogger(__name__)


class Exposure(StrEnum):
    NONE = "none"
    OWN = "own"
    STAFF = "staff"


@dataclass(frozen=True)
class Declared:
    exposure: Exposure
    purpose: str = ""


NONE = Declared(Exposure.NONE)
OWN = Declared(Exposure.OWN)


UNDECLARED = Declared(Exposure.STAFF, "undeclared view")


def staff(purpose: str) -> Declared:
    """A view that may show staff others' personal data, read for ``purpose``."""
    if not purpose:
        raise ValueError("a staff read needs its purpose")
    return Declared(Exposure.STAFF, purpose)


_REGISTRY: dict[str, Declared] = {}

ADMIN_VIEWS = ("changelist", "add", "change", "delete", "history")


def declare(entries: Mapping[str, Declared]) -> None:
    """Declare views by key (``namespace:name``, or ``METHOD route`` for the API)."""
    for key, declared in entries.items():
        known = _REGISTRY.get(key)
        if known is not None and known != declared:
            raise ValueError(f"{key} is declared twice, differently")
        _REGISTRY[key] = declared


def declare_admin(models: Iterable[str], declared: Declared) -> None:
    """Declare every admin page of the models (``app_label.model_name``)."""
    declare({f"admin:{label.replace('.', '_')}_{view}": declared for label in models for view in ADMIN_VIEWS})


def declared_for(key: str) -> Declared | None:
    return _REGISTRY.get(key)


def declarations() -> dict[str, Declared]:
    return dict(_REGISTRY)


def request_key(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.route.startswith("api/"):
        return f"{request.method} {match.route}"
    return str(match.view_name)


def is_staff(user: object) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "kind", "") == "staff" or getattr(user, "is_staff", False) or user.is_superuser)  # type: ignore[attr-defined]


_ID_NUMBER = re.compile(r"(\d{6})\d{8}(\d{3}[\dXx])")
_PHONE = re.compile(r"(1[3-9]\d)\d{4}(\d{4})")


def masked(text: str) -> str:
    """ID and mobile numbers masked (``110101********1234``, ``138****5678``), as in every audit event."""
    return _PHONE.sub(r"\1****\2", _ID_NUMBER.sub(r"\1********\2", text))


def record_staff_read(request: HttpRequest, key: str, declared: Declared) -> None:
    reason = str(request.GET.get("reason", "") or "").strip()
    with transaction.atomic():
        events.personal_data_read(
            actor=request.user,
            view=key,
            purpose=declared.purpose,
            reason=masked(reason)[:500],
            path=masked(request.path)[:300],
            query=masked(request.META.get("QUERY_STRING", ""))[:500],
        )


class PersonalDataReadMiddleware:
    """Records a staff read of personal data that the view did not record itself (see the module)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.counting() as recorded:
            response = self.get_response(request)
        if recorded[0] or not 200 <= response.status_code < 300 or not is_staff(getattr(request, "user", None)):
            return response
        key = request_key(request)
        if key is None:
            return response
        declared = declared_for(key)
        if declared is None:  # not declared: treated as a staff read, and said so
            logger.warning("view %s is not declared in a privacy module (tongban.core.privacy)", key)
            declared = UNDECLARED
        if declared.exposure == Exposure.STAFF:
            record_staff_read(request, key, declared)
        return response


# ---------------------------------------------------------------- views of Django, the admin site and the OIDC provider

declare(
    {
        "set_language": NONE,
        "GET api/v1/": NONE,
        "GET api/v1/openapi.json": NONE,
        "GET api/v1/docs": NONE,
        "GET api/v1/ping": NONE,
        "admin:index": NONE,
        "admin:app_list": NONE,
        "admin:login": NONE,
        "admin:logout": NONE,
        "admin:password_change": NONE,
        "admin:password_change_done": NONE,
        "admin:jsi18n": NONE,
        "admin:view_on_site": NONE,
        "admin:django.contrib.admin.sites.catch_all_view": NONE,
        "admin:django.views.generic.base.RedirectView": NONE,
        "admin:auth_user_password_change": staff("account administration"),
        "admin:autocomplete": staff("choosing a record in the admin"),
        # the OpenID Connect provider (django-oauth-toolkit): tokens and claims go to the client
        # the person consented to; the rest is metadata
        "oauth2_provider:authorize": OWN,
        "oauth2_provider:token": OWN,
        "oauth2_provider:user-info": OWN,
        "oauth2_provider:introspect": OWN,
        "oauth2_provider:revoke-token": NONE,
        "oauth2_provider:rp-initiated-logout": NONE,
        "oauth2_provider:oidc-connect-discovery-info": NONE,
        "oauth2_provider:jwks-info": NONE,
        "oauth2_provider:oauth-server-metadata": NONE,
        "oauth2_provider:oauth-server-metadata-issuer": NONE,
        "oauth2_provider:oauth-resource-metadata": NONE,
        "oauth2_provider:oauth-resource-metadata-path": NONE,
        "oidc-discovery": NONE,
    }
)
declare_admin(["auth.group", "core.calendaryear"], NONE)
declare_admin(["core.auditevent"], staff("reading the audit trail"))
declare_admin(
    [
        "oauth2_provider.application",
        "oauth2_provider.accesstoken",
        "oauth2_provider.grant",
        "oauth2_provider.idtoken",
        "oauth2_provider.refreshtoken",
    ],
    staff("managing sign-in clients and tokens"),
)
