from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from oauth2_provider.views import ConnectDiscoveryInfoView

from tongban.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tongban.licences.wellknown_urls")),
    path("licences/", include("tongban.licences.urls")),
    path("sharing/", include("tongban.sharing.urls")),
    path("cases/", include("tongban.cases.urls")),
    path("cross-region/", include("tongban.forwarding.urls")),
    path("hotline/", include("tongban.hotline.urls")),
    path("supervision/", include("tongban.supervision.urls")),
    path("trading/", include("tongban.trading.urls")),
    path("open311/v2/", include("tongban.hotline.open311_urls")),
    path("federation/v1/", include("tongban.federation.urls")),
    path("accounts/", include("tongban.accounts.urls")),
    path("o/", include("tongban.accounts.oidc_urls")),
    re_path(r"^\.well-known/openid-configuration/?$", ConnectDiscoveryInfoView.as_view(), name="oidc-discovery"),
    path("", include("tongban.web.urls")),
]

# Chinese pages for people, the one JSON error shape under /api/ and /federation/ (tongban.web.errors).
handler400 = "tongban.web.errors.bad_request"
handler403 = "tongban.web.errors.permission_denied"
handler404 = "tongban.web.errors.page_not_found"
handler500 = "tongban.web.errors.server_error"
