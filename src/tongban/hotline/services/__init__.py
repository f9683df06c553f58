"""Writes of the 12345 hotline, one module per sub-domain; the public names are re-exported here.

- ``tickets``: intake (受理) from every channel and the closed loop 派单 → 办理 → 答复 → 督办 → 办结
  → 回访 → 评价, with direct answers, returns, reassignment, merging, reopening, escalation and
  the clock (``hotline_tick``);
- ``extensions``: requests for more working days and their decisions;
- ``transfers``: cross-region transfers (京津冀 转送) and their outcomes;
- ``knowledge_base``: the knowledge base's entries, versions, review, import and sharing with peers;
- ``open311_keys``: the API keys of Open311 clients;
- ``common``: errors, roles (from ``accounts.selectors.user_roles``), the ticket workflow
  (``TICKETS``, ``core.workflow`` over ``constants.TRANSITIONS``) and input clean-up.

Every ticket action locks the ticket row, checks the actor's role, moves the ticket through
``TICKETS`` (the allowed previous states, the save of the named fields, the audit event on
``ticket:<id>``, the department's notice), all in one transaction. The federation's handlers of the
hotline's messages (``hotline.federation``) call these services; nothing here imports them.
"""

from tongban.hotline.constants import OUTCOME_MESSAGE, TRANSFER_MESSAGE
from tongban.hotline.services.common import (
    HOTLINE_ROLES,
    LINE_ROLES,
    PREFIXES,
    TICKETS,
    KnowledgeNotFound,
    NotYourTicket,
    ReasonRequired,
    TicketNotFound,
    handler_department_ids,
    line_roles,
)
from tongban.hotline.services.extensions import extension_decide, extension_request
from tongban.hotline.services.knowledge_base import (
    EXPORT_FORMAT,
    ImportReport,
    active_peers,
    kb_entry_create,
    kb_entry_document,
    kb_entry_new_version,
    kb_entry_publish,
    kb_entry_retire,
    kb_entry_submit,
    kb_export_shareable,
    kb_import,
    kb_propose_from_ticket,
    kb_receive,
    kb_withdraw_receive,
    share_entry,
    share_withdrawal,
)
from tongban.hotline.services.open311_keys import hash_key, open311_key_check, open311_key_create
from tongban.hotline.services.tickets import (
    TickReport,
    hotline_tick,
    ticket_accept,
    ticket_answer_directly,
    ticket_close,
    ticket_create,
    ticket_dispatch,
    ticket_escalate,
    ticket_evaluate,
    ticket_merge,
    ticket_reassign,
    ticket_reopen,
    ticket_reply,
    ticket_return,
    ticket_revisit,
    ticket_supervise,
)
from tongban.hotline.services.transfers import (
    send_outcome,
    send_transfer,
    ticket_transfer,
    transfer_mark_sent,
    transfer_outcome_payload,
    transfer_outcome_receive,
    transfer_payload,
    transfer_receive,
)

__all__ = [
    "EXPORT_FORMAT",
    "HOTLINE_ROLES",
    "LINE_ROLES",
    "OUTCOME_MESSAGE",
    "PREFIXES",
    "TICKETS",
    "TRANSFER_MESSAGE",
    "ImportReport",
    "KnowledgeNotFound",
    "NotYourTicket",
    "ReasonRequired",
    "TickReport",
    "TicketNotFound",
    "active_peers",
    "extension_decide",
    "extension_request",
    "handler_department_ids",
    "hash_key",
    "hotline_tick",
    "kb_entry_create",
    "kb_entry_document",
    "kb_entry_new_version",
    "kb_entry_publish",
    "kb_entry_retire",
    "kb_entry_submit",
    "kb_export_shareable",
    "kb_import",
    "kb_propose_from_ticket",
    "kb_receive",
    "kb_withdraw_receive",
    "line_roles",
    "open311_key_check",
    "open311_key_create",
    "send_outcome",
    "send_transfer",
    "share_entry",
    "share_withdrawal",
    "ticket_accept",
    "ticket_answer_directly",
    "ticket_close",
    "ticket_create",
    "ticket_dispatch",
    "ticket_escalate",
    "ticket_evaluate",
    "ticket_merge",
    "ticket_reassign",
    "ticket_reopen",
    "ticket_reply",
    "ticket_return",
    "ticket_revisit",
    "ticket_supervise",
    "ticket_transfer",
    "transfer_mark_sent",
    "transfer_outcome_payload",
    "transfer_outcome_receive",
    "transfer_payload",
    "transfer_receive",
]
