from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _files_and_federation(settings: Any, tmp_path: Path) -> None:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    settings.TONGBAN_FEDERATION_SKEW_SECONDS = 60
    settings.TONGBAN_FEDERATION_KEY_REFRESH_SECONDS = 0
    settings.TONGBAN_FEDERATION_TIMEOUT = 1
