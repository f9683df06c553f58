"""Ticket statuses, THE transition table of the 12345 closed loop, subjects and SLA limits.

The loop: 受理 (received) → 派单 (dispatched) → 办理 (in progress) → 答复 (replied) → 督办
(supervised, when overdue or flagged) → 办结 (closed) → 回访 (revisited) → 评价 (evaluated), with
直接答复 (the agent answers from the knowledge base at once: received → closed), 退单 (the
department returns a wrongly dispatched ticket: → returned, then dispatched again), reassignment,
merging duplicates (→ merged), reopening after an unsatisfied revisit, transfer to another region
(→ transferred, the outcome comes back: → closed) and emergency escalation (status unchanged).

Every service that changes a ticket moves it through the ticket workflow (``core.workflow`` over
``TRANSITIONS``). Nothing else decides whether an action is allowed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import Transition, table


class TicketStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("Being handled")
    REPLIED = "replied", _("Replied")
    SUPERVISED = "supervised", _("Under supervision")
    RETURNED = "returned", _("Returned by the department")
    TRANSFERRED = "transferred", _("Transferred to another region")
    CLOSED = "closed", _("Closed")
    REVISITED = "revisited", _("Revisited")
    EVALUATED = "evaluated", _("Evaluated")
    MERGED = "merged", _("Merged into another ticket")


class TicketAction(models.TextChoices):
    DISPATCH = "dispatch", _("Dispatch")
    ANSWER_DIRECTLY = "answer_directly", _("Answer directly")
    ACCEPT = "accept", _("Start handling")
    RETURN = "return", _("Return the ticket")
    REASSIGN = "reassign", _("Reassign")
    REPLY = "reply", _("Reply")
    SUPERVISE = "supervise", _("Supervise")
    CLOSE = "close", _("Close")
    REVISIT = "revisit", _("Revisit")
    EVALUATE = "evaluate", _("Evaluate")
    REOPEN = "reopen", _("Reopen")
    MERGE = "merge", _("Merge into another ticket")
    ESCALATE = "escalate", _("Escalate as an emergency")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    DECIDE_EXTENSION = "decide_extension", _("Decide on an extension")
    TRANSFER = "transfer", _("Transfer to another region")
    TRANSFER_OUTCOME = "transfer_outcome", _("Receive the outcome of a transfer")


S = TicketStatus
OPEN_STATES = frozenset({S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED, S.RETURNED, S.REPLIED})
HANDLING_STATES = frozenset({S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED})
FINISHED_STATES = frozenset({S.CLOSED, S.REVISITED, S.EVALUATED})


# THE transition table of tickets: action → (the statuses it may start from, the status it leads to;
# None: the status does not change). ``services.TICKETS`` (the ticket workflow on ``core.workflow``)
# checks every ticket action against it.
TRANSITIONS: dict[str, Transition] = table(
    {
        TicketAction.DISPATCH: ({S.RECEIVED, S.RETURNED}, S.DISPATCHED),
        TicketAction.ANSWER_DIRECTLY: ({S.RECEIVED, S.RETURNED}, S.CLOSED),
        TicketAction.ACCEPT: ({S.DISPATCHED}, S.IN_PROGRESS),
        TicketAction.RETURN: ({S.DISPATCHED, S.IN_PROGRESS}, S.RETURNED),
        TicketAction.REASSIGN: ({S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED}, S.DISPATCHED),
        TicketAction.REPLY: ({S.IN_PROGRESS, S.SUPERVISED}, S.REPLIED),
        TicketAction.SUPERVISE: ({S.DISPATCHED, S.IN_PROGRESS}, S.SUPERVISED),
        TicketAction.CLOSE: ({S.REPLIED}, S.CLOSED),
        TicketAction.REVISIT: ({S.CLOSED}, S.REVISITED),
        TicketAction.EVALUATE: ({S.REVISITED}, S.EVALUATED),
        TicketAction.REOPEN: ({S.REVISITED, S.EVALUATED}, S.DISPATCHED),
        TicketAction.MERGE: ({S.RECEIVED, S.DISPATCHED, S.RETURNED}, S.MERGED),
        TicketAction.ESCALATE: ({S.RECEIVED, S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED, S.RETURNED}, None),
        TicketAction.REQUEST_EXTENSION: ({S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED}, None),
        TicketAction.DECIDE_EXTENSION: ({S.DISPATCHED, S.IN_PROGRESS, S.SUPERVISED}, None),
        TicketAction.TRANSFER: ({S.RECEIVED, S.RETURNED}, S.TRANSFERRED),
        TicketAction.TRANSFER_OUTCOME: ({S.TRANSFERRED}, S.CLOSED),
    }
)


class TicketCategory(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")  # 咨询
    HELP = "help", _("Request for help")  # 求助
    COMPLAINT = "complaint", _("Complaint")  # 投诉
    REPORT = "report", _("Report of wrongdoing")  # 举报
    SUGGESTION = "suggestion", _("Suggestion")  # 建议
    PRAISE = "praise", _("Praise")  # 表扬


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Website")
    MOBILE = "mobile", _("Mobile app")
    SOCIAL = "social", _("Social media")
    LETTER = "letter", _("Letter")
    OPEN311 = "open311", _("Open311 API")
    TRANSFER = "transfer", _("Transfer from another region")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASIC = "basic", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class KnowledgeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Outcome received")


# Subject classification (业务分类): code → (Chinese name, responsible department code, keywords).
# The keywords are the fallback rules of the dispatch suggestion when no model is trained.
SUBJECTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "market": ("市场监管与消费维权", "amr", ("食品", "价格", "消费", "商家", "假冒", "退款", "超市")),
    "labour": ("劳动就业与社会保险", "hrss", ("社保", "工资", "就业", "劳动", "养老保险", "失业")),
    "housing_fund": ("住房公积金", "hpf", ("公积金", "贷款", "缴存")),
    "public_security": ("户籍与治安", "psb", ("户口", "身份证", "派出所", "治安", "居住证")),
    "health": ("医疗卫生", "health", ("医院", "医生", "疫苗", "挂号", "诊所")),
    "medical_insurance": ("医疗保障", "nhsa", ("医保", "报销", "异地就医", "门诊")),
    "agriculture": ("农业农村", "agri", ("农业", "种子", "农药", "农田", "村")),
    "justice": ("法律服务", "justice", ("律师", "法律援助", "公证", "调解")),
    "civil_affairs": ("民政服务", "civil", ("婚姻", "低保", "养老院", "殡葬", "社会救助")),
    "culture_tourism": ("文化旅游", "culture", ("景区", "旅行社", "导游", "门票", "演出")),
    "heritage": ("文物保护", "heritage", ("文物", "古建筑", "遗址")),
    "government_services": ("政务服务", "gsa", ("政务服务中心", "办事大厅", "窗口", "网上办")),
}

# SLA: limit per category and urgency. Working hours count 09:00–17:00 on working days
# (core.calendar: official holidays and make-up days); emergencies count clock hours.
WORKDAY_START_HOUR = 9
WORKDAY_END_HOUR = 17
WORKING_HOURS_PER_DAY = WORKDAY_END_HOUR - WORKDAY_START_HOUR

# (category, urgency) → working hours; emergency is in clock hours for every category.
SLA_WORKING_HOURS: dict[str, int] = {
    TicketCategory.CONSULTATION: 1 * WORKING_HOURS_PER_DAY,
    TicketCategory.HELP: 3 * WORKING_HOURS_PER_DAY,
    TicketCategory.COMPLAINT: 5 * WORKING_HOURS_PER_DAY,
    TicketCategory.REPORT: 10 * WORKING_HOURS_PER_DAY,
    TicketCategory.SUGGESTION: 10 * WORKING_HOURS_PER_DAY,
    TicketCategory.PRAISE: 3 * WORKING_HOURS_PER_DAY,
}
URGENT_WORKING_HOURS = 4  # urgent tickets: the category's limit, at most 4 working hours
EMERGENCY_CLOCK_HOURS = 2
YELLOW_FRACTION = 2 / 3  # yellow once two thirds of the allowed time is used

# Duplicates: same region, similar content, within this many hours.
DUPLICATE_WINDOW_HOURS = 72
DUPLICATE_MIN_SIMILARITY = 0.5

MAX_CONTENT = 4000

# Federation message types of the hotline (ADR 0013; handlers in ``hotline.federation``).
TRANSFER_MESSAGE = "hotline.ticket_transfer"
TRANSFER_RECEIVED_MESSAGE = "hotline.ticket_transfer_received"
OUTCOME_MESSAGE = "hotline.ticket_transfer_outcome"
KB_ENTRY_MESSAGE = "hotline.kb_entry"
KB_WITHDRAWN_MESSAGE = "hotline.kb_entry_withdrawn"
KB_PULL_MESSAGE = "hotline.kb_pull"
KB_SNAPSHOT_MESSAGE = "hotline.kb_snapshot"
KB_EXPORT_FORMAT = "tongban.hotline.knowledge/1"
