"""``tongban trading ocds-export --output FILE [--validate]`` (a record package of every published
procedure, streamed), ``tongban trading tick`` (close opening halls whose decryption window has
passed), ``tongban trading pool-pull [REGION]`` (ask peers for their shared experts)."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.trading import ocds, pool, services
from tongban.trading.constants import ProcedureStatus
from tongban.trading.models import Procedure


class Command(BaseCommand):
    help = "Public resource trading: 'ocds-export --output FILE', 'tick', 'pool-pull [REGION]'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("ocds-export", help="write an OCDS 1.1.5 record package of every published procedure")
        export.add_argument("--output", required=True, help="the file to write ('-' for standard output)")
        export.add_argument("--chunk", type=int, default=500, help="procedures read per query")
        export.add_argument(
            "--validate", action="store_true", help="validate every record against the schemas afterwards (streamed)"
        )
        sub.add_parser("tick", help="close the opening halls whose decryption window has passed")
        pull = sub.add_parser("pool-pull", help="ask peer nodes for their shared experts")
        pull.add_argument("region", nargs="?", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            action = options["action"]
            if action == "ocds-export":
                self._export(options)
            elif action == "tick":
                due = Procedure.objects.filter(status=ProcedureStatus.OPENING, opening_closes_at__lte=timezone.now())
                for procedure_id in list(due.values_list("pk", flat=True)):
                    try:
                        services.opening_close(actor=None, procedure_id=procedure_id)
                    except ApplicationError as exc:
                        self.stderr.write(f"{procedure_id}: {exc.code}")
                    else:
                        self.stdout.write(f"closed the opening of procedure {procedure_id}")
            else:
                try:
                    asked = pool.pool_pull(actor=None, region=options["region"])
                except ApplicationError as exc:
                    raise CommandError(f"{exc.code}: {exc.message}") from exc
                self.stdout.write("asked " + (", ".join(asked) or "no peer"))

    def _export(self, options: dict[str, Any]) -> None:
        target = options["output"]
        if target == "-":
            if options["validate"]:
                raise CommandError("--validate needs a file")
            records, releases = ocds.export(sys.stdout, chunk=options["chunk"])
            self.stderr.write(f"{records} records, {releases} releases")
            return
        with open(target, "w", encoding="utf-8") as out:
            records, releases = ocds.export(out, chunk=options["chunk"])
        self.stdout.write(f"{records} records, {releases} releases written to {target}")
        unpublished = Procedure.objects.filter(status=ProcedureStatus.DRAFT).count()
        if unpublished:
            self.stdout.write(f"ocds_incomplete: {unpublished} unpublished procedures left out")
        if options["validate"]:
            if not ocds.schema_dir().is_dir():
                raise CommandError(f"the OCDS schemas are not at {ocds.schema_dir()} (set TONGBAN_STANDARDS_DIR)")
            invalid = validate_file(target)
            self.stdout.write(f"{records} records validated, {invalid} invalid")
            if invalid:
                raise CommandError(f"{invalid} invalid records")


def validate_file(path: str) -> int:
    """Validate an exported record package one record at a time (constant memory); answers how many
    records are invalid."""
    invalid = 0
    with open(path, encoding="utf-8") as fh:
        for text in ocds.iter_exported(iter(fh)):
            if ocds.record_errors(json.loads(text)):
                invalid += 1
    return invalid
