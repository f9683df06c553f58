"""Property-based test of the cases API from its own OpenAPI (schemathesis, in-process WSGI): no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.cases.tests.factories import make_item, staff, submitted_case

pytestmark = pytest.mark.django_db

CSRF = "c" * 32


@pytest.fixture(autouse=True)
def _keep_test_connection() -> Iterator[None]:
    """Like Django's test client: the WSGI app must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("actor", ["applicant", "reviewer"])
def test_cases_api_never_answers_5xx(actor: str) -> None:
    # given a submitted case and a logged-in applicant or reviewer of its department
    item = make_item()
    case = submitted_case(item)
    user = case.applicant if actor == "applicant" else staff(item.department, StaffRoleKind.REVIEWER)
    client = Client()
    client.force_login(user)
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    headers = {"X-CSRFToken": CSRF, "Accept-Language": "zh-hans"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
        path_regex="^/api/v1/cases"
    )
    failures: list[str] = []
    seen: dict[int, int] = {}
    operations: list[Any] = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert len(operations) > 25

    # when every cases operation is called with generated data
    for operation in operations:

        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(generated=operation.as_strategy())
        def check(generated: Any) -> None:
            response = generated.call(headers=headers, cookies=cookies)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(f"{generated.method} {generated.formatted_path} -> {response.status_code}")

        check()
    # then none answered with a server error, and the requests were authenticated (some succeeded)
    assert failures == []
    assert any(200 <= status < 300 for status in seen), seen
    assert seen.get(401, 0) < sum(seen.values()) / 2, seen
