"""Materials satisfied by shared data (减证便民, 免提交): with the applicant's consent the item's
department fetches the applicant's record through the exchange for the case, the material is marked
已由部门共享获取, and the reviewer sees the data with its source, time and signature; without a
record, or without an approval, the applicant is told plainly and the case stays as it was."""

from __future__ import annotations

from typing import cast

import pytest
from django.test import Client

import tongban.accounts.sessions  # noqa: F401  (the login stamp receiver, before force_login)
from tongban.accounts.constants import StaffRoleKind, UserKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.cases import services, shared_data
from tongban.cases.constants import MaterialStatus
from tongban.cases.models import Case
from tongban.cases.tests.factories import FORM_FIELDS
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import MaterialFactory, ServiceItemFactory
from tongban.core.errors import ApplicationError
from tongban.sharing.models import AccessLogEntry, DataReceipt
from tongban.sharing.tests.conftest import ZHANG_WEI, World, approve, load_records, make_world, publish

pytestmark = pytest.mark.django_db

FIELDS = ["id_number", "certificate_number", "baby_name", "birth_date", "mother_name", "father_name"]


@pytest.fixture
def world(db: object) -> World:
    built = make_world()
    load_records()
    return built


@pytest.fixture
def item(world: World) -> ServiceItem:
    publish(world, "wj_csyxzm")
    approve(world, "wj_csyxzm", FIELDS)
    made = cast(
        ServiceItem,
        ServiceItemFactory(
            department=world.psb,
            region_id="120000",
            form_fields=FORM_FIELDS,
            legal_limit_days=20,
            promised_limit_days=10,
        ),
    )
    MaterialFactory(
        item=made,
        code="csyxzm",
        name="出生医学证明",
        order=1,
        required=True,
        data_resource_code="wj_csyxzm",
        data_fields=["certificate_number", "baby_name", "birth_date"],
    )
    return made


def _applicant(id_number: str = ZHANG_WEI) -> User:
    return cast(User, UserFactory(kind=UserKind.RESIDENT, id_number=id_number, full_name="张伟"))


def _draft(item: ServiceItem, applicant: User) -> Case:
    return services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张伟"})


def test_a_material_is_fetched_with_consent_and_the_case_can_be_submitted(item: ServiceItem, world: World) -> None:
    # given a draft of 张伟, whose birth certificate the health commission holds
    applicant = _applicant()
    case = _draft(item, applicant)
    offer = shared_data.offer_for(material=item.materials.get(code="csyxzm"), department_id=world.psb.pk)
    assert offer is not None and offer.labels == ["出生医学证明编号", "新生儿姓名", "出生日期"]
    # when he consents to its being fetched
    row = shared_data.case_material_fetch_shared(case=case, actor=applicant, material_code="csyxzm", consent=True)
    # then the material is marked as obtained through data sharing, with a receipt of only the fields that prove it
    assert row.status == MaterialStatus.SHARED and row.receipt_number
    receipt = DataReceipt.objects.get(number=row.receipt_number)
    assert receipt.data == {"certificate_number": "Q120012345", "baby_name": "张一诺", "birth_date": "2026-11-20"}
    assert (receipt.context_kind, receipt.context_id, receipt.department) == ("case", str(case.pk), world.psb)
    entry = AccessLogEntry.objects.get(lane=receipt.log_lane, seq=receipt.log_seq)
    assert (entry.purpose, entry.context_kind, entry.subject_id) == ("licensing", "case", ZHANG_WEI)
    # and the case can be submitted without an upload
    submitted = services.case_submit(case=case, actor=applicant)
    assert submitted.number


def test_without_consent_or_record_nothing_changes_and_the_applicant_is_told(item: ServiceItem) -> None:
    applicant = _applicant()
    case = _draft(item, applicant)
    with pytest.raises(ApplicationError) as refused:
        shared_data.case_material_fetch_shared(case=case, actor=applicant, material_code="csyxzm", consent=False)
    assert refused.value.code == "consent_required"
    stranger = _applicant("120116199501080243")  # 李娜: no birth certificate
    other = _draft(item, stranger)
    with pytest.raises(ApplicationError) as none:
        shared_data.case_material_fetch_shared(case=other, actor=stranger, material_code="csyxzm", consent=True)
    assert none.value.code == "no_record" and "上传" in str(none.value.message)
    assert not other.materials.filter(status=MaterialStatus.SHARED).exists()
    # someone else may not fetch for 张伟's case
    with pytest.raises(ApplicationError):
        shared_data.case_material_fetch_shared(case=case, actor=stranger, material_code="csyxzm", consent=True)


def test_the_exchange_asks_cases_whether_a_case_covers_a_subject(item: ServiceItem, world: World) -> None:
    applicant = _applicant()
    case = _draft(item, applicant)
    assert shared_data.case_covers(str(case.pk), ZHANG_WEI, world.psb.pk) is True
    assert shared_data.case_covers(str(case.pk), "120116199501080243", world.psb.pk) is False
    assert shared_data.case_covers(str(case.pk), ZHANG_WEI, world.civil.pk) is False
    assert shared_data.case_covers("999999", ZHANG_WEI, world.psb.pk) is None


def test_the_apply_page_offers_the_fetch_and_the_reviewer_sees_the_data(item: ServiceItem, world: World) -> None:
    applicant = _applicant()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(applicant)
    page = client.get(f"/cases/apply/{item.code}/").content.decode()
    assert 'name="dc-csyxzm"' in page and world.health.name in page
    answer = client.post(
        f"/cases/apply/{item.code}/",
        {"f-applicant_name": "张伟", "dc-csyxzm": "1", "delivery_method": "electronic", "action": "submit"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    case = Case.objects.get(applicant=applicant)
    row = case.materials.get(material__code="csyxzm")
    assert row.status == MaterialStatus.SHARED and case.number
    reviewer = StaffFactory.create(roles=[(world.psb, StaffRoleKind.REVIEWER)])
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(reviewer)
    detail = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "已由部门共享获取" in detail or "Obtained through data sharing" in detail
    shown = staff.get(f"/cases/{case.pk}/materials/{row.pk}/shared/").content.decode()
    assert "张一诺" in shown and "签名有效" in shown and world.health.name in shown
