"""Forms of the resident portal: the search filters (GET parameters)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import CrossRegionMode, ItemKind, ServiceObject
from tongban.web import selectors
from tongban.web.i18n import localized_name

MAX_QUERY = 100
FILTERS = ("region", "department", "kind", "service_object", "cross_region_mode")
MAX_PAGE = 10_000


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


REGION_SEPARATOR = ":"


class DepartmentField(forms.ChoiceField):
    """A department: its code within the chosen region, or ``<region>:<code>`` when no region is chosen.

    Department codes are unique only within a region (every region has its ``hpf``), so without a
    chosen region the options carry their region. A plain code is accepted whenever some listed
    department has it (links such as ``?region=120000&department=hpf``).
    """

    region_code = ""
    """The region chosen in the same form, if any: then ``<that region>:<code>`` is accepted too."""

    def valid_value(self, value: Any) -> bool:
        if super().valid_value(value):
            return True
        plain = {str(k).rpartition(REGION_SEPARATOR)[2] for k, _v in self._flat_choices()}
        region, separator, code = str(value).rpartition(REGION_SEPARATOR)
        if separator and region != self.region_code:
            return False
        return code in plain

    def _flat_choices(self) -> list[tuple[Any, Any]]:
        flat: list[tuple[Any, Any]] = []
        for key, value in cast(list[Any], self.choices):
            if isinstance(value, list | tuple):
                flat.extend(value)
            else:
                flat.append((key, value))
        return flat


class SearchForm(forms.Form):
    """Search words and filters. Every field is optional; a value outside the choices is an error."""

    q = forms.CharField(
        label=_("Search words"),
        required=False,
        max_length=MAX_QUERY,
        strip=True,
        error_messages={"max_length": _("Please use at most %(limit_value)d characters.")},
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    department = DepartmentField(label=_("Department"), required=False)
    kind = forms.ChoiceField(label=_("Kind of item"), required=False)
    service_object = forms.ChoiceField(label=_("Service object"), required=False)
    cross_region_mode = forms.ChoiceField(label=_("Cross-region handling"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=MAX_PAGE,
        error_messages={
            "invalid": _("The page number must be a whole number."),
            "min_value": _("The page number must be at least 1."),
            "max_value": _("The page number is too large."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invalid_choice = _("“%(value)s” is not one of the choices of this filter.")
        for name in ("region", "department", "kind", "service_object", "cross_region_mode", "theme"):
            self.fields[name].error_messages["invalid_choice"] = invalid_choice

        self._choice("region").choices = _blank(_("All regions")) + [
            (r.code, localized_name(r)) for r in selectors.regions_offered()
        ]
        # Departments of the chosen region; with no region chosen, every region's, grouped by region
        # (this node's region first) and carrying their region in the value.
        region_code = str(self.data.get("region") or "") if self.is_bound else ""
        groups: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        for d in selectors.department_choices(region_code=region_code or None):
            value = d.code if region_code else f"{d.region_id}{REGION_SEPARATOR}{d.code}"
            groups.setdefault(d.region_id, (localized_name(d.region), []))[1].append((value, localized_name(d)))
        ordered = sorted(groups.items(), key=lambda kv: (kv[0] != settings.TONGBAN_REGION, kv[0]))
        department_choices: list[Any] = _blank(_("All departments"))
        if region_code:
            department_choices += [c for _code, (_label, options) in ordered for c in options]
        else:
            department_choices += [(label, options) for _code, (label, options) in ordered]
        department_field = self.fields["department"]
        assert isinstance(department_field, DepartmentField)
        department_field.choices = department_choices
        department_field.region_code = region_code
        self._choice("kind").choices = _blank(_("All kinds")) + list(ItemKind.choices)
        self._choice("service_object").choices = _blank(_("Residents and enterprises")) + list(ServiceObject.choices)
        self._choice("cross_region_mode").choices = _blank(_("Any")) + [
            (v, label) for v, label in CrossRegionMode.choices if v != CrossRegionMode.NONE
        ]
        self._choice("theme").choices = _blank(_("All themes")) + [
            (t.code, localized_name(t)) for t in selectors.theme_list()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        department = str(data.get("department") or "")
        if REGION_SEPARATOR in department:
            region, _sep, code = department.partition(REGION_SEPARATOR)
            data["region"], data["department"] = region, code
        return data

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def filters(self) -> dict[str, str | None]:
        """The chosen filters (without words, theme and page) for the search call; None where not chosen."""
        data = self.cleaned_data
        return {name: data.get(name) or None for name in FILTERS}
