from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts import services
from tongban.accounts.models import LoginAttempt, OneTimeCode, User
from tongban.accounts.services import AccountLocked, LoginFailed, OtpFailed
from tongban.accounts.tests.factories import UserFactory
from tongban.accounts.tests.helpers import last_code
from tongban.core.errors import ApplicationError
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _start(user: User, capture: Any, password: str = PASSWORD, source: str = "203.0.113.7") -> services.LoginChallenge:
    with capture(execute=True):
        return services.login_start(username=user.username, password=password, source=source, user_agent="pytest")


def _actions(user: User) -> list[str]:
    return list(AuditEvent.objects.filter(stream=f"user:{user.pk}").order_by("seq").values_list("action", flat=True))


def test_right_code_logs_in_once_and_is_audited(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    # given a resident with a phone number
    user = UserFactory.create(phone="13800001111")
    # when the password is right, then a code is sent (to the log, masked in the answer) and only its hash is kept
    challenge = _start(user, django_capture_on_commit_callbacks)
    assert challenge.sent_to == ["sms:138****1111"]
    code = last_code(notify_log, user_id=user.pk)
    otp = OneTimeCode.objects.get(user=user)
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert challenge.challenge not in otp.challenge_hash
    assert otp.expires_at - otp.created_at <= dt.timedelta(minutes=5, seconds=1)
    # when the code is given, then the login succeeds
    assert services.login_verify_otp(challenge=challenge.challenge, code=code, source="203.0.113.7") == user
    # and the same code cannot be used again
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge=challenge.challenge, code=code)
    assert err.value.code == "otp_used"
    # and every step is an audit event, with the source address
    assert _actions(user) == [
        "accounts.otp_sent",
        "accounts.login_succeeded",
        "accounts.login_failed",
    ]
    first = AuditEvent.objects.filter(stream=f"user:{user.pk}").order_by("seq").first()
    assert first is not None and first.source == "internal"
    assert LoginAttempt.objects.filter(user=user, succeeded=True).values_list("source", flat=True)[0] == "203.0.113.7"


def test_wrong_code_is_refused_and_counted(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory.create(phone="13800001112")
    challenge = _start(user, django_capture_on_commit_callbacks)
    code = last_code(notify_log, user_id=user.pk)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    # when a wrong code is given, then it is refused with the attempts left, and recorded
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge=challenge.challenge, code=wrong, source="198.51.100.1")
    assert err.value.code == "otp_invalid"
    assert err.value.details == {"attempts_left": 4}
    assert "验证码" in str(err.value.message)
    attempt = LoginAttempt.objects.get(user=user, succeeded=False)
    assert (attempt.stage, attempt.reason, attempt.source) == ("otp", "wrong_otp", "198.51.100.1")
    # and the right code still works afterwards (one miss does not burn the code)
    assert services.login_verify_otp(challenge=challenge.challenge, code=code) == user


def test_expired_code_is_refused(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory.create(phone="13800001113")
    challenge = _start(user, django_capture_on_commit_callbacks)
    code = last_code(notify_log, user_id=user.pk)
    # given the code is more than five minutes old
    OneTimeCode.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    # then even the right code is refused
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge=challenge.challenge, code=code)
    assert err.value.code == "otp_expired"


def test_a_new_code_makes_the_old_one_useless(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    user = UserFactory.create(phone="13800001114")
    first = _start(user, django_capture_on_commit_callbacks)
    first_code = last_code(notify_log, user_id=user.pk)
    _start(user, django_capture_on_commit_callbacks)
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge=first.challenge, code=first_code)
    assert err.value.code == "otp_expired"


def test_unknown_challenge_and_unknown_user(notify_log: Path) -> None:
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge="not-a-challenge", code="123456")
    assert err.value.code == "otp_challenge_invalid"
    # an unknown user name gets the same answer as a wrong password, and is recorded
    with pytest.raises(LoginFailed) as err2:
        services.login_start(username="nobody", password="x", source="192.0.2.9")
    assert err2.value.code == "invalid_credentials"
    assert LoginAttempt.objects.filter(user=None, username="nobody", reason="unknown_user").exists()
    assert AuditEvent.objects.filter(stream="login:unknown", action="accounts.login_failed").exists()


def _owner_logged_in_from(user: User, source: str, log: Path, capture: Any) -> None:
    challenge = _start(user, capture, source=source)
    services.login_verify_otp(challenge=challenge.challenge, code=last_code(log, user_id=user.pk), source=source)


def test_wrong_passwords_and_unknown_accounts_get_one_answer(
    notify_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given an account, and a user name without one
    user = UserFactory.create(phone="13800001115")
    answers: list[tuple[str, int, str, Any]] = []
    # when a stranger tries wrong passwords until the address is stopped, then the right one, then no account
    for password in ["wrong"] * 6 + [PASSWORD]:
        with pytest.raises(LoginFailed) as err:
            _start(user, django_capture_on_commit_callbacks, password=password, source="198.51.100.66")
        answers.append((err.value.code, err.value.status, str(err.value.message), err.value.details))
    with pytest.raises(LoginFailed) as unknown:
        services.login_start(username="120101198001019999", password="x", source="198.51.100.67")
    answers.append((unknown.value.code, unknown.value.status, str(unknown.value.message), unknown.value.details))
    # then every answer is the same: no count of attempts left, no word of a lock
    assert len(set(answers)) == 1
    code, status, message, details = answers[0]
    assert (code, status, details) == ("invalid_credentials", 401, None) and "密码" in message
    assert LoginAttempt.objects.filter(user=user, reason="wrong_password").count() == 5
    assert LoginAttempt.objects.filter(user=user, reason="locked").count() == 2


def test_a_stranger_stops_only_their_own_address_not_the_owner(
    notify_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    # given an owner who logged in from home before
    user = UserFactory.create(phone="13800001125")
    _owner_logged_in_from(user, "203.0.113.10", notify_log, django_capture_on_commit_callbacks)
    # when a stranger guesses five wrong passwords from their address
    for _ in range(5):
        with pytest.raises(LoginFailed):
            _start(user, django_capture_on_commit_callbacks, password="wrong", source="198.51.100.5")
    # then that address is stopped, even with the right password
    with pytest.raises(LoginFailed):
        _start(user, django_capture_on_commit_callbacks, source="198.51.100.5")
    # but the account is not locked: the owner logs in from home and from a new place
    user.refresh_from_db()
    assert user.locked_until is None
    assert _start(user, django_capture_on_commit_callbacks, source="203.0.113.10").challenge
    assert _start(user, django_capture_on_commit_callbacks, source="192.0.2.200").challenge
    # and once the failures have left the window, the stopped address may try again
    LoginAttempt.objects.filter(user=user, source="198.51.100.5").update(
        created_at=timezone.now() - dt.timedelta(minutes=16)
    )
    assert _start(user, django_capture_on_commit_callbacks, source="198.51.100.5").challenge


def test_many_addresses_pause_only_new_places_and_the_owner_is_told(
    notify_log: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TONGBAN_LOGIN_ACCOUNT_FAILURES = 8
    # given an owner who logged in from home before
    user = UserFactory.create(phone="13800001126")
    _owner_logged_in_from(user, "203.0.113.11", notify_log, django_capture_on_commit_callbacks)
    # when strangers at eight addresses each guess once
    for i in range(8):
        with pytest.raises(LoginFailed):
            _start(user, django_capture_on_commit_callbacks, password="wrong", source=f"198.51.100.{100 + i}")
    # then logins from new places are paused (the same answer) and the owner is told
    user.refresh_from_db()
    assert user.locked_until is not None
    assert "accounts.account_locked" in _actions(user)
    assert user.notifications.filter(kind="security").exists()
    with pytest.raises(LoginFailed):
        _start(user, django_capture_on_commit_callbacks, source="192.0.2.201")
    # but the owner still logs in from home
    assert _start(user, django_capture_on_commit_callbacks, source="203.0.113.11").challenge


def test_an_address_guessing_across_accounts_is_stopped(
    notify_log: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TONGBAN_LOGIN_SOURCE_FAILURES = 6
    # given accounts, and an address that guesses one password for each of them and for unknown names
    users = [UserFactory.create(phone=f"1380000{2000 + i}") for i in range(4)]
    for user in users:
        with pytest.raises(LoginFailed):
            _start(user, django_capture_on_commit_callbacks, password="wrong", source="198.51.100.9")
    for name in ("nobody1", "nobody2"):
        with pytest.raises(LoginFailed):
            services.login_start(username=name, password="x", source="198.51.100.9")
    rows = LoginAttempt.objects.count()
    # when it tries again, whatever the account
    with pytest.raises(services.TooManyAttempts) as err:
        _start(users[0], django_capture_on_commit_callbacks, source="198.51.100.9")
    with pytest.raises(services.TooManyAttempts):
        services.login_start(username="nobody3", password="x", source="198.51.100.9")
    # then it is stopped without a word about the accounts, and nothing more is written
    assert (err.value.code, err.value.status) == ("too_many_attempts", 429)
    assert LoginAttempt.objects.count() == rows
    # while another address is not
    assert _start(users[0], django_capture_on_commit_callbacks, source="192.0.2.202").challenge


def test_wrong_codes_count_toward_the_lockout(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    # given someone who knows the password but not the code
    user = UserFactory.create(phone="13800001116")
    errors: list[ApplicationError] = []
    for _round in range(3):
        challenge = _start(user, django_capture_on_commit_callbacks)
        code = last_code(notify_log, user_id=user.pk)
        wrong = f"{(int(code) + 7) % 1_000_000:06d}"
        for _try in range(2):
            try:
                services.login_verify_otp(challenge=challenge.challenge, code=wrong, source="203.0.113.7")
            except ApplicationError as exc:
                errors.append(exc)
            if isinstance(errors[-1], AccountLocked):
                break
        if isinstance(errors[-1], AccountLocked):
            break
    # then requesting new codes does not reset the count: the fifth wrong code stops this address
    assert [type(e).__name__ for e in errors] == ["OtpFailed"] * 4 + ["AccountLocked"]
    with pytest.raises(LoginFailed):
        _start(user, django_capture_on_commit_callbacks)
    # and the account is not locked for its owner elsewhere
    assert _start(user, django_capture_on_commit_callbacks, source="192.0.2.203").challenge


def test_code_allows_limited_attempts(notify_log: Path, django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    settings.TONGBAN_LOCKOUT_FAILURES = 50  # isolate the per-code limit from the account lockout
    user = UserFactory.create(phone="13800001117")
    challenge = _start(user, django_capture_on_commit_callbacks)
    code = last_code(notify_log, user_id=user.pk)
    wrong = f"{(int(code) + 3) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(OtpFailed):
            services.login_verify_otp(challenge=challenge.challenge, code=wrong)
    with pytest.raises(OtpFailed) as err:
        services.login_verify_otp(challenge=challenge.challenge, code=code)
    assert err.value.code == "otp_too_many_attempts"


def test_no_delivery_channel_is_refused(notify_log: Path, settings: Any) -> None:
    # given only real SMS/email backends and a user with neither phone nor email
    settings.TONGBAN_NOTIFY_BACKENDS = ["sms", "smtp"]
    user = UserFactory.create(phone="", email="")
    with pytest.raises(ApplicationError) as err:
        services.login_start(username=user.username, password=PASSWORD)
    assert err.value.code == "otp_undeliverable"
    assert not OneTimeCode.objects.filter(user=user).exists()


# ---------------------------------------------------------------- over HTTP


def _api_login(client: Client, user: User, log: Path, capture: Any) -> dict[str, Any]:
    with capture(execute=True):
        r = client.post(
            "/api/v1/accounts/login",
            {"username": user.username, "password": PASSWORD},
            content_type="application/json",
        )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["needs_otp"] is True
    r = client.post(
        "/api/v1/accounts/login/otp",
        {"challenge": body["challenge"], "code": last_code(log, user_id=user.pk)},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    result: dict[str, Any] = r.json()
    return result


def test_api_login_opens_a_session(
    api_client: Client, notify_log: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory.create(phone="13800001118")
    # before login the profile is refused
    assert api_client.get("/api/v1/accounts/me").status_code == 401
    body = _api_login(api_client, user, notify_log, django_capture_on_commit_callbacks)
    assert body["user"]["username"] == user.username
    assert body["user"]["id_number_masked"].count("*") == 8
    me = api_client.get("/api/v1/accounts/me")
    assert me.status_code == 200 and me.json()["full_name"] == user.full_name
    # logout needs the CSRF token like any unsafe call
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.cookies = api_client.cookies
    assert csrf_client.post("/api/v1/accounts/logout").status_code in {401, 403}
    r = csrf_client.post("/api/v1/accounts/logout", HTTP_X_CSRFTOKEN=body["csrf_token"])
    assert r.status_code == 204
    assert api_client.get("/api/v1/accounts/me").status_code == 401


def test_api_login_errors_have_codes(api_client: Client, notify_log: Path) -> None:
    user = UserFactory.create(phone="13800001119")
    r = api_client.post(
        "/api/v1/accounts/login", {"username": user.username, "password": "nope"}, content_type="application/json"
    )
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    assert "密码" in r.json()["message"]
    r = api_client.post("/api/v1/accounts/login/otp", {"challenge": "x", "code": "1"}, content_type="application/json")
    assert r.status_code == 401 and r.json()["code"] == "otp_challenge_invalid"
    r = api_client.post("/api/v1/accounts/login", {"username": user.username}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


def test_session_expires_when_idle_and_at_the_absolute_maximum(
    api_client: Client, notify_log: Path, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    from tongban.accounts.sessions import LOGIN_AT_SESSION_KEY

    user = UserFactory.create(phone="13800001120")
    _api_login(api_client, user, notify_log, django_capture_on_commit_callbacks)
    key = api_client.cookies[settings.SESSION_COOKIE_NAME].value
    # idle timeout: the session's expiry is 30 minutes after the last request
    store = SessionStore(session_key=key)
    assert 29 * 60 < store.get_expiry_age() <= 30 * 60
    # when the login is older than the absolute maximum, then the next request is logged out
    store[LOGIN_AT_SESSION_KEY] = int(store[LOGIN_AT_SESSION_KEY]) - settings.TONGBAN_SESSION_MAX_SECONDS - 1
    store.save()
    assert api_client.get("/api/v1/accounts/me").status_code == 401
    # when the session has been idle too long, then it is gone as well
    _api_login(api_client, user, notify_log, django_capture_on_commit_callbacks)
    key = api_client.cookies[settings.SESSION_COOKIE_NAME].value
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert api_client.get("/api/v1/accounts/me").status_code == 401


def test_api_refuses_nul_characters_and_huge_ids(api_client: Client) -> None:
    r = api_client.post(
        "/api/v1/accounts/login", {"username": "a\x00b", "password": "x"}, content_type="application/json"
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_text"
    r = api_client.post(
        "/api/v1/accounts/register",
        {"id_number": "1", "full_name": "王\x00", "phone": "1", "password": "x"},
        content_type="application/json",
    )
    assert r.status_code == 422
    user = UserFactory.create()
    api_client.force_login(user)
    r = api_client.get("/api/v1/accounts/enterprises/91%00/members")
    assert r.status_code == 422 and r.json()["code"] == "invalid_text"
    assert api_client.post(f"/api/v1/accounts/notifications/{2**63 + 5}/read").status_code in {404, 422}
    assert api_client.post(f"/api/v1/accounts/notifications/{2**62}/read").status_code == 404


def test_codes_sent_per_account_are_limited(notify_log: Path, django_capture_on_commit_callbacks: Any) -> None:
    # given someone who keeps asking for codes with the right password
    user = UserFactory.create(phone="13800001121")
    for _ in range(5):
        _start(user, django_capture_on_commit_callbacks)
    # then the sixth request within the window sends nothing
    lines_before = len(notify_log.read_text(encoding="utf-8").splitlines())
    with pytest.raises(ApplicationError) as err:
        _start(user, django_capture_on_commit_callbacks)
    assert (err.value.code, err.value.status) == ("otp_rate_limited", 429)
    assert len(notify_log.read_text(encoding="utf-8").splitlines()) == lines_before
    # and once the window has passed, codes are sent again
    OneTimeCode.objects.filter(user=user).update(created_at=timezone.now() - dt.timedelta(minutes=16))
    assert _start(user, django_capture_on_commit_callbacks).challenge
