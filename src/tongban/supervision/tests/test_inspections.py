"""双随机一公开: lists, a plan committed before it is drawn, the draw recomputable from what is published,
avoidance, results recorded by the team and fed into credit; the bad cases refused with stable codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.core import inspection_draw
from tongban.core.errors import ApplicationError
from tongban.core.identifiers import make_uscc
from tongban.core.models import AuditEvent
from tongban.regions.models import Department
from tongban.regions.tests.factories import DepartmentFactory
from tongban.supervision import inspections as svc
from tongban.supervision import selectors
from tongban.supervision.constants import InspectionResult, InspectionStatus, PlanStatus
from tongban.supervision.models import CreditRecord, Inspection, InspectionPlan, InspectionTarget, Inspector

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 7)


@dataclass
class World:
    dept: Department
    supervisor: User
    inspectors: list[Inspector]
    targets: list[InspectionTarget]


def _staff(dept: Department, role: StaffRoleKind) -> User:
    return cast(User, StaffFactory(roles=[(dept, role)]))


@pytest.fixture
def world() -> World:
    dept = cast(Department, DepartmentFactory(code="TJ-SCJG-RI", name="天津市市场监督管理委员会"))
    supervisor = _staff(dept, StaffRoleKind.SUPERVISOR)
    inspectors = [
        svc.inspector_add(
            actor=supervisor, user=_staff(dept, StaffRoleKind.REVIEWER), department=dept, qualifications=["食品安全"]
        )
        for _ in range(6)
    ]
    targets = [
        svc.inspection_target_add(
            actor=supervisor,
            region=dept.region,
            uscc=make_uscc("120000", n),
            name=f"天津测试餐饮有限公司{n}",
            industry="餐饮",
        )
        for n in range(1, 41)
    ]
    return World(dept, supervisor, inspectors, targets)


def _plan(world: World, **overrides: Any) -> InspectionPlan:
    args: dict[str, Any] = {
        "actor": world.supervisor,
        "department": world.dept,
        "title": "2026年第四季度餐饮食品安全双随机抽查",
        "matters": ["食品安全"],
        "ratio_percent": "25",
        "period_start": TODAY,
        "period_end": TODAY + dt.timedelta(days=30),
        "industry": "餐饮",
    }
    args.update(overrides)
    return svc.inspection_plan_create(**args)


def _refused(code: str, call: Any, **kwargs: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        call(**kwargs)
    assert refused.value.code == code
    return refused.value


def test_a_plan_is_committed_before_it_is_drawn_and_the_draw_recomputes_from_the_publication(world: World) -> None:
    # given a plan over 40 targets at 25 %
    plan = _plan(world)
    # when the lists are frozen and the seed committed
    plan = svc.inspection_plan_commit(actor=world.supervisor, plan=plan)
    committed = plan.commitment
    # then the commitment is published, the draw is not there yet
    assert plan.status == PlanStatus.COMMITTED and len(committed) == 64
    assert not Inspection.objects.filter(plan=plan).exists()
    # when it is drawn
    plan = svc.inspection_plan_draw(actor=world.supervisor, plan=plan)
    # then 10 targets each got two different inspectors, and the seed matches the earlier commitment
    assert plan.status == PlanStatus.DRAWN
    published = selectors.published_draw(plan)
    assert inspection_draw.commitment(bytes.fromhex(published["seed"])) == committed
    assert len(published["assignments"]) == 10
    assert all(len(set(a["inspectors"])) == 2 for a in published["assignments"])
    # and anyone recomputes the same selection from the publication alone
    assert [(a.target, list(a.inspectors)) for a in inspection_draw.verify(published)] == [
        (a["target"], a["inspectors"]) for a in published["assignments"]
    ]
    # and the plan's moves are audit events
    actions = list(AuditEvent.objects.filter(stream=plan.stream).values_list("action", flat=True))
    assert actions == ["inspection_plan.created", "inspection_plan.commit", "inspection_plan.draw"]


def test_declared_conflicts_and_relationships_keep_inspectors_away(world: World) -> None:
    # given one inspector declared a conflict with every target and another is related to all of them
    declaring, related = world.inspectors[0], world.inspectors[1]
    for target in world.targets:
        svc.inspector_conflict_declare(actor=declaring.user, inspector=declaring, target=target, reason="亲属持股")
    svc.inspector_add(
        actor=world.supervisor,
        user=related.user,
        department=world.dept,
        qualifications=["食品安全"],
        related_usccs=[t.uscc for t in world.targets],
    )
    plan = svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world, ratio_percent="100"))
    # when all targets are drawn
    plan = svc.inspection_plan_draw(actor=world.supervisor, plan=plan)
    # then neither of them is on any team, and the reasons are published
    teams = {i.pk for inspection in Inspection.objects.filter(plan=plan) for i in inspection.team.all()}
    assert declaring.pk not in teams and related.pk not in teams
    assert plan.avoid_pairs.filter(reason="declared").count() == 40
    assert plan.avoid_pairs.filter(reason="relationship").count() == 40


def test_an_inspector_who_inspected_a_target_recently_is_not_drawn_for_it_again(world: World) -> None:
    # given a first plan fully drawn
    first = svc.inspection_plan_draw(
        actor=world.supervisor,
        plan=svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world, ratio_percent="100")),
    )
    before = {(i.pk, x.target_id) for x in Inspection.objects.filter(plan=first) for i in x.team.all()}
    # when a second plan within the avoidance period is drawn
    second = svc.inspection_plan_draw(
        actor=world.supervisor,
        plan=svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world, ratio_percent="100")),
    )
    # then no inspector meets the same target again
    after = {(i.pk, x.target_id) for x in Inspection.objects.filter(plan=second) for i in x.team.all()}
    assert before and not (before & after)
    assert second.avoid_pairs.filter(reason="recent").count() == len(before)


def test_the_team_records_the_result_and_an_adverse_one_feeds_the_targets_credit(world: World) -> None:
    # given a drawn plan
    plan = svc.inspection_plan_draw(
        actor=world.supervisor, plan=svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world))
    )
    inspection = Inspection.objects.filter(plan=plan).first()
    assert inspection is not None
    member = inspection.team.first()
    assert member is not None
    outsider = next(i for i in world.inspectors if i not in inspection.team.all())
    # when someone not on the team tries, it is refused
    _refused(
        "not_on_team", svc.inspection_record_result, actor=outsider.user, inspection=inspection, result="no_problem"
    )
    # and an adverse result without findings is refused
    _refused(
        "findings_required", svc.inspection_record_result, actor=member.user, inspection=inspection, result="violation"
    )
    assert not CreditRecord.objects.exists()
    # when the team records problems found
    done = svc.inspection_record_result(
        actor=member.user,
        inspection=inspection,
        result=InspectionResult.PROBLEMS_FOUND,
        findings="后厨卫生不达标，责令整改",
    )
    # then the result is recorded once and the target's credit file has the finding
    assert done.status == InspectionStatus.RECORDED
    record = CreditRecord.objects.get(uscc=inspection.target.uscc)
    assert record.kind == "inspection_finding" and "后厨卫生不达标" in record.reason
    _refused(
        "invalid_transition",
        svc.inspection_record_result,
        actor=member.user,
        inspection=inspection,
        result="no_problem",
    )
    # and the plan cannot be closed while other inspections have no result
    _refused("inspections_open", svc.inspection_plan_close, actor=world.supervisor, plan=plan)


def test_a_conflict_declared_after_the_draw_blocks_the_teams_result(world: World) -> None:
    plan = svc.inspection_plan_draw(
        actor=world.supervisor, plan=svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world))
    )
    inspection = Inspection.objects.filter(plan=plan).first()
    assert inspection is not None
    member = inspection.team.first()
    assert member is not None
    svc.inspector_conflict_declare(actor=member.user, inspector=member, target=inspection.target, reason="前雇主")
    _refused(
        "inspector_conflict",
        svc.inspection_record_result,
        actor=member.user,
        inspection=inspection,
        result="no_problem",
    )
    _refused(
        "conflict_already_declared",
        svc.inspector_conflict_declare,
        actor=member.user,
        inspector=member,
        target=inspection.target,
        reason="再次",
    )


def test_bad_plans_and_impossible_draws_are_refused_and_leave_nothing_behind(world: World) -> None:
    # a ratio above 100 %, of 0, with three decimals, or not a number
    for ratio in ("101", "0", "0.005", "abc", "NaN"):
        _refused("invalid_ratio", _plan, world=world, ratio_percent=ratio)
    _refused("invalid_period", _plan, world=world, period_end=TODAY - dt.timedelta(days=1))
    _refused("matters_required", _plan, world=world, matters=[])
    assert not InspectionPlan.objects.exists()
    # a draw over an empty list
    empty = _plan(world, industry="不存在的行业")
    _refused("no_targets", svc.inspection_plan_commit, actor=world.supervisor, plan=empty)
    empty.refresh_from_db()
    assert empty.status == PlanStatus.DRAFT and not empty.commitment
    # too few qualified inspectors
    unqualified = _plan(world, matters=["特种设备"])
    _refused("too_few_inspectors", svc.inspection_plan_commit, actor=world.supervisor, plan=unqualified)
    # drawing before committing, and committing twice
    plan = _plan(world)
    _refused("invalid_transition", svc.inspection_plan_draw, actor=world.supervisor, plan=plan)
    svc.inspection_plan_commit(actor=world.supervisor, plan=plan)
    _refused("invalid_transition", svc.inspection_plan_commit, actor=world.supervisor, plan=plan)
    # an invalid USCC on the list
    _refused(
        "invalid_uscc",
        svc.inspection_target_add,
        actor=world.supervisor,
        region=world.dept.region,
        uscc="91120000ABC",
        name="x",
    )


def test_only_a_supervisor_of_the_region_runs_plans(world: World) -> None:
    other = cast(Department, DepartmentFactory(code="TJ-OTHER-RI"))
    reviewer = _staff(other, StaffRoleKind.REVIEWER)
    _refused("supervisor_required", _plan, world=world, actor=reviewer)
    plan = _plan(world)
    _refused("supervisor_required", svc.inspection_plan_commit, actor=reviewer, plan=plan)


def test_the_public_pages_show_the_commitment_first_and_the_draw_with_its_seed_after(world: World) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    draft = _plan(world, title="草稿计划")
    plan = svc.inspection_plan_commit(actor=world.supervisor, plan=_plan(world))
    # a committed plan: its commitment is public, its seed is not
    page = client.get(f"/supervision/inspections/{plan.pk}/").content.decode()
    assert plan.commitment in page and plan.seed not in page
    assert client.get(f"/supervision/inspections/{plan.pk}/draw.json").status_code == 409
    # a draft is not public
    assert client.get(f"/supervision/inspections/{draft.pk}/").status_code == 404
    assert "草稿计划" not in client.get("/supervision/inspections/").content.decode()
    # once drawn, the seed and the draw are public and the JSON verifies
    plan = svc.inspection_plan_draw(actor=world.supervisor, plan=plan)
    page = client.get(f"/supervision/inspections/{plan.pk}/").content.decode()
    assert plan.seed in page
    answer = client.get(f"/supervision/inspections/{plan.pk}/draw.json")
    assert answer.status_code == 200
    assert len(inspection_draw.verify(answer.json())) == 10
