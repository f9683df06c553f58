"""The one check of text and JSON that comes in from outside (ADR 0020).

Every entry calls it: the API (the request parser checks every parsed body, query and form value;
JSON fields in schemas use ``JsonObject`` for their depth and size), web forms and form posts
(``TextInputMiddleware``), imports (catalog workbooks, licence files) and federation payloads. What
it refuses can never be stored, so nothing stored can make a page fail later:

- the NUL character and the other C0 control characters but tab, line feed and carriage return
  (and DEL), which PostgreSQL refuses or terminals and exports misread;
- lone UTF-16 surrogates (``"\\ud800"`` in JSON), which cannot be encoded as UTF-8: the database
  refuses them, or a page that shows them fails;
- text longer than a bound, JSON nested deeper than ``MAX_JSON_DEPTH`` or bigger than
  ``MAX_JSON_BYTES`` (as UTF-8 JSON), or with more than ``MAX_JSON_ITEMS`` values.

Refusals are ``ValidationFailed`` with the code ``invalid_text`` (``json_too_deep``,
``json_too_large``, ``text_too_long``) and ``details`` naming where (``{"field": "form_data.name"}``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from tongban.core.errors import ValidationFailed

MAX_TEXT_LENGTH = 100_000
MAX_JSON_DEPTH = 16
MAX_JSON_BYTES = 1_000_000
MAX_JSON_ITEMS = 10_000

# C0 controls but \t \n \r, DEL, and every UTF-16 surrogate code point (only lone ones can occur
# in a Python str decoded from JSON; a valid pair is decoded to one code point above U+FFFF).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class TextRefused(ValidationFailed):
    default_code = "invalid_text"
    default_message = _("The text contains characters that are not allowed (control characters or broken Unicode).")

    @property
    def field(self) -> str:
        """Where the refused text was (``form_data.name``, ``items[3].title``), if known."""
        return str(self.details.get("field", "")) if isinstance(self.details, dict) else ""


def text_problem(value: str) -> str | None:
    """``"nul"``, ``"control"`` or ``"surrogate"`` for the first refused character, ``None`` if clean."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "nul"
    return "surrogate" if "\ud800" <= char <= "\udfff" else "control"


def _where(field: str) -> dict[str, Any]:
    return {"field": field} if field else {}


def clean_text(value: str, *, max_length: int = MAX_TEXT_LENGTH, field: str = "") -> str:
    """``value`` if it may be stored; raises ``TextRefused`` (``invalid_text``/``text_too_long``)."""
    problem = text_problem(value)
    if problem is not None:
        raise TextRefused(details={**_where(field), "problem": problem})
    if len(value) > max_length:
        raise TextRefused(
            _("The text is too long (at most %(n)d characters).") % {"n": max_length},
            code="text_too_long",
            details=_where(field),
        )
    return value


def check_json(
    value: Any,
    *,
    field: str = "",
    max_depth: int = MAX_JSON_DEPTH,
    max_bytes: int = MAX_JSON_BYTES,
    max_items: int = MAX_JSON_ITEMS,
    max_text: int = MAX_TEXT_LENGTH,
) -> Any:
    """``value`` (parsed JSON: dicts, lists, strings, numbers, booleans, None) if every key and string
    in it is clean and it is within the bounds; raises ``TextRefused`` otherwise. Iterative, so a
    deep value cannot exhaust the stack while it is checked."""
    size = 0
    items = 0
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        node, path, depth = stack.pop()
        items += 1
        if items > max_items:
            raise TextRefused(_("The data has too many values."), code="json_too_large", details=_where(field))
        if isinstance(node, str):
            clean_text(node, max_length=max_text, field=path)
            size += len(node.encode("utf-8")) + 2
        elif isinstance(node, dict):
            if depth >= max_depth:
                raise TextRefused(_("The data is nested too deeply."), code="json_too_deep", details=_where(path))
            for key, sub in node.items():
                key_text = str(key)
                sub_path = f"{path}.{key_text}" if path else key_text
                clean_text(key_text, max_length=200, field=sub_path)
                size += len(key_text.encode("utf-8")) + 4
                stack.append((sub, sub_path, depth + 1))
        elif isinstance(node, list | tuple):
            if depth >= max_depth:
                raise TextRefused(_("The data is nested too deeply."), code="json_too_deep", details=_where(path))
            for index, sub in enumerate(node):
                stack.append((sub, f"{path}[{index}]", depth + 1))
                size += 1
        else:
            size += 8
        if size > max_bytes:
            raise TextRefused(_("The data is too large."), code="json_too_large", details=_where(field))
    return value


# ---------------------------------------------------------------- pydantic (API schemas)

MAX_FORM_DEPTH = 4
MAX_FORM_BYTES = 256 * 1024


def _pydantic_json(value: Any) -> Any:
    try:
        return check_json(value, max_depth=MAX_FORM_DEPTH, max_bytes=MAX_FORM_BYTES, max_items=2000)
    except TextRefused as exc:
        raise PydanticCustomError(exc.code, str(exc.message), {"field": exc.field}) from None


JsonObject = Annotated[dict[str, Any], AfterValidator(_pydantic_json)]
"""A free-form JSON object of an API schema (form data, licence fields): clean text, at most
``MAX_FORM_DEPTH`` levels and ``MAX_FORM_BYTES`` (the whole body is bounded by the parser)."""
