"""In a real browser: a window clerk receives an application for another region's item and forwards
it; the region asks for a correction; the clerk supplies it. The pages pass axe-core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tongban.accounts.constants import StaffRoleKind
from tongban.cases.tests.factories import PDF_BYTES, staff
from tongban.cases.tests.test_browser_apply import log_in
from tongban.core.identifiers import make_resident_id
from tongban.forwarding.models import RemoteCase
from tongban.forwarding.tests.helpers import outbox, peer_item, pinned_peer, post
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HERE = "110000"
PEER = "120000"


@pytest.fixture(autouse=True)
def _regions(settings: Any) -> None:
    from tongban.web.tests.factories import ensure_regions

    ensure_regions()
    settings.TONGBAN_REGION = HERE


def test_clerk_receives_forwards_and_supplies_a_correction(
    page: Any, live_server: Any, axe_serious: Any, tmp_path: Path
) -> None:
    # given a peer whose item is offered for proxy receipt, and a window clerk here
    peer = pinned_peer(PEER)
    item = peer_item(PEER)
    clerk = staff(DepartmentFactory.create(region=Region.objects.get(code=HERE)), StaffRoleKind.WINDOW_CLERK)
    scan = tmp_path / "id.pdf"
    scan.write_bytes(PDF_BYTES)
    log_in(page, live_server, clerk)
    # when the clerk opens the other regions' items from the one-stop window and chooses the item
    page.goto("/cases/window/")
    page.click("text=其他地区事项（异地代收代办）")
    assert axe_serious(page) == []
    page.click(f"#peer-items a[href$='/{item.code}/']")
    # and fills in the applicant, the identity check, the form and both scans
    page.fill("#id_applicant_id_number", make_resident_id("120101", dt.date(1988, 8, 8), 4))
    page.fill("#id_applicant_name", "李四")
    page.check("input[name=identity_check][value=id_card_reader]")
    page.fill("#id_f-applicant_name", "李四")
    page.set_input_files("#file-ID", str(scan))
    page.set_input_files("#file-PLAN", str(scan))
    page.check("input[name=delivery_method][value=window]")
    assert axe_serious(page) == []
    page.click("button[type=submit].large")
    # then the case page shows it forwarded to the peer
    page.wait_for_selector("#case-status")
    assert "已转递" in page.inner_text("#case-status")
    assert axe_serious(page) == []
    remote = RemoteCase.objects.get()
    assert len(outbox("forwarding.submit")) == 1
    # when the peer asks for a corrected plan
    correction = {
        "forward_id": str(remote.forward_id),
        "seq": 2,
        "case_number": "120000-20261201-000042",
        "action": "request_correction",
        "status": "correction_requested",
        "occurred_at": timezone.now().isoformat(),
        "correction_materials": [{"code": "PLAN", "name": "场地平面图"}],
        "correction_note": "平面图不清晰",
    }
    post(Client(), peer, here=HERE, type="forwarding.status", payload=correction)
    # then the clerk finds it among the corrections to supply, uploads the plan and forwards it
    page.goto("/cross-region/received/?queue=correction")
    page.click("text=120000-20261201-000042")
    assert "平面图不清晰" in page.inner_text("#correction")
    assert axe_serious(page) == []
    page.set_input_files("#fix-PLAN", str(scan))
    page.click("#correction form[action$='/attach/'] button")
    page.click("text=转递补正材料")
    page.wait_for_selector("#case-status")
    assert "已转递" in page.inner_text("#case-status")
    assert len(outbox("forwarding.resubmit")) == 1
