"""Catalog services: drafts, versions, publication, withdrawal, permissions and audit events."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tongban.accounts.constants import StaffRoleKind
from tongban.accounts.models import User
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.catalog import selectors, services
from tongban.catalog.constants import ItemStatus
from tongban.catalog.models import BaseItem, Material, SearchTerm, ServiceItem
from tongban.catalog.schemas import BaseItemIn, ItemIn, parse_input
from tongban.catalog.tests.builders import base_item, catalog_admin, item_data, published_item, theme
from tongban.core.audit import verify_all
from tongban.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.regions.models import Department, Region
from tongban.regions.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dept() -> Department:
    return DepartmentFactory.create(code="TJ-SCJG", name="天津市市场监督管理委员会")


@pytest.fixture
def base() -> BaseItem:
    return base_item(base_code="000117001000", name="食品经营许可")


@pytest.fixture
def admin(dept: Department) -> User:
    return catalog_admin(dept)


def codes(exc: ValidationFailed) -> set[str]:
    assert isinstance(exc.details, list)
    return {d["code"] for d in exc.details}


def actions(code: str) -> list[str]:
    return list(AuditEvent.objects.filter(stream=f"item:{code}").order_by("seq").values_list("action", flat=True))


# --- creating drafts ---------------------------------------------------------------------------


def test_new_code_becomes_version_one_draft_with_materials_themes_and_an_audit_event(
    dept: Department, base: BaseItem, admin: User
) -> None:
    # given a valid input with a theme
    theme("business-startup", "开办企业")
    data = item_data(base=base, dept=dept, code="120000-SCJG-0001", themes=["business-startup"])
    # when the department's catalog administrator creates the draft
    item = services.item_draft_create(actor=admin, data=data)
    # then it is version 1, a draft, with its materials in order and its theme
    item.refresh_from_db()
    assert (item.version, item.status, item.published_at) == (1, ItemStatus.DRAFT, None)
    assert [m.code for m in item.materials.order_by("order")] == ["M01", "M02", "M03"]
    assert [t.code for t in item.themes.all()] == ["business-startup"]
    assert item.special_steps[0]["kind"] == "site_inspection"
    assert ItemIn.from_item(item) == data
    # and an audit event names the actor; the draft is not searchable
    event = AuditEvent.objects.get(stream="item:120000-SCJG-0001")
    assert (event.action, event.actor_id, event.actor_role) == ("catalog.item_draft_created", admin.pk, "catalog_admin")
    assert not SearchTerm.objects.filter(item=item).exists()


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"region": "999999"}, "region_not_found"),
        ({"department": "NOPE"}, "department_not_found"),
        ({"base_code": "NOPE"}, "base_not_found"),
        ({"legal_limit_days": 5, "promised_limit_days": 6}, "promised_exceeds_legal"),
        ({"kind": "confirmation"}, "kind_mismatch"),
        ({"name": "餐饮服务许可"}, "name_mismatch"),
        ({"legal_basis": [{"law": "《中华人民共和国行政许可法》"}]}, "legal_basis_mismatch"),
        ({"themes": ["no-such-theme"]}, "theme_not_found"),
        ({"channels": ["online", "online"]}, "duplicate_channel"),
        (
            {"special_steps": [{"kind": "dancing", "name": "跳舞"}]},
            "invalid_choice",
        ),
        (
            {"materials": [{"code": "M1", "name": "甲"}, {"code": "M1", "name": "乙"}]},
            "duplicate_material_code",
        ),
    ],
)
def test_invalid_input_is_refused_with_a_stable_code_and_nothing_is_written(
    dept: Department, base: BaseItem, admin: User, overrides: dict[str, Any], expected: str
) -> None:
    # given an input with one problem
    data = item_data(base=base, dept=dept, code="120000-SCJG-0009", **overrides)
    # when it is submitted
    with pytest.raises(ValidationFailed) as info:
        services.item_draft_create(actor=admin, data=data)
    # then the problem is reported with its code, and nothing was saved
    assert expected in codes(info.value)
    assert not ServiceItem.objects.exists()
    assert not AuditEvent.objects.filter(stream__startswith="item:").exists()


def test_the_name_may_carry_a_qualifier_and_the_legal_basis_may_add_regional_regulations(
    dept: Department, base: BaseItem, admin: User
) -> None:
    # given an item named with a qualifier whose legal basis adds a local regulation, written differently
    legal = [
        {"law": "〈行政许可法〉", "article": "第二十九条"},
        {"law": "《测试条例》"},
        {"law": "《天津市测试办法》", "article": "第三条"},
    ]
    data = item_data(base=base, dept=dept, code="120000-SCJG-0002", name="食品经营许可（天津市）", legal_basis=legal)
    # when it is created, then it is accepted
    assert services.item_draft_create(actor=admin, data=data).name == "食品经营许可（天津市）"


def test_a_department_of_another_region_is_refused(dept: Department, base: BaseItem) -> None:
    # given a department of Beijing named for a Tianjin item
    beijing = DepartmentFactory.create(region=Region.objects.get(code="110000"), code="BJ-ONLY")
    data = item_data(base=base, dept=dept, code="120000-SCJG-0003", department=beijing.code)
    # when a superuser submits it
    root = UserFactory.create(is_superuser=True, is_staff=True)
    with pytest.raises(ValidationFailed) as info:
        services.item_draft_create(actor=root, data=data)
    # then the department is reported as not of this region
    assert codes(info.value) == {"department_not_in_region"}


def test_an_existing_code_is_refused(dept: Department, base: BaseItem, admin: User) -> None:
    published_item(base=base, department=dept, code="120000-SCJG-0004")
    with pytest.raises(ValidationFailed) as info:
        services.item_draft_create(actor=admin, data=item_data(base=base, dept=dept, code="120000-SCJG-0004"))
    assert codes(info.value) == {"item_code_exists"}


def test_raw_input_errors_are_chinese_with_stable_codes() -> None:
    # given raw input with a bad enum value, a non-integer, a missing field and an unknown field
    raw = {"code": "X-1", "kind": "magic", "legal_limit_days": "twenty", "surprise": 1}
    # when it is parsed in Chinese
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as info:
        parse_input(ItemIn, raw)
    # then every problem has its field, code and a Chinese message
    details = info.value.details
    assert isinstance(details, list)
    by_field = {d["field"]: d for d in details}
    assert by_field["kind"]["code"] == "invalid_choice"
    assert by_field["legal_limit_days"]["code"] == "invalid_integer"
    assert by_field["base_code"]["code"] == "required"
    assert by_field["surprise"]["code"] == "unknown_field"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d["message"]) for d in by_field.values())


# --- permissions -------------------------------------------------------------------------------


def test_only_catalog_admins_of_the_department_may_write(dept: Department, base: BaseItem) -> None:
    data = item_data(base=base, dept=dept, code="120000-SCJG-0005")
    other_dept = DepartmentFactory.create(code="TJ-OTHER")
    refused: list[User] = [
        UserFactory.create(),  # a resident
        StaffFactory.create(),  # staff without any role
        StaffFactory.create(roles=[(dept, StaffRoleKind.REVIEWER)]),  # another role in the department
        catalog_admin(other_dept),  # catalog administrator of another department
        catalog_admin(DepartmentFactory.create(region=Region.objects.get(code="120101"), code="HP-1")),  # a district's
    ]
    for user in refused:
        with pytest.raises(PermissionDenied):
            services.item_draft_create(actor=user, data=data)
    assert not ServiceItem.objects.exists()
    # a catalog administrator of the province may write a district department's items
    district_dept = DepartmentFactory.create(region=Region.objects.get(code="120101"), code="HP-SCJG")
    province_admin = catalog_admin(other_dept)
    district_data = item_data(base=base, dept=district_dept, code="120101-SCJG-0001")
    assert services.item_draft_create(actor=province_admin, data=district_data).region_id == "120101"
    # a superuser may write anything
    root = UserFactory.create(is_superuser=True)
    assert services.item_draft_create(actor=root, data=data).code == "120000-SCJG-0005"


def test_transitions_check_the_department_of_the_item(dept: Department, base: BaseItem, admin: User) -> None:
    # given a live item and an administrator of another department
    item = published_item(base=base, department=dept, code="120000-SCJG-0006")
    stranger = catalog_admin(DepartmentFactory.create(code="TJ-STRANGER"))
    # when they try every write, then each is refused
    with pytest.raises(PermissionDenied):
        services.item_draft_start(actor=stranger, code=item.code)
    with pytest.raises(PermissionDenied):
        services.item_withdraw(actor=stranger, item=item, reason="测试")
    draft = services.item_draft_start(actor=admin, code=item.code)
    with pytest.raises(PermissionDenied):
        services.item_draft_update(actor=stranger, item=draft, data=ItemIn.from_item(draft))
    with pytest.raises(PermissionDenied):
        services.item_publish(actor=stranger, item=draft)
    # and moving a draft into a department one does not administer is refused too
    foreign = DepartmentFactory.create(code="TJ-FOREIGN")
    with pytest.raises(PermissionDenied):
        services.item_draft_update(actor=admin, item=draft, data=item_data(base=base, dept=foreign, code=item.code))


def test_only_superusers_change_the_base_list(admin: User) -> None:
    data = BaseItemIn.model_validate(
        {
            "base_code": "000999000000",
            "name": "测试基本事项",
            "kind": "filing",
            "competent_department": "测试部",
            "legal_basis": [{"law": "《测试法》"}],
        }
    )
    with pytest.raises(PermissionDenied):
        services.base_item_upsert(actor=admin, data=data)
    root = UserFactory.create(is_superuser=True)
    created = services.base_item_upsert(actor=root, data=data)
    assert created.kind == "filing"
    updated = services.base_item_upsert(actor=root, data=data.model_copy(update={"name": "测试基本事项（改）"}))
    assert (updated.pk, updated.name) == (created.pk, "测试基本事项（改）")
    assert list(
        AuditEvent.objects.filter(stream="base_item:000999000000").order_by("seq").values_list("action", flat=True)
    ) == ["catalog.base_item_created", "catalog.base_item_updated"]


# --- versions and publication ------------------------------------------------------------------


def test_the_live_version_stays_live_until_the_new_draft_is_published(
    dept: Department, base: BaseItem, admin: User
) -> None:
    # given a live version 1
    v1 = services.item_publish(
        actor=admin,
        item=services.item_draft_create(actor=admin, data=item_data(base=base, dept=dept, code="120000-SCJG-0007")),
    )
    assert v1.published_at is not None
    assert SearchTerm.objects.filter(item=v1).exists()
    # when a new draft is started and changed
    v2 = services.item_draft_start(actor=admin, code=v1.code)
    assert (v2.version, v2.status) == (2, ItemStatus.DRAFT)
    assert [m.code for m in v2.materials.all()] == ["M01", "M02", "M03"]
    changed = item_data(base=base, dept=dept, code=v1.code, promised_limit_days=3, materials=[])
    v2 = services.item_draft_update(actor=admin, item=v2, data=changed)
    # then the live version is still version 1, unchanged and searchable
    assert selectors.item_get(code=v1.code).version == 1
    v1.refresh_from_db()
    assert (v1.status, v1.promised_limit_days, v1.materials.count()) == (ItemStatus.PUBLISHED, 5, 3)
    # when the draft is published
    services.item_publish(actor=admin, item=v2)
    # then version 2 is live, version 1 is kept as superseded history, and only v2 is indexed
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (ItemStatus.SUPERSEDED, ItemStatus.PUBLISHED)
    assert selectors.item_get(code=v1.code).promised_limit_days == 3
    assert not SearchTerm.objects.filter(item=v1).exists()
    assert SearchTerm.objects.filter(item=v2).exists()
    assert [(v.version, v.status) for v in selectors.item_history(code=v1.code)] == [
        (2, ItemStatus.PUBLISHED),
        (1, ItemStatus.SUPERSEDED),
    ]
    assert Material.objects.filter(item=v1).count() == 3
    # and every step is in the item's audit chain, which verifies
    assert actions(v1.code) == [
        "catalog.item_draft_created",
        "catalog.item_published",
        "catalog.item_draft_created",
        "catalog.item_draft_updated",
        "catalog.item_published",
    ]
    last = AuditEvent.objects.filter(stream=f"item:{v1.code}").order_by("-seq").first()
    assert last is not None and last.data["superseded_version"] == 1
    assert verify_all([f"item:{v1.code}"]) == []


def test_a_second_draft_is_refused(dept: Department, base: BaseItem, admin: User) -> None:
    item = published_item(base=base, department=dept, code="120000-SCJG-0008")
    services.item_draft_start(actor=admin, code=item.code)
    with pytest.raises(Conflict) as info:
        services.item_draft_start(actor=admin, code=item.code)
    assert info.value.code == "draft_exists"
    assert ServiceItem.objects.filter(code=item.code).count() == 2


def test_starting_a_draft_of_an_unknown_item_is_not_found(admin: User) -> None:
    with pytest.raises(NotFound):
        services.item_draft_start(actor=admin, code="NOPE")


@pytest.mark.parametrize("status", [ItemStatus.PUBLISHED, ItemStatus.SUPERSEDED, ItemStatus.WITHDRAWN])
def test_only_drafts_are_updated_or_published(dept: Department, base: BaseItem, admin: User, status: str) -> None:
    item = published_item(base=base, department=dept, code="120000-SCJG-0010")
    ServiceItem.objects.filter(pk=item.pk).update(status=status)
    with pytest.raises(InvalidTransition):
        services.item_draft_update(actor=admin, item=item, data=ItemIn.from_item(item))
    with pytest.raises(InvalidTransition):
        services.item_publish(actor=admin, item=item)


def test_withdrawing_takes_the_item_off_the_catalog_and_keeps_history(
    dept: Department, base: BaseItem, admin: User
) -> None:
    item = published_item(base=base, department=dept, code="120000-SCJG-0011")
    # a reason is required
    with pytest.raises(ValidationFailed) as info:
        services.item_withdraw(actor=admin, item=item, reason="  ")
    assert codes(info.value) == {"required"}
    # when it is withdrawn
    services.item_withdraw(actor=admin, item=item, reason="法律依据已废止")
    # then it is no longer visible nor searchable, but its history and the reason remain
    with pytest.raises(NotFound):
        selectors.item_get(code=item.code)
    assert not SearchTerm.objects.filter(item=item).exists()
    assert [v.status for v in selectors.item_history(code=item.code)] == [ItemStatus.WITHDRAWN]
    event = AuditEvent.objects.filter(stream=f"item:{item.code}").order_by("-seq").first()
    assert event is not None and (event.action, event.reason) == ("catalog.item_withdrawn", "法律依据已废止")
    # a withdrawn version cannot be withdrawn again, a draft cannot be withdrawn
    with pytest.raises(InvalidTransition):
        services.item_withdraw(actor=admin, item=item, reason="再次")
    draft = services.item_draft_start(actor=admin, code=item.code)
    with pytest.raises(InvalidTransition):
        services.item_withdraw(actor=admin, item=draft, reason="草稿")
    # and the new draft (copied from the latest version) reinstates it when published
    services.item_publish(actor=admin, item=draft)
    assert selectors.item_get(code=item.code).version == 2


def test_updating_a_draft_cannot_change_its_code_region_or_base(dept: Department, base: BaseItem, admin: User) -> None:
    item = published_item(base=base, department=dept, code="120000-SCJG-0012")
    draft = services.item_draft_start(actor=admin, code=item.code)
    other_base = base_item(base_code="000117002000", name="食品经营许可")
    bad = item_data(base=other_base, dept=dept, code="120000-SCJG-9999")
    with pytest.raises(ValidationFailed) as info:
        services.item_draft_update(actor=admin, item=draft, data=bad)
    assert {"code_mismatch", "base_change"} <= codes(info.value)


def test_publishing_rechecks_a_draft_edited_outside_the_services(dept: Department, base: BaseItem, admin: User) -> None:
    # given a draft whose kind was changed in the database, outside the services (admin form)
    draft = services.item_draft_create(actor=admin, data=item_data(base=base, dept=dept, code="120000-SCJG-13"))
    ServiceItem.objects.filter(pk=draft.pk).update(kind="confirmation")
    # when it is published, then it is refused and stays a draft
    with pytest.raises(ValidationFailed) as info:
        services.item_publish(actor=admin, item=draft)
    assert codes(info.value) == {"kind_mismatch"}
    draft.refresh_from_db()
    assert draft.status == ItemStatus.DRAFT


def test_history_of_an_unknown_item_is_not_found() -> None:
    with pytest.raises(NotFound):
        selectors.item_history(code="NOPE")


def test_a_draft_may_move_to_another_department_of_the_region_its_admin_administers(
    dept: Department, base: BaseItem
) -> None:
    # given an administrator of two departments and a draft of the first
    other = DepartmentFactory.create(code="TJ-SPAQ", name="天津市食品安全办公室")
    admin = StaffFactory.create(roles=[(dept, StaffRoleKind.CATALOG_ADMIN), (other, StaffRoleKind.CATALOG_ADMIN)])
    draft = services.item_draft_create(actor=admin, data=item_data(base=base, dept=dept, code="120000-SCJG-0014"))
    # when the draft is moved to the second department
    services.item_draft_update(actor=admin, item=draft, data=item_data(base=base, dept=other, code=draft.code))
    # then it is saved there and the change is recorded
    draft.refresh_from_db()
    assert draft.department == other
    event = AuditEvent.objects.filter(stream=f"item:{draft.code}").order_by("-seq").first()
    assert event is not None and event.data["changed"] == ["department_id"]


def test_law_names_are_compared_without_brackets_width_or_the_prc_prefix() -> None:
    assert services.law_key("《中华人民共和国计量法》") == services.law_key("计量法")
    assert services.law_key("《测试条例》 ") == services.law_key("<测试条例>")
    assert services.law_key("《测试条例》") != services.law_key("《天津市测试条例》")
