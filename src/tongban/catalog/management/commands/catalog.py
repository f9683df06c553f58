"""``tongban catalog``: export the published catalog (CPSV-AP JSON-LD, Excel) and import an implementation list.

    tongban catalog export --format cpsv-ap [--region CODE] [--output FILE]   # JSON-LD, stdout by default
    tongban catalog export --format xlsx --output FILE [--region CODE]
    tongban catalog import FILE.xlsx [--actor USERNAME]

An import is all or nothing: on any problem every one is printed to standard error as
``sheet 事项, row 5, column 承诺办结时限（工作日）: reason`` and the command exits with status 1.
Without ``--actor`` the import runs as the system (the node's operator).
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.accounts.models import User
from tongban.catalog import cpsv, xlsx
from tongban.core.context import RequestContext, bound
from tongban.regions.models import Region


class Command(BaseCommand):
    help = "Catalog tools: 'catalog export --format cpsv-ap|xlsx [--region CODE] [--output FILE]', 'catalog import FILE.xlsx'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="export the published catalog")
        export.add_argument("--format", required=True, choices=["cpsv-ap", "xlsx"], dest="fmt")
        export.add_argument("--region", default=None, help="only this region's implementation list (6-digit code)")
        export.add_argument("--output", default=None, help="file to write (required for xlsx; stdout for cpsv-ap)")
        imp = sub.add_parser("import", help="import an implementation list workbook (.xlsx)")
        imp.add_argument("file", help="the workbook")
        imp.add_argument("--actor", default=None, help="username the import is done as (default: the system)")

    def handle(self, *args: Any, **options: Any) -> None:
        with bound(RequestContext(source="cli")):
            if options["action"] == "export":
                self._export(fmt=options["fmt"], region=options["region"], output=options["output"])
            else:
                self._import(path=Path(options["file"]), username=options["actor"])

    def _export(self, *, fmt: str, region: str | None, output: str | None) -> None:
        if region is not None and not Region.objects.filter(code=region).exists():
            raise CommandError(f"unknown region code: {region}")
        if fmt == "xlsx":
            if not output:
                raise CommandError("--output FILE is required for --format xlsx")
            try:
                xlsx.export_workbook(region=region).save(output)
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}") from None
            self.stdout.write(f"workbook written to {output}")
            return
        text = cpsv.export_catalog_json(region=region)
        if output:
            try:
                Path(output).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}") from None
            self.stdout.write(f"CPSV-AP JSON-LD written to {output}")
        else:
            self.stdout.write(text)

    def _import(self, *, path: Path, username: str | None) -> None:
        actor: User | None = None
        if username is not None:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user named {username}")
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        try:
            result = xlsx.import_workbook(actor=actor, source=path)
        except xlsx.ImportFailed as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) in {path}; nothing was imported") from None
        self.stdout.write(
            f"imported {path}: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged"
        )
