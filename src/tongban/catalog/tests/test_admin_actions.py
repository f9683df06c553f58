"""Django admin actions publish drafts and start new drafts through the services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

import tongban.accounts.sessions  # noqa: F401 - connects the login-time stamp before force_login
from tongban.accounts.tests.factories import UserFactory
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.catalog.services import item_draft_create
from tongban.catalog.tests.builders import base_item, item_data
from tongban.core.models import AuditEvent
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_admin_actions_publish_and_start_drafts_and_report_refusals(client: Client) -> None:
    # given a superuser in the admin and a draft item
    root = UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(root)
    dept = DepartmentFactory.create(code="TJ-SCJG")
    draft = item_draft_create(
        actor=None, data=item_data(base=base_item(name="食品经营许可"), dept=dept, code="120000-SCJG-0001")
    )
    url = reverse("admin:catalog_serviceitem_changelist")
    # when the draft is published from the list
    response = client.post(url, {"action": "publish_drafts", "_selected_action": [draft.pk]}, follow=True)
    # then it is live, published by the superuser
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == ItemStatus.PUBLISHED
    event = AuditEvent.objects.filter(stream="item:120000-SCJG-0001").order_by("-seq").first()
    assert event is not None and (event.action, event.actor_id) == ("catalog.item_published", root.pk)
    # when a new draft is started, twice
    client.post(url, {"action": "start_drafts", "_selected_action": [draft.pk]})
    response = client.post(url, {"action": "start_drafts", "_selected_action": [draft.pk]}, follow=True)
    # then one draft exists and the second attempt is reported, in Chinese
    assert list(ServiceItem.objects.filter(code=draft.code).values_list("version", "status")) == [
        (2, ItemStatus.DRAFT),
        (1, ItemStatus.PUBLISHED),
    ]
    assert "该事项已有草稿" in response.content.decode()


def test_published_versions_are_read_only_in_the_admin(client: Client) -> None:
    # given a published version and a superuser in the admin
    root = UserFactory.create(is_superuser=True, is_staff=True)
    client.force_login(root)
    dept = DepartmentFactory.create(code="TJ-SCJG")
    item = item_draft_create(
        actor=None, data=item_data(base=base_item(name="食品经营许可"), dept=dept, code="120000-SCJG-0002")
    )
    ServiceItem.objects.filter(pk=item.pk).update(status=ItemStatus.PUBLISHED)
    url = reverse("admin:catalog_serviceitem_change", args=[item.pk])
    # when its change page is opened and a change is posted
    page = client.get(url)
    posted = client.post(url, {"name": "改名"})
    # then the page is read-only, the change is refused and nothing changed
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    item.refresh_from_db()
    assert item.name == "食品经营许可"
    assert client.post(reverse("admin:catalog_serviceitem_delete", args=[item.pk]), {"post": "yes"}).status_code == 403
    assert ServiceItem.objects.filter(pk=item.pk).exists()
