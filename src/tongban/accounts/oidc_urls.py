"""The OpenID Connect provider's endpoints, mounted at ``/o/``: authorize, token, revoke,
introspect, userinfo, JWKS, discovery. Client applications are managed in the admin."""

from __future__ import annotations

from django.urls import path
from oauth2_provider import urls as dot_urls

from tongban.accounts.oidc_views import ConsentAuthorizationView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", ConsentAuthorizationView.as_view(), name="authorize"),
    *(
        p
        for p in dot_urls.base_urlpatterns + dot_urls.oidc_urlpatterns + dot_urls.metadata_urlpatterns
        if not str(p.name or "").startswith("device") and p.name != "authorize"  # no device flow
    ),
]
