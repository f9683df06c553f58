from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tongban.accounts.tests.factories import EnterpriseMemberFactory, UserFactory
from tongban.accounts.tests.helpers import last_code

PASSWORD = "correct-horse-battery"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_resident_logs_in_with_password_and_code(
    page: Any, notify_log: Path, regions_loaded: None, axe_serious: Any
) -> None:
    # given a resident who represents an enterprise
    user = UserFactory.create(phone="13512345678")
    member = EnterpriseMemberFactory.create(user=user)
    # when they open the login page from the header
    page.goto("/accounts/register/")
    assert axe_serious(page) == []
    page.click("#login-link")
    assert axe_serious(page) == []
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    # then the code page says where the code went, and the code from the log logs them in
    page.wait_for_url("**/accounts/login/code/")
    assert "135****5678" in page.content()
    assert axe_serious(page) == []
    page.fill("#id_code", last_code(notify_log, user_id=user.pk))
    page.click("#code-submit")
    page.wait_for_url("**/accounts/register/")  # back where they came from
    page.goto("/accounts/profile/")
    assert member.enterprise.name in page.content()
    assert axe_serious(page) == []
    # when they choose to act for the enterprise, then the profile says so
    page.select_option("#acting-uscc", member.enterprise.uscc)
    page.click("#acting-now ~ form button[type=submit]")
    page.wait_for_load_state()
    assert member.enterprise.name in page.inner_text("#acting-now")
    # and logging out ends the session
    page.click("#logout-button")
    page.wait_for_url("**/accounts/login/")
    page.goto("/accounts/profile/")
    assert "/accounts/login/" in page.url
