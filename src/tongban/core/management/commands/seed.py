"""``tongban seed demo`` loads the demo data (idempotent); ``tongban seed synthetic`` makes a large catalog."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

# Demo loaders in dependency order; each is idempotent and takes ``stdout``.
DEMO_LOADERS = [
    "tongban.regions.demo.load",
    "tongban.accounts.demo.load",
    "tongban.catalog.demo.load",
    "tongban.licences.demo.load",
    "tongban.hotline.demo.load",
]


class Command(BaseCommand):
    help = "Load data: 'seed demo' (demo regions, departments, accounts, catalog…) or 'seed synthetic'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("demo", help="load the demo data (safe to run again)")
        synthetic = sub.add_parser("synthetic", help="generate a large synthetic catalog for benchmarks")
        synthetic.add_argument("--items", type=int, default=3508)
        synthetic.add_argument("--region", default=None, help="region code (default: this node's)")
        synthetic.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable catalogs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "demo":
            for path in DEMO_LOADERS:
                import_string(path)(stdout=self.stdout)
        else:
            from tongban.catalog.synthetic import generate

            count = generate(items=options["items"], region_code=options["region"], seed=options["seed"])
            self.stdout.write(f"{count} synthetic items published")
