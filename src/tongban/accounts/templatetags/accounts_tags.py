from __future__ import annotations

from typing import Any

from django import template

from tongban.accounts.models import User
from tongban.accounts.notifications import notification_unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    if not isinstance(user, User) or not user.is_authenticated:
        return 0
    return notification_unread_count(user=user)
