"""免提交 on the pages: the apply form offers the applicant's valid licences of the material's type; with
explicit consent the case references the licence instead of an upload; a revoked, expired, someone
else's or forged licence is refused with a clear error and nothing saved; the reviewer's case page
shows the licence verified now; the holder sees every use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.cases import services as case_services
from tongban.cases.constants import CaseStatus, DeliveryMethod, MaterialStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import PDF_BYTES, make_item, resident, staff
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import MaterialFactory
from tongban.licences import services
from tongban.licences.models import Licence, LicenceType, LicenceUse
from tongban.licences.numbers import make_number
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _case_files(settings: Any, tmp_path: Path) -> None:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"


def client_for(user: User) -> Client:
    import tongban.accounts.sessions  # noqa: F401  (the login-time stamp before force_login)

    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def pdf_file(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class World:
    def __init__(self) -> None:
        self.ltype: LicenceType = LicenceTypeFactory.create(name="食品经营许可证")
        self.item: ServiceItem = make_item()
        MaterialFactory(
            item=self.item,
            code="LIC",
            name="食品经营许可证复印件",
            order=3,
            required=True,
            licence_type_code=self.ltype.code,
        )
        self.applicant = resident()
        self.other = resident()
        self.mine = make_licence(licence_type=self.ltype, holder_id=self.applicant.id_number, n=1)
        self.revoked = make_licence(licence_type=self.ltype, holder_id=self.applicant.id_number, n=2)
        services.licence_revoke(licence=self.revoked, actor=None, reason="吊销")
        self.expired = make_licence(
            licence_type=self.ltype,
            holder_id=self.applicant.id_number,
            valid_from=dt.date(2015, 1, 1),
            valid_to=dt.date(2020, 1, 1),
        )
        self.theirs = make_licence(licence_type=self.ltype, holder_id=self.other.id_number, n=4)

    def post(self, **extra: Any) -> Any:
        data: dict[str, Any] = {
            "f-applicant_name": "张三",
            "f-reason": "开业",
            "delivery_method": DeliveryMethod.ELECTRONIC,
            "delivery_recipient": "",
            "delivery_phone": "",
            "delivery_address": "",
            "m-ID": pdf_file(),
            "m-PLAN": pdf_file("plan.pdf"),
            "action": "submit",
        }
        data.update(extra)
        return client_for(self.applicant).post(reverse("cases:apply", args=[self.item.code]), data)


@pytest.fixture
def world() -> World:
    return World()


def test_the_apply_page_offers_only_the_applicants_valid_licences(world: World) -> None:
    # when the applicant opens the apply page
    page = client_for(world.applicant).get(reverse("cases:apply", args=[world.item.code])).content.decode()
    # then the material offers their valid licence, with a consent checkbox, and nothing else
    assert 'name="l-LIC"' in page and 'name="lc-LIC"' in page
    assert f'value="{world.mine.number}"' in page
    for refused in (world.revoked, world.expired, world.theirs):
        assert refused.number not in page
    # and the materials no licence can replace offer no choice
    assert 'name="l-ID"' not in page


def test_choosing_a_licence_with_consent_replaces_the_upload(world: World) -> None:
    # when the applicant chooses their licence, consents and submits
    response = world.post(**{"l-LIC": world.mine.number, "lc-LIC": "on"})
    # then the case is submitted with the licence referenced instead of a file
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant=world.applicant)
    assert case.status == CaseStatus.SUBMITTED
    row = case.materials.get(material__code="LIC")
    assert row.status == MaterialStatus.LICENCE and row.licence_number == world.mine.number and not row.file
    # and the use is recorded once, with the case, and shown on the holder's list of uses
    use = LicenceUse.objects.get(licence=world.mine)
    assert use.kind == "used_in_case" and use.case_number == case.number and use.material_code == "LIC"
    uses_page = client_for(world.applicant).get(reverse("licences:uses")).content.decode()
    assert world.mine.number in uses_page and str(case.number) in uses_page


def test_without_consent_nothing_is_saved(world: World) -> None:
    response = world.post(**{"l-LIC": world.mine.number})
    assert response.status_code == 422
    page = response.content.decode()
    assert "以证照代替上传材料需要您的授权同意" in page
    assert 'id="error-LIC"' in page
    assert not Case.objects.filter(applicant=world.applicant).exists()
    assert not LicenceUse.objects.exists()


@pytest.mark.parametrize(
    ("which", "code"),
    [("revoked", "licence_not_valid"), ("expired", "licence_not_valid"), ("theirs", "licence_not_usable")],
)
def test_a_revoked_expired_or_someone_elses_licence_is_refused(world: World, which: str, code: str) -> None:
    # given a licence the page did not offer, posted anyway (a forged form)
    licence: Licence = getattr(world, which)
    # when the applicant submits it with consent
    response = world.post(**{"l-LIC": licence.number, "lc-LIC": "on"})
    # then the page explains it on the material, and nothing is saved or recorded
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="error-LIC"' in page
    expected = {
        "licence_not_valid": "该证照无效（已吊销、暂停或过期）",
        "licence_not_usable": "该证照无法使用",
    }[code]
    assert expected in page
    assert not Case.objects.filter(applicant=world.applicant).exists()
    assert not LicenceUse.objects.exists()


def test_a_forged_or_unknown_number_is_refused(world: World) -> None:
    unknown = make_number(type_code=world.ltype.code, region_code="120000", serial=99999)
    for number in (unknown, "NOT-A-LICENCE", "' OR 1=1 --"):
        response = world.post(**{"l-LIC": number, "lc-LIC": "on"})
        assert response.status_code == 422 and 'id="error-LIC"' in response.content.decode()
    assert not Case.objects.filter(applicant=world.applicant).exists()


def test_a_file_and_a_licence_for_the_same_material_are_refused(world: World) -> None:
    response = world.post(**{"l-LIC": world.mine.number, "lc-LIC": "on", "m-LIC": pdf_file("lic.pdf")})
    assert response.status_code == 422 and 'id="error-LIC"' in response.content.decode()
    assert not Case.objects.filter(applicant=world.applicant).exists()


def test_saving_the_draft_again_records_no_second_use(world: World) -> None:
    client = client_for(world.applicant)
    world.post(**{"l-LIC": world.mine.number, "lc-LIC": "on", "action": "save"})
    case = Case.objects.get(applicant=world.applicant)
    assert case.status == CaseStatus.DRAFT
    # the edit page shows the licence in use and keeps it chosen
    page = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert 'id="licence-used-LIC"' in page and f'value="{world.mine.number}" selected' in page
    client.post(
        reverse("cases:edit", args=[case.pk]),
        {"f-applicant_name": "张三", "delivery_method": DeliveryMethod.ELECTRONIC, "action": "save"}
        | {"l-LIC": world.mine.number, "lc-LIC": "on"},
    )
    assert LicenceUse.objects.filter(licence=world.mine, kind="used_in_case").count() == 1


def test_the_reviewer_sees_the_licence_verified_now(world: World) -> None:
    # given a submitted case that references the applicant's licence
    world.post(**{"l-LIC": world.mine.number, "lc-LIC": "on"})
    case = Case.objects.get(applicant=world.applicant)
    reviewer = staff(world.item.department, StaffRoleKind.REVIEWER)
    # when the reviewer opens the case
    page = client_for(reviewer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    # then the licence is shown verified: status, issuer, and each check
    assert 'id="licence-check-LIC"' in page
    section = page.split('id="licence-check-LIC"', 1)[1].split("</ul>", 1)[0]
    assert "已核验" in section and world.ltype.department.name in section and "有效" in section
    for label in ("编号及校验位", "发证机关签名", "持证人为申请人", "当前状态"):
        assert f"✓ {label}" in section
    # and the check is in the holder's list of uses, by the reviewer, for the case
    check = LicenceUse.objects.get(licence=world.mine, kind="verified")
    assert check.by_user == reviewer and check.case_number == case.number and check.valid_at_use
    # when the licence is revoked, the reviewer's page says so at once
    services.licence_revoke(licence=world.mine, actor=None, reason="吊销")
    page = client_for(reviewer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    section = page.split('id="licence-check-LIC"', 1)[1].split("</ul>", 1)[0]
    assert "无效" in section and "✗ 当前状态" in section and "已吊销" in section
    # and the applicant's own page shows the number but runs no check
    before = LicenceUse.objects.count()
    page = client_for(world.applicant).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert world.mine.number in page and 'id="licence-check-LIC"' not in page
    assert LicenceUse.objects.count() == before


def test_a_licence_referenced_through_the_api_still_needs_the_applicants_own_valid_licence(world: World) -> None:
    case = case_services.case_draft_create(actor=world.applicant, item=world.item, form_data={"applicant_name": "张三"})
    response = client_for(world.applicant).post(
        f"/api/v1/cases/{case.pk}/materials/LIC/licence",
        {"licence_number": world.theirs.number},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["code"] == "licence_not_usable"
