from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _case_files(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"  # type: ignore[attr-defined]
