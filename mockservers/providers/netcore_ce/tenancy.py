"""netcore-ce tenants: a fresh panel API key and a fresh asset with its own CBC key, IV and GCM key."""

from __future__ import annotations

import base64
import dataclasses
import secrets
from typing import Any, Mapping

from sealmail.mockservers.core.tenant_credentials import BearerKeyTenants, fresh_alnum, fresh_token, refuse_unknown

from .models import NetcoreCeConfig


class NetcoreCeTenants(BearerKeyTenants):
    tenant_key_prefix = "ce"

    def tenant_config(self, config: NetcoreCeConfig, spec: Mapping[str, Any]) -> NetcoreCeConfig:
        """Key and IV from [A-Za-z0-9] (32 and 16 characters, as the panel's generator prints); GCM key: 32 random bytes."""
        refuse_unknown(spec, set())
        return dataclasses.replace(
            config,
            api_key=fresh_token(self.tenant_key_prefix),
            default_asset=secrets.token_hex(16),
            default_key=fresh_alnum(32),
            default_iv=fresh_alnum(16),
            default_gcm_key=base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        )
