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
        """A fresh company id and a fresh 2048-bit RSA key pair; or bring one (``{"private_key_pem": ...}``),
        or register only its public half (``{"public_key_pem": ...}``: the private key never leaves the caller)."""
        refuse_unknown(tenant_spec, {"private_key_pem", "public_key_pem"})
        private_pem, public_pem = tenant_spec.get("private_key_pem"), tenant_spec.get("public_key_pem")
        for name, pem in (("private_key_pem", private_pem), ("public_key_pem", public_pem)):
            if pem is not None and not isinstance(pem, str):
                raise ValueError(f"{name} must be a PEM string")
        if private_pem and public_pem:
            raise ValueError("give private_key_pem or public_key_pem, not both")
        company_api_id = fresh_token("company", 8)
        if public_pem:  # the config's private key is never shown for such a company (app.describe)
            return dataclasses.replace(config, company_api_id=company_api_id, company_public_key_pem=public_pem)
        return dataclasses.replace(config, company_api_id=company_api_id, company_private_key_pem=private_pem or _new_private_pem())


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=TENANT_KEY_BITS)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode("ascii")
