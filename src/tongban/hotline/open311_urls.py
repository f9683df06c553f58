"""Open311 GeoReport v2 routes (``/open311/v2/``), each in ``.json`` and ``.xml``."""

from django.urls import re_path

from tongban.hotline import open311

app_name = "open311"

urlpatterns = [
    re_path(r"^services\.(?P<fmt>json|xml)$", open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w-]+)\.(?P<fmt>json|xml)$", open311.service_definition, name="service"),
    re_path(r"^requests\.(?P<fmt>json|xml)$", open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<number>[\w-]+)\.(?P<fmt>json|xml)$", open311.request_detail, name="request"),
]
