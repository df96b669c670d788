"""``sealmail vectors replay`` against a server that answers badly: a clear stop (exit 2) or DIFF lines (exit 1), quickly."""

from __future__ import annotations

import pytest

from sealmail import bounded_http
from sealmail.vectors import cli

from .hostile_server import HostileServer, Script, byte_by_byte, endless_chunked, fixed, huge_content_length


@pytest.fixture(autouse=True)
def _small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded_http, "MAX_BODY_BYTES", 1 << 20)


def _replay(url: str) -> int:
    return cli.main(["replay", "--provider", "netcore-email", "--url", url, "--timeout", "0.3"])


@pytest.mark.parametrize(("script", "said"), [
    (byte_by_byte, "did not finish its answer within 0.3s"),
    (endless_chunked, "body larger than 1048576 bytes"),
    (huge_content_length, "body larger than 1048576 bytes"),
    (lambda stop: iter([b"not http at all\r\n\r\n"]), "no response"),
], ids=["byte-by-byte", "endless-chunked", "2GB-content-length", "not-http"])
def test_a_server_without_usable_answers_stops_the_replay_with_one_line_and_exit_2(script: Script, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with HostileServer(script) as url:
        status = _replay(url)
    out, err = capsys.readouterr()
    assert status == 2
    assert err.count("\n") == 1 and f"{url} gave no usable answer to {cli.MAX_UNANSWERED_IN_A_ROW} requests in a row" in err and said in err, err
    assert out.count("DIFF") == cli.MAX_UNANSWERED_IN_A_ROW - 1


def test_an_html_answer_is_a_difference_per_vector_not_a_crash(capsys: pytest.CaptureFixture[str]) -> None:
    with HostileServer(fixed("200 OK", b"<html>hello</html>", "Content-Type: text/html")) as url:
        status = _replay(url)
    out, _ = capsys.readouterr()
    assert status == 1
    assert "status 200, expected 400 (body <html>hello</html>)" in out
    assert out.splitlines()[-1].startswith("replay netcore-email: ")
