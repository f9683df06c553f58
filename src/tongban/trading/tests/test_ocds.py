"""OCDS 1.1.5: every stage's release, the records and the bulk export validate against the schemas
and codelists in the standards folder; an unpublished procedure is refused."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from tongban.trading import ocds, services
from tongban.trading.constants import NoticeKind
from tongban.trading.errors import OcdsIncomplete
from tongban.trading.models import Release
from tongban.trading.tests import factories as f

pytestmark = pytest.mark.django_db


def _folder(standards_dir: Path) -> Path:
    folder = standards_dir / "ocds-1.1.5"
    assert (folder / "release-schema.json").is_file()
    return folder


def test_the_releases_of_the_early_stages_validate(standards_dir: Path) -> None:
    # given a procedure announced, clarified, opened with a forged bid, failed
    folder = _folder(standards_dir)
    op = f.operator()
    procedure = f.published(op)
    bidders = [f.bidder() for _ in range(3)]
    for b in bidders:
        f.register(procedure, b)
    services.procedure_amend(
        actor=op, procedure_id=procedure.pk, kind=NoticeKind.CLARIFICATION, title="澄清", body="澄清内容"
    )
    sealed = [f.submit(procedure, b) for b in bidders]
    f.pass_deadline(procedure)
    services.opening_start(actor=op, procedure_id=procedure.pk)
    services.bid_open(actor=bidders[0].user, bid_id=sealed[0][0].pk, key=sealed[0][1].key)
    f.close_window(procedure)
    services.opening_close(actor=op, procedure_id=procedure.pk)
    # then every stored release is valid, with the tag of its stage
    releases = list(Release.objects.filter(procedure=procedure).order_by("date", "pk"))
    assert [r.tag for r in releases] == ["tender", "tenderUpdate", "tenderUpdate", "tenderUpdate"]
    for release in releases:
        doc = json.loads(release.data)
        assert ocds.release_errors(doc, folder=folder) == [], release.tag
    last = json.loads(releases[-1].data)
    assert last["tender"]["status"] == "unsuccessful" and last["tender"]["numberOfTenderers"] == 3
    # and the release package and the record package validate
    assert ocds.release_package_errors(ocds.release_package(procedure), folder=folder) == []
    assert ocds.record_package_errors(ocds.record_package(procedure), folder=folder) == []


def test_a_cancelled_procedure_releases_validate(standards_dir: Path) -> None:
    folder = _folder(standards_dir)
    op = f.operator()
    procedure = f.published(op)
    services.procedure_cancel(actor=op, procedure_id=procedure.pk, reason="终止")
    doc = json.loads(Release.objects.filter(procedure=procedure).order_by("-date", "-pk").first().data)  # type: ignore[union-attr]
    assert doc["tag"] == ["tenderCancellation"] and doc["tender"]["status"] == "cancelled"
    assert ocds.release_errors(doc, folder=folder) == []


def test_an_invalid_release_is_reported(standards_dir: Path) -> None:
    folder = _folder(standards_dir)
    op = f.operator()
    procedure = f.published(op)
    doc = json.loads(Release.objects.get(procedure=procedure).data)
    doc["tag"] = ["auction"]
    doc["parties"][0]["roles"] = ["king"]
    errors = ocds.release_errors(doc, folder=folder)
    assert any("auction" in e for e in errors) and any("king" in e for e in errors)


def test_an_unpublished_procedure_is_refused_and_the_export_skips_it(standards_dir: Path) -> None:
    folder = _folder(standards_dir)
    op = f.operator()
    draft = f.draft(op)
    with pytest.raises(OcdsIncomplete) as refused:
        ocds.record_package(draft)
    assert refused.value.code == "ocds_incomplete" and "尚未发布" in str(refused.value.message)
    published = [f.published(op) for _ in range(3)]
    out = io.StringIO()
    records, releases = ocds.export(out, chunk=2)
    package = json.loads(out.getvalue())
    assert (records, releases) == (3, 3)
    assert sorted(r["ocid"] for r in package["records"]) == sorted(p.ocid for p in published)
    assert ocds.record_package_errors(package, folder=folder) == []


def test_the_export_command_writes_a_valid_record_package(standards_dir: Path, tmp_path: Path) -> None:
    folder = _folder(standards_dir)
    op = f.operator()
    for _ in range(2):
        f.published(op)
    f.draft(op)
    target = tmp_path / "records.json"
    stdout = io.StringIO()
    call_command("trading", "ocds-export", "--output", str(target), "--validate", stdout=stdout)
    package = json.loads(target.read_text(encoding="utf-8"))
    assert len(package["records"]) == 2
    assert ocds.record_package_errors(package, folder=folder) == []
    assert "2 records" in stdout.getvalue() and "0 invalid" in stdout.getvalue()
    assert "ocds_incomplete: 1 unpublished procedures left out" in stdout.getvalue()


def test_the_fast_validator_of_the_bulk_export_agrees_with_the_reference(standards_dir: Path) -> None:
    folder = _folder(standards_dir)
    op = f.operator()
    procedure = f.published(op)
    services.procedure_cancel(actor=op, procedure_id=procedure.pk, reason="终止")
    record = ocds.record(procedure)
    assert ocds.record_errors_fast(record, folder=folder) == ocds.record_errors(record, folder=folder) == []
    broken = json.loads(json.dumps(record))
    broken["releases"][1]["tag"] = ["auction"]
    broken["compiledRelease"]["tender"]["status"] = "sleeping"
    assert ocds.record_errors_fast(broken, folder=folder) and ocds.record_errors(broken, folder=folder)
    del broken["ocid"]
    assert any("ocid" in e for e in ocds.record_errors_fast(broken, folder=folder))


def test_the_compiled_release_by_substitution_is_the_parsed_one() -> None:
    op = f.operator()
    procedure = f.published(op)
    services.procedure_cancel(actor=op, procedure_id=procedure.pk, reason="终止")
    rows = list(Release.objects.filter(procedure=procedure).order_by("date", "pk"))
    texts = [r.data for r in rows]
    fast = json.loads(ocds.record_text(procedure.ocid, texts, last_id=rows[-1].release_id, last_tag=rows[-1].tag))
    parsed = json.loads(ocds.record_text(procedure.ocid, texts))
    assert fast == parsed and fast["compiledRelease"]["tag"] == ["compiled"]
    assert fast["compiledRelease"]["id"] == f"{procedure.ocid}-compiled"
