"""Errors of cross-region cases: stable codes, Chinese messages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed


class InvalidPayload(ValidationFailed):
    default_code = "invalid_payload"
    default_message = _("The message's payload does not match its schema.")


class ForwardNotFound(NotFound):
    """Unknown forwarding id, or one that belongs to another peer (answered the same, so ids cannot be probed)."""

    default_code = "forward_not_found"
    default_message = _("No case with this forwarding id is shared with the sender.")


class RemoteCaseNotFound(NotFound):
    default_code = "remote_case_not_found"
    default_message = _("The case was not found.")


class NotAllowed(PermissionDenied):
    default_code = "forwarding_forbidden"
    default_message = _("You may not act on this case.")


class PeerItemNotFound(NotFound):
    default_code = "peer_item_not_found"
    default_message = _("The other region does not offer this item for this kind of application.")


class InvalidRemoteTransition(Conflict):
    default_code = "invalid_transition"
    default_message = _("This action is not allowed in the current state.")


def forward_conflict() -> ApplicationError:
    return Conflict(_("This forwarding id is already used by another region."), code="forward_conflict")
