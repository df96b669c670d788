"""TenantRegistry: resolution by credentials, bounds and eviction, per-tenant faults and clock."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from sealmail.mockservers.core import create_app
from sealmail.mockservers.core.faults import FaultRule
from sealmail.mockservers.core.state import MOCK_STATE
from sealmail.mockservers.core.tenant_credentials import bearer_value
from sealmail.mockservers.core.tenants import TENANTS, TenantError, TenantRegistry


def registry(provider_id: str = "netcore-email", **limits: int) -> TenantRegistry:
    app = create_app(provider_id)
    return TenantRegistry(app[MOCK_STATE].provider, app[MOCK_STATE], **limits) if limits else app[TENANTS]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_resolution_by_the_credential_the_request_carries() -> None:
    tenants = registry()
    one, two = tenants.create({}), tenants.create({})
    assert one.key != two.key and one.key.startswith("ne_")
    assert tenants.resolve(bearer(one.key)) is one.state
    assert tenants.resolve(CIMultiDict({"authorization": f"bearer  {two.key} "})) is two.state  # as aiohttp's headers
    assert tenants.resolve({"Authorization": f"x-api-key {one.key}"}) is one.state  # netcore-email's older forms
    assert tenants.resolve({"api_key": one.key}) is one.state
    assert tenants.resolve(bearer("sealmail-netcore-email-key")) is tenants.default
    assert tenants.resolve(bearer("unknown")) is tenants.default
    assert tenants.resolve({}) is tenants.default
    assert tenants.get("default") is tenants.default and tenants.get(one.id) is one.state and tenants.get("t-x") is None


def test_bearer_value_never_raises() -> None:
    assert bearer_value({"Authorization": "Bearer  abc "}) == "abc"
    assert bearer_value({"Authorization": "bearer abc"}) == "abc"
    assert bearer_value({"Authorization": "Basic abc"}) is None
    assert bearer_value({"Authorization": "Bearer"}) is None
    assert bearer_value({}) is None


def test_per_provider_credentials() -> None:
    ncp = registry("ncp-mailer").create({})
    assert registry("ncp-mailer").provider.credential_of({"x-ncp-iam-access-key": ncp.key}) == ncp.key
    assert len(ncp.state.config.access_key) == 20 and len(ncp.state.config.secret_key) == 40
    ce = registry("netcore-ce").create({}).state.config
    assert len(ce.default_key) == 32 and len(ce.default_iv) == 16 and ce.default_asset != "392ae07d8b69fe21423e6d9e026227c5"
    with pytest.raises(ValueError, match="unknown tenant field"):
        registry("netcore-email").create({"api_key": "mine"})


def test_count_bound_evicts_the_least_recently_used_idle_tenant() -> None:
    tenants = registry(max_tenants=3)
    first, second, third = (tenants.create({}) for _ in range(3))
    tenants.resolve(bearer(first.key))  # used: the oldest idle one is now ``second``
    fourth = tenants.create({})
    assert [t.id for t in tenants.tenants()] == [third.id, first.id, fourth.id]
    assert tenants.evicted == 1 and tenants.get(second.id) is None
    assert tenants.resolve(bearer(second.key)) is tenants.default  # its key now selects the default tenant


def test_byte_budget_evicts_the_oldest_idle_tenant() -> None:
    tenants = registry(max_bytes=1_000)
    first = tenants.create({})
    second = tenants.create({})  # nothing journaled yet: both fit
    entry = first.state.journal.open(time_ms=0, method="POST", path="/", headers={}, body=b"x" * 2_000)
    first.state.journal.commit(entry)
    third = tenants.create({})
    assert [t.id for t in tenants.tenants()] == [second.id, third.id] and tenants.evicted == 1


def test_full_of_busy_tenants_refuses() -> None:
    import asyncio

    tenants = registry(max_tenants=1)
    only = tenants.create({})
    loop = asyncio.new_event_loop()
    try:
        task = loop.create_task(asyncio.sleep(0))
        only.state.request_started(task)
        with pytest.raises(TenantError, match="in flight"):
            tenants.create({})
        only.state.request_finished(task, 0, committed=True)
        assert tenants.create({}) and tenants.evicted == 1
        loop.run_until_complete(task)
    finally:
        loop.close()


def test_faults_reset_and_clock_are_the_tenants_own() -> None:
    tenants = registry()
    one, two = tenants.create({}), tenants.create({})
    one.state.faults.add(FaultRule(status=503))
    one.state.clock.offset(600_000)
    assert two.state.faults.take("POST", "/v6/mail/send") is None and tenants.default.faults.take("POST", "/") is None
    assert abs(two.state.clock.now_ms() - tenants.default.clock.now_ms()) < 60_000
    assert one.state.model.clock is one.state.clock  # the provider's rules read the tenant's clock
    one.state.reset()
    assert one.state.faults.pending() == [] and one.state.clock.state().offset_ms == 0
    assert one.state.model.api_key == one.key  # a reset keeps the tenant's own credentials


def test_delete_and_clear() -> None:
    tenants = registry()
    one = tenants.create({})
    assert tenants.delete(one.id) and not tenants.delete(one.id)
    tenants.create({})
    tenants.clear()
    assert len(tenants) == 0 and tenants.resolve(bearer(one.key)) is tenants.default
