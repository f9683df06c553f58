from __future__ import annotations

import pytest

from tongban.web.tests.factories import PortalCatalog, portal_catalog


@pytest.fixture
def catalog(db: None) -> PortalCatalog:
    return portal_catalog()
