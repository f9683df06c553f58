"""In a real browser: an applicant chooses an electronic licence instead of uploading a material (免提交),
with explicit consent; the reviewer sees the licence verified on the case page; the holder sees the uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tongban.accounts.constants import StaffRoleKind
from tongban.cases.constants import CaseStatus, MaterialStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff
from tongban.cases.tests.test_browser_apply import log_in
from tongban.catalog.tests.factories import MaterialFactory
from tongban.licences.models import LicenceUse
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _regions(settings: Any, tmp_path: Path) -> None:
    """An earlier transactional test's flush may have removed the shipped regions; load them again."""
    from tongban.web.tests.factories import ensure_regions

    ensure_regions()
    settings.TONGBAN_FILES_DIR = tmp_path / "files"


def test_applicant_uses_a_licence_instead_of_uploading_and_reviewer_sees_it_verified(
    page: Any, live_server: Any, axe_serious: Any, tmp_path: Path
) -> None:
    # given an item whose third material a licence type can replace, and an applicant holding such a licence
    ltype = LicenceTypeFactory.create(name="食品经营许可证")
    item = make_item()
    MaterialFactory(
        item=item, code="LIC", name="食品经营许可证复印件", order=3, required=True, licence_type_code=ltype.code
    )
    applicant = resident()
    licence = make_licence(licence_type=ltype, holder_id=applicant.id_number, holder_name=applicant.full_name)
    reviewer = staff(item.department, StaffRoleKind.REVIEWER)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF_BYTES)

    # when the applicant opens the apply page
    log_in(page, live_server, applicant)
    page.goto(f"/cases/apply/{item.code}/")
    # then the material offers their licence instead of an upload
    options = page.locator("#licence-number-LIC option").all_inner_texts()
    assert any(licence.number in o for o in options)
    assert axe_serious(page) == []

    # when they upload the two other materials, choose the licence, consent and submit
    page.set_input_files("#file-ID", str(scan))
    page.set_input_files("#file-PLAN", str(scan))
    page.select_option("#licence-number-LIC", licence.number)
    page.check("#licence-consent-LIC")
    page.click("button[value=submit]")

    # then the case is submitted with the licence referenced, not a file
    page.wait_for_selector("#case-number")
    case = Case.objects.get(applicant=applicant)
    assert case.status == CaseStatus.SUBMITTED
    row = case.materials.get(material__code="LIC")
    assert row.status == MaterialStatus.LICENCE and row.licence_number == licence.number and not row.file

    # when the reviewer opens the case
    log_in(page, live_server, reviewer)
    page.goto(f"/cases/{case.pk}/")
    # then the licence is shown verified now, with its issuer and each check passed
    check = page.inner_text("#licence-check-LIC")
    assert "已核验" in check and ltype.department.name in check and "有效" in check
    for label in ("编号及校验位", "发证机关签名", "持证人为申请人", "当前状态"):
        assert f"✓ {label}" in check
    assert axe_serious(page) == []

    # and the holder's list of uses shows the use in the case and the reviewer's check
    log_in(page, live_server, applicant)
    page.goto("/licences/mine/uses/")
    uses = page.inner_text("main")
    assert licence.number in uses and str(case.number) in uses
    kinds = set(LicenceUse.objects.filter(licence=licence).values_list("kind", flat=True))
    assert kinds == {"used_in_case", "verified"}
