"""The hotline's pages and API over the whole Django stack: intake, actions, refusals of other people's
tickets, masking in responses, the follow-up page, knowledge-base search, figures and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import cast

import pytest
from django.test import Client

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, StaffRole, User
from tongban.accounts.tests.factories import StaffFactory
from tongban.core.audit import verify_all
from tongban.core.models import AuditEvent
from tongban.hotline import selectors, sla
from tongban.hotline.constants import TicketStatus
from tongban.hotline.models import Ticket
from tongban.hotline.tests import factories as f

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_agent_takes_a_call_in_the_form_and_dispatches_the_suggestion() -> None:
    # given an agent at the workbench
    ln = f.line()
    agent = client_for(ln.agent)
    page = agent.get("/hotline/")
    assert page.status_code == 200 and "接听来电" in page.content.decode()
    # when the form is posted
    response = agent.post(
        "/hotline/",
        {
            "channel": "phone",
            "category": "complaint",
            "urgency": "normal",
            "subject": "market",
            "region": "120101",
            "location": "南京路",
            "caller_name": "王小明",
            "caller_phone": "13812345678",
            "content": "超市卖过期牛奶",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hotline/tickets/{ticket.pk}/"
    # then the ticket page suggests market regulation and dispatching works
    detail = agent.get(f"/hotline/tickets/{ticket.pk}/").content.decode()
    assert "天津市市场监督管理委员会" in detail and "13812345678" in detail
    agent.post(f"/hotline/tickets/{ticket.pk}/act/dispatch/", {"department": "amr"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.department == ln.amr


def test_form_errors_are_shown_and_nothing_is_saved() -> None:
    ln = f.line()
    response = client_for(ln.agent).post("/hotline/", {"channel": "phone", "category": "nope", "content": ""})
    assert response.status_code == 200 and Ticket.objects.count() == 0


def test_handler_sees_masked_caller_and_cannot_open_other_departments_tickets() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    page = client_for(ln.amr_handler).get(f"/hotline/tickets/{t.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page and "王**" in page
    assert client_for(ln.hrss_handler).get(f"/hotline/tickets/{t.pk}/").status_code == 404
    assert client_for(f.resident()).get(f"/hotline/tickets/{t.pk}/").status_code == 404
    assert client_for(f.resident()).get("/hotline/").status_code == 404
    # and the API refuses the same, and masks the same
    api = client_for(ln.amr_handler).get(f"/api/v1/hotline/tickets/{t.pk}").json()
    assert api["caller"]["phone"] == "138****5678"
    refused = client_for(ln.hrss_handler).get(f"/api/v1/hotline/tickets/{t.pk}")
    assert refused.status_code == 404 and refused.json()["code"] == "ticket_not_found"
    assert Client().get(f"/api/v1/hotline/tickets/{t.pk}").status_code == 401


def test_handler_workflow_through_the_pages() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    handler = client_for(ln.amr_handler)
    assert t.number in handler.get("/hotline/department/").content.decode()
    handler.post(f"/hotline/tickets/{t.pk}/act/accept/")
    handler.post(f"/hotline/tickets/{t.pk}/act/reply/", {"reply": "已责令下架"})
    t.refresh_from_db()
    assert t.status == TicketStatus.REPLIED
    # a refused action shows its message and changes nothing
    response = handler.post(f"/hotline/tickets/{t.pk}/act/accept/", follow=True)
    assert "不允许" in response.content.decode()


def test_api_intake_with_dispatch_numbers_audits_clocks_and_notifies_in_one_go() -> None:
    # given a line where the market regulator has two handlers and the labour bureau one
    ln = f.line()
    second = cast(User, StaffFactory(full_name="李四", roles=[(ln.amr, StaffRoleKind.HOTLINE_HANDLER)]))
    agent = client_for(ln.agent)
    # when the agent takes a call and dispatches it at once
    created = agent.post(
        "/api/v1/hotline/tickets",
        {
            "channel": "phone",
            "category": "complaint",
            "content": "超市卖过期牛奶",
            "caller_name": "王小明",
            "caller_phone": "13812345678",
            "department": "amr",
        },
        content_type="application/json",
    )
    # then the ticket is numbered, dispatched, on the clock in working hours and shown unmasked to the agent
    assert created.status_code == 201, created.content
    body = created.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.number.startswith("TJ") and body["number"] == ticket.number
    assert (ticket.status, ticket.department_id) == (TicketStatus.DISPATCHED, ln.amr.pk)
    assert ticket.dispatched_at is not None
    assert (ticket.due_at, ticket.sla_hours) == sla.due_at(
        start=ticket.dispatched_at, category="complaint", urgency="normal"
    )
    assert body["caller"]["phone"] == "13812345678" and body["warning"] == "green"
    # and audited as taken then dispatched, in one intact chain
    events = list(AuditEvent.objects.filter(stream=ticket.stream).order_by("seq"))
    assert [(e.seq, e.action, e.actor_id) for e in events] == [
        (1, "ticket.created", ln.agent.pk),
        (2, "ticket.dispatch", ln.agent.pk),
    ]
    assert events[1].data == {"from": "received", "to": "dispatched", "department": ln.amr.pk}
    assert verify_all([ticket.stream]) == []
    # and each handler of the department, and no one else, has it in the inbox
    notified = Notification.objects.filter(link=f"/hotline/tickets/{ticket.pk}/")
    assert sorted(n.user_id for n in notified) == sorted([ln.amr_handler.pk, second.pk])
    assert {(n.kind, tuple(n.channels), n.body) for n in notified} == {("case", ("inbox",), ticket.title)}


def test_api_intake_refused_leaves_nothing_behind_and_roles_are_read_per_request() -> None:
    # given an agent who is allowed to take and dispatch calls
    ln = f.line()
    agent = client_for(ln.agent)
    call = {"channel": "phone", "category": "help", "content": "路灯不亮", "department": "amr"}
    assert agent.post("/api/v1/hotline/tickets", call, content_type="application/json").status_code == 201
    before = (Ticket.objects.count(), AuditEvent.objects.count(), Notification.objects.count())
    # when the agent's role is withdrawn, the very next request is refused
    StaffRole.objects.filter(user=ln.agent).delete()
    refused = agent.post("/api/v1/hotline/tickets", call, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "ticket_forbidden"
    # and a resident may file on the web but not dispatch; an unknown department is refused
    resident = client_for(f.resident())
    web = {**call, "channel": "web"}
    assert resident.post("/api/v1/hotline/tickets", web, content_type="application/json").status_code == 403
    unknown = client_for(ln.supervisor).post(
        "/api/v1/hotline/tickets", {**call, "department": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_department"
    # then none of the refused calls left a ticket, an event or a message
    assert (Ticket.objects.count(), AuditEvent.objects.count(), Notification.objects.count()) == before


def test_api_intake_with_dispatch_and_actions_and_errors() -> None:
    ln = f.line()
    agent = client_for(ln.agent)
    created = agent.post(
        "/api/v1/hotline/tickets",
        {"channel": "social", "category": "help", "content": "河东区津塘路积水严重", "department": "amr"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "dispatched" and len(body["check_code"]) == 6
    bad = agent.post(
        "/api/v1/hotline/tickets",
        {"channel": "social", "category": "x", "content": "y"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_category"
    handler = client_for(ln.amr_handler)
    ret = handler.post(f"/api/v1/hotline/tickets/{body['id']}/return", {"reason": ""}, content_type="application/json")
    assert ret.status_code == 422 and ret.json()["code"] == "reason_required"
    ok = handler.post(
        f"/api/v1/hotline/tickets/{body['id']}/return", {"reason": "积水属水务部门"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "returned"
    unknown = agent.post(f"/api/v1/hotline/tickets/{body['id']}/fly", {}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["code"] == "invalid_action"
    queue = agent.get("/api/v1/hotline/tickets?queue=returned").json()
    assert [q["id"] for q in queue] == [body["id"]] and queue[0]["caller"]["masked"] in ("", "anonymous")


def test_follow_up_page_and_api_need_the_check_code() -> None:
    ln = f.line()
    t = f.closed(ln)
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = anonymous.get(f"/hotline/track/?number={t.number}&check_code={t.check_code}").content.decode()
    assert "已办结" in page and "已责令超市下架" in page and "王小明" not in page
    wrong = anonymous.get(f"/hotline/track/?number={t.number}&check_code=999999x").content.decode()
    assert "已责令" not in wrong
    api = anonymous.get(f"/api/v1/hotline/track?number={t.number}&check_code={t.check_code}")
    assert api.status_code == 200 and api.json()["status"] == "closed"
    assert anonymous.get(f"/api/v1/hotline/track?number={t.number}&check_code=1").status_code == 404


def test_knowledge_search_endpoints() -> None:
    ln = f.line()
    f.published_entry(question="住房公积金提取需要哪些材料？", answer="身份证和租房合同。")
    hits = Client().get("/api/v1/hotline/kb/search?q=gongjijin").json()
    assert hits[0]["question"] == "住房公积金提取需要哪些材料？"
    assert Client().get("/api/v1/hotline/kb/search?q=" + "公" * 101).status_code == 422
    fragment = client_for(ln.agent).get("/hotline/kb/results/?q=公积金").content.decode()
    assert "身份证和租房合同" in fragment
    no_js = client_for(ln.agent).get("/hotline/?kb=公积金").content.decode()
    assert "身份证和租房合同" in no_js


def test_knowledge_export_and_import_over_the_api() -> None:
    ln = f.line()
    f.published_entry(question="共享的公积金问答", shareable=True)
    exported = client_for(ln.agent).get("/api/v1/hotline/kb/export").json()
    assert [e["question"] for e in exported["entries"]] == ["共享的公积金问答"]
    assert client_for(ln.amr_handler).get("/api/v1/hotline/kb/export").status_code == 403
    refused = client_for(ln.agent).post("/api/v1/hotline/kb/import", exported, content_type="application/json")
    assert refused.status_code == 403
    own = client_for(ln.supervisor).post("/api/v1/hotline/kb/import", exported, content_type="application/json")
    assert own.json() == {"created": 0, "updated": 0, "unchanged": 1}


def test_figures_page_csv_and_rates() -> None:
    ln = f.line()
    f.ticket(ln)
    direct = f.ticket(ln, category="consultation", channel="web")
    from tongban.hotline import services

    services.ticket_answer_directly(ticket=direct, actor=ln.agent, reply="答复")
    done = f.closed(ln)
    services.ticket_revisit(ticket=done, actor=ln.agent, resolved=True)
    services.ticket_evaluate(ticket=done, actor=ln.agent, satisfaction="satisfied")
    agent = client_for(ln.agent)
    page = agent.get("/hotline/figures/").content.decode()
    assert 'id="fig-total">3<' in page and "vendor/echarts/echarts.min.js" in page
    rows = list(csv.reader(io.StringIO(agent.get("/hotline/figures/?format=csv").content.decode())))
    values = {(r[0], r[1]): r[3] for r in rows[1:]}
    assert values[("total", "tickets")] == "3"
    assert values[("channel", "web")] == "1" and values[("category", "consultation")] == "1"
    assert values[("rate", "direct_answer_rate")] == "33.3"
    assert values[("rate", "satisfaction_rate")] == "100.0"
    assert client_for(ln.amr_handler).get("/hotline/figures/").status_code == 404


def test_hot_topics_rise_this_week() -> None:
    import datetime as dt

    from django.utils import timezone

    ln = f.line()
    now = timezone.now()
    for _ in range(3):
        f.ticket(ln, content="西青区中北大道燃气管道漏气", now=now - dt.timedelta(days=1))
    f.ticket(ln, content="西青区中北大道燃气管道漏气", now=now - dt.timedelta(days=9))
    terms = {t for t, _n, _b in selectors.hot_topics(today=timezone.localdate())}
    assert "燃气" in terms or "漏气" in terms


def test_echarts_is_served_as_a_static_file() -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/echarts/echarts.min.js")
    _ = json


def test_caller_evaluates_on_the_follow_up_page() -> None:
    from tongban.hotline import services

    ln = f.line()
    t = f.closed(ln)
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True)
    caller = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = caller.get(f"/hotline/track/?number={t.number}&check_code={t.check_code}").content.decode()
    assert "您对办理结果是否满意" in page
    caller.post("/hotline/track/evaluate/", {"number": t.number, "check_code": "x", "satisfaction": "satisfied"})
    t.refresh_from_db()
    assert t.satisfaction == ""
    caller.post(
        "/hotline/track/evaluate/", {"number": t.number, "check_code": t.check_code, "satisfaction": "satisfied"}
    )
    t.refresh_from_db()
    assert t.status == TicketStatus.EVALUATED and t.satisfaction == "satisfied"


def test_admin_lists_tickets_read_only_without_callers() -> None:
    from tongban.accounts.tests.factories import UserFactory

    ln = f.line()
    t = f.ticket(ln)
    admin_user = UserFactory.create(is_staff=True, is_superuser=True)
    c = client_for(admin_user)
    assert t.number in c.get("/admin/hotline/ticket/").content.decode()
    page = c.get(f"/admin/hotline/ticket/{t.pk}/change/").content.decode()
    assert "13812345678" not in page
    assert c.get("/admin/hotline/ticket/add/").status_code == 403
    assert c.get("/admin/hotline/knowledgeentry/").status_code == 200
    assert c.get("/admin/hotline/open311key/").status_code == 200
