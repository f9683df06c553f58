"""The demo data: 京津冀 pools and a 雄安 tender evaluated by experts of all three regions; idempotent."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from tongban.trading import demo, ocds, pool
from tongban.trading.constants import ProcedureStatus
from tongban.trading.models import Draw, Expert, Procedure, Release

pytestmark = pytest.mark.django_db


def test_the_demo_runs_a_xiongan_tender_with_experts_of_three_regions(settings: Any, standards_dir: Path) -> None:
    settings.TONGBAN_REGION = "120000"
    out = io.StringIO()
    demo.load(stdout=out)
    xiongan = Procedure.objects.get(number="XA-2026-001-01")
    assert xiongan.status == ProcedureStatus.CONTRACTED
    draw = Draw.objects.get(procedure=xiongan)
    assert {s.expert.origin_region_id for s in draw.seats.select_related("expert")} == {"110000", "120000", "130000"}
    assert pool.draw_verify(draw)
    for release in Release.objects.filter(procedure=xiongan):
        assert ocds.release_errors(json.loads(release.data), folder=standards_dir / "ocds-1.1.5") == []
    assert Procedure.objects.get(number="TJ-2026-101-01").status == ProcedureStatus.ANNOUNCED
    assert "雄安 tender XA-2026-001-01 contracted" in out.getvalue()
    # a second run changes nothing
    counts = (Procedure.objects.count(), Expert.objects.count(), Release.objects.count())
    demo.load(stdout=io.StringIO())
    assert (Procedure.objects.count(), Expert.objects.count(), Release.objects.count()) == counts
