"""``tongban catalog``: exports to stdout or a file, import with located errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from tongban.accounts.tests.factories import UserFactory
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.builders import demo_like_catalog
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("catalog", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cpsv_export_goes_to_stdout_and_can_be_limited_to_a_region() -> None:
    demo_like_catalog()
    out, _err = run("export", "--format", "cpsv-ap")
    doc = json.loads(out)
    services = [n for n in doc["@graph"] if n["@type"] == "cpsv:PublicService"]
    assert len(services) == 3
    out, _err = run("export", "--format", "cpsv-ap", "--region", "110000")
    assert [n["dct:identifier"] for n in json.loads(out)["@graph"] if n["@type"] == "cpsv:PublicService"] == [
        "110000-SCJG-0001"
    ]


def test_xlsx_export_needs_an_output_file(tmp_path: Path) -> None:
    demo_like_catalog()
    with pytest.raises(CommandError, match="--output"):
        run("export", "--format", "xlsx")
    target = tmp_path / "list.xlsx"
    out, _err = run("export", "--format", "xlsx", "--output", str(target), "--region", "120000")
    assert "list.xlsx" in out
    assert load_workbook(target)["事项"].max_row == 4  # two header rows and two items


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--format", "pdf"),
        ("export",),
        ("export", "--format", "cpsv-ap", "--region", "999999"),
        ("frobnicate",),
        ("import",),
        ("import", "/no/such/file.xlsx"),
    ],
)
def test_bad_arguments_are_refused(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run(*args)


def test_import_round_trip_and_summary(tmp_path: Path) -> None:
    demo_like_catalog()
    target = tmp_path / "list.xlsx"
    run("export", "--format", "xlsx", "--output", str(target))
    ServiceItem.objects.filter(code="110000-SCJG-0001").delete()
    out, _err = run("import", str(target))
    assert "1 created, 0 updated, 2 unchanged" in out
    # the audit events of the import say they came from the command line
    assert AuditEvent.objects.filter(stream="item:110000-SCJG-0001", source="cli").count() == 2


def test_import_errors_are_printed_one_per_line_and_nothing_is_imported(tmp_path: Path) -> None:
    demo_like_catalog()
    target = tmp_path / "list.xlsx"
    run("export", "--format", "xlsx", "--output", str(target))
    wb = load_workbook(target)
    ws = wb["事项"]
    keys = [c.value for c in ws[2]]
    ws.cell(row=3, column=keys.index("promised_limit_days") + 1, value="很快")
    wb.save(target)
    before = ServiceItem.objects.count(), AuditEvent.objects.count()
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("catalog", "import", str(target), stdout=StringIO(), stderr=err)
    assert "sheet 事项, row 3, column 承诺办结时限（工作日）: 请输入整数。" in err.getvalue().splitlines()
    assert (ServiceItem.objects.count(), AuditEvent.objects.count()) == before


def test_import_as_an_unknown_or_unauthorised_user_is_refused(tmp_path: Path) -> None:
    demo_like_catalog()
    target = tmp_path / "list.xlsx"
    run("export", "--format", "xlsx", "--output", str(target))
    with pytest.raises(CommandError, match="no active user"):
        run("import", str(target), "--actor", "nobody")
    resident = UserFactory.create(username="resident1")
    err = StringIO()
    wb = load_workbook(target)
    ws = wb["事项"]
    keys = [c.value for c in ws[2]]
    ws.cell(row=3, column=keys.index("limit_note") + 1, value="改过的说明")
    wb.save(target)
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(target), "--actor", resident.username, stdout=StringIO(), stderr=err)
    assert "permission_denied" not in err.getvalue()  # reasons are in Chinese, codes stay internal
    assert "您无权修改" in err.getvalue()


def test_exit_codes_from_the_console_command(tmp_path: Path) -> None:
    # the real console script (no database is needed to refuse these)
    env = {
        **os.environ,
        "TONGBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "TONGBAN_VAR_DIR": str(tmp_path),
    }

    def tongban(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "tongban", "catalog", *args], env=env, capture_output=True, text=True, timeout=120
        )

    not_a_workbook = tmp_path / "list.xlsx"
    not_a_workbook.write_text("这不是工作簿", encoding="utf-8")
    bad = tongban("import", str(not_a_workbook))
    assert bad.returncode == 1
    assert "file: 文件不是Excel工作簿（.xlsx）。" in bad.stderr.splitlines()
    usage = tongban("export", "--format", "pdf")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
