"""Identity pages: login (password step, then code step), logout, registration, profile
(my details, my enterprises and their agents, acting for an enterprise), notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from tongban.accounts import events, extensions, selectors, services
from tongban.accounts.constants import MemberRole
from tongban.accounts.models import Enterprise, User
from tongban.accounts.notifications import (
    notification_get,
    notification_list,
    notification_mark_all_read,
    notification_mark_read,
)
from tongban.accounts.sessions import session_login
from tongban.core.context import current
from tongban.core.errors import ApplicationError, NotFound
from tongban.regions.models import Region

LOGIN_CHALLENGE_KEY = "tongban_login_challenge"
LOGIN_NEXT_KEY = "tongban_login_next"
LOGIN_SENT_TO_KEY = "tongban_login_sent_to"


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("accounts:profile")


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("ID number or user name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"\d{6}", "autofocus": True}
        ),
    )


class RegisterForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=60, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=18, help_text=_("18 characters, as on your identity card.")
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    password = forms.CharField(
        label=_("Password"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class EnterpriseForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18)
    name = forms.CharField(label=_("Registered name"), max_length=200)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.all(), to_field_name="code")
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class AgentForm(forms.Form):
    id_number = forms.CharField(label=_("Agent's ID number"), max_length=18)
    authorised_from = forms.DateField(label=_("Authorised from"), widget=forms.DateInput(attrs={"type": "date"}))
    authorised_until = forms.DateField(label=_("Authorised until"), widget=forms.DateInput(attrs={"type": "date"}))


def _apply_error(form: forms.Form, exc: ApplicationError) -> None:
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    form.add_error(field if field in form.fields else None, str(exc.message))


# ---------------------------------------------------------------- login


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ctx = current()
        try:
            challenge = services.login_start(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                source=ctx.source,
                user_agent=ctx.user_agent,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            request.session[LOGIN_CHALLENGE_KEY] = challenge.challenge
            request.session[LOGIN_SENT_TO_KEY] = challenge.sent_to
            request.session[LOGIN_NEXT_KEY] = safe_next(request, next_url)
            return redirect("accounts:login_code")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "next": next_url, "home_regions": extensions.home_regions()}
    return render(request, "accounts/login.html", context, status=status)


@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    challenge = request.session.get(LOGIN_CHALLENGE_KEY)
    if not challenge:
        messages.info(request, gettext("Please enter your password first."))
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ctx = current()
        try:
            user = services.login_verify_otp(
                challenge=challenge, code=form.cleaned_data["code"], source=ctx.source, user_agent=ctx.user_agent
            )
        except ApplicationError as exc:
            if exc.code in {
                "otp_used",
                "otp_expired",
                "otp_too_many_attempts",
                "otp_challenge_invalid",
                "account_locked",
            }:
                request.session.pop(LOGIN_CHALLENGE_KEY, None)
                messages.error(request, str(exc.message))
                return redirect("accounts:login")
            form.add_error("code", str(exc.message))
        else:
            next_url = request.session.get(LOGIN_NEXT_KEY) or reverse("accounts:profile")
            session_login(request, user)  # a new session key; the login keys go with the old session
            return HttpResponseRedirect(safe_next(request, next_url))
    context = {"form": form, "sent_to": request.session.get(LOGIN_SENT_TO_KEY, [])}
    return render(request, "accounts/login_code.html", context, status=400 if request.method == "POST" else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.logout_record(user=_user(request))
    logout(request)
    messages.success(request, gettext("You have logged out."))
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.resident_register(
                id_number=d["id_number"],
                full_name=d["full_name"],
                phone=d["phone"],
                password=d["password"],
                email=d.get("email") or "",
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, gettext("Your account is ready. Log in with your ID number and password."))
            return redirect("accounts:login")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/register.html", {"form": form}, status=status)


# ---------------------------------------------------------------- profile and enterprises


def _profile_context(
    request: HttpRequest,
    *,
    enterprise_form: EnterpriseForm | None = None,
    agent_forms: dict[int, AgentForm] | None = None,
) -> dict[str, Any]:
    user = _user(request)
    enterprises = list(selectors.enterprises_for_user(user=user))
    roles = selectors.enterprise_roles_for(user=user)
    rows = []
    for enterprise in enterprises:
        is_rep = roles.get(enterprise.pk) == MemberRole.LEGAL_REPRESENTATIVE
        rows.append(
            {
                "enterprise": enterprise,
                "role": MemberRole(roles[enterprise.pk]).label if enterprise.pk in roles else "",
                "is_rep": is_rep,
                "members": list(selectors.enterprise_members(enterprise=enterprise)) if is_rep else [],
                "agent_form": (agent_forms or {}).get(enterprise.pk)
                or AgentForm(
                    prefix=f"e{enterprise.pk}",
                    initial={
                        "authorised_from": timezone.localdate(),
                        "authorised_until": timezone.localdate() + dt.timedelta(days=365),
                    },
                ),
            }
        )
    return {
        "profile_user": user,
        "id_number_masked": events.mask_id_number(user.id_number) if user.id_number else "",
        "enterprise_rows": rows,
        "acting": selectors.acting_enterprise(request),
        "enterprise_form": enterprise_form
        or EnterpriseForm(initial={"region": user.region_id} if user.region_id else None),
        "can_register_enterprise": user.kind == "resident" and bool(user.id_number),
        "staff_roles": list(user.staff_roles.select_related("department")),
    }


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", _profile_context(request))


def _enterprise_or_404(uscc: str) -> Enterprise:
    enterprise = Enterprise.objects.filter(uscc=uscc).first()
    if enterprise is None:
        raise NotFound(code="enterprise_not_found")
    return enterprise


@login_required
@require_POST
def acting_view(request: HttpRequest) -> HttpResponse:
    uscc = request.POST.get("uscc", "")
    try:
        enterprise = _enterprise_or_404(uscc) if uscc else None
        chosen = services.acting_enterprise_choose(user=_user(request), enterprise=enterprise)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:profile")
    if chosen is None:
        request.session.pop(selectors.ACTING_ENTERPRISE_SESSION_KEY, None)
        messages.success(request, gettext("You now act for yourself."))
    else:
        request.session[selectors.ACTING_ENTERPRISE_SESSION_KEY] = chosen.pk
        messages.success(request, gettext("You now act for %(name)s.") % {"name": chosen.name})
    return redirect("accounts:profile")


@login_required
@require_POST
def enterprise_register_view(request: HttpRequest) -> HttpResponse:
    form = EnterpriseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            enterprise = services.enterprise_register(
                actor=_user(request), uscc=d["uscc"], name=d["name"], region_code=d["region"].code, address=d["address"]
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, gettext("%(name)s is registered.") % {"name": enterprise.name})
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", _profile_context(request, enterprise_form=form), status=400)


@login_required
@require_POST
def agent_add_view(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        enterprise = _enterprise_or_404(uscc)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:profile")
    form = AgentForm(request.POST, prefix=f"e{enterprise.pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.enterprise_agent_add(
                actor=_user(request),
                enterprise=enterprise,
                agent_id_number=d["id_number"],
                authorised_from=d["authorised_from"],
                authorised_until=d["authorised_until"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, gettext("The agent is authorised."))
            return redirect("accounts:profile")
    context = _profile_context(request, agent_forms={enterprise.pk: form})
    return render(request, "accounts/profile.html", context, status=400)


@login_required
@require_POST
def agent_revoke_view(request: HttpRequest, uscc: str, member_id: int) -> HttpResponse:
    member = selectors.enterprise_member_get(uscc=uscc, member_id=member_id)
    try:
        if member is None:
            raise NotFound(code="member_not_found")
        services.enterprise_agent_revoke(
            actor=_user(request), member=member, reason=request.POST.get("reason", "")[:200]
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, gettext("The authorisation is revoked."))
    return redirect("accounts:profile")


# ---------------------------------------------------------------- notifications


@login_required
def notifications_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = list(notification_list(user=user)[:100])
    return render(request, "accounts/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = _user(request)
    try:
        notification = notification_get(user=user, notification_id=notification_id)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:notifications")
    notification_mark_read(user=user, notification=notification)
    if notification.link and url_has_allowed_host_and_scheme(notification.link, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(notification.link)
    return redirect("accounts:notifications")


@login_required
@require_POST
def notifications_read_all_view(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(user=_user(request))
    return redirect("accounts:notifications")
