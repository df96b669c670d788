"""Every provider: a tenant's own credentials are accepted, attributed to it alone, and
the default credentials keep working for the default tenant beside it."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import requests

from sealmail.mockservers.core.remote_handle import ControlCallError, TenantHandle, control_call

from ..inspector import traffic
from .test_cli import Served, serve  # noqa: F401 - the fixture

SEND: dict[str, Callable[[Any], Any]] = {
    "netcore-email": traffic.netcore_email,
    "autosend": traffic.autosend,
    "ncp-mailer": traffic.ncp_mailer,
    "netcore-ce": traffic.netcore_ce,
    "stayprivate": traffic.stayprivate,
}


@pytest.mark.parametrize("provider_id", sorted(SEND))
def test_a_tenant_is_a_dedicated_server(mock_server: Any, provider_id: str) -> None:
    mock = mock_server(provider_id)
    tenant = TenantHandle.create(mock.url)
    assert tenant.config["provider"] == provider_id and tenant.config != mock.config
    SEND[provider_id](tenant)
    tenant.assert_all_accepted()
    assert len(tenant.requests()) >= 1 and tenant.messages()
    assert mock.requests() == [] and mock.messages() == []
    SEND[provider_id](mock)  # the default credentials still reach the default tenant
    mock.assert_all_accepted()
    assert len(tenant.requests()) == len(mock.requests())


def test_autosend_tenants_share_the_jwks(autosend_mock: Any) -> None:
    tenant = TenantHandle.create(autosend_mock.url)
    assert tenant.config["jwks_url"] == autosend_mock.config["jwks_url"]
    autosend_mock.model.rotate()
    traffic.autosend(tenant)  # encrypted to the shared ring's new active key
    tenant.assert_all_accepted()


def test_stayprivate_tenant_with_the_callers_own_key(stayprivate_mock: Any) -> None:
    from sealmail.mockservers.providers.stayprivate.test_keys import OTHER_PRIVATE_KEY_PEM

    tenant = TenantHandle.create(stayprivate_mock.url, private_key_pem=OTHER_PRIVATE_KEY_PEM)
    assert tenant.config["private_key_pem"] == OTHER_PRIVATE_KEY_PEM
    traffic.stayprivate(tenant)
    tenant.assert_all_accepted()


def test_tenant_control_errors(ncp_mailer_mock: Any) -> None:
    base = ncp_mailer_mock.url + "/__mock__/"
    with pytest.raises(ControlCallError, match="404"):
        control_call(base + "requests?tenant=t-nope")
    with pytest.raises(ControlCallError, match="404"):
        control_call(base + "faults", "POST", {"tenant": "t-nope", "status": 503})
    with pytest.raises(ControlCallError, match="400.*unknown tenant field"):
        control_call(base + "tenants", "POST", {"colour": "blue"})
    with pytest.raises(ControlCallError, match="404"):
        control_call(base + "tenants/t-nope", "DELETE")
    assert control_call(base + "requests?tenant=default")["requests"] == []


def test_serve_logs_tenant_requests_too(serve: type[Served]) -> None:
    server = serve("--provider", "netcore-email", "--port-base", "0", "--json", "--no-inspector")
    row = server.mocks()["netcore-email"]
    tenant = TenantHandle.create(row["base_url"])
    requests.post(row["send_url"], json={}, headers={"Authorization": f"Bearer {tenant.config['api_key']}"}, timeout=10)
    line = server.line(timeout=5)
    assert "netcore-email POST /v6/mail/send 400 rejected" in line  # authenticated as the tenant: a payload error
    assert [e.status for e in tenant.requests()] == [400]
    assert server.terminate() == 0


def test_stayprivate_tenant_registering_only_its_public_key(stayprivate_mock: Any) -> None:
    from sealmail.mockservers.providers.stayprivate.companies import key_pair_from_private_pem
    from sealmail.mockservers.providers.stayprivate.test_keys import OTHER_PRIVATE_KEY_PEM

    public_pem = key_pair_from_private_pem(OTHER_PRIVATE_KEY_PEM).public_key_pem
    tenant = TenantHandle.create(stayprivate_mock.url, public_key_pem=public_pem)
    assert tenant.config["private_key_pem"] is None and tenant.config["public_key_pem"] == public_pem
    traffic.stayprivate(_WithPrivateKey(tenant, OTHER_PRIVATE_KEY_PEM))  # the caller signs with the key it kept
    tenant.assert_all_accepted()
    with pytest.raises(ControlCallError, match="400.*public_key_pem rejected"):
        TenantHandle.create(stayprivate_mock.url, public_key_pem="-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")


class _WithPrivateKey:
    """A tenant handle whose config carries the private key its caller kept to itself."""

    def __init__(self, tenant: TenantHandle, private_key_pem: str) -> None:
        self.url = tenant.url
        self.config = {**tenant.config, "private_key_pem": private_key_pem}
