"""Material uploads: type by content, size limits, atomic storage, cleanup on rollback."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image
from pypdf import PdfWriter
from pytest_django.fixtures import Settings as SettingsWrapper

from tongban.cases import uploads
from tongban.cases.tests.factories import PDF_BYTES
from tongban.core.errors import NotFound

# Small but real files, made the way the upload checks read them (pypdf, Pillow, zipfile).
PDF = PDF_BYTES


def image(fmt: str, size: tuple[int, int] = (8, 8), **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def pdf_of_size(size: int) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (padded in its metadata)."""

    def build(padding: int) -> bytes:
        writer = PdfWriter()
        writer.add_blank_page(width=100, height=100)
        writer.add_metadata({"/Producer": "x" * padding})
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    padding = 0
    for _ in range(5):  # the offsets in the cross-reference table may gain a digit: adjust again
        content = build(padding)
        if len(content) == size:
            return content
        padding += size - len(content)
    raise AssertionError(f"no PDF of {size} bytes")


PNG = image("PNG")
JPEG = image("JPEG")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 64


def make_ofd() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "OFD.xml", '<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"/>'
        )
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def make_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an OFD document")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def files_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.TONGBAN_FILES_DIR = tmp_path / "files"
    return tmp_path / "files"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "content_type", "suffix"),
    [
        (PDF, "营业执照.pdf", "application/pdf", ".pdf"),
        (PNG, "照片.png", "image/png", ".png"),
        (JPEG, "scan.jpg", "image/jpeg", ".jpg"),
        (make_ofd(), "证明.ofd", "application/ofd", ".ofd"),
        # the name does not matter, the content does
        (PDF, "scan.jpg", "application/pdf", ".pdf"),
    ],
)
def test_accepted_files_are_stored_complete_with_their_digest(
    files_dir: Path, content: bytes, name: str, content_type: str, suffix: str
) -> None:
    # when a file of an accepted kind is stored for case 7
    stored = uploads.store_upload(case_id=7, source=SimpleUploadedFile(name, content), original_name=name)
    # then it lies in the case's folder under a random name with the extension of its real type
    assert stored.content_type == content_type
    assert stored.path.startswith("cases/7/") and stored.path.endswith(suffix)
    assert name not in stored.path
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.absolute_path.read_bytes() == content
    assert stored.original_name == name
    # and nothing else (no temporary file) is left
    assert stored_files(files_dir) == [stored.absolute_path]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "申请书.pdf"),
        (b"just some text, not a PDF at all\n", "notes.pdf"),
        (make_zip(), "archive.ofd"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "pic.png"),
    ],
)
def test_files_whose_content_is_not_accepted_are_refused_and_not_kept(
    files_dir: Path, content: bytes, name: str
) -> None:
    with pytest.raises(uploads.UploadTypeNotAllowed) as caught:
        uploads.store_upload(case_id=1, source=SimpleUploadedFile(name, content), original_name=name)
    assert caught.value.code == "upload_type_not_allowed"
    assert "PDF" in str(caught.value.message) and "文件" in str(caught.value.message)
    assert stored_files(files_dir) == []


@pytest.mark.django_db
def test_oversize_files_are_refused_while_streaming(settings: SettingsWrapper, files_dir: Path) -> None:
    settings.TONGBAN_UPLOAD_MAX_BYTES = 100 * 1024
    content = PDF + b"0" * (200 * 1024)
    with pytest.raises(uploads.UploadTooLarge) as caught:
        uploads.store_upload(case_id=1, source=io.BytesIO(content), original_name="big.pdf")
    assert caught.value.code == "upload_too_large"
    assert caught.value.status == 413
    assert "100 KiB" in str(caught.value.message)
    assert "大" in str(caught.value.message)
    assert stored_files(files_dir) == []


@pytest.mark.django_db
def test_a_file_exactly_at_the_limit_is_accepted(settings: SettingsWrapper) -> None:
    settings.TONGBAN_UPLOAD_MAX_BYTES = 4096
    content = pdf_of_size(4096)
    stored = uploads.store_upload(case_id=1, source=io.BytesIO(content), original_name="x.pdf")
    assert stored.size == 4096


def test_the_default_limit_is_ten_mebibytes(settings: SettingsWrapper) -> None:
    del settings.TONGBAN_UPLOAD_MAX_BYTES
    assert uploads.max_upload_bytes() == 10 * 1024 * 1024


@pytest.mark.django_db
def test_empty_files_are_refused(files_dir: Path) -> None:
    with pytest.raises(uploads.UploadEmpty) as caught:
        uploads.store_upload(case_id=1, source=SimpleUploadedFile("empty.pdf", b""), original_name="empty.pdf")
    assert caught.value.code == "upload_empty"
    assert "空" in str(caught.value.message)
    assert stored_files(files_dir) == []


@pytest.mark.django_db
def test_a_failure_halfway_through_the_stream_leaves_nothing(files_dir: Path) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("connection reset")
            return PDF if self.calls == 1 else b"0" * 1000

    with pytest.raises(OSError, match="connection reset"):
        uploads.store_upload(case_id=1, source=Broken(), original_name="x.pdf")  # type: ignore[arg-type]
    assert stored_files(files_dir) == []


# One test commits for real (the others run inside the test's transaction, where a block that
# fails is rolled back to its savepoint, which drops its commit hooks just like a real rollback).
@pytest.mark.django_db(transaction=True)
def test_real_transactions_keep_committed_files_and_remove_rolled_back_ones(files_dir: Path) -> None:
    # given a file stored inside a transaction that then fails
    with pytest.raises(RuntimeError, match="later step failed"), transaction.atomic():
        dropped = uploads.store_upload(case_id=3, source=io.BytesIO(PDF), original_name="a.pdf")
        assert dropped.absolute_path.exists()
        raise RuntimeError("later step failed")
    # then the file is gone
    assert not dropped.absolute_path.exists()
    assert stored_files(files_dir) == []
    # when a file is stored in a transaction that commits, it stays
    with transaction.atomic():
        kept = uploads.store_upload(case_id=4, source=io.BytesIO(PDF), original_name="a.pdf")
    assert kept.absolute_path.read_bytes() == PDF
    # and deleting it takes effect only once the deleting transaction commits
    with transaction.atomic():
        uploads.delete_stored(kept.path)
        assert kept.absolute_path.exists()
    assert not kept.absolute_path.exists()


@pytest.mark.django_db
def test_a_failed_block_removes_the_files_it_stored(files_dir: Path) -> None:
    with pytest.raises(RuntimeError, match="later step failed"), transaction.atomic():
        stored = uploads.store_upload(case_id=3, source=io.BytesIO(PDF), original_name="a.pdf")
        assert stored.absolute_path.exists()
        raise RuntimeError("later step failed")
    assert not stored.absolute_path.exists()
    assert stored_files(files_dir) == []


@pytest.mark.django_db
def test_a_rolled_back_savepoint_removes_only_its_file(files_dir: Path) -> None:
    with transaction.atomic():
        kept = uploads.store_upload(case_id=3, source=io.BytesIO(PDF), original_name="kept.pdf")
        with pytest.raises(RuntimeError), transaction.atomic():
            dropped = uploads.store_upload(case_id=3, source=io.BytesIO(PNG), original_name="dropped.png")
            raise RuntimeError("inner step failed")
        assert not dropped.absolute_path.exists()
        assert kept.absolute_path.exists()
    assert stored_files(files_dir) == [kept.absolute_path]


def test_storing_outside_a_transaction_is_a_programming_error() -> None:
    # no database access is allowed here, so there is no transaction either
    with pytest.raises(RuntimeError, match="inside a transaction"):
        uploads.store_upload(case_id=4, source=io.BytesIO(PDF), original_name="a.pdf")


def test_paths_outside_the_files_folder_are_refused() -> None:
    with pytest.raises(NotFound):
        uploads.resolve_path("../../etc/passwd")
    with pytest.raises(NotFound):
        uploads.open_stored("cases/1/missing.pdf")


@pytest.mark.django_db
def test_sweep_removes_only_old_unreferenced_files(files_dir: Path) -> None:
    referenced = uploads.store_upload(case_id=6, source=io.BytesIO(PDF), original_name="a.pdf")
    orphan = uploads.store_upload(case_id=6, source=io.BytesIO(PNG), original_name="b.png")
    # nothing is old enough yet
    assert uploads.sweep_orphans(referenced=[referenced.path]) == []
    # an hour later the orphan goes and the referenced file stays
    import time

    removed = uploads.sweep_orphans(referenced=[referenced.path], now=time.time() + 7200)
    assert removed == [orphan.path]
    assert referenced.absolute_path.exists()


def test_original_names_are_reduced_to_a_plain_file_name() -> None:
    assert uploads.clean_name("C:\\Users\\张三\\身份证.pdf") == "身份证.pdf"
    assert uploads.clean_name("../../x\x00.pdf") == "x.pdf"
    assert uploads.clean_name("") == "upload"
