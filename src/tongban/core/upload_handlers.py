"""Django upload handlers that keep a stranger's file name from breaking the request.

Django shortens a multipart file name to 255 *characters*, but a file name on disk may have only
255 *bytes*: a Chinese extension of 84 characters (252 bytes) makes Django's temporary file for a
large upload fail with ``OSError: File name too long`` (a server error). The name is shortened to
``MAX_NAME_BYTES`` UTF-8 bytes here, before any file is made; an "extension" longer than
``MAX_EXTENSION_CHARS`` is treated as part of the name. The stored file never uses this name (it is
kept as ``original_name`` only; see ``cases.uploads``).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.files.uploadhandler import TemporaryFileUploadHandler

MAX_NAME_BYTES = 200
MAX_EXTENSION_CHARS = 16


def shorten_file_name(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``name`` without folders, at most ``max_bytes`` bytes of UTF-8, its short extension kept."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    stem, extension = os.path.splitext(base)
    if len(extension) > MAX_EXTENSION_CHARS or len(extension.encode("utf-8")) >= max_bytes // 2:
        stem, extension = base, ""
    budget = max_bytes - len(extension.encode("utf-8"))
    stem = stem.encode("utf-8", "ignore")[:budget].decode("utf-8", "ignore")
    return (stem + extension) or "upload"


class SafeNameTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for uploads too large to keep in memory, with the name shortened first."""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, shorten_file_name(file_name), *args, **kwargs)
