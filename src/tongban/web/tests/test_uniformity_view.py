"""The 六统一 table: which cells and entries are marked as differing (pure, no database)."""

from __future__ import annotations

from typing import Any

from tongban.catalog.uniformity import ImplementationSnapshot, compare_snapshots
from tongban.web.uniformity_view import comparison_rows


def snap(region: str, **kw: Any) -> ImplementationSnapshot:
    data: dict[str, Any] = {
        "region": region,
        "code": f"{region}-X",
        "name": "住房公积金提取",
        "legal_basis": (("《住房公积金管理条例》", "第二十四条"),),
        "content": "提取住房公积金",
        "conditions": ("职工离休、退休",),
        "materials": ("居民身份证", "退休证明"),
        "result_form": "payment",
        "result_name": "提取款项",
    }
    data.update(kw)
    return ImplementationSnapshot(**data)


def rows_by_element(*snaps: ImplementationSnapshot) -> dict[str, Any]:
    u = compare_snapshots(base_code="B1", base_name="住房公积金提取", snapshots=list(snaps))
    return {r.element: r for r in comparison_rows(u)}


def test_uniform_items_mark_nothing() -> None:
    rows = rows_by_element(snap("110000"), snap("120000"))
    assert [r.element for r in rows.values()] == [
        "name",
        "legal_basis",
        "content",
        "conditions",
        "materials",
        "result_form",
    ]
    assert all(r.uniform for r in rows.values())
    assert not any(c.differs for r in rows.values() for c in r.cells)


def test_a_name_differing_in_one_of_three_regions_marks_only_that_cell() -> None:
    rows = rows_by_element(snap("110000"), snap("120000"), snap("130000", name="公积金提取"))
    name = rows["name"]
    assert name.uniform is False
    assert [(c.region, c.differs) for c in name.cells] == [("110000", False), ("120000", False), ("130000", True)]


def test_list_entries_not_shared_by_all_are_marked_and_missing_ones_named() -> None:
    rows = rows_by_element(
        snap("110000", materials=("居民身份证", "租房合同")),
        snap("120000", materials=("居民身份证", "退休证明")),
    )
    materials = rows["materials"]
    assert materials.is_list and not materials.uniform
    bj, tj = materials.cells
    assert [(e.text, e.shared) for e in bj.entries] == [("居民身份证", True), ("租房合同", False)]
    assert bj.missing == ["退休证明"]
    assert tj.missing == ["租房合同"]
    assert bj.differs and tj.differs


def test_spelling_variants_the_catalog_treats_as_equal_are_not_marked() -> None:
    # given the same law written with and without 中华人民共和国 and with a different order of materials
    rows = rows_by_element(
        snap(
            "110000", legal_basis=(("《中华人民共和国行政许可法》", "第十二条"),), materials=("退休证明", "居民身份证")
        ),
        snap("120000", legal_basis=(("《行政许可法》", "第十二条"),)),
    )
    assert rows["legal_basis"].uniform and rows["materials"].uniform
    assert not any(c.differs for c in rows["legal_basis"].cells + rows["materials"].cells)
