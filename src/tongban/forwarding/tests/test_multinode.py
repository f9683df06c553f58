"""Cross-region cases between real nodes on loopback (granian, one SQLite database each): 异地代收代办
with a correction round trip and delivery, and 全程网办, end to end over signed messages.

Reuses the federation's three-node cluster (A = 110000 receives, B = 120000 decides); both
delivery workers run. People act through the HTTP API with bearer tokens; the test reads the
nodes' databases read-only only to find B's case id for a forwarding id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tongban.core.identifiers import make_resident_id
from tongban.federation.tests.test_multinode import Cluster, Node, cluster, wait_for  # noqa: F401

pytestmark = pytest.mark.multinode

PDF = (
    b"%PDF-1.3\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Producer (pypdf)\n>>\nendobj\n2 0 obj\n<<\n/Type /Pages\n"
    b"/Count 1\n/Kids [ 4 0 R ]\n>>\nendobj\n3 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n4 0 obj\n"
    b"<<\n/Type /Page\n/Resources <<\n>>\n/MediaBox [ 0.0 0.0 595 842 ]\n/Parent 2 0 R\n>>\nendobj\nxref\n0 5\n"
    b"0000000000 65535 f \n0000000015 00000 n \n0000000054 00000 n \n0000000113 00000 n \n0000000162 00000 n \n"
    b"trailer\n<<\n/Size 5\n/Root 3 0 R\n/Info 1 0 R\n>>\nstartxref\n256\n%%EOF\n"
)

SETUP_B = """
import json
from tongban.accounts import services as accounts
from tongban.accounts.tests.factories import StaffFactory
from tongban.cases.tests.factories import make_item
item = make_item(code="120000-XR-PROXY", name="跨省代收测试事项", cross_region_mode="proxy_receipt")
make_item(code="120000-XR-ONLINE", name="全程网办测试事项", cross_region_mode="online", department=item.department)
reviewer = StaffFactory(username="xr-reviewer", roles=[(item.department, "reviewer")])
client = accounts.oidc_client_register(name="xr-tests", redirect_uris=["http://127.0.0.1/cb"])
print(json.dumps({"reviewer": accounts.access_token_issue(user=reviewer, client_id=client.client_id)}))
"""

SETUP_A = """
import json
from tongban.accounts import services as accounts
from tongban.accounts.tests.factories import StaffFactory, UserFactory
from tongban.regions.models import Region
from tongban.regions.tests.factories import DepartmentFactory
window = DepartmentFactory(region=Region.objects.get(code="110000"), name="北京市政务服务中心")
clerk = StaffFactory(username="xr-clerk", full_name="王窗口", roles=[(window, "window_clerk")])
resident = UserFactory(username="xr-resident", full_name="赵六", region=Region.objects.get(code="110000"))
client = accounts.oidc_client_register(name="xr-tests", redirect_uris=["http://127.0.0.1/cb"])
tokens = {u.username: accounts.access_token_issue(user=u, client_id=client.client_id) for u in (clerk, resident)}
print(json.dumps({"clerk": tokens["xr-clerk"], "resident": tokens["xr-resident"], "resident_id": resident.id_number}))
"""


@dataclass
class Api:
    node: Node
    token: str

    def _h(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "zh-hans"}

    def get(self, path: str) -> Any:
        response = httpx.get(self.node.url + "/api/v1" + path, headers=self._h(), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None, *, status: int = 200) -> Any:
        response = httpx.post(self.node.url + "/api/v1" + path, json=body or {}, headers=self._h(), timeout=30)
        assert response.status_code == status, response.text
        return response.json()

    def upload(self, path: str, data: bytes) -> Any:
        files = {"file": ("scan.pdf", data, "application/pdf")}
        response = httpx.post(self.node.url + "/api/v1" + path, files=files, headers=self._h(), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Flows:
    a: Node
    b: Node
    clerk: Api
    resident: Api
    resident_id: str
    reviewer: Api

    def case_at_b(self, forward_id: str) -> int:
        def found() -> int | None:
            rows = self.b.query(
                "SELECT case_id FROM forwarding_forwardedcase WHERE forward_id = ?", uuid.UUID(forward_id).hex
            )
            return int(rows[0][0]) if rows else None

        return int(wait_for(found, what="B to register the forwarded case"))

    def remote_status(self, api: Api, remote_id: int, status: str) -> dict[str, Any]:
        return dict(
            wait_for(
                lambda: (lambda r: r if r["status"] == status else None)(api.get(f"/cross-region/{remote_id}")),
                what=f"A to mirror {status}",
            )
        )

    def case_status(self, case_id: int, status: str) -> dict[str, Any]:
        return dict(
            wait_for(
                lambda: (lambda c: c if c["status"] == status else None)(self.reviewer.get(f"/cases/{case_id}")),
                what=f"B's case to be {status}",
            )
        )


@pytest.fixture(scope="module")
def flows(cluster: Cluster) -> Iterator[Flows]:  # noqa: F811
    a, b = cluster.a, cluster.b
    b_tokens = json.loads(b.tongban("shell", "-c", SETUP_B).strip().splitlines()[-1])
    a_tokens = json.loads(a.tongban("shell", "-c", SETUP_A).strip().splitlines()[-1])
    assert "120000 2" in a.tongban("federation", "catalog", "pull", "120000")
    b.start_worker()
    try:
        yield Flows(
            a=a,
            b=b,
            clerk=Api(a, a_tokens["clerk"]),
            resident=Api(a, a_tokens["resident"]),
            resident_id=a_tokens["resident_id"],
            reviewer=Api(b, b_tokens["reviewer"]),
        )
    finally:
        b.stop_worker()


def test_proxy_receipt_with_a_correction_round_trip_and_delivery(flows: Flows) -> None:
    clerk, reviewer = flows.clerk, flows.reviewer
    # given the clerk at A receives an application for B's item, checks identity and scans both materials
    items = clerk.get("/cross-region/peer-items?mode=proxy_receipt")
    assert "120000-XR-PROXY" in [i["code"] for i in items]
    applicant_id = make_resident_id("110101", dt.date(1980, 1, 1), 12)
    created = clerk.post(
        "/cross-region/proxy",
        {
            "region": "120000",
            "item_code": "120000-XR-PROXY",
            "form_data": {"applicant_name": "李四", "reason": "异地代收"},
            "applicant": {"id_number": applicant_id, "full_name": "李四"},
            "identity_check": "id_card_reader",
            "delivery": {"method": "post", "address": "北京市东城区某街1号"},
        },
        status=201,
    )
    remote_id = created["id"]
    clerk.upload(f"/cross-region/{remote_id}/files/ID", PDF)
    clerk.upload(f"/cross-region/{remote_id}/files/PLAN", PDF)
    # when it is forwarded
    forwarded = clerk.post(f"/cross-region/{remote_id}/forward")
    # then B registers a case of its department in the applicant's name, and A shows B's number
    case_id = flows.case_at_b(forwarded["forward_id"])
    case = flows.case_status(case_id, "submitted")
    assert case["channel"] == "proxy" and case["number"].startswith("120000-")
    mirrored = flows.remote_status(clerk, remote_id, "submitted")
    assert mirrored["remote_number"] == case["number"]
    # when B's reviewer asks for a corrected plan
    reviewer.post(f"/cases/{case_id}/request-correction", {"materials": ["PLAN"], "note": "平面图不清晰"})
    # then A's clerk sees the correction to supply
    correction = flows.remote_status(clerk, remote_id, "correction_requested")
    assert correction["correction_materials"] == [{"code": "PLAN", "name": "场地平面图"}]
    assert remote_id in [r["id"] for r in clerk.get("/cross-region/queue?name=correction")]
    # when the clerk scans a new plan (two parts over the wire) and forwards it
    plan = PDF + b"%" + b"p" * (100 * 1024)
    clerk.upload(f"/cross-region/{remote_id}/files/PLAN", plan)
    clerk.post(f"/cross-region/{remote_id}/correction", {"note": "已重新扫描"})
    # then B has the new plan, verified by its SHA-256, and the case is submitted again
    case = flows.case_status(case_id, "submitted")
    plan_row = next(m for m in case["materials"] if m["code"] == "PLAN")
    assert plan_row["sha256"] == hashlib.sha256(plan).hexdigest()
    # when B accepts, reviews, approves and issues the result
    for step, body in (
        ("accept", None),
        ("start-review", None),
        ("approve", {}),
        ("issue-result", {"result_number": "津许001"}),
    ):
        reviewer.post(f"/cases/{case_id}/{step}", body)
    # then A has the result to deliver, with B's deadline
    issued = flows.remote_status(clerk, remote_id, "result_issued")
    at_b = reviewer.get(f"/cases/{case_id}")
    assert issued["result_number"] == "津许001"
    assert (
        issued["promised_due_date"] == at_b["promised_due_date"] and issued["legal_due_date"] == at_b["legal_due_date"]
    )
    assert remote_id in [r["id"] for r in clerk.get("/cross-region/queue?name=deliver")]
    # when A's clerk posts it and records the tracking number
    clerk.post(f"/cross-region/{remote_id}/deliver", {"tracking_number": "SF-2026-0001"})
    # then the case is delivered and closed at B, and closed at A
    closed = flows.case_status(case_id, "closed")
    assert closed["tracking_number"] == "SF-2026-0001"
    final = flows.remote_status(clerk, remote_id, "closed")
    # and both nodes show the same steps
    mirrored_steps = [e["action"] for e in final["timeline"] if e["region"] == "120000"]
    assert mirrored_steps == [
        "submit", "request_correction", "resubmit", "accept", "start_review", "approve", "issue_result", "deliver", "close",
    ]  # fmt: skip
    b_steps = [e["action"] for e in reviewer.get(f"/cases/{case_id}/timeline")]
    for step in ("case.submit", "case.request_correction", "case.resubmit", "case.accept", "case.issue_result",
                 "case.deliver", "case.close"):  # fmt: skip
        assert step in b_steps
    local = [e["action"] for e in final["timeline"] if e["region"] == "110000"]
    assert local == ["received", "forwarded", "correction_supplied", "delivered"]


def test_online_application_by_a_resident_of_b_logged_in_at_a(flows: Flows) -> None:
    resident, reviewer = flows.resident, flows.reviewer
    # given a resident logged in at A applies online for B's item
    assert [i["code"] for i in resident.get("/cross-region/peer-items?mode=online")] == ["120000-XR-ONLINE"]
    created = resident.post(
        "/cross-region/online",
        {"region": "120000", "item_code": "120000-XR-ONLINE", "form_data": {"applicant_name": "赵六"}},
        status=201,
    )
    remote_id = created["id"]
    resident.upload(f"/cross-region/{remote_id}/files/ID", PDF)
    resident.upload(f"/cross-region/{remote_id}/files/PLAN", PDF)
    forwarded = resident.post(f"/cross-region/{remote_id}/forward")
    # then the case is created at B, identified by the resident's ID number
    case_id = flows.case_at_b(forwarded["forward_id"])
    case = flows.case_status(case_id, "submitted")
    assert case["channel"] == "online"
    owner = flows.b.query(
        "SELECT u.id_number FROM cases_case c JOIN accounts_user u ON u.id = c.applicant_id WHERE c.id = ?", case_id
    )
    assert owner[0][0] == flows.resident_id
    # when B handles it as a normal case, delivering electronically
    for step, body in (
        ("accept", None),
        ("start-review", None),
        ("approve", {}),
        ("issue-result", {}),
        ("deliver", {}),
        ("close", None),
    ):
        reviewer.post(f"/cases/{case_id}/{step}", body)
    # then the resident follows every step from A's "my cases"
    flows.remote_status(resident, remote_id, "closed")
    [mine] = [r for r in resident.get("/cross-region/mine") if r["id"] == remote_id]
    assert [e["action"] for e in mine["timeline"] if e["region"] == "120000"] == [
        "submit", "accept", "start_review", "approve", "issue_result", "deliver", "close",
    ]  # fmt: skip
    assert mine["remote_number"] == case["number"]
