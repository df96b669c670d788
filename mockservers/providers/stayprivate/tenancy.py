"""stayprivate tenants: selected by ``SP-Company-Api-Id``; each is a company with its own RSA key pair."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sealmail.mockservers.core.tenant_credentials import fresh_token, refuse_unknown

from . import spec
from .models import StayPrivateConfig

TENANT_KEY_BITS = 2048


class StayPrivateTenants:
    def credential_of(self, headers: Mapping[str, str]) -> str | None:
        return headers.get(spec.HEADER_COMPANY_ID)

    def tenant_key(self, config: StayPrivateConfig) -> str:
        return config.company_api_id

    def tenant_config(self, config: StayPrivateConfig, tenant_spec: Mapping[str, Any]) -> StayPrivateConfig:
        """A fresh company id and a fresh 2048-bit RSA key pair (or ``{"private_key_pem": ...}`` to bring one)."""
        refuse_unknown(tenant_spec, {"private_key_pem"})
        pem = tenant_spec.get("private_key_pem")
        if pem is not None and not isinstance(pem, str):
            raise ValueError("private_key_pem must be a PEM string")
        return dataclasses.replace(config, company_api_id=fresh_token("company", 8), company_private_key_pem=pem or _new_private_pem())


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=TENANT_KEY_BITS)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")
