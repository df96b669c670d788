"""The registries the control API fills are capped (core/registry_caps.py): a test loop cannot grow a mock forever.

Before, ``POST /__mock__/companies`` (stayprivate), ``/assets`` (netcore-ce), ``/credentials`` and
``/templates`` (ncp-mailer) kept every new id: a loop registering fresh ones grew without limit.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from sealmail.mockservers.core import create_app
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PUBLIC_KEY_PEM

CAP = 3


def _company(i: int) -> dict[str, Any]:
    return {"company_api_id": f"co-{i}", "public_key_pem": DEFAULT_PUBLIC_KEY_PEM, "domains": ["example.com"]}


def _asset(i: int) -> dict[str, Any]:
    return {"asset": f"asset-{i}", "key": "0123456789abcdef0123456789abcdef", "iv": "abcdef9876543210", "ecodes": [11256]}


def _credential(i: int) -> dict[str, Any]:
    return {"accessKey": f"ACCESS{i}", "secretKey": f"secret-{i}"}


def _template(i: int) -> dict[str, Any]:
    return {"templateSid": i, "title": "t", "body": "b"}


REGISTRIES = [  # provider, path, item maker, kind named in the error
    ("stayprivate", "/__mock__/companies", _company, "companies"),
    ("netcore-ce", "/__mock__/assets", _asset, "assets"),
    ("ncp-mailer", "/__mock__/credentials", _credential, "credentials"),
    ("ncp-mailer", "/__mock__/templates", _template, "templates"),
]


@pytest.mark.parametrize(("provider", "path", "item", "kind"), REGISTRIES, ids=[r[3] for r in REGISTRIES])
async def test_one_more_than_the_capacity_is_refused_naming_the_cap_and_the_way_out(
    aiohttp_client: Any, provider: str, path: str, item: Callable[[int], dict[str, Any]], kind: str
) -> None:
    client = await aiohttp_client(create_app(provider, {"registry_capacity": CAP}))
    statuses = [(await client.post(path, json=item(i))).status for i in range(CAP + 1)]
    assert statuses[0] in (200, 201)
    assert 409 in statuses  # the default item (company, asset, credential) counts too
    refused_at = statuses.index(409)
    assert all(s in (200, 201) for s in statuses[:refused_at]) and all(s == 409 for s in statuses[refused_at:])
    refusal = await client.post(path, json=item(CAP + 1))
    error = (await refusal.json())["error"]
    assert refusal.status == 409
    assert f"registry_capacity={CAP}" in error and kind in error
    assert f"--set {provider}.registry_capacity=N" in error and "POST /__mock__/reset" in error

    replaced = await client.post(path, json=item(0))  # an id already held: a replacement, allowed at the cap
    assert replaced.status in (200, 201)
    assert (await client.post("/__mock__/reset")).status == 200
    assert (await client.post(path, json=item(CAP + 1))).status in (200, 201)  # reset made room


async def test_the_byte_cap_refuses_a_template_whose_text_does_not_fit(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app("ncp-mailer", {"registry_max_bytes": 4096}))
    assert (await client.post("/__mock__/templates", json={"templateSid": 1, "title": "t", "body": "x" * 3000})).status == 201
    refusal = await client.post("/__mock__/templates", json={"templateSid": 2, "title": "t", "body": "x" * 3000})
    assert refusal.status == 409
    assert "registry_max_bytes=4096" in (await refusal.json())["error"]
    smaller = await client.post("/__mock__/templates", json={"templateSid": 1, "title": "t", "body": "x" * 10})
    assert smaller.status == 201  # replacing a big one with a small one frees its bytes
    assert (await client.post("/__mock__/templates", json={"templateSid": 2, "title": "t", "body": "x" * 3000})).status == 201


async def test_a_credential_with_a_huge_secret_is_refused_by_bytes(aiohttp_client: Any) -> None:
    client = await aiohttp_client(create_app("ncp-mailer", {"registry_max_bytes": 1 << 16}))
    refusal = await client.post("/__mock__/credentials", json={"accessKey": "BIG", "secretKey": "s" * (1 << 17)})
    assert refusal.status == 409 and "registry_max_bytes" in (await refusal.json())["error"]
    listed = await (await client.get("/__mock__/credentials")).json()
    assert [c["accessKey"] for c in listed["credentials"]] != ["BIG"] and len(listed["credentials"]) == 1
