"""六统一: comparison of a base item's regional implementations, the region report and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tongban.catalog.constants import UNIFORMITY_ELEMENTS, HandlingType, ItemStatus, ResultForm
from tongban.catalog.models import BaseItem, ServiceItem
from tongban.catalog.tests.factories import BaseItemFactory, MaterialFactory, ServiceItemFactory
from tongban.catalog.uniformity import (
    ImplementationSnapshot,
    compare,
    compare_snapshots,
    normalise,
    region_report,
)
from tongban.core.errors import NotFound, ValidationFailed
from tongban.regions.models import Region

REGIONS = ("110000", "120000", "130000")


def implement(base: BaseItem, region: str, **overrides: Any) -> ServiceItem:
    """A published implementation of ``base`` in ``region`` with the same six elements by default."""
    materials = overrides.pop("materials", ["申请书", "居民身份证"])
    fields: dict[str, Any] = {
        "code": f"{region}-{base.base_code}-{overrides.pop('suffix', '001')}",
        "base": base,
        "region": Region.objects.get(code=region),
        "name": base.name,
        "content": "对符合条件的申请人核发许可证",
        "conditions": ["申请人具有完全民事行为能力", "有固定的经营场所"],
        "legal_basis": [{"law": "《农药管理条例》", "article": "第二十四条"}],
        "result_form": ResultForm.LICENCE,
        "result_name": "农药经营许可证",
    }
    fields.update(overrides)
    item = ServiceItemFactory.create(**fields)
    for order, name in enumerate(materials):
        MaterialFactory.create(item=item, order=order, code=f"M{order}", name=name)
    return item


@pytest.fixture
def base() -> BaseItem:
    return BaseItemFactory.create(base_code="000105012000", name="农药经营许可")


@pytest.mark.django_db
def test_identical_implementations_are_fully_uniform(base: BaseItem) -> None:
    # Given the same item published identically in three regions
    for region in REGIONS:
        implement(base, region)

    # When the item is compared
    result = compare(base_code=base.base_code)

    # Then the score is 1, all six elements are uniform and every region's value is shown
    assert result.score == 1.0
    assert result.comparable
    assert result.regions == list(REGIONS)
    assert set(result.elements) == set(UNIFORMITY_ELEMENTS)
    assert all(e.uniform and e.similarity == 1.0 for e in result.elements.values())
    assert result.elements["materials"].values["120000"] == "申请书；居民身份证"
    assert result.codes["130000"] == f"130000-{base.base_code}-001"


@pytest.mark.parametrize(
    ("element", "overrides"),
    [
        ("name", {"name": "农药经营许可证核发"}),
        ("legal_basis", {"legal_basis": [{"law": "《农药经营许可管理办法》", "article": "第二条"}]}),
        ("content", {"content": "对限制使用农药经营者核发许可证"}),
        ("conditions", {"conditions": ["申请人具有完全民事行为能力", "有固定的经营场所", "有农学专业技术人员"]}),
        ("materials", {"materials": ["申请书", "居民身份证", "营业执照"]}),
        ("result_form", {"result_form": ResultForm.APPROVAL_DOCUMENT}),
        ("result_form", {"result_name": "农药经营许可决定书"}),
    ],
)
@pytest.mark.django_db
def test_each_kind_of_difference_is_found_on_its_element(
    base: BaseItem, element: str, overrides: dict[str, Any]
) -> None:
    # Given Beijing and Hebei identical, Tianjin different on one element
    implement(base, "110000")
    implement(base, "120000", **overrides)
    implement(base, "130000")

    # When compared
    result = compare(base_code=base.base_code)

    # Then exactly that element is not uniform, the score drops below 1 and the values differ
    assert result.differing_elements == [element]
    diff = result.elements[element]
    assert 0.0 <= diff.similarity < 1.0
    assert diff.values["120000"] != diff.values["110000"]
    assert diff.values["110000"] == diff.values["130000"]
    assert 0.0 < result.score < 1.0
    assert result.score == pytest.approx(sum(e.similarity for e in result.elements.values()) / 6, abs=1e-4)


@pytest.mark.django_db
def test_normalisation_ignores_whitespace_punctuation_brackets_and_order(base: BaseItem) -> None:
    # Given implementations that differ only in spacing, bracket variants, full-width punctuation,
    # the 中华人民共和国 prefix of a law's title, and the order of list entries
    implement(
        base,
        "110000",
        legal_basis=[
            {"law": "《中华人民共和国计量法》", "article": "第六条"},
            {"law": "《农药管理条例》", "article": "第二十四条"},
        ],
        conditions=["有固定的经营场所。", "申请人具有完全民事行为能力"],
        materials=["居民身份证", "申请书"],
        content="对符合条件的申请人，核发许可证。",
    )
    implement(
        base,
        "120000",
        name=f" {base.name} ",
        legal_basis=[
            {"law": "<农药管理条例>", "article": "第二十四条"},
            {"law": "《计量法》", "article": " 第六条"},
        ],
        conditions=["申请人具有完全民事行为能力", "有固定的经营场所"],
        materials=["申请书", "居民身份证"],
        content="对符合条件的申请人,核发许可证",
    )

    # When compared
    result = compare(base_code=base.base_code)

    # Then nothing differs, though the readable values keep each region's own wording
    assert result.differing_elements == []
    assert result.score == 1.0
    assert result.elements["materials"].values["110000"] == "居民身份证；申请书"


def test_normalise() -> None:
    assert normalise("《中华人民共和国 计量法》第六条。") == normalise("<计量法>第六条")
    assert normalise("Ａｂｃ（１）") == "abc1"
    assert normalise("农药经营许可") != normalise("农药登记")


def test_fewer_than_two_regions_is_not_comparable() -> None:
    # Given one region's implementation only (pure comparison, no database)
    snap = ImplementationSnapshot(
        region="120000",
        code="120000-X-001",
        name="医师执业注册",
        legal_basis=(("《医师执业注册管理办法》", "第二条"),),
        content="医师执业注册",
        conditions=("取得医师资格",),
        materials=("医师资格证书",),
        result_form=ResultForm.LICENCE,
        result_name="医师执业证书",
    )

    # When compared
    result = compare_snapshots(base_code="X", base_name="医师执业注册", snapshots=[snap])

    # Then score 1.0, every element uniform, and the result says it is not comparable
    assert not result.comparable
    assert result.score == 1.0
    assert all(e.uniform for e in result.elements.values())
    assert list(result.elements["result_form"].values) == ["120000"]
    assert result.elements["result_form"].values["120000"].startswith("医师执业证书（")


def test_snapshots_from_peer_dicts_compare_like_local_rows() -> None:
    # Given items as a peer node serialises them (ItemDetailOut shape)
    def item(region: str, materials: list[str]) -> dict[str, Any]:
        return {
            "region": region,
            "code": f"{region}-B-001",
            "name": "户口迁移",
            "legal_basis": [{"law": "《中华人民共和国户口登记条例》", "article": "第十条", "text": "…"}],
            "content": "办理户口迁入",
            "conditions": ["迁入地有合法稳定住所"],
            "materials": [{"name": m} for m in materials],
            "result_form": "licence",
            "result_name": "准予迁入证明",
        }

    snaps = [
        ImplementationSnapshot.from_dict(item("110000", ["户口簿", "居民身份证"])),
        ImplementationSnapshot.from_dict(item("120000", ["户口簿", "居民身份证", "结婚证"])),
    ]

    # When compared
    result = compare_snapshots(base_code="B", base_name="户口迁移", snapshots=snaps)

    # Then the extra material is found, with a Jaccard similarity of 2/3
    assert result.differing_elements == ["materials"]
    assert result.elements["materials"].similarity == pytest.approx(0.6667, abs=1e-4)


@pytest.mark.django_db
def test_only_published_versions_and_one_per_region_are_compared(base: BaseItem) -> None:
    # Given a draft in Tianjin that differs, and two handling items in Beijing
    implement(base, "110000", suffix="002", handling_type=HandlingType.CHANGE, name="农药经营许可变更")
    implement(base, "110000", suffix="001")
    implement(base, "120000")
    implement(base, "120000", suffix="009", status=ItemStatus.DRAFT, name="草稿名称")

    # When compared
    result = compare(base_code=base.base_code)

    # Then Beijing's "new" item and Tianjin's published item are compared: uniform
    assert result.codes == {"110000": f"110000-{base.base_code}-001", "120000": f"120000-{base.base_code}-001"}
    assert result.score == 1.0


@pytest.mark.django_db
def test_region_filter_and_unknown_codes(base: BaseItem) -> None:
    implement(base, "110000")
    implement(base, "120000", name="别的名称")
    implement(base, "130000")

    # Only Beijing and Hebei: uniform
    assert compare(base_code=base.base_code, region_codes=["110000", "130000"]).score == 1.0
    with pytest.raises(NotFound) as missing:
        compare(base_code="NO-SUCH-BASE")
    assert missing.value.code == "base_item_not_found"
    with pytest.raises(ValidationFailed) as bad:
        compare(base_code=base.base_code, region_codes=["12000x"])
    assert bad.value.code == "invalid_region_code"
    with pytest.raises(NotFound) as unknown:
        compare(base_code=base.base_code, region_codes=["990000"])
    assert unknown.value.code == "region_not_found"


@pytest.mark.django_db
def test_region_report_counts_shared_items() -> None:
    # Given three base items: one uniform in three regions, one differing on materials and name,
    # one implemented only in Tianjin (not shared)
    uniform = BaseItemFactory.create(base_code="B-UNIFORM", name="社会组织查询")
    differing = BaseItemFactory.create(base_code="B-DIFF", name="计量标准器具核准")
    lone = BaseItemFactory.create(base_code="B-LONE", name="仅天津事项")
    for region in REGIONS:
        implement(uniform, region)
    implement(differing, "110000")
    implement(differing, "120000", name="计量标准考核", materials=["申请书"])
    implement(lone, "120000")

    # When the report is made
    report = region_report()

    # Then two shared items, one fully uniform, and the differing one is listed as least uniform
    assert report.regions == list(REGIONS)
    assert report.shared_items == 2
    assert report.fully_uniform == 1
    assert report.uniform_ratio == 0.5
    assert report.non_uniform_by_element["name"] == 1
    assert report.non_uniform_by_element["materials"] == 1
    assert report.non_uniform_by_element["content"] == 0
    assert [s.base_code for s in report.least_uniform] == ["B-DIFF"]
    assert report.least_uniform[0].differing_elements == ["name", "materials"]
    assert 0 < report.average_score < 1

    # And filtered to Beijing and Hebei only the uniform item is shared
    narrow = region_report(region_codes=["110000", "130000"])
    assert (narrow.shared_items, narrow.fully_uniform, narrow.least_uniform) == (1, 1, [])


@pytest.mark.django_db
def test_api_uniformity_shape(api_client: Client, base: BaseItem) -> None:
    implement(base, "110000")
    implement(base, "120000", materials=["申请书", "居民身份证", "营业执照"])

    response = api_client.get(f"/api/v1/catalog/uniformity/{base.base_code}")

    assert response.status_code == 200
    body = response.json()
    assert body["base_code"] == base.base_code
    assert body["regions"] == ["110000", "120000"]
    assert 0 <= body["score"] < 1
    assert set(body["elements"]) == set(UNIFORMITY_ELEMENTS)
    materials = body["elements"]["materials"]
    assert materials["uniform"] is False
    assert materials["values"] == {"110000": "申请书；居民身份证", "120000": "申请书；居民身份证；营业执照"}
    assert body["elements"]["name"] == {
        "uniform": True,
        "similarity": 1.0,
        "values": {r: base.name for r in body["regions"]},
    }


@pytest.mark.django_db
def test_api_unknown_base_code_is_404(api_client: Client) -> None:
    response = api_client.get("/api/v1/catalog/uniformity/NO-SUCH-BASE")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "base_item_not_found"
    assert body["message"]


@pytest.mark.django_db
def test_api_report_with_region_filter(api_client: Client, base: BaseItem) -> None:
    for region in REGIONS:
        implement(base, region)

    response = api_client.get("/api/v1/catalog/uniformity", {"regions": "110000,120000"})

    assert response.status_code == 200
    body = response.json()
    assert body["regions"] == ["110000", "120000"]
    assert body["shared_items"] == 1
    assert body["fully_uniform"] == 1
    assert body["items"][0]["base_code"] == base.base_code

    bad = api_client.get("/api/v1/catalog/uniformity", {"regions": "abc"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_region_code"
