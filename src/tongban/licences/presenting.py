"""The 亮证 QR code: the verification page's URL with the presentation token, as inline SVG (segno)."""

from __future__ import annotations

from urllib.parse import urlencode

import segno

from tongban.licences.credentials import base_url


def presentation_url(token: str) -> str:
    return f"{base_url()}/licences/verify/presentation/?{urlencode({'t': token})}"


def qr_svg(url: str, *, title: str = "") -> str:
    qr = segno.make(url, error="m", micro=False)
    svg: str = qr.svg_inline(scale=4, border=2, title=title or None, dark="#111111", light="#ffffff")
    return svg
