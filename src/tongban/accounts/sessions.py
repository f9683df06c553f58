"""Session lifetime: an idle timeout (``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``)
and an absolute maximum (``TONGBAN_SESSION_MAX_SECONDS``) counted from the login.

Every login — through Tongban's pages, its API, or Django's own ``login()`` — stamps the
session with its login time (a ``user_logged_in`` receiver); ``SessionMaxAgeMiddleware``
logs out a session whose stamp is missing or older than the maximum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from tongban.accounts.models import User

LOGIN_AT_SESSION_KEY = "tongban_login_at"


def max_session_seconds() -> int:
    return int(getattr(settings, "TONGBAN_SESSION_MAX_SECONDS", 8 * 3600))


@receiver(user_logged_in, dispatch_uid="tongban_stamp_login_time")
def _stamp_login_time(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_SESSION_KEY] = int(time.time())


def session_login(request: HttpRequest, user: User) -> None:
    """Log ``user`` in on this request's session (a new session key; login time stamped)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")


def session_expired(request: HttpRequest) -> bool:
    stamp = request.session.get(LOGIN_AT_SESSION_KEY)
    if not isinstance(stamp, int):
        return True
    return time.time() - stamp > max_session_seconds()


class SessionMaxAgeMiddleware:
    """Ends a logged-in session once it is older than the absolute maximum, whatever its activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session") and session_expired(request):
            logout(request)
        return self.get_response(request)
