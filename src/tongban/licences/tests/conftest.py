from __future__ import annotations

from typing import Any

import pytest

# The login-time stamp receiver must be connected before ``force_login`` (it is otherwise
# connected when the middleware module is first imported, on the first request).
import tongban.accounts.sessions  # noqa: F401
from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.licences.models import LicenceType
from tongban.licences.tests.factories import LicenceTypeFactory


@pytest.fixture
def licence_type(db: Any) -> LicenceType:
    return LicenceTypeFactory.create()


@pytest.fixture
def resident(db: Any) -> User:
    return UserFactory.create(kind=UserKind.RESIDENT)


@pytest.fixture
def other_resident(db: Any) -> User:
    return UserFactory.create(kind=UserKind.RESIDENT)


@pytest.fixture
def licence_admin(licence_type: LicenceType) -> User:
    return StaffFactory.create(roles=[(licence_type.department, StaffRoleKind.LICENCE_ADMIN)])
