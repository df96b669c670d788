"""Hypothesis properties of the netcore-email mock.

1. Any JSON payload (unicode, nesting, up to ~1 MB) sent by the reference
   client is stored exactly as sent.
2. Any single-bit change to the body's ciphertext, the tag, the IV or the key
   is rejected with a 4xx (and nothing stored).
3. Arbitrary junk in headers and body never yields a 5xx, and the control API
   keeps answering afterwards.

Example counts come from the Hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import base64
import json
import socket
from typing import Any, Iterator

import pytest
import requests
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from sealmail.conformance.clients.netcore_email import NetcoreEmailSyncClient, encrypt_request
from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.crypto import aes_gcm
from sealmail.mockservers.providers.netcore_email import spec

PROFILE_EXAMPLES = settings.default.max_examples
FEW = settings(max_examples=max(10, PROFILE_EXAMPLES // 2), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

BASE: dict[str, Any] = {
    "personalizations": [{"to": [{"email": "to@example.com"}]}],
    "from": {"email": "from@example.com"},
    "subject": "property",
    "content": [{"type": "html", "value": "x"}],
}


@pytest.fixture(scope="module")
def mock(sealmail_pool: MockPool) -> MockHandle:
    return sealmail_pool.acquire("netcore-email")


@pytest.fixture(scope="module")
def client(mock: MockHandle) -> Iterator[NetcoreEmailSyncClient]:
    with NetcoreEmailSyncClient(mock.url, mock.config["api_key"]) as sync_client:
        yield sync_client


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


# --- 1. payload round trip ---------------------------------------------------------
json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=12), children, max_size=6),
    max_leaves=40,
)
non_blank = st.text(min_size=1).filter(lambda s: s.strip() != "")
extra_keys = st.text(min_size=1, max_size=20).filter(lambda k: k not in spec.KNOWN_FIELDS)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    payload = json.loads(json.dumps(BASE))
    payload["subject"] = draw(non_blank)
    payload["content"][0]["value"] = draw(st.text())
    payload["from"]["name"] = draw(st.text())
    payload["personalizations"][0]["to"][0]["name"] = draw(st.text())
    payload["personalizations"][0]["attributes"] = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=5))
    payload["settings"] = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3))
    payload.update(draw(st.dictionaries(extra_keys, json_values, max_size=3)))
    return payload


def _with(**changes: Any) -> dict[str, Any]:
    payload = json.loads(json.dumps(BASE))
    payload.update(changes)
    return payload


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for i in range(levels):
        value = [value] if i % 2 else {"k": value}
    return value


MEGABYTE_TEXT = ("Grüße, 世界! 🌍 \u202e\u0000\"\\ </p> " * 30_000)[: 1_000_000 // 2]
MANY_RECIPIENTS = [{"to": [{"email": f"r{i}@example.com", "name": f"Empfänger {i}"} for i in range(2_000)]}]


@FEW
@given(payload=payloads())
@example(payload=_with(content=[{"type": "html", "value": MEGABYTE_TEXT}]))
@example(payload=_with(settings={"blob": "x" * 1_000_000}))
@example(payload=_with(personalizations=MANY_RECIPIENTS))
@example(payload=_with(settings={"deep": _deep(400)}))
def test_any_json_payload_round_trips(mock: MockHandle, client: NetcoreEmailSyncClient, payload: dict[str, Any]) -> None:
    mock.reset()
    result = client.send(payload)
    (message,) = mock.messages()
    assert message.message_id == result.message_id
    assert message.payload == payload
    assert json.dumps(message.payload, sort_keys=True) == json.dumps(payload, sort_keys=True)  # -0.0 vs 0.0, 1 vs 1.0


# --- 2. single-bit changes ----------------------------------------------------------
@FEW
@given(
    key=st.binary(min_size=32, max_size=32),
    iv=st.binary(min_size=12, max_size=12),
    subject=non_blank,
    part=st.sampled_from(["ciphertext", "tag", "iv", "key"]),
    data=st.data(),
)
def test_any_single_bit_change_is_rejected(
    mock: MockHandle, http: requests.Session, key: bytes, iv: bytes, subject: str, part: str, data: st.DataObject
) -> None:
    mock.reset()
    request = encrypt_request(_with(subject=subject), key=key, iv=iv)
    sealed = bytearray(base64.b64decode(request.body))
    fields = {"ciphertext": sealed[:-16], "tag": sealed[-16:], "iv": bytearray(iv), "key": bytearray(key)}
    target = fields[part]
    bit = data.draw(st.integers(0, len(target) * 8 - 1), label="bit")
    target[bit // 8] ^= 1 << (bit % 8)
    headers = {
        **request.headers,
        "Authorization": f"Bearer {mock.config['api_key']}",
        "X-AES-KEY": base64.b64encode(fields["key"]).decode(),
        "X-AES-IV": base64.b64encode(fields["iv"]).decode(),
    }
    body = base64.b64encode(bytes(fields["ciphertext"] + fields["tag"]))
    response = http.post(mock.url + spec.SEND_PATH, headers=headers, data=body, timeout=10)
    assert 400 <= response.status_code < 500
    assert response.json()["error"][0]["code"] == "decryption_failed"
    assert [e.reason for e in mock.requests()] == ["gcm_tag_mismatch"]
    assert mock.messages() == []


# --- 3. junk never gets a 5xx ----------------------------------------------------------
def _b64_of(n: int) -> st.SearchStrategy[str]:
    return st.binary(min_size=n, max_size=n).map(lambda b: base64.b64encode(b).decode())


printable_junk = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
byte_junk = st.binary(max_size=30).map(lambda b: b.decode("latin-1"))  # control bytes: the HTTP parser's job
junk_text = printable_junk | byte_junk


def _mostly(valid: st.SearchStrategy[str], *odd: st.SearchStrategy[str | None]) -> st.SearchStrategy[str | None]:
    """The valid value three times in five, so that junk also reaches the later checks."""
    return st.sampled_from(["valid", "valid", "valid", "absent", "odd"]).flatmap(
        lambda mode: valid if mode == "valid" else st.none() if mode == "absent" else st.one_of(junk_text, *odd)
    )


header_values: dict[str, st.SearchStrategy[str | None]] = {
    "Authorization": _mostly(st.just(f"Bearer {spec.DEFAULT_API_KEY}"), printable_junk.map("Bearer {}".format)),
    "Content-Type": _mostly(st.just("application/json"), st.just("application/json; charset=utf-8")),
    "X-Encryption": _mostly(st.just("1"), st.sampled_from(["0", " 1 ", "2"])),
    "X-Encryption-Version": _mostly(st.just("2"), st.sampled_from(["1", "3", " 2"])),
    "X-AES-KEY": _mostly(_b64_of(32), st.integers(0, 40).flatmap(_b64_of)),
    "X-AES-IV": _mostly(_b64_of(12), st.integers(0, 20).flatmap(_b64_of)),
    "api_key": st.none() | st.just(spec.DEFAULT_API_KEY) | junk_text,
}
json_texts = json_values.map(lambda v: json.dumps(v).encode())
SCHEMA_PATHS = [
    ("from",), ("from", "email"), ("from", "name"), ("personalizations",), ("personalizations", 0),
    ("personalizations", 0, "to"), ("personalizations", 0, "to", 0), ("personalizations", 0, "to", 0, "email"),
    ("personalizations", 0, "cc"), ("personalizations", 0, "headers"), ("personalizations", 0, "attachments"),
    ("subject",), ("content",), ("content", 0), ("content", 0, "type"), ("content", 0, "value"), ("reply_to",),
    ("template_id",), ("attachments",), ("tags",), ("settings",),
]


@st.composite
def broken_payloads(draw: st.DrawFn) -> bytes:
    """A valid payload with one field replaced by any JSON value: exercises every schema rule."""
    payload = draw(payloads())
    *parents, last = draw(st.sampled_from(SCHEMA_PATHS))
    node: Any = payload
    for step in parents:
        node = node[step]
    value = draw(json_values | st.sampled_from(["[email protected]", "a@example.com", [], {}, [{}], ["x"]]))
    if isinstance(node, list):
        node[last] = value
    else:
        node[last] = value
    return json.dumps(payload).encode()


plaintexts = (
    st.binary(max_size=200) | json_texts | payloads().map(lambda p: json.dumps(p).encode()) | broken_payloads()
)


@st.composite
def junk_requests(draw: st.DrawFn) -> tuple[list[tuple[str, str]], bytes]:
    headers = [(name, value) for name, strategy in header_values.items() if (value := draw(strategy)) is not None]
    headers += draw(st.lists(st.tuples(st.from_regex(r"\AX-[A-Za-z0-9-]{1,12}\Z"), junk_text), max_size=3))
    kind = draw(st.sampled_from(["bytes", "base64", "sealed", "sealed", "json"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=300))
    elif kind == "base64":
        body = base64.b64encode(draw(st.binary(max_size=300)))
    elif kind == "json":
        body = draw(plaintexts)
    else:  # correctly sealed with the key and IV in the headers, when they decode: reaches the JSON layer
        key = next((base64.b64decode(v) for n, v in headers if n == "X-AES-KEY" and _is_b64(v, 32)), bytes(32))
        iv = next((base64.b64decode(v) for n, v in headers if n == "X-AES-IV" and _is_b64(v, 12)), bytes(12))
        body = base64.b64encode(aes_gcm.encrypt(key, iv, draw(plaintexts)))
    return headers, body


def _is_b64(text: str, size: int) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == size
    except ValueError:
        return False


def _raw_post(url: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    head = b"POST /v6/mail/send HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for name, value in headers:
        clean = value.encode("latin-1").replace(b"\r", b"").replace(b"\n", b"")
        head += name.encode("ascii") + b": " + clean + b"\r\n"
    head += b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    status_line, _, rest = reply.partition(b"\r\n")
    raw_headers, _, content = rest.partition(b"\r\n\r\n")
    fields = dict(line.decode("latin-1").split(": ", 1) for line in raw_headers.split(b"\r\n") if b": " in line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in fields.items()}, content


@FEW
@given(request=junk_requests())
def test_junk_never_gets_a_5xx(mock: MockHandle, http: requests.Session, request: tuple[list[tuple[str, str]], bytes]) -> None:
    mock.reset()
    headers, body = request
    status, response_headers, content = _raw_post(mock.url, headers, body)
    assert status < 500, content
    if response_headers.get("content-type", "").startswith("application/json"):
        (entry,) = mock.requests()
        assert entry.status == status
        event(f"reason: {entry.reason}")  # --hypothesis-show-statistics shows how deep the junk got
        if status >= 400:
            assert entry.reason and entry.reason != "internal_error"
            assert json.loads(content)["status"] == "error"
        else:
            assert len(mock.messages()) == 1
    for path in ("/__mock__/requests", "/__mock__/messages"):
        control = http.get(mock.url + path, timeout=10)
        assert control.status_code == 200
        control.json()


@FEW
@given(plaintext=broken_payloads(), encrypt=st.booleans())
def test_schema_violations_are_400_naming_the_field(
    mock: MockHandle, http: requests.Session, plaintext: bytes, encrypt: bool
) -> None:
    mock.reset()
    headers = {"Authorization": f"Bearer {mock.config['api_key']}", "Content-Type": "application/json"}
    body = plaintext
    if encrypt:
        key, iv = bytes(32), bytes(12)
        body = base64.b64encode(aes_gcm.encrypt(key, iv, plaintext))
        headers.update({"X-Encryption": "1", "X-Encryption-Version": "2",
                        "X-AES-KEY": base64.b64encode(key).decode(), "X-AES-IV": base64.b64encode(iv).decode()})
    response = http.post(mock.url + spec.SEND_PATH, headers=headers, data=body, timeout=10)
    (entry,) = mock.requests()
    if response.status_code == 200:
        assert mock.payloads() == [json.loads(plaintext)]
        return
    event(f"reason: {entry.reason}")
    assert response.status_code == 400, response.text
    item = response.json()["error"][0]
    assert item["code"] == "invalid_payload"
    assert item["field"] and item["field"] == entry.field
    assert mock.messages() == []
