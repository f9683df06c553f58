"""The node's X.509 certificates for PDF signatures (PAdES): a self-issued CA and a node certificate.

Generated on first use into ``var/licences/pki/<region>/`` (never committed); the private keys
are PEM-encrypted with a passphrase derived from the node secret. Several processes may start at
once: an exclusive lock file makes one of them generate, the others wait and read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings


@dataclass(frozen=True)
class NodePki:
    ca_cert_pem: bytes
    node_cert_pem: bytes
    node_key_pem: bytes  # encrypted PKCS#8
    passphrase: bytes


def pki_dir() -> Path:
    return Path(settings.VAR_DIR) / "licences" / "pki" / str(settings.TONGBAN_REGION)


def _passphrase() -> bytes:
    secret = os.environ.get("TONGBAN_KEY_SECRET") or settings.SECRET_KEY
    return hashlib.sha256(b"tongban-pki:" + secret.encode()).hexdigest().encode()


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tongban"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"Region {settings.TONGBAN_REGION}"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _generate(directory: Path) -> None:
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"Tongban licence CA {settings.TONGBAN_REGION}")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    node_key = ec.generate_private_key(ec.SECP256R1())
    node_cert = (
        x509.CertificateBuilder()
        .subject_name(_name(f"Tongban node {settings.TONGBAN_REGION} licence seal"))
        .issuer_name(ca_name)
        .public_key(node_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(node_key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(_passphrase())
    pkcs8 = serialization.PrivateFormat.PKCS8
    files = {
        "ca.crt.pem": ca_cert.public_bytes(serialization.Encoding.PEM),
        "ca.key.pem": ca_key.private_bytes(serialization.Encoding.PEM, pkcs8, encryption),
        "node.crt.pem": node_cert.public_bytes(serialization.Encoding.PEM),
        "node.key.pem": node_key.private_bytes(serialization.Encoding.PEM, pkcs8, encryption),
    }
    for name, content in files.items():
        tmp = directory / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        tmp.replace(directory / name)


def node_pki() -> NodePki:
    """The node's CA and signing certificate, generated on first use."""
    directory = pki_dir()
    directory.mkdir(parents=True, exist_ok=True)
    done = directory / "node.key.pem"
    if not done.exists():
        lock = directory / ".lock"
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            for _ in range(200):
                if done.exists():
                    break
                time.sleep(0.05)
        else:
            try:
                if not done.exists():
                    _generate(directory)
            finally:
                os.close(fd)
                lock.unlink(missing_ok=True)
    return NodePki(
        ca_cert_pem=(directory / "ca.crt.pem").read_bytes(),
        node_cert_pem=(directory / "node.crt.pem").read_bytes(),
        node_key_pem=done.read_bytes(),
        passphrase=_passphrase(),
    )
