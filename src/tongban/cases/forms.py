"""The application form generated from an item, and the checks of its materials.

An item declares its form in ``ServiceItem.form_fields``: a list of
``{"name", "label", "type", "required", "choices", "max_length", "help"}`` with the
optional keys ``"min"`` / ``"max"`` (numbers, dates as ``YYYY-MM-DD``) and ``"prefill"``
(which profile value fills it). Types: ``text``, ``textarea``, ``number``, ``date``,
``choice``, ``id_number`` (GB 11643), ``uscc`` (GB 32100), ``address``, ``phone``,
``email``. An unknown type is treated as ``text``.

``application_form_class`` builds a Django form for the pages; ``validate_form_data``
checks a dict (from the API or a service) with the same rules and returns the cleaned,
JSON-ready values or raises ``ValidationFailed`` with the messages per field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tongban.cases import store
from tongban.cases.constants import DeliveryMethod, IdentityCheck
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import Material, ServiceItem
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.core.identifiers import validate_resident_id, validate_uscc
from tongban.web import situations as situation_guide

FIELD_TYPES = ("text", "textarea", "number", "date", "choice", "id_number", "uscc", "address", "phone", "email")
FORM_PREFIX = "f"
SITUATION_PREFIX = "s"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]

_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")

PERSON_NAME_KEYS = {"full_name", "applicant_name", "applicant", "person_name", "name"}
ENTERPRISE_NAME_KEYS = {"enterprise_name", "company_name", "entity_name", "organisation_name", "organization_name"}
PREFILL_KEYS = (
    "full_name",
    "id_number",
    "phone",
    "email",
    "address",
    "uscc",
    "enterprise_name",
    "legal_representative",
)


# ---------------------------------------------------------------- fields


def _check_id_number(value: str) -> None:
    try:
        validate_resident_id(value)
    except ApplicationError as exc:
        raise ValidationError(str(exc.message), code=exc.code) from exc


def _check_uscc(value: str) -> None:
    try:
        validate_uscc(value)
    except ApplicationError as exc:
        raise ValidationError(str(exc.message), code=exc.code) from exc


class IdNumberField(forms.CharField):
    default_validators = [_check_id_number]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class UsccField(forms.CharField):
    default_validators = [_check_uscc]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class PhoneField(forms.CharField):
    default_validators = [
        RegexValidator(
            _PHONE_RE,
            message=_("Enter an 11-digit mobile number or a landline number with its area code."),
            code="invalid_phone",
        )
    ]

    def to_python(self, value: Any) -> str:
        return re.sub(r"[\s()（）]", "", str(super().to_python(value)))


def _number(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def build_field(spec: Mapping[str, Any], *, required: bool | None = None) -> forms.Field:
    """The Django form field for one entry of ``form_fields``."""
    kind = str(spec.get("type") or "text")
    label = str(spec.get("label") or spec.get("name") or "")
    help_text = str(spec.get("help") or "")
    is_required = bool(spec.get("required", False)) if required is None else required
    max_length = spec.get("max_length")
    common: dict[str, Any] = {"label": label, "help_text": help_text, "required": is_required}
    field: forms.Field
    if kind == "number":
        field = forms.DecimalField(
            **common,
            min_value=_number(spec.get("min")),
            max_value=_number(spec.get("max")),
            widget=forms.NumberInput(attrs={"class": "field-input", "inputmode": "decimal", "step": "any"}),
        )
    elif kind == "date":
        min_date, max_date = _date(spec.get("min")), _date(spec.get("max"))
        validators = []
        if min_date is not None:
            validators.append(_min_date_validator(min_date))
        if max_date is not None:
            validators.append(_max_date_validator(max_date))
        attrs = {"class": "field-input", "type": "date"}
        if min_date:
            attrs["min"] = min_date.isoformat()
        if max_date:
            attrs["max"] = max_date.isoformat()
        field = forms.DateField(
            **common,
            input_formats=DATE_INPUT_FORMATS,
            validators=validators,
            widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"),
        )
    elif kind == "choice":
        options = [str(c) for c in spec.get("choices") or []]
        choices = [(c, c) for c in options]
        if len(options) <= 5:
            field = forms.ChoiceField(**common, choices=choices, widget=forms.RadioSelect(attrs={"class": "choice"}))
        else:
            field = forms.ChoiceField(
                **common,
                choices=[("", _("Please choose")), *choices],
                widget=forms.Select(attrs={"class": "field-input"}),
            )
    elif kind == "id_number":
        field = IdNumberField(
            **common,
            max_length=18,
            widget=forms.TextInput(attrs={"class": "field-input", "autocomplete": "off", "spellcheck": "false"}),
        )
    elif kind == "uscc":
        field = UsccField(
            **common,
            max_length=18,
            widget=forms.TextInput(attrs={"class": "field-input", "autocomplete": "off", "spellcheck": "false"}),
        )
    elif kind == "phone":
        field = PhoneField(
            **common,
            max_length=max_length or 20,
            widget=forms.TextInput(
                attrs={"class": "field-input", "type": "tel", "inputmode": "tel", "autocomplete": "tel"}
            ),
        )
    elif kind == "email":
        field = forms.EmailField(
            **common,
            max_length=max_length or 254,
            widget=forms.EmailInput(attrs={"class": "field-input", "autocomplete": "email"}),
        )
    elif kind in ("address", "textarea"):
        field = forms.CharField(
            **common,
            max_length=max_length or (200 if kind == "address" else 2000),
            widget=forms.Textarea(attrs={"class": "field-input", "rows": 2 if kind == "address" else 4}),
        )
    else:
        field = forms.CharField(
            **common, max_length=max_length or 200, widget=forms.TextInput(attrs={"class": "field-input"})
        )
    field.widget.attrs.setdefault("data-field-type", kind)
    return field


def _min_date_validator(minimum: dt.date) -> Any:
    def check(value: dt.date) -> None:
        if value < minimum:
            raise ValidationError(
                _("The date must be on or after %(date)s."), code="date_too_early", params={"date": minimum}
            )

    return check


def _max_date_validator(maximum: dt.date) -> Any:
    def check(value: dt.date) -> None:
        if value > maximum:
            raise ValidationError(
                _("The date must be on or before %(date)s."), code="date_too_late", params={"date": maximum}
            )

    return check


# ---------------------------------------------------------------- the form


class ApplicationFormBase(forms.Form):
    """Base of the generated forms: ``field_specs`` keeps the declarations the fields came from."""

    field_specs: tuple[Mapping[str, Any], ...] = ()
    required_css_class = "required"
    error_css_class = "has-error"

    def json_data(self) -> dict[str, Any]:
        """The cleaned values, ready to be stored as JSON."""
        return {spec["name"]: to_json_value(self.cleaned_data.get(spec["name"])) for spec in self.field_specs}


def field_specs(item: ServiceItem) -> tuple[Mapping[str, Any], ...]:
    return tuple(
        spec for spec in (item.form_fields or []) if isinstance(spec, Mapping) and str(spec.get("name") or "").strip()
    )


# Form classes, per process, keyed by what they are built from: the declared fields (as canonical
# JSON) and ``partial``. A class is a pure function of that key, so a kept class can never be stale,
# whichever item, version or machine the declarations come from, and however they were changed
# (ADR 0020). A draft version's class is built every time (its declarations are being edited).
# Their texts are lazy translations, so one class serves every language; each form instance copies
# the class's fields.
_FORM_CLASSES: dict[tuple[str, bool], type[ApplicationFormBase]] = {}


def application_form_class(item: ServiceItem, *, partial: bool = False) -> type[ApplicationFormBase]:
    """A form class with one field per declared field; ``partial`` (drafts) makes every field optional."""
    specs = field_specs(item)
    key = None
    if item.status != ItemStatus.DRAFT:
        key = (json.dumps(specs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str), partial)
        found = _FORM_CLASSES.get(key)
        if found is not None:
            return found
    attrs: dict[str, Any] = {"field_specs": specs}
    for spec in specs:
        attrs[str(spec["name"])] = build_field(spec, required=False if partial else None)
    built = type(f"ApplicationForm_{item.pk or 'new'}", (ApplicationFormBase,), attrs)
    if key is not None:
        if len(_FORM_CLASSES) >= 2048:
            _FORM_CLASSES.clear()
        _FORM_CLASSES[key] = built
    return built


def to_json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _form_input(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return value


def validate_form_data(item: ServiceItem, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check the applicant's form values against the item's declarations.

    Returns every declared field with its cleaned, JSON-ready value (None or "" when
    empty). Raises ``ValidationFailed`` whose ``details`` map each failing field to a list
    of ``{"code", "message"}``; names the item does not declare are refused
    (``unknown_field``). With ``partial`` (a draft), missing values are allowed.
    """
    specs = field_specs(item)
    declared = {str(spec["name"]) for spec in specs}
    errors: dict[str, list[dict[str, str]]] = {}
    for name in data:
        if name not in declared:
            errors[str(name)] = [{"code": "unknown_field", "message": str(_("This field is not part of the form."))}]
    for name, value in data.items():
        if name in declared and isinstance(value, list | dict):
            errors[str(name)] = [{"code": "invalid", "message": str(_("Enter a single value."))}]
    form = application_form_class(item, partial=partial)(
        data={name: _form_input(value) for name, value in data.items() if name in declared and name not in errors}
    )
    if not form.is_valid():
        for name, items in form.errors.get_json_data().items():
            errors.setdefault(name, []).extend({"code": e["code"] or "invalid", "message": e["message"]} for e in items)
    if errors:
        raise ValidationFailed(_("Some fields of the application form are invalid."), details=errors)
    return form.json_data()


def form_errors_as_details(form: forms.BaseForm) -> dict[str, list[dict[str, str]]]:
    return {
        name: [{"code": e["code"] or "invalid", "message": e["message"]} for e in items]
        for name, items in form.errors.get_json_data().items()
    }


# ---------------------------------------------------------------- prefill


def _profile_values(user: Any, enterprise: Any = None) -> dict[str, str]:
    values = {
        "full_name": str(getattr(user, "full_name", "") or ""),
        "id_number": str(getattr(user, "id_number", "") or ""),
        "phone": str(getattr(user, "phone", "") or ""),
        "email": str(getattr(user, "email", "") or ""),
        "address": str(getattr(user, "address", "") or ""),
        "uscc": str(getattr(user, "uscc", "") or ""),
        "enterprise_name": "",
        "legal_representative": "",
    }
    if enterprise is not None:
        values["uscc"] = str(getattr(enterprise, "uscc", "") or values["uscc"])
        values["enterprise_name"] = str(getattr(enterprise, "name", "") or "")
        values["legal_representative"] = str(getattr(enterprise, "legal_representative_name", "") or "")
        values["address"] = str(getattr(enterprise, "address", "") or values["address"])
    return values


def _prefill_key(spec: Mapping[str, Any], *, for_enterprise: bool) -> str | None:
    explicit = str(spec.get("prefill") or "")
    if explicit in PREFILL_KEYS:
        return explicit
    if spec.get("prefill") is False:
        return None
    kind = str(spec.get("type") or "text")
    name = str(spec.get("name") or "")
    if kind in ("id_number", "uscc", "phone", "email", "address"):
        return kind
    if name in ENTERPRISE_NAME_KEYS:
        return "enterprise_name"
    if name in ("legal_representative", "legal_representative_name"):
        return "legal_representative"
    if name == "name" and for_enterprise:
        return "enterprise_name"
    if name in PERSON_NAME_KEYS:
        return "full_name"
    if name in ("phone", "mobile", "contact_phone"):
        return "phone"
    return None


def prefill_from_profile(item: ServiceItem, user: Any, *, enterprise: Any = None) -> dict[str, Any]:
    """Initial values for the item's form from the applicant's profile (and the enterprise acted for)."""
    values = _profile_values(user, enterprise)
    initial: dict[str, Any] = {}
    for spec in field_specs(item):
        key = _prefill_key(spec, for_enterprise=enterprise is not None)
        if key and values.get(key):
            value = values[key]
            if str(spec.get("type")) == "choice" and value not in [str(c) for c in spec.get("choices") or []]:
                continue
            initial[str(spec["name"])] = value
    return initial


def fill_empty_from(item: ServiceItem, data: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """Fill the item's empty fields that take a profile value (ID number, name, phone…) from ``values``.

    Used at the window: the clerk types the applicant's identity once.
    """
    filled = dict(data)
    for spec in field_specs(item):
        key = _prefill_key(spec, for_enterprise=False)
        name = str(spec["name"])
        if key and values.get(key) and not str(filled.get(name) or "").strip():
            filled[name] = values[key]
    return filled


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


def situation_questions(item: ServiceItem) -> tuple[situation_guide.Question, ...]:
    return situation_guide.parse_questions(item.situations or [])


def situations_form_class(item: ServiceItem, *, required: bool = False) -> type[forms.Form]:
    """One radio question per situation of the item (情形引导)."""
    attrs: dict[str, Any] = {}
    for question in situation_questions(item):
        attrs[question.code] = forms.ChoiceField(
            label=question.text,
            required=required,
            choices=[(o.code, o.label) for o in question.options],
            widget=forms.RadioSelect(attrs={"class": "choice"}),
        )
    return type(f"SituationsForm_{item.pk or 'new'}", (forms.Form,), attrs)


def clean_situations(item: ServiceItem, answers: Mapping[str, Any], *, complete: bool = False) -> dict[str, str]:
    """Keep the answers that are options of their question; refuse unknown ones.

    With ``complete`` every question must be answered (code ``situation_unanswered``).
    """
    questions = situation_questions(item)
    known = {q.code for q in questions}
    submitted = {str(k): str(v or "") for k, v in answers.items()}
    cleaned, invalid = situation_guide.clean_answers(questions, submitted)
    errors: dict[str, list[dict[str, str]]] = {}
    for code in invalid:
        errors[code] = [{"code": "invalid_choice", "message": str(_("Choose one of the listed answers."))}]
    for code in submitted:
        if code not in known:
            errors[code] = [
                {"code": "unknown_situation", "message": str(_("This question is not asked for the item."))}
            ]
    if complete:
        for question in questions:
            if question.code not in cleaned and question.code not in errors:
                errors[question.code] = [
                    {"code": "situation_unanswered", "message": str(_("Please answer this question."))}
                ]
    if errors:
        raise ValidationFailed(_("Some answers about your situation are missing or invalid."), details=errors)
    return cleaned


def item_materials(item: ServiceItem) -> list[Material]:
    """The item's materials in their order (``item.materials.all()``, on the submission's hot path;
    from this process's copy when the item was read with their content key: ``cases.store``)."""
    return store.item_materials(item)


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
