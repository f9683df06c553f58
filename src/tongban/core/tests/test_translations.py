"""Every user-facing string has a Simplified Chinese translation."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parents[2]
PO_FILES = sorted(SRC.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def test_every_app_with_strings_has_a_catalog() -> None:
    assert len(PO_FILES) >= 5


@pytest.mark.parametrize("po_file", PO_FILES, ids=lambda p: p.parts[-5])
def test_catalog_is_fully_translated(po_file: Path) -> None:
    po = polib.pofile(str(po_file))
    untranslated = [e.msgid for e in po if not e.translated() and not e.obsolete]
    assert untranslated == [], f"untranslated in {po_file}: {untranslated}"
