"""autosend tenants: a fresh API key each; the key ring (JWKS) stays shared, as the real service's is."""

from __future__ import annotations

from sealmail.mockservers.core import MockClock
from sealmail.mockservers.core.tenant_credentials import BearerKeyTenants

from .models import AutoSendConfig, AutoSendModel


class AutoSendTenants(BearerKeyTenants):
    tenant_key_prefix = "AS"

    def create_tenant_model(self, config: AutoSendConfig, clock: MockClock, default_model: AutoSendModel) -> AutoSendModel:
        """The tenant reads and encrypts against the default tenant's ring: one JWKS per service (FIDELITY.md)."""
        model = AutoSendModel(config, clock)
        model.share_ring(default_model.ring)
        return model
