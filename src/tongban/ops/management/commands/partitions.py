"""``tongban partitions apply|ensure|status``: monthly partitions of the big append-only tables (PostgreSQL)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from tongban.ops import partitioning


class Command(BaseCommand):
    help = "Monthly partitions (PostgreSQL): 'apply' partitions the tables, 'ensure' adds coming months, 'status'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["apply", "ensure", "status"])

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("partitions_need_postgresql: monthly partitions are a PostgreSQL feature")
        action = options["action"]
        if action == "apply":
            result: Any = partitioning.apply()
        elif action == "ensure":
            result = partitioning.ensure()
        else:
            result = {
                spec.table: partitioning.partitions_of(spec.table) if partitioning.is_partitioned(spec.table) else None
                for spec in partitioning.TABLES
            }
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
