"""六统一: how uniform are the regional implementations of one base item?

The 京津冀 "六统一" reform asks that the same item carry the same **name, legal basis,
content, conditions, materials and result form** in every region
(``constants.UNIFORMITY_ELEMENTS``). This module compares the published implementations of a
base item on those six elements.

The comparison itself is a pure function over :class:`ImplementationSnapshot` values
(:func:`compare_snapshots`), so items received from peer regions through federation can be
compared the same way as local rows; :func:`compare` and :func:`region_report` load the
snapshots from the local database.

Normalisation (before anything is compared)
    Unicode NFKC (full-width → half-width), lower case, book-title bracket variants
    (``<>``, ``〈〉``, ``＜＞``, ``«»``) read as ``《》``, the prefix 中华人民共和国 inside a law's title
    dropped (《中华人民共和国计量法》 and 《计量法》 name the same law), then every whitespace and
    punctuation character removed. Lists whose order carries no meaning — legal basis entries
    (law + article), conditions, material names — are compared as sets of normalised entries.
    The result form is compared as its kind together with the result's name.

Similarity of one element (0–1)
    1.0 when the normalised values of all regions are equal (the element is *uniform*).
    Otherwise the mean over every pair of regions of: ``difflib.SequenceMatcher.ratio`` of the
    normalised texts for the name, content and result form; the Jaccard index of the normalised
    entry sets for the legal basis, conditions and materials. A differing element never scores
    1.0 (it is capped at 0.99), so "uniform" and "similarity == 1" always agree.

Score of the item (0–1)
    The mean of the six element similarities, rounded to four decimals. An item implemented by
    fewer than two regions is not comparable: its score is 1.0, every element is uniform and
    ``comparable`` is false. See docs/adr/0002-uniformity-score.md.

When one region publishes several implementations of the same base item (sub-items by
handling type), the one compared is the "new" (新设) handling item if there is one, otherwise the
one with the smallest implementation code.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.catalog.constants import UNIFORMITY_ELEMENTS, HandlingType, ItemStatus, ResultForm
from tongban.catalog.models import BaseItem, Material, ServiceItem
from tongban.core.errors import NotFound, ValidationFailed
from tongban.regions.models import Region

LIST_SEPARATOR = "；"
DIFFERING_CAP = 0.99
_REGION_CODE = re.compile(r"^\d{6}$")
_BRACKETS = str.maketrans({"<": "《", ">": "》", "〈": "《", "〉": "》", "«": "《", "»": "》"})
_PRC_PREFIX = re.compile(r"《\s*中华人民共和国")


@dataclass(frozen=True)
class ImplementationSnapshot:
    """What the comparison needs of one region's implementation of a base item."""

    region: str
    code: str
    name: str
    legal_basis: tuple[tuple[str, str], ...]
    content: str
    conditions: tuple[str, ...]
    materials: tuple[str, ...]
    result_form: str
    result_name: str
    region_name: str = ""

    @classmethod
    def from_item(cls, item: ServiceItem) -> ImplementationSnapshot:
        return cls(
            region=item.region_id,
            region_name=item.region.name,
            code=item.code,
            name=item.name,
            legal_basis=tuple((str(e.get("law", "")), str(e.get("article", ""))) for e in item.legal_basis),
            content=item.content,
            conditions=tuple(str(c) for c in item.conditions),
            materials=tuple(m.name for m in item.materials.all()),
            result_form=item.result_form,
            result_name=item.result_name,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImplementationSnapshot:
        """From an item as the API (``ItemDetailOut``) or a peer node's catalog sync serialises it."""
        materials = data.get("materials", [])
        return cls(
            region=str(data["region"]),
            region_name=str(data.get("region_name", "")),
            code=str(data.get("code", "")),
            name=str(data.get("name", "")),
            legal_basis=tuple((str(e.get("law", "")), str(e.get("article", ""))) for e in data.get("legal_basis", [])),
            content=str(data.get("content", "")),
            conditions=tuple(str(c) for c in data.get("conditions", [])),
            materials=tuple(str(m["name"]) if isinstance(m, Mapping) else str(m) for m in materials),
            result_form=str(data.get("result_form", "")),
            result_name=str(data.get("result_name", "")),
        )


@dataclass(frozen=True)
class ElementComparison:
    uniform: bool
    values: dict[str, str]
    similarity: float


@dataclass(frozen=True)
class Uniformity:
    base_code: str
    base_name: str
    score: float
    regions: list[str]
    elements: dict[str, ElementComparison]
    comparable: bool = True
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def fully_uniform(self) -> bool:
        return all(e.uniform for e in self.elements.values())

    @property
    def differing_elements(self) -> list[str]:
        return [name for name, e in self.elements.items() if not e.uniform]


@dataclass(frozen=True)
class ItemScore:
    base_code: str
    base_name: str
    score: float
    regions: list[str]
    differing_elements: list[str]


@dataclass(frozen=True)
class UniformityReport:
    regions: list[str]
    shared_items: int
    fully_uniform: int
    average_score: float
    non_uniform_by_element: dict[str, int]
    least_uniform: list[ItemScore]
    items: list[ItemScore]

    @property
    def uniform_ratio(self) -> float:
        return round(self.fully_uniform / self.shared_items, 4) if self.shared_items else 1.0


# --- normalisation ---------------------------------------------------------------------------


def normalise(text: str) -> str:
    """The comparable form of a text: see the module docstring."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_BRACKETS)
    text = _PRC_PREFIX.sub("《", text)
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def _basis_label(law: str, article: str) -> str:
    return f"{law.strip()}{article.strip()}"


def _result_label(snapshot: ImplementationSnapshot) -> str:
    labels = dict(ResultForm.choices)
    kind = str(labels.get(snapshot.result_form, snapshot.result_form))
    if snapshot.result_name:
        return f"{snapshot.result_name}（{kind}）"
    return kind


def _texts(snapshot: ImplementationSnapshot, element: str) -> tuple[str, list[str] | None]:
    """(readable value, entries) of an element; entries is None for single texts."""
    if element == "name":
        return snapshot.name, None
    if element == "content":
        return snapshot.content, None
    if element == "result_form":
        return _result_label(snapshot), None
    if element == "legal_basis":
        entries = [_basis_label(law, article) for law, article in snapshot.legal_basis]
    elif element == "conditions":
        entries = list(snapshot.conditions)
    elif element == "materials":
        entries = list(snapshot.materials)
    else:  # pragma: no cover - UNIFORMITY_ELEMENTS is closed
        raise ValueError(element)
    return LIST_SEPARATOR.join(entries), entries


def _comparable_form(snapshot: ImplementationSnapshot, element: str) -> str | frozenset[str]:
    readable, entries = _texts(snapshot, element)
    if entries is None:
        if element == "result_form":
            return f"{snapshot.result_form}:{normalise(snapshot.result_name)}"
        return normalise(readable)
    return frozenset(n for n in (normalise(e) for e in entries) if n)


def _pair_similarity(a: str | frozenset[str], b: str | frozenset[str]) -> float:
    if a == b:
        return 1.0
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        union = a | b
        return len(a & b) / len(union) if union else 1.0
    return difflib.SequenceMatcher(None, str(a), str(b), autojunk=False).ratio()


# --- comparison ------------------------------------------------------------------------------


def compare_snapshots(*, base_code: str, base_name: str, snapshots: Sequence[ImplementationSnapshot]) -> Uniformity:
    """Compare implementations (one per region) of one base item. Pure: no database access."""
    by_region: dict[str, ImplementationSnapshot] = {}
    for snap in sorted(snapshots, key=lambda s: (s.region, s.code)):
        by_region.setdefault(snap.region, snap)
    regions = sorted(by_region)
    comparable = len(regions) >= 2
    elements: dict[str, ElementComparison] = {}
    for element in UNIFORMITY_ELEMENTS:
        values = {r: _texts(by_region[r], element)[0] for r in regions}
        forms = [_comparable_form(by_region[r], element) for r in regions]
        uniform = not comparable or all(f == forms[0] for f in forms)
        if uniform:
            similarity = 1.0
        else:
            pairs = list(itertools.combinations(forms, 2))
            similarity = min(DIFFERING_CAP, sum(_pair_similarity(a, b) for a, b in pairs) / len(pairs))
        elements[element] = ElementComparison(uniform=uniform, values=values, similarity=round(similarity, 4))
    score = 1.0 if not comparable else round(sum(e.similarity for e in elements.values()) / len(elements), 4)
    return Uniformity(
        base_code=base_code,
        base_name=base_name,
        score=score,
        regions=regions,
        elements=elements,
        comparable=comparable,
        codes={r: by_region[r].code for r in regions},
    )


def _preference(item: ServiceItem) -> tuple[int, str]:
    return (0 if item.handling_type == HandlingType.NEW else 1, item.code)


def _published(region_codes: list[str] | None) -> QuerySet[ServiceItem]:
    qs = (
        ServiceItem.objects.filter(status=ItemStatus.PUBLISHED)
        .select_related("region", "base")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("order", "id")))
    )
    if region_codes is not None:
        qs = qs.filter(region_id__in=region_codes)
    return qs


def _snapshots(items: Iterable[ServiceItem]) -> list[ImplementationSnapshot]:
    chosen: dict[str, ServiceItem] = {}
    for item in items:
        current = chosen.get(item.region_id)
        if current is None or _preference(item) < _preference(current):
            chosen[item.region_id] = item
    return [ImplementationSnapshot.from_item(i) for i in chosen.values()]


def _check_regions(region_codes: list[str] | None) -> list[str] | None:
    if region_codes is None:
        return None
    codes = sorted({c.strip() for c in region_codes if c.strip()})
    bad = [c for c in codes if not _REGION_CODE.match(c)]
    if bad:
        raise ValidationFailed(
            _("A region code has six digits (GB/T 2260)."),
            code="invalid_region_code",
            details={"regions": bad},
        )
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise NotFound(_("Unknown region."), code="region_not_found", details={"regions": unknown})
    return codes


def compare(*, base_code: str, region_codes: list[str] | None = None) -> Uniformity:
    """Compare the published implementations of one base item (optionally only these regions)."""
    try:
        base = BaseItem.objects.get(base_code=base_code)
    except BaseItem.DoesNotExist:
        raise NotFound(_("No base item has this code."), code="base_item_not_found") from None
    codes = _check_regions(region_codes)
    items = _published(codes).filter(base=base)
    return compare_snapshots(base_code=base.base_code, base_name=base.name, snapshots=_snapshots(items))


def report_from_comparisons(
    *, regions: list[str], comparisons: Iterable[Uniformity], least: int = 10
) -> UniformityReport:
    """Summarise comparisons of shared items (pure)."""
    scores: list[ItemScore] = []
    by_element = dict.fromkeys(UNIFORMITY_ELEMENTS, 0)
    for u in comparisons:
        if not u.comparable:
            continue
        for name in u.differing_elements:
            by_element[name] += 1
        scores.append(ItemScore(u.base_code, u.base_name, u.score, u.regions, u.differing_elements))
    scores.sort(key=lambda s: (s.score, s.base_code))
    uniform = sum(1 for s in scores if not s.differing_elements)
    average = round(sum(s.score for s in scores) / len(scores), 4) if scores else 1.0
    return UniformityReport(
        regions=regions,
        shared_items=len(scores),
        fully_uniform=uniform,
        average_score=average,
        non_uniform_by_element=by_element,
        least_uniform=[s for s in scores if s.differing_elements][:least],
        items=scores,
    )


def region_report(*, region_codes: list[str] | None = None, least: int = 10) -> UniformityReport:
    """Uniformity over the base items that at least two of the regions implement."""
    codes = _check_regions(region_codes)
    grouped: dict[int, list[ServiceItem]] = defaultdict(list)
    bases: dict[int, BaseItem] = {}
    for item in _published(codes):
        grouped[item.base_id].append(item)
        bases[item.base_id] = item.base
    comparisons = [
        compare_snapshots(base_code=bases[bid].base_code, base_name=bases[bid].name, snapshots=_snapshots(items))
        for bid, items in grouped.items()
    ]
    regions = codes if codes is not None else sorted({r for u in comparisons for r in u.regions})
    return report_from_comparisons(regions=regions, comparisons=comparisons, least=least)
