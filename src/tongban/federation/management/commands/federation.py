"""``tongban federation peers|bundle|send|deliver|retry|outbox|inbox|log`` for administrators and scripts.

Apps add their own groups through ``federation.registry.register_command`` (``catalog pull|compare``).
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.federation import delivery, registry, selectors, services, signing
from tongban.federation.constants import Direction, OutboxStatus


class Command(BaseCommand):
    help = "Federation: manage peers, export this node's trust bundle, send and deliver messages, inspect them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        peers = sub.add_parser("peers", help="manage peer nodes")
        psub = peers.add_subparsers(dest="peers_action", required=True)
        add = psub.add_parser("add", help="add a peer by URL and the fingerprint of one of its keys")
        add.add_argument("url")
        add.add_argument(
            "--fingerprint",
            required=True,
            help="RFC 7638 SHA-256 JWK thumbprint (base64url); write --fingerprint=FP, since a thumbprint may begin with -",
        )
        bundle = psub.add_parser("add-bundle", help="pin the peers of a trust bundle file")
        bundle.add_argument("file")
        psub.add_parser("list", help="print the peers and their keys as JSON")
        refresh = psub.add_parser("refresh", help="fetch the peers' keys again (all, or one region)")
        refresh.add_argument("region", nargs="?", default=None)
        remove = psub.add_parser("remove", help="remove a peer")
        remove.add_argument("region")
        for group in registry.command_groups():  # e.g. "catalog", registered by the catalog app
            group.configure(sub.add_parser(group.name, help=group.help))
        sub.add_parser("identity", help="print this node's region, base URL and key fingerprints")
        sub.add_parser("bundle", help="print this node's trust bundle (JSON)")
        send = sub.add_parser("send", help="queue a message to a peer")
        send.add_argument("--to", required=True, dest="recipient")
        send.add_argument("--type", required=True, dest="message_type")
        send.add_argument("--payload", default="{}", help="JSON object")
        send.add_argument("--correlation-id", default=None)
        send.add_argument("--count", type=int, default=1)
        deliver = sub.add_parser("deliver", help="deliver due messages (once, or as a worker with --loop)")
        deliver.add_argument("--loop", action="store_true")
        deliver.add_argument("--until-idle", action="store_true", help="with --loop: stop when nothing is pending")
        deliver.add_argument("--max-seconds", type=float, default=None, help="with --loop: stop after this long")
        deliver.add_argument("--interval", type=float, default=1.0)
        retry = sub.add_parser("retry", help="queue a parked message again")
        retry.add_argument("message_id")
        outbox = sub.add_parser("outbox", help="print outgoing messages as JSON")
        outbox.add_argument("--status", default=None, choices=OutboxStatus.values)
        sub.add_parser("inbox", help="print received messages as JSON")
        log = sub.add_parser("log", help="print the message log as JSON")
        log.add_argument("--direction", default=None, choices=Direction.values)

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            try:
                action = options["action"]
                groups = {group.name: group for group in registry.command_groups()}
                if action in groups:
                    groups[action].run(self, options)
                    return
                if action == "peers":
                    action = "peers_" + options["peers_action"].replace("-", "_")
                getattr(self, "_" + action)(**options)
            except ApplicationError as exc:
                detail = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
                raise CommandError(f"{exc.code}: {exc.message}{detail}") from exc

    def _json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def _peers_add(self, *, url: str, fingerprint: str, **_: Any) -> None:
        peer = services.peer_add(base_url=url, fingerprint=fingerprint, actor=None)
        self.stdout.write(f"{peer.region_code} {peer.base_url}")

    def _peers_add_bundle(self, *, file: str, **_: Any) -> None:
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"bundle_invalid: {exc}") from exc
        for peer in services.peer_add_bundle(bundle=data, actor=None):
            self.stdout.write(f"{peer.region_code} {peer.base_url}")

    def _peers_list(self, **_: Any) -> None:
        self._json(
            [
                {
                    "region": p.region_code,
                    "base_url": p.base_url,
                    "status": p.status,
                    "refreshed_at": p.refreshed_at,
                    "keys": [
                        {"kid": k.kid, "fingerprint": k.fingerprint, "status": k.status, "source": k.source}
                        for k in p.keys.all()
                    ],
                }
                for p in selectors.peer_list()
            ]
        )

    def _peers_refresh(self, *, region: str | None, **_: Any) -> None:
        peers = [selectors.peer_get(region_code=region)] if region else list(selectors.peer_list())
        for peer in peers:
            result = services.peer_refresh(peer=peer, actor=None)
            self.stdout.write(f"{peer.region_code} pinned={result.pinned} withdrawn={result.withdrawn}")

    def _peers_remove(self, *, region: str, **_: Any) -> None:
        services.peer_remove(region_code=region, actor=None)

    def _identity(self, **_: Any) -> None:
        bundle = signing.own_bundle()["peers"][0]
        self._json(
            {
                "region": bundle["region"],
                "base_url": bundle["base_url"],
                "keys": [{"kid": k.get("kid"), "fingerprint": signing.fingerprint(k)} for k in bundle["keys"]],
            }
        )

    def _bundle(self, **_: Any) -> None:
        with transaction.atomic():
            self._json(signing.own_bundle())

    def _send(
        self, *, recipient: str, message_type: str, payload: str, correlation_id: str | None, count: int, **_: Any
    ) -> None:
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise CommandError(f"invalid_payload: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError("invalid_payload: the payload must be a JSON object")
        with transaction.atomic():
            for _i in range(count):
                message = services.message_send(
                    recipient_region=recipient,
                    type=message_type,
                    payload=data,
                    correlation_id=correlation_id,
                    actor=None,
                )
                self.stdout.write(str(message.message_id))

    def _deliver(self, *, loop: bool, until_idle: bool, max_seconds: float | None, interval: float, **_: Any) -> None:
        if loop:
            report = delivery.deliver_loop(max_seconds=max_seconds, until_idle=until_idle, interval=interval)
        else:
            report = delivery.deliver_due()
        self._json({"delivered": report.delivered, "failed": report.failed, "parked": report.parked})

    def _retry(self, *, message_id: str, **_: Any) -> None:
        services.outbox_retry(message_id=message_id, actor=None)

    def _outbox(self, *, status: str | None, **_: Any) -> None:
        self._json(
            [
                {
                    "id": m.message_id,
                    "type": m.type,
                    "recipient": m.recipient_region,
                    "status": m.status,
                    "attempts": m.attempts,
                    "next_attempt_at": m.next_attempt_at,
                    "last_error": m.last_error,
                }
                for m in selectors.outbox_list(status=status)
            ]
        )

    def _inbox(self, **_: Any) -> None:
        self._json(
            [
                {
                    "id": m.message_id,
                    "type": m.type,
                    "sender": m.sender_region,
                    "correlation_id": m.correlation_id,
                    "payload": m.payload,
                    "status": m.status,
                    "kid": m.kid,
                }
                for m in selectors.inbox_list()
            ]
        )

    def _log(self, *, direction: str | None, **_: Any) -> None:
        self._json(
            [
                {
                    "direction": e.direction,
                    "id": e.message_id,
                    "peer": e.peer_region,
                    "type": e.type,
                    "kid": e.kid,
                    "code": e.code,
                    "token": e.token,
                }
                for e in selectors.log_list(direction=direction)
            ]
        )
