"""Small validators shared by providers (addresses, plain types)."""

from __future__ import annotations

import re

# The WHATWG HTML "valid e-mail address" grammar: what browsers and most email
# APIs accept in practice. It rejects spaces, brackets and bare hosts, e.g. the
# seed's "[email protected]" (an artefact of the page's address obfuscation).
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def is_email(value: object) -> bool:
    """True for a plausible deliverable address (``local@domain.tld``, ASCII)."""
    return isinstance(value, str) and len(value) <= 254 and _EMAIL.fullmatch(value) is not None
