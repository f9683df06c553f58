"""Two real nodes on loopback (granian, each with its own SQLite database, region and keys, peers pinned both
ways by fingerprint, a delivery worker each): a 12345 ticket transferred from Tianjin to Beijing and its
outcome back for the revisit, and the knowledge base shared on publication, withdrawal and pull.

The steps at a node run in that node's own process (``tongban shell -c``, module ``multinode_steps``);
the test reads the nodes' databases read-only to check what they stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tongban.federation.tests.test_multinode import (
    Node,
    federated_pair,
    migrated_template,
    multinode_cache,
    wait_for,
)

pytestmark = pytest.mark.multinode


@dataclass
class Pair:
    tianjin: Node
    beijing: Node


def step(node: Node, call: str) -> dict[str, Any]:
    out = node.tongban("shell", "-c", f"from tongban.hotline.tests import multinode_steps as steps; steps.{call}")
    return dict(json.loads(out.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    template = migrated_template(multinode_cache(request, tmp_path_factory.mktemp("c")))
    root = tmp_path_factory.mktemp("hotline-nodes")
    with federated_pair(template, root, (("tj", "120000"), ("bj", "110000"))) as (tianjin, beijing):
        yield Pair(tianjin, beijing)


def _ticket(node: Node, where: str, *params: Any) -> dict[str, Any] | None:
    columns = ("id", "status", "channel", "transferred_from_id", "origin_number", "reply", "number")
    rows = node.query(f"SELECT {', '.join(columns)} FROM hotline_ticket WHERE {where}", *params)  # noqa: S608
    return dict(zip(columns, rows[0], strict=True)) if rows else None


def test_a_ticket_goes_to_beijing_is_handled_there_and_comes_back_for_the_revisit(pair: Pair) -> None:
    tianjin, beijing = pair.tianjin, pair.beijing
    step(beijing, "setup()")
    # when Tianjin's agent transfers a ticket about a Beijing matter
    sent = step(tianjin, "transfer_out('110000')")
    transfer_id = sent["transfer"]
    # then Beijing's node creates a ticket, marked with Tianjin and Tianjin's number, without the caller's phone
    there = wait_for(
        lambda: _ticket(beijing, "external_id = ?", transfer_id), what="the ticket to be created in Beijing"
    )
    assert there["channel"] == "transfer" and there["status"] == "received"
    assert (there["transferred_from_id"], there["origin_number"]) == ("120000", sent["number"])
    assert not beijing.query("SELECT id FROM hotline_ticket WHERE caller_phone = '13812345678'")
    # and Tianjin learns Beijing's number for it
    wait_for(
        lambda: (
            tianjin.query(
                "SELECT status, remote_number FROM hotline_tickettransfer WHERE message_id = ?",
                uuid.UUID(transfer_id).hex,
            )
            == [("sent", there["number"])]
        ),
        what="Beijing's acknowledgement",
    )
    # when Beijing's line handles it and closes it
    step(beijing, f"handle_transferred('{transfer_id}')")
    # then the outcome comes back: Tianjin's ticket is closed with Beijing's reply, and Tianjin revisits
    back = wait_for(
        lambda: (t := _ticket(tianjin, "id = ?", sent["ticket"])) and t["status"] == "closed" and t,
        what="the outcome back in Tianjin",
    )
    assert "社保中心" in back["reply"]
    assert step(tianjin, f"revisit({sent['ticket']})") == {"status": "revisited"}
    # and every message of the round trip was received once, handled, on each side
    for node, types in (
        (beijing, ("hotline.ticket_transfer",)),
        (tianjin, ("hotline.ticket_transfer_received", "hotline.ticket_transfer_outcome")),
    ):
        for type_name in types:
            rows = node.query("SELECT status FROM federation_inboxmessage WHERE type = ?", type_name)
            assert rows == [("handled",)], (node.name, type_name, rows)


def _entries(node: Node, uid: str) -> list[tuple[Any, ...]]:
    return node.query(
        "SELECT version, status, origin_region_id FROM hotline_knowledgeentry WHERE uid = ? ORDER BY version",
        uuid.UUID(uid).hex,
    )


def test_the_knowledge_base_is_shared_on_publication_withdrawal_and_pull(pair: Pair) -> None:
    tianjin, beijing = pair.tianjin, pair.beijing
    # when Tianjin publishes a shared entry
    published = step(tianjin, "kb_publish('京津冀异地就医备案怎么办理')")["uid"]
    # then Beijing has it, published, marked as Tianjin's
    wait_for(lambda: _entries(beijing, published) == [(1, "published", "120000")], what="the entry in Beijing")
    # when Tianjin withdraws it, then Beijing retires its copy
    step(tianjin, f"kb_retire('{published}')")
    wait_for(lambda: _entries(beijing, published) == [(1, "retired", "120000")], what="the withdrawal in Beijing")
    # given an entry Tianjin had before Beijing was its peer (no message went out for it)
    older = step(tianjin, "kb_seed('天津公积金缴存证明怎么开')")["uid"]
    # when Beijing pulls Tianjin's knowledge base
    beijing.tongban("hotline", "kb-pull", "120000")
    # then Beijing gets it too, marked as Tianjin's
    wait_for(lambda: _entries(beijing, older) == [(1, "published", "120000")], what="the pulled entry in Beijing")
