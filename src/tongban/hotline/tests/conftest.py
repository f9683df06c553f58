from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _line_region(settings: pytest.FixtureRequest) -> None:
    settings.TONGBAN_REGION = "120000"  # type: ignore[attr-defined]
