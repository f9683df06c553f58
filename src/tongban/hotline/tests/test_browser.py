"""A real browser: an agent takes a call, finds the answer in the knowledge base while typing, and dispatches."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.hotline.constants import TicketStatus
from tongban.hotline.models import Ticket
from tongban.hotline.tests import factories as f
from tongban.regions.tests.factories import DepartmentFactory


def _login(page: Any, user: Any, live_server: Any) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_agent_takes_a_call_finds_the_answer_and_dispatches(page: Any, live_server: Any, axe_serious: Any) -> None:
    # given an agent of the Tianjin line, the provident-fund centre and a knowledge-base answer
    ln = f.line()
    hpf = DepartmentFactory.create(code="hpf", name="天津市住房公积金管理中心")
    f.published_entry(
        question="住房公积金提取需要哪些材料？",
        variants=["公积金怎么取出来"],
        answer="租房提取需本人身份证和租房合同，审核通过后3个工作日内到账。",
    )
    _login(page, ln.agent, live_server)

    # when the agent opens the workbench
    page.goto("/hotline/")
    assert page.get_by_role("heading", name="话务员工作台").is_visible()
    assert axe_serious(page) == []

    # and types pinyin into the knowledge-base search while the caller talks
    page.get_by_label("搜索答案（中文或拼音）").press_sequentially("gongjijin", delay=30)
    # then the answer appears without submitting anything
    answer = page.locator("#kb-results .kb-answer").first
    answer.wait_for()
    assert "租房合同" in answer.inner_text()

    # when the agent enters the call with the keyboard and saves it
    page.get_by_label("诉求内容").fill("我的住房公积金提取申请提交十天了还没到账，想问问怎么回事")
    page.get_by_label("类别").select_option("help")
    page.get_by_label("来电人姓名").fill("刘女士")
    page.get_by_label("来电人电话").fill("13900002222")
    page.get_by_role("button", name="保存工单").click()

    # then the ticket page suggests the provident-fund centre, and dispatching sends it there
    page.get_by_role("heading", name="派单").wait_for()
    assert "天津市住房公积金管理中心" in page.locator(".suggestion").first.inner_text()
    assert axe_serious(page) == []
    page.get_by_label("部门").select_option("hpf")
    page.get_by_role("button", name="派单").click()
    page.locator("#ticket-status", has_text="已派单").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.status == TicketStatus.DISPATCHED and ticket.department_id == hpf.pk
    assert ticket.caller_phone == "13900002222"
