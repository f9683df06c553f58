"""Guessing a ticket's check code is stopped per ticket and per address; rating counts too."""

from __future__ import annotations

import pytest
from django.test import Client

from tongban.hotline.models import Ticket
from tongban.hotline.tests import factories as f

pytestmark = pytest.mark.django_db


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_ten_wrong_codes_stop_the_ticket_even_from_another_address() -> None:
    # given a ticket and a stranger who guesses its check code from several addresses
    ln = f.line()
    t = f.ticket(ln)
    for i in range(10):
        guesser = Client(REMOTE_ADDR=f"198.51.100.{i}")
        assert (
            guesser.get("/api/v1/hotline/track", {"number": t.number, "check_code": _wrong(t.check_code)}).status_code
            == 404
        )
    # when anyone tries again, even with the right code
    caller = Client(REMOTE_ADDR="203.0.113.1")
    api = caller.get("/api/v1/hotline/track", {"number": t.number, "check_code": t.check_code})
    page = caller.get("/hotline/track/", {"number": t.number, "check_code": t.check_code})
    rated = caller.post(
        "/hotline/track/evaluate/", {"number": t.number, "check_code": t.check_code, "satisfaction": "satisfied"}
    )
    # then the ticket is stopped for a while, with a stable code
    assert api.status_code == 429 and api.json()["code"] == "too_many_attempts"
    assert page.status_code == 429 and "稍后" in page.content.decode()
    assert rated.status_code == 302
    assert Ticket.objects.get(pk=t.pk).satisfaction == ""
    # while another ticket can still be followed
    other = f.ticket(ln)
    assert (
        caller.get("/api/v1/hotline/track", {"number": other.number, "check_code": other.check_code}).status_code == 200
    )


def test_thirty_wrong_codes_from_one_address_stop_that_address() -> None:
    # given an address that guesses codes of many tickets (three each)
    ln = f.line()
    tickets = [f.ticket(ln) for _ in range(10)]
    guesser = Client(REMOTE_ADDR="198.51.100.77")
    for t in tickets:
        for _ in range(3):
            guesser.post(
                "/hotline/track/evaluate/",
                {"number": t.number, "check_code": _wrong(t.check_code), "satisfaction": "satisfied"},
            )
    # when it tries a ticket with the right code, then it is stopped
    fresh = f.ticket(ln)
    stopped = guesser.get("/api/v1/hotline/track", {"number": fresh.number, "check_code": fresh.check_code})
    assert stopped.status_code == 429 and stopped.json()["code"] == "too_many_attempts"
    # but the tickets themselves are not, from another address
    caller = Client(REMOTE_ADDR="203.0.113.2")
    assert (
        caller.get("/api/v1/hotline/track", {"number": fresh.number, "check_code": fresh.check_code}).status_code == 200
    )
    assert (
        caller.get(
            "/api/v1/hotline/track", {"number": tickets[0].number, "check_code": tickets[0].check_code}
        ).status_code
        == 200
    )
