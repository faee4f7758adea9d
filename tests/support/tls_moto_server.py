"""A moto server that serves HTTPS on 127.0.0.1 with a self-signed certificate made for the test.

``write_self_signed_certificate`` writes a certificate and key for
127.0.0.1. ``TlsMotoServer`` starts ``moto.server`` with them (its
``--ssl-cert`` and ``--ssl-key`` options, which hand them to werkzeug) and
is otherwise a MotoServer: same request log, same fake-credential
environment, stopped by its process id. Clients trust the endpoint only when
they are given the certificate file as their CA bundle, because no system
store contains it.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import ssl
import urllib.request
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from support.moto_server import MotoServer

CERTIFICATE_VALIDITY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class TlsCertificate:
    """PEM files of a self-signed server certificate and its private key."""

    certificate_path: Path
    key_path: Path


def write_self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> TlsCertificate:
    """Write a self-signed certificate for the IP address ``host``, and its key, into ``directory``.

    The certificate is its own CA (basic constraints CA:TRUE, as
    ``openssl req -x509`` makes it), so the certificate file works as the
    client's CA bundle.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"logsafe test endpoint {host}")])
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # A minute in the past, so a clock a little behind still accepts it.
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + CERTIFICATE_VALIDITY)
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )

    directory.mkdir(parents=True, exist_ok=True)
    certificate_path = directory / "endpoint-cert.pem"
    key_path = directory / "endpoint-key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return TlsCertificate(certificate_path, key_path)


class TlsMotoServer(MotoServer):
    """A MotoServer that serves HTTPS with ``certificate``, so its ``endpoint_url`` is an https:// URL."""

    SCHEME = "https"

    def __init__(self, certificate: TlsCertificate, **kwargs) -> None:
        super().__init__(**kwargs)
        self.certificate = certificate
        self._ssl_context = ssl.create_default_context(cafile=str(certificate.certificate_path))
        # reset() and the start-up probe go straight to the server, trusting only this certificate.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=self._ssl_context)
        )

    def _server_arguments(self) -> list[str]:
        return ["--ssl-cert", str(self.certificate.certificate_path), "--ssl-key", str(self.certificate.key_path)]
