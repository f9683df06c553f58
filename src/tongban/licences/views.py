"""Pages of the licences context: public verification, the holder's licences and their uses, 亮证,
and the machine-readable resources (JWKS, issuers, status lists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tongban.accounts.models import User
from tongban.core.context import current
from tongban.core.downloads import attachment
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.licences import credentials, importing, keys, selectors, services
from tongban.licences.constants import PRESENTATION_SECONDS_DEFAULT, StatusPurpose
from tongban.licences.pdf import signed_pdf
from tongban.licences.presenting import presentation_url, qr_svg
from tongban.regions.models import Department


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _verifier(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) and request.user.is_authenticated else None


# ---------------------------------------------------------------- public


@never_cache
@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone can check a licence: by number and holder ID, or by pasting its signed credential."""
    context: dict[str, Any] = {"number": request.GET.get("number", ""), "holder_id": "", "vc_jwt": ""}
    if request.method == "POST":
        context.update(
            number=request.POST.get("number", "")[:64],
            holder_id=request.POST.get("holder_id", "")[:18],
            vc_jwt=request.POST.get("vc_jwt", "")[:20000],
        )
        try:
            result = services.licence_verify(
                token=context["vc_jwt"] or None,
                number=context["number"] or None,
                holder_id=context["holder_id"] or None,
                by_user=_verifier(request),
                source=current().source,
            )
            context["result"] = result.as_dict()
        except ApplicationError as exc:
            context["error"] = exc.message
    return render(request, "licences/verify.html", context)


@never_cache
@require_GET
def presentation_page(request: HttpRequest) -> HttpResponse:
    """What a verifier sees after scanning a 亮证 QR code (each code works once, for a few minutes)."""
    token = request.GET.get("t", "")[:4000]
    context: dict[str, Any] = {"presentation": True}
    if not token:
        context["error"] = ValidationFailed.default_message
    else:
        result = services.presentation_verify(token=token, by_user=_verifier(request), source=current().source)
        context["result"] = result.as_dict()
    return render(request, "licences/presentation_result.html", context)


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _department(region_code: str, department_code: str) -> Department:
    return get_object_or_404(Department, region_id=region_code, code=department_code)


@require_GET
def issuer(request: HttpRequest, region_code: str, department_code: str) -> JsonResponse:
    department = _department(region_code, department_code)
    base = credentials.base_url()
    return JsonResponse(
        {
            "id": credentials.issuer_id(department),
            "name": department.name,
            "region": department.region_id,
            "jwks_uri": f"{base}/.well-known/jwks.json",
            "licence_types": list(department.licence_types.values_list("code", flat=True)),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_GET
def status_list(request: HttpRequest, region_code: str, department_code: str, purpose: str, block: int) -> HttpResponse:
    """The department's status list credential, computed on every request (no cache: never stale)."""
    if purpose not in StatusPurpose.values:
        raise Http404
    department = _department(region_code, department_code)
    token = credentials.status_list_credential(department=department, purpose=purpose, block=block)
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def credential(request: HttpRequest, number: str) -> HttpResponse:
    """A credential's id: leads to the public verification page with the number filled in."""
    return HttpResponseRedirect(reverse("licences:verify") + "?" + urlencode({"number": number}))


# ---------------------------------------------------------------- the holder


@login_required
def my_licences(request: HttpRequest) -> HttpResponse:
    licences = list(selectors.licences_for_holder(user=_user(request)))
    return render(request, "licences/my_licences.html", {"licences": licences})


@login_required
def my_uses(request: HttpRequest) -> HttpResponse:
    uses = list(selectors.uses_for_holder(user=_user(request))[:500])
    return render(request, "licences/my_uses.html", {"uses": uses})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_licence(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    try:
        licence = selectors.licence_get_for_holder(number=number, user=user)
    except ApplicationError:
        raise Http404 from None
    context: dict[str, Any] = {
        "licence": licence,
        "status": licence.effective_status(),
        "disclosable": services.disclosable_fields(licence),
        "history": list(licence.status_changes.all()),
        "chosen": ["holder_name"],
        "minutes": PRESENTATION_SECONDS_DEFAULT // 60,
    }
    if request.method == "POST":
        chosen = request.POST.getlist("fields")
        context["chosen"] = chosen
        try:
            minutes = int(request.POST.get("minutes", "5"))
            presentation, token = services.licence_present(
                licence=licence, holder=user, fields=chosen, seconds=minutes * 60
            )
        except ValueError:
            context["error"] = ValidationFailed.default_message
        except ApplicationError as exc:
            context["error"] = exc.message
        else:
            url = presentation_url(token)
            context.update(
                presentation=presentation,
                presentation_url=url,
                qr=qr_svg(url, title=licence.licence_type.name),
                minutes=minutes,
            )
    return render(request, "licences/my_licence.html", context)


@login_required
@require_GET
def my_licence_pdf(request: HttpRequest, number: str) -> HttpResponse:
    try:
        licence = selectors.licence_get_for_holder(number=number, user=_user(request))
    except ApplicationError:
        raise Http404 from None
    return attachment(signed_pdf(licence), filename=f"{licence.number}.pdf", content_type="application/pdf")


@login_required
@require_GET
def my_licence_vc(request: HttpRequest, number: str) -> HttpResponse:
    try:
        licence = selectors.licence_get_for_holder(number=number, user=_user(request))
    except ApplicationError:
        raise Http404 from None
    return attachment(licence.vc_jwt, filename=f"{licence.number}.jwt", content_type="application/vc+jwt")


# ---------------------------------------------------------------- licence administrators


def _admin_departments(user: User) -> set[int]:
    from tongban.accounts.constants import StaffRoleKind
    from tongban.accounts.selectors import user_department_ids

    return user_department_ids(user=user, role=StaffRoleKind.LICENCE_ADMIN)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_licences(request: HttpRequest) -> HttpResponse:
    """A licence administrator's list: search their departments' licences, import a CSV or Excel file."""
    user = _user(request)
    departments = _admin_departments(user)
    if not departments and not user.is_superuser:
        return render(request, "licences/staff_forbidden.html", status=403)
    context: dict[str, Any] = {"q": request.GET.get("q", "").strip()[:64]}
    upload = request.FILES.get("file") if request.method == "POST" else None
    if isinstance(upload, UploadedFile):
        try:
            imported = importing.licence_import(
                file_name=upload.name or "upload", content=upload.read(importing.MAX_BYTES + 1), actor=user
            )
            context["imported"] = [lic.number for lic in imported]
        except ApplicationError as exc:
            context["import_error"] = exc.message
            context["import_details"] = exc.details if isinstance(exc.details, list) else []
    qs = selectors.licence_list()
    if not user.is_superuser:
        qs = qs.filter(department_id__in=departments)
    if context["q"]:
        q = context["q"].upper()
        qs = qs.filter(number=q) | qs.filter(holder_id=q)
    context["licences"] = list(qs[:50])
    return render(request, "licences/staff_list.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_licence(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    try:
        licence = selectors.licence_get_for_staff(number=number, user=user)
    except ApplicationError:
        raise Http404 from None
    context: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        reason = request.POST.get("reason", "")[:500]
        actions: dict[str, Callable[..., Any]] = {
            "suspend": services.licence_suspend,
            "reinstate": services.licence_reinstate,
            "revoke": services.licence_revoke,
            "reissue": services.licence_reissue,
        }
        try:
            if action not in actions:
                raise ValidationFailed(code="invalid_action")
            result = actions[action](licence=licence, actor=user, reason=reason)
        except ApplicationError as exc:
            context["error"] = exc.message
        else:
            return HttpResponseRedirect(reverse("licences:staff_detail", args=[result.number]))
    else:
        services.record_staff_read(licence=licence, actor=user, purpose="staff page")
    licence = selectors.licence_get(number=licence.number)
    context.update(
        licence=licence,
        status=licence.effective_status(),
        history=list(licence.status_changes.select_related("actor")),
        replaced_by=selectors.licence_list().filter(replaces=licence).first(),
    )
    return render(request, "licences/staff_detail.html", context)
