"""Personal data removed from free text before it is published (Open311, shared knowledge).

What is found and replaced by ``＊＊``:

- identity numbers (18 digits, the last may be ``X``; the old 15-digit ones);
- phone numbers: mobile (``13812345678``, ``+86 138 1234 5678``), fixed lines with an area code
  (``022-23456789``) and any other run of seven or more digits (local numbers, bank accounts);
- email addresses;
- the door of an address: house, building, unit, floor and room numbers (``南京路12号3单元501室``
  keeps ``南京路``), which together with the street name point at a home.

Names are not recognised in free text; a caller who agrees to publication is asked not to give
any. The rules lean toward removing too much: a published request loses a number, never a home.
"""

from __future__ import annotations

import re

MASK = "＊＊"

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)\(?0\d{2,3}\)?[\s-]?\d{7,8}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[\s-]?\d){6,}(?!\d)")
_DIGITS = "0-9０-９一二三四五六七八九十百千零〇两甲乙丙丁"
_DOOR = re.compile(
    rf"(?:[{_DIGITS}A-Za-z]+[\s\-—－]*(?:号楼|号院|号(?![线])|栋|幢|座|单元|层|楼(?![盘下])|室|户|组|弄|巷\d*号)[\s\-—－]*)+"
)


def redact(text: str) -> str:
    """``text`` with identity numbers, phone numbers, email addresses and address doors replaced."""
    for pattern in (_ID_NUMBER, _EMAIL, _PHONE, _LANDLINE, _LONG_NUMBER, _DOOR):
        text = pattern.sub(MASK, text)
    return re.sub(f"(?:{MASK})+", MASK, text)


def has_personal_data(text: str) -> bool:
    return redact(text) != text
