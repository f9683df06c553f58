from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from oauth2_provider.models import get_access_token_model

from tongban.accounts.tests.factories import UserFactory
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_register_a_client_and_issue_a_bearer_token(api_client: Client) -> None:
    # given a department system registered from the command line
    out = io.StringIO()
    call_command(
        "oidc", "client", "--name", "不动产登记系统", "--redirect-uri", "https://bdc.example.gov.cn/cb", stdout=out
    )
    client = json.loads(out.getvalue())
    assert client["client_id"] and len(client["client_secret"]) >= 40
    # when a token is issued for a user
    user = UserFactory.create()
    out = io.StringIO()
    call_command("oidc", "token", "--client-id", client["client_id"], "--username", user.username, stdout=out)
    token = out.getvalue().strip()
    # then it is stored only as a checksum, works as a bearer on the API, and was audited
    assert not get_access_token_model().objects.filter(token=token).exists()
    r = api_client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["username"] == user.username
    assert AuditEvent.objects.filter(stream=f"user:{user.pk}", action="accounts.access_token_issued").exists()
    # an expired token is refused
    get_access_token_model().objects.filter(user=user).update(expires="2000-01-01T00:00:00Z")
    assert api_client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_command_refuses_bad_input() -> None:
    with pytest.raises(CommandError, match="invalid_redirect_uri"):
        call_command("oidc", "client", "--name", "x", "--redirect-uri", "not a url")
    with pytest.raises(CommandError, match="client_not_found"):
        call_command("oidc", "token", "--client-id", "nope", "--username", UserFactory.create().username)


def test_claims_for_staff_and_pairwise_subjects() -> None:
    from tongban.accounts.constants import StaffRoleKind
    from tongban.accounts.oidc import pairwise_subject, user_claims
    from tongban.accounts.tests.factories import StaffFactory
    from tongban.regions.tests.factories import DepartmentFactory

    # given a reviewer of a department
    department = DepartmentFactory.create()
    staff = StaffFactory.create(roles=[(department, StaffRoleKind.REVIEWER)])
    # then the claims say staff, with the department role, and no ID number
    claims = user_claims(staff)
    assert claims["kind"] == "staff" and claims["region"] == "120000"
    assert claims["roles"] == [{"department": department.code, "department_name": department.name, "role": "reviewer"}]
    assert "id_number_masked" not in claims
    # and the subject differs between two department systems but is stable for each
    a = pairwise_subject(user=staff, client_id="client-a")
    assert a == pairwise_subject(user=staff, client_id="client-a")
    assert a != pairwise_subject(user=staff, client_id="client-b")
