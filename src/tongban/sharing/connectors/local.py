"""The local connector: the exchange's front-end tables (前置库) on this node's database."""

from __future__ import annotations

from tongban.sharing.connectors.base import Fetched, FetchRequest
from tongban.sharing.constants import ConnectorKind
from tongban.sharing.models import ProviderRecord


class LocalConnector:
    kind = ConnectorKind.LOCAL.value

    def fetch(self, request: FetchRequest) -> Fetched:
        row = (
            ProviderRecord.objects.filter(resource_code=request.resource_code, subject_id=request.subject_id)
            .values_list("data", "source_updated_at")
            .first()
        )
        if row is None:
            return Fetched(found=False)
        data, updated = row
        return Fetched(
            found=True, data={f: data.get(f) for f in request.fields if f in data}, source_updated_at=updated
        )
