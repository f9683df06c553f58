"""Materials satisfied by data the government already holds (减证便民, 免提交), through the exchange.

A material whose catalog entry names a data resource (``Material.data_resource_code``, with the
fields that prove it in ``data_fields``) can be fetched instead of uploaded, with the applicant's
consent: the item's department reads the applicant's record through ``sharing.services.exchange_read``
for this case (the context ``case:<id>``, which this module vouches for), the exchange keeps the
data with its source, time and signature as a receipt, and the material is marked
已由部门共享获取 (``MaterialStatus.SHARED``, ``receipt_number``). The reviewer sees the receipt, not a
file. When the source is unavailable or holds no record, the applicant is told plainly and may
upload instead; the case is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tongban.accounts.models import User
from tongban.cases import events
from tongban.cases.constants import CaseStatus, MaterialStatus
from tongban.cases.models import Case, CaseMaterial
from tongban.cases.services import is_applicant_side
from tongban.cases.uploads import delete_stored
from tongban.catalog.constants import ItemKind
from tongban.catalog.models import Material
from tongban.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tongban.sharing import errors as sharing_errors
from tongban.sharing import selectors as sharing
from tongban.sharing import services as exchange
from tongban.sharing.constants import ContextKind, Purpose, SubjectKind
from tongban.sharing.contexts import AccessContext

_CHANGEABLE = {CaseStatus.DRAFT, CaseStatus.CORRECTION_REQUESTED}


class NoRecord(ValidationFailed):
    status = 404
    default_code = "no_record"
    default_message = _("The department that holds this data has no record of it for you. Please upload the document.")


def _subjects(case: Case) -> set[str]:
    found = {case.applicant.id_number, case.applicant.uscc}
    if case.enterprise is not None:
        found.add(case.enterprise.uscc)
    for value in (case.form_data or {}).values():
        if isinstance(value, str) and len(value.strip()) == 18:
            found.add(value.strip().upper())
    return {s for s in found if s}


def register() -> None:
    """Vouch for ``case`` contexts at the exchange (called in ``CasesConfig.ready``)."""
    from tongban.sharing import contexts

    contexts.register(ContextKind.CASE, case_covers)


def case_covers(context_id: str, subject_id: str, department_id: int) -> bool | None:
    """The exchange's question for a ``case`` context: does case ``context_id`` exist, is it handled by
    ``department_id``, and does it concern ``subject_id`` (its applicant, the enterprise it is for, or a
    person whose ID number the application names)?"""
    if not context_id.isdigit():
        return None
    case = Case.objects.filter(pk=int(context_id)).select_related("item", "applicant", "enterprise").first()
    if case is None:
        return None
    return case.item.department_id == department_id and subject_id in _subjects(case)


def purpose_for(case: Case) -> str:
    """Why the department reads: a benefit is paid, a public service provided, or an application decided."""
    if case.item.kind == ItemKind.PAYMENT:
        return Purpose.BENEFIT
    if case.item.kind == ItemKind.PUBLIC_SERVICE:
        return Purpose.PUBLIC_SERVICE
    return Purpose.LICENSING


def subject_for(case: Case, material: Material) -> str:
    resource = sharing.resource_find(code=material.data_resource_code)
    if resource is not None and resource.subject_kind == SubjectKind.ENTERPRISE and case.enterprise is not None:
        return case.enterprise.uscc
    return case.applicant.id_number or case.applicant.uscc


@dataclass(frozen=True)
class Offer:
    """What the applicant is told before consenting: the data, who holds it, which fields, why."""

    material_code: str
    resource_name: str
    provider: str
    fields: list[str]
    labels: list[str]


def offer_for(*, material: Material, department_id: int) -> Offer | None:
    found = sharing.fetchable(
        department_id=department_id,
        resource_code=material.data_resource_code,
        fields=list(material.data_fields) or None,
    )
    if found is None:
        return None
    return Offer(
        material_code=material.code,
        resource_name=found.resource.name,
        provider=found.resource.provider.name,
        fields=found.fields,
        labels=found.labels,
    )


def _row(case: Case, code: str) -> CaseMaterial:
    row = CaseMaterial.objects.select_related("material").filter(case=case, material__code=code).first()
    if row is None:
        raise NotFound(_("The item asks for no such material."), code="material_not_found")
    return row


def case_material_fetch_shared(*, case: Case, actor: User, material_code: str, consent: bool) -> CaseMaterial:
    """Fetch a material's data through the exchange with the applicant's consent and mark it 已由部门共享获取.

    The read runs before the case is locked (the exchange commits its log itself, so a refusal is
    logged while the case stays as it was); the material row is then changed in one transaction."""
    if not actor.is_active or not is_applicant_side(actor=actor, case=case):
        raise PermissionDenied(_("This is not your case."), code="not_your_case")
    if case.status not in _CHANGEABLE:
        raise InvalidTransition(_("Materials can be changed only in drafts and cases returned for correction."))
    row = _row(case, material_code)
    material = row.material
    if not material.data_resource_code:
        raise ValidationFailed(_("This material cannot be obtained through data sharing."), code="data_not_accepted")
    if not consent:
        raise sharing_errors.consent_required()
    result = exchange.exchange_read(
        actor=actor,
        department=case.item.department,
        resource_code=material.data_resource_code,
        subject_id=subject_for(case, material),
        fields=list(material.data_fields) or None,
        purpose=purpose_for(case),
        context=AccessContext(kind=ContextKind.CASE, id=str(case.pk)),
        check_membership=False,
        keep_receipt=True,
        material_code=material.code,
        consent_by=actor,
    )
    if not result.found or result.receipt is None:
        raise NoRecord()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status not in _CHANGEABLE:
            raise InvalidTransition(_("Materials can be changed only in drafts and cases returned for correction."))
        row = _row(case, material_code)
        if row.file.name:
            delete_stored(row.file.name)
            row.file.name = ""
        row.status = MaterialStatus.SHARED
        row.receipt_number = result.receipt.number
        row.licence_number = ""
        row.save(update_fields=["status", "receipt_number", "licence_number", "file"])
        events.material_shared(case=case, material=row, actor=actor, receipt_number=result.receipt.number)
    return row
