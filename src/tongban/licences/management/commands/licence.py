"""``tongban licence list|show|rotate-key|import`` for administrators and scripts."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.licences import events, importing, selectors, services
from tongban.licences.constants import KeyAlgorithm, LicenceStatus
from tongban.licences.pdf import signed_pdf
from tongban.licences.schemas import LicenceOut


class Command(BaseCommand):
    help = "Licences: list numbers, show a licence as JSON, VC-JWT or signed PDF, rotate the signing key, import."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="print one licence number per line")
        listing.add_argument("--holder", default=None, help="holder's ID number or USCC")
        listing.add_argument("--status", default=None, choices=LicenceStatus.values)
        show = sub.add_parser("show", help="print a licence's record or its signed forms")
        show.add_argument("number")
        show.add_argument("--format", default="json", choices=["json", "vc-jwt", "pdf"])
        show.add_argument("--output", default=None, help="write to this file instead of standard output")
        rotate = sub.add_parser("rotate-key", help="make a new signing key (the old one stays published)")
        rotate.add_argument("--algorithm", default=KeyAlgorithm.ED25519, choices=KeyAlgorithm.values)
        retire = sub.add_parser("retire-key", help="stop publishing a key that no longer signs")
        retire.add_argument("kid")
        imp = sub.add_parser("import", help="import licences from CSV or Excel (all or nothing)")
        imp.add_argument("file")
        imp.add_argument("--as-user", required=True, help="username of the licence administrator importing")

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            try:
                getattr(self, "_" + options["action"].replace("-", "_"))(**options)
            except ApplicationError as exc:
                detail = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
                raise CommandError(f"{exc.code}: {exc.message}{detail}") from exc

    def _list(self, *, holder: str | None, status: str | None, **_: Any) -> None:
        for number in (
            selectors.licence_list(holder_id=holder, status=status).values_list("number", flat=True).iterator()
        ):
            self.stdout.write(number)

    def _show(self, *, number: str, format: str, output: str | None, **_: Any) -> None:
        licence = selectors.licence_get(number=number)
        with transaction.atomic():
            events.licence_read(licence=licence, actor=None, purpose=f"cli show --format {format}")
        data: bytes
        if format == "json":
            data = (LicenceOut.of(licence, history=True).model_dump_json(indent=2) + "\n").encode()
        elif format == "vc-jwt":
            data = (licence.vc_jwt + "\n").encode()
        else:
            data = signed_pdf(licence)
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"written to {output}")
        elif format == "pdf" and sys.stdout.isatty():
            raise CommandError("refusing to print a PDF to a terminal: use --output FILE")
        else:
            self.stdout.flush()
            out = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(out, "buffer", None)
            if buffer is not None:
                buffer.write(data)
                buffer.flush()
            else:
                out.write(data.decode("latin-1") if format == "pdf" else data.decode())

    def _rotate_key(self, *, algorithm: str, **_: Any) -> None:
        key = services.signing_key_rotate(actor=None, algorithm=algorithm)
        self.stdout.write(key.kid)

    def _retire_key(self, *, kid: str, **_: Any) -> None:
        key = services.signing_key_retire(kid=kid, actor=None)
        self.stdout.write(f"{key.kid} retired")

    def _import(self, *, file: str, as_user: str, **_: Any) -> None:
        from tongban.accounts.models import User

        user = User.objects.filter(username=as_user).first()
        if user is None:
            raise CommandError(f"no such user: {as_user}")
        content = Path(file).read_bytes()
        licences = importing.licence_import(file_name=Path(file).name, content=content, actor=user)
        self.stdout.write(f"{len(licences)} licences imported")
