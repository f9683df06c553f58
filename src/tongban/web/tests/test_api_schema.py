"""Schemathesis over the node's whole ``/api/v1/`` (in-process WSGI), bounded in time.

Every operation of the published OpenAPI document is called with generated data by an anonymous
caller, a resident with a submitted case and a staff member of the case's department; no answer
may be a server error, and every answer must be documented: its status code among the
operation's responses, its body valid against the response schema (checks
``not_a_server_error``, ``status_code_conformance``, ``response_schema_conformance``,
``content_type_conformance``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.cases.tests.factories import make_item, staff, submitted_case

pytestmark = pytest.mark.django_db

CSRF = "c" * 32
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]
# Examples per operation and caller: small, so that the whole API takes well under two minutes.
MAX_EXAMPLES = 3


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


def _cookies(user: Any) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}


def _run(
    operation: Any,
    name: str,
    cookies: dict[str, str],
    headers: dict[str, str],
    failures: dict[str, str],
    seen: dict[int, int],
) -> None:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(generated=operation.as_strategy())
    def check(generated: Any) -> None:
        response = generated.call(headers=headers, cookies=cookies)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        try:
            generated.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as exc:  # keep the first per caller and operation
            key = f"{name} {generated.method} {operation.path}"
            failures.setdefault(key, f"{response.status_code}: {str(exc)[:800]}")

    check()


def test_the_whole_api_answers_as_documented_and_never_with_a_server_error() -> None:
    # given a submitted case, its applicant, a reviewer of its department and an anonymous caller
    item = make_item()
    case = submitted_case(item)
    callers: dict[str, dict[str, str]] = {
        "anonymous": {"csrftoken": CSRF},
        "applicant": _cookies(case.applicant),
        "reviewer": _cookies(staff(item.department, StaffRoleKind.REVIEWER)),
    }
    headers = {"X-CSRFToken": CSRF, "Accept-Language": "zh-hans"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations: list[Any] = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert len(operations) > 90
    failures: dict[str, str] = {}
    seen: dict[int, int] = {}
    started = time.monotonic()

    # when every operation is called with generated data by each caller
    for name, cookies in callers.items():
        for operation in operations:
            if name != "anonymous" and operation.path.endswith("/logout"):
                continue  # would end the session the other operations run in

            _run(operation, name, cookies, headers, failures, seen)
    elapsed = time.monotonic() - started

    # then nothing failed and some calls succeeded
    assert failures == {}, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
    assert any(200 <= status < 300 for status in seen), seen
    print(f"schemathesis: {sum(seen.values())} calls in {elapsed:.0f} s")  # about a minute on an idle machine


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        found |= {sub} | _subclasses(sub)
    return found


def test_no_two_schemas_of_the_api_share_a_name() -> None:
    # two models of one name become one component of the OpenAPI document: one of them is then
    # published wrong (as MaterialOut was, for the catalog's and the cases' materials)
    from pydantic import BaseModel

    from tongban.api import api

    components = set(api.get_openapi_schema()["components"]["schemas"])
    by_name: dict[str, set[str]] = {}
    for model in _subclasses(BaseModel):
        if model.__module__.startswith("tongban.") and model.__name__ in components:
            by_name.setdefault(model.__name__, set()).add(f"{model.__module__}.{model.__qualname__}")
    assert len(by_name) > 50
    assert {name: sorted(where) for name, where in by_name.items() if len(where) > 1} == {}
