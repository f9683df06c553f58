"""The HTTP connector: a provider's own system answering JSON over HTTP.

The exchange asks ``GET {base_url}/records/{resource_code}/{subject_id}?fields=a,b`` and expects
``200 {"found": true, "data": {...}, "updated_at": "ISO time"}`` or ``404 {"found": false}``.
A timeout, a refused connection or a 5xx answer is tried again up to ``retries`` times (GET is
safe to repeat); an answer that is not that JSON is never retried (the provider is broken, not
busy). Settings per resource (``connector_config``): ``base_url`` (required), ``timeout``
(seconds, default 2), ``retries`` (default 2), ``token`` (sent as a bearer token).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import httpx

from tongban.sharing import errors
from tongban.sharing.connectors.base import Fetched, FetchRequest
from tongban.sharing.constants import HTTP_DEFAULT_RETRIES, HTTP_DEFAULT_TIMEOUT, ConnectorKind


def _answer(response: httpx.Response, fields: tuple[str, ...]) -> Fetched:
    try:
        body: Any = response.json()
    except ValueError as exc:
        raise errors.provider_garbage("not JSON") from exc
    if not isinstance(body, dict) or not isinstance(body.get("found"), bool):
        raise errors.provider_garbage("no 'found' flag")
    if response.status_code == 404 or not body["found"]:
        return Fetched(found=False)
    data = body.get("data")
    if not isinstance(data, dict):
        raise errors.provider_garbage("'data' is not an object")
    updated: dt.datetime | None = None
    if body.get("updated_at"):
        try:
            updated = dt.datetime.fromisoformat(str(body["updated_at"]))
        except ValueError as exc:
            raise errors.provider_garbage("'updated_at' is not a time") from exc
    return Fetched(found=True, data={f: data.get(f) for f in fields if f in data}, source_updated_at=updated)


class HttpConnector:
    kind = ConnectorKind.HTTP.value

    def fetch(self, request: FetchRequest) -> Fetched:
        config = request.config
        base_url = str(config.get("base_url", "")).rstrip("/")
        if not base_url.startswith(("http://", "https://")):
            raise errors.provider_unavailable("no base_url configured")
        timeout = float(config.get("timeout", HTTP_DEFAULT_TIMEOUT))
        retries = max(0, min(5, int(config.get("retries", HTTP_DEFAULT_RETRIES))))
        url = f"{base_url}/records/{quote(request.resource_code, safe='')}/{quote(request.subject_id, safe='')}"
        headers = {"Accept": "application/json"}
        if config.get("token"):
            headers["Authorization"] = f"Bearer {config['token']}"
        last = ""
        timed_out = False
        with httpx.Client(timeout=timeout, headers=headers) as client:
            for _attempt in range(retries + 1):
                try:
                    response = client.get(url, params={"fields": ",".join(request.fields)})
                except httpx.TimeoutException:
                    timed_out, last = True, "timeout"
                    continue
                except httpx.HTTPError as exc:
                    timed_out, last = False, f"{type(exc).__name__}: {exc}"
                    continue
                if response.status_code >= 500:
                    timed_out, last = False, f"HTTP {response.status_code}"
                    continue
                if response.status_code not in (200, 404):
                    raise errors.provider_garbage(f"HTTP {response.status_code}")
                return _answer(response, request.fields)
        if timed_out:
            raise errors.provider_timeout()
        raise errors.provider_unavailable(last)
