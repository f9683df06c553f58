"""Statuses and THE transition tables of public-resource trading (公共资源交易), and its legal limits.

One table per workflow, each moved through ``tongban.core.workflow.Workflow`` (``trading.workflows``):

- procedure (招标/采购/出让/产权交易项目的一个标段): draft → announced (公告) → opening (开标, bidders
  decrypt within the window) → opened (开标记录公布) → evaluating (评标) → evaluated (评标报告签署) →
  publicity (中标候选人公示) → awarded (定标/中标通知) → contracted (签约); failed (流标) and cancelled
  (终止) end it early; an upheld complaint sends a procedure in publicity back to evaluation.
- registration (报名), bid (投标文件: sealed → opened / invalid, withdrawn or replaced before the
  deadline, rejected by the panel), opening objection (开标异议), expert (专家), draw (抽取), seat
  (抽中的席位), summons (an expert's notice at the expert's home node), score sheet (评分表),
  evaluation report (评标报告), complaint (投诉).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.workflow import table


class ProcedureKind(models.TextChoices):
    CONSTRUCTION = "construction", _("Construction project tender")
    PROCUREMENT = "procurement", _("Government procurement")
    LAND = "land", _("Land-use right transfer")
    STATE_ASSETS = "state_assets", _("State-owned property rights transaction")


class ProcurementMethod(models.TextChoices):
    OPEN = "open", _("Open tender")
    SELECTIVE = "selective", _("Invited tender")


class ProcurementCategory(models.TextChoices):
    WORKS = "works", _("Works")
    GOODS = "goods", _("Goods")
    SERVICES = "services", _("Services")


class EvaluationMethod(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive evaluation")
    LOWEST_PRICE = "lowest_price", _("Lowest evaluated price")


class DecryptionFailure(models.TextChoices):
    """What the tender says about a bid its bidder does not decrypt within the opening window."""

    INVALID = "invalid", _("The bid is invalid")
    BACKUP = "backup", _("The backup copy may be opened")


class ProcedureStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ANNOUNCED = "announced", _("Announced, accepting bids")
    OPENING = "opening", _("Opening")
    OPENED = "opened", _("Opened")
    EVALUATING = "evaluating", _("Being evaluated")
    EVALUATED = "evaluated", _("Evaluated")
    PUBLICITY = "publicity", _("Candidates published")
    AWARDED = "awarded", _("Awarded")
    CONTRACTED = "contracted", _("Contract signed")
    FAILED = "failed", _("Failed (too few valid bids)")
    CANCELLED = "cancelled", _("Cancelled")


class ProcedureAction(models.TextChoices):
    PUBLISH = "publish", _("Publish the announcement")
    AMEND = "amend", _("Publish a clarification or amendment")
    OPEN = "open", _("Open the bids")
    CLOSE_OPENING = "close_opening", _("Close the opening")
    FAIL = "fail", _("Declare failed")
    START_EVALUATION = "start_evaluation", _("Start the evaluation")
    FINISH_EVALUATION = "finish_evaluation", _("Finish the evaluation")
    PUBLICISE = "publicise", _("Publish the candidates")
    REEVALUATE = "reevaluate", _("Evaluate again")
    AWARD = "award", _("Award")
    CONTRACT = "contract", _("Record the contract")
    CANCEL = "cancel", _("Cancel")


P = ProcedureStatus
PROCEDURE_TRANSITIONS = table(
    {
        ProcedureAction.PUBLISH: ({P.DRAFT}, P.ANNOUNCED),
        ProcedureAction.AMEND: ({P.ANNOUNCED}, P.ANNOUNCED),
        ProcedureAction.OPEN: ({P.ANNOUNCED}, P.OPENING),
        ProcedureAction.CLOSE_OPENING: ({P.OPENING}, P.OPENED),
        ProcedureAction.FAIL: ({P.OPENING, P.OPENED, P.EVALUATING, P.EVALUATED}, P.FAILED),
        ProcedureAction.START_EVALUATION: ({P.OPENED}, P.EVALUATING),
        ProcedureAction.FINISH_EVALUATION: ({P.EVALUATING}, P.EVALUATED),
        ProcedureAction.PUBLICISE: ({P.EVALUATED}, P.PUBLICITY),
        ProcedureAction.REEVALUATE: ({P.EVALUATED, P.PUBLICITY}, P.EVALUATING),
        ProcedureAction.AWARD: ({P.PUBLICITY}, P.AWARDED),
        ProcedureAction.CONTRACT: ({P.AWARDED}, P.CONTRACTED),
        ProcedureAction.CANCEL: (
            {P.DRAFT, P.ANNOUNCED, P.OPENING, P.OPENED, P.EVALUATING, P.EVALUATED, P.PUBLICITY},
            P.CANCELLED,
        ),
    }
)
PUBLISHED_STATES = frozenset(set(P.values) - {P.DRAFT})
ACCEPTING_BIDS = frozenset({P.ANNOUNCED})


class NoticeKind(models.TextChoices):
    TENDER = "tender", _("Tender announcement")
    CLARIFICATION = "clarification", _("Clarification")
    AMENDMENT = "amendment", _("Amendment")
    OPENING = "opening", _("Opening record")
    CANDIDATES = "candidates", _("Candidates publicity")
    AWARD = "award", _("Award announcement")
    CONTRACT = "contract", _("Contract announcement")
    FAILURE = "failure", _("Failure announcement")
    CANCELLATION = "cancellation", _("Cancellation announcement")


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RegistrationAction(models.TextChoices):
    WITHDRAW = "withdraw", _("Withdraw the registration")


REGISTRATION_TRANSITIONS = table(
    {RegistrationAction.WITHDRAW: ({RegistrationStatus.REGISTERED}, RegistrationStatus.WITHDRAWN)}
)


class BidStatus(models.TextChoices):
    SEALED = "sealed", _("Sealed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REPLACED = "replaced", _("Replaced")
    OPENED = "opened", _("Opened and verified")
    INVALID = "invalid", _("Invalid")
    REJECTED = "rejected", _("Rejected by the panel")


class BidAction(models.TextChoices):
    WITHDRAW = "withdraw", _("Withdraw the bid")
    REPLACE = "replace", _("Replace the bid")
    OPEN = "open", _("Open the bid")
    INVALIDATE = "invalidate", _("Declare the bid invalid")
    REJECT = "reject", _("Reject the bid")


B = BidStatus
BID_TRANSITIONS = table(
    {
        BidAction.WITHDRAW: ({B.SEALED}, B.WITHDRAWN),
        BidAction.REPLACE: ({B.SEALED}, B.REPLACED),
        BidAction.OPEN: ({B.SEALED}, B.OPENED),
        BidAction.INVALIDATE: ({B.SEALED}, B.INVALID),
        BidAction.REJECT: ({B.OPENED}, B.REJECTED),
    }
)
LIVE_BID_STATES = frozenset({B.SEALED, B.OPENED, B.INVALID, B.REJECTED})


class OpeningResult(models.TextChoices):
    VERIFIED = "verified", _("Decrypted; matches the commitment")
    BACKUP = "backup", _("Backup copy decrypted; matches the commitment")
    MISMATCH = "commitment_mismatch", _("Decrypted, but does not match the commitment")
    CONTENT_INVALID = "bid_content_invalid", _("Decrypted, but not a valid bid for this procedure")
    NOT_DECRYPTED = "not_decrypted", _("Not decrypted within the window")


class ObjectionStatus(models.TextChoices):
    RAISED = "raised", _("Raised")
    ANSWERED = "answered", _("Answered")


class ObjectionAction(models.TextChoices):
    ANSWER = "answer", _("Answer")


OBJECTION_TRANSITIONS = table({ObjectionAction.ANSWER: ({ObjectionStatus.RAISED}, ObjectionStatus.ANSWERED)})


class ExpertStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class ExpertAction(models.TextChoices):
    SUSPEND = "suspend", _("Suspend")
    REINSTATE = "reinstate", _("Reinstate")


EXPERT_TRANSITIONS = table(
    {
        ExpertAction.SUSPEND: ({ExpertStatus.ACTIVE}, ExpertStatus.SUSPENDED),
        ExpertAction.REINSTATE: ({ExpertStatus.SUSPENDED}, ExpertStatus.ACTIVE),
    }
)


class Specialty(models.TextChoices):
    BUILDING = "building", _("Building construction")
    MUNICIPAL = "municipal", _("Municipal works")
    COST = "cost", _("Cost engineering")
    ELECTROMECHANICAL = "electromechanical", _("Electrical and mechanical installation")
    IT = "it", _("Information technology")
    GOODS = "goods", _("General goods")
    LAND = "land", _("Land valuation")
    ASSETS = "assets", _("Asset valuation")
    LAW = "law", _("Law")


class ConflictKind(models.TextChoices):
    EMPLOYER = "employer", _("Works for the enterprise")
    FORMER_EMPLOYER = "former_employer", _("Worked for the enterprise in the last three years")
    RELATIVE = "relative", _("A close relative works for the enterprise")
    OTHER = "other", _("Other interest")


class DrawStatus(models.TextChoices):
    COMMITTED = "committed", _("Seed committed, list published")
    DRAWN = "drawn", _("Drawn, waiting for confirmations")
    COMPLETE = "complete", _("Panel complete")


class DrawAction(models.TextChoices):
    DRAW = "draw", _("Reveal the seed and draw")
    REDRAW = "redraw", _("Draw a replacement")
    COMPLETE = "complete", _("Complete the panel")


D = DrawStatus
DRAW_TRANSITIONS = table(
    {
        DrawAction.DRAW: ({D.COMMITTED}, D.DRAWN),
        DrawAction.REDRAW: ({D.DRAWN, D.COMPLETE}, D.DRAWN),
        DrawAction.COMPLETE: ({D.DRAWN}, D.COMPLETE),
    }
)


class SeatStatus(models.TextChoices):
    DRAWN = "drawn", _("Drawn, notified")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    RECUSED = "recused", _("Recused (conflict of interest)")


class SeatAction(models.TextChoices):
    CONFIRM = "confirm", _("Confirm")
    DECLINE = "decline", _("Decline")
    RECUSE = "recuse", _("Recuse")


SEAT_TRANSITIONS = table(
    {
        SeatAction.CONFIRM: ({SeatStatus.DRAWN}, SeatStatus.CONFIRMED),
        SeatAction.DECLINE: ({SeatStatus.DRAWN}, SeatStatus.DECLINED),
        SeatAction.RECUSE: ({SeatStatus.DRAWN, SeatStatus.CONFIRMED}, SeatStatus.RECUSED),
    }
)
SITTING = frozenset({SeatStatus.DRAWN, SeatStatus.CONFIRMED})


class SummonsStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the expert")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    RECUSED = "recused", _("Recused (conflict of interest)")


SUMMONS_TRANSITIONS = table(
    {
        SeatAction.CONFIRM: ({SummonsStatus.PENDING}, SummonsStatus.CONFIRMED),
        SeatAction.DECLINE: ({SummonsStatus.PENDING}, SummonsStatus.DECLINED),
        SeatAction.RECUSE: ({SummonsStatus.PENDING, SummonsStatus.CONFIRMED}, SummonsStatus.RECUSED),
    }
)


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VOID = "void", _("Void")


class SheetAction(models.TextChoices):
    SUBMIT = "submit", _("Submit the scores")
    REOPEN = "reopen", _("Reopen for re-evaluation")
    VOID = "void", _("Void")


SHEET_TRANSITIONS = table(
    {
        SheetAction.SUBMIT: ({SheetStatus.DRAFT}, SheetStatus.SUBMITTED),
        SheetAction.REOPEN: ({SheetStatus.SUBMITTED}, SheetStatus.DRAFT),
        SheetAction.VOID: ({SheetStatus.DRAFT, SheetStatus.SUBMITTED}, SheetStatus.VOID),
    }
)


class ReportStatus(models.TextChoices):
    SIGNING = "signing", _("Being signed")
    SIGNED = "signed", _("Signed by every expert")
    SUPERSEDED = "superseded", _("Superseded")


class ReportAction(models.TextChoices):
    SEAL = "seal", _("Seal the signed report")
    SUPERSEDE = "supersede", _("Supersede")


REPORT_TRANSITIONS = table(
    {
        ReportAction.SEAL: ({ReportStatus.SIGNING}, ReportStatus.SIGNED),
        ReportAction.SUPERSEDE: ({ReportStatus.SIGNING, ReportStatus.SIGNED}, ReportStatus.SUPERSEDED),
    }
)


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted for handling")
    REJECTED = "rejected", _("Not accepted")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ComplaintAction(models.TextChoices):
    ACCEPT = "accept", _("Accept for handling")
    REJECT = "reject", _("Do not accept")
    UPHOLD = "uphold", _("Uphold")
    DISMISS = "dismiss", _("Dismiss")
    WITHDRAW = "withdraw", _("Withdraw")


C = ComplaintStatus
COMPLAINT_TRANSITIONS = table(
    {
        ComplaintAction.ACCEPT: ({C.SUBMITTED}, C.ACCEPTED),
        ComplaintAction.REJECT: ({C.SUBMITTED}, C.REJECTED),
        ComplaintAction.UPHOLD: ({C.ACCEPTED}, C.UPHELD),
        ComplaintAction.DISMISS: ({C.ACCEPTED}, C.DISMISSED),
        ComplaintAction.WITHDRAW: ({C.SUBMITTED, C.ACCEPTED}, C.WITHDRAWN),
    }
)
PENDING_COMPLAINTS = frozenset({C.SUBMITTED, C.ACCEPTED})


class TradingRoleKind(models.TextChoices):
    OPERATOR = "operator", _("Trading centre operator")
    SUPERVISOR = "supervisor", _("Administrative supervisor")


# ------------------------------------------------------------------ legal limits
# 招标投标法 第24条, 政府采购货物和服务招标投标管理办法 第18条: at least 20 days from issuing the tender
# documents to the bid deadline; 招拍挂出让国有建设用地使用权规定 第10条: the announcement at least 20
# days before bidding starts; 企业国有资产交易监督管理办法 第13条: disclosure for at least 20 working days.
MINIMUM_DAYS: dict[str, int] = {
    ProcedureKind.CONSTRUCTION: 20,
    ProcedureKind.PROCUREMENT: 20,
    ProcedureKind.LAND: 20,
}
MINIMUM_WORKING_DAYS: dict[str, int] = {ProcedureKind.STATE_ASSETS: 20}
# 招标投标法 第23条: a clarification or amendment that may affect the bids at least 15 days before the deadline.
AMENDMENT_MINIMUM_DAYS = 15
# 招标投标法实施条例 第54条: the candidates are published for at least 3 days.
PUBLICITY_MINIMUM_DAYS = 3
# 工程建设项目招标投标活动投诉处理办法 第9条: a complaint within 10 days of knowing.
COMPLAINT_DAYS = 10
# 招标投标法实施条例 第44条: fewer than 3 bidders, no opening (流标).
MINIMUM_BIDS = 3
# 招标投标法 第37条: a panel of 5 or more, an odd number.
MINIMUM_EXPERTS = 5
# Experts who sat together on a panel within this many days are not drawn onto the same panel.
CO_EVALUATION_DAYS = 180
# A score further than this share of the criterion's range from the median of the panel is an outlier.
OUTLIER_SHARE = 0.3

# Sealing (the browser does it; the server checks what it can): AES-256-GCM, a key derived with
# PBKDF2-SHA256 from a secret that only the bidder holds.
CIPHER = "AES-256-GCM"
KDF = "PBKDF2-SHA256"
MIN_KDF_ITERATIONS = 100_000
MAX_BID_BYTES = 2 * 1024 * 1024
RECEIPT_TYP = "tongban-bid-receipt+jws"
OPENING_RECORD_TYP = "tongban-opening-record+jws"
REPORT_TYP = "tongban-evaluation-report+jws"
