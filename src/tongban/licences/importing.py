"""Bulk import of existing licences from CSV or Excel: every row is checked first, then all are
issued in one transaction, or none (the errors list each row and column)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError, ValidationFailed
from tongban.core.text import TextRefused, clean_text, text_problem
from tongban.licences import events
from tongban.licences.models import Licence, LicenceType
from tongban.licences.numbers import is_well_formed
from tongban.licences.selectors import can_administer
from tongban.licences.services import licence_issue, normalise_holder_id, validate_field_values

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CELL_LENGTH = 2000

# Accepted headers (English or Chinese) of the standard columns.
COLUMNS = {
    "type_code": ("type_code", "证照类型"),
    "holder_id": ("holder_id", "持证主体代码"),
    "holder_name": ("holder_name", "持证主体名称"),
    "valid_from": ("valid_from", "有效期起"),
    "valid_to": ("valid_to", "有效期至"),
    "number": ("number", "证照编号"),
}
_HEADER_TO_KEY = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}


def _rows_from_content(*, file_name: str, content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 10 MB."), code="import_too_large")
    if content[:4] == b"PK\x03\x04":  # an .xlsx workbook (decided by content, not by name)
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds of errors for a damaged file
            raise ValidationFailed(_("The Excel file cannot be read."), code="import_unreadable") from exc
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            cells = []
            for v in values:
                if isinstance(v, dt.datetime):
                    v = v.date()
                cells.append("" if v is None else (v.isoformat() if isinstance(v, dt.date) else str(v)))
            rows.append(cells)
            if len(rows) > MAX_ROWS + 1:
                break
        workbook.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("The file must be UTF-8 CSV or an Excel workbook (.xlsx)."), code="import_unreadable"
        ) from None
    return [row for row in csv.reader(io.StringIO(text))]


def _error(row: int, column: str, code: str, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "code": code, "message": message}


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip()[:10])


@transaction.atomic
def licence_import(*, file_name: str, content: bytes, actor: User) -> list[Licence]:
    """Import licences; raises ``ValidationFailed`` (code ``import_invalid``) listing every error, importing nothing."""
    rows = [r for r in _rows_from_content(file_name=file_name, content=content) if any(c.strip() for c in r)]
    if not rows:
        raise ValidationFailed(_("The file is empty."), code="import_empty")
    header = [h.strip() for h in rows[0]]
    refused = [h for h in header if text_problem(h) or len(h) > 100]
    if refused:
        raise TextRefused(details=[_error(1, "", "invalid_text", str(TextRefused.default_message))])
    keys = [_HEADER_TO_KEY.get(h, h) for h in header]
    missing = [k for k in ("type_code", "holder_id", "holder_name") if k not in keys]
    if missing:
        raise ValidationFailed(
            _("Required columns are missing."),
            code="import_invalid",
            details=[_error(1, m, "missing_column", _("This column is required.")) for m in missing],
        )
    data_rows = rows[1:]
    if len(data_rows) > MAX_ROWS:
        raise ValidationFailed(_("At most 50,000 rows can be imported at once."), code="import_too_many_rows")
    types = {t.code: t for t in LicenceType.objects.select_related("department")}
    errors: list[dict[str, Any]] = []
    planned: list[dict[str, Any]] = []
    seen_numbers: set[str] = set()
    for offset, raw in enumerate(data_rows):
        line = offset + 2
        row = {keys[i]: (raw[i].strip() if i < len(raw) else "") for i in range(len(keys))}
        row_errors: list[dict[str, Any]] = []
        for column, cell in row.items():
            try:
                clean_text(cell, max_length=MAX_CELL_LENGTH, field=column)
            except TextRefused as exc:
                row_errors.append(_error(line, column, exc.code, str(exc.message)))
                row[column] = ""
        ltype: LicenceType | None = types.get(row.get("type_code", ""))
        if ltype is None:
            row_errors.append(_error(line, "type_code", "unknown_type", _("Unknown licence type.")))
        elif not can_administer(user=actor, department_id=ltype.department_id):
            row_errors.append(
                _error(
                    line,
                    "type_code",
                    "not_licence_admin",
                    _("You are not a licence administrator of the issuing department."),
                )
            )
        holder_id = row.get("holder_id", "")
        if ltype is not None:
            try:
                holder_id = normalise_holder_id(holder_kind=ltype.holder_kind, holder_id=holder_id)
            except ApplicationError as exc:
                row_errors.append(_error(line, "holder_id", exc.code, str(exc.message)))
        if not row.get("holder_name"):
            row_errors.append(_error(line, "holder_name", "required", _("This field is required.")))
        dates: dict[str, dt.date | None] = {"valid_from": None, "valid_to": None}
        for col in ("valid_from", "valid_to"):
            if row.get(col):
                try:
                    dates[col] = _date(row[col])
                except ValueError:
                    row_errors.append(_error(line, col, "invalid_date", _("Enter a date as YYYY-MM-DD.")))
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            row_errors.append(
                _error(line, "valid_to", "invalid_validity_period", _("The licence cannot end before it starts."))
            )
        number = row.get("number", "").upper()
        if number:
            if not is_well_formed(number):
                row_errors.append(
                    _error(
                        line,
                        "number",
                        "invalid_licence_number",
                        _("The licence number is malformed or its check character is wrong."),
                    )
                )
            elif number in seen_numbers or Licence.objects.filter(number=number).exists():
                row_errors.append(
                    _error(line, "number", "licence_number_taken", _("A licence with this number exists already."))
                )
            seen_numbers.add(number)
        values = {k: v for k, v in row.items() if k not in COLUMNS and v != ""}
        if ltype is not None:
            try:
                values = validate_field_values(licence_type=ltype, values=values)
            except ValidationFailed as exc:
                details: list[dict[str, str]] = exc.details if isinstance(exc.details, list) else []
                for detail in details:
                    row_errors.append(_error(line, detail["field"], detail["code"], detail["message"]))
        errors.extend(row_errors)
        if not row_errors and ltype is not None:
            planned.append(
                {
                    "licence_type": ltype,
                    "holder_id": holder_id,
                    "holder_name": row["holder_name"],
                    "field_values": values,
                    "valid_from": dates["valid_from"],
                    "valid_to": dates["valid_to"],
                    "number": number,
                }
            )
    if errors:
        raise ValidationFailed(
            _("%(count)d errors: nothing was imported.") % {"count": len(errors)},
            code="import_invalid",
            details=errors[:500],
        )
    imported = [
        licence_issue(
            actor=actor, check_permission=False, reason=_("Imported from %(file)s") % {"file": file_name[:100]}, **p
        )
        for p in planned
    ]
    events.licences_imported(
        actor=actor, count=len(imported), file_name=file_name, numbers=[lic.number for lic in imported]
    )
    return imported
