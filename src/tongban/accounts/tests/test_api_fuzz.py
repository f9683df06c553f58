"""Property-based test of the accounts API from its own OpenAPI (schemathesis, in-process WSGI): no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings

from tongban.accounts.tests.factories import EnterpriseMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """As Django's test client does: the WSGI handler must not close the test transaction's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


CSRF = "c" * 32


def test_accounts_api_never_answers_5xx(notify_log: Path) -> None:
    # given a logged-in legal representative of an enterprise
    member = EnterpriseMemberFactory.create()
    client = Client()
    client.force_login(member.user)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    headers = {"X-CSRFToken": CSRF, "Accept-Language": "zh-hans"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
        path_regex="^/api/v1/accounts/(?!logout)"
    )
    operations: list[Any] = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []
    seen: dict[int, int] = {}

    # when every operation is called with generated data
    for operation in operations:

        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(generated=operation.as_strategy())
        def check(generated: Any) -> None:
            response = generated.call(headers=headers, cookies=cookies)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{generated.method} {generated.formatted_path} -> {response.status_code}")

        check()
    # then none answered with a server error, and some requests succeeded
    assert failures == []
    assert any(200 <= status < 300 for status in seen), seen
