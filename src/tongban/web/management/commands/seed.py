"""``tongban seed demo`` loads the demo data (idempotent); ``tongban seed synthetic`` makes a large catalog.

It lives in ``web``, the top layer, because it loads every app's data (ADR 0021).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from tongban.catalog.synthetic import generate

# Demo loaders in dependency order; each is idempotent and takes ``stdout``.
DEMO_LOADERS = [
    "tongban.regions.demo.load",
    "tongban.accounts.demo.load",
    "tongban.catalog.demo.load",
    "tongban.licences.demo.load",
    "tongban.sharing.demo.load",
    "tongban.hotline.demo.load",
    "tongban.trading.demo.load",
]
# Loaders that take ``only_region`` (``seed demo --own-region``); licences and hotline always load this
# node's region, regions and the catalog (with the other regions' lists as imported copies) load all.
REGION_FILTERED_LOADERS = {"tongban.accounts.demo.load"}


class Command(BaseCommand):
    help = "Load data: 'seed demo' (demo regions, departments, accounts, catalog…) or 'seed synthetic'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        demo = sub.add_parser("demo", help="load the demo data (safe to run again)")
        demo.add_argument(
            "--own-region",
            action="store_true",
            help="people (staff, residents, enterprises) of this node's region only, as in the three-node demo",
        )
        synthetic = sub.add_parser("synthetic", help="generate a large synthetic catalog for benchmarks")
        synthetic.add_argument("--items", type=int, default=3508)
        synthetic.add_argument("--region", default=None, help="region code (default: this node's)")
        synthetic.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable catalogs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "demo":
            only_region = str(settings.TONGBAN_REGION) if options["own_region"] else None
            for path in DEMO_LOADERS:
                if path in REGION_FILTERED_LOADERS:
                    import_string(path)(stdout=self.stdout, only_region=only_region)
                else:
                    import_string(path)(stdout=self.stdout)
        else:
            count = generate(items=options["items"], region_code=options["region"], seed=options["seed"])
            self.stdout.write(f"{count} synthetic items published")
