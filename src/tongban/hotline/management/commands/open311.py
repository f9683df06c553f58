"""``tongban open311 keys create NAME`` prints a new API key (only its hash is stored)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.errors import ApplicationError
from tongban.hotline.services import open311_key_create


class Command(BaseCommand):
    help = "Open311 API keys: 'open311 keys create NAME'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("what", choices=["keys"])
        parser.add_argument("action", choices=["create"])
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _record, key = open311_key_create(name=options["name"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(key)
