"""Identity writes: registration, enterprises and their agents, login with password and one-time code.

Login is two steps. ``login_start`` checks the password and sends a six-digit code through
the notification backends; ``login_verify_otp`` checks the code. Only a keyed hash of the
code is stored; a code expires after five minutes, is used once, and allows a few tries.

Every failure (password or code) is a ``LoginAttempt`` row with the source address, recorded in its
own committed transaction before the error is raised, so a refused login still leaves its trace.
Guessing is throttled three ways, none of which lets a stranger lock the owner out:

- per account and source: ``LOCKOUT_FAILURES`` failures from one address within
  ``LOCKOUT_WINDOW_SECONDS`` stop that address for that account (until a failure ages out of the
  window);
- per source: ``LOGIN_SOURCE_FAILURES`` failures from one address, whatever the accounts, stop that
  address (``too_many_attempts``, 429; no row is written while it is stopped);
- per account: ``LOGIN_ACCOUNT_FAILURES`` failures from addresses the owner has not logged in from
  (within ``KNOWN_SOURCE_DAYS``) pause logins from new addresses for ``LOCKOUT_SECONDS``; the owner
  is told and still logs in from a known address.

The password step answers an unknown account, a wrong password and a stopped address with the same
error and message (``invalid_credentials``), so nobody learns whether an ID number has an account.
The counting reads the database under a row lock on the account, so it holds across processes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongban.accounts import constants, events
from tongban.accounts.constants import LoginStage, MemberRole, NotificationKind, UserKind
from tongban.accounts.models import Enterprise, EnterpriseMember, LoginAttempt, OidcConsent, OneTimeCode, User
from tongban.accounts.notifications import deliver, notify
from tongban.accounts.selectors import user_is_legal_representative
from tongban.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from tongban.core.identifiers import validate_resident_id, validate_uscc
from tongban.regions.models import Region

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class LoginFailed(ApplicationError):
    status = 401
    default_code = "invalid_credentials"
    default_message = _(
        "The user name or password is wrong, or logging in is paused after repeated failures. "
        "Please check and try again later."
    )


class AccountLocked(ApplicationError):
    """At the code step (the password was right): this address may not try again for a while."""

    status = 403
    default_code = "account_locked"
    default_message = _("Too many failed attempts: please log in again later.")


class TooManyAttempts(ApplicationError):
    status = 429
    default_code = "too_many_attempts"
    default_message = _("Too many failed logins from your network. Please wait a while and try again.")


class OtpFailed(ApplicationError):
    status = 401
    default_code = "otp_invalid"
    default_message = _("The verification code is wrong.")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def otp_ttl() -> int:
    return _setting("TONGBAN_OTP_TTL_SECONDS", constants.OTP_TTL_SECONDS)


def otp_max_attempts() -> int:
    return _setting("TONGBAN_OTP_MAX_ATTEMPTS", constants.OTP_MAX_ATTEMPTS)


def otp_max_sends() -> int:
    return _setting("TONGBAN_OTP_MAX_SENDS", constants.OTP_MAX_SENDS)


def lockout_failures() -> int:
    return _setting("TONGBAN_LOCKOUT_FAILURES", constants.LOCKOUT_FAILURES)


def lockout_window() -> int:
    return _setting("TONGBAN_LOCKOUT_WINDOW_SECONDS", constants.LOCKOUT_WINDOW_SECONDS)


def lockout_seconds() -> int:
    return _setting("TONGBAN_LOCKOUT_SECONDS", constants.LOCKOUT_SECONDS)


def source_failures() -> int:
    return _setting("TONGBAN_LOGIN_SOURCE_FAILURES", constants.LOGIN_SOURCE_FAILURES)


def account_failures() -> int:
    return _setting("TONGBAN_LOGIN_ACCOUNT_FAILURES", constants.LOGIN_ACCOUNT_FAILURES)


# ---------------------------------------------------------------- registration


def _field_error(field: str, message: Any, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"field": field})


def _clean_phone(phone: str) -> str:
    phone = phone.strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.match(phone):
        raise _field_error("phone", _("The mobile phone number must have 11 digits and start with 1."), "invalid_phone")
    return phone


def _clean_name(name: str, field: str = "full_name") -> str:
    name = name.strip()
    if not 2 <= len(name) <= 60:
        raise _field_error(field, _("Please enter the name as on the identity card."), "invalid_name")
    return name


def _home_region(id_number: str) -> Region | None:
    """The region coded in the first six digits of an ID number, or its city or province."""
    candidates = [id_number[:6], id_number[:4] + "00", id_number[:2] + "0000"]
    regions = {r.code: r for r in Region.objects.filter(code__in=candidates)}
    for code in candidates:
        if code in regions:
            return regions[code]
    return None


@transaction.atomic(durable=True)
def resident_register(
    *,
    id_number: str,
    full_name: str,
    phone: str,
    password: str,
    email: str = "",
) -> User:
    """A resident registers with their ID number, name, mobile phone and a password.

    The ID number becomes the user name; the home region is read from its first six digits.
    """
    try:
        id_number = validate_resident_id(id_number)
    except ValidationFailed as exc:
        raise _field_error("id_number", exc.message, exc.code) from None
    full_name = _clean_name(full_name)
    phone = _clean_phone(phone)
    email = email.strip()
    if User.objects.filter(Q(id_number=id_number) | Q(username=id_number)).exists():
        raise Conflict(_("An account with this ID number already exists."), code="id_number_taken")
    if User.objects.filter(phone=phone).exists():
        raise Conflict(_("This mobile phone number is already registered."), code="phone_taken")
    user = User(
        username=id_number,
        id_number=id_number,
        full_name=full_name,
        phone=phone,
        email=email,
        kind=UserKind.RESIDENT,
        region=_home_region(id_number),
    )
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(str(m) for m in exc.messages), code="weak_password", details={"field": "password"}
        ) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict(_("An account with this ID number already exists."), code="id_number_taken") from None
    events.user_registered(user=user, actor=None)
    return user


@transaction.atomic(durable=True)
def enterprise_register(
    *,
    actor: User,
    uscc: str,
    name: str,
    region_code: str,
    address: str = "",
) -> Enterprise:
    """The legal representative, a registered resident, registers an enterprise and becomes its first member."""
    if not actor.is_authenticated or actor.kind != UserKind.RESIDENT or not actor.id_number:
        raise PermissionDenied(
            _("Only a registered resident can register an enterprise as its legal representative."),
            code="not_a_resident",
        )
    try:
        uscc = validate_uscc(uscc)
    except ValidationFailed as exc:
        raise _field_error("uscc", exc.message, exc.code) from None
    name = name.strip()
    if not 2 <= len(name) <= 200:
        raise _field_error("name", _("Please enter the enterprise's registered name."), "invalid_enterprise_name")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise _field_error("region", _("Unknown region."), "invalid_region")
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise Conflict(_("This enterprise is already registered."), code="uscc_taken")
    try:
        with transaction.atomic():
            enterprise = Enterprise.objects.create(
                uscc=uscc,
                name=name,
                legal_representative_name=actor.full_name,
                legal_representative_id_number=actor.id_number,
                region=region,
                address=address.strip()[:200],
            )
    except IntegrityError:
        raise Conflict(_("This enterprise is already registered."), code="uscc_taken") from None
    member = EnterpriseMember.objects.create(
        user=actor,
        enterprise=enterprise,
        role=MemberRole.LEGAL_REPRESENTATIVE,
        authorised_from=timezone.localdate(),
        granted_by=actor,
    )
    events.enterprise_registered(enterprise=enterprise, actor=actor)
    events.member_authorised(member=member, actor=actor)
    return enterprise


@transaction.atomic(durable=True)
def enterprise_agent_add(
    *,
    actor: User,
    enterprise: Enterprise,
    agent_id_number: str,
    authorised_from: dt.date,
    authorised_until: dt.date,
) -> EnterpriseMember:
    """The legal representative authorises a registered resident to act for the enterprise for a period."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not user_is_legal_representative(user=actor, enterprise=enterprise):
        raise PermissionDenied(
            _("Only the enterprise's legal representative can authorise agents."), code="not_legal_representative"
        )
    try:
        agent_id_number = validate_resident_id(agent_id_number)
    except ValidationFailed as exc:
        raise _field_error("agent_id_number", exc.message, exc.code) from None
    today = timezone.localdate()
    if authorised_until < authorised_from or authorised_until < today:
        raise _field_error(
            "authorised_until", _("The authorisation must end after it starts and not in the past."), "invalid_period"
        )
    if (authorised_until - authorised_from).days > 3 * 366:
        raise _field_error("authorised_until", _("An authorisation may last at most three years."), "invalid_period")
    agent = User.objects.filter(id_number=agent_id_number, kind=UserKind.RESIDENT, is_active=True).first()
    if agent is None:
        raise NotFound(_("No registered resident has this ID number."), code="agent_not_registered")
    if EnterpriseMember.objects.filter(user=agent, enterprise=enterprise, active=True).exists():
        raise Conflict(_("This person is already a member of the enterprise."), code="already_member")
    member = EnterpriseMember.objects.create(
        user=agent,
        enterprise=enterprise,
        role=MemberRole.AGENT,
        authorised_from=authorised_from,
        authorised_until=authorised_until,
        granted_by=actor,
    )
    events.member_authorised(member=member, actor=actor)
    notify(
        user=agent,
        subject=gettext("You are authorised to act for %(name)s") % {"name": enterprise.name},
        body=gettext("Authorised from %(start)s until %(end)s by the legal representative.")
        % {"start": authorised_from.isoformat(), "end": authorised_until.isoformat()},
        kind=NotificationKind.SECURITY,
        link="/accounts/profile/",
    )
    return member


@transaction.atomic(durable=True)
def enterprise_agent_revoke(*, actor: User, member: EnterpriseMember, reason: str = "") -> EnterpriseMember:
    member = EnterpriseMember.objects.select_for_update().select_related("enterprise", "user").get(pk=member.pk)
    if not user_is_legal_representative(user=actor, enterprise=member.enterprise):
        raise PermissionDenied(
            _("Only the enterprise's legal representative can authorise agents."), code="not_legal_representative"
        )
    if member.role != MemberRole.AGENT:
        raise Conflict(_("The legal representative cannot be revoked here."), code="cannot_revoke_representative")
    if not member.active:
        raise Conflict(_("This authorisation has already been revoked."), code="already_revoked")
    member.active = False
    member.save(update_fields=["active"])
    events.member_revoked(member=member, actor=actor, reason=reason)
    notify(
        user=member.user,
        subject=gettext("Your authorisation for %(name)s was revoked") % {"name": member.enterprise.name},
        body=reason,
        kind=NotificationKind.SECURITY,
    )
    return member


# ---------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginChallenge:
    """What the password step hands back: the opaque challenge to present with the code."""

    challenge: str
    user_id: int
    expires_at: dt.datetime
    sent_to: list[str]


def _challenge_hash(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()


def _code_hash(challenge: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"otp:{challenge}:{code}".encode(), hashlib.sha256).hexdigest()


def _mask_destination(channel: str, user: User) -> str:
    if channel == "sms" and user.phone:
        return f"sms:{user.phone[:3]}****{user.phone[-4:]}"
    if channel == "email" and user.email:
        local, _at, domain = user.email.partition("@")
        return f"email:{local[:1]}***@{domain}"
    return channel


def _find_user(username: str) -> User | None:
    username = username.strip()
    if not username:
        return None
    user = User.objects.filter(username=username).first()
    if user is None and len(username) == 18:
        user = User.objects.filter(id_number=username.upper()).first()
    return user


def _lock_user(user_id: int) -> User:
    return User.objects.select_for_update().get(pk=user_id)


def _record(
    *, user: User | None, username: str, stage: str, succeeded: bool, reason: str, source: str, user_agent: str
) -> None:
    LoginAttempt.objects.create(
        user=user,
        username=username[:150],
        stage=stage,
        succeeded=succeeded,
        reason=reason,
        source=source[:64],
        user_agent=user_agent[:200],
    )


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=lockout_window())


def known_sources(*, user: User, now: dt.datetime | None = None) -> set[str]:
    """The addresses ``user`` completed a login from within ``KNOWN_SOURCE_DAYS``."""
    since = (now or timezone.now()) - dt.timedelta(days=constants.KNOWN_SOURCE_DAYS)
    return set(
        LoginAttempt.objects.filter(user=user, succeeded=True, stage=LoginStage.OTP, created_at__gte=since).values_list(
            "source", flat=True
        )
    )


def pair_failures(*, user: User, source: str, now: dt.datetime | None = None) -> int:
    """Failures of ``user`` from ``source`` that count: in the window, after the last login from there."""
    now = now or timezone.now()
    since = _window_start(now)
    last_ok = (
        LoginAttempt.objects.filter(user=user, source=source[:64], succeeded=True, stage=LoginStage.OTP)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    return (
        LoginAttempt.objects.filter(user=user, source=source[:64], succeeded=False, created_at__gt=since)
        .exclude(reason="locked")
        .count()
    )


def _source_throttled(source: str, now: dt.datetime) -> bool:
    failures = (
        LoginAttempt.objects.filter(source=source[:64], succeeded=False, created_at__gt=_window_start(now))
        .exclude(reason="locked")
        .count()
    )
    return failures >= source_failures()


def _blocked(user: User, source: str, now: dt.datetime) -> bool:
    """Whether ``source`` may not try ``user`` now: too many failures from there, or logins from new
    addresses are paused and this is not one the owner used."""
    if pair_failures(user=user, source=source, now=now) >= lockout_failures():
        return True
    return _is_locked(user) and source[:64] not in known_sources(user=user, now=now)


def _pause_if_distributed(*, user: User, source: str, now: dt.datetime) -> None:
    """Pause logins from new addresses once too many failures came from addresses the owner never used."""
    if _is_locked(user):
        return
    known = known_sources(user=user, now=now)
    failures = (
        LoginAttempt.objects.filter(user=user, succeeded=False, created_at__gt=_window_start(now))
        .exclude(reason="locked")
        .exclude(source__in=known)
        .count()
    )
    if failures < account_failures():
        return
    until = now + dt.timedelta(seconds=lockout_seconds())
    user.locked_until = until
    user.save(update_fields=["locked_until"])
    events.account_locked(user=user, until=until.isoformat(), failures=failures)
    notify(
        user=user,
        subject=gettext("Logins to your account from new places are paused after repeated failures"),
        body=gettext(
            "Last attempt from %(source)s. Until %(until)s you can log in only from where you logged in before."
        )
        % {"source": source or "?", "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
        kind=NotificationKind.SECURITY,
    )


def _fail(*, user: User, username: str, stage: str, reason: str, source: str, user_agent: str) -> ApplicationError:
    """Record one failure of a known account (under its row lock) and answer it."""
    _record(
        user=user, username=username, stage=stage, succeeded=False, reason=reason, source=source, user_agent=user_agent
    )
    events.login_failed(user=user, username=username, stage=stage, reason=reason)
    now = timezone.now()
    _pause_if_distributed(user=user, source=source, now=now)
    if stage != LoginStage.OTP:
        return LoginFailed()  # the same answer as for an unknown account: no count, no lock shown
    remaining = lockout_failures() - pair_failures(user=user, source=source, now=now)
    if remaining <= 0:
        OneTimeCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        return AccountLocked()
    return OtpFailed(
        gettext("The verification code is wrong. %(n)d attempts left.") % {"n": remaining},
        details={"attempts_left": remaining},
    )


def _is_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > timezone.now()


def _raise_or_return(outcome: Any) -> Any:
    if isinstance(outcome, ApplicationError):
        raise outcome
    return outcome


def login_start(*, username: str, password: str, source: str = "", user_agent: str = "") -> LoginChallenge:
    """Step one: check the password and send a one-time code. Failures are recorded and counted."""
    with transaction.atomic(durable=True):
        outcome = _login_start(username=username, password=password, source=source, user_agent=user_agent)
    result: LoginChallenge = _raise_or_return(outcome)
    return result


def _login_start(*, username: str, password: str, source: str, user_agent: str) -> LoginChallenge | ApplicationError:
    now = timezone.now()
    if _source_throttled(source, now):  # nothing is written while an address is stopped
        return TooManyAttempts()
    found = _find_user(username)
    if found is None:
        User().set_password(password)  # spend the same time as for a real account
        _record(
            user=None,
            username=username,
            stage=LoginStage.PASSWORD,
            succeeded=False,
            reason="unknown_user",
            source=source,
            user_agent=user_agent,
        )
        events.login_failed(user=None, username=username, stage=LoginStage.PASSWORD, reason="unknown_user")
        return LoginFailed()
    user = _lock_user(found.pk)
    common = {"username": username, "source": source, "user_agent": user_agent}
    if _blocked(user, source, now):
        user.check_password(password)  # spend the same time as for a login that is not stopped
        _record(user=user, stage=LoginStage.PASSWORD, succeeded=False, reason="locked", **common)
        events.login_failed(user=user, username=username, stage=LoginStage.PASSWORD, reason="locked")
        return LoginFailed()
    if not user.check_password(password):
        return _fail(user=user, stage=LoginStage.PASSWORD, reason="wrong_password", **common)
    if not user.is_active:
        _record(user=user, stage=LoginStage.PASSWORD, succeeded=False, reason="inactive", **common)
        events.login_failed(user=user, username=username, stage=LoginStage.PASSWORD, reason="inactive")
        return LoginFailed(_("This account is disabled."), code="account_disabled")
    return _issue_code(user=user, source=source, user_agent=user_agent, username=username)


def _issue_code(*, user: User, source: str, user_agent: str, username: str) -> LoginChallenge | ApplicationError:
    now = timezone.now()
    window = now - dt.timedelta(seconds=lockout_window())
    if OneTimeCode.objects.filter(user=user, created_at__gt=window).count() >= otp_max_sends():
        # no SMS bombing through repeated correct passwords
        return ApplicationError(
            _("Too many codes were sent to this account. Please wait a few minutes and try again."),
            code="otp_rate_limited",
            status=429,
        )
    code = f"{secrets.randbelow(10**constants.OTP_LENGTH):0{constants.OTP_LENGTH}d}"
    challenge = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(seconds=otp_ttl())
    minutes = max(1, otp_ttl() // 60)
    scheduled = deliver(
        user=user,
        subject=gettext("Tongban login code"),
        body=gettext(
            "Your login code is %(code)s. It is valid for %(minutes)d minutes. Never tell it to anyone, "
            "including staff."
        )
        % {"code": code, "minutes": minutes},
        channels=("sms", "email"),
        kind=NotificationKind.SECURITY,
    )
    if not scheduled:
        return ApplicationError(
            _("No way to send you a verification code: please add a mobile phone number or ask the service desk."),
            code="otp_undeliverable",
            status=409,
        )
    # one outstanding code per account: a new code makes the older ones useless
    OneTimeCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    OneTimeCode.objects.create(
        user=user,
        challenge_hash=_challenge_hash(challenge),
        code_hash=_code_hash(challenge, code),
        expires_at=expires_at,
        source=source[:64],
    )
    _record(
        user=user,
        username=username,
        stage=LoginStage.PASSWORD,
        succeeded=True,
        reason="",
        source=source,
        user_agent=user_agent,
    )
    channels = sorted({s.split(":", 1)[1] for s in scheduled})
    events.otp_sent(user=user, channels=channels)
    return LoginChallenge(
        challenge=challenge,
        user_id=user.pk,
        expires_at=expires_at,
        sent_to=[_mask_destination(c, user) for c in channels],
    )


def login_verify_otp(*, challenge: str, code: str, source: str = "", user_agent: str = "") -> User:
    """Step two: check the code for a challenge. Returns the user to log in."""
    with transaction.atomic(durable=True):
        outcome = _login_verify_otp(challenge=challenge, code=code, source=source, user_agent=user_agent)
    user: User = _raise_or_return(outcome)
    return user


def _login_verify_otp(*, challenge: str, code: str, source: str, user_agent: str) -> User | ApplicationError:
    otp = OneTimeCode.objects.filter(challenge_hash=_challenge_hash(challenge or "")).first()
    if otp is None:
        return OtpFailed(
            _("This login step has expired. Please enter your password again."), code="otp_challenge_invalid"
        )
    user = _lock_user(otp.user_id)
    otp = OneTimeCode.objects.select_for_update().get(pk=otp.pk)
    common = {"username": user.username, "source": source, "user_agent": user_agent}
    now = timezone.now()
    if _blocked(user, source, now):
        _record(user=user, stage=LoginStage.OTP, succeeded=False, reason="locked", **common)
        events.login_failed(user=user, username=user.username, stage=LoginStage.OTP, reason="locked")
        return AccountLocked()
    if otp.used_at is not None:
        _record(user=user, stage=LoginStage.OTP, succeeded=False, reason="otp_used", **common)
        events.login_failed(user=user, username=user.username, stage=LoginStage.OTP, reason="otp_used")
        return OtpFailed(_("This verification code has already been used."), code="otp_used")
    if otp.expires_at <= now:
        _record(user=user, stage=LoginStage.OTP, succeeded=False, reason="otp_expired", **common)
        events.login_failed(user=user, username=user.username, stage=LoginStage.OTP, reason="otp_expired")
        return OtpFailed(_("The verification code has expired. Please log in again."), code="otp_expired")
    if otp.attempts >= otp_max_attempts():
        _record(user=user, stage=LoginStage.OTP, succeeded=False, reason="otp_attempts", **common)
        events.login_failed(user=user, username=user.username, stage=LoginStage.OTP, reason="otp_attempts")
        return OtpFailed(_("Too many wrong codes for this login. Please log in again."), code="otp_too_many_attempts")
    candidate = re.sub(r"\s", "", code or "")
    if not hmac.compare_digest(otp.code_hash, _code_hash(challenge, candidate)):
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        return _fail(user=user, stage=LoginStage.OTP, reason="wrong_otp", **common)
    if not user.is_active:
        return LoginFailed(_("This account is disabled."), code="account_disabled")
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    _record(user=user, stage=LoginStage.OTP, succeeded=True, reason="", **common)
    user.last_login = now
    user.save(update_fields=["last_login"])
    events.login_succeeded(user=user, method="password+otp")
    return user


@transaction.atomic(durable=True)
def logout_record(*, user: User) -> None:
    events.logged_out(user=user)


@transaction.atomic(durable=True)
def account_unlock(*, actor: User, user: User) -> User:
    """An administrator ends a lock early."""
    if not actor.is_superuser:
        raise PermissionDenied()
    user = _lock_user(user.pk)
    user.locked_until = timezone.now()
    user.save(update_fields=["locked_until"])
    return user


# ---------------------------------------------------------------- acting for an enterprise


@transaction.atomic(durable=True)
def acting_enterprise_choose(*, user: User, enterprise: Enterprise | None) -> Enterprise | None:
    """Check that ``user`` may act for ``enterprise`` (``None``: act as oneself) and record the choice.

    The caller stores the result in the session (``selectors.ACTING_ENTERPRISE_SESSION_KEY``).
    """
    from tongban.accounts.selectors import user_can_act_for

    if enterprise is not None and not user_can_act_for(user=user, enterprise=enterprise):
        raise PermissionDenied(_("You are not authorised to act for this enterprise."), code="not_enterprise_member")
    events.acting_enterprise_selected(user=user, enterprise=enterprise)
    return enterprise


# ---------------------------------------------------------------- OpenID Connect clients


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    client_secret: str
    application_id: int


@transaction.atomic(durable=True)
def oidc_client_register(
    *, name: str, redirect_uris: list[str], actor: User | None = None, skip_consent: bool = False
) -> RegisteredClient:
    """Register a department system as a confidential client (authorization code + PKCE, RS256 ID tokens).

    The secret is returned once; only its hash is stored.
    """
    from urllib.parse import urlparse

    from oauth2_provider.models import get_application_model

    name = name.strip()
    if not name:
        raise ValidationFailed(_("A client needs a name."), code="invalid_client")
    for uri in redirect_uris:
        parsed = urlparse(uri)
        if parsed.scheme not in {"https", "http"} or not parsed.netloc or parsed.fragment:
            raise ValidationFailed(_("Each redirect URI must be an absolute http(s) URL."), code="invalid_redirect_uri")
    if not redirect_uris:
        raise ValidationFailed(_("Each redirect URI must be an absolute http(s) URL."), code="invalid_redirect_uri")
    application_model = get_application_model()
    secret = secrets.token_urlsafe(32)
    application = application_model.objects.create(
        name=name,
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        algorithm=application_model.RS256_ALGORITHM,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=skip_consent,
    )
    events.oidc_client_registered(application=application, actor=actor)
    return RegisteredClient(client_id=application.client_id, client_secret=secret, application_id=application.pk)


@transaction.atomic(durable=True)
def access_token_issue(
    *, user: User, client_id: str, scope: str = "openid", seconds: int = 3600, actor: User | None = None
) -> str:
    """Issue a bearer access token for ``user`` to a registered client (for machine clients and benchmarks).

    Equivalent to a completed authorization; an operator's act, audited on the user's stream.
    """
    from oauth2_provider.models import get_access_token_model, get_application_model

    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None:
        raise NotFound(_("No such client."), code="client_not_found")
    if not user.is_active:
        raise PermissionDenied(_("This account is disabled."), code="account_disabled")
    if not 60 <= seconds <= 30 * 86400:
        raise ValidationFailed(_("A token lasts between one minute and thirty days."), code="invalid_token_lifetime")
    token = secrets.token_urlsafe(40)
    expires = timezone.now() + dt.timedelta(seconds=seconds)
    access = get_access_token_model()(user=user, application=application, expires=expires, scope=scope, token="")
    access._raw_token = token  # stored as its checksum only (RFC 9700 token storage)
    access.save()
    events.access_token_issued(
        user=user, application=application, scope=scope, expires=expires.isoformat(), actor=actor
    )
    return token


@transaction.atomic(durable=True)
def oidc_consent_remember(*, user: User, application: Any, scopes: list[str]) -> None:
    """The user ticked "remember": later authorizations of ``application`` for these scopes skip the question."""
    clean = sorted({s for s in scopes if s})
    OidcConsent.objects.update_or_create(user=user, application=application, defaults={"scopes": " ".join(clean)})
    events.oidc_consent_remembered(user=user, application=application, scopes=clean)
