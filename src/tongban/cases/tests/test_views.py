"""Case pages: applying, receipts, my cases, progress, correction, withdrawal, rating, staff actions, window, downloads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import services
from tongban.cases.constants import CaseStatus, DeliveryMethod, IdentityCheck, MaterialStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff, submitted_case, upload_all
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    # the login-time stamp of accounts.sessions must be registered before force_login, even in the first test
    import tongban.accounts.sessions  # noqa: F401

    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def text(response: Any) -> str:
    return str(response.content.decode())


def num(case: Case) -> str:
    assert case.number is not None
    return case.number


def pdf_file(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def apply_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "f-applicant_name": "张三",
        "f-reason": "开业",
        "delivery_method": DeliveryMethod.ELECTRONIC,
        "delivery_recipient": "",
        "delivery_phone": "",
        "delivery_address": "",
    }
    data.update(extra)
    return data


# ------------------------------------------------------------------ applying


def test_apply_page_requires_login() -> None:
    item = make_item()
    response = Client().get(reverse("cases:apply", args=[item.code]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_apply_page_shows_the_generated_form_prefilled_and_the_materials() -> None:
    # given a resident with a name in the profile
    user = resident()
    item = make_item()
    # when they open the apply page
    response = client_for(user).get(reverse("cases:apply", args=[item.code]))
    # then the form's fields, the profile value, the materials and the delivery choice are there
    assert response.status_code == 200
    page = text(response)
    assert 'name="f-applicant_name"' in page
    assert f'value="{user.full_name}"' in page
    assert "身份证" in page and "场地平面图" in page
    assert 'name="m-ID"' in page
    assert 'name="delivery_method"' in page
    assert "csrfmiddlewaretoken" in page


def test_an_unpublished_item_cannot_be_applied_for() -> None:
    item = make_item(status=ItemStatus.DRAFT)
    response = client_for(resident()).get(reverse("cases:apply", args=[item.code]))
    assert response.status_code == 404


def test_submitting_with_all_materials_gives_a_case_number_and_a_receipt() -> None:
    # given a resident on the apply page
    user = resident()
    item = make_item()
    c = client_for(user)
    # when they fill the form, attach both materials and submit
    response = c.post(
        reverse("cases:apply", args=[item.code]),
        apply_data(action="submit", **{"m-ID": pdf_file(), "m-PLAN": pdf_file("plan.pdf")}),
    )
    # then they land on the receipt with the case number
    case = Case.objects.get(applicant=user)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:receipt", args=[case.pk])
    assert case.status == CaseStatus.SUBMITTED
    assert case.number
    assert case.form_data["applicant_name"] == "张三"
    assert set(case.materials.filter(status=MaterialStatus.UPLOADED).values_list("material__code", flat=True)) == {
        "ID",
        "PLAN",
    }
    receipt = c.get(response["Location"])
    assert num(case) in text(receipt)
    assert "已收到" in text(receipt) or "申请" in text(receipt)


def test_saving_a_draft_keeps_values_and_files_and_submission_later_works() -> None:
    user = resident()
    item = make_item()
    c = client_for(user)
    # when the resident saves a draft with one file
    response = c.post(reverse("cases:apply", args=[item.code]), apply_data(action="save", **{"m-ID": pdf_file()}))
    case = Case.objects.get(applicant=user)
    assert response.status_code == 302 and response["Location"].startswith(reverse("cases:edit", args=[case.pk]))
    assert case.status == CaseStatus.DRAFT
    # then the edit page shows the value and the stored file
    page = text(c.get(reverse("cases:edit", args=[case.pk])))
    assert 'value="张三"' in page and "scan.pdf" in page
    # and submitting without the second material is refused, naming it, while the draft stays
    response = c.post(reverse("cases:edit", args=[case.pk]), apply_data(action="submit"))
    assert response.status_code == 422
    assert "场地平面图" in text(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    # when the missing file is added, the submission goes through
    response = c.post(
        reverse("cases:edit", args=[case.pk]), apply_data(action="submit", **{"m-PLAN": pdf_file("plan.pdf")})
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_file_of_the_wrong_type_is_refused_with_a_chinese_message_and_nothing_is_saved() -> None:
    user = resident()
    item = make_item()
    fake = SimpleUploadedFile("id.pdf", b"MZ\x90\x00 this is a program, not a PDF", content_type="application/pdf")
    response = client_for(user).post(
        reverse("cases:apply", args=[item.code]), apply_data(action="save", **{"m-ID": fake})
    )
    assert response.status_code == 422
    page = text(response)
    assert "不接受这种类型的文件" in page
    assert "请重新选择" in page or "重新" in page
    assert not Case.objects.filter(applicant=user).exists()


def test_an_invalid_value_is_shown_on_its_field_and_nothing_is_saved() -> None:
    user = resident()
    item = make_item(
        form_fields=[{"name": "idno", "label": "身份证号码", "type": "id_number", "required": True}],
    )
    response = client_for(user).post(
        reverse("cases:apply", args=[item.code]), {"f-idno": "110101199001011234", "action": "save"}
    )
    assert response.status_code == 422
    assert "身份证号码" in text(response) and ("不是有效" in text(response) or "无效" in text(response))
    assert not Case.objects.filter(applicant=user).exists()


def test_post_delivery_needs_an_address_on_submission() -> None:
    user = resident()
    item = make_item()
    c = client_for(user)
    response = c.post(
        reverse("cases:apply", args=[item.code]),
        apply_data(action="submit", delivery_method=DeliveryMethod.POST, **{"m-ID": pdf_file(), "m-PLAN": pdf_file()}),
    )
    # nothing is saved and the address field says why
    assert response.status_code == 422
    assert not Case.objects.filter(applicant=user).exists()
    assert "选择邮寄送达时必须填写" in text(response)


def test_commitment_items_are_approved_at_once_when_the_commitment_is_signed() -> None:
    user = resident()
    item = make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。")
    c = client_for(user)
    page = text(c.get(reverse("cases:apply", args=[item.code])))
    assert "本人承诺所填信息真实有效。" in page
    response = c.post(
        reverse("cases:apply", args=[item.code]),
        apply_data(action="submit", commitment_signed="on", **{"m-ID": pdf_file(), "m-PLAN": pdf_file()}),
    )
    assert response.status_code == 302
    case = Case.objects.get(applicant=user)
    assert case.status == CaseStatus.APPROVED
    assert case.commitment_signed_at is not None


def test_staff_cannot_apply_online() -> None:
    item = make_item()
    clerk = staff(item.department, StaffRoleKind.WINDOW_CLERK)
    response = client_for(clerk).post(reverse("cases:apply", args=[item.code]), apply_data(action="save"))
    assert response.status_code == 302
    assert not Case.objects.exists()


# ------------------------------------------------------------------ my cases, detail, someone else's case


def test_my_cases_lists_only_my_cases() -> None:
    mine = submitted_case()
    other = submitted_case()
    page = text(client_for(mine.applicant).get(reverse("cases:mine")))
    assert num(mine) in page
    assert num(other) not in page


def test_the_detail_page_shows_status_and_timeline_to_the_applicant() -> None:
    case = submitted_case()
    page = text(client_for(case.applicant).get(reverse("cases:detail", args=[case.pk])))
    assert num(case) in page
    assert "已提交" in page
    assert "申请已提交" in page  # the timeline entry


@pytest.mark.parametrize("name", ["cases:detail", "cases:receipt", "cases:edit", "cases:notice", "cases:rate"])
def test_someone_elses_case_is_not_found(name: str) -> None:
    case = submitted_case()
    stranger = resident()
    response = client_for(stranger).get(reverse(name, args=[case.pk]))
    assert response.status_code == 404


def test_another_departments_reviewer_cannot_see_or_act_on_a_case() -> None:
    case = submitted_case()
    outsider = staff(DepartmentFactory.create(), StaffRoleKind.REVIEWER)
    c = client_for(outsider)
    assert c.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert c.post(reverse("cases:act", args=[case.pk, "accept"])).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_staff_read_is_audited_and_the_applicants_own_read_is_not() -> None:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    client_for(case.applicant).get(reverse("cases:detail", args=[case.pk]))
    assert not AuditEvent.objects.filter(stream=case.stream, action="case.viewed").exists()
    client_for(reviewer).get(reverse("cases:detail", args=[case.pk]))
    viewed = AuditEvent.objects.get(stream=case.stream, action="case.viewed")
    assert viewed.actor_id == reviewer.pk and viewed.actor_role == StaffRoleKind.REVIEWER


# ------------------------------------------------------------------ staff actions


def test_a_reviewer_accepts_reviews_approves_issues_delivers_and_closes() -> None:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    c = client_for(reviewer)
    page = text(c.get(reverse("cases:detail", args=[case.pk])))
    assert 'id="do-accept"' in page
    for action, data in [
        ("accept", {}),
        ("start_review", {}),
        ("approve", {"approve-reason": "符合条件"}),
        ("issue_result", {"issue_result-result_number": "津许字〔2026〕1号"}),
        ("deliver", {}),
        ("close", {}),
    ]:
        response = c.post(reverse("cases:act", args=[case.pk, action]), data)
        assert response.status_code == 302, (action, text(response)[:2000])
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.result_number == "津许字〔2026〕1号"
    # and the applicant sees every step in the timeline
    page = text(client_for(case.applicant).get(reverse("cases:detail", args=[case.pk])))
    for label in ["受理", "开始审查", "批准", "已办结"]:
        assert label in page


def test_deny_needs_reasons_and_shows_the_error_in_chinese() -> None:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    c = client_for(reviewer)
    c.post(reverse("cases:act", args=[case.pk, "accept"]))
    c.post(reverse("cases:act", args=[case.pk, "start_review"]))
    response = c.post(reverse("cases:act", args=[case.pk, "deny"]), {"deny-reason": ""})
    assert response.status_code == 422
    assert "请填写" in text(response) or "必填" in text(response)
    response = c.post(reverse("cases:act", args=[case.pk, "deny"]), {"deny-reason": "不符合条件"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DENIED and case.decision_reasons == "不符合条件"


def test_an_action_not_allowed_in_the_state_is_refused() -> None:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    response = client_for(reviewer).post(reverse("cases:act", args=[case.pk, "approve"]), {"approve-reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_the_applicant_cannot_use_staff_actions() -> None:
    case = submitted_case()
    response = client_for(case.applicant).post(reverse("cases:act", args=[case.pk, "accept"]))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_correction_request_and_resubmission() -> None:
    # given a submitted case and a reviewer asking to correct the plan
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    response = client_for(reviewer).post(
        reverse("cases:act", args=[case.pk, "request_correction"]),
        {"request_correction-materials": ["PLAN"], "request_correction-reason": "平面图不清晰"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION_REQUESTED
    # when the applicant opens the case they see what to correct
    c = client_for(case.applicant)
    page = text(c.get(reverse("cases:detail", args=[case.pk])))
    assert "平面图不清晰" in page
    page = text(c.get(reverse("cases:edit", args=[case.pk])))
    assert "平面图不清晰" in page and "场地平面图" in page
    # and they upload a new plan and resubmit
    response = c.post(
        reverse("cases:edit", args=[case.pk]),
        {"f-applicant_name": "张三", "action": "submit", "m-PLAN": pdf_file("plan-v2.pdf")},
    )
    assert response.status_code == 302, re.findall(r'(?s)class="alert alert-error".{0,600}', text(response))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.materials.get(material__code="PLAN").original_name == "plan-v2.pdf"


def test_accept_with_gaps_and_supplement() -> None:
    item = make_item(gap_acceptance_allowed=True)
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant, codes=("ID",))
    case = services.case_submit(case=case, actor=applicant)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    response = client_for(reviewer).post(
        reverse("cases:act", args=[case.pk, "accept_with_gaps"]),
        {"accept_with_gaps-gap_materials": ["PLAN"], "accept_with_gaps-supplement_days": "5"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.gap_deadline is not None
    c = client_for(applicant)
    page = text(c.get(reverse("cases:detail", args=[case.pk])))
    assert 'id="gaps"' in page
    response = c.post(reverse("cases:supplement", args=[case.pk]), {"material": "PLAN", "file": pdf_file("plan.pdf")})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.gap_deadline is None


def test_withdrawal_by_the_applicant() -> None:
    case = submitted_case()
    response = client_for(case.applicant).post(
        reverse("cases:withdraw", args=[case.pk]), {"withdraw-reason": "不需要了"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


def test_withdrawal_by_someone_else_is_refused() -> None:
    case = submitted_case()
    response = client_for(resident()).post(reverse("cases:withdraw", args=[case.pk]), {})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def _closed_case() -> Case:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    services.case_accept(case=case, actor=reviewer)
    services.case_start_review(case=case, actor=reviewer)
    services.case_approve(case=case, actor=reviewer)
    services.case_issue_result(case=case, actor=reviewer, result_number="R-1")
    services.case_deliver(case=case, actor=reviewer)
    return services.case_close(case=case, actor=reviewer)


def test_rating_after_closing() -> None:
    from tongban.supervision.models import Rating, RectificationTask

    case = _closed_case()
    c = client_for(case.applicant)
    assert "评价" in text(c.get(reverse("cases:detail", args=[case.pk])))
    response = c.post(reverse("cases:rate", args=[case.pk]), {"stars": "1", "tags": ["slow"], "text": "太慢了"})
    assert response.status_code == 302
    rating = Rating.objects.get(case=case)
    assert rating.stars == 1 and rating.tags == ["slow"]
    assert RectificationTask.objects.filter(rating=rating).exists()
    # a second rating is refused with a message
    response = c.post(reverse("cases:rate", args=[case.pk]), {"stars": "5"})
    assert response.status_code == 422


def test_rating_an_open_case_is_refused() -> None:
    case = submitted_case()
    response = client_for(case.applicant).post(reverse("cases:rate", args=[case.pk]), {"stars": "5"})
    assert response.status_code == 422
    assert "办结" in text(response)


# ------------------------------------------------------------------ workbenches


def test_the_reviewer_queue_shows_only_the_departments_cases_and_search_works() -> None:
    case = submitted_case()
    other = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    c = client_for(reviewer)
    page = text(c.get(reverse("cases:workbench")))
    assert num(case) in page
    assert num(other) not in page
    page = text(c.get(reverse("cases:workbench"), {"q": num(case)}))
    assert num(case) in page
    page = text(c.get(reverse("cases:workbench"), {"q": num(other)}))
    assert reverse("cases:detail", args=[other.pk]) not in page
    # the targeted search is audited
    assert AuditEvent.objects.filter(stream=case.stream, action="case.viewed", actor_id=reviewer.pk).exists()


def test_overdue_cases_are_marked_red_in_the_queue() -> None:
    import datetime as dt

    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    services.case_accept(case=case, actor=reviewer)
    Case.objects.filter(pk=case.pk).update(
        accepted_on=dt.date(2025, 1, 6), promised_due_date=dt.date(2025, 1, 20), legal_due_date=dt.date(2025, 2, 10)
    )
    page = text(client_for(reviewer).get(reverse("cases:workbench"), {"queue": "review"}))
    assert "row-red" in page and "已超期" in page


def test_workbench_is_for_reviewers_only() -> None:
    assert client_for(resident()).get(reverse("cases:workbench")).status_code == 404


# ------------------------------------------------------------------ window


def test_window_clerk_receives_and_accepts_an_application_and_prints_the_notice() -> None:
    item = make_item()
    clerk = staff(DepartmentFactory.create(), StaffRoleKind.WINDOW_CLERK)
    c = client_for(clerk)
    page = text(c.get(reverse("cases:window"), {"q": item.name}))
    assert item.name in page
    id_number = make_resident_id("120101", __import__("datetime").date(1985, 3, 3), 77)
    response = c.post(
        reverse("cases:window_apply", args=[item.code]),
        {
            "applicant_id_number": id_number,
            "applicant_name": "孙八",
            "applicant_phone": "13700000000",
            "identity_check": IdentityCheck.ID_CARD_READER,
            # the form's name field is left empty: it is filled from the applicant's details
            "delivery_method": DeliveryMethod.WINDOW,
            "m-ID": pdf_file("id.pdf"),
            "m-PLAN": pdf_file("plan.pdf"),
        },
    )
    assert response.status_code == 302, text(response)[:3000]
    case = Case.objects.get(received_by=clerk)
    assert case.status == CaseStatus.ACCEPTED
    assert case.applicant.id_number == id_number
    assert case.identity_check == IdentityCheck.ID_CARD_READER
    assert case.form_data["applicant_name"] == "孙八"
    notice = c.get(response["Location"])
    page = text(notice)
    assert num(case) in page and "<svg" in page
    assert reverse("cases:track", args=[case.number]) in page
    # and the case is in the department's queue and in the clerk's list
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    assert num(case) in text(client_for(reviewer).get(reverse("cases:workbench"), {"queue": "review"}))
    assert num(case) in text(c.get(reverse("cases:received")))


def test_window_refuses_an_invalid_id_number() -> None:
    item = make_item()
    clerk = staff(DepartmentFactory.create(), StaffRoleKind.WINDOW_CLERK)
    response = client_for(clerk).post(
        reverse("cases:window_apply", args=[item.code]),
        {
            "applicant_id_number": "120101198503030000",
            "applicant_name": "孙八",
            "identity_check": IdentityCheck.MANUAL,
            "f-applicant_name": "孙八",
            "delivery_method": DeliveryMethod.WINDOW,
        },
    )
    assert response.status_code == 422
    assert "身份证" in text(response)
    assert not Case.objects.exists()


def test_window_pages_are_for_clerks_only() -> None:
    item = make_item()
    c = client_for(resident())
    assert c.get(reverse("cases:window")).status_code == 404
    assert c.get(reverse("cases:window_apply", args=[item.code])).status_code == 404


def test_a_clerk_sees_only_the_cases_they_received() -> None:
    case = submitted_case()
    clerk = staff(case.department, StaffRoleKind.WINDOW_CLERK)
    assert client_for(clerk).get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_tracking_link_leads_the_applicant_to_the_case_and_strangers_nowhere() -> None:
    case = submitted_case()
    assert case.number
    url = reverse("cases:track", args=[case.number])
    response = client_for(case.applicant).get(url)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert client_for(resident()).get(url).status_code == 404


# ------------------------------------------------------------------ downloads


def _uploaded(case: Case, code: str = "ID") -> int:
    return int(case.materials.get(material__code=code).pk)


def test_the_applicant_downloads_a_material_as_an_attachment() -> None:
    case = submitted_case()
    response = client_for(case.applicant).get(reverse("cases:material", args=[case.pk, _uploaded(case)]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_a_department_reviewers_download_is_audited() -> None:
    case = submitted_case()
    reviewer = staff(case.department, StaffRoleKind.REVIEWER)
    response = client_for(reviewer).get(reverse("cases:material", args=[case.pk, _uploaded(case)]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(stream=case.stream, action="case.material_downloaded")
    assert event.actor_id == reviewer.pk and event.data["material"] == "ID"


def test_the_receiving_clerk_may_download_but_another_clerk_may_not() -> None:
    item = make_item()
    receiving = staff(DepartmentFactory.create(), StaffRoleKind.WINDOW_CLERK)
    other_clerk = staff(DepartmentFactory.create(), StaffRoleKind.WINDOW_CLERK)
    from tongban.cases.tests.factories import pdf

    case = services.case_window_receive(
        actor=receiving,
        applicant=services.WindowApplicant(
            id_number=make_resident_id("120101", __import__("datetime").date(1970, 1, 1), 5), full_name="周九"
        ),
        item=item,
        form_data={"applicant_name": "周九"},
        identity_check_method=IdentityCheck.FACE,
        scans={"ID": (pdf(), "id.pdf"), "PLAN": (pdf(), "plan.pdf")},
    )
    url = reverse("cases:material", args=[case.pk, _uploaded(case)])
    assert client_for(receiving).get(url).status_code == 200
    assert client_for(other_clerk).get(url).status_code == 404


@pytest.mark.parametrize("who", ["stranger", "other_department"])
def test_downloads_are_refused_to_others(who: str) -> None:
    case = submitted_case()
    user = resident() if who == "stranger" else staff(DepartmentFactory.create(), StaffRoleKind.REVIEWER)
    response = client_for(user).get(reverse("cases:material", args=[case.pk, _uploaded(case)]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(stream=case.stream, action="case.material_downloaded").exists()


def test_a_material_id_of_another_case_is_not_served() -> None:
    mine = submitted_case()
    other = submitted_case()
    response = client_for(mine.applicant).get(reverse("cases:material", args=[mine.pk, _uploaded(other)]))
    assert response.status_code == 404


def test_pages_carry_a_csrf_token_and_posts_without_it_are_refused() -> None:
    case = submitted_case()
    c = Client(enforce_csrf_checks=True)
    c.force_login(case.applicant)
    response = c.post(reverse("cases:withdraw", args=[case.pk]), {})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_item_factory_items_are_published() -> None:
    # guard: the pages above rely on the builder's item being open for applications
    assert make_item().status == ItemStatus.PUBLISHED
    assert isinstance(ServiceItem.objects.first(), ServiceItem)
    assert re.match(r"^\d{6}-\d{8}-\d{6}$", submitted_case().number or "")


def test_answers_from_the_guide_page_select_the_materials_on_the_apply_page() -> None:
    from tongban.catalog.tests.factories import MaterialFactory

    item = make_item(
        situations=[
            {
                "code": "applicant",
                "question": "谁来办理？",
                "options": [{"code": "self", "label": "本人"}, {"code": "agent", "label": "委托代理人"}],
            }
        ]
    )
    MaterialFactory.create(item=item, code="POA", name="授权委托书", order=3, applies_when=["applicant=agent"])
    c = client_for(resident())
    page = text(c.get(reverse("cases:apply", args=[item.code]), {"applicant": "self"}))
    assert "授权委托书" not in page
    page = text(c.get(reverse("cases:apply", args=[item.code]), {"applicant": "agent"}))
    assert "授权委托书" in page
    assert re.search(r'value="agent"[^>]*checked', page)
    # an answer that is not an option is ignored
    page = text(c.get(reverse("cases:apply", args=[item.code]), {"applicant": "boss"}))
    assert "视您对上面问题的回答而定" in page


def test_items_without_online_application_are_not_offered_online_but_at_the_window() -> None:
    from tongban.catalog.constants import OnlineDepth

    item = make_item(online_depth=OnlineDepth.FORMS)
    assert client_for(resident()).get(reverse("cases:apply", args=[item.code])).status_code == 404
    clerk = staff(DepartmentFactory.create(), StaffRoleKind.WINDOW_CLERK)
    assert client_for(clerk).get(reverse("cases:window_apply", args=[item.code])).status_code == 200


def test_the_guide_page_offers_the_apply_button_with_the_answers() -> None:
    item = make_item()
    response = client_for(resident()).get(reverse("web:item_guide", args=[item.code]), {"applicant": "self"})
    assert response.status_code == 200
    page = text(response)
    assert 'id="apply-online"' in page
    assert reverse("cases:apply", args=[item.code]) + "?applicant=self" in page


def test_the_department_verifies_a_commitment_and_a_false_one_revokes_the_approval() -> None:
    # given a case approved at once on a signed commitment
    item = make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。")
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    case = services.case_sign_commitment(case=case, actor=applicant, agreed=True)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    c = client_for(reviewer)
    # then it waits in the department's verification queue
    assert num(case) in text(c.get(reverse("cases:workbench"), {"queue": "verify"}))
    assert f'action="/cases/{case.pk}/verify/"' in text(c.get(reverse("cases:detail", args=[case.pk])))
    # when "false" is recorded without findings, it is refused
    response = c.post(reverse("cases:verify", args=[case.pk]), {"verify-outcome": "found_false", "verify-findings": ""})
    assert response.status_code == 422
    # and with findings the approval is revoked
    response = c.post(
        reverse("cases:verify", args=[case.pk]), {"verify-outcome": "found_false", "verify-findings": "场地与承诺不符"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REVOKED
    assert "场地与承诺不符" in text(client_for(applicant).get(reverse("cases:detail", args=[case.pk])))


def test_someone_else_cannot_verify() -> None:
    item = make_item(commitment_allowed=True, commitment_text="承诺。")
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    case = services.case_sign_commitment(case=case, actor=applicant, agreed=True)
    outsider = staff(DepartmentFactory.create(), StaffRoleKind.REVIEWER)
    response = client_for(outsider).post(reverse("cases:verify", args=[case.pk]), {"verify-outcome": "confirmed"})
    assert response.status_code == 404
    response = client_for(applicant).post(reverse("cases:verify", args=[case.pk]), {"verify-outcome": "confirmed"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED


def test_a_supervisor_of_the_region_reads_the_case_without_actions() -> None:
    case = submitted_case()
    supervisor = staff(DepartmentFactory.create(), StaffRoleKind.SUPERVISOR)
    c = client_for(supervisor)
    response = c.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert 'id="do-accept"' not in text(response)
    assert c.post(reverse("cases:act", args=[case.pk, "accept"])).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert AuditEvent.objects.filter(stream=case.stream, action="case.viewed", actor_id=supervisor.pk).exists()
