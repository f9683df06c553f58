"""The peer connector: a peer region's node, over the federation (signed query and signed answer).

Settings per resource (``connector_config``): ``region`` (the peer's region code, required) and
``timeout`` (seconds, default 5). The peer checks its own approval of the requesting department,
reads its own source, logs the read and signs the answer (``sharing.federation``).
"""

from __future__ import annotations

from tongban.sharing.connectors import FetchRequest, Fetched
from tongban.sharing.constants import ConnectorKind


class PeerConnector:
    kind = ConnectorKind.PEER.value

    def fetch(self, request: FetchRequest) -> Fetched:
        from tongban.sharing.federation import peer_read

        return peer_read(request)
