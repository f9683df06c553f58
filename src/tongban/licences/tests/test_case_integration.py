"""Integration with the case workflow: a licence is issued when the result of a licence item is
issued; a material is satisfied by the applicant's valid licence (免提交), and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.accounts.constants import StaffRoleKind
from tongban.cases import services as case_services
from tongban.cases.tests.factories import make_item, resident, staff, upload_all
from tongban.catalog.constants import ResultForm
from tongban.catalog.tests.factories import MaterialFactory
from tongban.core.errors import ApplicationError
from tongban.licences import services
from tongban.licences.models import Licence, LicenceUse
from tongban.licences.selectors import licence_reference_status
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence

pytestmark = pytest.mark.django_db


def test_issuing_the_result_of_a_licence_item_issues_the_licence() -> None:
    # given a licence type and an item whose result is that licence, with a form field of the same name
    ltype = LicenceTypeFactory.create()
    item = make_item(
        result_form=ResultForm.LICENCE,
        licence_type_code=ltype.code,
        department=ltype.department,
        form_fields=[
            {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True},
            {"name": "speciality", "label": "执业范围", "type": "text", "required": True},
        ],
    )
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = case_services.case_draft_create(
        actor=applicant, item=item, form_data={"applicant_name": applicant.full_name, "speciality": "内科"}
    )
    upload_all(case, applicant)
    case = case_services.case_submit(case=case, actor=applicant)
    for step in (case_services.case_accept, case_services.case_start_review, case_services.case_approve):
        case = step(case=case, actor=reviewer)
    # when the reviewer issues the result
    case = case_services.case_issue_result(case=case, actor=reviewer)
    # then a signed licence is issued to the applicant, linked to the case, and is the case's result number
    licence = Licence.objects.get(case_number=case.number)
    assert case.result_number == licence.number
    assert licence.holder_id == applicant.id_number and licence.field_values == {"speciality": "内科"}
    assert licence.department == item.department and licence.vc_jwt
    assert services.licence_verify(number=licence.number, holder_id=applicant.id_number).valid
    # and issuing again (idempotent hook) does not make a second licence
    assert services.licence_issue_for_case(case=case, actor=reviewer) == licence


def test_items_without_a_licence_result_issue_nothing() -> None:
    item = make_item()
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = case_services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    case = case_services.case_submit(case=case, actor=applicant)
    for step in (case_services.case_accept, case_services.case_start_review, case_services.case_approve):
        case = step(case=case, actor=reviewer)
    case_services.case_issue_result(case=case, actor=reviewer, result_number="津许〔2026〕9号")
    assert Licence.objects.count() == 0


def test_a_material_is_satisfied_by_the_applicants_valid_licence_only() -> None:
    # given an item whose material accepts a licence type, and an applicant holding such a licence
    ltype = LicenceTypeFactory.create()
    item = make_item()
    MaterialFactory(item=item, code="LIC", name="执业证书", order=3, required=True, licence_type_code=ltype.code)
    applicant = resident()
    other = resident()
    mine = make_licence(licence_type=ltype, holder_id=applicant.id_number, n=1)
    theirs = make_licence(licence_type=ltype, holder_id=other.id_number, n=2)
    expired = make_licence(
        licence_type=ltype, holder_id=applicant.id_number, valid_from=dt.date(2010, 1, 1), valid_to=dt.date(2012, 1, 1)
    )
    case = case_services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    # when the applicant references someone else's or an expired licence, it is refused
    for licence, code in ((theirs, "licence_not_usable"), (expired, "licence_not_valid")):
        with pytest.raises(ApplicationError) as exc:
            case_services.case_material_reference_licence(
                case=case, actor=applicant, material_code="LIC", licence_number=licence.number
            )
        assert exc.value.code == code
    # and their own valid licence is accepted, the use shown to the holder
    row = case_services.case_material_reference_licence(
        case=case, actor=applicant, material_code="LIC", licence_number=mine.number.lower()
    )
    assert row.licence_number == mine.number
    use = LicenceUse.objects.get(licence=mine)
    assert use.kind == "used_in_case" and use.material_code == "LIC"
    # and the reviewer sees it checked now
    status = licence_reference_status(licence_number=mine.number, holder_ids=[applicant.id_number])
    assert status is not None and status["valid"] and status["status"] == "valid"
    services.licence_revoke(licence=mine, actor=None, reason="吊销")
    status = licence_reference_status(licence_number=mine.number, holder_ids=[applicant.id_number])
    assert status is not None and not status["valid"] and status["status"] == "revoked"


def test_an_enterprise_licence_is_not_issued_to_a_person_and_the_case_goes_on() -> None:
    ltype = LicenceTypeFactory.create(holder_kind="enterprise", fields=[])
    item = make_item(result_form=ResultForm.LICENCE, licence_type_code=ltype.code, department=ltype.department)
    applicant = resident()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = case_services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    case = case_services.case_submit(case=case, actor=applicant)
    for step in (case_services.case_accept, case_services.case_start_review, case_services.case_approve):
        case = step(case=case, actor=reviewer)
    case = case_services.case_issue_result(case=case, actor=reviewer, result_number="津许〔2026〕7号")
    assert case.result_number == "津许〔2026〕7号" and Licence.objects.count() == 0
