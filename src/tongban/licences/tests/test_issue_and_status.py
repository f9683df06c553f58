"""Issuance, every status change, the transition table's refusals, history and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory
from tongban.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tongban.core.identifiers import make_resident_id
from tongban.core.models import AuditEvent
from tongban.licences import selectors, services
from tongban.licences.constants import LicenceStatus, StoredStatus
from tongban.licences.models import Licence, LicenceType
from tongban.licences.numbers import is_well_formed
from tongban.licences.tests.factories import LicenceTypeFactory, make_licence
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _wrong_check_digit(id_number: str) -> str:
    return id_number[:17] + ("1" if id_number[17] != "1" else "2")


def _issue(licence_type: LicenceType, actor: User, holder: User, **kwargs: object) -> Licence:
    return services.licence_issue(
        licence_type=licence_type,
        holder_id=holder.id_number,
        holder_name=holder.full_name,
        field_values=kwargs.pop("field_values", {"speciality": "内科", "first_issued": "2020-01-02"}),  # type: ignore[arg-type]
        actor=actor,
        **kwargs,  # type: ignore[arg-type]
    )


def test_licence_admin_issues_a_numbered_signed_audited_licence(
    licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    # when the licence administrator of the issuing department issues a licence
    licence = _issue(licence_type, licence_admin, resident, reason="首次发证")
    # then it is numbered (checkable), valid, signed, with its validity from the type's rule
    assert is_well_formed(licence.number)
    assert licence.number.startswith(licence_type.code.upper() + "-120000-")
    assert licence.effective_status() == LicenceStatus.VALID
    assert licence.valid_to == licence.valid_from.replace(year=licence.valid_from.year + 5) - dt.timedelta(days=1)
    assert licence.vc_jwt.count(".") == 2 and licence.signing_kid
    assert licence.field_values == {"speciality": "内科", "first_issued": "2020-01-02"}
    # and the issuance is in the history and in the audit trail
    assert [c.action for c in licence.status_changes.all()] == ["issue"]
    event = AuditEvent.objects.get(stream=f"licence:{licence.number}", action="licence.issued")
    assert event.actor_id == licence_admin.pk and event.reason == "首次发证"


def test_serials_increase_per_type_and_region(licence_type: LicenceType, licence_admin: User, resident: User) -> None:
    first = _issue(licence_type, licence_admin, resident)
    second = _issue(licence_type, licence_admin, resident)
    assert int(first.number.split("-")[2][:8]) + 1 == int(second.number.split("-")[2][:8])


def test_staff_of_another_department_or_role_cannot_issue(licence_type: LicenceType, resident: User) -> None:
    # given a reviewer of the issuing department and a licence admin of another department
    reviewer = StaffFactory.create(roles=[(licence_type.department, StaffRoleKind.REVIEWER)])
    elsewhere = StaffFactory.create(roles=[(DepartmentFactory.create(), StaffRoleKind.LICENCE_ADMIN)])
    for actor in (reviewer, elsewhere, resident):
        with pytest.raises(PermissionDenied) as exc:
            _issue(licence_type, actor, resident)
        assert exc.value.code == "not_licence_admin"
    assert Licence.objects.count() == 0


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({}, "invalid_licence_fields"),  # a required field is missing
        ({"speciality": "内科", "first_issued": "2020-13-01"}, "invalid_licence_fields"),
        ({"speciality": "内科", "unknown": "x"}, "invalid_licence_fields"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_written(
    licence_type: LicenceType, licence_admin: User, resident: User, values: dict[str, str], code: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _issue(licence_type, licence_admin, resident, field_values=values)
    assert exc.value.code == code and exc.value.details
    assert Licence.objects.count() == 0 and AuditEvent.objects.filter(action="licence.issued").count() == 0


def test_invalid_holder_id_is_refused(licence_type: LicenceType, licence_admin: User) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.licence_issue(
            licence_type=licence_type,
            holder_id=_wrong_check_digit(make_resident_id("120101", dt.date(1985, 1, 1), 7)),
            holder_name="王五",
            field_values={"speciality": "内科"},
            actor=licence_admin,
        )
    assert exc.value.code == "invalid_id_number"


def test_enterprise_licences_need_a_valid_uscc(licence_admin: User, licence_type: LicenceType) -> None:
    ltype = LicenceTypeFactory.create(holder_kind="enterprise", department=licence_type.department, fields=[])
    with pytest.raises(ValidationFailed) as exc:
        services.licence_issue(
            licence_type=ltype,
            holder_id="911200000000000000",
            holder_name="某公司",
            field_values={},
            actor=licence_admin,
        )
    assert exc.value.code == "invalid_uscc"


def test_suspend_reinstate_revoke_with_reasons_history_and_audit(
    licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    licence = _issue(licence_type, licence_admin, resident)
    # when it is suspended, reinstated, then revoked
    licence = services.licence_suspend(licence=licence, actor=licence_admin, reason="涉嫌违规，调查期间暂停")
    assert licence.effective_status() == LicenceStatus.SUSPENDED
    licence = services.licence_reinstate(licence=licence, actor=licence_admin, reason="调查结束")
    assert licence.effective_status() == LicenceStatus.VALID
    licence = services.licence_revoke(licence=licence, actor=licence_admin, reason="以欺骗手段取得许可")
    # then each change is in the history with its reason, and audited
    assert licence.effective_status() == LicenceStatus.REVOKED
    history = [(c.action, c.from_status, c.to_status, c.reason) for c in licence.status_changes.all()]
    assert history == [
        ("issue", "", "valid", ""),
        ("suspend", "valid", "suspended", "涉嫌违规，调查期间暂停"),
        ("reinstate", "suspended", "valid", "调查结束"),
        ("revoke", "valid", "revoked", "以欺骗手段取得许可"),
    ]
    actions = list(
        AuditEvent.objects.filter(stream=f"licence:{licence.number}").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["licence.issued", "licence.suspend", "licence.reinstate", "licence.revoke"]
    # and a revoked licence cannot change again
    for change in (services.licence_suspend, services.licence_reinstate, services.licence_revoke):
        with pytest.raises(InvalidTransition):
            change(licence=licence, actor=licence_admin, reason="再次操作")


def test_a_reason_is_required(licence_type: LicenceType, licence_admin: User, resident: User) -> None:
    licence = _issue(licence_type, licence_admin, resident)
    with pytest.raises(ValidationFailed) as exc:
        services.licence_revoke(licence=licence, actor=licence_admin, reason="  ")
    assert exc.value.code == "reason_required"
    licence.refresh_from_db()
    assert licence.status == StoredStatus.VALID


def test_reinstating_a_valid_licence_is_refused(licence_type: LicenceType, licence_admin: User, resident: User) -> None:
    licence = _issue(licence_type, licence_admin, resident)
    with pytest.raises(InvalidTransition):
        services.licence_reinstate(licence=licence, actor=licence_admin, reason="无")


def test_another_departments_admin_cannot_change_status(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    elsewhere = StaffFactory.create(roles=[(DepartmentFactory.create(), StaffRoleKind.LICENCE_ADMIN)])
    with pytest.raises(PermissionDenied):
        services.licence_revoke(licence=licence, actor=elsewhere, reason="越权")
    licence.refresh_from_db()
    assert licence.status == StoredStatus.VALID


def test_expiry_is_computed_not_stored(licence_type: LicenceType, resident: User) -> None:
    # given a licence whose validity ended yesterday
    yesterday = dt.date.today() - dt.timedelta(days=1)
    licence = make_licence(
        licence_type=licence_type, holder_id=resident.id_number, valid_from=dt.date(2020, 1, 1), valid_to=yesterday
    )
    # then its stored status is still "valid" but it is expired, in the object and in queries
    assert licence.status == StoredStatus.VALID
    assert licence.effective_status() == LicenceStatus.EXPIRED
    assert list(selectors.licence_list(status="expired")) == [licence]
    assert list(selectors.licence_list(status="valid")) == []
    # and an expired licence cannot be suspended
    with pytest.raises(InvalidTransition):
        services.licence_suspend(licence=licence, actor=None, reason="过期")


def test_reissue_revokes_the_old_licence_and_issues_a_linked_new_one(
    licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    old = _issue(licence_type, licence_admin, resident)
    new = services.licence_reissue(
        licence=old, actor=licence_admin, reason="证书遗失补发", field_values={"speciality": "外科"}
    )
    old.refresh_from_db()
    assert old.status == StoredStatus.REVOKED and old.status_reason == "证书遗失补发"
    assert new.replaces == old and new.number != old.number
    assert new.field_values["speciality"] == "外科" and new.effective_status() == LicenceStatus.VALID
    assert new.holder_id == old.holder_id


def test_expired_licences_can_be_reissued_as_renewal(
    licence_type: LicenceType, licence_admin: User, resident: User
) -> None:
    old = _issue(licence_type, licence_admin, resident, valid_from=dt.date(2015, 1, 1), valid_to=dt.date(2019, 12, 31))
    new = services.licence_reissue(licence=old, actor=licence_admin, reason="延续")
    assert new.effective_status() == LicenceStatus.VALID and new.valid_to and new.valid_to > dt.date.today()
