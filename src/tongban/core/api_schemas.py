"""The one error shape of the HTTP API as a schema, for the operations' documented error responses."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """``ApplicationError.as_dict()``: a stable code, a message in the caller's language, maybe details."""

    code: str
    message: str
    details: Any = None
