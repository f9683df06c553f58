from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings


@pytest.fixture
def notify_log(tmp_path: Path) -> Iterator[Path]:
    """Notifications go to a fresh file (the demo's file backend) for the test."""
    log = tmp_path / "notifications.log"
    with override_settings(TONGBAN_NOTIFY_BACKENDS=["file"], TONGBAN_NOTIFY_FILE=log):
        yield log
