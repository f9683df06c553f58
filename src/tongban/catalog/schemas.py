"""Typed shapes of catalog data: the API's output and the JSON elements stored on items."""

from __future__ import annotations

from typing import Any, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from tongban.catalog.constants import (
    Channel,
    CrossRegionMode,
    HandlingType,
    ItemKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ReformMode,
    ResultForm,
    ServiceObject,
)
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ValidationFailed


class LegalBasisEntry(Schema):
    law: str
    article: str = ""
    text: str = ""


class FeeEntry(Schema):
    name: str
    amount: str
    basis: str = ""


class SpecialStepEntry(Schema):
    kind: str
    name: str
    time_limit_days: int = 0
    legal_basis: str = ""
    fee: str = ""
    counts_toward_limit: bool = False


class ProcessStep(Schema):
    name: str
    description: str = ""
    time_limit_days: int | None = None


class FaqEntry(Schema):
    question: str
    answer: str


class SituationOption(Schema):
    code: str
    label: str


class Situation(Schema):
    code: str
    question: str
    options: list[SituationOption]


class FormField(Schema):
    name: str
    label: str
    type: str
    required: bool = False
    choices: list[str] = []
    max_length: int | None = None
    help: str = ""


class MaterialOut(Schema):
    code: str
    name: str
    form: str
    count: int
    required: bool
    gap_allowed: bool
    source: str
    source_note: str
    licence_type_code: str
    data_resource_code: str
    data_fields: list[str]
    applies_when: list[str]
    notes: str


class ItemDetailOut(Schema):
    code: str
    base_code: str
    version: int
    status: str
    name: str
    name_en: str
    region: str
    region_name: str
    department: str
    department_name: str
    kind: str
    handling_type: str
    service_object: str
    content: str
    conditions: list[str]
    legal_basis: list[LegalBasisEntry]
    legal_limit_days: int
    promised_limit_days: int
    limit_note: str
    fees: list[FeeEntry]
    result_form: str
    result_name: str
    licence_type_code: str
    channels: list[str]
    handling_place: str
    office_hours: str
    visits_needed: int
    online_depth: int
    cross_region_mode: str
    reform_mode: str
    commitment_allowed: bool
    commitment_text: str
    gap_acceptance_allowed: bool
    special_steps: list[SpecialStepEntry]
    process: list[ProcessStep]
    faq: list[FaqEntry]
    situations: list[Situation]
    form_fields: list[FormField]
    service_commitments: str
    consultation_phone: str
    complaint_phone: str
    themes: list[str]
    materials: list[MaterialOut]

    @classmethod
    def from_item(cls, item: ServiceItem) -> ItemDetailOut:
        return cls(
            code=item.code,
            base_code=item.base.base_code,
            version=item.version,
            status=item.status,
            name=item.name,
            name_en=item.name_en,
            region=item.region_id,
            region_name=item.region.name,
            department=item.department.code,
            department_name=item.department.name,
            kind=item.kind,
            handling_type=item.handling_type,
            service_object=item.service_object,
            content=item.content,
            conditions=list(item.conditions),
            legal_basis=[LegalBasisEntry(**e) for e in item.legal_basis],
            legal_limit_days=item.legal_limit_days,
            promised_limit_days=item.promised_limit_days,
            limit_note=item.limit_note,
            fees=[FeeEntry(**e) for e in item.fees],
            result_form=item.result_form,
            result_name=item.result_name,
            licence_type_code=item.licence_type_code,
            channels=list(item.channels),
            handling_place=item.handling_place,
            office_hours=item.office_hours,
            visits_needed=item.visits_needed,
            online_depth=item.online_depth,
            cross_region_mode=item.cross_region_mode,
            reform_mode=item.reform_mode,
            commitment_allowed=item.commitment_allowed,
            commitment_text=item.commitment_text,
            gap_acceptance_allowed=item.gap_acceptance_allowed,
            special_steps=[SpecialStepEntry(**e) for e in item.special_steps],
            process=[ProcessStep(**e) for e in item.process],
            faq=[FaqEntry(**e) for e in item.faq],
            situations=[Situation(**e) for e in item.situations],
            form_fields=[FormField(**e) for e in item.form_fields],
            service_commitments=item.service_commitments,
            consultation_phone=item.consultation_phone,
            complaint_phone=item.complaint_phone,
            themes=[t.code for t in item.themes.all()],
            materials=[
                MaterialOut(
                    code=m.code,
                    name=m.name,
                    form=m.form,
                    count=m.count,
                    required=m.required,
                    gap_allowed=m.gap_allowed,
                    source=m.source,
                    source_note=m.source_note,
                    licence_type_code=m.licence_type_code,
                    data_resource_code=m.data_resource_code,
                    data_fields=list(m.data_fields),
                    applies_when=list(m.applies_when),
                    notes=m.notes,
                )
                for m in item.materials.all()
            ],
        )


# --- Input: what a catalog administrator (form, API, workbook import) submits -----------------

_TEXT_LIMIT = 20000


class MaterialIn(Schema):
    """One material of an item version as submitted; ``code`` is unique within the item."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    form: MaterialForm = MaterialForm.ORIGINAL
    count: int = Field(default=1, ge=1, le=99)
    required: bool = True
    gap_allowed: bool = False
    source: MaterialSource = MaterialSource.APPLICANT
    source_note: str = Field(default="", max_length=200)
    licence_type_code: str = Field(default="", max_length=40)
    data_resource_code: str = Field(default="", max_length=60)
    data_fields: list[str] = Field(default=[], max_length=60)
    applies_when: list[str] = []
    notes: str = Field(default="", max_length=_TEXT_LIMIT)


class ItemIn(Schema):
    """Every element of one version of an implementation item (实施清单事项) as submitted.

    Shapes and single values are checked here; rules that need the database (region,
    department, base item, themes, the six basic elements) are checked by the services.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=60, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
    base_code: str = Field(min_length=1, max_length=40)
    region: str = Field(pattern=r"^\d{6}$")
    department: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=300)
    kind: ItemKind
    handling_type: HandlingType = HandlingType.NEW
    service_object: ServiceObject
    content: str = Field(default="", max_length=_TEXT_LIMIT)
    conditions: list[str] = []
    legal_basis: list[LegalBasisEntry] = []
    legal_limit_days: int = Field(default=0, ge=0, le=3650)
    promised_limit_days: int = Field(default=0, ge=0, le=3650)
    limit_note: str = Field(default="", max_length=200)
    fees: list[FeeEntry] = []
    result_form: ResultForm
    result_name: str = Field(default="", max_length=120)
    licence_type_code: str = Field(default="", max_length=40)
    channels: list[Channel] = []
    handling_place: str = Field(default="", max_length=300)
    office_hours: str = Field(default="", max_length=200)
    visits_needed: int = Field(default=0, ge=0, le=99)
    online_depth: OnlineDepth = OnlineDepth.APPLICATION
    cross_region_mode: CrossRegionMode = CrossRegionMode.NONE
    reform_mode: ReformMode = ReformMode.NONE
    commitment_allowed: bool = False
    commitment_text: str = Field(default="", max_length=_TEXT_LIMIT)
    gap_acceptance_allowed: bool = False
    special_steps: list[SpecialStepEntry] = []
    process: list[ProcessStep] = []
    faq: list[FaqEntry] = []
    situations: list[Situation] = []
    form_fields: list[FormField] = []
    service_commitments: str = Field(default="", max_length=_TEXT_LIMIT)
    consultation_phone: str = Field(default="", max_length=60)
    complaint_phone: str = Field(default="", max_length=60)
    themes: list[str] = []
    materials: list[MaterialIn] = []

    @classmethod
    def from_item(cls, item: ServiceItem) -> ItemIn:
        """The input that would recreate this version (used to start drafts, export and compare)."""
        return cls(
            code=item.code,
            base_code=item.base.base_code,
            region=item.region_id,
            department=item.department.code,
            name=item.name,
            name_en=item.name_en,
            kind=ItemKind(item.kind),
            handling_type=HandlingType(item.handling_type),
            service_object=ServiceObject(item.service_object),
            content=item.content,
            conditions=list(item.conditions),
            legal_basis=[LegalBasisEntry(**e) for e in item.legal_basis],
            legal_limit_days=item.legal_limit_days,
            promised_limit_days=item.promised_limit_days,
            limit_note=item.limit_note,
            fees=[FeeEntry(**e) for e in item.fees],
            result_form=ResultForm(item.result_form),
            result_name=item.result_name,
            licence_type_code=item.licence_type_code,
            channels=[Channel(c) for c in item.channels],
            handling_place=item.handling_place,
            office_hours=item.office_hours,
            visits_needed=item.visits_needed,
            online_depth=OnlineDepth(item.online_depth),
            cross_region_mode=CrossRegionMode(item.cross_region_mode),
            reform_mode=ReformMode(item.reform_mode),
            commitment_allowed=item.commitment_allowed,
            commitment_text=item.commitment_text,
            gap_acceptance_allowed=item.gap_acceptance_allowed,
            special_steps=[SpecialStepEntry(**e) for e in item.special_steps],
            process=[ProcessStep(**e) for e in item.process],
            faq=[FaqEntry(**e) for e in item.faq],
            situations=[Situation(**e) for e in item.situations],
            form_fields=[FormField(**e) for e in item.form_fields],
            service_commitments=item.service_commitments,
            consultation_phone=item.consultation_phone,
            complaint_phone=item.complaint_phone,
            themes=sorted(t.code for t in item.themes.all()),
            materials=[
                MaterialIn(
                    code=m.code,
                    name=m.name,
                    form=MaterialForm(m.form),
                    count=m.count,
                    required=m.required,
                    gap_allowed=m.gap_allowed,
                    source=MaterialSource(m.source),
                    source_note=m.source_note,
                    licence_type_code=m.licence_type_code,
                    data_resource_code=m.data_resource_code,
                    data_fields=list(m.data_fields),
                    applies_when=list(m.applies_when),
                    notes=m.notes,
                )
                for m in item.materials.all()
            ],
        )


class BaseItemIn(Schema):
    """An entry of the national base list (基本目录) as submitted."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    base_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: ItemKind
    competent_department: str = Field(min_length=1, max_length=120)
    implementing_level: str = Field(default="", max_length=60)
    legal_basis: list[LegalBasisEntry] = Field(min_length=1)


# Stable codes and Chinese (translated) messages for pydantic's error types.
_ERROR_CODES: dict[str, tuple[str, Promise]] = {
    "missing": ("required", _("This field is required.")),
    "string_too_short": ("required", _("This field may not be empty.")),
    "too_short": ("required", _("At least one entry is required.")),
    "string_too_long": ("too_long", _("The text is too long.")),
    "string_pattern_mismatch": ("invalid_format", _("The value has an invalid format.")),
    "string_type": ("invalid_text", _("Enter text.")),
    "int_parsing": ("invalid_integer", _("Enter a whole number.")),
    "int_type": ("invalid_integer", _("Enter a whole number.")),
    "int_from_float": ("invalid_integer", _("Enter a whole number.")),
    "greater_than_equal": ("too_small", _("The number is too small.")),
    "less_than_equal": ("too_large", _("The number is too large.")),
    "enum": ("invalid_choice", _("The value is not one of the allowed choices.")),
    "bool_parsing": ("invalid_boolean", _("Enter yes or no.")),
    "bool_type": ("invalid_boolean", _("Enter yes or no.")),
    "list_type": ("invalid_list", _("Enter a list.")),
    "model_type": ("invalid_object", _("Enter an object with the expected fields.")),
    "dict_type": ("invalid_object", _("Enter an object with the expected fields.")),
    "extra_forbidden": ("unknown_field", _("This field is not recognised.")),
}


def input_error_details(exc: PydanticValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as ``{"field", "code", "message"}`` with stable codes and Chinese messages."""
    details: list[dict[str, Any]] = []
    for err in exc.errors():
        code, message = _ERROR_CODES.get(err["type"], ("invalid", _("This value is invalid.")))
        details.append({"field": ".".join(str(p) for p in err["loc"]), "code": code, "message": str(message)})
    return details


SchemaT = TypeVar("SchemaT", bound=Schema)


def parse_input(schema: type[SchemaT], data: Any) -> SchemaT:
    """Validate raw input against ``schema``; raise ``ValidationFailed`` listing every problem."""
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationFailed(details=input_error_details(exc)) from None
