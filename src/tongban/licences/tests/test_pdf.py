"""The licence PDF: PAdES signature by the node's certificate, validated by pyHanko; a modified PDF fails."""

from __future__ import annotations

import io

import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tongban.accounts.models import User
from tongban.licences.models import LicenceType
from tongban.licences.pdf import render_pdf, signed_pdf
from tongban.licences.pki import node_pki
from tongban.licences.tests.factories import make_licence

pytestmark = pytest.mark.django_db


def _context() -> ValidationContext:
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
    from cryptography.hazmat.primitives.serialization import Encoding

    ca = x509.load_pem_x509_certificate(node_pki().ca_cert_pem)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(ca.public_bytes(Encoding.DER))])


def test_the_signed_pdf_is_intact_and_trusted(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number, holder_name="王小明")
    data = signed_pdf(licence)
    reader = PdfFileReader(io.BytesIO(data))
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(signature, _context())
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    assert "/ETSI.CAdES.detached" in str(signature.sig_object["/SubFilter"])
    assert "Tongban node 120000" in status.signing_cert.subject.human_friendly


def test_a_modified_pdf_fails_validation(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    data = bytearray(signed_pdf(licence))
    # change one byte of the signed content (inside the page stream, before the signature dictionary)
    position = data.index(b"stream") + 40
    data[position] = (data[position] + 1) % 256
    reader = PdfFileReader(io.BytesIO(bytes(data)), strict=False)
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(signature, _context())
    assert not status.intact and not status.bottom_line


def test_the_pdf_draws_the_licence_with_a_cjk_font(licence_type: LicenceType, resident: User) -> None:
    licence = make_licence(licence_type=licence_type, holder_id=resident.id_number)
    data = render_pdf(licence)
    assert data.startswith(b"%PDF") and b"STSong-Light" in data and b"UniGB-UCS2-H" in data
