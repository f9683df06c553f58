from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tongban.accounts import services
from tongban.accounts.models import Enterprise, EnterpriseMember, User
from tongban.accounts.tests.factories import EnterpriseMemberFactory, UserFactory
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db

GOOD_ID = make_resident_id("110101", dt.date(1990, 3, 7), 123)
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")  # wrong check digit
GOOD_USCC = make_uscc("120101", 424242)
BAD_USCC = GOOD_USCC[:17] + ("0" if GOOD_USCC[17] != "0" else "1")


def _register(**overrides: str) -> User:
    data = {"id_number": GOOD_ID, "full_name": "王小明", "phone": "13700001234", "password": "Tongban-test-2026"}
    data.update(overrides)
    return services.resident_register(**data)


def test_resident_registers_with_valid_details() -> None:
    user = _register(id_number=GOOD_ID.lower() if GOOD_ID.endswith("X") else GOOD_ID, phone="+86 137-0000-1234")
    assert user.username == GOOD_ID and user.id_number == GOOD_ID
    assert user.phone == "13700001234" and user.kind == "resident"
    assert user.region_id == "110101" or user.region_id in {"110100", "110000"}
    assert user.check_password("Tongban-test-2026")
    event = AuditEvent.objects.get(stream=f"user:{user.pk}", action="accounts.user_registered")
    assert GOOD_ID not in str(event.data) and event.data["id_number"].startswith("110101****")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"id_number": BAD_ID}, "invalid_id_number", "id_number"),
        ({"id_number": "12345"}, "invalid_id_number", "id_number"),
        (
            {"id_number": make_resident_id("110101", dt.date(1990, 1, 1), 1)[:6] + "19901332" + "0011"},
            "invalid_id_number",
            "id_number",
        ),
        ({"phone": "12345"}, "invalid_phone", "phone"),
        ({"phone": "23800001111"}, "invalid_phone", "phone"),
        ({"full_name": "王"}, "invalid_name", "full_name"),
        ({"password": "123"}, "weak_password", "password"),
    ],
)
def test_registration_refuses_invalid_input(overrides: dict[str, str], code: str, field: str) -> None:
    with pytest.raises(ApplicationError) as err:
        _register(**overrides)
    assert err.value.code == code
    assert err.value.details == {"field": field}
    assert not User.objects.filter(full_name="王小明").exists()


def test_registration_refuses_duplicates() -> None:
    _register()
    with pytest.raises(ApplicationError) as err:
        _register(phone="13700009999")
    assert (err.value.code, err.value.status) == ("id_number_taken", 409)
    other = make_resident_id("110101", dt.date(1991, 3, 7), 5)
    with pytest.raises(ApplicationError) as err:
        _register(id_number=other)
    assert err.value.code == "phone_taken"


def test_registration_api_answers_chinese_messages(api_client: Client) -> None:
    r = api_client.post(
        "/api/v1/accounts/register",
        {"id_number": BAD_ID, "full_name": "王小明", "phone": "13700001234", "password": "Tongban-test-2026"},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_id_number"
    assert "身份证" in r.json()["message"]
    r = api_client.post(
        "/api/v1/accounts/register",
        {"id_number": GOOD_ID, "full_name": "王小明", "phone": "13700001234", "password": "Tongban-test-2026"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["id_number_masked"] == GOOD_ID[:6] + "********" + GOOD_ID[-4:]


def test_registration_page_shows_the_error_next_to_the_field(client: Client) -> None:
    r = client.post(
        "/accounts/register/",
        {
            "full_name": "王小明",
            "id_number": BAD_ID,
            "phone": "13700001234",
            "password": "Tongban-test-2026",
            "password2": "Tongban-test-2026",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 400
    assert "身份证号码不是有效的18位公民身份号码" in r.content.decode()
    r = client.post(
        "/accounts/register/",
        {
            "full_name": "王小明",
            "id_number": GOOD_ID,
            "phone": "13700001234",
            "password": "Tongban-test-2026",
            "password2": "Tongban-test-2026",
        },
    )
    assert r.status_code == 302 and r.headers["Location"] == "/accounts/login/"
    assert User.objects.filter(id_number=GOOD_ID).exists()


# ---------------------------------------------------------------- enterprises and agents


def test_legal_representative_registers_an_enterprise(django_capture_on_commit_callbacks: Any) -> None:
    rep = UserFactory.create()
    enterprise = services.enterprise_register(
        actor=rep, uscc=GOOD_USCC.lower(), name="天津通办科技有限公司", region_code="120000"
    )
    assert enterprise.uscc == GOOD_USCC
    assert enterprise.legal_representative_id_number == rep.id_number
    member = EnterpriseMember.objects.get(enterprise=enterprise)
    assert (member.user, member.role, member.active) == (rep, "legal_representative", True)
    assert AuditEvent.objects.filter(stream=f"enterprise:{GOOD_USCC}", action="accounts.enterprise_registered").exists()


@pytest.mark.parametrize(
    ("uscc", "code"),
    [(BAD_USCC, "invalid_uscc"), ("91120101ABC", "invalid_uscc"), ("9112010100042424IO", "invalid_uscc")],
)
def test_enterprise_registration_refuses_invalid_codes(uscc: str, code: str) -> None:
    rep = UserFactory.create()
    with pytest.raises(ApplicationError) as err:
        services.enterprise_register(actor=rep, uscc=uscc, name="天津通办科技有限公司", region_code="120000")
    assert err.value.code == code and "统一社会信用代码" in str(err.value.message)
    assert not Enterprise.objects.exists()


def test_enterprise_registration_refuses_duplicates_and_non_residents() -> None:
    rep = UserFactory.create()
    services.enterprise_register(actor=rep, uscc=GOOD_USCC, name="天津通办科技有限公司", region_code="120000")
    with pytest.raises(ApplicationError) as err:
        services.enterprise_register(actor=UserFactory.create(), uscc=GOOD_USCC, name="另一家", region_code="120000")
    assert err.value.code == "uscc_taken"
    staff = UserFactory.create(kind="staff", id_number="")
    with pytest.raises(ApplicationError) as err:
        services.enterprise_register(actor=staff, uscc=make_uscc("120101", 1), name="某公司", region_code="120000")
    assert err.value.code == "not_a_resident"


def test_agent_authorisation_by_the_legal_representative_only(django_capture_on_commit_callbacks: Any) -> None:
    # given an enterprise, its legal representative and a registered resident
    rep_member = EnterpriseMemberFactory.create()
    enterprise, rep = rep_member.enterprise, rep_member.user
    agent = UserFactory.create()
    today = dt.date.today()
    # when someone who is not the legal representative tries, then it is refused
    with pytest.raises(ApplicationError) as err:
        services.enterprise_agent_add(
            actor=agent,
            enterprise=enterprise,
            agent_id_number=agent.id_number,
            authorised_from=today,
            authorised_until=today + dt.timedelta(days=30),
        )
    assert err.value.code == "not_legal_representative"
    # when the legal representative authorises the agent for a month
    member = services.enterprise_agent_add(
        actor=rep,
        enterprise=enterprise,
        agent_id_number=agent.id_number,
        authorised_from=today,
        authorised_until=today + dt.timedelta(days=30),
    )
    # then the agent may act for it, was told, and the grant is audited
    from tongban.accounts.selectors import user_can_act_for

    assert user_can_act_for(user=agent, enterprise=enterprise)
    assert agent.notifications.filter(kind="security").count() == 1
    assert AuditEvent.objects.filter(action="accounts.member_authorised", object_id=str(member.pk)).exists()
    # and the agent cannot authorise others
    with pytest.raises(ApplicationError) as err:
        services.enterprise_agent_revoke(actor=agent, member=member)
    assert err.value.code == "not_legal_representative"
    # when the legal representative revokes it, then the agent can no longer act
    services.enterprise_agent_revoke(actor=rep, member=member, reason="离职")
    assert not user_can_act_for(user=agent, enterprise=enterprise)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [(0, -1, "invalid_period"), (-10, -2, "invalid_period"), (0, 4 * 366, "invalid_period")],
)
def test_agent_period_is_validated(start: int, end: int, code: str) -> None:
    rep_member = EnterpriseMemberFactory.create()
    agent = UserFactory.create()
    today = dt.date.today()
    with pytest.raises(ApplicationError) as err:
        services.enterprise_agent_add(
            actor=rep_member.user,
            enterprise=rep_member.enterprise,
            agent_id_number=agent.id_number,
            authorised_from=today + dt.timedelta(days=start),
            authorised_until=today + dt.timedelta(days=end),
        )
    assert err.value.code == code


def test_agent_must_be_a_registered_resident() -> None:
    rep_member = EnterpriseMemberFactory.create()
    today = dt.date.today()
    with pytest.raises(ApplicationError) as err:
        services.enterprise_agent_add(
            actor=rep_member.user,
            enterprise=rep_member.enterprise,
            agent_id_number=make_resident_id("130102", dt.date(1988, 8, 8), 8),
            authorised_from=today,
            authorised_until=today + dt.timedelta(days=3),
        )
    assert err.value.code == "agent_not_registered"


def test_acting_enterprise_over_the_api(client: Client) -> None:
    # given a member and a stranger, both logged in
    rep_member = EnterpriseMemberFactory.create()
    stranger = UserFactory.create()
    client.force_login(rep_member.user)
    # when the member picks the enterprise, then the session acts for it
    r = client.post(
        "/api/v1/accounts/acting-enterprise", {"uscc": rep_member.enterprise.uscc}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["acting_enterprise"] == rep_member.enterprise.uscc
    assert client.get("/api/v1/accounts/me").json()["acting_enterprise"] == rep_member.enterprise.uscc
    # when a stranger tries the same enterprise, then it is refused
    other = Client()
    other.force_login(stranger)
    r = other.post(
        "/api/v1/accounts/acting-enterprise", {"uscc": rep_member.enterprise.uscc}, content_type="application/json"
    )
    assert r.status_code == 403 and r.json()["code"] == "not_enterprise_member"
    # and a stranger cannot list the enterprise's members
    r = other.get(f"/api/v1/accounts/enterprises/{rep_member.enterprise.uscc}/members")
    assert r.status_code == 403
    assert AuditEvent.objects.filter(action="accounts.acting_enterprise_selected").count() == 1


def test_agent_api_round_trip(client: Client) -> None:
    rep_member = EnterpriseMemberFactory.create()
    agent = UserFactory.create()
    client.force_login(rep_member.user)
    today = dt.date.today()
    uscc = rep_member.enterprise.uscc
    r = client.post(
        f"/api/v1/accounts/enterprises/{uscc}/agents",
        {
            "id_number": agent.id_number,
            "authorised_from": today.isoformat(),
            "authorised_until": (today + dt.timedelta(days=90)).isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    member_id = r.json()["id"]
    members = client.get(f"/api/v1/accounts/enterprises/{uscc}/members").json()
    assert {m["role"] for m in members} == {"legal_representative", "agent"}
    # the agent sees the enterprise in their list
    agent_client = Client()
    agent_client.force_login(agent)
    assert [e["uscc"] for e in agent_client.get("/api/v1/accounts/enterprises").json()] == [uscc]
    # a bad ID number answers 422 with its code
    r = client.post(
        f"/api/v1/accounts/enterprises/{uscc}/agents",
        {"id_number": BAD_ID, "authorised_from": today.isoformat(), "authorised_until": today.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"
    r = client.post(
        f"/api/v1/accounts/enterprises/{uscc}/agents/{member_id}/revoke", {}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert agent_client.get("/api/v1/accounts/enterprises").json() == []
