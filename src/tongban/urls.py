from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from tongban.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("tongban.licences.wellknown_urls")),
    path("licences/", include("tongban.licences.urls")),
    path("", include("tongban.web.urls")),
]
