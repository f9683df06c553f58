"""Typed shapes of catalog data: the API's output and the JSON elements stored on items."""

from __future__ import annotations

from ninja import Schema

from tongban.catalog.models import ServiceItem


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
                    applies_when=list(m.applies_when),
                    notes=m.notes,
                )
                for m in item.materials.all()
            ],
        )
