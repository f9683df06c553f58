"""An objection to a read of one's data (我的数据使用记录) opens a 12345 complaint linked to the read.

The ticket is taken on the web channel in the resident's name (so they follow it like any of their
tickets) and names the read (``external_id`` ``sharing-read:{lane}-{seq}``); the hotline agents
dispatch it to the department that read, as for any complaint.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongban.hotline.constants import Channel, TicketCategory
from tongban.hotline.services import ticket_create
from tongban.sharing.objections import ObjectionNotice, register


def open_ticket(notice: ObjectionNotice) -> str:
    content = _(
        "Objection to a read of my data (read %(read)s): on %(at)s, %(department)s read %(resource)s "
        "(fields: %(fields)s) for %(purpose)s, context %(context)s. Reason: %(reason)s"
    ) % {
        "read": notice.read_id,
        "at": notice.occurred_at,
        "department": notice.department_label,
        "resource": notice.resource_name,
        "fields": "、".join(notice.fields),
        "purpose": notice.purpose,
        "context": notice.context or "-",
        "reason": notice.reason or "-",
    }
    ticket = ticket_create(
        actor=notice.user,
        channel=Channel.WEB,
        category=TicketCategory.COMPLAINT,
        title=_("Objection to a read of my data"),
        content=content[:4000],
        external_id=f"sharing-read:{notice.read_id}",
    )
    return ticket.number


def subscribe() -> None:
    register(open_ticket)
