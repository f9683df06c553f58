from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tongban.accounts.notifications import notify
from tongban.accounts.tests.factories import EnterpriseMemberFactory, StaffFactory, UserFactory
from tongban.accounts.tests.helpers import last_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def test_login_pages_password_then_code_then_next(
    client: Client, notify_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory.create(phone="13600001234")
    # the page is in Chinese and offers the two steps
    r = client.get("/accounts/login/?next=/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200 and "1. 密码" in r.content.decode() and 'id="login-link"' in r.content.decode()
    # a wrong password stays on the page with a Chinese message
    r = client.post("/accounts/login/", {"username": user.username, "password": "bad"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and "用户名或密码错误" in r.content.decode()
    # the code step cannot be reached without the password step
    assert Client().get("/accounts/login/code/").headers["Location"] == "/accounts/login/"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/accounts/login/",
            {"username": user.username, "password": PASSWORD, "next": "/accounts/notifications/"},
        )
    assert r.status_code == 302 and r.headers["Location"] == "/accounts/login/code/"
    r = client.post(
        "/accounts/login/code/", {"code": "000000" if last_code(notify_log, user_id=user.pk) != "000000" else "111111"}
    )
    assert r.status_code == 400 and "验证码错误" in r.content.decode()
    r = client.post("/accounts/login/code/", {"code": last_code(notify_log, user_id=user.pk)})
    assert r.status_code == 302 and r.headers["Location"] == "/accounts/notifications/"
    r = client.get("/accounts/profile/")
    assert r.status_code == 200 and user.full_name in r.content.decode() and 'id="logout-button"' in r.content.decode()


def test_login_refuses_an_offsite_next(
    client: Client, notify_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory.create(phone="13600001235")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD, "next": "https://evil.example.com/"}
        )
    r = client.post("/accounts/login/code/", {"code": last_code(notify_log, user_id=user.pk)})
    assert r.headers["Location"] == "/accounts/profile/"


def test_logout_is_post_only(client: Client) -> None:
    user = UserFactory.create()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert client.get("/accounts/profile/").status_code == 302  # back to the login page


def test_pages_need_login(client: Client) -> None:
    for url in ("/accounts/profile/", "/accounts/notifications/"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/login/?next=")


def test_admin_has_no_password_only_door(client: Client) -> None:
    r = client.get("/admin/login/?next=/admin/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/login/?next=")
    staff = StaffFactory.create(is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/login/?next=/admin/").headers["Location"] == "/admin/"


def test_profile_shows_enterprises_and_agent_management(client: Client) -> None:
    rep_member = EnterpriseMemberFactory.create()
    client.force_login(rep_member.user)
    r = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = r.content.decode()
    assert rep_member.enterprise.name in html and "授权经办人" in html
    # the legal representative authorises an agent through the page
    agent = UserFactory.create()
    r = client.post(
        f"/accounts/enterprises/{rep_member.enterprise.uscc}/agents/",
        {
            f"e{rep_member.enterprise.pk}-id_number": agent.id_number,
            f"e{rep_member.enterprise.pk}-authorised_from": "2026-01-01",
            f"e{rep_member.enterprise.pk}-authorised_until": "2099-01-01",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 400 and "三年" in r.content.decode()  # too long: refused with the reason
    # and picks the enterprise to act for
    r = client.post("/accounts/profile/acting/", {"uscc": rep_member.enterprise.uscc})
    assert r.status_code == 302
    assert rep_member.enterprise.name in client.get("/accounts/profile/").content.decode()
    # a stranger's attempt to act for it is refused
    stranger = Client()
    stranger.force_login(UserFactory.create())
    stranger.post("/accounts/profile/acting/", {"uscc": rep_member.enterprise.uscc})
    assert "tongban_acting_enterprise" not in stranger.session


def test_notifications_page_and_marking_read(client: Client) -> None:
    user, other = UserFactory.create(), UserFactory.create()
    mine = notify(user=user, subject="您的办件已受理", body="办件编号 X1", link="/accounts/profile/")
    theirs = notify(user=other, subject="别人的通知", body="")
    client.force_login(user)
    html = client.get("/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "您的办件已受理" in html and "别人的通知" not in html
    r = client.post(f"/accounts/notifications/{mine.pk}/read/")
    assert r.headers["Location"] == "/accounts/profile/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    # someone else's notification id is refused and stays unread
    client.post(f"/accounts/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # over the API too
    r = client.post(f"/api/v1/accounts/notifications/{theirs.pk}/read")
    assert r.status_code == 404 and r.json()["code"] == "notification_not_found"
    body = client.get("/api/v1/accounts/notifications").json()
    assert body["count"] == 1 and body["unread"] == 0
