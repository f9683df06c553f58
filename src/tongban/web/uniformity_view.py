"""The 六统一 comparison as table rows: one row per element, one cell per region, differences marked.

A cell of a single-text element (name, content, result form) differs when its normalised text
is not the one most regions share. A cell of a list element (legal basis, conditions, materials)
lists its entries, marking those not every region has, and names the entries other regions
have that it lacks. Normalisation is the catalog's own (``uniformity.normalise``), so what the
page marks agrees with the score.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from tongban.catalog.constants import UNIFORMITY_ELEMENTS
from tongban.catalog.uniformity import LIST_SEPARATOR, Uniformity, UniformityReport, normalise

ELEMENT_LABELS: dict[str, str | Promise] = {
    "name": pgettext_lazy("uniformity element", "Item name"),
    "legal_basis": pgettext_lazy("uniformity element", "Legal basis"),
    "content": pgettext_lazy("uniformity element", "Content"),
    "conditions": pgettext_lazy("uniformity element", "Conditions"),
    "materials": pgettext_lazy("uniformity element", "Materials"),
    "result_form": pgettext_lazy("uniformity element", "Result form"),
}
LIST_ELEMENTS = frozenset({"legal_basis", "conditions", "materials"})


def element_label(element: str) -> str:
    return str(ELEMENT_LABELS.get(element, element))


@dataclass(frozen=True)
class Entry:
    text: str
    shared: bool


@dataclass(frozen=True)
class Cell:
    region: str
    text: str
    differs: bool
    entries: list[Entry] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    element: str
    label: str
    uniform: bool
    similarity: float
    is_list: bool
    cells: list[Cell]


def _split(text: str) -> list[str]:
    return [e for e in text.split(LIST_SEPARATOR) if e.strip()]


def _list_cells(values: dict[str, str], regions: list[str], uniform: bool) -> list[Cell]:
    entries = {r: _split(values.get(r, "")) for r in regions}
    keys = {r: {normalise(e) for e in entries[r]} for r in regions}
    everywhere = set.intersection(*keys.values()) if keys else set()
    # readable text of each normalised entry, first spelling seen
    spelling: dict[str, str] = {}
    for r in regions:
        for e in entries[r]:
            spelling.setdefault(normalise(e), e)
    cells = []
    for r in regions:
        own = [Entry(text=e, shared=uniform or normalise(e) in everywhere) for e in entries[r]]
        others = set().union(*(keys[o] for o in regions if o != r)) if len(regions) > 1 else set()
        missing = [] if uniform else sorted(spelling[k] for k in others - keys[r])
        differs = not uniform and (any(not e.shared for e in own) or bool(missing))
        cells.append(Cell(region=r, text=values.get(r, ""), differs=differs, entries=own, missing=missing))
    return cells


def _text_cells(values: dict[str, str], regions: list[str], uniform: bool) -> list[Cell]:
    norm = {r: normalise(values.get(r, "")) for r in regions}
    counts = Counter(norm.values())
    top, top_count = counts.most_common(1)[0] if counts else ("", 0)
    majority = top if top_count > 1 and list(counts.values()).count(top_count) == 1 else None
    return [
        Cell(
            region=r,
            text=values.get(r, ""),
            differs=not uniform and (majority is None or norm[r] != majority),
        )
        for r in regions
    ]


def comparison_rows(u: Uniformity) -> list[Row]:
    rows = []
    for element in UNIFORMITY_ELEMENTS:
        comparison = u.elements.get(element)
        if comparison is None:
            continue
        is_list = element in LIST_ELEMENTS
        build = _list_cells if is_list else _text_cells
        rows.append(
            Row(
                element=element,
                label=element_label(element),
                uniform=comparison.uniform,
                similarity=comparison.similarity,
                is_list=is_list,
                cells=build(comparison.values, u.regions, comparison.uniform),
            )
        )
    return rows


def report_elements(report: UniformityReport) -> list[tuple[str, int]]:
    """(element label, number of shared items differing on it), in the order of the six elements."""
    return [(element_label(e), report.non_uniform_by_element.get(e, 0)) for e in UNIFORMITY_ELEMENTS]
