"""Every route of the hotline API is reachable: GET /tickets/{pk}/suggestions and /duplicates were
shadowed by POST /tickets/{pk}/{action} (registered first, Django matched it and answered 405)."""

from __future__ import annotations

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.hotline.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("part", ["suggestions", "duplicates"])
def test_ticket_suggestions_and_duplicates_answer_get(part: str) -> None:
    # given an agent and a ticket of their line
    line = f.line()
    ticket = f.ticket(line)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(line.agent)
    # when they ask for the ticket's dispatch suggestions or possible duplicates
    response = client.get(f"/api/v1/hotline/tickets/{ticket.pk}/{part}")
    # then the GET route answers (a list), not 405 from the POST action route
    assert response.status_code == 200, response.content[:200]
    assert isinstance(response.json(), list)
    # and the actions still work
    done = client.post(f"/api/v1/hotline/tickets/{ticket.pk}/accept", {}, content_type="application/json")
    assert done.status_code != 405
