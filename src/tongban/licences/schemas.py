"""API schemas of the licences context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from tongban.core.text import JsonObject
from tongban.licences.models import Licence, LicenceStatusChange, LicenceType, LicenceUse


class VerifyIn(Schema):
    vc_jwt: str | None = Field(default=None, max_length=20000, description="The licence's VC-JWT")
    number: str | None = Field(default=None, max_length=64, description="Licence number")
    holder_id: str | None = Field(default=None, max_length=18, description="The holder's ID number or USCC")


class PresentationVerifyIn(Schema):
    token: str = Field(max_length=4000)


class CheckOut(Schema):
    name: str
    passed: bool
    detail: str


class LicenceMinimalOut(Schema):
    number: str
    type_code: str
    type_name: str
    holder_name: str
    issuer: str
    issuing_region: str
    valid_from: str
    valid_to: str | None


class VerifyOut(Schema):
    valid: bool
    status: str
    licence: LicenceMinimalOut | None
    checks: list[CheckOut]
    disclosed: dict[str, str] | None = None


class LicenceTypeOut(Schema):
    code: str
    name: str
    department: str
    holder_kind: str
    fields: list[dict[str, Any]]
    validity_months: int | None

    @classmethod
    def of(cls, t: LicenceType) -> LicenceTypeOut:
        return cls(
            code=t.code,
            name=t.name,
            department=t.department.name,
            holder_kind=t.holder_kind,
            fields=list(t.fields),
            validity_months=t.validity_months,
        )


class StatusChangeOut(Schema):
    action: str
    from_status: str
    to_status: str
    reason: str
    at: dt.datetime

    @classmethod
    def of(cls, c: LicenceStatusChange) -> StatusChangeOut:
        return cls(action=c.action, from_status=c.from_status, to_status=c.to_status, reason=c.reason, at=c.at)


class LicenceOut(Schema):
    number: str
    type_code: str
    type_name: str
    issuer: str
    holder_kind: str
    holder_id: str
    holder_name: str
    fields: dict[str, Any]
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    status_reason: str
    issued_at: dt.datetime
    case_number: str
    replaces: str | None
    replaced_by: str | None
    history: list[StatusChangeOut] | None = None

    @classmethod
    def of(cls, licence: Licence, *, history: bool = False) -> LicenceOut:
        replaced_by = Licence.objects.filter(replaces=licence).values_list("number", flat=True).first()
        return cls(
            number=licence.number,
            type_code=licence.licence_type.code,
            type_name=licence.licence_type.name,
            issuer=licence.department.name,
            holder_kind=licence.holder_kind,
            holder_id=licence.holder_id,
            holder_name=licence.holder_name,
            fields=dict(licence.field_values),
            valid_from=licence.valid_from,
            valid_to=licence.valid_to,
            status=str(licence.effective_status()),
            status_reason=licence.status_reason,
            issued_at=licence.issued_at,
            case_number=licence.case_number,
            replaces=licence.replaces.number if licence.replaces_id and licence.replaces else None,
            replaced_by=replaced_by,
            history=[StatusChangeOut.of(c) for c in licence.status_changes.all()] if history else None,
        )


class IssueIn(Schema):
    type_code: str = Field(max_length=40)
    holder_id: str = Field(max_length=18)
    holder_name: str = Field(max_length=200)
    fields: JsonObject = Field(default_factory=dict)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    reason: str = Field(default="", max_length=500)


class ReasonIn(Schema):
    reason: str = Field(max_length=500)


class ReissueIn(ReasonIn):
    fields: JsonObject | None = None
    holder_name: str | None = Field(default=None, max_length=200)
    valid_to: dt.date | None = None


class PresentIn(Schema):
    fields: list[str] = Field(default_factory=list, max_length=30)
    seconds: int = 300


class PresentationOut(Schema):
    token: str
    url: str
    expires_at: dt.datetime
    qr_svg: str


class UseOut(Schema):
    licence_number: str
    licence_type: str
    kind: str
    by: str
    source: str
    case_number: str
    valid_at_use: bool
    at: dt.datetime

    @classmethod
    def of(cls, u: LicenceUse) -> UseOut:
        return cls(
            licence_number=u.licence.number,
            licence_type=u.licence.licence_type.name,
            kind=u.kind,
            by=u.by_label,
            source=u.source,
            case_number=u.case_number,
            valid_at_use=u.valid_at_use,
            at=u.at,
        )


class UseForCaseIn(Schema):
    licence_number: str = Field(max_length=64)
    case_number: str = Field(max_length=64)
    licence_type_code: str = Field(max_length=40)
    material_code: str = Field(default="", max_length=40)
    consent: bool = False


class ImportErrorOut(Schema):
    row: int
    column: str
    code: str
    message: str


class ImportOut(Schema):
    imported: int
    numbers: list[str]
