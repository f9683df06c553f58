"""``tongban cases tick``: 容缺 reminders and expiry, and recomputing provisional deadlines (run it daily)."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.cases.services import cases_tick
from tongban.core.context import RequestContext, bound


class Command(BaseCommand):
    help = "Case housekeeping: 'cases tick [--today YYYY-MM-DD]'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["tick"])
        parser.add_argument("--today", help="run as if it were this date (for catching up)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc
        with bound(RequestContext(source="cli")):
            report = cases_tick(today=today)
        self.stdout.write(
            f"reminded {len(report.reminded)}, terminated {len(report.terminated)}, "
            f"deadlines recomputed {len(report.recomputed)}"
        )
        for number in report.terminated:
            self.stdout.write(f"  terminated {number}")
