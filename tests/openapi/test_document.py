"""``GET /__mock__/openapi.json``: a valid OpenAPI 3.1 document of exactly the routes each provider serves."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from aiohttp import web
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from sealmail import MockServerFactory
from sealmail.mockservers.core import providers
from sealmail.mockservers.core.app import create_app
from sealmail.mockservers.core.control_spec import add_control_route, control_call, obj
from sealmail.mockservers.core.openapi import control_routes, openapi_document, undeclared_routes


@pytest.mark.parametrize("provider_id", list(providers()))
def test_served_document_is_valid_openapi_3_1_of_every_control_route(provider_id: str, mock_server: MockServerFactory) -> None:
    mock = mock_server(provider_id)
    answer = requests.get(mock.url + "/__mock__/openapi.json", timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    document = answer.json()
    validate(document)  # the OpenAPI 3.1 meta-schema and the specification's own rules
    assert document["openapi"] == "3.1.0"
    assert document["servers"] == [{"url": mock.url}]
    index = requests.get(mock.url + "/__mock__/", timeout=10).json()["calls"]
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == {(c["method"], c["path"]) for c in index}, "the document and GET /__mock__/ list the same calls"
    summaries = {(c["method"], c["path"]): c["description"] for c in index}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] == summaries[(method.upper(), path)]
            assert any(status.startswith("2") for status in operation["responses"])
            assert operation["responses"]["4XX"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert mock.requests() == []  # control traffic, never journaled


@pytest.mark.parametrize("provider_id", list(providers()))
def test_every_control_route_is_declared_and_examples_match_their_schemas(provider_id: str) -> None:
    app = create_app(provider_id)
    assert undeclared_routes(app) == [], "give these handlers a @control_call declaration (core/control_spec.py)"
    document = openapi_document(app)
    examples = 0
    for item in document["paths"].values():
        for operation in item.values():
            bodies = [operation.get("requestBody", {}).get("content", {}).get("application/json", {})]
            bodies += [r.get("content", {}).get("application/json", {}) for r in operation["responses"].values()]
            for body in bodies:
                if "example" in body:
                    Draft202012Validator(body["schema"]).validate(body["example"])
                    examples += 1
    assert examples >= 4
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_a_route_added_without_a_declaration_is_reported_and_left_out() -> None:
    app = create_app("netcore-email")

    async def sneaky(request: web.Request) -> web.Response:
        """Not declared."""
        return web.json_response({})

    app.router.add_get("/__mock__/sneaky", sneaky)
    assert undeclared_routes(app) == ["GET /__mock__/sneaky"]
    assert "/__mock__/sneaky" not in openapi_document(app)["paths"]
    with pytest.raises(TypeError, match="no @control_call"):
        add_control_route(app, sneaky)


def test_a_declaration_at_another_path_than_its_route_counts_as_undeclared() -> None:
    app = create_app("netcore-email")

    @control_call("GET", "/__mock__/declared-here", responses={200: obj()})
    async def moved(request: web.Request) -> web.Response:
        """Declared at one path, routed at another."""
        return web.json_response({})

    app.router.add_get("/__mock__/routed-there", moved)
    assert undeclared_routes(app) == ["GET /__mock__/routed-there"]
    assert ("GET", "/__mock__/routed-there", moved) in control_routes(app)


def test_request_schema_of_faults_matches_what_the_handler_accepts(mock_server: MockServerFactory) -> None:
    """The declared schema and the hand-written parser agree on a few bodies either side of the line."""
    mock = mock_server("netcore-email")
    document: dict[str, Any] = requests.get(mock.url + "/__mock__/openapi.json", timeout=10).json()
    schema = document["paths"]["/__mock__/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator(schema)
    bodies = [
        {"status": 503}, {"faults": [{"status": 500}, {"drop": True}]}, {"times": 0}, {"status": 200},
        {"bogus": 1}, {"delay_ms": 60001}, {"drop": True, "status": 500}, {"drop": True, "status": None}, {"faults": [{"bogus": 1}]}, [], {"status": "500"},
    ]
    for body in bodies:
        answer = requests.post(mock.url + "/__mock__/faults", json=body, timeout=10)
        requests.delete(mock.url + "/__mock__/faults", timeout=10)
        assert validator.is_valid(body) == (answer.status_code == 200), (body, answer.status_code, answer.text)


@pytest.mark.parametrize("provider_id", list(providers()))
def test_every_documented_request_example_is_a_body_the_handler_takes(provider_id: str, mock_server: MockServerFactory) -> None:
    """An example a user copies from the document is never refused as malformed (400)."""
    mock = mock_server(provider_id)
    document = requests.get(mock.url + "/__mock__/openapi.json", timeout=10).json()
    tried = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" not in body:
                continue
            concrete = path.replace("{", "").replace("}", "")  # an id no object has: 404, never 400
            answer = requests.request(method.upper(), mock.url + concrete, json=body["example"], timeout=10)
            assert answer.status_code != 400 and answer.status_code < 500, (method, path, answer.status_code, answer.text)
            tried.append((method, path))
    assert ("post", "/__mock__/faults") in tried and ("post", "/__mock__/clock") in tried


REFUSED_BY_SCHEMA = [
    ("netcore-email", "POST", "/__mock__/clock", {"offset_ms": 1.5}),
    ("netcore-email", "POST", "/__mock__/clock", {"now_ms": "1700000000000"}),
    ("netcore-email", "POST", "/__mock__/clock", {"offset_ms": 1, "frozen": "yes"}),
    ("autosend", "POST", "/__mock__/errors", {"code": "NOPE"}),
    ("autosend", "POST", "/__mock__/errors", {"code": "UNKNOWN_KEY_ID", "times": 0}),
    ("autosend", "POST", "/__mock__/keys/retire", {"kid": ""}),
    ("autosend", "POST", "/__mock__/keys/import", {"jwk": "not an object"}),
    ("autosend", "POST", "/__mock__/keys/import", {"jwk": {}, "active": "yes"}),
    ("ncp-mailer", "POST", "/__mock__/credentials", {"accessKey": 5}),
    ("ncp-mailer", "POST", "/__mock__/templates", {"templateSid": 1, "title": "t"}),
    ("ncp-mailer", "POST", "/__mock__/templates", {"templateSid": True, "title": "t", "body": "b"}),
    ("ncp-mailer", "POST", "/__mock__/mails/{mailId}/status", {"status": "Z"}),
    ("netcore-ce", "POST", "/__mock__/assets", {"asset": "a", "key": "A" * 32, "iv": "B" * 16, "colour": 1}),
    ("netcore-ce", "POST", "/__mock__/assets", {"asset": "has space", "key": "A" * 32, "iv": "B" * 16}),
    ("netcore-ce", "POST", "/__mock__/assets", {"asset": "a", "key": "A" * 32, "iv": "B" * 16, "ecodes": []}),
    ("stayprivate", "POST", "/__mock__/companies", {"company_api_id": "c", "public_key_pem": "x", "domains": []}),
    ("stayprivate", "POST", "/__mock__/companies", {"company_api_id": "c", "public_key_pem": "x", "domains": ["a.example"], "extra": 1}),
    ("stayprivate", "POST", "/__mock__/companies", {"company_api_id": "has space", "public_key_pem": "x", "domains": ["a.example"]}),
]


@pytest.mark.parametrize("provider_id, method, path, body", REFUSED_BY_SCHEMA)
def test_a_body_the_declared_schema_refuses_the_handler_refuses_too(
    provider_id: str, method: str, path: str, body: Any, mock_server: MockServerFactory
) -> None:
    """The declared request schema is never stricter than the hand-written parser beside it."""
    mock = mock_server(provider_id)
    document = requests.get(mock.url + "/__mock__/openapi.json", timeout=10).json()
    schema = document["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    assert not Draft202012Validator(schema).is_valid(body)
    answer = requests.request(method, mock.url + path.replace("{mailId}", "no-such-mail"), json=body, timeout=10)
    assert answer.status_code == 400 and set(answer.json()) == {"error"}, answer.text
