"""多地联办 end to end between two real nodes on loopback (granian, each with its own SQLite database,
region and keys; peers pinned by fingerprint; the outbox workers deliver the signed messages).

Beijing (110000) is where the resident leaves, Tianjin (120000) where they move to. The resident applies
at Tianjin over the HTTP API; each region's reviewer handles its step over its own node's API.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tongban.accounts.demo import RESIDENTS
from tongban.cases.tests.factories import PDF_BYTES
from tongban.core.identifiers import make_resident_id
from tongban.federation.tests.test_multinode import (
    Node,
    federated_pair,
    migrated_template,
    multinode_cache,
    wait_for,
)

pytestmark = pytest.mark.multinode

PASSWORD = "Tongban-demo-2026"
PENSION = "000114003000"
SEED = (
    "import io; from tongban.regions.demo import load as r; from tongban.accounts.demo import load as a; "
    "from tongban.catalog.demo import load as c; out = io.StringIO(); r(stdout=out); a(stdout=out); c(stdout=out)"
)
CERTIFICATE = {
    "certificate_number": "京人社转〔2026〕0042号",
    "contribution_months": 87,
    "account_balance": "38650.20",
    "fund_transferred": "52410.75",
}


def _seeded_template(cache: Path) -> Path:
    """The migrated template with the demo regions, accounts and catalog (no keys: each node makes its own)."""
    migrated = migrated_template(cache)
    seeded = cache / f"joint-{migrated.name}"
    if not seeded.exists():
        work = cache / f"seeding-{uuid.uuid4().hex}"
        work.mkdir(parents=True)
        node = Node("seed", "120000", work)
        shutil.copy(migrated, node.db)
        node.tongban("shell", "-c", SEED)
        shutil.move(str(node.db), seeded)
        shutil.rmtree(work, ignore_errors=True)
    return seeded


class Session:
    """A logged-in API client at one node (password, then the one-time code from the node's notification file)."""

    def __init__(self, node: Node, username: str) -> None:
        self.node = node
        self.client = httpx.Client(base_url=node.url, timeout=60, headers={"Accept-Language": "zh-hans"})
        start = self.client.post("/api/v1/accounts/login", json={"username": username, "password": PASSWORD})
        assert start.status_code == 200, start.text
        log = node.root / "notifications.log"
        sent = [json.loads(ln) for ln in log.read_text(encoding="utf-8").splitlines() if ln.strip()]
        code = re.search(r"(?<!\d)(\d{6})(?!\d)", [m for m in sent if m["kind"] == "security"][-1]["body"])
        assert code is not None
        done = self.client.post(
            "/api/v1/accounts/login/otp", json={"challenge": start.json()["challenge"], "code": code.group(1)}
        )
        assert done.status_code == 200, done.text
        self.client.headers["X-CSRFToken"] = done.json()["csrf_token"]

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, expect: int = 200, **kwargs: Any) -> Any:
        response = self.client.post(path, **kwargs)
        assert response.status_code == expect, response.text
        return response.json()


@dataclass
class Pair:
    bj: Node
    tj: Node


@pytest.fixture(scope="module")
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    template = _seeded_template(multinode_cache(request, tmp_path_factory.mktemp("c")))
    root = tmp_path_factory.mktemp("joint-nodes")
    with federated_pair(template, root, (("bj", "110000"), ("tj", "120000"))) as (bj, tj):
        yield Pair(bj, tj)


def _apply(tj: Node, username: str) -> tuple[Session, int, str]:
    """The resident applies at Tianjin for the transfer of their pension from Beijing; (session, case id, joint id)."""
    resident = Session(tj, username)
    person = next(r for r in RESIDENTS if r.username == username)
    draft = resident.post(
        "/api/v1/cases/drafts",
        expect=201,
        json={
            "item_code": f"120000-{PENSION}-GG-001",
            "form_data": {
                "applicant_name": person.full_name,
                "id_number": make_resident_id(person.county, person.birth, person.sequence),
                "phone": person.phone,
                "from_region": "北京市",
            },
        },
    )
    resident.post(
        f"/api/v1/cases/{draft['id']}/materials/sfz", files={"file": ("sfz.pdf", PDF_BYTES, "application/pdf")}
    )
    joint = resident.post("/api/v1/joint-cases/", expect=201, json={"case_id": draft["id"], "other_region": "110000"})
    assert [(s["role"], s["region"], s["status"]) for s in joint["steps"]] == [
        ("outgoing", "110000", "requested"),
        ("incoming", "120000", "submitted"),
    ]
    return resident, int(draft["id"]), str(joint["id"])


def _joint_status(node: Node, joint_id: str) -> str | None:
    rows = node.query("SELECT status FROM cases_jointcase WHERE joint_id = ?", uuid.UUID(joint_id).hex)
    return str(rows[0][0]) if rows else None


def _step(node: Node, joint_id: str, role: str) -> tuple[str, int | None]:
    rows = node.query(
        "SELECT s.status, s.case_id FROM cases_jointstep s JOIN cases_jointcase j ON j.id = s.joint_id "
        "WHERE j.joint_id = ? AND s.role = ?",
        uuid.UUID(joint_id).hex,
        role,
    )
    return (str(rows[0][0]), rows[0][1]) if rows else ("", None)


def test_a_joint_case_runs_end_to_end_across_two_nodes(pair: Pair) -> None:
    bj, tj = pair.bj, pair.tj
    # given a Tianjin resident who applies at Tianjin to move their pension insurance from Beijing
    resident, tj_case, joint_id = _apply(tj, "tj_resident_1")
    # then Beijing opens the transfer-out step as a case of its own department
    wait_for(lambda: _step(bj, joint_id, "outgoing")[1], what="Beijing to open its step")
    bj_reviewer = Session(bj, "bj_reviewer_hrss")
    seen_at_bj = bj_reviewer.get(f"/api/v1/joint-cases/{joint_id}")
    outgoing = seen_at_bj["steps"][0]
    assert (
        outgoing["local"] and outgoing["region"] == "110000" and outgoing["department"] == "北京市人力资源和社会保障局"
    )
    bj_case = outgoing["case_id"]
    assert bj_reviewer.get(f"/api/v1/cases/{bj_case}")["channel"] == "proxy"
    # and Tianjin hears it is open, with Beijing's case number and deadline once accepted
    tj_reviewer = Session(tj, "tj_reviewer_hrss")
    tj_reviewer.post(f"/api/v1/cases/{tj_case}/accept")
    tj_reviewer.post(f"/api/v1/cases/{tj_case}/start-review")
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/accept")
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/start-review")
    wait_for(lambda: _step(tj, joint_id, "outgoing")[0] == "under_review", what="Tianjin to see Beijing's review")
    # when Tianjin tries to approve the transfer in before Beijing approved the transfer out
    early = tj_reviewer.client.post(f"/api/v1/cases/{tj_case}/approve", json={"note": ""})
    # then it is refused
    assert (early.status_code, early.json()["code"]) == (409, "joint_waiting_for_outgoing")
    # when Beijing records the 参保缴费凭证 and approves
    bj_reviewer.post(f"/api/v1/joint-cases/cases/{bj_case}/certificate", json={"fields": CERTIFICATE})
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/approve", json={"note": "基金已划转"})
    # then Tianjin receives the approval with the certificate, and its reviewer approves the transfer in
    wait_for(lambda: _step(tj, joint_id, "outgoing")[0] == "approved", what="Tianjin to see Beijing's approval")
    at_tj = tj_reviewer.get(f"/api/v1/joint-cases/{joint_id}")
    assert at_tj["steps"][0]["certificate"]["contribution_months"] == "87"
    assert at_tj["steps"][0]["certificate"]["fund_transferred"] == "52410.75"
    assert at_tj["steps"][0]["promised_due_date"] and at_tj["steps"][1]["promised_due_date"]
    tj_reviewer.post(f"/api/v1/cases/{tj_case}/approve", json={"note": "缴费年限已累计"})
    # then the joint case is completed on both nodes, which hold the same timeline
    wait_for(lambda: _joint_status(bj, joint_id) == "completed", what="Beijing to complete the joint case")
    assert _joint_status(tj, joint_id) == "completed"
    wait_for(lambda: _step(bj, joint_id, "incoming")[0] == "approved", what="Beijing to see the transfer in")
    mine = resident.get(f"/api/v1/joint-cases/{joint_id}")
    theirs = bj_reviewer.get(f"/api/v1/joint-cases/{joint_id}")
    assert mine["status"] == theirs["status"] == "completed"
    assert [(e["id"], e["action"]) for e in mine["timeline"]] == [(e["id"], e["action"]) for e in theirs["timeline"]]
    actions = [(e["region"], e["action"]) for e in mine["timeline"]]
    for expected in [
        ("120000", "apply"),
        ("110000", "open"),
        ("110000", "approve"),
        ("120000", "approve"),
        ("", "complete"),
    ]:
        assert expected in actions
    assert [s["status"] for s in mine["steps"]] == ["approved", "approved"]
    # and the resident sees one case: their own step's page shows both steps
    assert resident.get(f"/api/v1/cases/{tj_case}")["status"] == "approved"


def test_a_denied_transfer_out_fails_the_joint_case_on_both_nodes(pair: Pair) -> None:
    bj, tj = pair.bj, pair.tj
    # given a joint case applied for at Tianjin and opened at Beijing
    resident, tj_case, joint_id = _apply(tj, "tj_resident_2")
    wait_for(lambda: _step(bj, joint_id, "outgoing")[1], what="Beijing to open its step")
    bj_reviewer = Session(bj, "bj_reviewer_hrss")
    bj_case = bj_reviewer.get(f"/api/v1/joint-cases/{joint_id}")["steps"][0]["case_id"]
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/accept")
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/start-review")
    # when Beijing denies the transfer out, with reasons
    bj_reviewer.post(f"/api/v1/cases/{bj_case}/deny", json={"reason": "原参保单位仍在为其缴费，不符合转移条件"})
    # then the joint case fails on both nodes with the reasons, and Tianjin's step is terminated
    wait_for(lambda: _joint_status(tj, joint_id) == "failed", what="Tianjin to fail the joint case")
    assert _joint_status(bj, joint_id) == "failed"
    mine = resident.get(f"/api/v1/joint-cases/{joint_id}")
    assert "原参保单位仍在为其缴费" in mine["failure_reasons"]
    assert [s["status"] for s in mine["steps"]] == ["denied", "terminated"]
    case = resident.get(f"/api/v1/cases/{tj_case}")
    assert case["status"] == "terminated" and "原参保单位仍在为其缴费" in case["decision_reasons"]
    wait_for(lambda: _step(bj, joint_id, "incoming")[0] == "terminated", what="Beijing to hear of the termination")
