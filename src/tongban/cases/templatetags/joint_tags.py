"""多地联办 on the case pages: the joint-case panel (both steps, one timeline) and the workbench badge."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from tongban.cases.constants import CaseStatus
from tongban.cases.joint import selectors
from tongban.cases.joint.constants import CERTIFICATE_REQUIRED, CertificateField, StepRole
from tongban.cases.joint.models import JointStep
from tongban.cases.joint.services import certificate_spec
from tongban.cases.models import Case
from tongban.catalog.constants import CrossRegionMode
from tongban.federation.constants import PeerStatus
from tongban.federation.models import Peer
from tongban.regions.models import Region

register = template.Library()


@register.inclusion_tag("cases/joint/_panel.html", takes_context=True)
def joint_panel(context: dict[str, Any], case: Case, viewer: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"case": case, "csrf_token": context.get("csrf_token"), "view": None}
    if case.item.cross_region_mode != CrossRegionMode.JOINT:
        return out
    is_applicant = bool(getattr(viewer, "is_applicant", False))
    joint = selectors.joint_for_case(case=case)
    if joint is None:
        if is_applicant and case.status == CaseStatus.DRAFT:
            peers = list(Peer.objects.filter(status=PeerStatus.ACTIVE).values_list("region_code", flat=True))
            names = dict(Region.objects.filter(code__in=peers).values_list("code", "name"))
            out["apply_regions"] = [(code, names.get(code, code)) for code in peers]
            out["can_apply"] = True
        return out
    view = selectors.joint_view(joint=joint)
    out["view"] = view
    local = next((s for s in view.steps if s.step.case_id == case.pk), None)
    if (
        local is not None
        and local.step.role == StepRole.OUTGOING
        and getattr(viewer, "is_department", False)
        and case.status in (CaseStatus.ACCEPTED, CaseStatus.UNDER_REVIEW)
    ):
        out["certificate_fields"] = [
            {
                "name": f.value,
                "label": str(f.label),
                "value": local.step.certificate.get(f.value, ""),
                "required": f.value in CERTIFICATE_REQUIRED,
            }
            for f in certificate_spec(joint.base_code)
        ]
    out["is_applicant"] = is_applicant
    return out


@register.inclusion_tag("cases/joint/_apply_note.html")
def joint_apply_note(item: Any, case: Case | None) -> dict[str, Any]:
    """On the apply page of a joint item: how the joint application is made (save, then submit it jointly)."""
    joint = getattr(item, "cross_region_mode", "") == CrossRegionMode.JOINT
    return {"show": joint, "case": case if case is not None and case.status == CaseStatus.DRAFT else None}


@register.simple_tag
def joint_badge(case: Case) -> SafeString | str:
    """“多地联办 · 转出” next to a case that is a step of a joint case (workbench rows)."""
    if case.item.cross_region_mode != CrossRegionMode.JOINT:
        return ""
    role = JointStep.objects.filter(case_id=case.pk).values_list("role", flat=True).first()
    if role is None:
        return ""
    return format_html(
        '<span class="tag tag-joint" data-joint-step="{}">{} · {}</span>',
        role,
        gettext("Joint case"),
        StepRole(role).label,
    )


@register.simple_tag
def certificate_field_label(name: str) -> str:
    return str(CertificateField(name).label) if name in CertificateField.values else name
