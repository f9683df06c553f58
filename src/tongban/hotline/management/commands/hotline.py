"""``tongban hotline tick`` (overdue tickets to 督办), ``train`` (dispatch model), ``kb-export`` / ``kb-import``,
``kb-pull [REGION]`` (ask peer nodes for their shared knowledge base over the federation)."""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.context import RequestContext, bound
from tongban.core.errors import ApplicationError
from tongban.hotline import dispatch, federation, services


class Command(BaseCommand):
    help = "12345 hotline: 'tick', 'train', 'kb-export [FILE]', 'kb-import FILE', 'kb-pull [REGION]'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["tick", "train", "kb-export", "kb-import", "kb-pull"])
        parser.add_argument("file", nargs="?", default="-", help="the file (kb-export, kb-import) or region (kb-pull)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        with bound(RequestContext(source="cli")):
            if action == "tick":
                report = services.hotline_tick()
                self.stdout.write(f"supervised {len(report.supervised)}")
                for number in report.supervised:
                    self.stdout.write(f"  {number}")
            elif action == "train":
                result = dispatch.train()
                if result.model is None:
                    raise CommandError("not enough answered tickets to train on")
                self.stdout.write(
                    f"trained on {result.samples} tickets; held-out accuracy {result.accuracy:.3f}, "
                    f"rules {result.rule_accuracy:.3f}"
                )
            elif action == "kb-pull":
                region = None if options["file"] == "-" else options["file"]
                try:
                    asked = federation.kb_pull(actor=None, region=region)
                except ApplicationError as exc:
                    raise CommandError(f"{exc.code}: {exc.message}") from exc
                self.stdout.write("asked " + (", ".join(asked) or "no peer"))
            elif action == "kb-export":
                text = json.dumps(services.kb_export_shareable(), ensure_ascii=False, indent=1)
                if options["file"] == "-":
                    self.stdout.write(text)
                else:
                    with open(options["file"], "w", encoding="utf-8") as fh:
                        fh.write(text)
            else:
                try:
                    if options["file"] == "-":
                        raw = sys.stdin.read()
                    else:
                        with open(options["file"], encoding="utf-8") as fh:
                            raw = fh.read()
                    imported = services.kb_import(document=json.loads(raw))
                except (OSError, json.JSONDecodeError) as exc:
                    raise CommandError(f"cannot read the export: {exc}") from exc
                except ApplicationError as exc:
                    raise CommandError(f"{exc.code}: {exc.message}") from exc
                self.stdout.write(
                    f"created {imported.created}, updated {imported.updated}, unchanged {imported.unchanged}"
                )
