"""A real browser: a supervisor draws a committed plan, and the public sees the commitment, the seed and the draw."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.core import inspection_draw
from tongban.core.identifiers import make_uscc
from tongban.regions.models import Department
from tongban.regions.tests.factories import DepartmentFactory
from tongban.supervision import inspections as svc
from tongban.supervision import selectors
from tongban.supervision.models import InspectionPlan


def _login(page: Any, user: Any, live_server: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_supervisor_draws_and_the_public_page_shows_a_verifiable_draw(
    page: Any, live_server: Any, axe_serious: Any
) -> None:
    # given a committed plan over 12 targets at 50 % with four inspectors
    dept = cast(Department, DepartmentFactory(code="TJ-SCJG-BR", name="天津市市场监督管理委员会"))
    supervisor = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.SUPERVISOR)]))
    for _ in range(4):
        svc.inspector_add(
            actor=supervisor,
            user=cast(User, StaffFactory(roles=[(dept, StaffRoleKind.REVIEWER)])),
            department=dept,
            qualifications=["食品安全"],
        )
    for n in range(1, 13):
        svc.inspection_target_add(
            actor=supervisor,
            region=dept.region,
            uscc=make_uscc("120000", 500 + n),
            name=f"滨海餐饮店{n}号",
            industry="餐饮",
        )
    plan = svc.inspection_plan_create(
        actor=supervisor,
        department=dept,
        title="滨海新区餐饮双随机抽查",
        matters=["食品安全"],
        ratio_percent="50",
        period_start=dt.date(2026, 12, 1),
        period_end=dt.date(2026, 12, 31),
    )
    plan = svc.inspection_plan_commit(actor=supervisor, plan=plan)

    # when the public opens the plan before the draw
    page.goto(f"/supervision/inspections/{plan.pk}/")
    # then the commitment is there and the seed is not
    assert page.locator("#commitment").inner_text() == plan.commitment
    assert page.locator("#seed").count() == 0
    assert axe_serious(page) == []

    # when the supervisor draws it from the plans page
    _login(page, supervisor, live_server)
    page.goto("/supervision/inspections/manage/")
    assert axe_serious(page) == []
    page.get_by_role("button", name="抽取").click()
    page.get_by_text("已完成：抽取。").wait_for()

    # then the public page shows the seed, which matches the commitment, and six drawn targets
    page.goto(f"/supervision/inspections/{plan.pk}/")
    seed = page.locator("#seed").inner_text()
    assert inspection_draw.commitment(bytes.fromhex(seed)) == plan.commitment
    assert page.locator("#draw-results tbody tr").count() == 6
    assert axe_serious(page) == []
    # and what it publishes recomputes to the same draw
    drawn = InspectionPlan.objects.get(pk=plan.pk)
    assert len(inspection_draw.verify(selectors.published_draw(drawn))) == 6
