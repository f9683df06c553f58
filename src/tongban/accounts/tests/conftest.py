from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings


@pytest.fixture
def notify_log(tmp_path: Path) -> Iterator[Path]:
    """Notifications go to a fresh file (the demo's file backend) for the test."""
    log = tmp_path / "notifications.log"
    with override_settings(TONGBAN_NOTIFY_BACKENDS=["file"], TONGBAN_NOTIFY_FILE=log):
        yield log


@pytest.fixture
def regions_loaded(transactional_db: Any) -> None:
    """Transactional tests flush the tables, regions loaded by a data migration included: reload them."""
    from tongban.regions.data import REGIONS
    from tongban.regions.models import Region

    if Region.objects.filter(code="120000").exists():
        return
    for code, name, name_en, level, parent in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent_id": parent}
        )
