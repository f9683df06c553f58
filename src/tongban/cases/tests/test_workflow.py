"""Every transition and its refusals: wrong state, wrong actor, other department."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, StaffRole, User
from tongban.cases import selectors, services
from tongban.cases.constants import TRANSITIONS, CaseStatus, MaterialStatus, VerificationStatus
from tongban.cases.models import Case
from tongban.cases.services import rules
from tongban.cases.tests.factories import department, make_item, pdf, resident, staff, submitted_case, upload_all
from tongban.core.calendar import add_working_days
from tongban.core.errors import ApplicationError, InvalidTransition, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.supervision.constants import RectificationAction, RectificationStatus
from tongban.supervision.models import CreditRecord, RectificationTask
from tongban.supervision.services import AlreadyRated, rating_create, rectification_transition

pytestmark = pytest.mark.django_db


def _reviewed(case: Case, reviewer: User) -> Case:
    case = services.case_accept(case=case, actor=reviewer)
    return services.case_start_review(case=case, actor=reviewer)


def test_transition_table_targets_are_states() -> None:
    for action, t in TRANSITIONS.items():
        assert t.sources, action
        assert t.target is None or t.target in CaseStatus.values


def test_submit_refuses_missing_materials_and_invalid_form() -> None:
    # given a draft without uploads and without the required name
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=make_item(), form_data={})
    # then submission is refused with the form errors first, leaving the draft unchanged
    with pytest.raises(ValidationFailed):
        services.case_submit(case=case, actor=applicant)
    services.case_draft_update(case=case, actor=applicant, form_data={"applicant_name": "张三"})
    with pytest.raises(ValidationFailed) as err:
        services.case_submit(case=case, actor=applicant)
    assert err.value.code == "materials_missing"
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.number is None


def test_wrong_state_is_refused_with_a_stable_code() -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = submitted_case(item)
    with pytest.raises(InvalidTransition) as err:
        services.case_approve(case=case, actor=reviewer)
    assert err.value.code == "invalid_transition"
    with pytest.raises(InvalidTransition):
        services.case_submit(case=case, actor=case.applicant)


def test_other_department_and_applicants_cannot_act() -> None:
    item = make_item()
    case = submitted_case(item)
    other_reviewer = staff(department(), StaffRoleKind.REVIEWER)
    stranger = resident()
    for actor in (other_reviewer, stranger, case.applicant):
        with pytest.raises(PermissionDenied):
            services.case_accept(case=case, actor=actor)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    services.case_accept(case=case, actor=reviewer)
    for actor in (other_reviewer, case.applicant):
        with pytest.raises(PermissionDenied):
            services.case_start_review(case=case, actor=actor)
    with pytest.raises(PermissionDenied):
        services.case_withdraw(case=case, actor=reviewer)
    with pytest.raises(PermissionDenied):
        services.case_withdraw(case=case, actor=stranger)


def test_reject_at_intake_needs_reasons() -> None:
    item = make_item()
    clerk = staff(department(code="CENTER"), StaffRoleKind.WINDOW_CLERK)
    case = submitted_case(item)
    with pytest.raises(ValidationFailed) as err:
        services.case_reject_at_intake(case=case, actor=clerk, reason="  ")
    assert err.value.code == "reason_required"
    case = services.case_reject_at_intake(case=case, actor=clerk, reason="不属于本机关职权范围")
    assert case.status == CaseStatus.REJECTED_AT_INTAKE
    assert case.decision_reasons == "不属于本机关职权范围"


def test_correction_then_resubmit_then_accept_starts_the_clock() -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = submitted_case(item)
    with pytest.raises(ValidationFailed):
        services.case_request_correction(case=case, actor=reviewer, materials=[])
    case = services.case_request_correction(case=case, actor=reviewer, materials=["PLAN"], note="图纸不清晰")
    assert case.status == CaseStatus.CORRECTION_REQUESTED and case.accepted_on is None
    note = Notification.objects.filter(user=case.applicant).first()
    assert note is not None and "场地平面图" in note.body
    services.case_material_upload(
        case=case, actor=case.applicant, material_code="PLAN", source=pdf(), original_name="p.pdf"
    )
    case = services.case_resubmit(case=case, actor=case.applicant)
    assert case.status == CaseStatus.SUBMITTED
    case = services.case_accept(case=case, actor=reviewer)
    today = timezone.localdate()
    assert case.accepted_on == today
    assert case.promised_due_date == add_working_days(today, 10).date
    assert case.legal_due_date == add_working_days(today, 20).date


def test_deny_needs_reasons_and_then_issue_deliver_by_post_needs_tracking() -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    applicant = resident()
    case = services.case_draft_create(
        actor=applicant,
        item=item,
        form_data={"applicant_name": "李四"},
        delivery_method="post",
        delivery_address="天津市和平区南京路1号",
    )
    upload_all(case, applicant)
    case = _reviewed(services.case_submit(case=case, actor=applicant), reviewer)
    with pytest.raises(ValidationFailed):
        services.case_deny(case=case, actor=reviewer, reasons="")
    case = services.case_deny(case=case, actor=reviewer, reasons="不符合法定条件")
    case = services.case_issue_result(case=case, actor=reviewer)
    with pytest.raises(ValidationFailed) as err:
        services.case_deliver(case=case, actor=reviewer)
    assert err.value.code == "tracking_number_required"
    case = services.case_deliver(case=case, actor=reviewer, tracking_number="SF1234567890")
    assert case.status == CaseStatus.DELIVERED and case.tracking_number == "SF1234567890"


def test_post_delivery_needs_an_address() -> None:
    with pytest.raises(ValidationFailed) as err:
        services.case_draft_create(actor=resident(), item=make_item(), delivery_method="post")
    assert err.value.code == "delivery_address_required"


def test_withdraw_before_decision_only() -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = _reviewed(submitted_case(item), reviewer)
    other = _reviewed(submitted_case(item), reviewer)
    case = services.case_withdraw(case=case, actor=case.applicant, reason="不再需要")
    assert case.status == CaseStatus.WITHDRAWN
    other = services.case_approve(case=other, actor=reviewer)
    with pytest.raises(InvalidTransition):
        services.case_withdraw(case=other, actor=other.applicant)


def test_suspension_stops_the_clock_and_resume_extends_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    # given a case accepted on Monday 1 December 2025 (promised 10 working days → 15 December)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 12, 1))
    case = _reviewed(submitted_case(item), reviewer)
    assert case.promised_due_date == dt.date(2025, 12, 15)
    with pytest.raises(ValidationFailed):
        services.case_suspend(case=case, actor=reviewer, reason="")
    # when it is suspended for an expert review on 3 December and resumed on 10 December (5 working days)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 12, 3))
    case = services.case_suspend(case=case, actor=reviewer, reason="专家评审")
    assert case.status == CaseStatus.SUSPENDED
    with pytest.raises(InvalidTransition):
        services.case_approve(case=case, actor=reviewer)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 12, 10))
    case = services.case_resume(case=case, actor=reviewer)
    # then it is back under review and due 5 working days later
    assert case.status == CaseStatus.UNDER_REVIEW
    assert case.suspended_working_days == 5
    assert case.promised_due_date == dt.date(2025, 12, 22)
    case = services.case_terminate(case=case, actor=reviewer, reason="申请人死亡")
    assert case.status == CaseStatus.TERMINATED


def test_deadline_levels_for_staff(monkeypatch: pytest.MonkeyPatch) -> None:
    item = make_item(promised_limit_days=9)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 12, 1))
    case = services.case_accept(case=submitted_case(item), actor=reviewer)
    assert selectors.case_deadline_level(case=case, today=dt.date(2025, 12, 2)) == "green"
    assert selectors.case_deadline_level(case=case, today=dt.date(2025, 12, 9)) == "yellow"
    assert selectors.case_deadline_level(case=case, today=dt.date(2025, 12, 16)) == "red"


def test_accept_with_gaps_reminds_and_terminates_when_the_deadline_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    # given an item that allows 容缺 and a case submitted without the non-key plan
    item = make_item(gap_acceptance_allowed=True)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "王五"})
    upload_all(case, applicant, codes=("ID",))
    case = services.case_submit(case=case, actor=applicant)
    with pytest.raises(ValidationFailed):
        services.case_accept(case=case, actor=reviewer)
    with pytest.raises(ValidationFailed) as err:
        services.case_accept_with_gaps(case=case, actor=reviewer, gap_materials=["ID"])
    assert err.value.code == "material_not_gap_allowed"
    # when it is accepted with the plan to follow within 3 working days of Monday 1 December 2025
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 12, 1))
    case = services.case_accept_with_gaps(case=case, actor=reviewer, gap_materials=["PLAN"], supplement_days=3)
    assert case.status == CaseStatus.ACCEPTED and case.gap_deadline == dt.date(2025, 12, 4)
    case = services.case_start_review(case=case, actor=reviewer)
    with pytest.raises(ApplicationError) as gaps:
        services.case_approve(case=case, actor=reviewer)
    assert gaps.value.code == "gaps_outstanding"
    # then the tick reminds two working days before, once a day
    report = services.cases_tick(today=dt.date(2025, 12, 2))
    assert report.reminded == [case.number]
    assert services.cases_tick(today=dt.date(2025, 12, 2)).reminded == []
    # and terminates with notice the day after the deadline
    call_command("cases", "tick", "--today", "2025-12-05")
    case.refresh_from_db()
    assert case.status == CaseStatus.TERMINATED
    notice = Notification.objects.filter(user=applicant).first()
    assert notice is not None and notice.kind == "warning"
    assert AuditEvent.objects.filter(stream=case.stream, action="case.terminate", actor_role="system").exists()


def test_supplying_the_gap_lets_the_case_be_approved() -> None:
    item = make_item(gap_acceptance_allowed=True)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "王五"})
    upload_all(case, applicant, codes=("ID",))
    case = services.case_submit(case=case, actor=applicant)
    case = services.case_accept_with_gaps(case=case, actor=reviewer, gap_materials=["PLAN"])
    with pytest.raises(ValidationFailed):
        services.case_supplement(case=case, actor=applicant, material_code="ID", source=pdf(), original_name="x.pdf")
    case = services.case_supplement(
        case=case, actor=applicant, material_code="PLAN", source=pdf(), original_name="p.pdf"
    )
    assert case.gap_deadline is None
    assert case.materials.get(material__code="PLAN").status == MaterialStatus.UPLOADED
    case = services.case_approve(case=services.case_start_review(case=case, actor=reviewer), actor=reviewer)
    assert case.status == CaseStatus.APPROVED


def test_gaps_refused_when_the_item_does_not_allow_them() -> None:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = submitted_case(item)
    with pytest.raises(ApplicationError) as err:
        services.case_accept_with_gaps(case=case, actor=reviewer, gap_materials=["PLAN"])
    assert err.value.code == "gaps_not_allowed"


def test_commitment_approves_at_once_and_a_false_one_is_revoked_with_a_credit_record() -> None:
    # given an item handled by notification and commitment
    item = make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。")
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "赵六"})
    with pytest.raises(ValidationFailed):
        services.case_sign_commitment(case=case, actor=applicant, agreed=False)
    # when the applicant signs
    case = services.case_sign_commitment(case=case, actor=applicant, agreed=True)
    # then it is approved at once with a verification task for the department
    assert case.status == CaseStatus.APPROVED and case.number
    task = case.verification_task
    assert task.status == VerificationStatus.PENDING
    assert task.due_date == add_working_days(timezone.localdate(), 20).date
    assert list(selectors.verification_tasks_for(user=reviewer)) == [task]
    with pytest.raises(PermissionDenied):
        services.task_verify(task=task, actor=applicant, ok=True)
    with pytest.raises(ValidationFailed):
        services.task_verify(task=task, actor=reviewer, ok=False, findings="")
    # when verification finds the commitment false
    services.task_verify(task=task, actor=reviewer, ok=False, findings="现场核查场地不存在")
    case.refresh_from_db()
    # then the approval is revoked with reasons and a credit record is written against the applicant
    assert case.status == CaseStatus.REVOKED and case.decision_reasons == "现场核查场地不存在"
    record = CreditRecord.objects.get(subject=applicant)
    assert record.kind == "false_commitment" and record.case == case
    with pytest.raises(InvalidTransition):
        services.task_verify(task=task, actor=reviewer, ok=True)


def test_commitment_refused_for_items_without_it() -> None:
    applicant = resident()
    case = services.case_draft_create(actor=applicant, item=make_item(), form_data={"applicant_name": "赵六"})
    with pytest.raises(ApplicationError) as err:
        services.case_sign_commitment(case=case, actor=applicant, agreed=True)
    assert err.value.code == "commitment_not_allowed"


def test_window_receive_registers_the_resident_and_goes_to_reviewers() -> None:
    item = make_item()
    clerk = staff(department(code="ZHCK"), StaffRoleKind.WINDOW_CLERK)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    id_number = "110101199003074477"
    with pytest.raises(PermissionDenied):
        services.case_window_receive(
            actor=reviewer,
            applicant=services.WindowApplicant(id_number=id_number, full_name="孙七"),
            item=item,
            form_data={"applicant_name": "孙七"},
            identity_check_method="id_card_reader",
        )
    with pytest.raises(ValidationFailed) as bad:
        services.case_window_receive(
            actor=clerk,
            applicant=services.WindowApplicant(id_number="110101199003074478", full_name="孙七"),
            item=item,
            form_data={"applicant_name": "孙七"},
            identity_check_method="id_card_reader",
        )
    assert bad.value.code == "invalid_id_number"
    case = services.case_window_receive(
        actor=clerk,
        applicant=services.WindowApplicant(id_number=id_number, full_name="孙七"),
        item=item,
        form_data={"applicant_name": "孙七"},
        identity_check_method="id_card_reader",
        scans={"ID": (pdf(), "id.pdf"), "PLAN": (pdf(), "plan.pdf")},
    )
    assert case.status == CaseStatus.ACCEPTED
    assert case.received_by == clerk and case.accepted_by == clerk and case.identity_check == "id_card_reader"
    assert case.applicant.id_number == id_number and case.channel == "window"
    # the clerk sees what they received, the reviewer takes it over
    assert case in selectors.case_list_for_user(user=clerk)
    assert case in selectors.case_queue(user=reviewer)
    services.case_start_review(case=case, actor=reviewer)
    with pytest.raises(PermissionDenied):
        services.case_approve(case=case, actor=clerk)
    # the same resident is found again by ID number
    again = services.case_window_receive(
        actor=clerk,
        applicant=services.WindowApplicant(id_number=id_number, full_name="孙七"),
        item=item,
        form_data={"applicant_name": "孙七"},
        identity_check_method="face",
        accept=False,
    )
    assert again.applicant == case.applicant and again.status == CaseStatus.SUBMITTED


def _closed_case() -> tuple[Case, User]:
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    case = _reviewed(submitted_case(item), reviewer)
    for step in (services.case_approve, services.case_issue_result, services.case_deliver, services.case_close):
        case = step(case=case, actor=reviewer)
    return case, reviewer


def test_bad_rating_opens_a_rectification_task_due_in_15_working_days() -> None:
    case, reviewer = _closed_case()
    supervisor = staff(department(code="DCB"), StaffRoleKind.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        rating_create(case=case, actor=resident(), stars=1)
    with pytest.raises(ValidationFailed):
        rating_create(case=case, actor=case.applicant, stars=1, tags=["nonsense"])
    rating = rating_create(case=case, actor=case.applicant, stars=2, tags=["slow"], text="等了很久")
    with pytest.raises(AlreadyRated):
        rating_create(case=case, actor=case.applicant, stars=5)
    task = RectificationTask.objects.get(rating=rating)
    assert task.department == case.department
    assert task.due_date == add_working_days(timezone.localdate(), 15).date
    # the department reports, the supervisor returns it once, then accepts
    with pytest.raises(PermissionDenied):
        rectification_transition(task=task, actor=supervisor, action=RectificationAction.REPORT, note="x")
    rectification_transition(task=task, actor=reviewer, action=RectificationAction.START)
    rectification_transition(task=task, actor=reviewer, action=RectificationAction.REPORT, note="已优化流程")
    with pytest.raises(PermissionDenied):
        rectification_transition(task=task, actor=reviewer, action=RectificationAction.ACCEPT)
    rectification_transition(task=task, actor=supervisor, action=RectificationAction.RETURN, note="请补充说明")
    rectification_transition(task=task, actor=reviewer, action=RectificationAction.REPORT, note="已补充")
    task = rectification_transition(task=task, actor=supervisor, action=RectificationAction.ACCEPT)
    assert task.status == RectificationStatus.CLOSED and task.rounds == 1
    with pytest.raises(InvalidTransition):
        rectification_transition(task=task, actor=reviewer, action=RectificationAction.START)


def test_good_rating_needs_no_rectification_and_open_cases_cannot_be_rated() -> None:
    case, _ = _closed_case()
    rating_create(case=case, actor=case.applicant, stars=5, tags=["fast"])
    assert not RectificationTask.objects.exists()
    open_case = submitted_case()
    with pytest.raises(InvalidTransition):
        rating_create(case=open_case, actor=open_case.applicant, stars=4)


def test_authorization_of_reads() -> None:
    item = make_item()
    case = submitted_case(item)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    other_reviewer = staff(department(), StaffRoleKind.REVIEWER)
    clerk = staff(department(code="CK2"), StaffRoleKind.WINDOW_CLERK)
    supervisor = staff(department(code="DCB2"), StaffRoleKind.SUPERVISOR)
    stranger = resident()
    for user in (other_reviewer, clerk, stranger):
        with pytest.raises(services.CaseNotFound):
            selectors.case_get_for_user(user=user, case_id=case.pk, reason="probe")
        assert case not in selectors.case_list_for_user(user=user)
    _case, access = selectors.case_get_for_user(user=supervisor, case_id=case.pk, reason="督查")
    assert not access.can_write
    _case, access = selectors.case_get_for_user(user=reviewer, case_id=case.pk, reason="审查")
    assert access.can_write
    views = AuditEvent.objects.filter(stream=case.stream, action="case.viewed")
    assert {(e.actor_id, e.reason) for e in views} == {(supervisor.pk, "督查"), (reviewer.pk, "审查")}
    # the applicant's own reads are not staff reads
    selectors.case_get_for_user(user=case.applicant, case_id=case.pk)
    assert views.count() == 2


def test_tampering_with_a_case_stream_is_detected() -> None:
    case = submitted_case()
    call_command("audit", "verify", "--stream", case.stream)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditevent SET reason = 'forged' WHERE stream = %s AND action = 'case.submit'", [case.stream]
        )
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--stream", case.stream)


def test_provisional_deadlines_are_recomputed_once_a_schedule_is_entered(monkeypatch: pytest.MonkeyPatch) -> None:
    from tongban.core.models import CalendarDay, CalendarYear

    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2026, 12, 30))
    case = services.case_accept(case=submitted_case(item), actor=reviewer)
    assert case.due_provisional
    before = case.promised_due_date
    calendar = CalendarYear.objects.create(year=2027, published=True)
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2027, 1, 4), kind="holiday")
    report = services.cases_tick(today=dt.date(2026, 12, 31))
    case.refresh_from_db()
    assert report.recomputed == [case.number]
    assert not case.due_provisional and case.promised_due_date != before


def test_enterprise_cases_are_shared_with_the_people_who_may_act_for_it() -> None:
    from typing import cast

    from tongban.accounts.models import Enterprise, EnterpriseMember
    from tongban.accounts.tests.factories import EnterpriseFactory, EnterpriseMemberFactory

    # given an enterprise with its legal representative and an authorised agent
    enterprise = cast(Enterprise, EnterpriseFactory())
    legal = resident()
    agent = resident()
    EnterpriseMemberFactory(user=legal, enterprise=enterprise)
    agent_membership = cast(EnterpriseMember, EnterpriseMemberFactory(user=agent, enterprise=enterprise, role="agent"))
    item = make_item()
    # when the agent applies for the enterprise
    with pytest.raises(PermissionDenied):
        services.case_draft_create(actor=resident(), item=item, enterprise=enterprise)
    case = services.case_draft_create(
        actor=agent, item=item, enterprise=enterprise, form_data={"applicant_name": "天津通办示范有限公司"}
    )
    upload_all(case, agent)
    case = services.case_submit(case=case, actor=agent)
    # then the legal representative sees it and may withdraw it; a stranger may not see it
    assert case in selectors.case_list_for_user(user=legal)
    selectors.case_get_for_user(user=legal, case_id=case.pk)
    with pytest.raises(services.CaseNotFound):
        selectors.case_get_for_user(user=resident(), case_id=case.pk)
    # and once the agent's authorisation ends, the agent keeps their own application but loses the others
    other = services.case_draft_create(actor=legal, item=item, enterprise=enterprise)
    agent_membership.active = False
    agent_membership.save()
    assert case in selectors.case_list_for_user(user=agent)
    assert other not in selectors.case_list_for_user(user=agent)
    with pytest.raises(PermissionDenied):
        services.case_draft_update(case=other, actor=agent, form_data={"reason": "x"})
    services.case_withdraw(case=case, actor=legal, reason="公司决定撤回")


def test_case_accepted_before_national_day_is_due_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a case accepted on Tuesday 30 September 2025 with a promised limit of 10 working days
    item = make_item()
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    monkeypatch.setattr(rules, "today", lambda: dt.date(2025, 9, 30))
    case = services.case_accept(case=submitted_case(item), actor=reviewer)
    # then 1–8 October do not count, Saturday 11 October does: 9, 10, 11, 13–17, 20, 21 October
    assert case.promised_due_date == dt.date(2025, 10, 21)
    assert case.legal_due_date == dt.date(2025, 11, 4)
    assert not case.due_provisional


def test_a_staff_lock_carries_the_actors_strongest_department_role_and_sees_a_revoked_role() -> None:
    # given a submitted case and a member of its department who is both reviewer and head
    case = submitted_case()
    both = staff(case.department, StaffRoleKind.REVIEWER)
    StaffRole.objects.create(user=both, department=case.department, role=StaffRoleKind.DEPARTMENT_HEAD)
    stranger = staff(department(code="OTHER"), StaffRoleKind.REVIEWER)
    with transaction.atomic():
        # when the case is locked for each of them
        for_both = services.lock(case, actor=both)
        for_stranger = services.lock(case, actor=stranger)
        # then the head role wins, and the stranger has none in this department
        assert services.require_department(both, for_both) == StaffRoleKind.DEPARTMENT_HEAD
        with pytest.raises(services.NotYourCase):
            services.require_department(stranger, for_stranger)
        # and a lock taken for one actor does not answer for another (it reads the database)
        with pytest.raises(services.NotYourCase):
            services.require_department(stranger, for_both)
    # when both roles are revoked, the next transition is refused at once
    StaffRole.objects.filter(user=both).delete()
    with pytest.raises(services.NotYourCase):
        services.case_accept(case=case, actor=both)
