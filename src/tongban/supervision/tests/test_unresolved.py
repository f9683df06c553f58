"""The 办不成事 window: recorded by the resident or a clerk, assigned with a deadline, closed with an outcome;
someone else's matter is refused; staff reads are audited."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.core.errors import ApplicationError
from tongban.core.models import AuditEvent
from tongban.regions.models import Department
from tongban.regions.tests.factories import DepartmentFactory
from tongban.supervision import selectors, unresolved
from tongban.supervision.constants import UnresolvedStatus
from tongban.supervision.models import UnresolvedMatter

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.fixture
def dept() -> Department:
    return cast(Department, DepartmentFactory(code="TJ-GA-UR", name="天津市公安局"))


def test_a_resident_records_a_supervisor_assigns_and_the_owner_resolves(dept: Department) -> None:
    # given a resident, a supervisor and a reviewer of the owner department
    resident = cast(User, UserFactory())
    supervisor = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.SUPERVISOR)]))
    reviewer = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.REVIEWER)]))
    # when the resident records the matter through the page
    answer = _client(resident).post(
        "/supervision/unresolved/new/",
        {
            "description": "在区政务中心办理户口迁移被告知需回原籍开证明",
            "contact_name": "张伟",
            "contact_phone": "139 0000 1111",
        },
    )
    assert answer.status_code == 302
    matter = UnresolvedMatter.objects.get(resident=resident)
    assert (matter.status, matter.channel, matter.contact_phone) == (UnresolvedStatus.RECORDED, "online", "13900001111")
    # and the supervisor assigns it with a deadline of 5 working days
    matter = unresolved.unresolved_assign(actor=supervisor, matter=matter, owner=dept, note="请核实")
    assert matter.status == UnresolvedStatus.ASSIGNED and matter.due_date is not None
    # and the owner resolves it
    matter = unresolved.unresolved_close(
        actor=reviewer, matter=matter, resolved=True, outcome="已通过数据共享核验，无需回原籍"
    )
    # then it is closed, every step is an event, and the resident heard of each
    assert matter.status == UnresolvedStatus.RESOLVED and matter.closed_at is not None
    actions = list(AuditEvent.objects.filter(stream=matter.stream).values_list("action", flat=True))
    assert actions == ["unresolved.recorded", "unresolved.assign", "unresolved.resolve"]
    assert Notification.objects.filter(user=resident).count() == 2


def test_a_clerk_records_for_a_walk_in_resident_and_the_owner_can_explain(dept: Department) -> None:
    clerk = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.WINDOW_CLERK)]))
    supervisor = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.SUPERVISOR)]))
    head = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.DEPARTMENT_HEAD)]))
    matter = unresolved.unresolved_record(
        actor=clerk,
        region=dept.region,
        description="外省社保转移无法受理",
        contact_name="李娜",
        contact_phone="13800002222",
    )
    assert matter.channel == "window" and matter.resident is None
    matter = unresolved.unresolved_assign(actor=supervisor, matter=matter, owner=dept, working_days=3)
    matter = unresolved.unresolved_close(
        actor=head, matter=matter, resolved=False, outcome="该事项须本人到转出地办理，已告知"
    )
    assert matter.status == UnresolvedStatus.EXPLAINED


def test_bad_input_and_the_wrong_people_are_refused(dept: Department) -> None:
    resident = cast(User, UserFactory())
    other_dept = cast(Department, DepartmentFactory(code="TJ-OTHER-UR"))
    supervisor = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.SUPERVISOR)]))
    outsider = cast(User, StaffFactory(roles=[(other_dept, StaffRoleKind.REVIEWER)]))
    cases: tuple[tuple[dict[str, Any], str], ...] = (
        ({"description": " ", "contact_phone": "13900001111"}, "description_required"),
        ({"description": "无法办理", "contact_phone": "abc"}, "invalid_phone"),
        ({"description": "x" * 2001, "contact_phone": "13900001111"}, "description_required"),
    )
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as refused:
            unresolved.unresolved_record(actor=resident, region=dept.region, contact_name="张伟", **kwargs)
        assert refused.value.code == code
    assert not UnresolvedMatter.objects.exists()
    matter = unresolved.unresolved_record(
        actor=resident, region=dept.region, description="无法办理", contact_name="张伟", contact_phone="13900001111"
    )
    with pytest.raises(ApplicationError) as refused:
        unresolved.unresolved_assign(actor=outsider, matter=matter, owner=dept)
    assert refused.value.code == "supervisor_required"
    with pytest.raises(ApplicationError) as refused:
        unresolved.unresolved_close(actor=outsider, matter=matter, resolved=True, outcome="x")
    assert refused.value.code == "not_the_owner"
    with pytest.raises(ApplicationError) as refused:
        unresolved.unresolved_assign(actor=supervisor, matter=matter, owner=dept, working_days=99)
    assert refused.value.code == "invalid_days"
    matter.refresh_from_db()
    assert matter.status == UnresolvedStatus.RECORDED


def test_someone_elses_matter_is_refused_and_staff_reads_are_audited(dept: Department) -> None:
    owner_resident = cast(User, UserFactory())
    stranger = cast(User, UserFactory())
    supervisor = cast(User, StaffFactory(roles=[(dept, StaffRoleKind.SUPERVISOR)]))
    matter = unresolved.unresolved_record(
        actor=owner_resident,
        region=dept.region,
        description="无法办理",
        contact_name="张伟",
        contact_phone="13900001111",
    )
    assert _client(stranger).get(f"/supervision/unresolved/{matter.pk}/").status_code == 404
    assert "13900001111" in _client(owner_resident).get(f"/supervision/unresolved/{matter.pk}/").content.decode()
    assert not AuditEvent.objects.filter(stream=matter.stream, action="unresolved.viewed").exists()
    page = _client(supervisor).get(f"/supervision/unresolved/{matter.pk}/")
    assert page.status_code == 200
    viewed = AuditEvent.objects.get(stream=matter.stream, action="unresolved.viewed")
    assert viewed.actor_id == supervisor.pk and viewed.reason
    assert selectors.unresolved_figures(region=dept.region)["recorded"] == 1
