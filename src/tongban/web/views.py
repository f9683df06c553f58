"""Resident portal pages: home, search, guide (办事指南), uniformity (六统一), and the 404 page."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongban.catalog import selectors as catalog_selectors
from tongban.catalog import uniformity
from tongban.catalog.constants import CrossRegionMode, ItemKind, ServiceObject
from tongban.core.errors import ApplicationError, NotFound
from tongban.web import guide as guide_view
from tongban.web import selectors
from tongban.web.context_processors import ELDERLY_COOKIE
from tongban.web.forms import FILTERS, SearchForm
from tongban.web.search import PAGE_SIZE, search_items
from tongban.web.uniformity_view import comparison_rows, report_elements

ELDERLY_MAX_AGE = 365 * 24 * 3600
# Popular searches on the home page: the words searched (Chinese, as the catalog is) and their label.
POPULAR: list[tuple[str, Promise]] = [
    ("公积金", gettext_lazy("housing provident fund")),
    ("社保", gettext_lazy("social insurance")),
    ("户口", gettext_lazy("household registration")),
    ("营业执照", gettext_lazy("business licence")),
    ("医师执业", gettext_lazy("physician registration")),
]


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    region = selectors.region_find(code=settings.TONGBAN_REGION)
    return render(
        request,
        "web/home.html",
        {
            "node_region": region,
            "theme_groups": selectors.theme_groups(),
            "departments": selectors.department_counts(region_code=settings.TONGBAN_REGION),
            "regions": selectors.regions_offered(),
            "item_count": selectors.published_count(),
            "popular": POPULAR,
        },
    )


def _page_numbers(current: int, last: int) -> list[int | None]:
    """Page links to show: first, last and two around the current page; None marks a gap."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    previous = 0
    for n in wanted:
        if n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "errors": [],
        "result": None,
        "filtered": any(request.GET.get(name) for name in (*FILTERS, "theme")),
    }
    status = 200
    if not form.is_valid():
        context["errors"] = [
            _("%(field)s: %(error)s") % {"field": form.fields[name].label, "error": e}
            if name in form.fields
            else str(e)
            for name, errors in form.errors.items()
            for e in errors
        ]
        return render(request, "web/search.html", context, status=400)
    data = form.cleaned_data
    page = data["page"] or 1
    try:
        filters = form.filters()
        result = search_items(
            q=data["q"],
            theme=data["theme"] or None,
            region=filters["region"],
            department=filters["department"],
            kind=filters["kind"],
            service_object=filters["service_object"],
            cross_region_mode=filters["cross_region_mode"],
            page=page,
        )
    except ApplicationError as exc:
        context["errors"] = [str(exc.message)]
        return render(request, "web/search.html", context, status=exc.status if exc.status < 500 else 400)
    last = max(1, math.ceil(result.count / PAGE_SIZE))
    kinds, objects, modes = dict(ItemKind.choices), dict(ServiceObject.choices), dict(CrossRegionMode.choices)
    context.update(
        result=result,
        rows=[
            {
                "item": i,
                "kind": kinds.get(i.kind, i.kind),
                "service_object": objects.get(i.service_object, i.service_object),
                "cross_region_mode": modes.get(i.cross_region_mode, "") if i.cross_region_mode != "none" else "",
            }
            for i in result.items
        ],
        query=data["q"],
        theme=selectors.theme_find(code=data["theme"]) if data["theme"] else None,
        page=page,
        last_page=last,
        page_numbers=_page_numbers(min(page, last), last),
        beyond_last=result.count > 0 and page > last,
        first_index=(page - 1) * PAGE_SIZE + 1,
    )
    return render(request, "web/search.html", context, status=status)


@require_GET
def item_guide(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item = catalog_selectors.item_get(code=code)
    except NotFound:
        return not_found_page(request, message=_("No published service item has the code “%(code)s”.") % {"code": code})
    return render(request, "web/guide.html", guide_view.context(item=item, submitted=request.GET))


def _region_codes(request: HttpRequest) -> list[str] | None:
    codes = [c for c in request.GET.getlist("region") if c.strip()]
    return codes or None


@require_GET
def uniformity_detail(request: HttpRequest, base_code: str) -> HttpResponse:
    region_codes = _region_codes(request)
    try:
        result = uniformity.compare(base_code=base_code, region_codes=region_codes)
    except NotFound as exc:
        if exc.code == "base_item_not_found":
            return not_found_page(request, message=_("No base item has the code “%(code)s”.") % {"code": base_code})
        return _uniformity_error(request, str(exc.message), 400)
    except ApplicationError as exc:
        return _uniformity_error(request, str(exc.message), 400)
    names = {r.code: r for r in selectors.regions_offered()}
    return render(
        request,
        "web/uniformity_detail.html",
        {
            "u": result,
            "regions": [names.get(code) or code for code in result.regions],
            "rows": comparison_rows(result),
            "implementations": selectors.implementations_of(base_code=base_code),
            "selected_regions": region_codes or [],
            "all_regions": selectors.regions_offered(),
        },
    )


@require_GET
def uniformity_report(request: HttpRequest) -> HttpResponse:
    region_codes = _region_codes(request)
    try:
        report = uniformity.region_report(region_codes=region_codes, least=10)
    except ApplicationError as exc:
        return _uniformity_error(request, str(exc.message), 400)
    names = {r.code: r for r in selectors.regions_offered()}
    return render(
        request,
        "web/uniformity_report.html",
        {
            "report": report,
            "region_names": names,
            "regions": [names.get(code) or code for code in report.regions],
            "by_element": report_elements(report),
            "selected_regions": region_codes or [],
            "all_regions": selectors.regions_offered(),
        },
    )


def _uniformity_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "web/uniformity_report.html",
        {"error": message, "report": None, "all_regions": selectors.regions_offered(), "selected_regions": []},
        status=status,
    )


def not_found_page(request: HttpRequest, *, message: str = "") -> HttpResponse:
    return render(request, "web/404.html", {"message": message}, status=404)


@require_POST
def elderly_mode(request: HttpRequest) -> HttpResponse:
    """Turn the elderly-friendly mode on or off; the choice is kept in a cookie for a year."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDERLY_COOKIE, "1", max_age=ELDERLY_MAX_AGE, samesite="Lax")
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")
    return response
