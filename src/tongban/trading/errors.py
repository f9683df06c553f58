"""The refusals of public-resource trading, each with a stable code and a Chinese message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class ProcedureNotFound(NotFound):
    default_code = "procedure_not_found"
    default_message = _("The procedure was not found.")


class BidNotFound(NotFound):
    default_code = "bid_not_found"
    default_message = _("The bid was not found.")


class ExpertNotFound(NotFound):
    default_code = "expert_not_found"
    default_message = _("The expert was not found.")


class OperatorRequired(PermissionDenied):
    default_code = "trading_operator_required"
    default_message = _("Only an operator of the trading centre may do this.")


class SupervisorRequired(PermissionDenied):
    default_code = "trading_supervisor_required"
    default_message = _("Only the administrative supervisor may do this.")


class NotActingForBidder(PermissionDenied):
    default_code = "bidder_forbidden"
    default_message = _("You may not act for this enterprise.")


class NotOnPanel(PermissionDenied):
    default_code = "expert_forbidden"
    default_message = _("You are not an expert of this procedure's panel.")


class ExpertRecused(PermissionDenied):
    default_code = "expert_recused"
    default_message = _("You have recused yourself from this procedure and may not evaluate it.")


class InvalidProcedure(ValidationFailed):
    default_code = "invalid_procedure"
    default_message = _("The procedure is incomplete or inconsistent.")


class DeadlineBelowMinimum(ValidationFailed):
    default_code = "deadline_below_legal_minimum"
    default_message = _("The bid deadline is earlier than the legal minimum allows.")


class AmendmentNeedsPostponement(ValidationFailed):
    default_code = "amendment_needs_postponement"
    default_message = _(
        "A clarification or amendment less than 15 days before the bid deadline must postpone the deadline."
    )


class RegistrationClosed(Conflict):
    default_code = "registration_closed"
    default_message = _("This procedure is not accepting registrations or bids now.")


class AlreadyRegistered(Conflict):
    default_code = "already_registered"
    default_message = _("This enterprise is already registered for the procedure.")


class NotRegistered(PermissionDenied):
    default_code = "not_registered"
    default_message = _("This enterprise has not registered for the procedure.")


class BidAfterDeadline(Conflict):
    default_code = "bid_after_deadline"
    default_message = _("The bid deadline has passed; the bid was refused.")


class BidAlreadySubmitted(Conflict):
    default_code = "bid_already_submitted"
    default_message = _("This enterprise has already submitted a bid; withdraw or replace it instead.")


class BidMalformed(ValidationFailed):
    default_code = "bid_malformed"
    default_message = _("The sealed bid is malformed.")


class OpeningBeforeDeadline(Conflict):
    default_code = "opening_before_deadline"
    default_message = _("The bids cannot be opened before the deadline.")


class OpeningWindowClosed(Conflict):
    default_code = "opening_window_closed"
    default_message = _("The decryption window has closed.")


class OpeningWindowOpen(Conflict):
    default_code = "opening_window_open"
    default_message = _("The decryption window is still open and not every bid is decrypted.")


class WrongKey(ValidationFailed):
    default_code = "bid_key_wrong"
    default_message = _("This key does not decrypt the bid. Check the secret and try again.")


class CommitmentMismatch(ValidationFailed):
    default_code = "commitment_mismatch"
    default_message = _("The decrypted bid does not match the commitment receipted at submission; the bid is invalid.")


class BidContentInvalid(ValidationFailed):
    default_code = "bid_content_invalid"
    default_message = _("The decrypted bid is not a valid bid for this procedure; the bid is invalid.")


class BackupNotAllowed(PermissionDenied):
    default_code = "backup_not_allowed"
    default_message = _("The tender does not allow opening a backup copy.")


class TooFewExperts(Conflict):
    default_code = "too_few_experts"
    default_message = _("Too few eligible experts remain after the avoidance rules; the draw was not made.")


class DrawNotReady(Conflict):
    default_code = "draw_not_ready"
    default_message = _("The expert panel is not complete.")


class ConflictAfterDraw(Conflict):
    default_code = "conflict_after_draw"
    default_message = _("The expert declared a conflict of interest after the draw and was replaced.")


class ScoreOutOfRange(ValidationFailed):
    default_code = "score_out_of_range"
    default_message = _("A score is outside the criterion's range.")


class ScoresIncomplete(ValidationFailed):
    default_code = "scores_incomplete"
    default_message = _("Every valid bid must be scored on every criterion.")


class OutlierUnexplained(ValidationFailed):
    default_code = "outlier_unexplained"
    default_message = _("A score far from the panel's median must be explained before the report.")


class EvaluationNotFinished(Conflict):
    default_code = "evaluation_not_finished"
    default_message = _("Not every expert of the panel has submitted their scores.")


class ReportNotSigned(Conflict):
    default_code = "report_not_signed"
    default_message = _("Not every expert has signed the evaluation report.")


class PublicityNotOver(Conflict):
    default_code = "publicity_not_over"
    default_message = _("The publicity period of the candidates has not ended.")


class ComplaintPending(Conflict):
    default_code = "complaint_pending"
    default_message = _("A complaint about this procedure is still being handled.")


class ComplaintTooLate(Conflict):
    default_code = "complaint_too_late"
    default_message = _("Complaints about this procedure are no longer accepted.")


class OcdsIncomplete(Conflict):
    default_code = "ocds_incomplete"
    default_message = _("This procedure has not been published; there is nothing to export yet.")


class OcdsInvalid(ValidationFailed):
    default_code = "ocds_invalid"
    default_message = _("The OCDS release does not validate against the schema.")


class SharedExpertReadOnly(PermissionDenied):
    default_code = "shared_expert_read_only"
    default_message = _("This expert belongs to another region's pool; only that region changes them.")
