"""``sealmail conformance check --url`` against a server that is not a well-behaved mock: one line, exit 2, quickly."""

from __future__ import annotations

import pytest

from sealmail import bounded_http
from sealmail.conformance.traffic import remote

from .hostile_server import HostileServer, Script, endless_chunked, fixed, huge_content_length, byte_by_byte

JSON = "Content-Type: application/json"


@pytest.fixture(autouse=True)
def _short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(remote, "TIMEOUT_S", 0.5)
    monkeypatch.setattr(bounded_http, "MAX_BODY_BYTES", 1 << 20)


@pytest.mark.parametrize(("script", "said"), [
    (byte_by_byte, "did not finish its answer within 0.5s"),
    (endless_chunked, "body larger than 1048576 bytes"),
    (huge_content_length, "body larger than 1048576 bytes"),
    (fixed("200 OK", b"<html>hello</html>", "Content-Type: text/html"), "answered text/html, not JSON"),
    (fixed("200 OK", b"\xff\xfe", JSON), "not JSON"),
    (fixed("302 Found", b"", "Location: http://192.0.2.1/__mock__/config"), "status 302 (redirect to 'http://192.0.2.1/__mock__/config', not followed)"),
    (fixed("200 OK", b"[1, 2]", JSON), "answered a JSON list, not a dict"),
    (fixed("200 OK", b'{"provider": "netcore-email", "requests": 5}', JSON), "no list of request objects"),
    (fixed("200 OK", b'{"provider": "netcore-email", "requests": [1, null]}', JSON), "no list of request objects"),
], ids=["byte-by-byte", "endless-chunked", "2GB-content-length", "html", "not-utf8", "redirect-away", "list", "requests-not-list", "requests-not-objects"])
def test_a_misbehaving_server_ends_the_check_with_one_line_and_exit_2(script: Script, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with HostileServer(script) as url:
        status = remote.check_running_mock("netcore-email", url)
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and f"cannot read the journal of {url}: " in err and said in err, err
