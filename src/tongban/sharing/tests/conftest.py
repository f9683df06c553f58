"""Fixtures of the sharing tests: Tianjin's demo departments, data administrators, resources and approvals."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

import tongban.accounts.sessions  # noqa: F401  (the login stamp receiver, before force_login)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.regions import demo as regions_demo
from tongban.regions.models import Department
from tongban.sharing import services
from tongban.sharing.constants import ConnectorKind, RequestAction, SubjectKind
from tongban.sharing.demo_data import RESOURCES, demo_records
from tongban.sharing.models import DataRequest, DataResource, ProviderRecord
from tongban.sharing.schemas import DecisionIn, RequestIn, ResourceFieldIn, ResourceIn

ZHANG_WEI = "120101198511200131"  # tj_resident_1 (accounts.demo)
SUN_LI = "120103198706150261"  # his wife


@dataclass
class World:
    psb: Department
    health: Department
    civil: Department
    hrss: Department
    gsa: Department
    region_admin: User  # data administrator of the region (gsa)
    provider_admin: User  # data administrator of the providers (health, civil, hrss, psb)
    requester: User  # head of the public security bureau (asks for data)
    reviewer: User  # a reviewer of the public security bureau (reads for cases)


def resource_in(spec_code: str, /, **overrides: Any) -> ResourceIn:
    spec = next(s for s in RESOURCES if s.code == spec_code)
    values: dict[str, Any] = {
        "code": spec.code,
        "name": spec.name,
        "provider_code": spec.provider,
        "provider_region": "120000",
        "subject_kind": SubjectKind(spec.subject_kind),
        "fields": [ResourceFieldIn(name=n, label=label, type=t, sharing=c) for n, label, t, c in spec.fields],  # type: ignore[arg-type]
        "update_frequency": spec.frequency,
        "legal_basis": spec.legal_basis,
        "system_name": spec.system,
        "connector": ConnectorKind.LOCAL,
    }
    values.update(overrides)
    return ResourceIn(**values)


def publish(world: World, spec_code: str, /, **overrides: Any) -> DataResource:
    draft = services.resource_draft_save(actor=world.region_admin, data=resource_in(spec_code, **overrides))
    return services.resource_publish(actor=world.region_admin, resource=draft)


def request_in(code: str, fields: list[str], *, requester: str = "psb", **overrides: Any) -> RequestIn:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "resource_code": code,
        "requester_code": requester,
        "fields": fields,
        "item_codes": ["出生登记"],
        "purposes": ["licensing"],
        "purpose_text": "办理出生登记时核验出生医学证明",
        "legal_basis": "《中华人民共和国户口登记条例》第七条",
        "period_from": today,
        "period_to": today + dt.timedelta(days=365),
    }
    values.update(overrides)
    return RequestIn(**values)


def approve(
    world: World,
    code: str,
    fields: list[str],
    *,
    masked: list[str] | None = None,
    requester: Department | None = None,
    **request: Any,
) -> DataRequest:
    dept = requester or world.psb
    req = services.request_submit(
        actor=world.requester if dept == world.psb else world.region_admin,
        data=request_in(code, fields, requester=dept.code, **request),
    )
    action = RequestAction.APPROVE_WITH_CONDITIONS if masked else RequestAction.APPROVE
    return services.request_decide(
        actor=world.provider_admin,
        request=req,
        decision=DecisionIn(action=action, masked_fields=masked or [], conditions="仅用于所列事项" if masked else ""),
    )


def make_world() -> World:
    """Tianjin's demo departments, a region data administrator, a provider administrator, a requester, a reviewer."""
    regions_demo.load(stdout=io.StringIO())
    d = {c: Department.objects.get(region_id="120000", code=c) for c in ("psb", "health", "civil", "hrss", "gsa")}
    return World(
        **d,
        region_admin=StaffFactory.create(roles=[(d["gsa"], StaffRoleKind.DATA_ADMIN)]),
        provider_admin=StaffFactory.create(
            roles=[(d[c], StaffRoleKind.DATA_ADMIN) for c in ("health", "civil", "hrss", "psb")]
        ),
        requester=StaffFactory.create(roles=[(d["psb"], StaffRoleKind.DEPARTMENT_HEAD)]),
        reviewer=StaffFactory.create(roles=[(d["psb"], StaffRoleKind.REVIEWER)]),
    )


def load_records() -> None:
    """Tianjin's front-end tables as the demo loads them."""
    for code, subject, data in demo_records("120000", today=timezone.localdate(), synthetic=5):
        ProviderRecord.objects.create(resource_code=code, subject_id=subject, data=data)


@pytest.fixture
def world(db: Any) -> World:
    return make_world()


@pytest.fixture
def records(db: Any) -> None:
    load_records()


def detail_codes(error: Exception) -> list[str]:
    details = getattr(error, "details", None) or []
    return [str(d["code"]) for d in details if isinstance(d, dict)]
