"""Sealed bids: what the server checks, signs and (after opening) verifies (ADR 0020).

The bidder's browser (``static/trading/seal.js``) does the sealing with WebCrypto:

1. the plaintext is the UTF-8 JSON ``{"format": "tongban-bid/1", "nonce", "ocid", "bidder", "price",
   "duration_days", "note"}``; its SHA-256 is the **commitment**. ``nonce`` is 16 random bytes
   (base64) so that the commitment reveals nothing even when the rest is guessable (a price in a
   known range, an empty note);
2. a key is derived from a secret that only the bidder holds: PBKDF2-SHA256 over a random 16-byte
   salt, at least ``MIN_KDF_ITERATIONS`` iterations, 256 bits; the secret never leaves the browser;
3. the plaintext is encrypted with AES-256-GCM under a random 12-byte IV;
4. the browser posts the ciphertext, salt, IV, iteration count and commitment (never the secret or
   the plaintext; the form's plaintext fields have no ``name``).

The server stores them, signs a receipt over the commitment, the ciphertext's SHA-256 and the
submission time with the node's key, and cannot read the bid: it holds no key. At opening the bidder
derives the key again in the browser, decrypts it there, and releases the **key** (not the secret,
and the key opens this one bid only, its salt being random). The server then decrypts the stored
ciphertext itself (AES-GCM authenticates it: a wrong key is refused, not recorded) and compares the
plaintext's SHA-256 with the commitment: a mismatch makes the bid invalid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils import timezone

from tongban.federation import signing
from tongban.licences import credentials
from tongban.licences import keys as node_keys
from tongban.trading.constants import CIPHER, KDF, MAX_BID_BYTES, MIN_KDF_ITERATIONS, RECEIPT_TYP
from tongban.trading.errors import BidContentInvalid, BidMalformed, WrongKey

PLAINTEXT_FORMAT = "tongban-bid/1"
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def b64decode(value: str, *, field: str, size: int | None = None, max_size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise BidMalformed(details={"field": field, "problem": "base64"}) from exc
    if (size is not None and len(raw) != size) or (max_size is not None and len(raw) > max_size) or not raw:
        raise BidMalformed(details={"field": field, "problem": "length"})
    return raw


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass(frozen=True)
class Sealed:
    """A sealed copy as the browser posts it."""

    salt: str
    iv: str
    ciphertext: str

    def check(self, *, prefix: str = "") -> bytes:
        b64decode(self.salt, field=f"{prefix}salt", size=16)
        b64decode(self.iv, field=f"{prefix}iv", size=12)
        return b64decode(self.ciphertext, field=f"{prefix}ciphertext", max_size=MAX_BID_BYTES)


def check_submission(
    *, cipher: str, kdf: str, iterations: int, commitment: str, primary: Sealed, backup: Sealed | None
) -> str:
    """Refuse what cannot be a sealed bid; answer the ciphertext's SHA-256 (hex)."""
    if cipher != CIPHER:
        raise BidMalformed(details={"field": "cipher", "problem": "unsupported"})
    if kdf != KDF:
        raise BidMalformed(details={"field": "kdf", "problem": "unsupported"})
    if not isinstance(iterations, int) or iterations < MIN_KDF_ITERATIONS or iterations > 10_000_000:
        raise BidMalformed(details={"field": "iterations", "problem": "range", "minimum": MIN_KDF_ITERATIONS})
    if not HEX64.match(commitment or ""):
        raise BidMalformed(details={"field": "commitment", "problem": "sha256_hex"})
    raw = primary.check()
    if len(raw) <= 16:  # an AES-GCM ciphertext is the encrypted bytes plus a 16-byte tag
        raise BidMalformed(details={"field": "ciphertext", "problem": "length"})
    if backup is not None:
        backup.check(prefix="backup_")
    return hashlib.sha256(raw).hexdigest()


def decrypt(*, key_b64: str, iv_b64: str, ciphertext_b64: str) -> bytes:
    """Decrypt with a released key; a key that does not authenticate the ciphertext is ``WrongKey``."""
    key = b64decode(key_b64, field="key", size=32)
    iv = b64decode(iv_b64, field="iv", size=12)
    data = b64decode(ciphertext_b64, field="ciphertext")
    try:
        return AESGCM(key).decrypt(iv, data, None)
    except InvalidTag as exc:
        raise WrongKey() from exc


def commitment_of(plaintext: bytes) -> str:
    return hashlib.sha256(plaintext).hexdigest()


@dataclass(frozen=True)
class BidContent:
    price: Decimal
    duration_days: int | None
    note: str


def read_content(plaintext: bytes, *, ocid: str, bidder_uscc: str) -> BidContent:
    """The bid's figures, checked to belong to this procedure and bidder."""
    try:
        doc = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BidContentInvalid(details={"problem": "json"}) from exc
    if not isinstance(doc, dict) or doc.get("format") != PLAINTEXT_FORMAT:
        raise BidContentInvalid(details={"problem": "format"})
    nonce = doc.get("nonce")
    try:
        nonce_ok = isinstance(nonce, str) and len(base64.b64decode(nonce.encode("ascii"), validate=True)) >= 16
    except (binascii.Error, ValueError, UnicodeEncodeError):
        nonce_ok = False
    if not nonce_ok:
        raise BidContentInvalid(details={"problem": "nonce"})
    if doc.get("ocid") != ocid or doc.get("bidder") != bidder_uscc:
        raise BidContentInvalid(details={"problem": "other_procedure_or_bidder"})
    try:
        price = Decimal(str(doc.get("price")))
    except InvalidOperation as exc:
        raise BidContentInvalid(details={"problem": "price"}) from exc
    if not price.is_finite() or price <= 0 or price >= Decimal("1e14"):
        raise BidContentInvalid(details={"problem": "price"})
    duration = doc.get("duration_days")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0):
        raise BidContentInvalid(details={"problem": "duration_days"})
    return BidContent(
        price=price.quantize(Decimal("0.01")), duration_days=duration, note=str(doc.get("note", ""))[:2000]
    )


def plaintext_for(
    *,
    ocid: str,
    bidder_uscc: str,
    price: str,
    duration_days: int | None = None,
    note: str = "",
    nonce: str | None = None,
) -> bytes:
    """The plaintext exactly as ``seal.js`` builds it (``JSON.stringify`` of the object, in this key order)."""
    doc: dict[str, Any] = {
        "format": PLAINTEXT_FORMAT,
        "nonce": nonce if nonce is not None else b64(os.urandom(16)),
        "ocid": ocid,
        "bidder": bidder_uscc,
        "price": price,
    }
    if duration_days is not None:
        doc["duration_days"] = duration_days
    doc["note"] = note
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ------------------------------------------------------------------ receipts


def sign_document(payload: dict[str, Any], *, typ: str = RECEIPT_TYP) -> str:
    """The node's signature (its active key, published at /.well-known/jwks.json) over a receipt,
    an opening record or a sealed report."""
    body = {
        **payload,
        "iss": signing.own_base_url(),
        "region": signing.own_region(),
        "iat": int(timezone.now().timestamp()),
    }
    token, _kid = credentials.sign_payload(body, typ=typ)
    return token


class KeyCache(dict[str, Any]):
    """This node's public keys by key id, imported once (an opening verifies hundreds of receipts)."""

    def key(self, kid: str) -> Any:
        if kid not in self:
            jwk = node_keys.local_public_jwk(kid)
            self[kid] = signing.public_key(jwk) if jwk is not None else None
        found = self[kid]
        if found is None:
            raise ValueError("unknown key")
        return found


def verify_signed(token: str, *, keys: KeyCache | None = None) -> dict[str, Any]:
    """Verify a receipt (or any document this node signed) against this node's published keys."""
    header, _payload = signing.read_unverified(token)
    return signing.verify_with(token, (keys if keys is not None else KeyCache()).key(str(header.get("kid", ""))))
