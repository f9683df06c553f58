"""The implementation list (实施清单) as an Excel workbook: export and all-or-nothing import.

The layout is documented in ``docs/catalog-workbook.md``. Every sheet has the Chinese column
labels in row 1, the stable machine keys in row 2, and data from row 3; a column is known by
its key (or, when row 2 is missing, by its label). ``事项`` has one row per item; the other
sheets have one row per material, law, fee, special step, process step or question, tied to
its item by ``item_code`` and kept in row order.

Import checks every cell of every sheet, then every item against the database (through the
same checks as the services), and reports *all* problems as (sheet, row, column, reason).
When there is any problem nothing is written; otherwise, in one transaction, each item whose
content differs from its live version gets a new version (new draft, or the existing draft
updated) that is published at once. Unchanged items are left alone, so exporting and
importing again gives the same catalog (an item whose live version equals its row is left
alone even when it has a draft in progress).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError as PydanticValidationError

from tongban.catalog import events, services
from tongban.catalog.constants import (
    Channel,
    CrossRegionMode,
    HandlingType,
    ItemKind,
    ItemStatus,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ReformMode,
    ResultForm,
    ServiceObject,
    SpecialStepKind,
)
from tongban.catalog.models import BaseItem, ServiceItem
from tongban.catalog.schemas import ItemIn, input_error_details
from tongban.catalog.selectors import published_items
from tongban.core.errors import ApplicationError, NotFound, ValidationFailed
from tongban.core.text import TextRefused, check_json, text_problem
from tongban.regions.models import Department, Region

# --- layout ------------------------------------------------------------------------------------

TEXT, INT, OPT_INT, BOOL, ENUM, ENUM_LIST, LINES, CODES, JSON, INFO = (
    "text",
    "int",
    "opt_int",
    "bool",
    "enum",
    "enum_list",
    "lines",
    "codes",
    "json",
    "info",
)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    required: bool = False
    choices: type[models.Choices] | None = None
    width: int = 16


@dataclass(frozen=True)
class SheetSpec:
    name: str
    field: str | None  # the ItemIn list its rows fill; None for the items sheet
    columns: tuple[Column, ...]

    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def by_label(self) -> dict[str, Column]:
        return {c.label: c for c in self.columns}


ITEM_CODE = Column("item_code", "事项编码", required=True, width=24)

ITEMS = SheetSpec(
    "事项",
    None,
    (
        Column("code", "事项编码", required=True, width=24),
        Column("base_code", "基本目录编码", required=True, width=18),
        Column("region", "行政区划代码", required=True, width=12),
        Column("department", "实施部门编码", required=True, width=16),
        Column("department_name", "实施部门名称", INFO, width=24),
        Column("name", "事项名称", required=True, width=30),
        Column("name_en", "英文名称", width=30),
        Column("kind", "事项类型", ENUM, required=True, choices=ItemKind),
        Column("handling_type", "业务办理项类型", ENUM, choices=HandlingType),
        Column("service_object", "服务对象", ENUM, required=True, choices=ServiceObject),
        Column("content", "办理内容", width=40),
        Column("conditions", "受理条件", LINES, width=40),
        Column("legal_limit_days", "法定办结时限（工作日）", INT, width=12),
        Column("promised_limit_days", "承诺办结时限（工作日）", INT, width=12),
        Column("limit_note", "时限说明", width=20),
        Column("result_form", "办理结果形式", ENUM, required=True, choices=ResultForm),
        Column("result_name", "办理结果名称", width=20),
        Column("licence_type_code", "证照类型编码", width=16),
        Column("channels", "办理渠道", ENUM_LIST, choices=Channel, width=24),
        Column("handling_place", "办理地点", width=30),
        Column("office_hours", "办理时间", width=24),
        Column("visits_needed", "到办事现场次数", INT, width=10),
        Column("online_depth", "网上办理深度", ENUM, choices=OnlineDepth, width=20),
        Column("cross_region_mode", "跨省通办模式", ENUM, choices=CrossRegionMode, width=20),
        Column("reform_mode", "证照分离改革方式", ENUM, choices=ReformMode, width=20),
        Column("commitment_allowed", "可告知承诺", BOOL, width=10),
        Column("commitment_text", "承诺书内容", width=30),
        Column("gap_acceptance_allowed", "可容缺受理", BOOL, width=10),
        Column("service_commitments", "服务承诺", width=30),
        Column("consultation_phone", "咨询电话", width=16),
        Column("complaint_phone", "监督投诉电话", width=16),
        Column("themes", "主题编码", CODES, width=20),
        Column("situations", "办理情形（JSON）", JSON, width=30),
        Column("form_fields", "表单字段（JSON）", JSON, width=30),
    ),
)

CHILD_SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "材料",
        "materials",
        (
            ITEM_CODE,
            Column("code", "材料编码", required=True),
            Column("name", "材料名称", required=True, width=30),
            Column("form", "材料形式", ENUM, choices=MaterialForm),
            Column("count", "份数", INT, width=8),
            Column("required", "是否必要", BOOL, width=10),
            Column("gap_allowed", "可容缺后补", BOOL, width=10),
            Column("source", "来源渠道", ENUM, choices=MaterialSource, width=20),
            Column("source_note", "来源说明", width=20),
            Column("licence_type_code", "可替代的证照类型编码", width=18),
            Column("data_resource_code", "可替代的共享数据编码", width=18),
            Column("data_fields", "证明所用的数据项", LINES, width=18),
            Column("applies_when", "适用情形", LINES, width=16),
            Column("notes", "备注", width=30),
        ),
    ),
    SheetSpec(
        "设定依据",
        "legal_basis",
        (
            ITEM_CODE,
            Column("law", "法律法规名称", required=True, width=36),
            Column("article", "条款号", width=14),
            Column("text", "条款内容", width=50),
        ),
    ),
    SheetSpec(
        "收费",
        "fees",
        (
            ITEM_CODE,
            Column("name", "收费项目", required=True, width=20),
            Column("amount", "收费标准", required=True, width=16),
            Column("basis", "收费依据", width=36),
        ),
    ),
    SheetSpec(
        "特殊环节",
        "special_steps",
        (
            ITEM_CODE,
            Column("kind", "环节类型", ENUM, required=True, choices=SpecialStepKind),
            Column("name", "环节名称", required=True, width=20),
            Column("time_limit_days", "时限（工作日）", INT, width=12),
            Column("legal_basis", "设定依据", width=30),
            Column("fee", "收费", width=16),
            Column("counts_toward_limit", "计入办结时限", BOOL, width=12),
        ),
    ),
    SheetSpec(
        "办理流程",
        "process",
        (
            ITEM_CODE,
            Column("name", "步骤名称", required=True, width=20),
            Column("description", "步骤说明", width=40),
            Column("time_limit_days", "时限（工作日）", OPT_INT, width=12),
        ),
    ),
    SheetSpec(
        "常见问题",
        "faq",
        (
            ITEM_CODE,
            Column("question", "问题", required=True, width=40),
            Column("answer", "解答", required=True, width=60),
        ),
    ),
)

SHEETS: tuple[SheetSpec, ...] = (ITEMS, *CHILD_SHEETS)
README_SHEET = "说明"
FIRST_DATA_ROW = 3
_SPLIT_CODES = re.compile(r"[,，、;；\s]+")
_TRUE = {"是", "true", "yes", "y", "1", "√"}
_FALSE = {"否", "false", "no", "n", "0", "×"}


def _choice_labels(choices: type[models.Choices]) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(v): str(label) for v, label in choices.choices}


def _choice_lookup(choices: type[models.Choices]) -> dict[str, str]:
    """Every accepted spelling of a choice (code, Chinese and English label) -> its code."""
    lookup: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for value, label in choices.choices:
                lookup[str(label).strip().lower()] = str(value)
    for value in choices.values:
        lookup[str(value).lower()] = str(value)
    return lookup


# --- export ------------------------------------------------------------------------------------


def _cell_value(column: Column, value: Any) -> Any:
    if column.kind == BOOL:
        return "是" if value else "否"
    if column.kind == ENUM:
        assert column.choices is not None
        return _choice_labels(column.choices).get(str(value), str(value))
    if column.kind == ENUM_LIST:
        assert column.choices is not None
        labels = _choice_labels(column.choices)
        return "、".join(labels.get(str(v), str(v)) for v in value)
    if column.kind == LINES:
        return "\n".join(value)
    if column.kind == CODES:
        return ", ".join(value)
    if column.kind == JSON:
        return json.dumps(value, ensure_ascii=False) if value else ""
    if column.kind == OPT_INT:
        return value if value is not None else ""
    return value


def _write_sheet(ws: Any, spec: SheetSpec, rows: Iterable[dict[str, Any]]) -> None:
    header_font = Font(bold=True)
    key_font = Font(color="808080", size=9)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for i, column in enumerate(spec.columns, start=1):
        label = ws.cell(row=1, column=i, value=column.label)
        label.font = header_font
        label.fill = fill
        ws.cell(row=2, column=i, value=column.key).font = key_font
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "B3"
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for i, column in enumerate(spec.columns, start=1):
            value = _cell_value(column, row.get(column.key, ""))
            cell = ws.cell(row=r, column=i, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            if column.kind in (LINES, JSON, TEXT) and isinstance(value, str) and "\n" in value:
                cell.alignment = wrap


def _readme(ws: Any) -> None:
    with translation.override("zh-hans"):
        lines = [
            str(_("Implementation list workbook of Tongban.")),
            str(_("Row 1 holds the column labels, row 2 the machine keys; data starts at row 3.")),
            str(_("Do not change row 2. Columns may be reordered; unknown columns are refused.")),
            str(_("Choices may be written as their Chinese label or their code; yes/no as 是/否.")),
            str(_("Lists in one cell: one entry per line (conditions) or separated by commas (themes, channels).")),
            str(_("Other sheets refer to their item by its code in the first column.")),
        ]
    for r, line in enumerate(lines, start=1):
        ws.cell(row=r, column=1, value=line)
    ws.column_dimensions["A"].width = 100


def export_workbook(*, region: str | None = None) -> Workbook:
    """The published implementation list of ``region`` (every region when ``None``)."""
    items = published_items()
    if region is not None:
        if not Region.objects.filter(code=region).exists():
            raise NotFound(code="region_not_found")
        items = items.filter(region_id=region)
    items = (
        items.select_related("base", "region", "department").prefetch_related("materials", "themes").order_by("code")
    )
    wb = Workbook()
    ws_items = wb.active
    assert ws_items is not None
    ws_items.title = ITEMS.name
    item_rows: list[dict[str, Any]] = []
    child_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        data = ItemIn.from_item(item).model_dump(mode="json")
        data["department_name"] = item.department.name
        item_rows.append(data)
        for spec in CHILD_SHEETS:
            assert spec.field is not None
            for entry in data[spec.field]:
                child_rows[spec.name].append({"item_code": item.code, **entry})
    _write_sheet(ws_items, ITEMS, item_rows)
    for spec in CHILD_SHEETS:
        _write_sheet(wb.create_sheet(spec.name), spec, child_rows[spec.name])
    _readme(wb.create_sheet(README_SHEET))
    return wb


def export_workbook_bytes(*, region: str | None = None) -> bytes:
    buffer = BytesIO()
    export_workbook(region=region).save(buffer)
    return buffer.getvalue()


# --- import ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason the import is refused; row and column are as Excel shows them (row 1 = first row)."""

    sheet: str
    row: int | None
    column: str
    reason: str
    code: str = "invalid"

    def __str__(self) -> str:
        if self.row is None and not self.sheet:
            return f"file: {self.reason}"
        row = self.row if self.row is not None else "-"
        return f"sheet {self.sheet or '-'}, row {row}, column {self.column or '-'}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "code": self.code, "message": self.reason}


class ImportFailed(ValidationFailed):
    default_code = "workbook_invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            _("The workbook has %(count)d problem(s); nothing was imported.") % {"count": len(problems)},
            details=[p.as_dict() for p in problems],
        )


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


@dataclass
class _Sheet:
    spec: SheetSpec
    rows: list[_Row]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


_FFFD = "\ufffd"


class _CellError(Exception):
    def __init__(self, reason: str, code: str) -> None:
        self.reason = reason
        self.code = code


def _convert(column: Column, raw: Any) -> Any:
    """The value of one non-empty cell, or ``_CellError``."""
    text = _text(raw)
    if text_problem(text) is not None:
        raise _CellError(str(TextRefused.default_message), "invalid_text")
    if column.kind in (TEXT, INFO):
        return text
    if column.kind in (INT, OPT_INT):
        if isinstance(raw, bool):
            raise _CellError(_("Enter a whole number."), "invalid_integer")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise _CellError(_("Enter a whole number."), "invalid_integer")
    if column.kind == BOOL:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _CellError(_("Enter 是 or 否."), "invalid_boolean")
    if column.kind in (ENUM, ENUM_LIST):
        assert column.choices is not None
        lookup = _choice_lookup(column.choices)
        parts = [text] if column.kind == ENUM else [p for p in _SPLIT_CODES.split(text) if p]
        values: list[Any] = []
        for part in parts:
            code = lookup.get(part.lower())
            if code is None:
                allowed = "、".join(_choice_labels(column.choices).values())
                raise _CellError(
                    _("“%(value)s” is not one of: %(allowed)s.") % {"value": part, "allowed": allowed},
                    "invalid_choice",
                )
            values.append(int(code) if isinstance(column.choices.values[0], int) else code)
        return values[0] if column.kind == ENUM else values
    if column.kind == LINES:
        return [line.strip() for line in text.splitlines() if line.strip()]
    if column.kind == CODES:
        return [p for p in _SPLIT_CODES.split(text) if p]
    if column.kind == JSON:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise _CellError(_("The cell is not valid JSON."), "invalid_json") from None
        if not isinstance(parsed, list):
            raise _CellError(_("The cell must hold a JSON list."), "invalid_json")
        try:
            return check_json(parsed)
        except TextRefused as exc:
            raise _CellError(str(exc.message), exc.code) from None
    raise AssertionError(column.kind)  # pragma: no cover


def _empty(kind: str) -> Any:
    return [] if kind in (ENUM_LIST, LINES, CODES, JSON) else None


def _read_sheet(ws: Any, spec: SheetSpec, problems: list[Problem]) -> _Sheet | None:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers record a wrong used range; read every row there is
    rows = list(ws.iter_rows(values_only=True))
    if not rows:
        problems.append(Problem(spec.name, 1, "", _("The sheet is empty: its header row is missing."), "empty_sheet"))
        return None
    # a header that is not clean text cannot name a column; it is shown as U+FFFD in the problem
    labels = [_FFFD if text_problem(t) else t for t in (_text(v) for v in rows[0])]
    keys = [_FFFD if text_problem(t) else t for t in (_text(v) for v in rows[1])] if len(rows) > 1 else []
    by_key, by_label = spec.by_key(), spec.by_label()
    known = sum(1 for k in keys if k in by_key)
    has_key_row = known > 0 and known * 2 >= sum(1 for k in keys if k)
    first = FIRST_DATA_ROW if has_key_row else 2
    columns: dict[int, Column] = {}
    width = max(len(labels), len(keys))
    for i in range(width):
        key = keys[i] if has_key_row and i < len(keys) else ""
        label = labels[i] if i < len(labels) else ""
        column = by_key.get(key) or (by_label.get(label) if not key else None)
        if column is None:
            if not key and not label:
                if any(i < len(r) and _text(r[i]) for r in rows[first - 1 :]):
                    problems.append(
                        Problem(spec.name, 1, get_column_letter(i + 1), _("This column has no header."), "no_header")
                    )
                continue
            problems.append(
                Problem(
                    spec.name,
                    2 if key else 1,
                    key or label,
                    _("Unknown column “%(name)s”.") % {"name": key or label},
                    "unknown_column",
                )
            )
            continue
        if column in columns.values():
            problems.append(Problem(spec.name, 1, column.label, _("This column appears twice."), "duplicate_column"))
            continue
        columns[i] = column
    missing = [c for c in spec.columns if c.required and c not in columns.values()]
    for column in missing:
        problems.append(Problem(spec.name, 1, column.label, _("A required column is missing."), "missing_column"))
    if missing:
        return None
    parsed: list[_Row] = []
    for number, raw_row in enumerate(rows[first - 1 :], start=first):
        if all(_text(v) == "" for v in raw_row):
            continue
        values: dict[str, Any] = {}
        for i, column in columns.items():
            raw = raw_row[i] if i < len(raw_row) else None
            if _text(raw) == "":
                if column.required:
                    problems.append(Problem(spec.name, number, column.label, _("This cell is required."), "required"))
                empty = _empty(column.kind)
                if empty is not None:
                    values[column.key] = empty
                continue
            try:
                values[column.key] = _convert(column, raw)
            except _CellError as err:
                problems.append(Problem(spec.name, number, column.label, err.reason, err.code))
        parsed.append(_Row(number, values))
    return _Sheet(spec, parsed)


def _open(source: str | Path | IO[bytes]) -> Any:
    try:
        return load_workbook(source, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ImportFailed([Problem("", None, "", _("The file does not exist."), "file_not_found")]) from None
        raise ImportFailed(
            [Problem("", None, "", _("The file is not an Excel workbook (.xlsx)."), "not_a_workbook")]
        ) from None


@dataclass
class _Entry:
    row: _Row
    children: dict[str, list[_Row]] = field(default_factory=lambda: defaultdict(list))
    data: ItemIn | None = None


def _locate(entry: _Entry, field_path: str) -> tuple[str, int, str]:
    """The (sheet, row, column label) a field of an item's input comes from."""
    parts = field_path.split(".")
    head = parts[0]
    child = next((s for s in CHILD_SHEETS if s.field == head), None)
    if child is not None and len(parts) >= 2 and parts[1].isdigit():
        index = int(parts[1])
        rows = entry.children.get(head, [])
        row = rows[index].number if index < len(rows) else entry.row.number
        column = child.by_key().get(parts[2]) if len(parts) > 2 else None
        return child.name, row, column.label if column else ""
    if child is not None:
        return child.name, entry.row.number, ""
    column = ITEMS.by_key().get(head)
    label = column.label if column else head
    if column is not None and column.kind == JSON and len(parts) > 1:
        label = f"{label} [{'.'.join(parts[1:])}]"
    return ITEMS.name, entry.row.number, label


def _read(source: str | Path | IO[bytes], actor: services.Actor) -> dict[str, _Entry]:
    """Read and check the whole workbook; raise ``ImportFailed`` listing every problem."""
    problems: list[Problem] = []
    wb = _open(source)
    try:
        names = list(wb.sheetnames)
        for name in names:
            if name not in {s.name for s in SHEETS} and name != README_SHEET:
                problems.append(
                    Problem(name, None, "", _("Unknown sheet “%(name)s”.") % {"name": name}, "unknown_sheet")
                )
        sheets: dict[str, _Sheet] = {}
        for spec in SHEETS:
            if spec.name not in names:
                problems.append(Problem(spec.name, None, "", _("The sheet is missing."), "missing_sheet"))
                continue
            sheet = _read_sheet(wb[spec.name], spec, problems)
            if sheet is not None:
                sheets[spec.name] = sheet
    finally:
        wb.close()

    entries: dict[str, _Entry] = {}
    items_sheet = sheets.get(ITEMS.name)
    if items_sheet is not None:
        if not items_sheet.rows and not problems:
            problems.append(Problem(ITEMS.name, FIRST_DATA_ROW, "", _("The workbook lists no items."), "empty"))
        for row in items_sheet.rows:
            code = row.values.get("code")
            if not code:
                continue
            if code in entries:
                problems.append(
                    Problem(
                        ITEMS.name,
                        row.number,
                        ITEMS.by_key()["code"].label,
                        _("The item code %(code)s is already used on row %(row)d.")
                        % {"code": code, "row": entries[code].row.number},
                        "duplicate_code",
                    )
                )
                continue
            entries[code] = _Entry(row)
    for spec in CHILD_SHEETS:
        sheet = sheets.get(spec.name)
        if sheet is None or items_sheet is None:
            continue
        assert spec.field is not None
        for row in sheet.rows:
            code = row.values.pop("item_code", None)
            if not code:
                continue
            if code not in entries:
                problems.append(
                    Problem(
                        spec.name,
                        row.number,
                        ITEM_CODE.label,
                        _("No item with code %(code)s is on sheet %(sheet)s.") % {"code": code, "sheet": ITEMS.name},
                        "unknown_item",
                    )
                )
                continue
            entries[code].children[spec.field].append(row)

    # Shapes and single values, item by item.
    for entry in entries.values():
        raw = {k: v for k, v in entry.row.values.items() if ITEMS.by_key()[k].kind != INFO}
        raw["themes"] = sorted(set(raw.get("themes", [])))
        for spec in CHILD_SHEETS:
            assert spec.field is not None
            raw[spec.field] = [r.values for r in entry.children.get(spec.field, [])]
        try:
            entry.data = ItemIn.model_validate(raw)
        except PydanticValidationError as exc:
            problems.extend(_reference_problems(entry))
            for detail in input_error_details(exc):
                if _already_reported(problems, entry, detail["field"]):
                    continue
                where = _locate(entry, detail["field"])
                problems.append(Problem(*where, detail["message"], detail["code"]))

    # Rules that need the database, and the actor's permission, item by item.
    for entry in entries.values():
        if entry.data is None:
            continue
        existing = ServiceItem.objects.filter(code=entry.data.code).order_by("-version").first()
        found, _resolved = services.item_input_problems(data=entry.data, existing=existing)
        for detail in found:
            where = _locate(entry, detail["field"])
            problems.append(Problem(*where, detail["message"], detail["code"]))
        department = Department.objects.filter(region_id=entry.data.region, code=entry.data.department).first()
        targets = [department] if department is not None else []
        if existing is not None:
            targets.append(existing.department)
        for target in targets:
            if not services.can_manage_department(actor=actor, department=target):
                problems.append(
                    Problem(
                        ITEMS.name,
                        entry.row.number,
                        ITEMS.by_key()["department"].label,
                        _("You may not change the items of %(department)s.") % {"department": target.name},
                        "permission_denied",
                    )
                )
                break
    if problems:
        raise ImportFailed(problems)
    return entries


def _reference_problems(entry: _Entry) -> list[Problem]:
    """For a row that is not a valid input: whether its region, department and base item exist."""
    values = entry.row.values
    found: list[Problem] = []
    by_key = ITEMS.by_key()

    def add(key: str, reason: str, code: str) -> None:
        found.append(Problem(ITEMS.name, entry.row.number, by_key[key].label, reason, code))

    region = values.get("region")
    if region and not Region.objects.filter(code=region).exists():
        add("region", _("No region has this code."), "region_not_found")
    elif (
        region
        and values.get("department")
        and not Department.objects.filter(region_id=region, code=values["department"]).exists()
    ):
        add("department", _("No department of this region has this code."), "department_not_found")
    if values.get("base_code") and not BaseItem.objects.filter(base_code=values["base_code"]).exists():
        add("base_code", _("No item of the base list has this code."), "base_not_found")
    return found


def _already_reported(problems: list[Problem], entry: _Entry, field_path: str) -> bool:
    """A cell that could not be read is reported once, not again as a missing field."""
    sheet, row_no, column = _locate(entry, field_path)
    return any(p.sheet == sheet and p.row == row_no and p.column == column for p in problems)


@transaction.atomic
def import_workbook(*, actor: services.Actor, source: str | Path | IO[bytes]) -> ImportResult:
    """Import an implementation list; all or nothing (see the module's docstring)."""
    entries = _read(source, actor)
    result = ImportResult()
    for code, entry in entries.items():
        data = entry.data
        assert data is not None
        versions = ServiceItem.objects.filter(code=code)
        live = versions.filter(status=ItemStatus.PUBLISHED).first()
        draft = versions.filter(status=ItemStatus.DRAFT).first()
        try:
            if live is not None and ItemIn.from_item(live) == data:
                result.unchanged.append(code)
                continue
            if draft is None:
                if versions.exists():
                    draft = services.item_draft_start(actor=actor, code=code)
                else:
                    draft = services.item_draft_create(actor=actor, data=data)
            draft = services.item_draft_update(actor=actor, item=draft, data=data)
            services.item_publish(actor=actor, item=draft)
        except ApplicationError as exc:
            details = exc.details if isinstance(exc.details, list) else []
            problems = [
                Problem(
                    *_locate(entry, d.get("field", "")), d.get("message", str(exc.message)), d.get("code", exc.code)
                )
                for d in details
                if isinstance(d, dict)
            ] or [Problem(ITEMS.name, entry.row.number, "", str(exc.message), exc.code)]
            raise ImportFailed(problems) from None
        (result.updated if versions.count() > 1 else result.created).append(code)
    events.workbook_imported(
        actor=actor,
        created=result.created,
        updated=result.updated,
        unchanged=len(result.unchanged),
        source=str(getattr(source, "name", source)) if isinstance(source, str | Path) else "",
    )
    return result
