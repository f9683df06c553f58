"""The connectors by kind (one module per kind), filled in ``SharingConfig.ready``."""

from __future__ import annotations

from tongban.sharing.connectors.base import Connector

_CONNECTORS: dict[str, Connector] = {}


def register(connector: Connector) -> Connector:
    _CONNECTORS[connector.kind] = connector
    return connector


def get(kind: str) -> Connector:
    return _CONNECTORS[kind]


def register_builtin() -> None:
    from tongban.sharing.connectors.http import HttpConnector
    from tongban.sharing.connectors.local import LocalConnector
    from tongban.sharing.connectors.peer import PeerConnector

    register(LocalConnector())
    register(HttpConnector())
    register(PeerConnector())
