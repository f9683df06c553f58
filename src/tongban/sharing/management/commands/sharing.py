"""``tongban sharing verify-log`` checks the access log's hash chains; ``expire`` ends lapsed
approvals (daily); ``anomalies`` scans recent reads for supervisors."""

from __future__ import annotations

import datetime as dt
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongban.sharing import services, store


class Command(BaseCommand):
    help = "Data sharing: verify-log | expire | anomalies"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("verify-log", help="check every lane of the access log (exit 1 on a problem)")
        sub.add_parser("expire", help="move approvals whose period is over to expired")
        anomalies = sub.add_parser("anomalies", help="scan recent reads for anomalies")
        anomalies.add_argument("--days", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "verify-log":
            started = time.monotonic()
            checked, problems = store.verify()
            for p in problems:
                self.stdout.write(f"lane {p.lane} #{p.seq}: {p.problem}")
            self.stdout.write(
                f"{checked} entries checked in {time.monotonic() - started:.1f} s, {len(problems)} problems"
            )
            if problems:
                raise CommandError("the access log does not verify")
        elif options["what"] == "expire":
            self.stdout.write(f"{services.approvals_expire()} approvals expired")
        else:
            found = services.anomalies_scan(since=timezone.now() - dt.timedelta(days=options["days"]))
            self.stdout.write(f"{len(found)} new anomalies")
