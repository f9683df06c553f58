"""The application form generated from an item: fields per type, validation, prefill, situations, materials."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.accounts.tests.factories import UserFactory
from tongban.cases import forms as case_forms
from tongban.cases import store as case_store
from tongban.catalog.models import Material, ServiceItem
from tongban.catalog.tests.factories import MaterialFactory, ServiceItemFactory
from tongban.core.errors import ValidationFailed
from tongban.core.identifiers import make_resident_id, make_uscc

pytestmark = pytest.mark.django_db

VALID_ID = make_resident_id("120101", dt.date(1990, 5, 17), 12)
VALID_USCC = make_uscc("120101", 4711)

FIELDS: list[dict[str, Any]] = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "max_length": 10},
    {"name": "id_number", "label": "身份证号码", "type": "id_number", "required": True},
    {"name": "uscc", "label": "统一社会信用代码", "type": "uscc", "required": False},
    {"name": "area", "label": "面积（平方米）", "type": "number", "required": True, "min": 1, "max": 500},
    {"name": "start", "label": "开业日期", "type": "date", "required": False, "min": "2020-01-01"},
    {"name": "kind", "label": "类型", "type": "choice", "required": True, "choices": ["个体", "企业"]},
    {"name": "address", "label": "经营场所", "type": "address", "required": True},
    {"name": "phone", "label": "联系电话", "type": "phone", "required": False},
]


def good_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_name": "李四",
        "id_number": VALID_ID.lower(),
        "uscc": "",
        "area": "120.5",
        "start": "2024/03/01",
        "kind": "个体",
        "address": "天津市和平区南京路 1 号",
        "phone": "13800138000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def item() -> ServiceItem:
    return ServiceItemFactory.create(form_fields=FIELDS)


def test_the_form_has_one_field_per_declaration_with_label_and_requiredness(item: ServiceItem) -> None:
    # given an item with declared fields / when its form class is built
    form = case_forms.application_form_class(item)()
    # then every declared field is there, with its label, requiredness and a widget fit for its type
    assert list(form.fields) == [f["name"] for f in FIELDS]
    assert form.fields["applicant_name"].label == "申请人姓名"
    assert form.fields["applicant_name"].required is True
    assert form.fields["uscc"].required is False
    assert form.fields["start"].widget.input_type == "date"
    assert form.fields["phone"].widget.input_type == "tel"
    kind = form.fields["kind"]
    assert isinstance(kind, forms.ChoiceField)
    assert [value for value, _label in kind.choices] == ["个体", "企业"]  # type: ignore[union-attr,misc]


def test_valid_data_is_cleaned_to_json_values(item: ServiceItem) -> None:
    # when the form data is valid
    cleaned = case_forms.validate_form_data(item, good_data())
    # then values are normalised: the ID number upper-cased, the number a number, the date ISO
    assert cleaned["id_number"] == VALID_ID
    assert cleaned["area"] == 120.5
    assert cleaned["start"] == "2024-03-01"
    assert cleaned["kind"] == "个体"
    assert cleaned["uscc"] == ""


def test_whole_numbers_stay_integers(item: ServiceItem) -> None:
    assert case_forms.validate_form_data(item, good_data(area=80))["area"] == 80


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1"), "invalid_id_number"),
        ("id_number", "12345", "invalid_id_number"),
        ("uscc", VALID_USCC[:17] + ("0" if VALID_USCC[17] != "0" else "1"), "invalid_uscc"),
        ("area", "0", "min_value"),
        ("area", "501", "max_value"),
        ("area", "很多", "invalid"),
        ("start", "2019-12-31", "date_too_early"),
        ("start", "2024-02-30", "invalid"),
        ("kind", "合伙", "invalid_choice"),
        ("applicant_name", "名" * 11, "max_length"),
        ("phone", "12345", "invalid_phone"),
        ("applicant_name", "", "required"),
        ("address", "", "required"),
    ],
)
def test_each_type_refuses_bad_values_with_a_chinese_message(
    item: ServiceItem, field: str, value: str, code: str
) -> None:
    # when one field has a bad value
    with pytest.raises(ValidationFailed) as caught:
        case_forms.validate_form_data(item, good_data(**{field: value}))
    # then only that field is reported, with a stable code and a message in Chinese
    details = caught.value.details
    assert isinstance(details, dict)
    assert list(details) == [field]
    assert details[field][0]["code"] == code
    message = details[field][0]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert caught.value.code == "validation_error"
    assert "无效" in str(caught.value.message) or "有误" in str(caught.value.message)


def test_unknown_fields_and_structured_values_are_refused(item: ServiceItem) -> None:
    with pytest.raises(ValidationFailed) as caught:
        case_forms.validate_form_data(item, good_data(salary="1", kind=["个体"]))
    details = caught.value.details
    assert isinstance(details, dict)
    assert details["salary"][0]["code"] == "unknown_field"
    assert details["kind"][0]["code"] == "invalid"


def test_a_draft_may_leave_required_fields_empty_but_not_hold_bad_values(item: ServiceItem) -> None:
    # given a draft with only a name / then it is accepted partially
    cleaned = case_forms.validate_form_data(item, {"applicant_name": "王五"}, partial=True)
    assert cleaned["applicant_name"] == "王五"
    assert cleaned["area"] is None
    # but a bad ID number is refused even in a draft
    with pytest.raises(ValidationFailed):
        case_forms.validate_form_data(item, {"id_number": "110101"}, partial=True)


def test_a_choice_with_many_options_is_a_select_with_an_empty_first_option() -> None:
    item = ServiceItemFactory.create(
        form_fields=[{"name": "c", "label": "区", "type": "choice", "required": True, "choices": list("ABCDEFG")}]
    )
    form = case_forms.application_form_class(item)()
    assert form.fields["c"].widget.input_type == "select"
    with pytest.raises(ValidationFailed):
        case_forms.validate_form_data(item, {"c": ""})
    assert case_forms.validate_form_data(item, {"c": "G"}) == {"c": "G"}


def test_prefill_takes_the_residents_profile() -> None:
    # given a resident with a full profile and an item asking for name, ID, phone, address
    user = UserFactory.create(full_name="赵六", phone="13900000000", address="天津市河西区友谊路 2 号")
    item = ServiceItemFactory.create(
        form_fields=[
            {"name": "applicant_name", "label": "姓名", "type": "text"},
            {"name": "idno", "label": "身份证", "type": "id_number"},
            {"name": "tel", "label": "电话", "type": "phone"},
            {"name": "addr", "label": "住址", "type": "address"},
            {"name": "note", "label": "备注", "type": "text"},
            {"name": "contact", "label": "联系人", "type": "text", "prefill": "full_name"},
        ]
    )
    # when the form is prefilled
    initial = case_forms.prefill_from_profile(item, user)
    # then each profile value lands in its field, and unrelated fields stay empty
    assert initial == {
        "applicant_name": "赵六",
        "idno": user.id_number,
        "tel": "13900000000",
        "addr": "天津市河西区友谊路 2 号",
        "contact": "赵六",
    }


def test_prefill_for_an_enterprise_takes_its_code_name_and_address() -> None:
    from tongban.accounts.models import Enterprise
    from tongban.regions.models import Region

    user = UserFactory.create(full_name="钱七")
    enterprise = Enterprise.objects.create(
        uscc=VALID_USCC,
        name="天津通办科技有限公司",
        legal_representative_name="钱七",
        legal_representative_id_number=VALID_ID,
        region=Region.objects.get(code="120000"),
        address="天津市南开区卫津路 3 号",
    )
    item = ServiceItemFactory.create(
        form_fields=[
            {"name": "name", "label": "企业名称", "type": "text"},
            {"name": "code", "label": "信用代码", "type": "uscc"},
            {"name": "legal_representative", "label": "法定代表人", "type": "text"},
            {"name": "site", "label": "住所", "type": "address"},
        ]
    )
    initial = case_forms.prefill_from_profile(item, user, enterprise=enterprise)
    assert initial == {
        "name": "天津通办科技有限公司",
        "code": VALID_USCC,
        "legal_representative": "钱七",
        "site": "天津市南开区卫津路 3 号",
    }


SITUATIONS = [
    {
        "code": "applicant",
        "question": "谁来办理？",
        "options": [{"code": "self", "label": "本人"}, {"code": "agent", "label": "委托代理人"}],
    },
    {
        "code": "site",
        "question": "经营场所是否自有？",
        "options": [{"code": "owned", "label": "自有"}, {"code": "rented", "label": "租赁"}],
    },
]


@pytest.fixture
def guided_item() -> ServiceItem:
    item = ServiceItemFactory.create(situations=SITUATIONS, gap_acceptance_allowed=True)
    MaterialFactory.create(item=item, code="ID", name="身份证明", order=1)
    MaterialFactory.create(item=item, code="POA", name="授权委托书", order=2, applies_when=["applicant=agent"])
    MaterialFactory.create(
        item=item, code="LEASE", name="租赁合同", order=3, applies_when=["site:rented"], gap_allowed=True
    )
    MaterialFactory.create(item=item, code="PHOTO", name="场所照片", order=4, required=False)
    return item


def test_materials_follow_the_answers_to_the_situation_questions(guided_item: ServiceItem) -> None:
    # when the applicant applies in person for an owned site
    slots = case_forms.material_slots(guided_item, {"applicant": "self", "site": "owned"})
    # then the power of attorney and the lease are not asked for
    assert [s.code for s in slots] == ["ID", "PHOTO"]
    # when an agent applies for a rented site
    by_code = {s.code: s for s in case_forms.material_slots(guided_item, {"applicant": "agent", "site": "rented"})}
    assert list(by_code) == ["ID", "POA", "LEASE", "PHOTO"]
    # then the lease may follow later (容缺), the photo is optional, the others need an upload
    assert by_code["LEASE"].gap_allowed and not by_code["LEASE"].needs_upload
    assert by_code["PHOTO"].optional and not by_code["PHOTO"].needs_upload
    assert by_code["POA"].needs_upload and by_code["POA"].conditional


def test_unanswered_questions_keep_their_materials_pending(guided_item: ServiceItem) -> None:
    slots = {s.code: s for s in case_forms.material_slots(guided_item, {})}
    assert slots["POA"].pending
    assert not slots["ID"].pending


def test_gap_flag_counts_only_where_the_item_allows_gap_acceptance() -> None:
    item = ServiceItemFactory.create(gap_acceptance_allowed=False)
    MaterialFactory.create(item=item, code="A", gap_allowed=True)
    (slot,) = case_forms.material_slots(item, {})
    assert slot.needs_upload and not slot.gap_allowed


def test_missing_materials_are_listed_by_name(guided_item: ServiceItem) -> None:
    answers = {"applicant": "agent", "site": "rented"}
    with pytest.raises(ValidationFailed) as caught:
        case_forms.validate_materials(guided_item, answers, provided={"ID"})
    assert caught.value.code == "materials_missing"
    assert "授权委托书" in str(caught.value.message)
    assert isinstance(caught.value.details, dict) and list(caught.value.details) == ["POA"]
    # with the power of attorney the application is complete (the lease may follow)
    case_forms.validate_materials(guided_item, answers, provided={"ID", "POA"})
    assert [m.code for m in case_forms.missing_materials(guided_item, answers, {"ID", "POA"}, include_gaps=True)] == [
        "LEASE"
    ]


def test_situation_answers_are_checked(guided_item: ServiceItem) -> None:
    assert case_forms.clean_situations(guided_item, {"applicant": "self"}) == {"applicant": "self"}
    with pytest.raises(ValidationFailed) as caught:
        case_forms.clean_situations(guided_item, {"applicant": "boss", "weather": "sunny"})
    assert caught.value.details == {
        "applicant": [{"code": "invalid_choice", "message": "请从所列答案中选择一个。"}],
        "weather": [{"code": "unknown_situation", "message": "此事项不询问这个问题。"}],
    }
    with pytest.raises(ValidationFailed) as caught:
        case_forms.clean_situations(guided_item, {"applicant": "self"}, complete=True)
    assert isinstance(caught.value.details, dict) and list(caught.value.details) == ["site"]


def test_an_items_materials_are_kept_per_process_under_their_content_key_and_a_change_is_seen_at_once() -> None:
    # given a published item with one material, read with the content key of its materials
    published = cast(ServiceItem, ServiceItemFactory(status="published"))
    MaterialFactory(item=published, code="ID", order=1)
    first = case_store.published_item(published.code)
    assert first is not None
    assert [m.code for m in case_forms.item_materials(first)] == ["ID"]
    # then another read of the same content takes them from this process's copy: only the item is read
    with CaptureQueriesContext(connection) as captured:
        again = case_store.published_item(published.code)
        assert again is not None
        assert [m.code for m in case_forms.item_materials(again)] == ["ID"]
    assert len(captured.captured_queries) == 1  # the item itself, with the key
    # when a material is added behind its back (no service, no updated_at moved), or one is renamed
    # by a bulk update
    MaterialFactory(item=published, code="PLAN", order=2)
    changed = case_store.published_item(published.code)
    assert changed is not None
    # then the next read of the item sees it at once (its content key is another)
    assert [m.code for m in case_forms.item_materials(changed)] == ["ID", "PLAN"]
    Material.objects.filter(item=published, code="PLAN").update(name="平面图（更新）")
    renamed = case_store.published_item(published.code)
    assert renamed is not None
    assert [m.name for m in case_forms.item_materials(renamed)][1] == "平面图（更新）"
    # and an item read without the key (any other read) reads its materials every time
    plain = ServiceItem.objects.get(pk=published.pk)
    assert [m.code for m in case_forms.item_materials(plain)] == ["ID", "PLAN"]


def test_a_published_versions_form_class_is_built_once_and_a_changed_version_gets_a_new_one() -> None:
    from django.utils import translation

    # given a published item and a draft with the same declared fields
    published = cast(ServiceItem, ServiceItemFactory(status="published", form_fields=FIELDS))
    draft = cast(ServiceItem, ServiceItemFactory(status="draft", form_fields=FIELDS))
    # then the published version's class is reused (for a fresh instance too), partial or not apart
    first = case_forms.application_form_class(published)
    assert case_forms.application_form_class(ServiceItem.objects.get(pk=published.pk)) is first
    assert case_forms.application_form_class(published, partial=True) is not first
    assert case_forms.application_form_class(published, partial=True).base_fields["applicant_name"].required is False
    # and a draft's is built every time
    assert case_forms.application_form_class(draft) is not case_forms.application_form_class(draft)
    # and its texts follow the language of each request, though the class was built once
    with translation.override("en"):
        english = [str(m) for m in first(data={}).errors["applicant_name"]]
    with translation.override("zh-hans"):
        chinese = [str(m) for m in first(data={}).errors["applicant_name"]]
    assert (english, chinese) == (["This field is required."], ["此项为必填项。"])
    # when the version is saved again (its last change moves)
    published.form_fields = [*FIELDS[:1]]
    published.save()
    # then it gets a class of its own fields
    assert list(case_forms.application_form_class(published).base_fields) == [FIELDS[0]["name"]]
