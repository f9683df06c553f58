"""``tongban oidc``: register a department system with Tongban's OpenID Connect provider,
and issue bearer tokens for machine clients.

    tongban oidc client --name 公积金中心业务系统 --redirect-uri https://gjj.example.gov.cn/oidc/callback
    tongban oidc token --client-id ID --username USER [--scope "openid profile"] [--seconds 3600]
    tongban oidc peer-register [REGION]

``client`` prints the client id and secret (the secret is shown once; only its hash is kept).
``peer-register [REGION]`` registers this node as a client of each peer's (or one peer's) provider by
a signed statement, for the cross-region login (ADR 0015); the first login does it too when needed.
``token`` prints an access token for ``Authorization: Bearer`` on ``/api/v1/`` and ``/o/userinfo/``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.accounts import services
from tongban.accounts.models import User
from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.homelogin import federated_login


class Command(BaseCommand):
    help = (
        "OpenID Connect: 'oidc client --name N --redirect-uri URI', 'oidc token --client-id ID --username U', "
        "'oidc peer-register [REGION]'."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        client = sub.add_parser("client", help="register a relying party (department system)")
        client.add_argument("--name", required=True)
        client.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        client.add_argument("--skip-consent", action="store_true", help="trusted in-region system: no consent page")
        token = sub.add_parser("token", help="issue a bearer access token for a user")
        token.add_argument("--client-id", required=True)
        token.add_argument("--username", required=True)
        token.add_argument("--scope", default="openid profile")
        token.add_argument("--seconds", type=int, default=3600)
        peer = sub.add_parser("peer-register", help="register this node at the peers' providers (cross-region login)")
        peer.add_argument("region", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            try:
                if options["action"] == "client":
                    registered = services.oidc_client_register(
                        name=options["name"],
                        redirect_uris=options["redirect_uris"],
                        skip_consent=options["skip_consent"],
                    )
                    self.stdout.write(
                        json.dumps({"client_id": registered.client_id, "client_secret": registered.client_secret})
                    )
                    return
                if options["action"] == "peer-register":
                    regions = (
                        [options["region"]] if options["region"] else [r.code for r in federated_login.login_regions()]
                    )
                    for region in regions:
                        client = federated_login.home_region_client_register(region_code=region)
                        self.stdout.write(f"{region} {client.client_id} {client.issuer}")
                    return
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no user {options['username']!r}")
                token = services.access_token_issue(
                    user=user, client_id=options["client_id"], scope=options["scope"], seconds=options["seconds"]
                )
                self.stdout.write(token)
            except ApplicationError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from exc
