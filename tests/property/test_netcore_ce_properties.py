"""Properties of the netcore-ce mock over HTTP.

- Round trip: any valid activity batch, encrypted with any eCode by the
  reference client's functions, is accepted and stored exactly, one message
  per activity.
- No oracle: any single-bit change of the ciphertext, and any text that is not
  a ciphertext, yields the one uniform decryption error, byte for byte.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from sealmail.conformance.clients.netcore_ce import encode_activities, encrypt_text
from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.providers.netcore_ce import spec

SESSION = requests.Session()
"""One keep-alive connection for all examples (a new TCP connection per example costs more than the check)."""
ECODES = st.sampled_from([11256, 11257, 11258])
UNIFORM = {"status": "error", "code": "decryption_failed", "message": "Unable to decrypt encryptedRequest",
           "error": "Unable to decrypt encryptedRequest"}

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_names = _text.filter(lambda s: s.strip() != "")
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)
_times = st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%S") + (f".{d.microsecond:06d}" if d.microsecond % 7 == 0 else "") + "Z"
)


def _activities(asset: str) -> st.SearchStrategy[list[dict[str, Any]]]:
    one = st.fixed_dictionaries({
        "asset_id": st.just(asset),
        "activity_name": _names,
        "timestamp": _times,
        "identity": _names | st.integers(-(2**63), 2**63),
        "activity_source": st.sampled_from(["web", "app"]),
        "activity_params": st.dictionaries(_text, _json, max_size=5),
    })
    return st.lists(one, min_size=1, max_size=5)


def _credentials(mock: MockHandle, ecode: int) -> tuple[str, str | None]:
    config = mock.config
    return (config["gcm_key"], None) if ecode == 11258 else (config["key"], config["iv"])


def _post(mock: MockHandle, ecode: int, text: str) -> requests.Response:
    config = mock.config
    headers = {"Content-Type": "application/json", "x-eCode": str(ecode), "x-asset": config["asset"],
               "Authorization": f"Bearer {config['api_key']}"}
    return SESSION.post(mock.url + spec.UPLOAD_PATH, data=json.dumps({"encryptedRequest": text}), headers=headers, timeout=10)


def _decode(ecode: int, text: str) -> bytes:
    return bytes.fromhex(text) if ecode == 11257 else base64.b64decode(text)


def _encode(ecode: int, data: bytes) -> str:
    return data.hex() if ecode == 11257 else base64.b64encode(data).decode()


@settings(max_examples=max(30, settings.default.max_examples), deadline=None)
@given(ecode=ECODES, batch=_activities(spec.DEFAULT_ASSET))
def test_any_activity_batch_round_trips(sealmail_pool: MockPool, ecode: int, batch: list[dict[str, Any]]) -> None:
    mock = sealmail_pool.acquire("netcore-ce")
    text = encrypt_text(encode_activities(batch), ecode, *_credentials(mock, ecode))
    reply = _post(mock, ecode, text)
    assert reply.status_code == 200, (reply.text, mock.explain())
    assert reply.json()["data"]["count"] == len(batch)
    assert mock.payloads() == batch
    assert [m.meta["index"] for m in mock.messages()] == list(range(len(batch)))


@settings(max_examples=max(30, settings.default.max_examples), deadline=None)
@given(ecode=ECODES, batch=_activities(spec.DEFAULT_ASSET), data=st.data())
def test_any_single_bit_change_yields_the_uniform_error(sealmail_pool: MockPool, ecode: int, batch: list[dict[str, Any]], data: st.DataObject) -> None:
    mock = sealmail_pool.acquire("netcore-ce")
    ciphertext = bytearray(_decode(ecode, encrypt_text(encode_activities(batch), ecode, *_credentials(mock, ecode))))
    bit = data.draw(st.integers(0, len(ciphertext) * 8 - 1), label="bit")
    ciphertext[bit // 8] ^= 1 << (bit % 8)
    reply = _post(mock, ecode, _encode(ecode, bytes(ciphertext)))
    assert (reply.status_code, reply.json()) == (400, UNIFORM), mock.explain()
    assert mock.messages() == []


@settings(max_examples=max(30, settings.default.max_examples), deadline=None)
@given(ecode=ECODES, text=st.text(alphabet="ABCDEFabcdef0123456789+/=xyz -_", max_size=120))
def test_any_text_that_is_not_a_ciphertext_yields_the_uniform_error(sealmail_pool: MockPool, ecode: int, text: str) -> None:
    mock = sealmail_pool.acquire("netcore-ce")
    reply = _post(mock, ecode, text)
    assert (reply.status_code, reply.json()) == (400, UNIFORM), mock.explain()


_header_values = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
"""Visible ASCII: what an HTTP client library lets through in a header value."""


@settings(max_examples=max(30, settings.default.max_examples), deadline=None)
@given(
    ecode=st.one_of(st.none(), st.sampled_from(["11256", "11257", "11258"]), _header_values),
    asset=st.one_of(st.none(), st.just(spec.DEFAULT_ASSET), _header_values),
    content_type=st.sampled_from([None, "application/json", "text/plain", "application/json; charset=utf-8"]),
    body=st.one_of(
        st.binary(max_size=200),
        _json.map(lambda v: json.dumps(v).encode()),
        st.builds(lambda v: json.dumps({"encryptedRequest": v}).encode(), _json),
    ),
)
def test_any_request_is_answered_in_the_provider_shape_never_5xx(
    sealmail_pool: MockPool, ecode: str | None, asset: str | None, content_type: str | None, body: bytes
) -> None:
    mock = sealmail_pool.acquire("netcore-ce")
    headers = {"Authorization": f"Bearer {mock.config['api_key']}"}
    for name, value in (("x-eCode", ecode), ("x-asset", asset), ("Content-Type", content_type)):
        if value is not None:
            headers[name] = value
    reply = SESSION.post(mock.url + spec.UPLOAD_PATH, data=body, headers={k: v.encode("latin-1") for k, v in headers.items()}, timeout=10)  # type: ignore[misc]
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text, mock.explain())
    answer = reply.json()
    assert answer["status"] == "error" and answer["message"] == answer["error"] and isinstance(answer["code"], str)
    assert mock.requests()[0].reason, mock.explain()
