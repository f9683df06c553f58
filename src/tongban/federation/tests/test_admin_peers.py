"""Administrators manage peers from the admin: add by URL + fingerprint or trust bundle, refresh, remove."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import tongban.accounts.sessions  # noqa: F401 - connects the login-time stamp before force_login
from tongban.accounts.tests.factories import UserFactory
from tongban.core.models import AuditEvent
from tongban.federation.models import Peer
from tongban.federation.tests.factories import KeyedPeer

pytestmark = pytest.mark.django_db

ADD = "/admin/federation/peer/add/"


@pytest.fixture
def root_client(client: Client) -> Client:
    client.force_login(UserFactory.create(is_superuser=True, is_staff=True))
    return client


def _bundle_file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("bundle.json", content, content_type="application/json")


def test_a_trust_bundle_uploaded_in_the_admin_pins_the_peer_and_is_audited(root_client: Client) -> None:
    # given a peer region's trust bundle
    peer = KeyedPeer(region="110000")
    # when the administrator uploads it on the add page
    response = root_client.post(
        ADD, {"bundle": _bundle_file(json.dumps(peer.bundle()).encode())}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then the peer is pinned with its key, and the change is audited
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("admin:federation_peer_changelist")
    pinned = Peer.objects.get(region_code="110000")
    assert [k.kid for k in pinned.keys.all()] == [peer.kid]
    assert AuditEvent.objects.filter(action="federation.peer_added").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "二选一"),
        ({"base_url": "http://127.0.0.1:9"}, "须同时填写"),
        ({"bundle": b"not json"}, "不是有效的 JSON"),
        ({"bundle": b'{"format": "something-else"}'}, "bundle_invalid"),
        ({"base_url": "http://127.0.0.1:9", "fingerprint": "abc"}, "peer_unreachable"),
    ],
)
def test_bad_peer_additions_say_why_in_chinese_and_pin_nothing(
    root_client: Client, data: dict[str, object], message: str
) -> None:
    # given a form with nothing, half of the pair, a broken bundle, or a node that does not answer
    if isinstance(data.get("bundle"), bytes):
        data = {**data, "bundle": _bundle_file(data["bundle"])}  # type: ignore[arg-type]
    # when it is submitted
    response = root_client.post(ADD, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then the page says why and no peer is pinned
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Peer.objects.exists()
    assert not AuditEvent.objects.filter(action="federation.peer_added").exists()


def test_removing_peers_goes_through_the_audited_service(root_client: Client) -> None:
    # given two pinned peers
    root_client.post(ADD, {"bundle": _bundle_file(json.dumps(KeyedPeer(region="110000").bundle()).encode())})
    root_client.post(ADD, {"bundle": _bundle_file(json.dumps(KeyedPeer(region="130000").bundle()).encode())})
    hebei = Peer.objects.get(region_code="130000")
    # when the administrator removes one from the list
    url = reverse("admin:federation_peer_changelist")
    response = root_client.post(
        url, {"action": "remove_peers", "_selected_action": [hebei.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then it is gone, the other stays, and the removal is audited
    assert "已移除 1 个对等节点" in response.content.decode()
    assert list(Peer.objects.values_list("region_code", flat=True)) == ["110000"]
    assert AuditEvent.objects.filter(action="federation.peer_removed").count() == 1


def test_refreshing_an_unreachable_peer_reports_the_error_and_changes_nothing(root_client: Client) -> None:
    # given a pinned peer whose node does not answer
    root_client.post(ADD, {"bundle": _bundle_file(json.dumps(KeyedPeer(region="110000").bundle()).encode())})
    peer = Peer.objects.get()
    # when the administrator refreshes its keys
    url = reverse("admin:federation_peer_changelist")
    response = root_client.post(
        url, {"action": "refresh_keys", "_selected_action": [peer.pk]}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then the error is shown with its code and the peer is as it was
    assert "peer_unreachable" in response.content.decode()
    peer.refresh_from_db()
    assert peer.refreshed_at is None
    assert not AuditEvent.objects.filter(action="federation.peer_keys_refreshed").exists()


def test_someone_who_is_not_a_superuser_cannot_add_peers(client: Client) -> None:
    # given a staff member without superuser rights
    client.force_login(UserFactory.create(is_staff=True))
    # when they post a bundle to the add page
    response = client.post(ADD, {"bundle": _bundle_file(json.dumps(KeyedPeer(region="110000").bundle()).encode())})
    # then they are refused and nothing is pinned
    assert response.status_code in (302, 403)
    assert not Peer.objects.exists()
