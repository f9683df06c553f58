"""Text is checked once at every entry, so nothing unencodable is stored and no page fails later.

The entries: the API (JSON bodies and queries), web forms and form posts, the imports (licence
files, catalog workbooks) and federation messages.
"""

from __future__ import annotations

import datetime as dt
import json
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

import tongban.accounts.sessions  # noqa: F401  (stamps the login time that force_login sessions need)
from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.cases.models import Case
from tongban.cases.tests.factories import make_item, resident
from tongban.catalog.models import ServiceItem
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import make_resident_id
from tongban.federation import services as federation
from tongban.federation.models import InboxMessage, MessageLog
from tongban.federation.tests.factories import KeyedPeer
from tongban.hotline.models import Ticket
from tongban.licences.importing import licence_import
from tongban.licences.models import Licence
from tongban.licences.tests.factories import LicenceTypeFactory

pytestmark = pytest.mark.django_db

SURROGATE = "\ud800"


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_a_lone_surrogate_in_form_data_is_refused_by_the_api_and_the_case_page_keeps_working() -> None:
    # given a resident and an item
    item = make_item()
    applicant = resident()
    client = logged_in(applicant)
    # when a draft carries a lone surrogate in its form data (JSON escape \ud800)
    body = json.dumps({"item_code": item.code, "form_data": {"applicant_name": f"张{SURROGATE}"}})
    response = client.post("/api/v1/cases/drafts", body, content_type="application/json")
    # then it is refused with the stable code and nothing is stored
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_text"
    assert not Case.objects.filter(applicant=applicant).exists()
    # and a clean draft cannot be changed to carry one either
    created = client.post(
        "/api/v1/cases/drafts",
        {"item_code": item.code, "form_data": {"applicant_name": "张三"}},
        content_type="application/json",
    )
    case_id = created.json()["id"]
    patch = json.dumps({"form_data": {"applicant_name": SURROGATE}, "delivery_address": "a\x00b"})
    assert client.patch(f"/api/v1/cases/{case_id}", patch, content_type="application/json").status_code == 422
    assert Case.objects.get(pk=case_id).form_data["applicant_name"] == "张三"
    # so the case page renders for the applicant
    assert client.get(f"/cases/{case_id}/").status_code == 200


def test_api_refuses_control_characters_in_queries_and_too_deep_json() -> None:
    client = logged_in(resident())
    response = client.get("/api/v1/licences/usable", {"licence_type_code": "a\x01b"})
    assert response.status_code == 422 and response.json()["code"] == "invalid_text"
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    body = json.dumps({"item_code": "x", "form_data": {"a": deep}})
    response = client.post("/api/v1/cases/drafts", body, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "json_too_deep"


def test_form_posts_with_control_characters_are_refused_before_any_view() -> None:
    # given a resident on the application page
    item = make_item()
    applicant = resident()
    client = logged_in(applicant)
    # when the form is posted with an escape sequence in a field
    response = client.post(f"/cases/apply/{item.code}/", {"f-applicant_name": "张三\x1b[2J", "action": "save"})
    # then it is refused and nothing is stored
    assert response.status_code == 400
    assert not Case.objects.filter(applicant=applicant).exists()
    # and an Open311 post (a form, exempt from CSRF) is refused the same way
    response = Client().post("/open311/v2/requests.json", {"service_code": "x", "description": "a\x00b"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_a_licence_file_with_control_characters_reports_the_cell_and_imports_nothing() -> None:
    # given a licence administrator and a CSV whose holder name carries a control character
    licence_type = LicenceTypeFactory.create()
    licence_admin = StaffFactory.create(roles=[(licence_type.department, StaffRoleKind.LICENCE_ADMIN)])
    holder = make_resident_id("120101", dt.date(1980, 1, 1), 7)
    content = "\n".join(
        [
            ",".join(["证照类型", "持证主体代码", "持证主体名称", "speciality"]),
            f"{licence_type.code},{holder},甲\x07,内科",
        ]
    ).encode("utf-8-sig")
    # when it is imported, then the cell is named and nothing is imported
    with pytest.raises(ValidationFailed) as err:
        licence_import(file_name="x.csv", content=content, actor=licence_admin)
    assert err.value.code == "import_invalid" and isinstance(err.value.details, list)
    found = [(d["row"], d["column"], d["code"]) for d in err.value.details]
    assert (2, "holder_name", "invalid_text") in found
    assert not Licence.objects.exists()


def test_a_catalog_workbook_with_a_lone_surrogate_in_a_json_cell_is_refused() -> None:
    from tongban.catalog.tests.test_xlsx import col, row_of, to_bytes
    from tongban.catalog.xlsx import ImportFailed, export_workbook_bytes, import_workbook

    # given an exported catalog whose form fields (JSON) and a name carry refused characters
    item = make_item()
    wb = load_workbook(BytesIO(export_workbook_bytes()))
    sheet = wb["事项"]
    row = row_of(sheet, item.code)
    sheet.cell(row=row, column=col(sheet, "form_fields"), value='[{"name": "a", "label": "\\ud800"}]')
    sheet.cell(row=row, column=col(sheet, "name"), value="名称\x7f")
    before = ServiceItem.objects.get(pk=item.pk).name
    # when it is imported, then both cells are reported and nothing changes
    with pytest.raises(ImportFailed) as err:
        import_workbook(actor=None, source=to_bytes(wb))
    codes = {(p.row, p.code) for p in err.value.problems}
    assert (row, "invalid_text") in codes
    assert len([p for p in err.value.problems if p.code == "invalid_text"]) == 2
    assert ServiceItem.objects.get(pk=item.pk).name == before


def test_a_federation_message_carrying_a_lone_surrogate_is_refused_and_not_stored(settings: Any) -> None:
    # given a pinned peer
    settings.TONGBAN_REGION = "110000"
    peer = KeyedPeer(region="120000")
    federation.peer_add_bundle(bundle=peer.bundle(), actor=None)
    envelope = peer.envelope(recipient="110000", payload={"name": f"x{SURROGATE}"})
    # when it sends a signed message whose payload has a lone surrogate
    response = Client().post(
        "/federation/v1/messages", data=peer.sign(envelope).encode(), content_type="application/jose"
    )
    # then it is refused as malformed and only the refusal is logged
    assert response.status_code == 400 and response.json()["code"] == "malformed_message"
    assert not InboxMessage.objects.exists()
    assert MessageLog.objects.filter(code="malformed_message").count() == 1
