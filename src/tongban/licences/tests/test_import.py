"""Bulk import: all or nothing, with row and column errors."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from tongban.accounts.models import User
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import make_resident_id
from tongban.licences.importing import licence_import
from tongban.licences.models import Licence, LicenceType
from tongban.licences.numbers import make_number

pytestmark = pytest.mark.django_db


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("utf-8-sig")


def _id(n: int) -> str:
    return make_resident_id("120101", dt.date(1970, 1, 1) + dt.timedelta(days=n), n)


def test_a_valid_csv_is_imported_with_its_numbers(licence_type: LicenceType, licence_admin: User) -> None:
    kept = make_number(type_code=licence_type.code, region_code="120000", serial=900001)
    content = _csv(
        [
            ["证照类型", "持证主体代码", "持证主体名称", "有效期起", "有效期至", "证照编号", "speciality"],
            [licence_type.code, _id(1), "甲", "2020-01-01", "2030-12-31", kept, "内科"],
            [licence_type.code, _id(2), "乙", "2021-05-05", "", "", "外科"],
        ]
    )
    licences = licence_import(file_name="legacy.csv", content=content, actor=licence_admin)
    assert licences[0].number == kept
    assert Licence.objects.count() == 2
    assert all(lic.vc_jwt for lic in licences)


def test_an_excel_workbook_is_imported(licence_type: LicenceType, licence_admin: User) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["type_code", "holder_id", "holder_name", "valid_from", "speciality", "first_issued"])
    ws.append([licence_type.code, _id(3), "丙", dt.date(2022, 2, 2), "口腔", dt.datetime(2010, 1, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    [licence] = licence_import(file_name="legacy.xlsx", content=buf.getvalue(), actor=licence_admin)
    assert licence.valid_from == dt.date(2022, 2, 2) and licence.field_values["first_issued"] == "2010-01-01"


def test_any_error_imports_nothing_and_lists_rows_and_columns(licence_type: LicenceType, licence_admin: User) -> None:
    content = _csv(
        [
            ["type_code", "holder_id", "holder_name", "valid_from", "valid_to", "number", "speciality"],
            [licence_type.code, _id(4), "好", "2020-01-01", "", "", "内科"],
            ["nope", _id(5), "类型错", "", "", "", "内科"],
            [licence_type.code, "123", "证号错", "2020-02-30", "", "", ""],
            [licence_type.code, _id(6), "", "2020-01-01", "2019-01-01", "YYZZ-120000-00000001A", "内科"],
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="bad.csv", content=content, actor=licence_admin)
    assert exc.value.code == "import_invalid"
    details: list[dict[str, Any]] = exc.value.details  # type: ignore[assignment]
    found = {(e["row"], e["column"], e["code"]) for e in details}
    assert (3, "type_code", "unknown_type") in found
    assert (4, "holder_id", "invalid_id_number") in found
    assert (4, "valid_from", "invalid_date") in found
    assert (4, "speciality", "required") in found
    assert (5, "holder_name", "required") in found
    assert (5, "valid_to", "invalid_validity_period") in found
    assert (5, "number", "invalid_licence_number") in found
    assert Licence.objects.count() == 0


def test_duplicate_numbers_and_missing_columns_are_refused(licence_type: LicenceType, licence_admin: User) -> None:
    number = make_number(type_code=licence_type.code, region_code="120000", serial=1234)
    content = _csv(
        [
            ["type_code", "holder_id", "holder_name", "number", "speciality"],
            [licence_type.code, _id(7), "甲", number, "内科"],
            [licence_type.code, _id(8), "乙", number, "内科"],
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="dup.csv", content=content, actor=licence_admin)
    details: list[dict[str, Any]] = exc.value.details  # type: ignore[assignment]
    assert [(e["row"], e["code"]) for e in details] == [(3, "licence_number_taken")]
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="cols.csv", content=_csv([["type_code"], ["x"]]), actor=licence_admin)
    assert exc.value.code == "import_invalid"
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="bin.csv", content=b"\xff\xfe\x00garbage", actor=licence_admin)
    assert exc.value.code == "import_unreadable"


def test_someone_who_is_not_licence_admin_imports_nothing(licence_type: LicenceType, resident: User) -> None:
    content = _csv([["type_code", "holder_id", "holder_name", "speciality"], [licence_type.code, _id(9), "甲", "内科"]])
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="x.csv", content=content, actor=resident)
    assert exc.value.details[0]["code"] == "not_licence_admin"  # type: ignore[index]
    assert Licence.objects.count() == 0


def test_import_through_the_api_answers_422_with_errors(licence_type: LicenceType, licence_admin: User) -> None:
    client = Client()
    client.force_login(licence_admin)
    bad = io.BytesIO(_csv([["type_code", "holder_id", "holder_name"], [licence_type.code, "bad", "甲"]]))
    bad.name = "bad.csv"
    response = client.post("/api/v1/licences/import", {"file": bad})
    assert response.status_code == 422 and response.json()["code"] == "import_invalid"
    assert response.json()["details"][0]["row"] == 2
    good = io.BytesIO(
        _csv([["type_code", "holder_id", "holder_name", "speciality"], [licence_type.code, _id(10), "甲", "内科"]])
    )
    good.name = "good.csv"
    response = client.post("/api/v1/licences/import", {"file": good})
    assert response.status_code == 201 and response.json()["imported"] == 1


def test_a_workbook_that_is_a_zip_bomb_is_refused_before_it_is_opened(
    licence_type: LicenceType, licence_admin: User
) -> None:
    # given an .xlsx-looking ZIP whose one sheet declares 1 GiB of zeros (its directory says so)
    from tongban.core.tests.files import zip_bomb

    bomb = zip_bomb()
    # when it is imported, then openpyxl never sees it, the refusal says why, and nothing is imported
    with pytest.raises(ValidationFailed) as exc:
        licence_import(file_name="licences.xlsx", content=bomb, actor=licence_admin)
    assert exc.value.code == "import_unreadable"
    assert exc.value.details == {"reason": "upload_archive_too_large"}
    assert not Licence.objects.exists()
