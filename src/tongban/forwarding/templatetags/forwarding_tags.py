"""Template tags the case pages use to show cross-region cases (kept here, with the models they read)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from tongban.accounts.models import User
from tongban.forwarding import selectors
from tongban.forwarding.models import ForwardedCase, RemoteCase
from tongban.regions.models import Region

register = template.Library()


@register.simple_tag
def origin_badge(case: Any) -> SafeString | str:
    """At the deciding node: a badge naming the region a forwarded case was received in."""
    try:
        link = case.forwarded
    except (ObjectDoesNotExist, AttributeError):
        return ""
    if not isinstance(link, ForwardedCase):
        return ""
    name = Region.objects.filter(code=link.origin_region).values_list("name", flat=True).first() or link.origin_region
    return format_html(
        '<span class="tag tag-origin" title="{}">{}</span>',
        link.get_mode_display(),
        gettext("From %(region)s") % {"region": name},
    )


@register.inclusion_tag("forwarding/_mine_section.html")
def remote_cases_section(user: User) -> dict[str, Any]:
    """At the origin: the applicant's cases decided by other regions, for the "my cases" page."""
    rows = list(selectors.my_remote_cases(user=user)[:50]) if user.is_authenticated else []
    names = dict(Region.objects.values_list("code", "name"))
    status_labels = dict(RemoteCase._meta.get_field("status").flatchoices)
    return {
        "rows": [
            {
                "case": r,
                "status_label": status_labels.get(r.status, r.status),
                "peer": names.get(r.peer_region, r.peer_region),
            }
            for r in rows
        ]
    }
