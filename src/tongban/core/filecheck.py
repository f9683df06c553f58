"""What an uploaded file really is: its kind from its first bytes, then its whole content parsed (ADR 0020).

The first bytes say which parser to use, never whether the file is good. Accepted are:

- **PDF**: read with pypdf; it must have a readable page tree with 1 to ``max_pdf_pages`` pages and
  no active content (JavaScript, launch actions, embedded files, XFA forms). A file of five bytes
  ``%PDF-`` has no page tree and is refused.
- **JPEG and PNG**: decoded with Pillow, after the declared size is checked against ``max_pixels``
  (a small file may declare a gigapixel image); a truncated or corrupt image is refused.
- **OFD** (GB/T 33190): a ZIP package whose root holds ``OFD.xml`` with an ``OFD`` root element. The
  package is checked from its central directory first (at most ``max_zip_entries`` entries, no
  encrypted or oddly compressed entry, no name leaving the package, declared sizes within
  ``max_inflated_bytes`` and ``max_compression_ratio``), then every entry is inflated while counting
  (the declared sizes may lie) and its checksum verified. ``OFD.xml`` may not declare a DTD or entities.

No accepted file may contain HTML markup in its raw bytes (``<script``, ``<html``, ``<svg``, …): such a
polyglot is what a browser could be tricked into rendering as a page. The patterns are long enough
that compressed image or PDF data matches one by chance about once in tens of thousands of
maximal (10 MiB) uploads; such a file is refused and can be saved again.

Then, if a scanner is configured (``core.scanning``, e.g. ClamAV's clamd), the file is scanned; a
scanner that cannot be reached refuses the upload (fail closed).
"""

from __future__ import annotations

import logging
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ApplicationError
from tongban.core.scanning import scan
from tongban.core.upload_errors import (
    UploadActiveContent,
    UploadArchiveTooLarge,
    UploadDamaged,
    UploadTooManyPixels,
    UploadTypeNotAllowed,
)

ALLOWED_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/ofd": ".ofd",
}
OFD_ROOT_ENTRY = "OFD.xml"
OFD_NAMESPACE = "http://www.ofdspec.org/2016"
CHUNK = 1024 * 1024

# Markup a browser would render or run; each followed by a character that ends a tag name.
_HTML = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|frame|object|embed|svg|img|meta|link|base|form|style)"
    rb"[\s/>]|javascript:",
    re.IGNORECASE,
)
_OVERLAP = 32

logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Limits:
    """What an accepted file may be at most (settings ``TONGBAN_UPLOAD_*``)."""

    max_pixels: int = 50_000_000
    max_pdf_pages: int = 1000
    max_zip_entries: int = 10_000
    max_inflated_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: int = 100

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_pixels=int(getattr(settings, "TONGBAN_UPLOAD_MAX_PIXELS", cls.max_pixels)),
            max_pdf_pages=int(getattr(settings, "TONGBAN_UPLOAD_MAX_PDF_PAGES", cls.max_pdf_pages)),
            max_zip_entries=int(getattr(settings, "TONGBAN_UPLOAD_MAX_ZIP_ENTRIES", cls.max_zip_entries)),
            max_inflated_bytes=int(getattr(settings, "TONGBAN_UPLOAD_MAX_INFLATED_BYTES", cls.max_inflated_bytes)),
            max_compression_ratio=int(
                getattr(settings, "TONGBAN_UPLOAD_MAX_COMPRESSION_RATIO", cls.max_compression_ratio)
            ),
        )


def inspect(path: Path, *, limits: Limits | None = None) -> str:
    """The accepted content type of the file at ``path`` after parsing it whole; raises an ``upload_*`` error."""
    limits = limits or Limits.from_settings()
    kind = filetype.guess(str(path))
    mime = str(kind.mime) if kind is not None else ""
    if mime not in ("application/pdf", "image/jpeg", "image/png", "application/zip"):
        raise UploadTypeNotAllowed(details={"allowed": sorted(ALLOWED_TYPES)})
    if mime != "application/zip" and contains_markup(path):
        raise UploadActiveContent()
    if mime == "application/pdf":
        _check_pdf(path, limits)
    elif mime in ("image/jpeg", "image/png"):
        _check_image(path, mime, limits)
    else:
        with path.open("rb") as handle:
            check_zip(handle, limits)
        _check_ofd(path)
        mime = "application/ofd"
    scan(path)
    return mime


def contains_markup(path: Path) -> bool:
    """Whether the raw bytes hold HTML markup (read in chunks that overlap by the longest pattern)."""
    tail = b""
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            if _HTML.search(tail + block):
                return True
            tail = block[-_OVERLAP:]
    return False


# ---------------------------------------------------------------- PDF

_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition"}


def _check_pdf(path: Path, limits: Limits) -> None:
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                raise UploadDamaged(_("Encrypted PDF files are not accepted: remove the password and upload it again."))
            count = len(reader.pages)
            if not 1 <= count <= limits.max_pdf_pages:
                raise UploadDamaged(details={"pages": count, "max_pages": limits.max_pdf_pages})
            root = reader.trailer["/Root"].get_object()
            active = _pdf_active_content(root, reader)
    except ApplicationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors for a broken file
        raise UploadDamaged() from exc
    if active:
        raise UploadActiveContent(details={"found": active})


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _is_active_action(action: Any) -> bool:
    action = _resolve(action)
    return hasattr(action, "get") and str(action.get("/S", "")) in _ACTIVE_ACTIONS


def _pdf_active_content(root: Any, reader: Any) -> str:
    """The first kind of active content found in the document, or ''."""
    names = _resolve(root.get("/Names")) or {}
    if "/JavaScript" in names:
        return "javascript"
    if "/EmbeddedFiles" in names:
        return "embedded_files"
    form = _resolve(root.get("/AcroForm")) or {}
    if "/XFA" in form:
        return "xfa"
    if _is_active_action(root.get("/OpenAction")):
        return "open_action"
    additional = _resolve(root.get("/AA")) or {}
    if any(_is_active_action(additional[key]) for key in additional):
        return "document_action"
    for page in reader.pages:
        page_actions = _resolve(page.get("/AA")) or {}
        if any(_is_active_action(page_actions[key]) for key in page_actions):
            return "page_action"
        for annotation in _resolve(page.get("/Annots")) or []:
            annotation = _resolve(annotation)
            if _is_active_action(annotation.get("/A")) or str(annotation.get("/Subtype", "")) == "/FileAttachment":
                return "annotation_action"
    return ""


# ---------------------------------------------------------------- images


def _check_image(path: Path, mime: str, limits: Limits) -> None:
    from PIL import Image

    expected = "JPEG" if mime == "image/jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != expected:
                    raise UploadDamaged()
                width, height = image.size
                if width < 1 or height < 1:
                    raise UploadDamaged()
                if width * height > limits.max_pixels:
                    raise UploadTooManyPixels(details={"pixels": width * height, "max_pixels": limits.max_pixels})
                if expected == "JPEG":
                    # every coefficient is still decoded (the whole stream checked), at an eighth of the size
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ApplicationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadTooManyPixels(details={"max_pixels": limits.max_pixels}) from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError… for a broken image
        raise UploadDamaged() from exc


# ---------------------------------------------------------------- ZIP packages (OFD; also .xlsx imports)


def check_zip(handle: IO[bytes], limits: Limits | None = None) -> None:
    """Check a ZIP package against ``limits`` from its directory, then inflate every entry while counting.

    Raises ``UploadArchiveTooLarge`` (too many entries, too large, too compressed) or ``UploadDamaged``.
    """
    limits = limits or Limits.from_settings()
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UploadDamaged() from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_zip_entries:
            raise UploadArchiveTooLarge(details={"entries": len(infos), "max_entries": limits.max_zip_entries})
        declared = 0
        for info in infos:
            name = info.filename
            if (
                info.flag_bits & 0x1
                or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                or name.startswith(("/", "\\"))
                or ".." in name.replace("\\", "/").split("/")
                or "\x00" in name
            ):
                raise UploadDamaged(details={"entry": name[:100]})
            declared += info.file_size
            if declared > limits.max_inflated_bytes:
                raise UploadArchiveTooLarge(details={"max_inflated_bytes": limits.max_inflated_bytes})
            if info.file_size > CHUNK and info.file_size > limits.max_compression_ratio * max(1, info.compress_size):
                raise UploadArchiveTooLarge(details={"entry": name[:100], "max_ratio": limits.max_compression_ratio})
        inflated = 0
        try:
            for info in infos:
                with archive.open(info) as member:
                    while block := member.read(CHUNK):
                        inflated += len(block)
                        if inflated > limits.max_inflated_bytes:
                            raise UploadArchiveTooLarge(details={"max_inflated_bytes": limits.max_inflated_bytes})
        except ApplicationError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise UploadDamaged() from exc  # a wrong checksum or size, a truncated entry, a password


def _check_ofd(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        if OFD_ROOT_ENTRY not in archive.namelist():
            raise UploadTypeNotAllowed(details={"allowed": sorted(ALLOWED_TYPES)})
        document = archive.read(OFD_ROOT_ENTRY)
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", document, re.IGNORECASE):
        raise UploadActiveContent(details={"found": "xml_dtd"})
    try:
        root = ElementTree.fromstring(document)  # noqa: S314 (no DTD, so no entity expansion)
    except ElementTree.ParseError as exc:
        raise UploadDamaged() from exc
    if root.tag not in (f"{{{OFD_NAMESPACE}}}OFD", "OFD"):
        raise UploadDamaged(details={"root": root.tag[:100]})
