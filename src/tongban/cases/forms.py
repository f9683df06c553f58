"""The application page's forms of the cases app, and the checks of an application's materials.

The form generated from an item and its 情形引导 questions are ``tongban.catalog.application_form``
(rules over one item spec, shared with applications for a peer's item); they are named here too,
for the pages and services of the cases app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.cases.constants import DeliveryMethod, IdentityCheck
from tongban.catalog import situations as situation_guide
from tongban.catalog.application_form import (
    DATE_INPUT_FORMATS,
    ENTERPRISE_NAME_KEYS,
    FIELD_TYPES,
    FORM_PREFIX,
    PERSON_NAME_KEYS,
    PREFILL_KEYS,
    SITUATION_PREFIX,
    ApplicationFormBase,
    IdNumberField,
    PhoneField,
    UsccField,
    application_form_class,
    build_field,
    clean_situations,
    field_specs,
    fill_empty_from,
    form_errors_as_details,
    prefill_from_profile,
    situation_questions,
    situations_form_class,
    to_json_value,
    validate_form_data,
)
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import Material, ServiceItem
from tongban.core.db import CompiledQuery
from tongban.core.errors import ValidationFailed

__all__ = [
    "DATE_INPUT_FORMATS",
    "ENTERPRISE_NAME_KEYS",
    "FIELD_TYPES",
    "FORM_PREFIX",
    "PERSON_NAME_KEYS",
    "PREFILL_KEYS",
    "SITUATION_PREFIX",
    "ApplicationFormBase",
    "IdNumberField",
    "PhoneField",
    "UsccField",
    "application_form_class",
    "build_field",
    "clean_situations",
    "field_specs",
    "fill_empty_from",
    "form_errors_as_details",
    "prefill_from_profile",
    "situation_questions",
    "situations_form_class",
    "to_json_value",
    "validate_form_data",
]


# ---------------------------------------------------------------- situations and materials


@dataclass(frozen=True)
class MaterialSlot:
    """One material on the application form and what it needs."""

    material: Material
    needs_upload: bool
    """It must be uploaded before the application can be submitted."""
    gap_allowed: bool
    """It may be supplied later if the department accepts with gaps (容缺)."""
    optional: bool
    conditional: bool
    pending: bool
    """It depends on a situation question not answered yet."""
    conditions: tuple[situation_guide.Condition, ...] = ()

    @property
    def code(self) -> str:
        return self.material.code


_ITEM_MATERIALS = CompiledQuery(lambda item_id: Material.objects.filter(item_id=item_id), arity=1)


# Materials of published (and past) versions, per process: such a version's materials never change
# (catalog.services edits only drafts; editing a published item makes a new draft version). Keyed by
# the version's id and creation time, so that an id used again (a test database) is another key.
_PUBLISHED_MATERIALS: dict[tuple[int, Any], tuple[Material, ...]] = {}


def item_materials(item: ServiceItem) -> list[Material]:
    """The item's materials in their order (``item.materials.all()``, on the submission's hot path).

    A draft version's are read every time; a published (or past) version's once per process.
    """
    prefetched = getattr(item, "_prefetched_objects_cache", {}).get("materials")
    if prefetched is not None:
        return list(prefetched)
    if item.pk is None:
        return []
    if item.status == ItemStatus.DRAFT:
        return _ITEM_MATERIALS.objects(item.pk)
    key = (item.pk, item.created_at)
    known = _PUBLISHED_MATERIALS.get(key)
    if known is None:
        known = tuple(_ITEM_MATERIALS.objects(item.pk))
        if len(_PUBLISHED_MATERIALS) >= 4096:
            _PUBLISHED_MATERIALS.clear()
        _PUBLISHED_MATERIALS[key] = known
    return list(known)


def material_slots(item: ServiceItem, answers: Mapping[str, str]) -> list[MaterialSlot]:
    """The item's materials that apply to the answers given, with what each one needs."""
    materials = item_materials(item)
    guidance = situation_guide.guide(materials, item.situations or [], {k: str(v) for k, v in answers.items()})
    slots = []
    for match in guidance.shown:
        material = match.material
        gap = bool(item.gap_acceptance_allowed and material.gap_allowed)
        optional = not material.required
        slots.append(
            MaterialSlot(
                material=material,
                needs_upload=not optional and not gap,
                gap_allowed=gap,
                optional=optional,
                conditional=match.conditional,
                pending=match.pending,
                conditions=match.conditions,
            )
        )
    return slots


def missing_materials(
    item: ServiceItem, answers: Mapping[str, str], provided: Iterable[str], *, include_gaps: bool = False
) -> list[Material]:
    """Applicable materials that must be uploaded and are not; with ``include_gaps`` also the 容缺 ones."""
    have = set(provided)
    return [
        slot.material
        for slot in material_slots(item, answers)
        if slot.material.code not in have and (slot.needs_upload or (include_gaps and slot.gap_allowed))
    ]


def validate_materials(item: ServiceItem, answers: Mapping[str, str], provided: Iterable[str]) -> None:
    """Raise ``materials_missing`` listing the applicable materials still to upload."""
    missing = missing_materials(item, answers, provided)
    if missing:
        raise ValidationFailed(
            _("Some required materials have not been uploaded: %(names)s.")
            % {"names": "、".join(m.name for m in missing)},
            code="materials_missing",
            details={
                m.code: [{"code": "material_missing", "message": str(_("Please upload this material."))}]
                for m in missing
            },
        )


def material_codes(item: ServiceItem) -> Sequence[str]:
    return [m.code for m in item.materials.all()]


# 免提交: a material that a licence type can replace offers the applicant's valid licences of that type.
LICENCE_FIELD_PREFIX = "l-"
LICENCE_CONSENT_PREFIX = "lc-"


@dataclass(frozen=True)
class LicenceChoice:
    """What the applicant posted for one material: a licence number and whether they consented."""

    material_code: str
    number: str
    consent: bool


def posted_licence_choices(data: Mapping[str, Any], codes: Iterable[str]) -> list[LicenceChoice]:
    """The licences chosen instead of uploads, for the given material codes (empty choices left out)."""
    out = []
    for code in codes:
        number = str(data.get(LICENCE_FIELD_PREFIX + code) or "").strip()
        if number:
            consent = str(data.get(LICENCE_CONSENT_PREFIX + code) or "") in ("on", "1", "true", "yes")
            out.append(LicenceChoice(material_code=code, number=number[:80], consent=consent))
    return out


def licence_choices(material: Material, user: Any) -> list[tuple[str, str]]:
    """(number, label) of the user's licences that can replace the material today; none if it cannot be replaced."""
    if not material.licence_type_code or user is None:
        return []
    from tongban.licences.selectors import licence_choices_for

    return licence_choices_for(user=user, licence_type_code=material.licence_type_code)


# ---------------------------------------------------------------- the rest of the apply page


# Own labels (with a context) so that other apps' translations of the same English words do not leak in.
DELIVERY_LABELS: dict[str, Any] = {
    DeliveryMethod.ELECTRONIC.value: pgettext_lazy("delivery", "Electronic delivery"),
    DeliveryMethod.WINDOW.value: pgettext_lazy("delivery", "Pick up at a window"),
    DeliveryMethod.POST.value: pgettext_lazy("delivery", "By post"),
}


def delivery_label(method: str) -> str:
    return str(DELIVERY_LABELS.get(method, method))


class DeliveryForm(forms.Form):
    """How the applicant wants to receive the result: electronically, at a window, or by post."""

    delivery_method = forms.ChoiceField(
        label=_("How would you like to receive the result?"),
        choices=list(DELIVERY_LABELS.items()),
        initial=DeliveryMethod.ELECTRONIC,
        widget=forms.RadioSelect(attrs={"class": "choice"}),
    )
    delivery_recipient = forms.CharField(label=_("Recipient"), max_length=120, required=False)
    delivery_phone = PhoneField(label=_("Recipient's phone"), max_length=20, required=False)
    delivery_address = forms.CharField(
        label=_("Postal address"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "field-input"}),
    )

    def __init__(self, *args: Any, partial: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partial = partial
        for name in ("delivery_recipient", "delivery_phone"):
            self.fields[name].widget.attrs.setdefault("class", "field-input")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery_method") == DeliveryMethod.POST:
            needed = (
                ("delivery_address",) if self.partial else ("delivery_address", "delivery_recipient", "delivery_phone")
            )
            for name in needed:
                if not data.get(name):
                    self.add_error(name, ValidationError(_("Needed when the result is sent by post."), code="required"))
        return data


class CommitmentForm(forms.Form):
    """告知承诺制: the applicant confirms having read the commitment and signs it."""

    commitment_signed = forms.BooleanField(
        label=_("I have read the commitment above, I promise that it is true and I accept the consequences."),
        required=False,
    )


def _material_for_case_choices(materials: Iterable[Material]) -> list[tuple[str, str]]:
    return [(m.code, m.name) for m in materials]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "field-input"}),
    )


class OptionalNoteForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "field-input"}),
    )


class CorrectionRequestForm(forms.Form):
    """补正: the materials the applicant must correct or add, and a note."""

    materials = forms.MultipleChoiceField(
        label=_("Materials to correct"), choices=(), widget=forms.CheckboxSelectMultiple(attrs={"class": "choice"})
    )
    reason = forms.CharField(
        label=_("What must be corrected"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "field-input"}),
    )

    def __init__(self, *args: Any, materials: Iterable[Material] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["materials"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = _material_for_case_choices(materials)


class ResultForm(forms.Form):
    result_number = forms.CharField(
        label=_("Result document number"), max_length=80, widget=forms.TextInput(attrs={"class": "field-input"})
    )
    result_note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "field-input"}),
    )


class TrackingForm(forms.Form):
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=60,
        required=False,
        help_text=_("Needed when the result is sent by post."),
        widget=forms.TextInput(attrs={"class": "field-input"}),
    )


class RatingForm(forms.Form):
    """好差评: 1–5 stars, tags and a comment."""

    stars = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect(attrs={"class": "stars"}),
    )
    tags = forms.MultipleChoiceField(
        label=_("What stood out"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice"}),
    )
    text = forms.CharField(
        label=_("Comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "field-input"}),
    )

    def __init__(self, *args: Any, tags: Sequence[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tags"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = list(tags)


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Case number, applicant or item"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "field-input", "type": "search"}),
    )


class WindowApplicantForm(forms.Form):
    """综合窗口: who applies in person and how the clerk checked their identity."""

    applicant_id_number = IdNumberField(
        label=_("Applicant's ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"class": "field-input", "autocomplete": "off", "spellcheck": "false"}),
    )
    applicant_name = forms.CharField(
        label=_("Applicant's name"), max_length=120, widget=forms.TextInput(attrs={"class": "field-input"})
    )
    applicant_phone = PhoneField(
        label=_("Applicant's phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "field-input", "type": "tel"}),
    )
    identity_check = forms.ChoiceField(
        label=_("How was the identity checked?"),
        choices=[c for c in IdentityCheck.choices if c[0] != IdentityCheck.ONLINE_LOGIN],
        widget=forms.RadioSelect(attrs={"class": "choice"}),
    )
