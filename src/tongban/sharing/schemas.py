"""Typed shapes of sharing data: what a resource, a request and a decision take, and what the API gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from tongban.sharing.constants import (
    ConnectorKind,
    FieldType,
    Purpose,
    SharingClass,
    SubjectKind,
    UpdateFrequency,
)


class ResourceFieldIn(Schema):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    label: str = Field(min_length=1, max_length=60)
    type: FieldType = FieldType.TEXT
    sharing: SharingClass = SharingClass.CONDITIONAL
    note: str = Field(default="", max_length=200)


class ResourceIn(Schema):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=120)
    name_en: str = Field(default="", max_length=160)
    description: str = Field(default="", max_length=2000)
    provider_code: str = Field(min_length=1, max_length=40)
    provider_region: str = Field(pattern=r"^\d{6}$")
    subject_kind: SubjectKind
    fields: list[ResourceFieldIn] = Field(min_length=1, max_length=60)
    update_frequency: UpdateFrequency
    legal_basis: str = Field(min_length=1, max_length=2000)
    system_name: str = Field(min_length=1, max_length=200)
    connector: ConnectorKind = ConnectorKind.LOCAL
    connector_config: dict[str, Any] = Field(default_factory=dict)
    change_note: str = Field(default="", max_length=300)


class ResourceFieldOut(Schema):
    name: str
    label: str
    type: str
    sharing: str


class ResourceOut(Schema):
    code: str
    version: int
    status: str
    name: str
    name_en: str
    description: str
    provider: str
    provider_region: str
    subject_kind: str
    fields: list[ResourceFieldOut]
    update_frequency: str
    legal_basis: str
    system_name: str
    connector: str
    published_at: dt.datetime | None


class RequestIn(Schema):
    resource_code: str = Field(min_length=1, max_length=60)
    requester_code: str = Field(min_length=1, max_length=40)
    fields: list[str] = Field(min_length=1, max_length=60)
    item_codes: list[str] = Field(default_factory=list, max_length=40)
    purposes: list[Purpose] = Field(min_length=1, max_length=6)
    purpose_text: str = Field(min_length=1, max_length=2000)
    legal_basis: str = Field(min_length=1, max_length=2000)
    period_from: dt.date
    period_to: dt.date


class DecisionIn(Schema):
    """A provider's decision (or the data administrator's). Empty lists / dates mean "as requested"."""

    action: str = Field(min_length=1, max_length=40)
    fields: list[str] = Field(default_factory=list, max_length=60)
    masked_fields: list[str] = Field(default_factory=list, max_length=60)
    approved_to: dt.date | None = None
    conditions: str = Field(default="", max_length=2000)
    reason: str = Field(default="", max_length=2000)


class RequestOut(Schema):
    number: str
    resource_code: str
    resource_name: str
    provider: str
    provider_region: str
    requester: str
    requester_region: str
    fields: list[str]
    purposes: list[str]
    status: str
    approved_fields: list[str]
    masked_fields: list[str]
    approved_from: dt.date | None
    approved_to: dt.date | None
    conditions: str
    decision_reason: str


class ReadIn(Schema):
    resource_code: str = Field(min_length=1, max_length=60)
    subject_id: str = Field(min_length=1, max_length=18)
    fields: list[str] = Field(default_factory=list, max_length=60)
    purpose: str = Field(default="", max_length=24)
    context_kind: str = Field(default="", max_length=16)
    context_id: str = Field(default="", max_length=64)
    department_code: str = Field(min_length=1, max_length=40)


class ReadOut(Schema):
    found: bool
    resource_code: str
    resource_version: int
    subject_id: str
    data: dict[str, Any]
    source: str
    fetched_at: dt.datetime
    log: str


class AccessOut(Schema):
    id: str
    at: dt.datetime
    department: str
    requester_region: str
    resource_code: str
    resource_name: str
    fields: list[str]
    purpose: str
    context_kind: str
    context_id: str
    result: str
    objected: bool


class ObjectionIn(Schema):
    reason: str = Field(default="", max_length=1000)


class ObjectionOut(Schema):
    read: str
    status: str
    ticket_number: str
