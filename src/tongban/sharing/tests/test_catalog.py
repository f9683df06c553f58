"""The resource catalog: drafts, versions, publication, validation and who may edit it."""

from __future__ import annotations

import pytest

from tongban.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.sharing import selectors, services
from tongban.sharing.constants import ConnectorKind, ResourceStatus
from tongban.sharing.models import DataResource
from tongban.sharing.tests.conftest import World, detail_codes, publish, resource_in

pytestmark = pytest.mark.django_db


def test_a_resource_is_published_and_a_new_version_supersedes_it(world: World) -> None:
    # given a published resource
    first = publish(world, "wj_csyxzm")
    assert (first.version, first.status) == (1, ResourceStatus.PUBLISHED)
    assert selectors.resource_get(code="wj_csyxzm").pk == first.pk
    # when a new draft changes it and is published
    draft = services.resource_draft_save(
        actor=world.provider_admin, data=resource_in("wj_csyxzm", update_frequency="realtime", change_note="实时推送")
    )
    assert (draft.version, draft.status) == (2, ResourceStatus.DRAFT)
    services.resource_publish(actor=world.provider_admin, resource=draft)
    # then the old version is kept as history and the new one is the live one
    first.refresh_from_db()
    assert first.status == ResourceStatus.SUPERSEDED
    live = selectors.resource_get(code="wj_csyxzm")
    assert (live.version, live.update_frequency) == (2, "realtime")
    assert [r.version for r in selectors.resource_versions(code="wj_csyxzm")] == [2, 1]
    actions = list(
        AuditEvent.objects.filter(stream="data-resource:wj_csyxzm").order_by("seq").values_list("action", flat=True)
    )
    assert actions == [
        "data_resource.draft_created",
        "data_resource.publish",
        "data_resource.draft_created",
        "data_resource.supersede",
        "data_resource.publish",
    ]


def test_saving_a_draft_twice_updates_it(world: World) -> None:
    draft = services.resource_draft_save(actor=world.region_admin, data=resource_in("mz_hydj"))
    again = services.resource_draft_save(
        actor=world.region_admin, data=resource_in("mz_hydj", name="婚姻登记信息（新）")
    )
    assert again.pk == draft.pk and again.name == "婚姻登记信息（新）"
    assert DataResource.objects.filter(code="mz_hydj").count() == 1


def test_publishing_twice_is_refused_by_the_kernel(world: World) -> None:
    published = publish(world, "mz_hydj")
    with pytest.raises(InvalidTransition) as refused:
        services.resource_publish(actor=world.region_admin, resource=published)
    assert refused.value.code == "invalid_transition"


def test_bad_resources_are_refused_with_stable_codes_and_nothing_is_saved(world: World) -> None:
    spec = resource_in("mz_hydj")
    duplicate = resource_in("mz_hydj", fields=[*spec.fields, spec.fields[0]])
    with pytest.raises(ValidationFailed) as refused:
        services.resource_draft_save(actor=world.region_admin, data=duplicate)
    assert refused.value.code == "resource_invalid"
    assert set(detail_codes(refused.value)) == {"duplicate_field"}
    # an HTTP provider without its URL, and a provider that does not exist
    with pytest.raises(ValidationFailed) as refused:
        services.resource_draft_save(
            actor=world.region_admin, data=resource_in("mz_hydj", connector=ConnectorKind.HTTP, provider_code="nope")
        )
    codes = set(detail_codes(refused.value))
    assert codes == {"base_url_required", "unknown_department"}
    # the subject's identifier is missing
    without_key = resource_in("mz_hydj", fields=[f for f in spec.fields if f.name != "id_number"])
    with pytest.raises(ValidationFailed) as refused:
        services.resource_draft_save(actor=world.region_admin, data=without_key)
    assert detail_codes(refused.value)[0] == "subject_field_missing"
    # a peer resource must name another region, whose department provides it
    with pytest.raises(ValidationFailed) as refused:
        services.resource_draft_save(
            actor=world.region_admin,
            data=resource_in(
                "rs_sbjf", code="bj_rs_sbjf", connector=ConnectorKind.PEER, connector_config={"region": "120000"}
            ),
        )
    assert detail_codes(refused.value)[0] == "peer_region_required"
    assert not DataResource.objects.exists()
    assert str(refused.value.message) == "数据资源有不合规的内容。"


def test_only_data_administrators_edit_the_catalog(world: World) -> None:
    with pytest.raises(PermissionDenied) as refused:
        services.resource_draft_save(actor=world.reviewer, data=resource_in("mz_hydj"))
    assert refused.value.code == "not_data_admin"
    draft = services.resource_draft_save(actor=world.provider_admin, data=resource_in("mz_hydj"))
    with pytest.raises(PermissionDenied):
        services.resource_publish(actor=world.reviewer, resource=draft)
    assert not DataResource.objects.filter(status=ResourceStatus.PUBLISHED).exists()
