"""JSON from strangers, bounded before it is parsed: size first, then nesting depth, then ``json.loads``.

Python's parser recurses once per level of nesting: 100,000 ``[`` raise ``RecursionError`` deep in
the parser (a server error). ``nesting_depth`` measures the depth without recursion, in one pass
that never looks back (linear time whatever the input): one regular expression finds the strings
(whose brackets do not count) and the brackets; an unterminated string ends the walk (the text is
not JSON), and so does passing the limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tongban.core.http_errors import JSONTooDeep, MalformedJSON, RequestTooLarge

MAX_DEPTH = 32
# a whole string (the unrolled form: no backtracking), a bracket, or a quote that starts no whole string
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]|"', re.DOTALL)
UNTERMINATED = -1


def nesting_depth(body: bytes, *, stop_above: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays and objects in ``body`` (a JSON text).

    Stops early: returns ``stop_above + 1`` once the limit is passed, and ``UNTERMINATED`` at a
    string that never ends. A text with no more brackets than the limit is not walked at all (and
    reported as depth 0 or 1: it cannot pass the limit).
    """
    if body.count(b"[") + body.count(b"{") <= stop_above:
        return 0 if b"[" not in body and b"{" not in body else 1  # cannot be deeper than the limit
    depth = deepest = 0
    for match in _TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    return deepest
        elif token in (b"]", b"}"):
            depth -= 1
        elif token == b'"':
            return UNTERMINATED
    return deepest


def loads_bounded(body: bytes | str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON text no longer than ``max_bytes`` and nested no deeper than ``max_depth``.

    Raises ``RequestTooLarge`` (413), ``JSONTooDeep`` or ``MalformedJSON`` (400): each an
    ``ApplicationError`` with its stable code.
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(raw) > max_bytes:
        raise RequestTooLarge(details={"max_bytes": max_bytes})
    depth = nesting_depth(raw, stop_above=max_depth)
    if depth > max_depth:
        raise JSONTooDeep(details={"max_depth": max_depth})
    if depth == UNTERMINATED:
        raise MalformedJSON()
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise MalformedJSON() from exc
