"""Which OpenID Connect scopes a client may ask for.

``id_number`` (the full resident ID number) is released only to a peer region's node that
registered itself with a signed statement (``PeerLoginClient``, ADR 0015): that node keeps a
local account for the resident. Department systems get ``id_number_masked`` with ``profile``.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.scopes import SettingsScopes

PEER_ONLY_SCOPES = frozenset({"id_number"})


def is_peer_client(application: Any) -> bool:
    from tongban.accounts.models import PeerLoginClient

    return application is not None and PeerLoginClient.objects.filter(application_id=application.pk).exists()


class TongbanScopes(SettingsScopes):  # type: ignore[misc]
    def get_available_scopes(self, application: Any = None, request: Any = None, *args: Any, **kwargs: Any) -> Any:
        scopes = list(super().get_available_scopes(application, request, *args, **kwargs))
        if is_peer_client(application):
            return scopes
        return [s for s in scopes if s not in PEER_ONLY_SCOPES]
