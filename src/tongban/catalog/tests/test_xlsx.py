"""The implementation-list workbook: export, round trip, and all-or-nothing import with every error located."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import Material, ServiceItem
from tongban.catalog.schemas import ItemIn
from tongban.catalog.services import item_draft_start
from tongban.catalog.tests.builders import catalog_admin, demo_like_catalog
from tongban.catalog.xlsx import FIRST_DATA_ROW, ImportFailed, export_workbook_bytes, import_workbook
from tongban.core.models import AuditEvent
from tongban.regions.models import Department

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, dict[str, Any]]:
    """The live catalog as comparable data: code -> every element of the published version."""
    return {
        item.code: ItemIn.from_item(item).model_dump(mode="json")
        for item in ServiceItem.objects.filter(status=ItemStatus.PUBLISHED).order_by("code")
    }


def counts() -> tuple[int, int, int]:
    return ServiceItem.objects.count(), Material.objects.count(), AuditEvent.objects.count()


def open_wb(data: bytes) -> Workbook:
    return load_workbook(BytesIO(data))


def to_bytes(wb: Workbook) -> BytesIO:
    out = BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def col(ws: Any, key: str) -> int:
    for cell in ws[2]:
        if cell.value == key:
            return int(cell.column)
    raise AssertionError(key)


def row_of(ws: Any, code: str) -> int:
    for row in range(FIRST_DATA_ROW, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == code:
            return row
    raise AssertionError(code)


def problems_of(exc: ImportFailed) -> set[tuple[str, int | None, str, str]]:
    return {(p.sheet, p.row, p.column, p.code) for p in exc.problems}


def test_export_then_import_into_an_empty_catalog_gives_the_same_catalog() -> None:
    # given a catalog exported to a workbook
    demo_like_catalog()
    before = snapshot()
    data = export_workbook_bytes()
    wb = open_wb(data)
    assert wb.sheetnames[:3] == ["事项", "材料", "设定依据"]
    assert wb["事项"]["A1"].value == "事项编码" and wb["事项"]["A2"].value == "code"
    # when the items are removed and the workbook imported again
    ServiceItem.objects.all().delete()
    result = import_workbook(actor=None, source=BytesIO(data))
    # then the live catalog is the same, element by element, and the import itself is audited
    assert sorted(result.created) == sorted(before)
    assert snapshot() == before
    event = AuditEvent.objects.get(stream="catalog:imports")
    assert (event.action, sorted(event.data["created"])) == ("catalog.workbook_imported", sorted(before))


def test_text_that_looks_like_a_formula_stays_text() -> None:
    # given an item whose content starts like a spreadsheet formula
    demo_like_catalog()
    ServiceItem.objects.filter(code="120000-SCJG-0001").update(content='=HYPERLINK("http://x","点我")')
    # when it is exported, the cell is text, not a formula
    data = export_workbook_bytes(region="120000")
    ws = open_wb(data)["事项"]
    cell = ws.cell(row=row_of(ws, "120000-SCJG-0001"), column=col(ws, "content"))
    assert cell.data_type == "s"
    # and importing it back changes nothing
    assert import_workbook(actor=None, source=BytesIO(data)).updated == []


def test_importing_an_unchanged_workbook_changes_nothing_and_a_changed_row_makes_a_new_version() -> None:
    demo_like_catalog()
    before = snapshot()
    data = export_workbook_bytes(region="120000")
    # an unchanged workbook: nothing happens, even to an item with a draft in progress
    draft = item_draft_start(actor=None, code="120000-WJW-0002")
    result = import_workbook(actor=None, source=BytesIO(data))
    assert (result.created, result.updated) == ([], [])
    assert sorted(result.unchanged) == ["120000-SCJG-0001", "120000-WJW-0002"]
    assert ServiceItem.objects.count() == 4
    draft.delete()
    # one changed cell and one removed material: that item gets version 2, published; the rest stay
    wb = open_wb(data)
    ws = wb["事项"]
    ws.cell(row=row_of(ws, "120000-SCJG-0001"), column=col(ws, "promised_limit_days"), value=3)
    materials = wb["材料"]
    materials.delete_rows(row_of(materials, "120000-SCJG-0001"))
    result = import_workbook(actor=None, source=to_bytes(wb))
    assert result.updated == ["120000-SCJG-0001"]
    after = snapshot()
    assert after["120000-SCJG-0001"]["promised_limit_days"] == 3
    assert [m["code"] for m in after["120000-SCJG-0001"]["materials"]] == ["M02", "M03"]
    assert after["120000-WJW-0002"] == before["120000-WJW-0002"]
    assert [v.status for v in ServiceItem.objects.filter(code="120000-SCJG-0001").order_by("version")] == [
        ItemStatus.SUPERSEDED,
        ItemStatus.PUBLISHED,
    ]


def test_every_error_is_reported_with_sheet_row_and_column_and_nothing_is_imported() -> None:
    # given a valid export, changed to carry one error of each kind
    demo_like_catalog()
    data = export_workbook_bytes()
    wb = open_wb(data)
    items = wb["事项"]
    food, birth, beijing = (row_of(items, c) for c in ("120000-SCJG-0001", "120000-WJW-0002", "110000-SCJG-0001"))
    items.cell(row=food, column=col(items, "promised_limit_days"), value="五天")  # wrong type
    items.cell(row=food, column=col(items, "commitment_allowed"), value="也许")  # not a yes/no
    items.cell(row=birth, column=col(items, "kind"), value="神秘类型")  # unknown choice
    items.cell(row=birth, column=col(items, "region"), value="999999")  # unknown region
    items.cell(row=beijing, column=col(items, "department"), value="TJ-SCJG")  # department of another region
    items.cell(row=beijing, column=col(items, "base_code"), value="NO-SUCH-BASE")  # unknown base item
    dup = items.max_row + 1
    for c in range(1, items.max_column + 1):  # the food item's row again: a duplicate code
        items.cell(row=dup, column=c, value=items.cell(row=food, column=c).value)
    extra = items.max_column + 1
    items.cell(row=1, column=extra, value="备用字段")  # an unknown column
    items.cell(row=2, column=extra, value="spare")
    materials = wb["材料"]
    orphan = materials.max_row + 1
    materials.cell(row=orphan, column=1, value="120000-NOPE-9999")  # a material of an unknown item
    materials.cell(row=orphan, column=col(materials, "code"), value="M01")
    materials.cell(row=orphan, column=col(materials, "name"), value="申请书")
    legal = wb["设定依据"]
    legal.delete_cols(col(legal, "law"))  # a required column removed
    before = counts()
    # when it is imported
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=to_bytes(wb))
    # then every problem is listed where it is
    found = problems_of(info.value)
    expected = {
        ("事项", food, "承诺办结时限（工作日）", "invalid_integer"),
        ("事项", food, "可告知承诺", "invalid_boolean"),
        ("事项", birth, "事项类型", "invalid_choice"),
        ("事项", birth, "行政区划代码", "region_not_found"),
        ("事项", beijing, "实施部门编码", "department_not_in_region"),
        ("事项", beijing, "基本目录编码", "base_not_found"),
        ("事项", dup, "事项编码", "duplicate_code"),
        ("事项", 2, "spare", "unknown_column"),
        ("材料", orphan, "事项编码", "unknown_item"),
        ("设定依据", 1, "法律法规名称", "missing_column"),
    }
    assert expected <= found, found - expected
    # and each prints as "sheet …, row …, column …: reason" in Chinese
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(f"sheet 事项, row {food}, column 承诺办结时限（工作日）: ") for line in lines)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in line.split(": ", 1)[1]) for line in lines), lines
    # and nothing at all was written
    assert counts() == before


def test_a_problem_found_by_the_catalog_rules_is_located_in_its_sheet() -> None:
    # given a workbook whose material codes repeat within one item and whose promised limit exceeds the legal one
    demo_like_catalog()
    wb = open_wb(export_workbook_bytes(region="120000"))
    materials = wb["材料"]
    first = row_of(materials, "120000-SCJG-0001")
    materials.cell(row=first + 1, column=col(materials, "code"), value="M01")
    items = wb["事项"]
    food = row_of(items, "120000-SCJG-0001")
    items.cell(row=food, column=col(items, "promised_limit_days"), value=99)
    before = counts()
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=to_bytes(wb))
    assert {
        ("材料", first + 1, "材料编码", "duplicate_material_code"),
        ("事项", food, "承诺办结时限（工作日）", "promised_exceeds_legal"),
    } <= problems_of(info.value)
    assert counts() == before


def test_required_cells_and_missing_sheets_are_reported() -> None:
    demo_like_catalog()
    wb = open_wb(export_workbook_bytes(region="120000"))
    items = wb["事项"]
    food = row_of(items, "120000-SCJG-0001")
    items.cell(row=food, column=col(items, "name")).value = None
    del wb["常见问题"]
    wb.create_sheet("杂项")
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=to_bytes(wb))
    found = problems_of(info.value)
    assert ("事项", food, "事项名称", "required") in found
    assert ("常见问题", None, "", "missing_sheet") in found
    assert ("杂项", None, "", "unknown_sheet") in found
    # a missing cell is reported once, not again as a missing field
    assert len([p for p in info.value.problems if p.row == food and p.column == "事项名称"]) == 1


@pytest.mark.parametrize(
    "content",
    [b"code,name\n1,2\n", b"", zipfile.ZipFile.__name__.encode()],
    ids=["csv", "empty-file", "text"],
)
def test_a_file_that_is_not_a_workbook_is_refused(content: bytes) -> None:
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=BytesIO(content))
    assert [p.code for p in info.value.problems] == ["not_a_workbook"]
    assert str(info.value.problems[0]).startswith("file: ")


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("hello.txt", "你好")
    buffer.seek(0)
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=buffer)
    assert [p.code for p in info.value.problems] == ["not_a_workbook"]


def test_an_empty_workbook_is_refused() -> None:
    # given the export of an empty catalog (headers only)
    data = export_workbook_bytes()
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=BytesIO(data))
    assert [p.code for p in info.value.problems] == ["empty"]
    # and a workbook with nothing at all in it
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=None, source=to_bytes(Workbook()))
    assert "missing_sheet" in {p.code for p in info.value.problems}


def test_the_importer_needs_the_right_to_change_each_item() -> None:
    demo_like_catalog()
    data = export_workbook_bytes(region="120000")
    wb = open_wb(data)
    items = wb["事项"]
    food = row_of(items, "120000-SCJG-0001")
    items.cell(row=food, column=col(items, "promised_limit_days"), value=2)
    changed = to_bytes(wb).getvalue()
    # a catalog administrator of the market department may not change the health department's item
    market_admin = catalog_admin(Department.objects.get(code="TJ-SCJG"))
    with pytest.raises(ImportFailed) as info:
        import_workbook(actor=market_admin, source=BytesIO(changed))
    assert {(p.row, p.code) for p in info.value.problems} == {(row_of(items, "120000-WJW-0002"), "permission_denied")}
    # a province-wide administrator may, and the change is published under their name
    root_admin = catalog_admin(Department.objects.get(code="TJ-WJW"))
    root_admin.is_superuser = True
    root_admin.save(update_fields=["is_superuser"])
    result = import_workbook(actor=root_admin, source=BytesIO(changed))
    assert result.updated == ["120000-SCJG-0001"]
    event = AuditEvent.objects.filter(stream="item:120000-SCJG-0001").order_by("-seq").first()
    assert event is not None and (event.action, event.actor_id) == ("catalog.item_published", root_admin.pk)


def test_columns_are_known_by_label_when_the_key_row_is_removed_and_may_be_reordered() -> None:
    # given an export whose key rows were deleted and whose items sheet has two columns swapped
    demo_like_catalog()
    wb = open_wb(export_workbook_bytes(region="120000"))
    for ws in wb.worksheets:
        if ws.title != "说明":
            ws.delete_rows(2)
    items = wb["事项"]
    name_col, kind_col = (next(c.column for c in items[1] if c.value == label) for label in ("事项名称", "事项类型"))
    for row in range(1, items.max_row + 1):
        a, b = items.cell(row=row, column=name_col), items.cell(row=row, column=kind_col)
        a.value, b.value = b.value, a.value
    # when it is imported, then the catalog is unchanged
    result = import_workbook(actor=None, source=to_bytes(wb))
    assert (result.created, result.updated) == ([], [])
    assert len(result.unchanged) == 2
