"""Payload schemas (version 1) of the cross-region case messages; see ADR "forwarded cases".

Handlers parse a payload with ``parse(Model, payload)``: anything that does not match raises
``InvalidPayload`` (code ``invalid_payload``, the fields in ``details``) before any write.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tongban.forwarding.constants import DRAFT, FORWARDING, MAX_PARTS, PART_BYTES, REFUSED, REMOTE_STATUSES
from tongban.forwarding.errors import InvalidPayload

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")]
Short = Annotated[str, Field(max_length=200)]
Text = Annotated[str, Field(max_length=4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileRef(Strict):
    material_code: Code
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=1, le=PART_BYTES * MAX_PARTS)]
    content_type: Annotated[str, Field(max_length=100)]
    original_name: Short
    parts: Annotated[int, Field(ge=1, le=MAX_PARTS)]


class FilePart(Strict):
    forward_id: uuid.UUID
    bundle_id: uuid.UUID
    material_code: Code
    part: Annotated[int, Field(ge=0, lt=MAX_PARTS)]
    parts: Annotated[int, Field(ge=1, le=MAX_PARTS)]
    data: Annotated[str, Field(min_length=1, max_length=(PART_BYTES * 4) // 3 + 8)]

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("data must be base64") from exc
        return value

    def raw(self) -> bytes:
        return base64.b64decode(self.data)


class Applicant(Strict):
    id_number: Annotated[str, Field(min_length=18, max_length=18)]
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    phone: Annotated[str, Field(max_length=20)] = ""


class ReceivedBy(Strict):
    name: Annotated[str, Field(max_length=120)]
    office: Short = ""


class Delivery(Strict):
    method: Literal["electronic", "window", "post"]
    address: Short = ""
    recipient: Annotated[str, Field(max_length=120)] = ""
    phone: Annotated[str, Field(max_length=20)] = ""


def _unique_codes(files: list[FileRef]) -> list[FileRef]:
    codes = [f.material_code for f in files]
    if len(codes) != len(set(codes)):
        raise ValueError("one file per material")
    return files


class Submit(Strict):
    forward_id: uuid.UUID
    bundle_id: uuid.UUID
    mode: Literal["proxy_receipt", "online"]
    item_code: Annotated[str, Field(min_length=1, max_length=60)]
    applicant: Applicant
    identity_check: Literal["id_card_reader", "face", "manual", "online_login"]
    received_by: ReceivedBy | None = None
    form_data: dict[str, Any]
    situations: dict[str, str] = {}
    delivery: Delivery
    files: Annotated[list[FileRef], Field(max_length=50)]
    received_at: dt.datetime

    _files = field_validator("files")(_unique_codes)


class Resubmit(Strict):
    forward_id: uuid.UUID
    bundle_id: uuid.UUID
    files: Annotated[list[FileRef], Field(min_length=1, max_length=50)]
    note: Text = ""

    _files = field_validator("files")(_unique_codes)


class Delivered(Strict):
    forward_id: uuid.UUID
    method: Literal["electronic", "window", "post"]
    tracking_number: Annotated[str, Field(max_length=60)] = ""
    delivered_at: dt.datetime
    delivered_by: Annotated[str, Field(max_length=120)] = ""


class NamedCode(Strict):
    code: Code
    name: Short


class Status(Strict):
    forward_id: uuid.UUID
    seq: Annotated[int, Field(ge=1)]
    case_number: Annotated[str, Field(max_length=32)]
    action: Annotated[str, Field(min_length=1, max_length=40)]
    status: str
    occurred_at: dt.datetime
    role: Annotated[str, Field(max_length=60)] = ""
    reason: Text = ""
    department: Annotated[str, Field(max_length=120)] = ""
    legal_due_date: dt.date | None = None
    promised_due_date: dt.date | None = None
    due_provisional: bool = False
    correction_materials: Annotated[list[NamedCode], Field(max_length=50)] = []
    correction_note: Text = ""
    result_number: Annotated[str, Field(max_length=80)] = ""
    result_note: Text = ""
    decision_reasons: Text = ""

    @field_validator("status")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in REMOTE_STATUSES or value in (DRAFT, FORWARDING, REFUSED):
            raise ValueError("not a status of a registered case")
        return value


class Refused(Strict):
    forward_id: uuid.UUID
    bundle_id: uuid.UUID | None = None
    code: Annotated[str, Field(min_length=1, max_length=60)]
    message: Text = ""


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], payload: Any) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "code": e["type"]} for e in exc.errors(include_url=False)
        ]
        raise InvalidPayload(details=details) from exc


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
