"""跨区域查询 between two real nodes (Beijing and Tianjin on loopback, each with its own database):
Tianjin's public security reads a Beijing resident's social insurance record through Beijing's node,
signed by Beijing; a department Beijing has not approved is refused by Beijing; a replayed query is
refused; a Beijing node that is down is told plainly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from joserfc.jwk import import_key

from tongban.federation.tests.test_multinode import Node, migrated_template, multinode_cache, node_set

pytestmark = pytest.mark.multinode

LIU_YANG = "110105198803120313"  # bj_resident_1 (accounts.demo)

SEED = """
import io
from tongban.regions import demo as regions
from tongban.accounts import demo as accounts
from tongban.sharing import demo as sharing
from django.conf import settings
out = io.StringIO()
regions.load(stdout=out)
accounts.load(stdout=out, only_region=settings.TONGBAN_REGION)
sharing.load(stdout=out)
"""

READ = """
import json
from django.db import transaction
from tongban.accounts.models import User
from tongban.core.errors import ApplicationError
from tongban.regions.models import Department
from tongban.sharing import services
from tongban.sharing.constants import ContextKind, ProofMode
from tongban.sharing.contexts import AccessContext
from tongban.sharing.models import ProofRequirement
dept = Department.objects.get(region_id="120000", code="{dept}")
actor = User.objects.get(username="tj_data_provider")
proof, _ = ProofRequirement.objects.get_or_create(
    region_id="120000", code="sbjf-peer", defaults=dict(name="社会保险缴纳证明", issuer="人社部门", legal_basis="《社会保险法》",
    mode=ProofMode.COMMITMENT, resource_code="bj_rs_sbjf"))
task = services.verification_open(actor=actor, proof=proof, subject_id="{subject}", subject_name="刘洋", department=dept,
    origin_kind="case", origin_id="TJ-MN-1")
try:
    result = services.exchange_read(actor=actor, department=dept, resource_code="bj_rs_sbjf", subject_id="{subject}",
        fields=None, purpose="licensing", context=AccessContext(kind=ContextKind.VERIFICATION, id=task.number),
        keep_receipt=True, check_membership=False)
    check = services.receipt_check(receipt=result.receipt)
    print(json.dumps({{"found": result.found, "data": result.data, "signer": result.receipt.signer_region,
        "valid": check.valid, "approval": result.approval_number}}, ensure_ascii=False))
except ApplicationError as exc:
    print(json.dumps({{"code": exc.code, "details": exc.details, "message": str(exc.message)}}, ensure_ascii=False))
"""


def _last_json(out: str) -> dict[str, Any]:
    return dict(json.loads(out.strip().splitlines()[-1]))


def _up(node: Node, seconds: float = 600) -> str:
    """Wait for a node (patiently: a loaded machine starts a server slowly) and answer its key's fingerprint."""
    deadline = time.monotonic() + seconds
    while True:
        assert node.server is not None and node.server.poll() is None, (node.root / "server.log").read_text()
        try:
            if httpx.get(node.url + "/federation/v1/node", timeout=20).status_code == 200:
                return str(import_key(node.jwks()[0]).thumbprint())
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{node.name} did not start"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Node]]:
    template = migrated_template(multinode_cache(request, tmp_path_factory.mktemp("cache")))
    root = tmp_path_factory.mktemp("sharing-nodes")
    bj, tj = node_set(template, root, (("bj", "110000"), ("tj", "120000")))
    try:
        for node in (bj, tj):
            node.tongban("shell", "-c", SEED)
            node.start()
        fp = {node.name: _up(node) for node in (bj, tj)}
        bj.tongban("federation", "peers", "add", tj.url, f"--fingerprint={fp['tj']}")
        tj.tongban("federation", "peers", "add", bj.url, f"--fingerprint={fp['bj']}")
        yield bj, tj
    finally:
        for node in (bj, tj):
            node.stop()


def _read(tj: Node, dept: str, subject: str = LIU_YANG) -> dict[str, Any]:
    return _last_json(tj.tongban("shell", "-c", READ.format(dept=dept, subject=subject)))


def test_a_beijing_record_is_read_by_tianjin_signed_by_beijing(pair: tuple[Node, Node]) -> None:
    bj, tj = pair
    answer = _read(tj, "psb")
    assert answer.get("found") is True, answer
    assert answer["data"]["name"] == "刘洋" and answer["data"]["employer"] == "北京云启科技有限公司"
    assert "card_number" not in answer["data"]  # not approved by Beijing
    assert answer["signer"] == "110000" and answer["valid"] is True
    assert answer["approval"] == "SQ-120000-DEMO-110000-rs_sbjf"
    # both nodes logged the read
    at_bj = bj.query(
        "SELECT requester_region, department_label, result FROM sharing_accesslogentry WHERE subject_id = ?", LIU_YANG
    )
    assert ("120000", "天津市公安局", "ok") in at_bj
    at_tj = tj.query("SELECT resource_code, result FROM sharing_accesslogentry WHERE subject_id = ?", LIU_YANG)
    assert ("bj_rs_sbjf", "ok") in at_tj


def test_a_department_beijing_has_not_approved_is_refused_by_beijing(pair: tuple[Node, Node]) -> None:
    bj, tj = pair
    answer = _read(tj, "civil")
    assert answer["code"] == "peer_refused" and answer["details"]["peer_code"] == "no_approval"
    assert "对方地区节点拒绝了本次查询" in answer["message"]
    refused = bj.query(
        "SELECT count(*) FROM sharing_accesslogentry WHERE requester_region = '120000' AND error_code = 'no_approval'"
    )
    assert refused[0][0] >= 1
    assert tj.query("SELECT count(*) FROM sharing_accesslogentry WHERE error_code = 'peer_refused'")[0][0] >= 1


def test_a_replayed_query_is_refused(pair: tuple[Node, Node]) -> None:
    bj, tj = pair
    _read(tj, "psb")
    token = bj.query("SELECT token FROM federation_inboxmessage WHERE type = 'sharing.read' ORDER BY id DESC LIMIT 1")[
        0
    ][0]
    before = bj.query("SELECT count(*) FROM sharing_accesslogentry")[0][0]
    again = httpx.post(
        bj.url + "/federation/v1/query",
        content=str(token).encode(),
        headers={"Content-Type": "application/jose"},
        timeout=30,
    )
    assert again.status_code == 409 and again.json()["code"] == "already_received"
    assert bj.query("SELECT count(*) FROM sharing_accesslogentry")[0][0] == before


def test_a_peer_that_is_down_is_named_plainly(pair: tuple[Node, Node]) -> None:
    bj, tj = pair
    bj.stop()
    try:
        answer = _read(tj, "psb")
        assert answer["code"] == "provider_unavailable", answer
        assert "上传" in answer["message"]
    finally:
        bj.start()
        _up(bj)
