from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from tongban.accounts.models import Notification
from tongban.accounts.notifications import (
    notification_list,
    notification_mark_read,
    notify,
    notify_inbox,
)
from tongban.accounts.tests.factories import UserFactory
from tongban.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_notify_stores_in_inbox_and_lists_newest_first(django_capture_on_commit_callbacks: Any) -> None:
    # given a user
    user = UserFactory.create()
    # when two notifications are sent
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(user=user, subject="办件已受理", body="您的办件已受理。")
        second = notify(user=user, subject="办件已办结", body="您的办件已办结。", kind="case", link="/cases/1/")
    # then both are in the inbox, newest first, unread
    items = list(notification_list(user=user))
    assert items == [second, first]
    assert all(n.read_at is None for n in items)
    assert second.channels == ["inbox"]


def test_notify_inbox_stores_by_user_id_and_validates_like_notify(django_capture_on_commit_callbacks: Any) -> None:
    # given a user known only by id
    user = UserFactory.create()
    # when a notice is put in the inbox by id
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stored = notify_inbox(user_id=user.pk, subject="办件已受理", body="", kind="case", link="/cases/9/")
    # then it is the user's, on the inbox alone, and nothing is sent elsewhere
    assert list(notification_list(user=user)) == [stored]
    assert stored.channels == ["inbox"] and stored.link == "/cases/9/" and not callbacks
    # and bad input is refused with the same codes as notify
    with pytest.raises(ValidationFailed) as err:
        notify_inbox(user_id=user.pk, subject="x", body="", kind="gossip")
    assert err.value.code == "invalid_notification_kind"
    with pytest.raises(ValidationFailed) as err:
        notify_inbox(user_id=user.pk, subject="  ", body="")
    assert err.value.code == "invalid_notification"


def test_mark_read_only_own_notification() -> None:
    # given a notification of one user
    owner, other = UserFactory.create(), UserFactory.create()
    n = notify(user=owner, subject="提醒", body="")
    # when someone else marks it read, then it is refused as not found
    with pytest.raises(NotFound):
        notification_mark_read(user=other, notification=n)
    # when the owner marks it read, then it is read
    notification_mark_read(user=owner, notification=n)
    n.refresh_from_db()
    assert n.read_at is not None


def test_notify_refuses_unknown_channel_and_kind() -> None:
    user = UserFactory.create()
    with pytest.raises(ValidationFailed) as err:
        notify(user=user, subject="x", body="", channels=("pigeon",))
    assert err.value.code == "invalid_notification_channel"
    with pytest.raises(ValidationFailed) as err:
        notify(user=user, subject="x", body="", kind="gossip")
    assert err.value.code == "invalid_notification_kind"
    assert not Notification.objects.filter(user=user).exists()


def test_file_backend_appends_json_lines(tmp_path: Path, django_capture_on_commit_callbacks: Any) -> None:
    # given the file backend
    log = tmp_path / "notifications.log"
    user = UserFactory.create(phone="13800000001")
    with override_settings(TONGBAN_NOTIFY_BACKENDS=["file"], TONGBAN_NOTIFY_FILE=log):
        # when a notification goes by SMS, then nothing is written before commit
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            notify(user=user, subject="办件已受理", body="请留意进度。", channels=("inbox", "sms"))
            assert not log.exists()
        assert len(callbacks) == 1
    # then one JSON line with the channel, address and text was appended
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["channel"] == "sms"
    assert entry["to"] == "13800000001"
    assert entry["subject"] == "办件已受理"
    assert entry["user_id"] == user.pk


def test_nothing_is_sent_when_the_transaction_rolls_back(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    log = tmp_path / "n.log"
    user = UserFactory.create(phone="13800000002")
    with (
        override_settings(TONGBAN_NOTIFY_BACKENDS=["file"], TONGBAN_NOTIFY_FILE=log),
        django_capture_on_commit_callbacks(execute=False) as callbacks,
    ):
        notify(user=user, subject="x", body="y", channels=("sms",))
    # the callback exists but a rollback discards it: nothing was written meanwhile
    assert len(callbacks) == 1
    assert not log.exists()


def test_console_backend_prints(capsys: pytest.CaptureFixture[str], django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory.create(email="zhang@example.cn")
    with override_settings(TONGBAN_NOTIFY_BACKENDS=["console"]), django_capture_on_commit_callbacks(execute=True):
        notify(user=user, subject="材料需补正", body="请补交身份证复印件。", channels=("inbox", "email"))
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    entry = json.loads(out[0])
    assert entry["channel"] == "email" and entry["to"] == "zhang@example.cn"
    assert entry["body"] == "请补交身份证复印件。"


def test_smtp_backend_sends_email_only_to_users_with_address(django_capture_on_commit_callbacks: Any) -> None:
    # given the smtp backend (Django's locmem outbox in tests)
    with_mail = UserFactory.create(email="li@example.cn")
    without = UserFactory.create(email="")
    with override_settings(TONGBAN_NOTIFY_BACKENDS=["smtp"]), django_capture_on_commit_callbacks(execute=True):
        notify(
            user=with_mail,
            subject="结果已送达",
            body="请查收。",
            link="/cases/9/",
            channels=("inbox", "email", "sms"),
        )
        notify(user=without, subject="结果已送达", body="请查收。", channels=("inbox", "email"))
    # then exactly one email went out, to the user with an address
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["li@example.cn"]
    assert mail.outbox[0].subject == "结果已送达"
    assert "/cases/9/" in str(mail.outbox[0].body)


class _Gateway:
    """A real HTTP server on a local port that records what the SMS backend posts."""

    def __init__(self, status: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "content_type": self.headers.get("Content-Type"),
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"status":"queued"}')

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms_gateway() -> Iterator[_Gateway]:
    with _Gateway() as gw:
        yield gw


def test_sms_backend_posts_to_gateway(sms_gateway: _Gateway, django_capture_on_commit_callbacks: Any) -> None:
    # given the SMS backend pointed at a real local HTTP gateway
    user = UserFactory.create(phone="13900000003")
    with (
        override_settings(
            TONGBAN_NOTIFY_BACKENDS=["sms"], TONGBAN_SMS_GATEWAY_URL=sms_gateway.url, TONGBAN_SMS_API_KEY="k-123"
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(user=user, subject="办件已受理", body="受理编号 A1", channels=("inbox", "sms", "email"))
    # then the gateway received one authenticated JSON request with the phone number and text
    assert len(sms_gateway.requests) == 1
    req = sms_gateway.requests[0]
    assert req["path"] == "/v1/sms/send"
    assert req["authorization"] == "Bearer k-123"
    assert req["content_type"] == "application/json"
    assert req["json"]["to"] == "13900000003"
    assert "办件已受理" in req["json"]["message"] and "受理编号 A1" in req["json"]["message"]


def test_sms_gateway_failure_does_not_break_the_caller(django_capture_on_commit_callbacks: Any, caplog: Any) -> None:
    # given a gateway that answers 500
    user = UserFactory.create(phone="13900000004")
    with (
        _Gateway(status=500) as gw,
        override_settings(TONGBAN_NOTIFY_BACKENDS=["sms"], TONGBAN_SMS_GATEWAY_URL=gw.url, TONGBAN_SMS_API_KEY="k"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        n = notify(user=user, subject="提醒", body="b", channels=("inbox", "sms"))
    # then the inbox copy exists, the gateway was tried, and the failure was logged
    assert Notification.objects.filter(pk=n.pk).exists()
    assert len(gw.requests) == 1
    assert "notification backend sms failed" in caplog.text
