"""Uploads are parsed, not only sniffed: files that merely start like an accepted kind, polyglots,
decompression bombs and archives of too many parts are refused, and nothing of them is kept.
ClamAV's daemon, when configured, scans what is accepted (a real clamd with a test signature)."""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pytest_django.fixtures import Settings as SettingsWrapper

from tongban.cases import uploads
from tongban.cases.tests.factories import PDF_BYTES
from tongban.core.tests.files import OFD_XML, raw_zip, stored, zip_bomb
from tongban.core.upload_errors import UploadRefused

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    return tmp_path / "files"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def refused(content: bytes, name: str = "material.pdf") -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        uploads.store_upload(case_id=1, source=SimpleUploadedFile(name, content), original_name=name)
    return caught.value


# --- PDF ----------------------------------------------------------------------------------------------


def test_a_five_byte_pdf_header_is_not_a_pdf(files_dir: Path) -> None:
    error = refused(b"%PDF-")
    assert error.code == "upload_damaged" and error.status == 415
    assert "损坏" in str(error.message)
    assert stored_files(files_dir) == []


def test_a_pdf_without_pages_is_refused() -> None:
    empty = PDF_BYTES.replace(b"/Count 1\n/Kids [ 4 0 R ]", b"/Count 0\n/Kids [     ]")
    assert refused(empty).code == "upload_damaged"


@pytest.mark.parametrize(
    "content",
    [
        PDF_BYTES + b"<html><body><script>alert(document.cookie)</script></body></html>\n",
        PDF_BYTES.replace(b"%PDF-1.3\n", b"%PDF-1.3\n%<script>fetch('/api/v1/cases/mine')</script>\n", 1),
        PDF_BYTES + b'<svg onload="alert(1)">',
    ],
    ids=["html-after-eof", "script-in-a-comment", "svg"],
)
def test_pdf_html_polyglots_are_refused(files_dir: Path, content: bytes) -> None:
    error = refused(content)
    assert error.code == "upload_active_content"
    assert stored_files(files_dir) == []


@pytest.mark.parametrize("found", ["javascript", "embedded_files"])
def test_a_pdf_with_scripts_or_embedded_files_is_refused(found: str) -> None:
    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    if found == "javascript":
        writer.add_open_action(JavaScript("app.alert('hello');"))
    else:
        writer.add_attachment("run.exe", b"MZ")
    buffer = io.BytesIO()
    writer.write(buffer)
    error = refused(buffer.getvalue())
    assert error.code == "upload_active_content" and error.details == {"found": found}


# --- images -------------------------------------------------------------------------------------------


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def test_a_png_html_polyglot_is_refused(files_dir: Path) -> None:
    error = refused(png_with_text("<html><script>alert(document.domain)</script></html>"), "photo.png")
    assert error.code == "upload_active_content"
    assert stored_files(files_dir) == []


def test_a_png_with_a_harmless_comment_is_accepted() -> None:
    content = png_with_text("scanned at the service window")
    stored = uploads.store_upload(case_id=1, source=io.BytesIO(content), original_name="photo.png")
    assert stored.content_type == "image/png"


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def test_a_tiny_png_declaring_ten_billion_pixels_is_refused_before_decoding() -> None:
    content = png_declaring(100_000, 100_000)
    assert len(content) < 100
    started = time.monotonic()
    error = refused(content, "bomb.png")
    assert error.code == "upload_too_many_pixels" and error.status == 413
    assert time.monotonic() - started < 5


def test_the_pixel_limit_is_a_setting(settings: SettingsWrapper) -> None:
    settings.TONGBAN_UPLOAD_MAX_PIXELS = 50 * 50
    buffer = io.BytesIO()
    Image.new("RGB", (60, 60)).save(buffer, format="JPEG")
    assert refused(buffer.getvalue(), "x.jpg").code == "upload_too_many_pixels"


def test_truncated_images_are_refused() -> None:
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 50).convert("RGB").save(buffer, format="JPEG", quality=95)
    jpeg = buffer.getvalue()
    assert refused(jpeg[: len(jpeg) // 2], "half.jpg").code == "upload_damaged"
    buffer = io.BytesIO()
    Image.effect_noise((64, 64), 50).save(buffer, format="PNG")
    png = buffer.getvalue()
    assert refused(png[: len(png) // 2], "half.png").code == "upload_damaged"


# --- OFD (ZIP) ------------------------------------------------------------------------------------------


def test_the_raw_zip_writer_makes_packages_that_python_reads() -> None:
    import zipfile

    package = raw_zip([stored("OFD.xml", OFD_XML), stored("Doc_0/Document.xml", b"<ofd:Document/>")])
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.testzip() is None
        assert archive.read("OFD.xml") == OFD_XML
    stored_file = uploads.store_upload(case_id=1, source=io.BytesIO(package), original_name="证明.ofd")
    assert stored_file.content_type == "application/ofd"


def test_a_zip_bomb_named_ofd_is_refused_from_its_directory(files_dir: Path) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    started = time.monotonic()
    error = refused(bomb, "证明.ofd")
    assert error.code == "upload_archive_too_large" and error.status == 413
    assert time.monotonic() - started < 10
    assert stored_files(files_dir) == []


def test_an_archive_that_inflates_past_the_total_limit_is_refused_while_inflating(settings: SettingsWrapper) -> None:
    # given a limit of 1 MiB in all and a package whose directory understates its entries
    settings.TONGBAN_UPLOAD_MAX_INFLATED_BYTES = 1024 * 1024
    parts = [stored("OFD.xml", OFD_XML)]
    parts += [stored(f"Doc_0/Res/{i}.bin", os.urandom(300 * 1024)) for i in range(4)]
    assert refused(raw_zip(parts), "big.ofd").code == "upload_archive_too_large"


def test_an_ofd_with_sixty_thousand_entries_is_refused(files_dir: Path) -> None:
    package = raw_zip([stored("OFD.xml", OFD_XML)] + [stored(f"{i:x}", b"") for i in range(60_000)])
    error = refused(package, "many.ofd")
    assert error.code == "upload_archive_too_large"
    assert error.details == {"entries": 60_001, "max_entries": 10_000}
    assert stored_files(files_dir) == []


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&a;</ofd:OFD>', "upload_active_content"),
        (b"<html><body>not an OFD</body></html>", "upload_damaged"),
        (b"<ofd:OFD xmlns:ofd=", "upload_damaged"),
    ],
)  # fmt: skip
def test_an_ofd_whose_root_document_is_not_an_ofd_document_is_refused(document: bytes, code: str) -> None:
    assert refused(raw_zip([stored("OFD.xml", document)]), "x.ofd").code == code


def test_entries_leaving_the_package_are_refused() -> None:
    package = raw_zip([stored("OFD.xml", OFD_XML), stored("../../etc/cron.d/x", b"* * * * * root id")])
    assert refused(package, "x.ofd").code == "upload_damaged"


def test_a_corrupted_entry_is_refused() -> None:
    package = bytearray(raw_zip([stored("OFD.xml", OFD_XML), stored("Doc_0/a.xml", b"<a>hello</a>")]))
    position = package.index(b"<a>hello")
    package[position + 3] ^= 0xFF  # the data no longer matches its CRC-32
    assert refused(bytes(package), "x.ofd").code == "upload_damaged"


# --- the antivirus hook: a real ClamAV daemon ---------------------------------------------------------------

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
# The EICAR anti-virus test string, assembled here so that this source file itself is not flagged.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()


@pytest.fixture(scope="module")
def clamd_socket() -> Iterator[str]:
    """A real clamd on a Unix socket, with one signature of its own: the EICAR test string.

    Its signature database is written here (ClamAV's official databases are downloaded by freshclam,
    which this machine cannot reach); the scanning engine and the protocol are ClamAV's own.
    """
    if not os.path.exists(CLAMD):
        if os.environ.get("CI") == "true":
            pytest.fail("required under CI: ClamAV's clamd (Debian's clamav-daemon; scripts/ensure-clamav.sh)")
        pytest.skip("ClamAV's clamd is not installed (apt-get install clamav-daemon)")
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    (folder / "db").mkdir()
    (folder / "db" / "tongban-test.ndb").write_text(f"Tongban.Test.EICAR:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.sock"
    (folder / "clamd.conf").write_text(
        f"DatabaseDirectory {folder / 'db'}\nLocalSocket {socket_path}\nForeground yes\n"
        f"LogFile {folder / 'clamd.log'}\nPidFile {folder / 'clamd.pid'}\nStreamMaxLength 20M\n"
    )
    process = subprocess.Popen([CLAMD, "-c", str(folder / "clamd.conf")])  # noqa: S603
    try:
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.05)
        yield f"unix://{socket_path}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def test_clamd_scans_accepted_uploads_and_refuses_what_it_finds(
    settings: SettingsWrapper, clamd_socket: str, files_dir: Path
) -> None:
    from tongban.core.scanning import ClamdScanner

    settings.TONGBAN_UPLOAD_SCANNER = "clamd"
    settings.TONGBAN_CLAMD_ADDRESS = clamd_socket
    assert ClamdScanner(clamd_socket).ping()
    # a clean PDF is scanned and stored
    clean = uploads.store_upload(case_id=1, source=io.BytesIO(PDF_BYTES), original_name="clean.pdf")
    assert clean.content_type == "application/pdf"
    # a well-formed PDF carrying the test virus after its end is refused with the signature's name
    error = refused(PDF_BYTES + EICAR + b"\n", "infected.pdf")
    assert error.code == "upload_infected" and error.status == 422
    assert error.details == {"signature": "Tongban.Test.EICAR.UNOFFICIAL"}
    assert stored_files(files_dir) == [clean.absolute_path]


def test_an_unreachable_scanner_refuses_the_upload(settings: SettingsWrapper, files_dir: Path, tmp_path: Path) -> None:
    settings.TONGBAN_UPLOAD_SCANNER = "clamd"
    settings.TONGBAN_CLAMD_ADDRESS = f"unix://{tmp_path / 'no-clamd.sock'}"
    error = refused(PDF_BYTES)
    assert error.code == "upload_scan_unavailable" and error.status == 503
    assert stored_files(files_dir) == []


def test_no_scanner_is_used_unless_configured(settings: SettingsWrapper) -> None:
    from tongban.core.scanning import configured_scanner

    settings.TONGBAN_UPLOAD_SCANNER = ""
    assert configured_scanner() is None
