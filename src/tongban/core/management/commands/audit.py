from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.audit import verify_all


class Command(BaseCommand):
    help = "Audit trail tools: 'audit verify [--stream S ...]' checks every hash chain."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--stream", action="append", help="check only these streams")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_all(options["stream"])
        for p in problems:
            self.stderr.write(f"{p.stream}#{p.seq}: {p.problem}")
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found in the audit chains")
        self.stdout.write("audit chains intact")
