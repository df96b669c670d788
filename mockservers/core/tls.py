"""The local certificate authority and the mock servers' ``ssl.SSLContext``.

The only module that knows about TLS: the runner takes the context built here
and providers never see it. Certificates come from ``trustme`` (issuing) and
``cryptography`` (loading the stored CA); nothing here writes X.509 by hand.

A CA is created on first use in the data directory and reused on every later
start, so a user trusts it once (like mkcert): ``ca.pem`` (the certificate, the
file clients trust) and ``ca-key.pem`` (its private key, mode 0600). A leaf
certificate for ``localhost``, ``127.0.0.1``, ``::1`` and every provider's real
API host names (``spec.API_HOSTS``) is issued at each start; it is never stored.
"""

from __future__ import annotations

import os
import shlex
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # imported when a CA is first needed: plain `serve` does not pay for it
    import trustme

CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
"""Names every leaf certificate carries besides the providers' API hosts."""
CA_ORGANIZATION = "sealmail local CA"


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/sealmail``, or ``~/.local/share/sealmail`` (XDG Base Directory defaults)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sealmail"


@dataclass(frozen=True)
class LocalCA:
    """A CA on disk: ``cert_file`` is what clients trust."""

    ca: "trustme.CA"
    cert_file: Path
    key_file: Path
    created: bool
    """True when this call made the CA (first use), False when it was loaded."""

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the CA certificate (DER), hex: the same across restarts."""
        from cryptography import x509  # here: plain `serve` (no --tls) does not import X.509 at start
        from cryptography.hazmat.primitives import hashes

        cert = x509.load_pem_x509_certificate(self.ca.cert_pem.bytes())
        return cert.fingerprint(hashes.SHA256()).hex()

    def server_context(self, hostnames: Iterable[str] = ()) -> ssl.SSLContext:
        """A server context with a fresh leaf for the loopback names and ``hostnames``."""
        names = list(dict.fromkeys([*LOOPBACK_NAMES, *hostnames]))
        leaf = self.ca.issue_cert(*names, organization_name=CA_ORGANIZATION)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this CA (the inspector's calls to HTTPS mocks)."""
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self.ca.configure_trust(context)
        return context


def load_or_create_ca(data_dir: Path | str | None = None) -> LocalCA:
    """The CA in ``data_dir`` (default :func:`default_data_dir`), made on first use.

    The key file is written 0600 and the directory 0700. A half-written pair
    (one file missing) is refused rather than silently replaced, since clients
    may already trust the old certificate.
    """
    import trustme

    directory = Path(data_dir) if data_dir is not None else default_data_dir()
    cert_file, key_file = directory / CA_CERT_FILE, directory / CA_KEY_FILE
    if cert_file.exists() and key_file.exists():
        ca = trustme.CA.from_pem(cert_file.read_bytes(), key_file.read_bytes())
        return LocalCA(ca, cert_file, key_file, created=False)
    if cert_file.exists() or key_file.exists():
        raise OSError(f"{directory} holds only one of {CA_CERT_FILE} / {CA_KEY_FILE}; remove it to make a new CA")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca = trustme.CA(organization_name=CA_ORGANIZATION)
    _write_private(key_file, ca.private_key_pem.bytes(), mode=0o600)
    _write_private(cert_file, ca.cert_pem.bytes(), mode=0o644)
    return LocalCA(ca, cert_file, key_file, created=True)


def _write_private(path: Path, data: bytes, *, mode: int) -> None:
    """Write atomically (temp file + rename) with ``mode`` set before any byte lands."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def all_api_hosts() -> list[str]:
    """Every implemented provider's real API host names (each provider's ``spec.API_HOSTS``)."""
    from .registry import providers

    return [host for provider in providers().values() for host in provider.api_hosts]


def trust_lines(ca_file: Path | str, example_url: str = "https://127.0.0.1:<port>") -> list[str]:
    """What to paste so a client trusts the CA, one line per language or tool (paths shell-quoted)."""
    path = shlex.quote(str(ca_file))
    return [
        f"Python:  export SSL_CERT_FILE={path} REQUESTS_CA_BUNDLE={path}",
        f"Node:    export NODE_EXTRA_CA_CERTS={path}",
        f"Java:    keytool -importcert -noprompt -alias sealmail-local-ca -file {path} -cacerts -storepass changeit",
        f"curl:    curl --cacert {path} {example_url}/__mock__/health",
    ]
