"""ncp-mailer tenants: selected by ``x-ncp-iam-access-key``; each has its own access key and secret key."""

from __future__ import annotations

import dataclasses
import string
from typing import Any, Mapping

from sealmail.mockservers.core.tenant_credentials import fresh_alnum, refuse_unknown

from . import spec
from .models import NcpMailerConfig


class NcpMailerTenants:
    def credential_of(self, headers: Mapping[str, str]) -> str | None:
        return headers.get(spec.HEADER_ACCESS_KEY)

    def tenant_key(self, config: NcpMailerConfig) -> str:
        return config.access_key

    def tenant_config(self, config: NcpMailerConfig, tenant_spec: Mapping[str, Any]) -> NcpMailerConfig:
        """NCP's shapes: a 20-character access key (upper case and digits), a 40-character secret key."""
        refuse_unknown(tenant_spec, set())
        return dataclasses.replace(
            config,
            access_key=fresh_alnum(20, string.ascii_uppercase + string.digits),
            secret_key=fresh_alnum(40),
        )
