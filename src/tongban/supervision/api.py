"""``/api/v1/supervision/``: rectification tasks of bad ratings (department and supervisor views)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from tongban.accounts.api_auth import api_auth
from tongban.accounts.models import User
from tongban.core.api_schemas import ErrorOut
from tongban.supervision import selectors, services
from tongban.supervision.constants import RectificationAction, RectificationStatus
from tongban.supervision.models import RectificationTask

router = Router(tags=["supervision"], auth=api_auth)

TaskId = Annotated[int, Field(ge=1, le=2**63 - 1)]


ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RectificationOut(Schema):
    id: int
    case_id: int
    case_number: str | None
    department: str
    stars: int
    tags: list[str]
    comment: str
    status: str
    due_date: dt.date
    due_provisional: bool
    overdue: bool
    report: str
    supervisor_note: str
    rounds: int

    @classmethod
    def from_task(cls, task: RectificationTask) -> RectificationOut:
        rating = task.rating
        return cls(
            id=task.pk,
            case_id=rating.case_id,
            case_number=rating.case.number,
            department=task.department.name,
            stars=rating.stars,
            tags=list(rating.tags),
            comment=rating.text,
            status=task.status,
            due_date=task.due_date,
            due_provisional=task.due_provisional,
            overdue=task.status != RectificationStatus.CLOSED and task.due_date < timezone.localdate(),
            report=task.report,
            supervisor_note=task.supervisor_note,
            rounds=task.rounds,
        )


class TransitionIn(Schema):
    action: RectificationAction
    note: str = Field(default="", max_length=4000)


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


@router.get("/rectifications", response={200: list[RectificationOut], **ERRORS}, summary="Rectification tasks")
def rectification_list(request: HttpRequest, status: RectificationStatus | None = None) -> list[RectificationOut]:
    tasks = selectors.rectification_tasks_for(user=_user(request), status=status)[:200]
    return [RectificationOut.from_task(t) for t in tasks]


@router.post(
    "/rectifications/{task_id}/transition", response={200: RectificationOut, **ERRORS}, summary="Follow up a task"
)
def rectification_transition(request: HttpRequest, payload: TransitionIn, task_id: TaskId) -> RectificationOut:
    task = selectors.rectification_get_for_user(user=_user(request), task_id=task_id)
    if "\x00" in payload.note:
        from tongban.core.errors import ValidationFailed

        raise ValidationFailed(code="invalid_characters")
    task = services.rectification_transition(task=task, actor=_user(request), action=payload.action, note=payload.note)
    return RectificationOut.from_task(selectors.rectification_get_for_user(user=_user(request), task_id=task.pk))
