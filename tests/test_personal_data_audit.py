"""Every URL pattern and API operation is declared (does it show personal data?), and every staff
read of personal data leaves an audit event with its purpose (tongban.core.privacy, ADR 0031)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.api import api
from tongban.cases.tests.factories import make_item, resident, staff, submitted_case
from tongban.core.models import AuditEvent
from tongban.core.privacy import ADMIN_VIEWS, Exposure, declarations
from tongban.hotline.tests import factories as hotline
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence


def _func_path(func: Any) -> str:
    """How ``ResolverMatch.view_name`` names the view of an unnamed pattern."""
    func = getattr(func, "view_class", func)
    if not hasattr(func, "__name__"):
        return f"{func.__class__.__module__}.{func.__class__.__name__}"
    return f"{func.__module__}.{func.__name__}"


def _patterns(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            name = p.name or _func_path(p.callback)
            yield prefix + str(p.pattern), f"{ns}:{name}" if ns else name


def _api_operations() -> set[str]:
    keys: set[str] = set()
    for prefix, router in api._routers:
        base = prefix.strip("/")
        for path, path_view in router.path_operations.items():
            route = "api/v1/" + (f"{base}/" if base else "") + path.lstrip("/")
            route = re.sub(
                r"\{(?:(\w+):)?(\w+)\}", lambda m: f"<{m.group(1) + ':' if m.group(1) else ''}{m.group(2)}>", route
            )
            for operation in path_view.operations:
                keys.update(f"{method} {route}" for method in operation.methods)
    return keys


def every_key() -> set[str]:
    """The key of every URL pattern (``namespace:name``) and of every API operation (``METHOD route``)."""
    operations = _api_operations()
    operation_routes = {key.split(" ", 1)[1] for key in operations}
    keys = set(operations)
    for route, name in _patterns(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            if route not in operation_routes:  # the API's own pages (root, OpenAPI, docs)
                keys.add(f"GET {route}")
            continue
        keys.add(name)
    for model in admin.site._registry:
        keys.update(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}" for view in ADMIN_VIEWS)
    return keys


def test_every_url_pattern_and_api_operation_is_declared() -> None:
    # given every URL pattern, API operation and admin page of the node
    keys = every_key()
    assert len(keys) > 300
    declared = declarations()
    # then each is declared as showing no personal data, the caller's own, or others' to staff
    undeclared = sorted(k for k in keys if k not in declared)
    assert undeclared == [], "declare these in the app's privacy.py (tongban.core.privacy): " + ", ".join(undeclared)
    # and nothing is declared that does not exist (a renamed view would leave its old name behind)
    assert sorted(k for k in declared if k not in keys) == []


def test_the_reads_the_security_round_found_unaudited_are_declared_staff_reads() -> None:
    declared = declarations()
    for key in (
        "GET api/v1/hotline/tickets",
        "hotline:agent",
        "GET api/v1/licences/<number>/vc-jwt",
        "GET api/v1/licences/<number>/pdf",
        "licences:staff",
        "GET api/v1/cases/search",
        "admin:cases_case_change",
        "admin:accounts_user_change",
        "admin:licences_licence_change",
    ):
        assert declared[key].exposure == Exposure.STAFF and declared[key].purpose, key


# ---------------------------------------------------------------- the reads, as staff make them


def _reads(user: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor_id=user.pk).order_by("id"))


def _logged_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_hotline_list_with_callers_phones_is_audited() -> None:
    # given a line with a ticket whose caller left a phone number, and its agent
    ln = hotline.line()
    hotline.ticket(ln)
    client = _logged_in(ln.agent)
    before = len(_reads(ln.agent))
    # when the agent lists the tickets through the API
    response = client.get("/api/v1/hotline/tickets", {"queue": "new"})
    # then the read is an audit event with its purpose
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    events = _reads(ln.agent)[before:]
    assert [(e.action, e.data["purpose"]) for e in events] == [("core.personal_data_read", "the ticket list")]
    assert events[0].object_id == "GET api/v1/hotline/tickets"


@pytest.mark.django_db
def test_a_licence_administrators_downloads_and_search_by_id_number_are_audited() -> None:
    # given a licence of a resident and the issuing department's licence administrator
    licence_type = LicenceTypeFactory.create()
    holder = resident()
    licence = make_licence(licence_type=licence_type, holder_id=holder.id_number)
    officer = StaffFactory.create(roles=[(licence_type.department, StaffRoleKind.LICENCE_ADMIN)])
    client = _logged_in(officer)
    # when they download its VC-JWT and PDF and search licences by the holder's ID number
    for path in (f"/api/v1/licences/{licence.number}/vc-jwt", f"/api/v1/licences/{licence.number}/pdf"):
        assert client.get(path).status_code == 200
    assert licence.number in client.get("/licences/staff/", {"q": holder.id_number}).content.decode()
    # then each is an audit event, and the ID number is not written in full
    events = _reads(officer)
    assert [e.action for e in events] == ["licence.read", "licence.read", "core.personal_data_read"]
    assert [e.reason for e in events] == [
        "downloading a licence (VC-JWT)",
        "downloading a licence (PDF)",
        "licence administration",
    ]
    assert holder.id_number not in str(events[2].data) and holder.id_number[:6] in events[2].data["query"]


@pytest.mark.django_db
def test_the_case_search_by_id_number_is_audited() -> None:
    # given a submitted case and the department's reviewer
    item = make_item()
    applicant = resident()
    submitted_case(item=item, applicant=applicant)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # when the reviewer searches cases by the applicant's ID number
    response = _logged_in(reviewer).get("/api/v1/cases/search", {"q": applicant.id_number})
    # then the search is an audit event with its purpose
    assert response.status_code == 200, response.content
    events = [e for e in _reads(reviewer) if e.action == "core.personal_data_read"]
    assert len(events) == 1 and events[0].data["purpose"] == "case search"
    assert applicant.id_number not in events[0].data["query"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["cases.case", "accounts.user", "licences.licence"])
def test_admin_change_pages_of_people_are_audited(model: str) -> None:
    # given a superuser and a record of each kind
    admin_user = UserFactory.create(is_staff=True, is_superuser=True, kind="staff", id_number="")
    item = make_item()
    records: dict[str, Callable[[], Any]] = {
        "cases.case": lambda: submitted_case(item=item),
        "accounts.user": resident,
        "licences.licence": lambda: make_licence(licence_type=LicenceTypeFactory.create()),
    }
    record = records[model]()
    app, name = model.split(".")
    client = _logged_in(admin_user)
    # when they open the record's change page and the list
    change = client.get(f"/admin/{app}/{name}/{record.pk}/change/")
    listing = client.get(f"/admin/{app}/{name}/")
    # then each read is an audit event naming the page
    assert change.status_code == 200 and listing.status_code == 200
    events = [e for e in _reads(admin_user) if e.action == "core.personal_data_read"]
    assert [e.object_id for e in events] == [f"admin:{app}_{name}_change", f"admin:{app}_{name}_changelist"]
    assert all(e.data["purpose"] for e in events)


@pytest.mark.django_db
def test_a_read_that_records_its_own_event_is_not_recorded_twice_and_residents_are_not_recorded() -> None:
    # given a case, its reviewer and its applicant
    item = make_item()
    applicant = resident()
    case = submitted_case(item=item, applicant=applicant)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # when the reviewer opens it (the case records case.viewed with the reason) and the applicant does
    assert _logged_in(reviewer).get(f"/api/v1/cases/{case.pk}", {"reason": "受理审查"}).status_code == 200
    assert _logged_in(applicant).get(f"/api/v1/cases/{case.pk}").status_code == 200
    # then the reviewer's read is one event, the case's own; the applicant's own read is none
    assert [e.action for e in _reads(reviewer)] == ["case.viewed"]
    assert not AuditEvent.objects.filter(action="core.personal_data_read").exists()
