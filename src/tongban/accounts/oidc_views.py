"""The authorization endpoint (``/o/authorize/``): django-oauth-toolkit's, with consent remembered
only when the user asked for it.

django-oauth-toolkit skips the consent page when the client sends ``approval_prompt=auto`` and the
user holds any live token of that client: the client, not the user, would decide that consent is
remembered. Here the page always asks, unless the user ticked "remember" on an earlier consent for
these scopes (``OidcConsent``); ``prompt=consent`` asks even then.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView

from tongban.accounts import selectors, services
from tongban.accounts.models import User


class ConsentAuthorizationView(AuthorizationView):  # type: ignore[misc]
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.GET.get("approval_prompt", "force") != "force":
            query = request.GET.copy()
            query["approval_prompt"] = "force"
            setattr(request, "GET", query)  # noqa: B010 (the attribute is typed as immutable)
        response: HttpResponse = super().get(request, *args, **kwargs)
        return response

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        application = context.get("application")
        user = self.request.user
        if (
            self.request.method == "GET"
            and application is not None
            and "error" not in context
            and isinstance(user, User)
            and "consent" not in self.request.GET.get("prompt", "").split()
            and selectors.oidc_consent_covers(user=user, application=application, scopes=list(context["scopes"]))
        ):
            form = self.get_form_class()(data={**self.get_initial(), "allow": True})
            if form.is_valid():
                remembered: HttpResponse = self.form_valid(form)
                return remembered
        response: HttpResponse = super().render_to_response(context, **response_kwargs)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_valid(form)
        user = self.request.user
        allowed = bool(form.cleaned_data.get("allow")) and getattr(self, "success_url", None)
        if self.request.method == "POST" and self.request.POST.get("remember") == "1" and allowed:
            application = get_application_model().objects.get(client_id=form.cleaned_data["client_id"])
            if isinstance(user, User):
                services.oidc_consent_remember(
                    user=user, application=application, scopes=str(form.cleaned_data.get("scope", "")).split()
                )
        return response
