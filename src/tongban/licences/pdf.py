"""The licence as a PDF: the type's visual template, a QR code to the verification page, the
department's seal, and a PAdES signature (pyHanko) by the node's X.509 certificate."""

from __future__ import annotations

import io
from typing import Any

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from tongban.licences.credentials import base_url
from tongban.licences.models import Licence
from tongban.licences.pki import node_pki
from tongban.licences.seal import CJK_FONT, draw_seal

_registered = False


def _font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        _registered = True


def verification_url(licence: Licence) -> str:
    return f"{base_url()}/licences/verify/?number={licence.number}"


def _colour(template: dict[str, Any]) -> Color:
    try:
        return HexColor(str(template.get("colour", "#8a1c1c")))
    except (ValueError, TypeError):
        return HexColor("#8a1c1c")


def render_pdf(licence: Licence) -> bytes:
    """Draw the licence (unsigned)."""
    _font()
    ltype = licence.licence_type
    template = dict(ltype.template or {})
    colour = _colour(template)
    buf = io.BytesIO()
    width, height = A4
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(f"{ltype.name} {licence.number}")
    c.setAuthor(licence.department.name)
    c.setSubject(ltype.name)
    # Border and title
    c.setStrokeColor(colour)
    c.setLineWidth(3)
    c.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    c.setLineWidth(0.8)
    c.rect(18 * mm, 18 * mm, width - 36 * mm, height - 36 * mm)
    c.setFillColor(colour)
    c.setFont(CJK_FONT, 30)
    c.drawCentredString(width / 2, height - 45 * mm, str(template.get("title") or ltype.name))
    c.setFont(CJK_FONT, 11)
    c.setFillColor(HexColor("#333333"))
    c.drawCentredString(width / 2, height - 55 * mm, _("Licence number: %(number)s") % {"number": licence.number})

    rows: list[tuple[str, str]] = [
        (_("Holder"), licence.holder_name),
        (_("ID number or USCC"), licence.holder_id),
    ]
    labels = {f.get("name"): f.get("label", f.get("name")) for f in ltype.fields if isinstance(f, dict)}
    for key, value in licence.field_values.items():
        rows.append((str(labels.get(key, key)), str(value)))
    valid_to = licence.valid_to.isoformat() if licence.valid_to else _("Long-term")
    rows.append((_("Valid"), f"{licence.valid_from.isoformat()} — {valid_to}"))
    rows.append((_("Issued by"), licence.department.name))
    y = height - 75 * mm
    for label, value in rows:
        c.setFont(CJK_FONT, 13)
        c.setFillColor(HexColor("#555555"))
        c.drawString(30 * mm, y, label)
        c.setFillColor(HexColor("#111111"))
        text = value
        while text:
            chunk, text = text[:30], text[30:]
            c.drawString(75 * mm, y, chunk)
            y -= 7 * mm if text else 0
        y -= 10 * mm

    # QR code to the public verification page
    qr = QrCodeWidget(verification_url(licence))
    x0, y0, x1, y1 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, 28 * mm, 30 * mm)
    c.setFont(CJK_FONT, 8)
    c.setFillColor(HexColor("#333333"))
    c.drawString(28 * mm, 26 * mm, _("Scan to verify"))

    # The seal over the issue date
    c.setFont(CJK_FONT, 12)
    c.drawCentredString(width - 60 * mm, 42 * mm, licence.department.name)
    c.drawCentredString(width - 60 * mm, 35 * mm, licence.issued_at.date().isoformat())
    draw_seal(c, cx=width - 60 * mm, cy=48 * mm, radius=21 * mm, name=licence.department.name, caption="电子证照专用章")
    c.showPage()
    c.save()
    return buf.getvalue()


def _signer() -> signers.SimpleSigner:
    pki = node_pki()
    key = serialization.load_pem_private_key(pki.node_key_pem, password=pki.passphrase)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    cert = asn1_x509.Certificate.load(_der(pki.node_cert_pem))
    ca = asn1_x509.Certificate.load(_der(pki.ca_cert_pem))
    return signers.SimpleSigner(
        signing_cert=cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([ca, cert]),  # type: ignore[no-untyped-call]
    )


def _der(pem: bytes) -> bytes:
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def signed_pdf(licence: Licence) -> bytes:
    """The licence PDF with a PAdES baseline signature by the node's certificate."""
    writer = IncrementalPdfFileWriter(io.BytesIO(render_pdf(licence)))
    meta = signers.PdfSignatureMetadata(
        field_name="LicenceSeal",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=_("Electronic licence issued by %(department)s") % {"department": licence.department.name},
        location=licence.region_code,
    )
    out = signers.sign_pdf(writer, meta, signer=_signer())
    return bytes(out.getvalue())
