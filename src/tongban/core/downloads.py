"""One way to send a stored or generated file to a browser or a program (every download of the node).

A file someone uploaded can be made to look like a web page (a PDF or PNG with HTML inside); a
browser that shows it inline on this site's origin would run its script with the viewer's session.
So every download is an attachment (never shown inline), of its declared type with ``nosniff``,
under a sandbox Content-Security-Policy without any source (``sandbox; default-src 'none'``), and
``no-store``: personal files are not kept in shared or browser caches.
"""

from __future__ import annotations

from typing import IO
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

from tongban.core.security import DOWNLOAD_CONTENT_SECURITY_POLICY


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real (UTF-8) name as ``filename*`` (RFC 6266)."""
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in '"\\/;') or "download"
    ascii_name = cleaned.encode("ascii", "ignore").decode() or "download"
    if ascii_name == cleaned:
        return f'attachment; filename="{ascii_name}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def protect(response: HttpResponse | StreamingHttpResponse | FileResponse, *, filename: str) -> None:
    """Give an existing response the headers of a download (see the module's notes)."""
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = DOWNLOAD_CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"


def attachment(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A download of bytes or text made in memory (a signed PDF, a credential, a CSV)."""
    response = HttpResponse(content, content_type=content_type)
    protect(response, filename=filename)
    return response


def attachment_file(handle: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A download of an open file, streamed and then closed (a stored upload)."""
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    protect(response, filename=filename)
    return response
