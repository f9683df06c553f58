"""The closed loop: every transition, its refusals, SLA over weekends and holidays, duplicates, returns,
reopening, masking, transfers, extensions and the knowledge base."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from tongban.core.audit import verify_all
from tongban.core.errors import ApplicationError, InvalidTransition, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.federation.models import OutboxMessage
from tongban.federation.tests.factories import PeerFactory
from tongban.hotline import knowledge, selectors, services, sla
from tongban.hotline.constants import TRANSITIONS, KnowledgeStatus, TicketAction, TicketStatus
from tongban.hotline.models import KnowledgeEntry, KnowledgeTerm, Ticket, TicketTransfer
from tongban.hotline.services import common
from tongban.hotline.tests import factories as f
from tongban.regions.models import Region

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, h: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=TZ)


def actions(ticket: Ticket) -> list[str]:
    return [e.action for e in AuditEvent.objects.filter(stream=ticket.stream).order_by("seq")]


# ------------------------------------------------------------------ the loop


def test_full_loop_received_to_evaluated_is_audited() -> None:
    # given a line and a call
    ln = f.line()
    t = f.ticket(ln)
    assert t.status == TicketStatus.RECEIVED and len(t.check_code) == 6 and t.number.startswith("TJ")
    # when it goes through the whole loop
    services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.amr)
    services.ticket_accept(ticket=t, actor=ln.amr_handler)
    services.ticket_reply(ticket=t, actor=ln.amr_handler, reply="已立案调查")
    services.ticket_close(ticket=t, actor=ln.agent)
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True, note="来电人认可")
    services.ticket_evaluate(ticket=t, actor=ln.agent, satisfaction="satisfied")
    # then each step is a state and an audit event in one verified chain
    t.refresh_from_db()
    assert t.status == TicketStatus.EVALUATED and t.on_time is True and t.satisfaction == "satisfied"
    assert actions(t) == [
        "ticket.created",
        "ticket.dispatch",
        "ticket.accept",
        "ticket.reply",
        "ticket.close",
        "ticket.revisit",
        "ticket.evaluate",
    ]
    assert verify_all([t.stream]) == []


def test_every_action_is_refused_from_states_not_in_the_table() -> None:
    # given a ticket in each reachable state, and the transition table
    ln = f.line()
    received = f.ticket(ln)
    # when an action whose sources exclude "received" is tried on it
    for action, transition in TRANSITIONS.items():
        if TicketStatus.RECEIVED in transition.sources or action in (
            TicketAction.TRANSFER_OUTCOME,
            TicketAction.DECIDE_EXTENSION,
            TicketAction.REQUEST_EXTENSION,
        ):
            continue
        with pytest.raises(ApplicationError) as err:
            _try(TicketAction(action), received, ln)
        # then it is refused, as an invalid transition (or the role check of the department)
        assert err.value.code in {"invalid_transition", "ticket_forbidden"}, action
    received.refresh_from_db()
    assert received.status == TicketStatus.RECEIVED


def _try(action: TicketAction, t: Ticket, ln: f.Line) -> Any:
    A = TicketAction
    calls = {
        A.ACCEPT: lambda: services.ticket_accept(ticket=t, actor=ln.amr_handler),
        A.RETURN: lambda: services.ticket_return(ticket=t, actor=ln.amr_handler, reason="不是我们的"),
        A.REASSIGN: lambda: services.ticket_reassign(ticket=t, actor=ln.agent, department=ln.hrss, reason="转"),
        A.REPLY: lambda: services.ticket_reply(ticket=t, actor=ln.amr_handler, reply="答复"),
        A.SUPERVISE: lambda: services.ticket_supervise(ticket=t, actor=ln.supervisor, reason="催办"),
        A.CLOSE: lambda: services.ticket_close(ticket=t, actor=ln.agent),
        A.REVISIT: lambda: services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True),
        A.EVALUATE: lambda: services.ticket_evaluate(ticket=t, actor=ln.agent, satisfaction="satisfied"),
        A.REOPEN: lambda: services.ticket_reopen(ticket=t, actor=ln.agent, reason="不满意"),
    }
    return calls[action]()


def test_closed_ticket_refuses_dispatch_reply_and_merge() -> None:
    ln = f.line()
    t = f.closed(ln)
    other = f.ticket(ln, content="另一件事：河西区友谊路路灯不亮")
    with pytest.raises(InvalidTransition):
        services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.hrss)
    with pytest.raises(InvalidTransition):
        services.ticket_answer_directly(ticket=t, actor=ln.agent, reply="x")
    with pytest.raises(InvalidTransition):
        services.ticket_merge(ticket=t, into=other, actor=ln.agent)
    with pytest.raises(InvalidTransition):
        services.ticket_escalate(ticket=t, actor=ln.agent, reason="急")
    with pytest.raises(InvalidTransition):
        services.ticket_transfer(ticket=t, actor=ln.agent, to_region=Region.objects.get(code="110000"), reason="x")


def test_roles_are_checked() -> None:
    # given a ticket dispatched to market regulation
    ln = f.line()
    t = f.dispatched(ln)
    stranger = f.resident()
    # then only that department's handler may accept or reply, the HR handler may not
    with pytest.raises(PermissionDenied):
        services.ticket_accept(ticket=t, actor=ln.hrss_handler)
    with pytest.raises(PermissionDenied):
        services.ticket_accept(ticket=t, actor=ln.agent)
    # and handlers or residents may not dispatch or supervise
    with pytest.raises(PermissionDenied):
        services.ticket_reassign(ticket=t, actor=ln.amr_handler, department=ln.hrss, reason="x")
    with pytest.raises(PermissionDenied):
        services.ticket_supervise(ticket=t, actor=ln.agent, reason="催办")
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(ticket=t, actor=stranger, department=ln.amr)
    # and a resident cannot file a phone ticket, only web ones of their own
    with pytest.raises(PermissionDenied):
        services.ticket_create(actor=stranger, channel="phone", category="help", content="求助")
    with pytest.raises(PermissionDenied):
        services.ticket_create(actor=stranger, channel="web", category="help", content="停水", department=ln.amr)
    web = services.ticket_create(actor=stranger, channel="web", category="help", content="小区停水三天了")
    assert web.caller_user == stranger and web.caller_name == stranger.display_name


def test_intake_validation_leaves_nothing_half_written() -> None:
    ln = f.line()
    before = Ticket.objects.count()
    bad: list[dict[str, Any]] = [
        {"category": "gossip"},
        {"content": ""},
        {"content": "x" * 4001},
        {"urgency": "someday"},
        {"subject": "weather"},
        {"region": "999999"},
        {"lat": 91.0},
        {"caller_phone": "call me maybe"},
        {"caller_email": "not-an-email"},
        {"channel": "pigeon"},
        {"content": "nul\x00byte"},
    ]
    codes = set()
    for values in bad:
        with pytest.raises(ValidationFailed) as err:
            f.ticket(ln, **values)
        codes.add(err.value.code)
    assert Ticket.objects.count() == before
    assert {"invalid_category", "invalid_content", "invalid_urgency", "invalid_subject", "unknown_region"} <= codes


def test_anonymous_caller_keeps_no_personal_data() -> None:
    ln = f.line()
    t = f.ticket(ln, anonymous=True)
    assert (t.caller_name, t.caller_phone, t.caller_email) == ("", "", "")
    assert selectors.caller_for(ticket=t, actor=ln.agent)["masked"] == "anonymous"


# ------------------------------------------------------------------ direct answer, returns, reassignment


def test_direct_answer_from_the_knowledge_base_closes_at_once() -> None:
    ln = f.line()
    entry = f.published_entry(question="住房公积金提取需要哪些材料？")
    t = f.ticket(ln, category="consultation", content="请问公积金提取要带什么")
    services.ticket_answer_directly(ticket=t, actor=ln.agent, reply=entry.answer, entry=entry)
    t.refresh_from_db()
    assert t.status == TicketStatus.CLOSED and t.answered_directly and t.knowledge_entry == entry
    with pytest.raises(ValidationFailed):
        services.ticket_answer_directly(ticket=f.ticket(ln), actor=ln.agent, reply="  ")


def test_return_needs_a_reason_and_the_line_dispatches_again() -> None:
    # given a ticket wrongly dispatched to market regulation
    ln = f.line()
    t = f.dispatched(ln, content="在物流公司干了三个月，老板一直拖欠工资")
    # when the handler returns it without a reason, it is refused
    with pytest.raises(ValidationFailed) as err:
        services.ticket_return(ticket=t, actor=ln.amr_handler, reason=" ")
    assert err.value.code == "reason_required"
    # when with a reason, it goes back to the line, out of the department's queue
    services.ticket_return(ticket=t, actor=ln.amr_handler, reason="拖欠工资属人社部门职责")
    t.refresh_from_db()
    assert t.status == TicketStatus.RETURNED and t.department is None and t.return_count == 1
    assert t not in selectors.ticket_queue(actor=ln.amr_handler, queue="all")
    assert t in selectors.ticket_queue(actor=ln.agent, queue="returned")
    # then the line re-dispatches it to HR, keeping the original clock
    due = t.due_at
    services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.hrss)
    t.refresh_from_db()
    assert t.department == ln.hrss and t.due_at == due
    with pytest.raises(PermissionDenied):
        services.ticket_accept(ticket=t, actor=ln.amr_handler)
    services.ticket_accept(ticket=t, actor=ln.hrss_handler)


def test_reassign_to_another_department_and_not_to_the_same() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    with pytest.raises(ValidationFailed):
        services.ticket_reassign(ticket=t, actor=ln.supervisor, department=ln.amr, reason="同一部门")
    services.ticket_reassign(ticket=t, actor=ln.supervisor, department=ln.hrss, reason="职责调整")
    t.refresh_from_db()
    assert t.department == ln.hrss and t.status == TicketStatus.DISPATCHED


def test_dispatch_to_another_regions_department_is_refused() -> None:
    from tongban.regions.tests.factories import DepartmentFactory

    ln = f.line()
    beijing = DepartmentFactory.create(region=Region.objects.get(code="110000"), code="amr-bj")
    with pytest.raises(ValidationFailed) as err:
        services.ticket_dispatch(ticket=f.ticket(ln), actor=ln.agent, department=beijing)
    assert err.value.code == "department_not_in_region"


# ------------------------------------------------------------------ reopening


def test_reopen_after_an_unsatisfied_evaluation_and_not_after_a_satisfied_one() -> None:
    ln = f.line()
    t = f.closed(ln)
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True)
    services.ticket_evaluate(ticket=t, actor=ln.agent, satisfaction="satisfied")
    with pytest.raises(InvalidTransition) as err:
        services.ticket_reopen(ticket=t, actor=ln.agent, reason="再看看")
    assert err.value.code == "not_unsatisfied"

    u = f.closed(ln)
    services.ticket_revisit(ticket=u, actor=ln.agent, resolved=True)
    services.ticket_evaluate(ticket=u, actor=ln.agent, satisfaction="unsatisfied")
    services.ticket_reopen(ticket=u, actor=ln.agent, reason="超市仍在销售过期商品")
    u.refresh_from_db()
    assert u.status == TicketStatus.DISPATCHED and u.reopen_count == 1 and u.reply == "" and u.satisfaction == ""
    assert u.department == ln.amr and u.due_at is not None


def test_reopen_after_a_revisit_finding_the_matter_unresolved() -> None:
    ln = f.line()
    t = f.closed(ln)
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=False, note="问题没有解决")
    services.ticket_reopen(ticket=t, actor=ln.agent, reason="回访未解决", department=ln.hrss)
    t.refresh_from_db()
    assert t.status == TicketStatus.DISPATCHED and t.department == ln.hrss


def test_caller_evaluates_with_the_check_code_only() -> None:
    ln = f.line()
    t = f.closed(ln)
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True)
    with pytest.raises(ApplicationError):
        services.ticket_evaluate(ticket=t, satisfaction="satisfied", check_code="000000x")
    services.ticket_evaluate(ticket=t, satisfaction="basic", check_code=t.check_code)
    t.refresh_from_db()
    assert t.satisfaction == "basic"


# ------------------------------------------------------------------ duplicates and merging


def test_duplicates_are_suggested_by_content_location_and_time_then_merged() -> None:
    # given two calls about the same shop within hours, one elsewhere, and one weeks later
    ln = f.line()
    now = timezone.now()
    first = f.ticket(ln, now=now - dt.timedelta(hours=5))
    same = f.ticket(ln, now=now, content="和平区南京路超市卖过期牛奶，请查处")
    other = f.ticket(ln, now=now, content="河西区友谊路的路灯坏了一个月", region="120103", location="友谊路")
    late = f.ticket(ln, now=now + dt.timedelta(days=10))
    # when the agent looks for duplicates of the new one
    found = [c.ticket for c in selectors.duplicate_candidates(ticket=same)]
    # then only the first, similar and recent, is suggested
    assert found == [first]
    assert other not in found and late not in found
    # and merging marks it merged and refuses further merging into it
    services.ticket_merge(ticket=same, into=first, actor=ln.agent)
    same.refresh_from_db()
    assert same.status == TicketStatus.MERGED and same.merged_into == first
    with pytest.raises(ValidationFailed):
        services.ticket_merge(ticket=late, into=same, actor=ln.agent)
    with pytest.raises(ValidationFailed):
        services.ticket_merge(ticket=late, into=late, actor=ln.agent)


# ------------------------------------------------------------------ SLA


def test_sla_working_hours_skip_the_weekend() -> None:
    # a complaint dispatched Friday 2025-03-14 16:00 has 40 working hours: 1 h on Friday,
    # then Mon–Thu (32 h) and 7 h on Friday 21st → 16:00 on Friday 2025-03-21
    due, hours = sla.due_at(start=at(2025, 3, 14, 16), category="complaint", urgency="normal")
    assert hours == 40 and due == at(2025, 3, 21, 16)
    # a consultation taken Saturday evening counts from Monday 09:00
    due, _ = sla.due_at(start=at(2025, 3, 15, 20), category="consultation", urgency="normal")
    assert due == at(2025, 3, 17, 17)


def test_sla_skips_national_day_holidays_and_counts_the_make_up_saturday() -> None:
    # 2025: 1–8 October are holidays, Saturday 11 October is a make-up working day.
    due, _ = sla.due_at(start=at(2025, 9, 30, 16), category="help", urgency="normal")
    # 1 h on 30 Sep, then 9 Oct (8 h), 10 Oct (8 h), 11 Oct Saturday (7 h) → 16:00 on 11 Oct
    assert due == at(2025, 10, 11, 16)
    assert sla.working_hours_between(at(2025, 9, 30, 9), at(2025, 10, 9, 9)) == 8.0


def test_sla_urgent_and_emergency() -> None:
    due, hours = sla.due_at(start=at(2025, 3, 14, 16), category="report", urgency="urgent")
    assert hours == 4 and due == at(2025, 3, 17, 12)
    due, hours = sla.due_at(start=at(2025, 3, 15, 23), category="help", urgency="emergency")
    assert hours == 2 and due == at(2025, 3, 16, 1)


def test_warning_levels_yellow_and_red() -> None:
    start = at(2025, 3, 17, 9)  # Monday; a 3-day (24 h) help request is due Wednesday 17:00
    due, hours = sla.due_at(start=start, category="help", urgency="normal")
    level = sla.warning_level
    assert level(start=start, due=due, allowed=hours, urgency="normal", now=at(2025, 3, 17, 12)) == "green"
    assert level(start=start, due=due, allowed=hours, urgency="normal", now=at(2025, 3, 19, 10)) == "yellow"
    assert level(start=start, due=due, allowed=hours, urgency="normal", now=at(2025, 3, 19, 18)) == "red"


def test_tick_puts_overdue_tickets_under_supervision_once() -> None:
    # given one ticket dispatched long ago and one just now
    ln = f.line()
    old = f.ticket(ln, category="consultation")
    services.ticket_dispatch(ticket=old, actor=ln.agent, department=ln.amr, now=timezone.now() - dt.timedelta(days=10))
    fresh = f.dispatched(ln)
    # when the clock runs (twice)
    report = services.hotline_tick()
    again = services.hotline_tick()
    # then the overdue one is supervised by the system, the fresh one not, and only once
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert report.supervised == [old.number] and again.supervised == []
    assert old.status == TicketStatus.SUPERVISED and old.supervised
    assert fresh.status == TicketStatus.DISPATCHED
    event = AuditEvent.objects.get(stream=old.stream, action="ticket.supervise")
    assert event.actor_role == "system"
    # and the department can still reply, late
    services.ticket_reply(ticket=old, actor=ln.amr_handler, reply="已处理")
    old.refresh_from_db()
    assert old.status == TicketStatus.REPLIED and old.on_time is False


def test_tick_command_prints_what_it_did() -> None:
    import io

    ln = f.line()
    t = f.ticket(ln, category="consultation")
    services.ticket_dispatch(ticket=t, actor=ln.agent, department=ln.amr, now=timezone.now() - dt.timedelta(days=10))
    out = io.StringIO()
    call_command("hotline", "tick", stdout=out)
    assert "supervised 1" in out.getvalue() and t.number in out.getvalue()


# ------------------------------------------------------------------ extensions and escalation


def test_extension_requested_by_the_department_and_approved_by_a_supervisor() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    due = t.due_at
    assert due is not None
    with pytest.raises(ValidationFailed):
        services.extension_request(ticket=t, actor=ln.amr_handler, working_days=30, reason="需要检测")
    ext = services.extension_request(ticket=t, actor=ln.amr_handler, working_days=2, reason="需要送检")
    with pytest.raises(ApplicationError) as err:
        services.extension_request(ticket=t, actor=ln.amr_handler, working_days=1, reason="再延")
    assert err.value.code == "extension_pending"
    with pytest.raises(PermissionDenied):
        services.extension_decide(extension=ext, actor=ln.agent, approve=True)
    services.extension_decide(extension=ext, actor=ln.supervisor, approve=True)
    t.refresh_from_db()
    assert t.due_at == sla.add_working_hours(due, 16)
    with pytest.raises(InvalidTransition):
        services.extension_decide(extension=ext, actor=ln.supervisor, approve=False, reason="x")


def test_extension_refusal_needs_reasons_and_keeps_the_deadline() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    ext = services.extension_request(ticket=t, actor=ln.amr_handler, working_days=2, reason="需要送检")
    with pytest.raises(ValidationFailed):
        services.extension_decide(extension=ext, actor=ln.supervisor, approve=False)
    services.extension_decide(extension=ext, actor=ln.supervisor, approve=False, reason="可先答复")
    due = t.due_at
    t.refresh_from_db()
    assert t.due_at == due


def test_emergency_escalation_shortens_the_clock_once() -> None:
    ln = f.line()
    t = f.dispatched(ln, category="help", content="北辰区果园新村燃气泄漏味道很大")
    services.ticket_escalate(ticket=t, actor=ln.agent, reason="燃气泄漏")
    t.refresh_from_db()
    assert t.urgency == "emergency" and t.escalated and t.sla_hours == 2
    assert t.due_at is not None and t.due_at <= timezone.now() + dt.timedelta(hours=2, seconds=5)
    with pytest.raises(InvalidTransition):
        services.ticket_escalate(ticket=t, actor=ln.agent, reason="再次")


# ------------------------------------------------------------------ cross-region transfer


def test_transfer_to_beijing_outbox_message_and_outcome_back_then_revisit() -> None:
    # given a ticket about a matter in Beijing
    ln = f.line()
    t = f.ticket(ln, content="在北京朝阳区办理的社保转移到天津一直没有到账", caller_phone="13900001111")
    beijing = Region.objects.get(code="110000")
    PeerFactory.create(region_code="110000")
    # when the agent transfers it
    transfer = services.ticket_transfer(ticket=t, actor=ln.agent, to_region=beijing, reason="属北京市办理事项")
    t.refresh_from_db()
    # then the ticket is marked transferred and the outbox holds the message without the caller's phone
    assert t.status == TicketStatus.TRANSFERRED and t.transferred_to == beijing
    assert transfer.status == "pending" and transfer.payload["to_region"] == "110000"
    assert "13900001111" not in json.dumps(transfer.payload, ensure_ascii=False)
    queued = OutboxMessage.objects.get(type=services.TRANSFER_MESSAGE)
    assert queued.recipient_region == "110000" and queued.payload == transfer.payload
    services.transfer_mark_sent(message_id=transfer.message_id, sender_region="110000", remote_number="BJ1")
    # when Beijing's outcome comes back (twice: the federation retries)
    outcome = {
        "type": services.OUTCOME_MESSAGE,
        "version": 1,
        "message_id": str(transfer.message_id),
        "from_region": "110000",
        "reply": "北京市社保中心已完成转移，资金三个工作日内到账。",
        "on_time": True,
    }
    services.transfer_outcome_receive(payload=outcome, sender_region="110000")
    services.transfer_outcome_receive(payload=outcome, sender_region="110000")
    t.refresh_from_db()
    # then the ticket is closed with Beijing's reply, once, and the originating line revisits
    assert t.status == TicketStatus.CLOSED and "社保中心" in t.reply
    assert actions(t).count("ticket.transfer_outcome") == 1
    services.ticket_revisit(ticket=t, actor=ln.agent, resolved=True)
    assert TicketTransfer.objects.get(pk=transfer.pk).status == "answered"


def test_transfer_refusals() -> None:
    ln = f.line()
    t = f.ticket(ln)
    with pytest.raises(ValidationFailed) as not_peer:
        services.ticket_transfer(ticket=t, actor=ln.agent, to_region=Region.objects.get(code="130000"), reason="x")
    assert not_peer.value.code == "transfer_region_not_peer"
    PeerFactory.create(region_code="130000")
    with pytest.raises(ValidationFailed):
        services.ticket_transfer(ticket=t, actor=ln.agent, to_region=Region.objects.get(code="120000"), reason="x")
    with pytest.raises(ValidationFailed):
        services.ticket_transfer(ticket=t, actor=ln.agent, to_region=Region.objects.get(code="120101"), reason="x")
    transfer = services.ticket_transfer(
        ticket=t, actor=ln.agent, to_region=Region.objects.get(code="130000"), reason="x"
    )
    forged = {
        "type": services.OUTCOME_MESSAGE,
        "message_id": str(transfer.message_id),
        "from_region": "110000",
        "reply": "x",
    }
    with pytest.raises(PermissionDenied):
        services.transfer_outcome_receive(payload=forged)
    with pytest.raises(PermissionDenied):
        services.transfer_outcome_receive(payload={**forged, "from_region": "130000"}, sender_region="110000")
    with pytest.raises(ApplicationError):
        services.transfer_outcome_receive(payload={**forged, "message_id": str(uuid.uuid4())})


def test_receiving_node_makes_a_local_ticket_once_and_builds_the_outcome(settings: Any) -> None:
    # given a transfer message from Beijing to this (Tianjin) node
    ln = f.line()
    payload = {
        "type": services.TRANSFER_MESSAGE,
        "version": 1,
        "message_id": str(uuid.uuid4()),
        "from_region": "110000",
        "to_region": "120000",
        "ticket": {
            "category": "complaint",
            "title": "武清区工厂噪音",
            "content": "武清区杨村一家工厂夜间施工噪音",
            "region": "120114",
        },
    }
    # when it arrives twice
    first = services.transfer_receive(payload=payload, sender_region="110000")
    second = services.transfer_receive(payload=payload, sender_region="110000")
    assert first.pk == second.pk and first.channel == "transfer" and first.caller_anonymous
    assert first.transferred_from_id == "110000"
    # then it is handled here and the outcome message can be built
    services.ticket_dispatch(ticket=first, actor=ln.agent, department=ln.amr)
    services.ticket_accept(ticket=first, actor=ln.amr_handler)
    services.ticket_reply(ticket=first, actor=ln.amr_handler, reply="已责令停止夜间施工")
    first.refresh_from_db()
    outcome = services.transfer_outcome_payload(ticket=first)
    assert outcome["message_id"] == payload["message_id"] and outcome["from_region"] == "120000"
    with pytest.raises(ValidationFailed):
        services.transfer_receive(payload={**payload, "to_region": "130000", "message_id": str(uuid.uuid4())})


# ------------------------------------------------------------------ masking


def test_masking_by_role_and_audited_reads() -> None:
    ln = f.line()
    t = f.dispatched(ln)
    # the line's agent sees the caller, and the read is audited
    seen = selectors.caller_for(ticket=t, actor=ln.agent)
    assert seen["name"] == "王小明" and seen["phone"] == "13812345678"
    assert AuditEvent.objects.filter(stream=t.stream, action="ticket.caller_viewed", actor_id=ln.agent.pk).exists()
    # the department's handler sees it masked
    masked = selectors.caller_for(ticket=t, actor=ln.amr_handler)
    assert masked == {"name": "王**", "phone": "138****5678", "email": "", "masked": "masked"}
    # another department's handler cannot even open the ticket
    with pytest.raises(ApplicationError):
        selectors.ticket_get_for(actor=ln.hrss_handler, pk=t.pk)
    with pytest.raises(ApplicationError):
        selectors.ticket_get_for(actor=f.resident(), pk=t.pk)
    assert selectors.mask_phone("022-23356600") == "022*****6600"


def test_follow_up_needs_number_and_check_code() -> None:
    ln = f.line()
    t = f.ticket(ln)
    assert selectors.ticket_track(number=t.number.lower(), check_code=t.check_code) == t
    with pytest.raises(ApplicationError):
        selectors.ticket_track(number=t.number, check_code="")
    wrong = "000000" if t.check_code != "000000" else "111111"
    with pytest.raises(ApplicationError):
        selectors.ticket_track(number=t.number, check_code=wrong)


def test_a_taken_number_is_drawn_again_and_endless_collisions_are_refused(monkeypatch: Any) -> None:
    # given a ticket already holding a number
    ln = f.line()
    first = f.ticket(ln)
    drawn = iter([first.number, first.number, "TJ26120199999999"])
    monkeypatch.setattr(common, "new_number", lambda line_region, now: next(drawn))
    # when the next ticket draws that number twice, then a free one
    second = f.ticket(ln, department=ln.amr)
    # then it is stored under the free number, dispatched, with its events
    second.refresh_from_db()
    assert (second.number, second.status) == ("TJ26120199999999", TicketStatus.DISPATCHED)
    assert list(AuditEvent.objects.filter(stream=second.stream).values_list("seq", flat=True)) == [1, 2]
    # and when every draw is taken, the intake is refused with a stable code and leaves nothing behind
    monkeypatch.setattr(common, "new_number", lambda line_region, now: first.number)
    count = (Ticket.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as err:
        f.ticket(ln, department=ln.amr)
    assert err.value.code == "number_collision"
    assert (Ticket.objects.count(), AuditEvent.objects.count()) == count


# ------------------------------------------------------------------ knowledge base


def test_knowledge_search_in_chinese_pinyin_and_initials_while_typing() -> None:
    fund = f.published_entry(question="住房公积金提取需要哪些材料？", variants=["租房提取公积金"])
    f.published_entry(question="失业保险金怎么申领？", category="社会保险", answer="通过人社APP申领。")
    for q in ("公积金提取", "公积", "gongjijin", "gongji", "gjj"):
        hits = knowledge.search(q)
        assert hits and hits[0].id == fund.id, q
    assert knowledge.search("！！") == []


def test_knowledge_entries_out_of_date_or_unpublished_are_not_found() -> None:
    f.published_entry(question="过期的公积金政策", valid_until=dt.date(2020, 1, 1), valid_from=dt.date(2019, 1, 1))
    draft = f.KnowledgeEntryFactory.create(question="草稿公积金答案", status=KnowledgeStatus.DRAFT)
    knowledge.reindex(draft)
    assert knowledge.search("公积金") == []


def test_knowledge_review_publish_versions_and_proposal_from_a_ticket() -> None:
    ln = f.line()
    t = f.closed(ln)
    # an agent proposes the answered ticket; the agent may not publish it; a supervisor does
    entry = services.kb_propose_from_ticket(ticket=t, actor=ln.agent)
    assert entry.status == KnowledgeStatus.IN_REVIEW and entry.proposed_from == t
    with pytest.raises(PermissionDenied):
        services.kb_entry_publish(entry=entry, actor=ln.agent)
    services.kb_entry_publish(entry=entry, actor=ln.supervisor)
    assert knowledge.search(t.title[:6])[0].id == entry.pk
    # a new version replaces the old one in search once published
    v2 = services.kb_entry_new_version(entry=entry, actor=ln.agent, answer="新的答复口径")
    assert v2.version == 2 and v2.uid == entry.uid
    services.kb_entry_publish(entry=v2, actor=ln.supervisor)
    entry.refresh_from_db()
    assert entry.status == KnowledgeStatus.RETIRED
    assert [h.version for h in knowledge.search(t.title[:6])] == [2]
    with pytest.raises(PermissionDenied):
        services.kb_entry_create(actor=ln.amr_handler, category="x", question="q", answer="a")
    with pytest.raises(PermissionDenied) as err:
        own = services.kb_entry_create(actor=ln.supervisor, category="x", question="自己写的", answer="a")
        services.kb_entry_publish(entry=own, actor=ln.supervisor)
    assert err.value.code == "kb_self_review"


def test_knowledge_export_import_keeps_origin_and_is_idempotent(settings: Any) -> None:
    # given Beijing's node with a shareable entry and a private one
    settings.TONGBAN_REGION = "110000"
    shared = f.published_entry(
        question="北京居住证办理条件", origin_region=Region.objects.get(code="110000"), shareable=True
    )
    f.published_entry(question="北京内部口径", origin_region=Region.objects.get(code="110000"), shareable=False)
    document = services.kb_export_shareable()
    assert [e["question"] for e in document["entries"]] == ["北京居住证办理条件"]
    # when Tianjin imports it (the same database stands in for the peer: remove Beijing's rows first)
    settings.TONGBAN_REGION = "120000"
    from tongban.hotline.models import KnowledgeEntry

    KnowledgeEntry.objects.all().delete()
    first = services.kb_import(document=document)
    again = services.kb_import(document=document)
    # then it is created once, published, shared and marked with its origin
    assert (first.created, again.created, again.unchanged) == (1, 0, 1)
    imported = KnowledgeEntry.objects.get(uid=shared.uid)
    assert imported.origin_region_id == "110000" and imported.shareable
    assert knowledge.search("居住证")[0].uid == str(shared.uid)
    # and a newer version replaces it; a broken document changes nothing
    document["entries"][0]["version"] = 2
    document["entries"][0]["answer"] = "新口径"
    assert services.kb_import(document=document).updated == 1
    broken = {"format": services.EXPORT_FORMAT, "entries": [{"uid": "nope"}]}
    with pytest.raises(ValidationFailed):
        services.kb_import(document=broken)
    with pytest.raises(ValidationFailed):
        services.kb_import(document={"format": "other"})


@pytest.mark.django_db(transaction=True)
def test_a_knowledge_base_change_is_seen_by_the_very_next_search() -> None:
    # given a published entry whose ranking is cached by a first search
    ln = f.line()
    fund = f.published_entry(question="住房公积金提取需要哪些材料？", answer="身份证。")
    assert [h.id for h in knowledge.search("公积金提取")] == [fund.id]
    # when another process changes the index without this one knowing (its rows are gone, no bump)
    KnowledgeTerm.objects.filter(entry_id=fund.pk).delete()
    # then the cached ranking still answers (the cache is used) ...
    assert [h.id for h in knowledge.search("公积金提取")] == [fund.id]
    # ... with the entry as it is now: its answer and status are read on every search
    KnowledgeEntry.objects.filter(pk=fund.pk).update(answer="身份证和租房合同。")
    assert knowledge.search("公积金提取")[0].answer == "身份证和租房合同。"
    # and once the index's generation moves, as every reindex does in its transaction, the ranking is redone
    knowledge.bump_generation()
    assert knowledge.search("公积金提取") == []
    # when a supervisor publishes a new entry, the very next search finds it
    draft = services.kb_entry_create(
        actor=ln.agent, category="住房公积金", question="公积金提取到账要多久？", answer="三个工作日。"
    )
    services.kb_entry_submit(entry=draft, actor=ln.agent)
    services.kb_entry_publish(entry=draft, actor=ln.supervisor)
    assert [h.id for h in knowledge.search("公积金提取")] == [draft.id]
    # and when it is retired, the very next search no longer finds it
    services.kb_entry_retire(entry=draft, actor=ln.supervisor, reason="政策调整")
    assert knowledge.search("公积金提取") == []


def test_a_search_inside_a_transaction_is_not_cached() -> None:
    # given a published entry, searched inside the test's transaction
    fund = f.published_entry(question="住房公积金提取需要哪些材料？")
    assert [h.id for h in knowledge.search("公积金提取")] == [fund.id]
    # then nothing was cached: a rollback could hand the same generation out again
    assert caches[knowledge.CACHE_ALIAS].get(knowledge._cache_key("公积金提取", 8)) is None


def test_common_terms_are_left_out_of_the_ranking_unless_nothing_else_matches(monkeypatch: Any) -> None:
    # given five entries about 办理 and one about 公积金, with "common" meaning more than three entries
    monkeypatch.setattr(knowledge, "COMMON", 3)
    others = [f.published_entry(question=f"营业执照变更办理流程{i}", category="市场监管") for i in range(5)]
    fund = f.published_entry(question="公积金提取办理", category="住房公积金")
    # when searching for both words, only the rarer one ranks
    assert [h.id for h in knowledge.search("公积金办理")] == [fund.id]
    # and a query of common words alone still finds entries
    assert {h.id for h in knowledge.search("办理", limit=10)} >= {e.id for e in others}
    assert knowledge._term_counts(["办理", "公积金"], ["banli"], cap=3) == {"办理": 4, "公积金": 1, "banli": 4}
    assert knowledge._selective(["办理", "公积金"], ["banli"]) == (["公积金"], [], 0.0)
