"""Joint-case pages: the applicant submits a draft as a joint case; the outgoing step's reviewer records the
transfer certificate. Both post from the case page (``cases/joint/_panel.html``) and return to it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from tongban.accounts.models import User
from tongban.cases import selectors as case_selectors
from tongban.cases.joint import services
from tongban.cases.joint.constants import CertificateField
from tongban.cases.models import Case
from tongban.core.errors import ApplicationError


def _case(request: HttpRequest, pk: int) -> tuple[Case, User]:
    user = request.user
    assert isinstance(user, User)
    try:
        case, access = case_selectors.case_get_for_user(user=user, case_id=pk, reason=gettext("Handling the case"))
        case_selectors.require_write(access)
    except ApplicationError as exc:
        raise Http404(str(exc.message)) from exc
    return case, user


def _error(exc: ApplicationError) -> str:
    text = str(exc.message)
    if isinstance(exc.details, dict):
        parts = [
            f"{name}: {problem.get('message', '')}"
            for name, problems in exc.details.items()
            if isinstance(problems, list)
            for problem in problems
            if isinstance(problem, dict)
        ]
        if parts:
            text += "（" + "；".join(parts) + "）"
    return text


@login_required
@require_POST
def joint_apply(request: HttpRequest, pk: int) -> HttpResponse:
    case, user = _case(request, pk)
    try:
        services.joint_case_apply(
            case=case,
            actor=user,
            other_region=str(request.POST.get("other_region", "")),
            role=str(request.POST.get("role", "incoming")),
        )
    except ApplicationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, gettext("Your joint application was submitted to both regions."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#joint-title")


@login_required
@require_POST
def joint_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    case, user = _case(request, pk)
    data = {f.value: request.POST.get(f.value, "") for f in CertificateField}
    try:
        services.joint_certificate_record(case=case, actor=user, data=data)
    except ApplicationError as exc:
        messages.error(request, _error(exc))
    else:
        messages.success(request, gettext("The transfer certificate was recorded; it goes with the approval."))
    return HttpResponseRedirect(reverse("cases:detail", args=[case.pk]) + "#joint-title")
