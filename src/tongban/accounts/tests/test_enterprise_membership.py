from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from tongban.accounts.constants import MemberRole
from tongban.accounts.selectors import (
    ACTING_ENTERPRISE_SESSION_KEY,
    acting_enterprise,
    enterprises_for_user,
    user_can_act_for,
)
from tongban.accounts.tests.factories import EnterpriseFactory, EnterpriseMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_legal_representative_and_current_agent_may_act() -> None:
    # given an enterprise with its legal representative and an agent authorised until next week
    rep = EnterpriseMemberFactory.create()
    today = dt.date.today()
    agent = EnterpriseMemberFactory.create(
        enterprise=rep.enterprise, role=MemberRole.AGENT, authorised_until=today + dt.timedelta(days=7)
    )
    # when / then both may act for it, and it is listed for both
    assert user_can_act_for(user=rep.user, enterprise=rep.enterprise)
    assert user_can_act_for(user=agent.user, enterprise=rep.enterprise)
    assert list(enterprises_for_user(user=agent.user)) == [rep.enterprise]


def test_non_member_expired_future_and_inactive_agents_may_not_act() -> None:
    # given an enterprise and agents outside their authorisation
    enterprise = EnterpriseFactory.create()
    today = dt.date.today()
    expired = EnterpriseMemberFactory.create(
        enterprise=enterprise,
        role=MemberRole.AGENT,
        authorised_from=today - dt.timedelta(days=30),
        authorised_until=today - dt.timedelta(days=1),
    )
    future = EnterpriseMemberFactory.create(
        enterprise=enterprise, role=MemberRole.AGENT, authorised_from=today + dt.timedelta(days=1)
    )
    revoked = EnterpriseMemberFactory.create(enterprise=enterprise, role=MemberRole.AGENT, active=False)
    stranger = UserFactory.create()
    # then none of them may act for it
    for user in (expired.user, future.user, revoked.user, stranger):
        assert not user_can_act_for(user=user, enterprise=enterprise)
        assert not enterprises_for_user(user=user).exists()


def test_enterprise_uscc_is_validated_and_unique() -> None:
    # given a code with a wrong check character
    enterprise = EnterpriseFactory.build(uscc="91120101000100000X")
    # then model validation refuses it
    with pytest.raises(ValidationError) as err:
        enterprise.full_clean()
    assert "uscc" in err.value.message_dict
    # and the same valid code cannot be registered twice
    existing = EnterpriseFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseFactory.create(uscc=existing.uscc)


def test_acting_enterprise_from_session_only_while_member() -> None:
    # given a member who picked the enterprise in the session
    member = EnterpriseMemberFactory.create()
    request = RequestFactory().get("/")
    request.user = member.user
    request.session = {ACTING_ENTERPRISE_SESSION_KEY: member.enterprise.pk}  # type: ignore[assignment]
    # then the selector returns it
    assert acting_enterprise(request) == member.enterprise
    # when the membership is revoked, then nobody can act for it through the old session
    member.active = False
    member.save(update_fields=["active"])
    assert acting_enterprise(request) is None
    # and a stranger with the same session value gets nothing
    request.user = UserFactory.create()
    assert acting_enterprise(request) is None
