"""Connectors: how the exchange reaches the system that holds a resource. One module per kind.

A connector is small and typed: ``fetch(FetchRequest) -> Fetched``. It answers the record of one
subject (only the fields asked for), or ``found=False`` when the source holds none, and raises
``ProviderUnavailable`` (stable codes ``provider_unavailable`` / ``provider_timeout`` /
``provider_bad_answer``) when the source cannot answer. Approval checks, masking and the access
log are the exchange's (``services.exchange_read``), never a connector's; only the peer connector
carries the read's purpose and context to the other node, which checks its own approvals.
"""
