from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connections

from tongban.accounts import services
from tongban.accounts.models import LoginAttempt, User
from tongban.accounts.tests.factories import UserFactory
from tongban.core.errors import ApplicationError


@pytest.mark.django_db(transaction=True)
def test_concurrent_failures_stop_the_address_exactly_at_the_limit(regions_loaded: None) -> None:
    """Each thread has its own database connection, as separate processes would; the row lock
    on the account makes the count exact: five failures from one address stop it, the rest are
    refused as stopped, all with the one answer, and the account itself is not locked."""
    user = UserFactory.create(phone="13400001234")
    results: list[str] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            for _try in range(500):
                try:
                    services.login_start(username=user.username, password="wrong", source="10.0.0.1")
                except ApplicationError as exc:
                    with lock:
                        results.append(exc.code)
                    return
                except OperationalError as exc:
                    # the test database of SQLite is in memory with a shared cache: a busy table
                    # answers at once instead of waiting, so wait here (PostgreSQL waits on the row)
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.02)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly five failures were counted and three met the stop, all with the same answer
    assert results == ["invalid_credentials"] * 8
    assert LoginAttempt.objects.filter(user=user, reason="wrong_password").count() == 5
    assert LoginAttempt.objects.filter(user=user, reason="locked").count() == 3
    user.refresh_from_db()
    assert user.locked_until is None
    _ = User  # the account row is the lock
