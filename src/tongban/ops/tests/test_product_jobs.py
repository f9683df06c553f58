"""The product's periodic jobs as the engine runs them: each does its work once, however often it runs."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import Notification, User
from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.models import Case
from tongban.cases.tests.factories import make_item, resident, staff
from tongban.core import jobs
from tongban.core.models import AuditEvent
from tongban.hotline import selectors as hotline_selectors
from tongban.hotline import services as hotline_services
from tongban.hotline.tests import factories as hf
from tongban.ops import engine
from tongban.ops.models import Job
from tongban.ops.periodic import referenced_files

pytestmark = pytest.mark.django_db


def _run(name: str) -> object:
    job_id = jobs.enqueue(name)
    return engine.execute(str(job_id))


def _commitment_case() -> tuple[Case, User]:
    item = make_item(commitment_allowed=True, commitment_text="本人承诺所填信息真实有效。")
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    applicant = resident()
    case = case_services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "赵六"})
    return case_services.case_sign_commitment(case=case, actor=applicant, agreed=True), reviewer


def test_an_overdue_commitment_verification_is_flagged_once_to_the_departments_reviewers() -> None:
    # given a commitment whose verification is past its due date, and one not yet due
    case, reviewer = _commitment_case()
    later, _ = _commitment_case()
    task = case.verification_task
    task.due_date = timezone.localdate() - dt.timedelta(days=1)
    task.save(update_fields=["due_date"])
    assert case_selectors.deadlines_at_risk()["verifications_overdue"] == 1
    # when the job runs, twice
    first = _run("cases.verification_deadlines")
    second = _run("cases.verification_deadlines")
    # then the overdue one is flagged once: one audit event on its case, one message per reviewer
    assert first == {"flagged": 1} and second == {"flagged": 0}
    events = AuditEvent.objects.filter(action="case.verification_overdue")
    assert [e.stream for e in events] == [case.stream]
    assert Notification.objects.filter(user=reviewer, subject__contains=str(case.number)).count() == 1
    assert not AuditEvent.objects.filter(stream=later.stream, action="case.verification_overdue").exists()


def test_a_verified_commitment_is_not_flagged() -> None:
    case, reviewer = _commitment_case()
    task = case.verification_task
    case_services.task_verify(task=task, actor=reviewer, ok=True)
    task.refresh_from_db()
    task.due_date = timezone.localdate() - dt.timedelta(days=5)
    task.save(update_fields=["due_date"])
    assert _run("cases.verification_deadlines") == {"flagged": 0}


def test_the_hotline_tick_job_supervises_an_overdue_ticket_once() -> None:
    ln = hf.line()
    old = hf.ticket(ln, category="consultation")
    hotline_services.ticket_dispatch(
        ticket=old, actor=ln.agent, department=ln.amr, now=timezone.now() - dt.timedelta(days=10)
    )
    assert hotline_selectors.tickets_at_risk()["tickets_overdue"] == 1
    assert _run("hotline.tick") == {"supervised": 1}
    assert _run("hotline.tick") == {"supervised": 0}
    assert hotline_selectors.tickets_at_risk()["tickets_overdue"] == 0


def test_the_cases_tick_job_runs_and_reports() -> None:
    assert _run("cases.tick") == {"reminded": 0, "terminated": 0, "recomputed": 0}
    assert Job.objects.get(name="cases.tick").status == "succeeded"


def test_the_sweep_removes_old_unreferenced_files_and_keeps_referenced_ones(settings: object, tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    settings.TONGBAN_FILES_DIR = root  # type: ignore[attr-defined]
    folder = root / "cases" / "1"
    folder.mkdir(parents=True)
    orphan, young = folder / "orphan.pdf", folder / "young.pdf"
    orphan.write_bytes(b"%PDF-1.4 orphan")
    young.write_bytes(b"%PDF-1.4 young")
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    assert "cases/1/orphan.pdf" not in referenced_files()
    assert _run("files.sweep_orphans") == {"removed": 1}
    assert not orphan.exists() and young.exists()
