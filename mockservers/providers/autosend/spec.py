"""AutoSend API with JWE-encrypted requests and a rotating JWKS: data only.

Sources: seed 001_103906771b4e2ec4.txt ("seed") and ../shared/providers/autosend.md
("fact sheet"). Each constant cites where it comes from; ``[open]`` marks a
choice sealmail made where the documentation is silent (FIDELITY.md).
"""

from __future__ import annotations

from sealmail.mockservers.core import ErrorKind

PROVIDER_ID = "autosend"
API_HOSTS: tuple[str, ...] = ("api.autosend.com",)
"""The real API host names (fact sheet [docs]: base https://api.autosend.com); the TLS leaf certificate carries them,
and ``Host`` may name them on API paths (/etc/hosts setups, core/exposure.py)."""


# Headers read as one value: a second copy gets this error, reason header_repeated
# (RFC 9110 section 5.3: only list-valued fields may repeat; core/headers.py).
SINGLETON_HEADERS = {
    "Authorization": UNAUTHORIZED,
    HEADER_ENCRYPTION: INVALID_ENCRYPTION_HEADER,
    HEADER_KEY_ID: UNKNOWN_KEY_ID,
    "Content-Type": INVALID_CONTENT_TYPE,
}
