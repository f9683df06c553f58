"""Licence numbers: ``TYPE-REGION-SERIAL`` followed by one ISO 7064 MOD 37,36 check character.

Example: ``YYZZ-120000-00000042K``. The check character covers the type code, the region and
the serial, so a mistyped number is recognised before any database lookup.
"""

from __future__ import annotations

import re

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_M = 36
NUMBER_RE = re.compile(r"^([A-Z0-9]{1,12})-(\d{6})-(\d{8,12})([0-9A-Z])$")


def check_char(body: str) -> str:
    """ISO/IEC 7064 hybrid system MOD 37,36 over ``0-9A-Z`` (hyphens ignored)."""
    p = _M
    for c in body.replace("-", "").upper():
        s = (p + _ALPHABET.index(c)) % _M or _M
        p = (s * 2) % (_M + 1)
    return _ALPHABET[(_M + 1 - p) % _M]


def make_number(*, type_code: str, region_code: str, serial: int) -> str:
    body = f"{type_code.upper()}-{region_code}-{serial:08d}"
    return body + check_char(body)


def is_well_formed(number: str) -> bool:
    number = number.strip().upper()
    if not NUMBER_RE.match(number):
        return False
    return check_char(number[:-1]) == number[-1]
