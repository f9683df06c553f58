"""HTTP API of the licences context, under ``/api/v1/licences/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Router, Status
from ninja.files import UploadedFile

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.accounts.selectors import holder_ids_for
from tongban.core.context import current
from tongban.core.errors import PermissionDenied
from tongban.licences import importing, selectors, services
from tongban.licences.models import LicenceType
from tongban.licences.pdf import signed_pdf
from tongban.licences.presenting import presentation_url, qr_svg
from tongban.licences.schemas import (
    ImportOut,
    IssueIn,
    LicenceOut,
    LicenceTypeOut,
    PresentationOut,
    PresentationVerifyIn,
    PresentIn,
    ReasonIn,
    ReissueIn,
    UseForCaseIn,
    UseOut,
    VerifyIn,
    VerifyOut,
)

router = Router(tags=["licences"])


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def _verifier(request: HttpRequest) -> tuple[User | None, str]:
    user = request.user if request.user.is_authenticated else None
    return (user if isinstance(user, User) else None), current().source


@router.post("/verify", response=VerifyOut, summary="Verify a licence by its VC-JWT or by number and holder ID")
def verify(request: HttpRequest, body: VerifyIn) -> dict[str, Any]:
    """Public. ``valid`` is true only if every check passed; ``licence`` holds minimal fields only.
    The verification is shown to the holder in their list of uses."""
    by_user, source = _verifier(request)
    result = services.licence_verify(
        token=body.vc_jwt, number=body.number, holder_id=body.holder_id, by_user=by_user, source=source
    )
    return result.as_dict()


@router.post("/presentations/verify", response=VerifyOut, summary="Check a scanned 亮证 presentation (single use)")
def presentation_verify(request: HttpRequest, body: PresentationVerifyIn) -> dict[str, Any]:
    by_user, source = _verifier(request)
    return services.presentation_verify(token=body.token, by_user=by_user, source=source).as_dict()


@router.get("/types", response=list[LicenceTypeOut], summary="Licence types issued at this node")
def type_list(request: HttpRequest) -> list[LicenceTypeOut]:
    return [LicenceTypeOut.of(t) for t in LicenceType.objects.select_related("department").order_by("code")]


@router.get("/mine", response=list[LicenceOut], auth=api_auth, summary="The licences I hold")
def mine(request: HttpRequest) -> list[LicenceOut]:
    return [LicenceOut.of(lic) for lic in selectors.licences_for_holder(user=_user(request))]


@router.get("/mine/uses", response=list[UseOut], auth=api_auth, summary="Who verified or used my licences")
def my_uses(request: HttpRequest) -> list[UseOut]:
    return [UseOut.of(u) for u in selectors.uses_for_holder(user=_user(request))[:500]]


@router.get("/usable", response=list[LicenceOut], auth=api_auth, summary="My valid licences of a type (免提交)")
def usable(request: HttpRequest, licence_type_code: str) -> list[LicenceOut]:
    user = _user(request)
    out: list[LicenceOut] = []
    for holder_id in holder_ids_for(user=user):
        out.extend(
            LicenceOut.of(lic)
            for lic in selectors.licences_usable_for(holder_id=holder_id, licence_type_code=licence_type_code)
        )
    return out


@router.post("/uses", response={201: UseOut}, auth=api_auth, summary="Use one of my licences in an application of mine")
def use_for_case(request: HttpRequest, body: UseForCaseIn) -> Status[UseOut]:
    user = _user(request)
    services.require_applicants_case(case_number=body.case_number, user=user)
    use = services.licence_use_for_case(
        licence_number=body.licence_number,
        applicant=user,
        case_number=body.case_number,
        licence_type_code=body.licence_type_code,
        material_code=body.material_code,
        consent=body.consent,
    )
    return Status(201, UseOut.of(use))


@router.post(
    "/mine/{number}/presentations",
    response={201: PresentationOut},
    auth=api_auth,
    summary="Show a licence (亮证): a short-lived QR code with the fields I choose",
)
def present(request: HttpRequest, number: str, body: PresentIn) -> Status[PresentationOut]:
    user = _user(request)
    licence = selectors.licence_get_for_holder(number=number, user=user)
    presentation, token = services.licence_present(
        licence=licence, holder=user, fields=body.fields, seconds=body.seconds
    )
    url = presentation_url(token)
    return Status(201, PresentationOut(token=token, url=url, expires_at=presentation.expires_at, qr_svg=qr_svg(url)))


@router.post("/import", response={201: ImportOut}, auth=api_auth, summary="Import existing licences (CSV or Excel)")
def import_licences(request: HttpRequest, file: File[UploadedFile]) -> Status[ImportOut]:
    """All or nothing: any error in any row imports nothing and answers 422 with every row/column error."""
    content = file.read(importing.MAX_BYTES + 1)
    licences = importing.licence_import(file_name=file.name or "upload", content=content, actor=_user(request))
    return Status(201, ImportOut(imported=len(licences), numbers=[lic.number for lic in licences]))


@router.post("/", response={201: LicenceOut}, auth=api_auth, summary="Issue a licence (licence administrator)")
def issue(request: HttpRequest, body: IssueIn) -> Status[LicenceOut]:
    licence_type = selectors.licence_type_get(code=body.type_code)
    licence = services.licence_issue(
        licence_type=licence_type,
        holder_id=body.holder_id,
        holder_name=body.holder_name,
        field_values=body.fields,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        reason=body.reason,
        actor=_user(request),
    )
    return Status(201, LicenceOut.of(licence, history=True))


def _visible(request: HttpRequest, number: str) -> tuple[User, Any]:
    """The holder sees their own licence; a licence administrator of the issuing department any of theirs."""
    user = _user(request)
    licence = selectors.licence_get(number=number)
    if licence.holder_id in holder_ids_for(user=user):
        return user, licence
    if selectors.can_administer(user=user, department_id=licence.department_id):
        return user, licence
    raise selectors.LicenceNotFound()


@router.get("/{number}", response=LicenceOut, auth=api_auth, summary="One licence with its status history")
def detail(request: HttpRequest, number: str) -> LicenceOut:
    user, licence = _visible(request, number)
    if licence.holder_id not in holder_ids_for(user=user):
        services.record_staff_read(licence=licence, actor=user, purpose="api detail")
    return LicenceOut.of(licence, history=True)


@router.get("/{number}/vc-jwt", auth=api_auth, summary="The licence's signed credential (application/vc+jwt)")
def vc_jwt(request: HttpRequest, number: str) -> HttpResponse:
    user, licence = _visible(request, number)
    if licence.holder_id not in holder_ids_for(user=user):
        services.record_staff_read(licence=licence, actor=user, purpose="downloading a licence (VC-JWT)")
    return HttpResponse(licence.vc_jwt, content_type="application/vc+jwt")


@router.get("/{number}/pdf", auth=api_auth, summary="The licence as a signed PDF (PAdES)")
def pdf(request: HttpRequest, number: str) -> HttpResponse:
    user, licence = _visible(request, number)
    if licence.holder_id not in holder_ids_for(user=user):
        services.record_staff_read(licence=licence, actor=user, purpose="downloading a licence (PDF)")
    response = HttpResponse(signed_pdf(licence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{licence.number}.pdf"'
    return response


def _admin_licence(request: HttpRequest, number: str) -> tuple[User, Any]:
    user = _user(request)
    licence = selectors.licence_get(number=number)
    if not selectors.can_administer(user=user, department_id=licence.department_id):
        if licence.holder_id in holder_ids_for(user=user):
            raise PermissionDenied(code="not_licence_admin")
        raise selectors.LicenceNotFound()
    return user, licence


@router.post("/{number}/suspend", response=LicenceOut, auth=api_auth, summary="Suspend a licence (with reason)")
def suspend(request: HttpRequest, number: str, body: ReasonIn) -> LicenceOut:
    user, licence = _admin_licence(request, number)
    return LicenceOut.of(services.licence_suspend(licence=licence, actor=user, reason=body.reason), history=True)


@router.post("/{number}/reinstate", response=LicenceOut, auth=api_auth, summary="Lift a suspension (with reason)")
def reinstate(request: HttpRequest, number: str, body: ReasonIn) -> LicenceOut:
    user, licence = _admin_licence(request, number)
    return LicenceOut.of(services.licence_reinstate(licence=licence, actor=user, reason=body.reason), history=True)


@router.post("/{number}/revoke", response=LicenceOut, auth=api_auth, summary="Revoke a licence (with reason)")
def revoke(request: HttpRequest, number: str, body: ReasonIn) -> LicenceOut:
    user, licence = _admin_licence(request, number)
    return LicenceOut.of(services.licence_revoke(licence=licence, actor=user, reason=body.reason), history=True)


@router.post("/{number}/reissue", response={201: LicenceOut}, auth=api_auth, summary="Re-issue (replace) a licence")
def reissue(request: HttpRequest, number: str, body: ReissueIn) -> Status[LicenceOut]:
    user, licence = _admin_licence(request, number)
    new = services.licence_reissue(
        licence=licence,
        actor=user,
        reason=body.reason,
        field_values=body.fields,
        holder_name=body.holder_name,
        valid_to=body.valid_to,
    )
    return Status(201, LicenceOut.of(new, history=True))
