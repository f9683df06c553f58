"""Writes of the case workflow, by sub-domain (``drafts``, ``intake``, ``decision``, ``commitment``,
``periodic``) and the public face other contexts use (``peers``).

Every transition locks the case row (``cases.store``), checks the actor's role, moves the case
through the case workflow (``cases.workflow.CASES`` on the kernel ``core.workflow``: the allowed
previous states in ``constants.TRANSITIONS``, the row saved with its audit event on ``case:<id>``
and the applicant's notice, SMS/email delivery after commit), all in one transaction.

Import the services from here (``from tongban.cases import services``); ``rules`` holds what they
share.
"""

from tongban.cases.errors import CaseNotFound, NotYourCase, ReasonRequired
from tongban.cases.services.commitment import case_sign_commitment, task_verify
from tongban.cases.services.decision import (
    case_approve,
    case_close,
    case_deliver,
    case_deny,
    case_issue_result,
    case_resume,
    case_start_review,
    case_suspend,
    case_terminate,
    case_withdraw,
)
from tongban.cases.services.drafts import (
    case_draft_create,
    case_draft_update,
    case_material_reference_licence,
    case_material_upload,
    case_supplement,
    material_attach_stored,
)
from tongban.cases.services.intake import (
    WindowApplicant,
    case_accept,
    case_accept_with_gaps,
    case_reject_at_intake,
    case_request_correction,
    case_resubmit,
    case_submit,
    case_window_receive,
    resident_for,
)
from tongban.cases.services.peers import (
    CaseDelivery,
    PeerActor,
    case_create_for_peer,
    case_deliver_for_peer,
    case_lock_as_applicant,
    case_lock_as_department,
    case_lock_for_rating,
    case_material_attach_for_peer,
    case_rating_recorded,
    case_resubmit_for_peer,
    case_submit_for_peer,
)
from tongban.cases.services.periodic import TickReport, cases_tick
from tongban.cases.services.rules import (
    DEPARTMENT_ROLES,
    INTAKE_ROLES,
    is_applicant_side,
    is_window_clerk_for,
    lock,
    require_applicant,
    require_department,
    require_intake,
    validate_delivery,
)

__all__ = [
    "DEPARTMENT_ROLES",
    "INTAKE_ROLES",
    "CaseDelivery",
    "CaseNotFound",
    "NotYourCase",
    "PeerActor",
    "ReasonRequired",
    "TickReport",
    "WindowApplicant",
    "case_accept",
    "case_accept_with_gaps",
    "case_approve",
    "case_close",
    "case_create_for_peer",
    "case_deliver",
    "case_deliver_for_peer",
    "case_deny",
    "case_draft_create",
    "case_draft_update",
    "case_issue_result",
    "case_lock_as_applicant",
    "case_lock_as_department",
    "case_lock_for_rating",
    "case_material_attach_for_peer",
    "case_material_reference_licence",
    "case_material_upload",
    "case_rating_recorded",
    "case_reject_at_intake",
    "case_request_correction",
    "case_resubmit",
    "case_resubmit_for_peer",
    "case_resume",
    "case_sign_commitment",
    "case_start_review",
    "case_submit",
    "case_submit_for_peer",
    "case_supplement",
    "case_suspend",
    "case_terminate",
    "case_window_receive",
    "case_withdraw",
    "cases_tick",
    "is_applicant_side",
    "is_window_clerk_for",
    "lock",
    "material_attach_stored",
    "require_applicant",
    "require_department",
    "require_intake",
    "resident_for",
    "task_verify",
    "validate_delivery",
]
