"""Open311 GeoReport v2 at ``/open311/v2/``: service list and definitions, service requests (JSON and XML).

Services are the line's subject classes (``constants.SUBJECTS``); their definition has one
attribute, the ticket category (咨询, 求助, 投诉…). Posting a request needs an API key
(``tongban open311 keys create NAME``) and creates a ticket on the ``open311`` channel. Requests
carry no personal data of callers. Errors use the standard shape ``[{"code": …, "description": …}]``
(``<errors><error>…`` in XML).

Publication: the list and the detail show only tickets whose caller agreed to publication
(``Ticket.publish_consent``: the intake form's box, ``publish`` in the API, the Open311 attribute
``publish``), never a report (举报); their text, reply and address pass ``core.redact`` (phone and ID
numbers, email addresses and address doors removed) and their coordinates are rounded to about
100 m. Others' tickets are followed with the number and check code (``/hotline/track/``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tongban.core.errors import ApplicationError
from tongban.core.redact import redact
from tongban.hotline import services
from tongban.hotline.constants import OPEN_STATES, SUBJECTS, Channel, TicketCategory, TicketStatus
from tongban.hotline.models import Ticket
from tongban.regions.models import Department

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(node, key)
            if isinstance(value, list):
                for sub in value:
                    inner = ET.SubElement(child, "attribute" if key == "attributes" else "value")
                    for k, v in sub.items():
                        if isinstance(v, list):
                            values = ET.SubElement(inner, k)
                            for val in v:
                                vn = ET.SubElement(values, "value")
                                for kk, vv in val.items():
                                    ET.SubElement(vn, kk).text = str(vv)
                        else:
                            ET.SubElement(inner, k).text = (
                                "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                            )
            elif value is None:
                continue
            elif isinstance(value, bool):
                child.text = "true" if value else "false"
            else:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + bytes(ET.tostring(top, encoding="utf-8"))


def _respond(fmt: str, data: Any, *, root: str, item: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        rows = data if isinstance(data, list) else [data]
        return HttpResponse(_xml(root, item, rows), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)


def _guard(view: Any) -> Any:
    def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if jurisdiction and jurisdiction != settings.TONGBAN_REGION:
                raise Open311Error(404, _("jurisdiction_id not found"))
            response: HttpResponse = view(request, *args, fmt=fmt, **kwargs)
            return response
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
        except ApplicationError as exc:
            return _error(fmt, exc.status if exc.status != 422 else 400, str(exc.message))

    wrapped.__name__ = view.__name__
    return wrapped


def _departments() -> dict[str, str]:
    return dict(Department.objects.filter(region_id=settings.TONGBAN_REGION).values_list("code", "name"))


def _service(code: str, departments: dict[str, str]) -> dict[str, Any]:
    name, department, keywords = SUBJECTS[code]
    return {
        "service_code": code,
        "service_name": name,
        "description": _("Requests about %(name)s, handled by %(department)s.")
        % {"name": name, "department": departments.get(department, department)},
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": departments.get(department, department),
    }


@require_http_methods(["GET"])
@_guard
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    departments = _departments()
    return _respond(fmt, [_service(code, departments) for code in SUBJECTS], root="services", item="service")


@require_http_methods(["GET"])
@_guard
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    if code not in SUBJECTS:
        raise Open311Error(404, _("service_code not found"))
    body: dict[str, Any] = {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "category",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("Kind of request (default: request for help)"),
                "order": 1,
                "description": _("Category"),
                "values": [{"key": c.value, "name": str(c.label)} for c in TicketCategory],
            },
            {
                "variable": True,
                "code": "publish",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _(
                    "Whether the caller agrees that the request be published without personal data "
                    "(default: not published; reports are never published)"
                ),
                "order": 2,
                "description": _("Publish"),
                "values": [{"key": "true", "name": _("Yes")}, {"key": "false", "name": _("No")}],
            },
        ],
    }
    if fmt == "xml":
        top = ET.Element("service_definition")
        ET.SubElement(top, "service_code").text = code
        attrs = ET.SubElement(top, "attributes")
        for attr in body["attributes"]:
            node = ET.SubElement(attrs, "attribute")
            for key, value in attr.items():
                if key == "values":
                    values = ET.SubElement(node, "values")
                    for v in value:
                        vn = ET.SubElement(values, "value")
                        ET.SubElement(vn, "key").text = v["key"]
                        ET.SubElement(vn, "name").text = v["name"]
                else:
                    ET.SubElement(node, key).text = (
                        ("true" if value else "false") if isinstance(value, bool) else str(value)
                    )
        xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")
        return HttpResponse(xml, content_type="text/xml; charset=utf-8")
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def published() -> QuerySet[Ticket]:
    """The tickets of this line that may be shown to anyone: the caller agreed, and not a report."""
    return (
        Ticket.objects.filter(line_region_id=settings.TONGBAN_REGION, publish_consent=True)
        .exclude(category=TicketCategory.REPORT)
        .exclude(status=TicketStatus.MERGED)
    )


def _coarse(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None  # about 100 m


def request_body(ticket: Ticket, departments: dict[str, str]) -> dict[str, Any]:
    is_open = ticket.status in OPEN_STATES or ticket.status == TicketStatus.TRANSFERRED
    return {
        "service_request_id": ticket.number,
        "status": "open" if is_open else "closed",
        "status_notes": str(TicketStatus(ticket.status).label),
        "service_name": SUBJECTS[ticket.subject][0] if ticket.subject in SUBJECTS else None,
        "service_code": ticket.subject or "general",
        "description": redact(ticket.content)[:4000],
        "agency_responsible": ticket.department.name if ticket.department else None,
        "service_notice": redact(ticket.reply)[:4000] if not is_open and ticket.reply else None,
        "requested_datetime": _iso(ticket.created_at),
        "updated_datetime": _iso(ticket.updated_at),
        "expected_datetime": _iso(ticket.due_at),
        "address": redact(ticket.location) or None,
        "address_id": None,
        "zipcode": None,
        "lat": _coarse(ticket.lat),
        "long": _coarse(ticket.long),
        "media_url": None,
    }


def _date(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value.strip().replace(" ", "+"))
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time.min)
        except ValueError as exc:
            raise Open311Error(400, _("%(name)s is not a valid date and time") % {"name": name}) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_guard
def requests_view(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    qs = published()
    ids = [i.strip().upper() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(number__in=ids[:MAX_REQUESTS])
    else:
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(subject__in=codes)
        start = _date(request.GET.get("start_date"), "start_date")
        end = _date(request.GET.get("end_date"), "end_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        if start and end and end < start:
            raise Open311Error(400, _("end_date is before start_date"))
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed"))
        open_states = [*OPEN_STATES, TicketStatus.TRANSFERRED]
        if statuses == {"open"}:
            qs = qs.filter(status__in=open_states)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=open_states)
    departments = _departments()
    rows = [
        request_body(t, departments) for t in qs.select_related("department").order_by("-created_at")[:MAX_REQUESTS]
    ]
    return _respond(fmt, rows, root="service_requests", item="request")


@require_http_methods(["GET"])
@_guard
def request_detail(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    ticket = published().filter(number=number.upper()).select_related("department").first()
    if ticket is None:
        raise Open311Error(404, _("service_request_id not found"))
    return _respond(fmt, [request_body(ticket, _departments())], root="service_requests", item="request")


def _float(value: str | None, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise Open311Error(400, _("%(name)s is not a number") % {"name": name}) from exc


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    key = data.get("api_key") or request.GET.get("api_key") or ""
    if services.open311_key_check(key) is None:
        raise Open311Error(403, _("api_key is missing or not valid"))
    code = data.get("service_code", "")
    if code not in SUBJECTS:
        raise Open311Error(404, _("service_code not found"))
    lat, long = _float(data.get("lat"), "lat"), _float(data.get("long"), "long")
    address = (data.get("address_string") or "").strip()
    if (lat is None or long is None) and not address and not data.get("address_id"):
        raise Open311Error(400, _("a location is required: lat and long, address_string or address_id"))
    category = data.get("attribute[category]") or TicketCategory.HELP
    publish = (data.get("attribute[publish]") or "false").strip().lower()
    if publish not in ("true", "false"):
        raise Open311Error(400, _("attribute[publish] must be true or false"))
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p).strip()
    ticket = services.ticket_create(
        actor=None,
        channel=Channel.OPEN311,
        category=category,
        content=data.get("description", ""),
        subject=code,
        location=address,
        lat=lat,
        long=long,
        anonymous=not (name or data.get("phone") or data.get("email")),
        caller_name=name,
        caller_phone=data.get("phone", ""),
        caller_email=data.get("email", ""),
        external_id=(data.get("device_id") or "")[:64],
        publish=publish == "true",
    )
    body = [
        {
            "service_request_id": ticket.number,
            "service_notice": _("Check code for following the request: %(code)s") % {"code": ticket.check_code},
            "account_id": data.get("account_id") or None,
        }
    ]
    return _respond(fmt, body, root="service_requests", item="request", status=201)


def not_found(request: HttpRequest, *, fmt: str = "json") -> HttpResponse:
    return _error(fmt, 404, _("not found"))
