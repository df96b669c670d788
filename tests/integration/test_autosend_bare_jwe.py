"""AutoSend: a JWE sent as the bare body (or a quoted JSON string) instead of {"encryptedData": "<JWE>"} says so."""

from __future__ import annotations

import json

import pytest
import requests

from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend import spec

MAIL = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "subject": "Hi", "html": "<p>x</p>"}


def _token(mock: MockHandle) -> tuple[str, str]:
    key = requests.get(mock.url + spec.JWKS_PATH, timeout=5).json()["keys"][0]
    token = jwe.encrypt_compact(json.dumps(MAIL).encode(), jwe.import_encryption_key(key), kid=key["kid"])
    return token, key["kid"]


@pytest.mark.parametrize("shape", ["bare", "quoted"])
@pytest.mark.parametrize("with_header", [True, False])
def test_a_bare_jwe_body_is_named(autosend_mock: MockHandle, shape: str, with_header: bool) -> None:
    token, kid = _token(autosend_mock)
    headers = {"Authorization": f"Bearer {autosend_mock.config['api_key']}", "Content-Type": "application/json", "X-Key-Id": kid}
    if with_header:
        headers["X-Payload-Encryption"] = "jwe"
    body = token if shape == "bare" else json.dumps(token)
    answer = requests.post(autosend_mock.url + "/v1/mails/send", data=body, headers=headers, timeout=10)
    assert answer.status_code == 400
    [entry] = autosend_mock.rejections()
    assert '{"encryptedData": "<JWE>"}' in (entry.detail or "")
