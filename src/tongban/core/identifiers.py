"""Checks of national identifiers: resident ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

from tongban.core.errors import ValidationFailed

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# GB 32100-2015: the code alphabet leaves out I, O, Z, S, V.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(value: str) -> bool:
    value = value.strip().upper()
    if not _ID_RE.match(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return resident_id_check_digit(value[:17]) == value[17]


def validate_resident_id(value: str) -> str:
    """Return the normalised ID number or raise ``ValidationFailed`` (code ``invalid_id_number``)."""
    normalised = value.strip().upper()
    if not is_valid_resident_id(normalised):
        raise ValidationFailed(
            _("The ID number is not a valid 18-digit resident identity number."), code="invalid_id_number"
        )
    return normalised


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    value = value.strip().upper()
    if not _USCC_RE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def validate_uscc(value: str) -> str:
    """Return the normalised code or raise ``ValidationFailed`` (code ``invalid_uscc``)."""
    normalised = value.strip().upper()
    if not is_valid_uscc(normalised):
        raise ValidationFailed(_("The unified social credit code is not valid."), code="invalid_uscc")
    return normalised


def make_resident_id(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number (for demo data and tests)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


def make_uscc(region: str, sequence: int, *, kind: str = "91") -> str:
    """Build a valid unified social credit code (for demo data and tests)."""
    body = f"{sequence:09d}"[-9:]
    first17 = f"{kind}{region}{body}"
    return first17 + uscc_check_char(first17)
