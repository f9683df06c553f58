"""免提交: a valid licence of the applicant replaces a material, with consent; anything else is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.accounts.models import User
from tongban.core.errors import ApplicationError
from tongban.core.models import AuditEvent
from tongban.licences import services
from tongban.licences.models import LicenceType, LicenceUse
from tongban.licences.selectors import licences_usable_for
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def test_usable_licences_are_the_valid_ones_of_the_type(
    licence_type: LicenceType, resident: User, licence_admin: User
) -> None:
    valid = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=1)
    revoked = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=2)
    services.licence_revoke(licence=revoked, actor=licence_admin, reason="吊销")
    make_licence(
        licence_type=licence_type,
        holder_id=resident.id_number,
        valid_from=dt.date(2010, 1, 1),
        valid_to=dt.date(2015, 1, 1),
    )
    assert list(licences_usable_for(holder_id=resident.id_number, licence_type_code=licence_type.code)) == [valid]
    assert list(licences_usable_for(holder_id=resident.id_number, licence_type_code="other")) == []


def test_using_a_licence_in_a_case_records_the_use_for_the_holder(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    use = services.licence_use_for_case(
        licence_number=licence.number,
        applicant=resident,
        case_number="120000-20261123-0001",
        licence_type_code=licence_type.code,
        material_code="M001",
        consent=True,
    )
    assert use.kind == "used_in_case" and use.case_number == "120000-20261123-0001" and use.by_user == resident
    assert AuditEvent.objects.filter(stream=f"licence:{licence.number}", action="licence.used_in_case").exists()


@pytest.mark.parametrize("problem", ["no_consent", "someone_else", "wrong_type", "revoked", "expired", "suspended"])
def test_refusals(
    problem: str, licence_type: LicenceType, resident: User, other_resident: User, licence_admin: User
) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    applicant, consent, type_code = resident, True, licence_type.code
    if problem == "no_consent":
        consent = False
    elif problem == "someone_else":
        applicant = other_resident
    elif problem == "wrong_type":
        type_code = "yyzz"
    elif problem == "revoked":
        services.licence_revoke(licence=licence, actor=licence_admin, reason="吊销")
    elif problem == "suspended":
        services.licence_suspend(licence=licence, actor=licence_admin, reason="暂停")
    elif problem == "expired":
        licence = make_licence(
            licence_type=licence_type,
            holder_id=resident.id_number,
            valid_from=dt.date(2010, 1, 1),
            valid_to=dt.date(2012, 1, 1),
        )
    with pytest.raises(ApplicationError) as exc:
        services.licence_use_for_case(
            licence_number=licence.number,
            applicant=applicant,
            case_number="C1",
            licence_type_code=type_code,
            consent=consent,
        )
    expected = {
        "no_consent": "consent_required",
        "someone_else": "licence_not_usable",
        "wrong_type": "licence_wrong_type",
        "revoked": "licence_not_valid",
        "expired": "licence_not_valid",
        "suspended": "licence_not_valid",
    }[problem]
    assert exc.value.code == expected
    assert LicenceUse.objects.filter(kind="used_in_case").count() == 0


def test_form_choices_list_only_the_applicants_usable_licences(
    licence_type: LicenceType, resident: User, other_resident: User
) -> None:
    from tongban.licences.selectors import licence_choices_for

    mine = make_licence(licence_type=licence_type, holder_id=resident.id_number, n=1)
    make_licence(licence_type=licence_type, holder_id=other_resident.id_number, n=2)
    choices = licence_choices_for(user=resident, licence_type_code=licence_type.code)
    assert [number for number, _label in choices] == [mine.number]
    assert licence_type.name in choices[0][1]
    assert licence_choices_for(user=resident, licence_type_code="other") == []
