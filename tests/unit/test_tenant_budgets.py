"""Every byte budget and capacity of a tenant is scaled down, not only the journal's and the store's.

Before: a stayprivate tenant kept emails up to the server's ``email_max_bytes`` (256 MiB) and its
registries up to ``registry_max_bytes``; the tenant registry's eviction sees only journal and store
bytes, so 256 tenants could hold 64 GiB of attachments.
"""

from __future__ import annotations

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.state import MOCK_STATE
from sealmail.mockservers.core.tenants import DEFAULT_TENANT_BYTES, DEFAULT_TENANT_CAPACITY, TENANTS


@pytest.mark.parametrize("provider", ["stayprivate", "ncp-mailer", "netcore-ce"])
def test_a_tenant_has_every_byte_budget_and_capacity_of_a_tenant(provider: str) -> None:
    app = create_app(provider)
    server = app[MOCK_STATE].config
    tenant = app[TENANTS].create({}).state.config
    budgets = [name for name in vars(server) if name.endswith("_max_bytes")]
    capacities = [name for name in vars(server) if name.endswith("_capacity")]
    assert "registry_max_bytes" in budgets and "registry_capacity" in capacities
    if provider == "stayprivate":
        assert "email_max_bytes" in budgets and "email_capacity" in capacities
    for name in budgets:
        assert getattr(tenant, name) == min(getattr(server, name), DEFAULT_TENANT_BYTES), name
    for name in capacities:
        assert getattr(tenant, name) == min(getattr(server, name), DEFAULT_TENANT_CAPACITY), name
