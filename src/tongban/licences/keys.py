"""The node's signing keys: creation, encryption at rest, the active key, the published JWKS.

Private keys are stored in the database encrypted with AES-256-GCM under a key derived
(HKDF-SHA256) from ``TONGBAN_KEY_SECRET`` (environment) or, failing that, the node's
``SECRET_KEY``; they never appear in the repository. Decrypted keys are cached per key id
in the process (a key's material never changes; which key is active is read every time).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc.jwk import ECKey, OKPKey

from tongban.licences.constants import KeyAlgorithm, KeyStatus
from tongban.licences.models import SigningKey

PrivateJWK = OKPKey | ECKey

JWS_ALG: dict[str, str] = {KeyAlgorithm.ED25519: "Ed25519", KeyAlgorithm.ES256: "ES256"}


def _wrapping_key() -> bytes:
    secret = os.environ.get("TONGBAN_KEY_SECRET") or settings.SECRET_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tongban-licence-keys", info=b"aes-gcm").derive(
        secret.encode()
    )


def _encrypt(pem: bytes, kid: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_wrapping_key()).encrypt(nonce, pem, kid.encode())


def _decrypt(blob: bytes, kid: str) -> bytes:
    return AESGCM(_wrapping_key()).decrypt(blob[:12], blob[12:], kid.encode())


def _new_private_key(algorithm: str) -> ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm == KeyAlgorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == KeyAlgorithm.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unsupported algorithm {algorithm}")


def _jwk_from_pem(pem: bytes, *, algorithm: str, kid: str) -> PrivateJWK:
    params: Any = {"kid": kid, "alg": JWS_ALG[KeyAlgorithm(algorithm)], "use": "sig"}
    if algorithm == KeyAlgorithm.ED25519:
        return OKPKey.import_key(pem, parameters=params)
    return ECKey.import_key(pem, parameters=params)


def create_key(*, algorithm: str, status: str = KeyStatus.ACTIVE) -> SigningKey:
    """Create a key row (the caller holds the transaction and retires the previous active key)."""
    private = _new_private_key(algorithm)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # Key id: region, date and a digest of the public key (stable, unique, not guessable in advance).
    digest = base64.urlsafe_b64encode(hashlib.sha256(public_der).digest()[:9]).decode().rstrip("=")
    kid = f"{settings.TONGBAN_REGION}-{timezone.now():%Y%m%d}-{digest}"
    jwk = _jwk_from_pem(pem, algorithm=algorithm, kid=kid)
    public = dict(jwk.as_dict(private=False))
    return SigningKey.objects.create(
        kid=kid,
        algorithm=algorithm,
        status=status,
        public_jwk=public,
        private_key_encrypted=_encrypt(pem, kid),
    )


@lru_cache(maxsize=64)
def _private_jwk(kid: str, algorithm: str, blob: bytes) -> PrivateJWK:
    return _jwk_from_pem(_decrypt(blob, kid), algorithm=algorithm, kid=kid)


def private_jwk(key: SigningKey) -> PrivateJWK:
    return _private_jwk(key.kid, key.algorithm, bytes(key.private_key_encrypted))


def active_key(algorithm: str = KeyAlgorithm.ED25519) -> SigningKey:
    """The key that signs new credentials, created on first use."""
    key = SigningKey.objects.filter(algorithm=algorithm, status=KeyStatus.ACTIVE).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return create_key(algorithm=algorithm)
    except IntegrityError:  # another process created it first
        return SigningKey.objects.get(algorithm=algorithm, status=KeyStatus.ACTIVE)


def default_algorithm() -> str:
    value = os.environ.get("TONGBAN_LICENCE_ALGORITHM", KeyAlgorithm.ED25519)
    return value if value in KeyAlgorithm.values else KeyAlgorithm.ED25519


def published_keys() -> list[SigningKey]:
    return list(SigningKey.objects.filter(status__in=[KeyStatus.ACTIVE, KeyStatus.PUBLISHED]).order_by("created_at"))


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set of this node: active and still-published keys, public parts only."""
    return {"keys": [dict(k.public_jwk) for k in published_keys()]}


def local_public_jwk(kid: str) -> dict[str, Any] | None:
    key = SigningKey.objects.filter(kid=kid, status__in=[KeyStatus.ACTIVE, KeyStatus.PUBLISHED]).first()
    return dict(key.public_jwk) if key is not None else None
