"""The company registry: who may call the API, with which public key, from which domains.

seed: "you need to have already registered your company and domain with
StayPrivate"; "generate a private/public key pair and register the public key
in the StayPrivate dashboard". The mock's dashboard is ``POST /__mock__/companies``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from jwcrypto.jwk import JWK

from sealmail.mockservers.core.provider import MockConfig
from sealmail.mockservers.core.registry_caps import check_room, text_bytes
from sealmail.mockservers.crypto.jwt import KeyRejected, load_rsa_private_key, load_rsa_public_key, public_pem

from .test_keys import DEFAULT_PRIVATE_KEY_PEM

_DOMAIN = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_COMPANY_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
"""Printable ASCII without spaces: it travels in an HTTP header and in the JWT ``iss``."""


class RegistrationError(ValueError):
    """A company registration the mock refuses (answered 400 on the control API)."""


@dataclass(frozen=True)
class Company:
    """A registered company: its API id (= the JWT ``iss``), public key and sender domains."""

    api_id: str
    public_key_pem: str
    key: JWK
    key_bits: int
    domains: tuple[str, ...]
    api_enabled: bool = True
    """seed: "Only companies which are on the Unlimited Recipients pricing tier have access to the API"."""

    def owns_domain(self, domain: str) -> bool:
        return domain.lower() in self.domains

    def to_json(self) -> dict[str, Any]:
        return {
            "company_api_id": self.api_id,
            "domains": list(self.domains),
            "api_enabled": self.api_enabled,
            "key_bits": self.key_bits,
            "public_key_pem": self.public_key_pem,
        }


@dataclass(frozen=True)
class KeyPair:
    """A parsed private key and its public half (cached per PEM: RSA parsing is not free)."""

    private_key: JWK
    public_key: JWK
    public_key_pem: str
    private_key_pem: str


KEY_CACHE_SIZE = 512
"""Parsed PEMs kept: every tenant brings a fresh key, so an unbounded cache grew by one key pair per
tenant ever created (tenants are evicted past 256; their keys stayed)."""


@lru_cache(maxsize=KEY_CACHE_SIZE)
def key_pair_from_private_pem(private_pem: str) -> KeyPair:
    """Parse a PEM RSA private key once per process (the shipped default key without the slow RSA check)."""
    private_key = load_rsa_private_key(private_pem, trusted=private_pem == DEFAULT_PRIVATE_KEY_PEM)
    pem = public_pem(private_key)
    return KeyPair(private_key, load_rsa_public_key(pem, min_bits=0), pem, private_pem)


@lru_cache(maxsize=KEY_CACHE_SIZE)
def _public_key(pem: str, min_bits: int) -> tuple[JWK, int]:
    key = load_rsa_public_key(pem, min_bits=min_bits)
    return key, key.get_op_key("verify").key_size


def make_company(
    api_id: Any, public_key_pem: Any, domains: Any, *, api_enabled: Any = True, min_key_bits: int = 2048
) -> Company:
    """Validate a registration; :class:`RegistrationError` says what is wrong."""
    if not isinstance(api_id, str) or not _COMPANY_ID.fullmatch(api_id):
        raise RegistrationError("company_api_id must be 1-128 printable ASCII characters without spaces")
    if not isinstance(public_key_pem, str) or not public_key_pem.strip():
        raise RegistrationError("public_key_pem must be a PEM RSA public key (openssl rsa -in privatejwt.key -pubout)")
    try:
        key, bits = _public_key(public_key_pem, min_key_bits)
    except KeyRejected as error:
        raise RegistrationError(f"public_key_pem rejected: {error.reason}: {error.detail}") from None
    if isinstance(domains, str) or not isinstance(domains, (list, tuple)) or not domains:
        raise RegistrationError("domains must be a non-empty list of domain names")
    cleaned: list[str] = []
    for domain in domains:
        if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain.strip()):
            raise RegistrationError(f"not a domain name: {domain!r}")
        cleaned.append(domain.strip().lower())
    if not isinstance(api_enabled, bool):
        raise RegistrationError("api_enabled must be true or false")
    return Company(api_id, public_key_pem, key, bits, tuple(dict.fromkeys(cleaned)), api_enabled)


def parse_domains(value: str | Iterable[str]) -> tuple[str, ...]:
    """``"a.com, b.com"`` (CLI) or a sequence -> a tuple of domains."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item.strip())


def _company_bytes(company: Company) -> int:
    return text_bytes(company.api_id, company.public_key_pem, company.domains)


class CompanyRegistry:
    """Thread-safe map of company API id to :class:`Company`."""

    def __init__(self) -> None:
        self._companies: dict[str, Company] = {}
        self._lock = threading.Lock()

    def register(self, company: Company) -> bool:
        """Add or replace; True if it replaced an existing registration (key rotation)."""
        with self._lock:
            replaced = company.api_id in self._companies
            self._companies[company.api_id] = company
            return replaced

    def register_within(self, company: Company, config: MockConfig) -> bool:
        """:meth:`register` within the control API's caps; :class:`RegistryFull` when one more does not fit."""
        with self._lock:
            old = self._companies.get(company.api_id)
            check_room(config, "stayprivate", "companies", sizes=map(_company_bytes, self._companies.values()),
                       replaced=None if old is None else _company_bytes(old), added=_company_bytes(company),
                       remove_hint="DELETE /__mock__/companies/{companyApiId}")
            self._companies[company.api_id] = company
            return old is not None

    def remove(self, api_id: str) -> bool:
        with self._lock:
            return self._companies.pop(api_id, None) is not None

    def get(self, api_id: str) -> Company | None:
        with self._lock:
            return self._companies.get(api_id)

    def all(self) -> list[Company]:
        with self._lock:
            return list(self._companies.values())

    def clear(self) -> None:
        with self._lock:
            self._companies.clear()
