"""A journal diagnosis that runs after the answer does not hold the client's connection.

Before: the middleware awaited the diagnosis before the request ended, so the next request on the
same keep-alive connection was answered later by the diagnosis' cost, which differs by failure
class (autosend, median of 400 pipelined pairs on one machine: the request after an RSA-OAEP
unwrap failure done 3.3 ms after sending, after a tag mismatch 1.3 ms) - the step that failed
showed after all. Now the diagnosis runs in a task of its own; the journal still gets its hint.
"""

from __future__ import annotations

import asyncio
import base64
import threading
from typing import Any

import pytest

from sealmail.conformance.clients import netcore_email as client_lib
from sealmail.mockservers.core import create_app, diagnosis

PAYLOAD = {"from": {"email": "a@example.com"}, "subject": "s", "content": [{"type": "html", "value": "<p>x</p>"}],
           "personalizations": [{"to": [{"email": "b@example.org"}]}]}


def _tag_mismatch() -> tuple[bytes, dict[str, str]]:
    encrypted = client_lib.encrypt_request(PAYLOAD)
    blob = bytearray(base64.b64decode(encrypted.body))
    blob[-1] ^= 1
    return base64.b64encode(bytes(blob)), {**encrypted.headers, "Authorization": "Bearer sealmail-netcore-email-key"}


async def test_the_next_request_on_the_connection_does_not_wait_for_the_diagnosis(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app("netcore-email")
    client = await aiohttp_client(app)
    next_answered, diagnosed = threading.Event(), threading.Event()
    original = diagnosis._run_all

    def slow_diagnosis(scheduled: Any) -> list[str]:  # finishes once the next answer arrived (or after 10 s)
        next_answered.wait(10)
        hints = original(scheduled)
        diagnosed.set()
        return hints

    monkeypatch.setattr(diagnosis, "_run_all", slow_diagnosis)
    body, headers = _tag_mismatch()
    refused = await client.post("/v6/mail/send", data=body, headers=headers)
    assert refused.status == 400 and (await refused.json())["error"][0]["code"] == "decryption_failed"
    health = await asyncio.wait_for(client.get("/__mock__/health"), 20)  # the same keep-alive connection
    answered_first = not diagnosed.is_set()
    next_answered.set()
    assert answered_first and health.status == 200, "the next request waited for the previous one's diagnosis"
    journal = await (await client.get("/__mock__/requests")).json()  # waits for pending diagnoses
    (entry,) = journal["requests"]
    assert entry["reason"] == "gcm_tag_mismatch" and "diagnosis_ms" in entry["details"]

