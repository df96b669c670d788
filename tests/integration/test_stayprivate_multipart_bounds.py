"""Bounded, strict multipart parsing of stayprivate uploads (issue 13).

Before: a part nested 3,000 deep answered 500 (a RecursionError escaped the
stdlib parser), 20,000 empty parts held the event loop for 15 s, a 71-character
boundary was accepted, ``Content-Transfer-Encoding: base64`` parts were stored
decoded, and ``..`` was kept as a file name without a word.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import pytest
import requests

from sealmail.mockservers.core import MockHandle, Rejection
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.providers.stayprivate import spec
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM
from sealmail.mockservers.providers.stayprivate.uploads import OFF_LOOP_BYTES, MultipartLimits, display_file_name, parse_form

KEY = load_rsa_private_key(DEFAULT_PRIVATE_KEY_PEM)
BOUNDARY = "sealmail-boundary"


def _auth() -> dict[str, str]:
    now = int(time.time())
    token = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, "iat": now, "exp": now + 300}, KEY)
    return {"Authorization": f"Bearer {token}", spec.HEADER_COMPANY_ID: spec.DEFAULT_COMPANY_API_ID}


def _prepare(mock: MockHandle) -> str:
    body = {"senderEmail": "sender@example.com", "emailSubject": "s", "emailBody": "b"}
    reply = requests.post(mock.url + spec.PREPARE_NEW_PATH, json=body, headers=_auth(), timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]["emailRef"]


def _part(name: str, data: bytes, *, filename: str | None = None, extra: str = "") -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"Content-Disposition: {disposition}\r\n{extra}\r\n".encode("utf-8", "surrogateescape") + data


def _body(parts: list[bytes], boundary: str = BOUNDARY) -> bytes:
    delimiter = b"--" + boundary.encode()
    return b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"


def _upload(mock: MockHandle, body: bytes, boundary: str = BOUNDARY, content_type: str | None = None) -> requests.Response:
    email_ref = _prepare(mock)
    headers = {**_auth(), "Content-Type": content_type or f"multipart/form-data; boundary={boundary}"}
    return requests.post(f"{mock.url}/1.0/emails/{email_ref}/attachments/upload", data=body, headers=headers, timeout=30)


def _file(data: bytes = b"%PDF-1.4 x", filename: str = "report.pdf", extra: str = "") -> bytes:
    return _part(spec.ATTACHMENT_FIELD, data, filename=filename, extra=extra)


def _stored(mock: MockHandle, reply: requests.Response, warning: str) -> Any:
    """The one attachment an accepted upload stored; the upload's journal entry carries ``warning``."""
    assert reply.status_code == 200, reply.text
    [email] = mock.model.emails()
    [attachment] = email.attachments.values() if isinstance(email.attachments, dict) else email.attachments
    assert any(w.startswith(warning) for w in mock.requests()[-1].warnings), mock.explain()
    return attachment


def _refused(mock: MockHandle, reply: requests.Response, reason: str) -> None:
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid_multipart", reply.text
    assert mock.requests()[-1].reason == reason, mock.explain()


def test_a_part_nested_3000_deep_is_refused_without_recursion(stayprivate_mock: MockHandle) -> None:
    depth = 3000
    inner = _body([_file()], "b0")
    for level in range(1, depth):
        inner = _body([b"Content-Disposition: form-data; name=\"n\"\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1)
                       + inner], f"b{level}")
    _refused(stayprivate_mock, _upload(stayprivate_mock, inner, f"b{depth - 1}"), "multipart_nested")


@pytest.mark.parametrize("count", [17, 20_000])
def test_too_many_parts_are_refused(stayprivate_mock: MockHandle, count: int) -> None:
    body = _body([_file()] + [_part("f", b"")] * (count - 1))
    _refused(stayprivate_mock, _upload(stayprivate_mock, body), "multipart_too_many_parts")


def test_a_part_header_flood_is_refused(stayprivate_mock: MockHandle) -> None:
    flood = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(200))
    _refused(stayprivate_mock, _upload(stayprivate_mock, _body([_file(extra=flood)])), "multipart_too_many_part_headers")


def test_an_over_long_part_header_line_is_refused(stayprivate_mock: MockHandle) -> None:
    _refused(stayprivate_mock, _upload(stayprivate_mock, _body([_file(extra="X-Long: " + "a" * 9000 + "\r\n")])),
             "multipart_header_too_long")


def test_boundary_over_70_characters_is_refused_and_70_is_accepted(stayprivate_mock: MockHandle) -> None:
    long_boundary = "b" * 71
    _refused(stayprivate_mock, _upload(stayprivate_mock, _body([_file()], long_boundary), long_boundary), "multipart_boundary_invalid")
    limit = "b" * 70
    assert _upload(stayprivate_mock, _body([_file()], limit), limit).status_code == 200, stayprivate_mock.explain()


def test_transfer_encoding_is_ignored_and_the_bytes_kept_as_sent(stayprivate_mock: MockHandle) -> None:
    sent = base64.b64encode(b"%PDF-1.4 secret")
    reply = _upload(stayprivate_mock, _body([_file(sent, extra="Content-Transfer-Encoding: base64\r\n")]))
    assert _stored(stayprivate_mock, reply, "multipart_transfer_encoding_ignored").data == sent


@pytest.mark.parametrize(("sent", "shown"), [
    ("..", "unnamed"), ("../x", "x"), ("a/b", "b"), ("C:\\x", "x"), ("." * 3, "unnamed"), ("n" * 300, "n" * 255),
    # RFC 7578 section 4.2 / RFC 5987: control characters arrive percent-encoded in filename*.
    ("a%00b.pdf", "ab.pdf"), ("x%1B%5B31m.pdf", "x[31m.pdf"), ("%2E%2E", "unnamed"),
])
def test_unsafe_file_names_are_kept_only_as_a_sanitised_display_name(stayprivate_mock: MockHandle, sent: str, shown: str) -> None:
    if "%" in sent:
        disposition = f"form-data; name=\"{spec.ATTACHMENT_FIELD}\"; filename*=UTF-8''{sent}"
        part = f"Content-Disposition: {disposition}\r\n\r\n".encode() + b"%PDF-1.4 x"
    else:
        part = _file(filename=sent)
    reply = _upload(stayprivate_mock, _body([part]))
    assert _stored(stayprivate_mock, reply, "attachment_filename_sanitised").file_name == shown


def test_a_raw_nul_in_a_part_header_is_refused_precisely(stayprivate_mock: MockHandle) -> None:
    part = b'Content-Disposition: form-data; name="emailAttachment"; filename="a\x00b"\r\n\r\nx'
    _refused(stayprivate_mock, _upload(stayprivate_mock, _body([part])), "multipart_header_invalid")


def test_an_ordinary_file_name_gets_no_warning() -> None:
    assert display_file_name("Quarterly report (v2).pdf") == ("Quarterly report (v2).pdf", [])


def test_limits_are_settings() -> None:
    body = _body([_file(), _part("a", b"1"), _part("b", b"2")])
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    assert len(asyncio.run(parse_form(content_type, body, MultipartLimits(max_parts=3))).parts) == 3
    with pytest.raises(Rejection) as caught:
        asyncio.run(parse_form(content_type, body, MultipartLimits(max_parts=2)))
    assert caught.value.reason == "multipart_too_many_parts"


def test_large_bodies_parse_off_the_loop_with_the_same_outcome(stayprivate_mock: MockHandle) -> None:
    big = bytes(range(256)) * (OFF_LOOP_BYTES // 256 + 10)
    reply = _upload(stayprivate_mock, _body([_file(big, extra="Content-Transfer-Encoding: binary\r\n")]))
    assert _stored(stayprivate_mock, reply, "multipart_transfer_encoding_ignored").data == big
    padded = _body([_file()] + [_part("f", b"x" * 20_000)] * 20)  # over OFF_LOOP_BYTES and over the part limit
    assert len(padded) >= OFF_LOOP_BYTES
    _refused(stayprivate_mock, _upload(stayprivate_mock, padded), "multipart_too_many_parts")
