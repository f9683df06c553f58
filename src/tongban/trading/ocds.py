"""OCDS 1.1.5 publication: a release per stage of a procedure, records, and a streaming bulk export.

Every stage publishes a release with the tag of that stage (``tender``, ``tenderAmendment``,
``tenderUpdate``, ``tenderCancellation``, ``award``, ``awardUpdate``, ``contract``). A release is a
complete snapshot of the procedure at that moment, so the compiled release of a record is the latest
release with the tag ``compiled``. Releases are stored as the JSON text that was published
(``Release.data``): the export writes them as they are, one record at a time (constant memory).

Validation (tests, ``ocds-export --validate``, the benchmark) uses the schemas and codelists in
``settings.TONGBAN_STANDARDS_DIR / "ocds-1.1.5"``: the JSON Schema (draft 4; closed codelists are
enums there) and the open codelists' CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils import timezone

from tongban.trading.constants import (
    BidStatus,
    EvaluationMethod,
    NoticeKind,
    ProcedureKind,
    ProcedureStatus,
)
from tongban.trading.errors import OcdsIncomplete
from tongban.trading.models import Bid, Procedure, Release
from tongban.trading.selectors import current_report

OCDS_VERSION = "1.1"
SCHEMA_DIR_NAME = "ocds-1.1.5"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLICATION_POLICY = "https://tongban.example/trading/publication-policy"

_TENDER_STATUS = {
    ProcedureStatus.DRAFT: "planning",
    ProcedureStatus.ANNOUNCED: "active",
    ProcedureStatus.OPENING: "active",
    ProcedureStatus.OPENED: "active",
    ProcedureStatus.EVALUATING: "active",
    ProcedureStatus.EVALUATED: "active",
    ProcedureStatus.PUBLICITY: "active",
    ProcedureStatus.AWARDED: "complete",
    ProcedureStatus.CONTRACTED: "complete",
    ProcedureStatus.FAILED: "unsuccessful",
    ProcedureStatus.CANCELLED: "cancelled",
}
_DOCUMENT_TYPE = {
    NoticeKind.TENDER: "tenderNotice",
    NoticeKind.CLARIFICATION: "clarifications",
    NoticeKind.AMENDMENT: "tenderNotice",
    NoticeKind.OPENING: "evaluationReports",
    NoticeKind.CANDIDATES: "evaluationReports",
    NoticeKind.AWARD: "awardNotice",
    NoticeKind.CONTRACT: "contractNotice",
    NoticeKind.FAILURE: "tenderNotice",
    NoticeKind.CANCELLATION: "tenderNotice",
}
_KIND_DETAILS = {
    ProcedureKind.CONSTRUCTION: "工程建设项目招标",
    ProcedureKind.PROCUREMENT: "政府采购",
    ProcedureKind.LAND: "土地使用权出让",
    ProcedureKind.STATE_ASSETS: "国有产权交易",
}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _amount(value: Decimal | None) -> dict[str, Any] | None:
    if value is None:
        return None
    number: int | float = int(value) if value == value.to_integral_value() else float(value)
    return {"amount": number, "currency": "CNY"}


def party_id(uscc: str) -> str:
    return f"CN-USCC-{uscc}"


def _party(enterprise: Any, roles: list[str]) -> dict[str, Any]:
    return {
        "id": party_id(enterprise.uscc),
        "name": enterprise.name,
        "identifier": {"scheme": "CN-USCC", "id": enterprise.uscc, "legalName": enterprise.name},
        "address": {"countryName": "中国", "streetAddress": enterprise.address}
        if enterprise.address
        else {"countryName": "中国"},
        "roles": roles,
    }


def _ref(enterprise: Any) -> dict[str, str]:
    return {"id": party_id(enterprise.uscc), "name": enterprise.name}


def _clean(value: Any) -> Any:
    """Drop empty values: OCDS fields are omitted rather than null."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v is not None and v != [] and v != {} and v != ""}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def build_release(procedure: Procedure, *, tag: str, release_id: str, date: dt.datetime) -> dict[str, Any]:
    """The procedure as it is now, as one OCDS release."""
    project = procedure.project
    employer = project.employer
    agent = project.agent
    parties: dict[str, dict[str, Any]] = {}

    def add(enterprise: Any, *roles: str) -> None:
        entry = parties.setdefault(party_id(enterprise.uscc), _party(enterprise, []))
        for role in roles:
            if role not in entry["roles"]:
                entry["roles"].append(role)

    add(employer, "buyer")
    if agent is not None:
        add(agent, "procuringEntity")
    else:
        add(employer, "procuringEntity")
    notices = list(procedure.notices.order_by("version"))
    documents = [
        {
            "id": f"notice-{n.version}",
            "documentType": _DOCUMENT_TYPE[NoticeKind(n.kind)],
            "title": n.title,
            "description": n.body[:2000],
            "datePublished": _iso(n.published_at),
            "language": "zh",
        }
        for n in notices
    ]
    for n in notices:
        for i, doc in enumerate(n.documents or []):
            documents.append(
                {
                    "id": f"notice-{n.version}-doc-{i + 1}",
                    "documentType": "biddingDocuments" if n.kind == NoticeKind.TENDER else "clarifications",
                    "title": str(doc.get("title", "")),
                    "url": str(doc.get("url", "")) or None,
                    "format": str(doc.get("format", "")) or None,
                    "datePublished": _iso(n.published_at),
                }
            )
    amendments = [
        {
            "id": f"amendment-{n.version}",
            "date": _iso(n.published_at),
            "rationale": n.title,
            "description": n.body[:2000],
        }
        for n in notices
        if n.kind in (NoticeKind.AMENDMENT, NoticeKind.CLARIFICATION)
    ]
    tender: dict[str, Any] = {
        "id": procedure.number,
        "title": procedure.title,
        "description": project.description or project.name,
        "status": _TENDER_STATUS[ProcedureStatus(procedure.status)],
        "procuringEntity": _ref(agent or employer),
        "value": _amount(procedure.estimated_value),
        "procurementMethod": procedure.method,
        "procurementMethodDetails": _KIND_DETAILS[ProcedureKind(procedure.kind)],
        "mainProcurementCategory": procedure.category,
        "awardCriteria": "priceOnly"
        if procedure.evaluation_method == EvaluationMethod.LOWEST_PRICE
        else "ratedCriteria",
        "awardCriteriaDetails": "；".join(f"{c['name']}（{c['max']}分）" for c in procedure.criteria) or None,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": "投标文件在投标人浏览器中加密（AES-256-GCM），开标时由投标人解密",
        "tenderPeriod": {"startDate": _iso(procedure.documents_from), "endDate": _iso(procedure.bid_deadline)},
        "documents": documents,
        "amendments": amendments,
    }
    bids: list[Bid] = []
    if procedure.opened_at is not None:
        bids = list(
            procedure.bids.filter(status__in=[BidStatus.OPENED, BidStatus.INVALID, BidStatus.REJECTED])
            .select_related("enterprise")
            .order_by("submitted_at", "pk")
        )
        for bid in bids:
            add(bid.enterprise, "tenderer")
        tender["numberOfTenderers"] = len(bids)
        tender["tenderers"] = [_ref(b.enterprise) for b in bids]
    release: dict[str, Any] = {
        "ocid": procedure.ocid,
        "id": release_id,
        "date": _iso(date),
        "tag": [tag],
        "initiationType": "tender",
        "language": "zh",
        "buyer": _ref(employer),
        "tender": tender,
    }
    awards: list[dict[str, Any]] = []
    report = current_report(procedure)
    if procedure.status in (ProcedureStatus.PUBLICITY, ProcedureStatus.AWARDED, ProcedureStatus.CONTRACTED) and report:
        by_id = {b.pk: b for b in bids}
        candidates = report.content.get("candidates", [])
        for rank, cand in enumerate(candidates, start=1):
            candidate_bid = by_id.get(int(cand["bid"]))
            if candidate_bid is None:
                continue
            bid = candidate_bid
            awarded = procedure.awarded_bid_id == bid.pk
            if procedure.status == ProcedureStatus.PUBLICITY:
                status = "pending"
            else:
                status = "active" if awarded else "unsuccessful"
            if status in ("pending", "active"):
                add(bid.enterprise, "supplier")
            awards.append(
                {
                    "id": f"{procedure.number}-award-{bid.pk}",
                    "title": f"第{rank}中标候选人"
                    if status == "pending"
                    else ("中标人" if awarded else f"第{rank}中标候选人"),
                    "status": status,
                    "date": _iso(procedure.awarded_at if awarded else procedure.updated_at),
                    "value": _amount(bid.price),
                    "suppliers": [_ref(bid.enterprise)],
                }
            )
    if awards:
        release["awards"] = awards
    if procedure.status == ProcedureStatus.CONTRACTED and procedure.awarded_bid_id is not None:
        release["contracts"] = [
            {
                "id": procedure.contract_number or f"{procedure.number}-contract",
                "awardID": f"{procedure.number}-award-{procedure.awarded_bid_id}",
                "title": procedure.title,
                "status": "active",
                "value": _amount(procedure.contract_value),
                "dateSigned": _iso(procedure.contract_signed_at),
            }
        ]
    release["parties"] = list(parties.values())
    cleaned: dict[str, Any] = _clean(release)
    return cleaned


def dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def publish(procedure: Procedure, *, tag: str) -> Release:
    """Store the release of the stage just reached (in the caller's transaction)."""
    now = timezone.now()
    seq = procedure.releases.count() + 1
    release_id = f"{procedure.ocid}-{seq:03d}-{tag}"
    doc = build_release(procedure, tag=tag, release_id=release_id, date=now)
    return Release.objects.create(procedure=procedure, release_id=release_id, tag=tag, date=now, data=dumps(doc))


# ------------------------------------------------------------------ packages and records


def _publisher() -> dict[str, Any]:
    return {"name": f"通办公共资源交易平台（{settings.TONGBAN_REGION}）", "uri": str(settings.TONGBAN_BASE_URL)}


def _package_head(*, uri: str, published: dt.datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": _iso(published),
        "publisher": _publisher(),
        "license": LICENSE,
        "publicationPolicy": PUBLICATION_POLICY,
    }


def _releases_of(procedure: Procedure) -> list[str]:
    return list(procedure.releases.order_by("date", "pk").values_list("data", flat=True))


def release_package(procedure: Procedure) -> dict[str, Any]:
    texts = _releases_of(procedure)
    if not texts:
        raise OcdsIncomplete(details={"ocid": procedure.ocid, "status": procedure.status})
    base = str(settings.TONGBAN_BASE_URL).rstrip("/")
    head = _package_head(uri=f"{base}/api/v1/trading/procedures/{procedure.pk}/ocds/releases", published=timezone.now())
    return {**head, "releases": [json.loads(t) for t in texts]}


def record_text(ocid: str, texts: list[str], *, last_id: str = "", last_tag: str = "") -> str:
    """One record as JSON text: the releases as published, and the compiled release.

    Each release is a full snapshot, so the compiled release is the latest one with the id and tag of
    a compiled release. Given the latest release's id and tag (the export has them from the table),
    they are replaced in its text, which is exactly what parsing and dumping it again would give;
    otherwise it is parsed.
    """
    latest = texts[-1]
    old_id, old_tag = '"id":' + json.dumps(last_id, ensure_ascii=False), '"tag":[' + json.dumps(last_tag) + "]"
    if last_id and latest.count(old_id) == 1 and latest.count(old_tag) == 1:
        compiled = latest.replace(old_id, '"id":' + json.dumps(f"{ocid}-compiled", ensure_ascii=False)).replace(
            old_tag, '"tag":["compiled"]'
        )
    else:
        doc = json.loads(latest)
        doc["id"] = f"{ocid}-compiled"
        doc["tag"] = ["compiled"]
        compiled = dumps(doc)
    return '{"ocid":' + json.dumps(ocid) + ',"releases":[' + ",".join(texts) + '],"compiledRelease":' + compiled + "}"


def record(procedure: Procedure) -> dict[str, Any]:
    texts = _releases_of(procedure)
    if not texts:
        raise OcdsIncomplete(details={"ocid": procedure.ocid, "status": procedure.status})
    parsed: dict[str, Any] = json.loads(record_text(procedure.ocid, texts))
    return parsed


def record_package(procedure: Procedure) -> dict[str, Any]:
    base = str(settings.TONGBAN_BASE_URL).rstrip("/")
    head = _package_head(uri=f"{base}/api/v1/trading/procedures/{procedure.pk}/ocds/record", published=timezone.now())
    return {**head, "records": [record(procedure)]}


# ------------------------------------------------------------------ the streaming bulk export


def _grouped_releases(chunk: int) -> Iterator[tuple[str, list[str], str, str]]:
    """(ocid, release texts, last release id, last tag) of every published procedure, in ocid order,
    a page of ``chunk`` procedures at a time (keyset paging: memory stays flat)."""
    last_ocid = ""
    while True:
        page = list(
            Procedure.objects.filter(ocid__gt=last_ocid)
            .exclude(status=ProcedureStatus.DRAFT)
            .filter(releases__isnull=False)
            .distinct()
            .order_by("ocid")
            .values_list("pk", "ocid")[:chunk]
        )
        if not page:
            return
        by_proc: dict[int, list[tuple[str, str, str]]] = {}
        rows = (
            Release.objects.filter(procedure_id__in=[pk for pk, _ocid in page])
            .order_by("procedure_id", "date", "pk")
            .values_list("procedure_id", "data", "release_id", "tag")
        )
        for pid, data, release_id, tag in rows:
            by_proc.setdefault(pid, []).append((data, release_id, tag))
        for pid, ocid in page:
            found = by_proc.get(pid, [])
            if found:
                yield ocid, [data for data, _r, _t in found], found[-1][1], found[-1][2]
        last_ocid = page[-1][1]


def export(out: IO[str], *, chunk: int = 500) -> tuple[int, int]:
    """Write a record package of every published procedure to ``out``; answers (records, releases).

    The package's head is the first line, then one record per line (``iter_exported`` reads them
    back one at a time), then the closing ``]}``.
    """
    base = str(settings.TONGBAN_BASE_URL).rstrip("/")
    head = _package_head(uri=f"{base}/api/v1/trading/ocds/records", published=timezone.now())
    out.write(dumps(head)[:-1] + ',"records":[\n')
    records = releases = 0
    for ocid, texts, last_id, last_tag in _grouped_releases(chunk):
        if records:
            out.write(",\n")
        out.write(record_text(ocid, texts, last_id=last_id, last_tag=last_tag))
        records += 1
        releases += len(texts)
    out.write("\n]}\n")
    return records, releases


def iter_exported(lines: Iterator[str]) -> Iterator[str]:
    """The records (JSON text) of a file written by ``export``, one at a time."""
    next(lines, None)  # the package's head
    for line in lines:
        text = line.rstrip("\n").rstrip(",")
        if text and text != "]}":
            yield text


# ------------------------------------------------------------------ validation


def schema_dir() -> Path:
    return Path(settings.TONGBAN_STANDARDS_DIR) / SCHEMA_DIR_NAME


@cache
def _schemas(folder: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    base = Path(folder)
    release = json.loads((base / "release-schema.json").read_text(encoding="utf-8"))
    release_package_schema = json.loads((base / "release-package-schema.json").read_text(encoding="utf-8"))
    record_package_schema = json.loads((base / "record-package-schema.json").read_text(encoding="utf-8"))
    return release, release_package_schema, record_package_schema


@cache
def _codelist(folder: str, name: str) -> frozenset[str]:
    with (Path(folder) / "codelists" / name).open(encoding="utf-8") as fh:
        return frozenset(row["Code"] for row in csv.DictReader(fh))


@cache
def _validators(folder: str) -> tuple[Any, Any, Any]:
    from jsonschema import Draft4Validator  # a development dependency: tests, --validate, the benchmark
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    release, release_package_schema, record_package_schema = _schemas(folder)
    registry: Registry[Any] = Registry().with_resource(RELEASE_SCHEMA_URL, DRAFT4.create_resource(release))
    record_schema = {
        **record_package_schema["definitions"]["record"],
        "definitions": record_package_schema["definitions"],
    }
    record_schema["id"] = record_package_schema["id"]
    return (
        Draft4Validator(release, registry=registry),
        Draft4Validator(release_package_schema, registry=registry),
        Draft4Validator(record_schema, registry=registry),
    )


def _codelist_errors(release: dict[str, Any], folder: str) -> list[str]:
    """Open codelists are not enums in the schema: check the codes we use against the CSV files."""
    errors: list[str] = []
    roles = _codelist(folder, "partyRole.csv")
    for party in release.get("parties", []):
        errors += [f"parties/{party.get('id')}/roles: {r}" for r in party.get("roles", []) if r not in roles]
    tender = release.get("tender", {})
    doc_types = _codelist(folder, "documentType.csv")
    errors += [
        f"tender/documents/{d.get('id')}/documentType: {d.get('documentType')}"
        for d in tender.get("documents", [])
        if "documentType" in d and d["documentType"] not in doc_types
    ]
    if "awardCriteria" in tender and tender["awardCriteria"] not in _codelist(folder, "awardCriteria.csv"):
        errors.append(f"tender/awardCriteria: {tender['awardCriteria']}")
    methods = _codelist(folder, "submissionMethod.csv")
    errors += [f"tender/submissionMethod: {m}" for m in tender.get("submissionMethod", []) if m not in methods]
    return errors


def release_errors(release: dict[str, Any], *, folder: Path | None = None) -> list[str]:
    """Schema and codelist errors of one release (empty: valid)."""
    where = str(folder or schema_dir())
    validator = _validators(where)[0]
    errors = [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(release)]
    return errors + _codelist_errors(release, where)


def release_package_errors(package: dict[str, Any], *, folder: Path | None = None) -> list[str]:
    where = str(folder or schema_dir())
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in _validators(where)[1].iter_errors(package)
    ]
    for release in package.get("releases", []):
        errors += release_errors(release, folder=Path(where))
    return errors


def record_errors(record_doc: dict[str, Any], *, folder: Path | None = None) -> list[str]:
    """Schema errors of one record (against the record package's record definition, which checks
    its releases against the release schema) and the open codelists of its releases."""
    where = str(folder or schema_dir())
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validators(where)[2].iter_errors(record_doc)
    ]
    for release in [*record_doc.get("releases", []), record_doc.get("compiledRelease") or {}]:
        errors += _codelist_errors(release, where)
    return errors


@cache
def _fast_validator(folder: str) -> Any:
    """The record validator compiled by ``jsonschema_rs`` (a development dependency): the same schema
    as ``record_errors``, two orders of magnitude faster, for validating a bulk export. This node
    never publishes ``versionedRelease`` (whose schema is not in the folder), so it is forbidden."""
    import jsonschema_rs

    release, _rp, record_package_schema = _schemas(folder)
    record = dict(record_package_schema["definitions"]["record"])
    record["properties"] = {**record["properties"], "versionedRelease": {"not": {}}}
    definitions = {**record_package_schema["definitions"], "record": record}
    record_schema = {**record, "definitions": definitions, "id": record_package_schema["id"]}
    registry = jsonschema_rs.Registry([(RELEASE_SCHEMA_URL, release)])
    return jsonschema_rs.Draft4Validator(record_schema, registry=registry)


def record_errors_fast(record_doc: dict[str, Any], *, folder: Path | None = None) -> list[str]:
    where = str(folder or schema_dir())
    errors = [f"{e.instance_path}: {e.message[:300]}" for e in _fast_validator(where).iter_errors(record_doc)]
    for release in [*record_doc.get("releases", []), record_doc.get("compiledRelease") or {}]:
        errors += _codelist_errors(release, where)
    return errors


def record_package_errors(package: dict[str, Any], *, folder: Path | None = None) -> list[str]:
    """The package's own fields against the record package schema (each record checked by
    ``record_errors``, against the same schema's record definition), then every record."""
    from jsonschema import Draft4Validator

    where = str(folder or schema_dir())
    record_package_schema = _schemas(where)[2]
    package_schema = {**record_package_schema, "properties": {**record_package_schema["properties"]}}
    package_schema["properties"]["records"] = {"type": "array", "minItems": 1}
    errors = [e.message for e in Draft4Validator(package_schema).iter_errors(package)]
    for rec in package.get("records", []):
        errors += [f"records/{rec.get('ocid')}: {m}" for m in record_errors(rec, folder=Path(where))]
    return errors
