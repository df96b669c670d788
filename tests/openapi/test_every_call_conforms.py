"""Every control call of every provider, once answered 2xx and once 4xx, each answer checked against
the provider's OpenAPI document (tests/openapi_contract.py, the same check the whole suite runs)."""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk

from sealmail import MockHandle, MockServerFactory
from sealmail.conformance.clients.ncp_mailer import NcpMailerSyncClient
from sealmail.conformance.clients.stayprivate import OutgoingAttachment, StayPrivateSyncClient

from .. import openapi_contract
from ..openapi_contract import CONTRACT

BODY_LIMIT = 8192
"""The mocks here refuse bodies past this: an oversized body is the 4xx every call can answer (413)."""

Call = Callable[..., Any]


def caller(mock: MockHandle[Any]) -> Call:
    def call(method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        answer = requests.request(method, mock.url + path, json=body, timeout=10)
        assert answer.status_code == expect, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else answer.content
    return call


def common_calls(call: Call) -> None:
    call("GET", "/__mock__/")
    call("GET", "/__mock__/openapi.json")
    call("GET", "/__mock__/health")
    call("GET", "/__mock__/config")
    call("GET", "/__mock__/requests?outcome=rejected")
    call("GET", "/__mock__/messages")
    call("GET", "/__mock__/usage")
    call("POST", "/__mock__/faults", {"faults": [{"status": 503, "path": "/nowhere/*"}, {"drop": True, "method": "PUT"}]})
    call("POST", "/__mock__/faults", {"status": 200}, expect=400)
    call("GET", "/__mock__/faults")
    call("DELETE", "/__mock__/faults")
    call("POST", "/__mock__/clock", {"offset_ms": 60_000, "frozen": True})
    call("POST", "/__mock__/clock", {"offset_ms": "soon"}, expect=400)
    call("GET", "/__mock__/clock")
    call("POST", "/__mock__/reset")
    tenant = call("POST", "/__mock__/tenants", {}, expect=201)
    call("POST", "/__mock__/tenants", {"colour": "blue"}, expect=400)
    call("GET", "/__mock__/tenants")
    call("POST", "/__mock__/faults", {"tenant": tenant["id"], "status": 503})
    call("GET", f"/__mock__/requests?tenant={tenant['id']}")
    call("GET", "/__mock__/requests?tenant=t-gone", expect=404)
    call("DELETE", f"/__mock__/tenants/{tenant['id']}")
    call("DELETE", f"/__mock__/tenants/{tenant['id']}", expect=404)


def autosend_calls(mock: MockHandle[Any], call: Call) -> None:
    call("GET", "/__mock__/keys?private=1")
    retired = call("POST", "/__mock__/keys/rotate")["keys"][-1]["kid"]
    call("POST", "/__mock__/keys/retire", {"kid": retired})
    call("POST", "/__mock__/keys/retire", {"kid": retired}, expect=404)
    mine = jwk.JWK.generate(kty="RSA", size=2048, kid="openapi-test-key").export_private(as_dict=True)
    call("POST", "/__mock__/keys/import", {"jwk": mine, "active": False})
    call("POST", "/__mock__/keys/import", {"jwk": {"kty": "oct"}}, expect=400)
    call("POST", "/__mock__/errors", {"code": "UNKNOWN_KEY_ID", "times": 2})
    call("POST", "/__mock__/errors", {"code": "NOT_A_CODE"}, expect=400)
    call("GET", "/__mock__/errors")
    call("DELETE", "/__mock__/errors")


def ncp_mailer_calls(mock: MockHandle[Any], call: Call) -> None:
    credential = call("POST", "/__mock__/credentials", {}, expect=201)
    call("POST", "/__mock__/credentials", {"accessKey": ""}, expect=400)
    call("GET", "/__mock__/credentials")
    call("DELETE", f"/__mock__/credentials/{credential['accessKey']}")
    call("DELETE", f"/__mock__/credentials/{credential['accessKey']}", expect=404)
    call("POST", "/__mock__/templates", {"templateSid": 7, "title": "Hi", "body": "<p>Hi</p>"}, expect=201)
    call("POST", "/__mock__/templates", {"templateSid": "7"}, expect=400)
    with NcpMailerSyncClient(mock.url, mock.config["access_key"], mock.config["secret_key"]) as client:
        sent = client.send({"senderAddress": "a@example.com", "title": "t", "body": "b",
                            "recipients": [{"address": "b@example.org", "type": "R"}]})
        mail_id = client.list_mails(sent.request_id)["content"][0]["mailId"]
    call("POST", f"/__mock__/mails/{mail_id}/status", {"status": "F"})
    call("POST", f"/__mock__/mails/{mail_id}/status", {"status": "X"}, expect=400)
    call("POST", "/__mock__/mails/no-such-mail/status", {"status": None}, expect=404)


def netcore_ce_calls(mock: MockHandle[Any], call: Call) -> None:
    call("POST", "/__mock__/assets", {"asset": "openapi-asset", "key": "A" * 32, "iv": "B" * 16})
    call("POST", "/__mock__/assets", {"asset": "openapi-asset", "key": "short"}, expect=400)
    call("GET", "/__mock__/assets")
    call("DELETE", "/__mock__/assets/openapi-asset")
    call("DELETE", "/__mock__/assets/openapi-asset", expect=404)


def stayprivate_calls(mock: MockHandle[Any], call: Call) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    company = {"company_api_id": "openapi-co", "public_key_pem": pem, "domains": ["openapi.example"]}
    call("POST", "/__mock__/companies", company, expect=201)
    call("POST", "/__mock__/companies", company, expect=200)
    call("POST", "/__mock__/companies", {**company, "colour": "blue"}, expect=400)
    call("GET", "/__mock__/companies")
    call("DELETE", "/__mock__/companies/openapi-co")
    call("DELETE", "/__mock__/companies/openapi-co", expect=404)
    config = mock.config
    with StayPrivateSyncClient(mock.url, config["company_api_id"], config["private_key_pem"]) as client:
        sender = "someone@" + config["domains"][0]
        email_ref = client.prepare(sender, subject="s", body="b")
        file_ref = client.upload(email_ref, OutgoingAttachment("a.txt", b"hello", "text/plain"))
    call("GET", "/__mock__/emails")
    call("GET", f"/__mock__/emails/{email_ref}")
    call("GET", "/__mock__/emails/no-such-ref", expect=404)
    assert call("GET", f"/__mock__/emails/{email_ref}/attachments/{file_ref}") == b"hello"
    call("GET", f"/__mock__/emails/{email_ref}/attachments/no-such-file", expect=404)


OWN_CALLS = {
    "netcore-email": lambda mock, call: None,
    "autosend": autosend_calls,
    "ncp-mailer": ncp_mailer_calls,
    "netcore-ce": netcore_ce_calls,
    "stayprivate": stayprivate_calls,
}


@pytest.mark.parametrize("provider_id", list(OWN_CALLS))
def test_every_control_call_answers_2xx_and_4xx_as_documented(provider_id: str, mock_server: MockServerFactory) -> None:
    openapi_contract.install()  # also when the suite-wide check is off (SEALMAIL_OPENAPI_CHECK=0)
    mock = mock_server(provider_id, max_body_bytes=BODY_LIMIT)
    call = caller(mock)
    document = call("GET", "/__mock__/openapi.json")
    common_calls(call)
    OWN_CALLS[provider_id](mock, call)
    for path, item in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "unknown", path)
        for method in item:
            answer = call(method.upper(), concrete, {"padding": "x" * BODY_LIMIT}, expect=413)
            assert set(answer) == {"error"}
    assert CONTRACT.take() == []
    host = mock.url.split("//", 1)[1]
    seen = {(method, path, status // 100) for (where, method, path, status) in CONTRACT.seen if where == host}
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert {(m, p) for m, p, _ in seen} == documented
    assert sorted(call for call in documented if (*call, 2) not in seen) == [], "calls never answered 2xx here"
    assert sorted(call for call in documented if (*call, 4) not in seen) == []
