"""API shapes of the 六统一 (uniformity) comparison and report."""

from __future__ import annotations

from ninja import Schema

from tongban.catalog.uniformity import ItemScore, Uniformity, UniformityReport


class ElementComparisonOut(Schema):
    uniform: bool
    similarity: float
    values: dict[str, str]


class UniformityOut(Schema):
    base_code: str
    base_name: str
    score: float
    comparable: bool
    regions: list[str]
    codes: dict[str, str]
    elements: dict[str, ElementComparisonOut]

    @classmethod
    def from_result(cls, u: Uniformity) -> UniformityOut:
        return cls(
            base_code=u.base_code,
            base_name=u.base_name,
            score=u.score,
            comparable=u.comparable,
            regions=u.regions,
            codes=u.codes,
            elements={
                name: ElementComparisonOut(uniform=e.uniform, similarity=e.similarity, values=e.values)
                for name, e in u.elements.items()
            },
        )


class ItemScoreOut(Schema):
    base_code: str
    base_name: str
    score: float
    regions: list[str]
    differing_elements: list[str]

    @classmethod
    def from_score(cls, s: ItemScore) -> ItemScoreOut:
        return cls(
            base_code=s.base_code,
            base_name=s.base_name,
            score=s.score,
            regions=s.regions,
            differing_elements=s.differing_elements,
        )


class UniformityReportOut(Schema):
    regions: list[str]
    shared_items: int
    fully_uniform: int
    uniform_ratio: float
    average_score: float
    non_uniform_by_element: dict[str, int]
    least_uniform: list[ItemScoreOut]
    items: list[ItemScoreOut]

    @classmethod
    def from_report(cls, r: UniformityReport) -> UniformityReportOut:
        return cls(
            regions=r.regions,
            shared_items=r.shared_items,
            fully_uniform=r.fully_uniform,
            uniform_ratio=r.uniform_ratio,
            average_score=r.average_score,
            non_uniform_by_element=r.non_uniform_by_element,
            least_uniform=[ItemScoreOut.from_score(s) for s in r.least_uniform],
            items=[ItemScoreOut.from_score(s) for s in r.items],
        )
