"""Why a node refuses a message or a peer: stable codes, Chinese messages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed


class MessageRefused(ApplicationError):
    """A federation message was refused; ``code`` says why (answered as JSON ``{"code","message"}``)."""

    status = 400
    default_code = "malformed_message"
    default_message = _("The message is malformed.")


def unsigned() -> MessageRefused:
    return MessageRefused(_("The message is not a signed JWS."), code="unsigned", status=400)


def malformed(detail: str = "") -> MessageRefused:
    return MessageRefused(
        _("The message is malformed."),
        code="malformed_message",
        status=400,
        details={"detail": detail} if detail else None,
    )


def unknown_sender() -> MessageRefused:
    return MessageRefused(_("The sender is not a trusted peer of this node."), code="unknown_sender", status=403)


def unknown_key() -> MessageRefused:
    return MessageRefused(
        _("The message is signed with a key not pinned for its sender."), code="unknown_key", status=401
    )


def bad_signature() -> MessageRefused:
    return MessageRefused(
        _("The signature does not verify: the message was forged or altered."), code="bad_signature", status=401
    )


def misaddressed() -> MessageRefused:
    return MessageRefused(_("The message is addressed to another node."), code="misaddressed", status=421)


def too_old() -> MessageRefused:
    return MessageRefused(_("The message is too old."), code="message_too_old", status=400)


def from_future() -> MessageRefused:
    return MessageRefused(_("The message is dated in the future."), code="message_from_future", status=400)


def already_received() -> MessageRefused:
    return MessageRefused(_("This message was already received."), code="already_received", status=409)


def unknown_type() -> MessageRefused:
    return MessageRefused(_("This node does not know the message type."), code="unknown_type", status=422)


def unsupported_version() -> MessageRefused:
    return MessageRefused(
        _("This node does not know this schema version of the message type."),
        code="unsupported_schema_version",
        status=422,
    )


class PeerError(ValidationFailed):
    default_code = "peer_invalid"
    default_message = _("The peer could not be added.")


def peer_unreachable(detail: str) -> PeerError:
    return PeerError(_("The peer node could not be reached."), code="peer_unreachable", details={"detail": detail})


def fingerprint_mismatch() -> PeerError:
    return PeerError(_("No key of the peer has this fingerprint."), code="fingerprint_mismatch")


def base_url_mismatch() -> PeerError:
    return PeerError(_("The peer announces another base URL."), code="base_url_mismatch")


def announcement_invalid() -> PeerError:
    return PeerError(_("The peer's key announcement is not signed by a pinned key."), code="announcement_invalid")


def bundle_invalid(detail: str) -> PeerError:
    return PeerError(_("The trust bundle is invalid."), code="bundle_invalid", details={"detail": detail})


def own_region() -> PeerError:
    return PeerError(_("A node cannot be its own peer."), code="own_region")


def peer_exists() -> Conflict:
    return Conflict(_("This region already has a peer."), code="peer_exists")


def peer_not_found() -> NotFound:
    return NotFound(_("No such peer."), code="peer_not_found")


def unknown_recipient() -> ValidationFailed:
    return ValidationFailed(_("The recipient region is not an active peer."), code="unknown_recipient")


def invalid_type_name() -> ValidationFailed:
    return ValidationFailed(_("The message type name is invalid."), code="invalid_type_name")


def message_not_found() -> NotFound:
    return NotFound(_("No such message."), code="message_not_found")


def answer_invalid(detail: str = "") -> MessageRefused:
    return MessageRefused(
        _("The peer's answer could not be trusted."),
        code="answer_invalid",
        status=502,
        details={"detail": detail} if detail else None,
    )


def peer_down(detail: str = "") -> MessageRefused:
    return MessageRefused(
        _("The peer node cannot be reached."),
        code="peer_down",
        status=503,
        details={"detail": detail} if detail else None,
    )
