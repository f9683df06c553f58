"""``tongban backup --output FILE --key-file KEY``: database, files and keys, encrypted (tongban.ops.backup)."""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import ApplicationError
from tongban.ops.backup import backup_create, read_key_file


def operator_key(key_file: str | None) -> bytes:
    """The operator's key: the file given, else the file named by TONGBAN_BACKUP_KEY_FILE."""
    path = key_file or os.environ.get("TONGBAN_BACKUP_KEY_FILE")
    if not path:
        raise CommandError("backup_key_missing: give --key-file (or set TONGBAN_BACKUP_KEY_FILE)")
    try:
        return read_key_file(path)
    except ApplicationError as exc:
        raise CommandError(f"{exc.code}: {exc.message}") from exc


class Command(BaseCommand):
    help = "Write an encrypted backup of this node (database, stored files, keys) to FILE."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", required=True, help="the backup file to write")
        parser.add_argument("--key-file", default=None, help="a file holding the operator's key (16 bytes or more)")

    def handle(self, *args: Any, **options: Any) -> None:
        key = operator_key(options["key_file"])
        try:
            report = backup_create(output=Path(options["output"]), key=key)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            json.dumps(
                {"backup": str(report.path), "bytes": report.bytes, "files": report.files, **report.manifest["counts"]},
                ensure_ascii=False,
            )
        )
