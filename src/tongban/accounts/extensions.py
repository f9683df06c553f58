"""What the apps above accounts plug into its login pages (ADR 0021: a lower layer offers a registry).

The home-region login (``tongban.homelogin``, ADR 0015) adds its routes under ``/accounts/`` (in the
``accounts`` URL namespace) and the regions offered on the login page, in its ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.urls import URLPattern

_ROUTES: dict[str, URLPattern] = {}
_HOME_REGIONS: list[Callable[[], Sequence[Any]]] = []


def register_login_routes(*patterns: URLPattern) -> None:
    for pattern in patterns:
        _ROUTES[str(pattern.name)] = pattern


def login_routes() -> list[URLPattern]:
    return [_ROUTES[name] for name in sorted(_ROUTES)]


def provide_home_regions(regions: Callable[[], Sequence[Any]]) -> None:
    """``regions()`` lists what the login page offers as "log in with your home region" (``.code``, ``.name``)."""
    _HOME_REGIONS[:] = [regions]


def home_regions() -> list[Any]:
    return [region for provider in _HOME_REGIONS for region in provider()]
