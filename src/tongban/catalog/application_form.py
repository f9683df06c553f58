"""The application form of an item and its 情形引导 questions: rules over one item spec, no database.

An item declares its form in ``form_fields``: a list of
``{"name", "label", "type", "required", "choices", "max_length", "help"}`` with the
optional keys ``"min"`` / ``"max"`` (numbers, dates as ``YYYY-MM-DD``) and ``"prefill"``
(which profile value fills it). Types: ``text``, ``textarea``, ``number``, ``date``,
``choice``, ``id_number`` (GB 11643), ``uscc`` (GB 32100), ``address``, ``phone``,
``email``. An unknown type is treated as ``text``. Its ``situations`` are the questions of
``catalog.situations``.

Both a local ``ServiceItem`` and a peer's catalog snapshot (``ItemSnapshotSpec``) provide the
``ItemSpec`` these rules read, so an application for another region's item is checked here
with the same code as a local one (跨省通办).

``application_form_class`` builds a Django form for the pages; ``validate_form_data``
checks a dict (from the API or a service) with the same rules and returns the cleaned,
JSON-ready values or raises ``ValidationFailed`` with the messages per field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from tongban.catalog import situations as situation_guide
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.core.identifiers import validate_resident_id, validate_uscc


class ItemSpec(Protocol):
    """What the form rules read of an item: a ``ServiceItem``, or ``ItemSnapshotSpec`` for a peer's."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def form_fields(self) -> Any: ...

    @property
    def situations(self) -> Any: ...


@dataclass(frozen=True)
class ItemSnapshotSpec:
    """The ``ItemSpec`` of an item known from a catalog snapshot (a peer's published catalog)."""

    code: str
    name: str
    form_fields: list[Any] = field(default_factory=list)
    situations: list[Any] = field(default_factory=list)


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


def field_specs(item: ItemSpec) -> tuple[Mapping[str, Any], ...]:
    return tuple(
        spec for spec in (item.form_fields or []) if isinstance(spec, Mapping) and str(spec.get("name") or "").strip()
    )


# Form classes of published (and past) versions, per process, keyed by the version's id and last
# change (its declared fields never change after publication). Their texts are lazy translations,
# so one class serves every language; each form instance copies the class's fields.
_FORM_CLASSES: dict[tuple[int, Any, bool], type[ApplicationFormBase]] = {}


def _version_key(item: ItemSpec) -> tuple[int, Any] | None:
    """A saved, non-draft catalog version (its declared fields never change): (id, last change)."""
    if isinstance(item, ServiceItem) and item.pk is not None and item.status != ItemStatus.DRAFT:
        return (item.pk, item.updated_at)
    return None


def application_form_class(item: ItemSpec, *, partial: bool = False) -> type[ApplicationFormBase]:
    """A form class with one field per declared field; ``partial`` (drafts) makes every field optional."""
    version = _version_key(item)
    key = (*version, partial) if version is not None else None
    if key is not None:
        found = _FORM_CLASSES.get(key)
        if found is not None:
            return found
    specs = field_specs(item)
    attrs: dict[str, Any] = {"field_specs": specs}
    for spec in specs:
        attrs[str(spec["name"])] = build_field(spec, required=False if partial else None)
    built = type(f"ApplicationForm_{getattr(item, 'pk', None) or 'new'}", (ApplicationFormBase,), attrs)
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


def validate_form_data(item: ItemSpec, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
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


def prefill_from_profile(item: ItemSpec, user: Any, *, enterprise: Any = None) -> dict[str, Any]:
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


def fill_empty_from(item: ItemSpec, data: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
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


# ---------------------------------------------------------------- situations (情形引导)


def situation_questions(item: ItemSpec) -> tuple[situation_guide.Question, ...]:
    return situation_guide.parse_questions(item.situations or [])


def situations_form_class(item: ItemSpec, *, required: bool = False) -> type[forms.Form]:
    """One radio question per situation of the item (情形引导)."""
    attrs: dict[str, Any] = {}
    for question in situation_questions(item):
        attrs[question.code] = forms.ChoiceField(
            label=question.text,
            required=required,
            choices=[(o.code, o.label) for o in question.options],
            widget=forms.RadioSelect(attrs={"class": "choice"}),
        )
    return type(f"SituationsForm_{getattr(item, 'pk', None) or 'new'}", (forms.Form,), attrs)


def clean_situations(item: ItemSpec, answers: Mapping[str, Any], *, complete: bool = False) -> dict[str, str]:
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
