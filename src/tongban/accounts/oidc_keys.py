"""The RSA key that signs Tongban's OpenID Connect ID tokens.

Read from ``TONGBAN_OIDC_RSA_PRIVATE_KEY`` (PEM text) when set; otherwise from
``var/oidc-rsa.pem`` (``TONGBAN_OIDC_RSA_KEY_FILE``), generated on first use. Creation is
exclusive, so several processes starting at once end up with the same key. The file is
under ``var/`` and never committed. Imported by the settings: no Django imports here.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate_rsa_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_or_create_rsa_key(path: Path) -> str:
    env = os.environ.get("TONGBAN_OIDC_RSA_PRIVATE_KEY", "").strip()
    if env:
        return env.replace("\\n", "\n") + "\n"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = generate_rsa_pem()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(pem)
        try:
            os.link(tmp, path)  # atomic and fails if another process won the race
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text()
