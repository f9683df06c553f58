"""``tongban restore FILE --key-file KEY``: an encrypted backup into an empty node, then ``migrate``."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import ApplicationError
from tongban.ops.backup import backup_restore
from tongban.ops.management.commands.backup import operator_key


class Command(BaseCommand):
    help = "Restore an encrypted backup (tongban backup) into this node, which must be empty."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--key-file", default=None, help="the file holding the key the backup was made with")
        parser.add_argument("--force", action="store_true", help="replace this node's data even if it has some")

    def handle(self, *args: Any, **options: Any) -> None:
        key = operator_key(options["key_file"])
        try:
            result = backup_restore(source=Path(options["file"]), key=key, force=options["force"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        # a backup of an older release: bring its schema to this release's
        call_command("migrate", interactive=False, verbosity=0)
        manifest = result["manifest"]
        self.stdout.write(
            json.dumps(
                {
                    "restored": manifest["created_at"],
                    "region": manifest["region"],
                    "files": result["files"],
                    **manifest["counts"],
                },
                ensure_ascii=False,
            )
        )
