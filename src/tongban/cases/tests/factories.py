"""Factories and small builders for case tests (reuse the accounts, regions and catalog factories)."""

from __future__ import annotations

import io
from typing import Any, cast

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.cases import services
from tongban.cases.models import Case
from tongban.catalog.models import ServiceItem
from tongban.catalog.tests.factories import MaterialFactory, ServiceItemFactory
from tongban.regions.models import Department
from tongban.regions.tests.factories import DepartmentFactory

# A small PDF with one blank page: the upload checks read its page tree (core.filecheck).
PDF_BYTES = (
    b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Producer (pypdf)\n>>\nendobj\n2 0 obj\n<<\n/Type /Pages\n"
    b"/Count 1\n/Kids [ 4 0 R ]\n>>\nendobj\n3 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n4 0 obj\n"
    b"<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0 0.0 595 842 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n"
    b"0000000000 65535 f \n0000000015 00000 n \n0000000054 00000 n \n0000000113 00000 n \n0000000162 00000 n \n"
    b"trailer\n<<\n/Size 5\n/Root 3 0 R\n/Info 1 0 R\n>>\nstartxref\n256\n%%EOF\n"
)

FORM_FIELDS = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "max_length": 40},
    {"name": "reason", "label": "申请事由", "type": "text", "required": False},
]


def make_item(**kwargs: Any) -> ServiceItem:
    """A published item with two materials (one key, one that may be supplied later) and a small form."""
    defaults: dict[str, Any] = {"form_fields": FORM_FIELDS, "legal_limit_days": 20, "promised_limit_days": 10}
    defaults.update(kwargs)
    item = cast(ServiceItem, ServiceItemFactory(**defaults))
    MaterialFactory(item=item, code="ID", name="身份证", order=1, required=True, gap_allowed=False)
    MaterialFactory(item=item, code="PLAN", name="场地平面图", order=2, required=True, gap_allowed=True)
    return item


def department(code: str | None = None) -> Department:
    """Another department of the region (factory_boy's types need the cast)."""
    return cast(Department, DepartmentFactory(code=code) if code else DepartmentFactory())


def staff(department: Department, role: StaffRoleKind) -> User:
    return cast(User, StaffFactory(roles=[(department, role)]))


def resident() -> User:
    return cast(User, UserFactory())


def pdf() -> io.BytesIO:
    return io.BytesIO(PDF_BYTES)


def upload_all(case: Case, actor: User, codes: tuple[str, ...] = ("ID", "PLAN")) -> None:
    for code in codes:
        services.case_material_upload(case=case, actor=actor, material_code=code, source=pdf(), original_name="a.pdf")


def submitted_case(item: ServiceItem | None = None, applicant: User | None = None) -> Case:
    item = item or make_item()
    applicant = applicant or resident()
    case = services.case_draft_create(actor=applicant, item=item, form_data={"applicant_name": "张三"})
    upload_all(case, applicant)
    return services.case_submit(case=case, actor=applicant)
