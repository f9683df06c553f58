"""``tongban seed demo --own-region``: a node of the three-node demo holds only its own region's people."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from tongban.accounts.models import Enterprise, User

pytestmark = pytest.mark.django_db


def test_seed_demo_for_one_region_loads_its_people_only(settings: Any) -> None:
    # given the Tianjin node
    settings.TONGBAN_REGION = "120000"
    # when its demo data is loaded for its own region, twice
    call_command("seed", "demo", "--own-region", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed", "demo", "--own-region", stdout=out)
    # then Tianjin's staff, residents and enterprises are there, once, and nobody of Beijing or Hebei
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"admin", "tj_window", "tj_resident_1", "tj_resident_2", "tj_enterprise"} <= usernames
    assert not {u for u in usernames if u.startswith(("bj_", "hb_"))}
    assert set(Enterprise.objects.values_list("region_id", flat=True)) == {"120000"}
    assert "(0 new)" in out.getvalue()
    # and the Tianjin clerk who also serves 滨海新区 keeps that role
    assert User.objects.get(username="tj_window").staff_roles.filter(department__region_id="120116").exists()
