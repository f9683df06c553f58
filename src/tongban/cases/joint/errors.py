"""Why a joint case or a joint message is refused: stable codes, Chinese messages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed


class JointNotFound(NotFound):
    default_code = "joint_not_found"
    default_message = _("The joint case was not found.")


def payload_invalid(details: Any) -> ValidationFailed:
    return ValidationFailed(
        _("The joint case message is invalid."), code="joint_payload_invalid", details={"errors": details}
    )


def not_a_party() -> PermissionDenied:
    return PermissionDenied(
        _("The sending region is not a party to this joint case, or does not run this step."),
        code="joint_not_a_party",
    )


def joint_exists() -> Conflict:
    return Conflict(_("This joint case already exists."), code="joint_exists")


def not_joint_item() -> Conflict:
    return Conflict(_("This item is not handled jointly across regions (多地联办)."), code="item_not_joint")


def no_joint_item() -> NotFound:
    return NotFound(
        _("This region does not publish the item for joint handling across regions."), code="joint_item_unavailable"
    )


def same_region() -> ValidationFailed:
    return ValidationFailed(_("The other region must differ from this one."), code="joint_same_region")


def region_not_peer() -> ValidationFailed:
    return ValidationFailed(_("The other region is not a connected peer of this node."), code="joint_region_not_peer")


def invalid_role() -> ValidationFailed:
    return ValidationFailed(_("Choose transfer in or transfer out."), code="joint_invalid_role")


def applicant_id_required() -> ValidationFailed:
    return ValidationFailed(
        _("A joint case needs the applicant's resident ID number."), code="joint_applicant_id_required"
    )


def already_joint() -> Conflict:
    return Conflict(_("This case is already part of a joint case."), code="joint_exists")


def waiting_for_outgoing() -> Conflict:
    return Conflict(
        _("The transfer-out step in the other region has not been approved with its certificate yet."),
        code="joint_waiting_for_outgoing",
    )


def certificate_required() -> Conflict:
    return Conflict(
        _("Record the transfer certificate before approving the transfer-out step."),
        code="joint_certificate_required",
    )


def certificate_invalid(details: dict[str, list[dict[str, str]]]) -> ValidationFailed:
    return ValidationFailed(
        _("Some fields of the transfer certificate are invalid."), code="joint_certificate_invalid", details=details
    )


def not_outgoing_step() -> Conflict:
    return Conflict(_("Only the transfer-out step issues the transfer certificate."), code="joint_not_outgoing_step")


def certificate_closed() -> InvalidTransition:
    return InvalidTransition(
        _("The certificate can be recorded only while the step is accepted or under review."),
        code="joint_certificate_closed",
    )


def step_not_found() -> NotFound:
    return NotFound(_("This case is not a step of a joint case."), code="joint_step_not_found")
