"""TLS handshakes at the connection level: bounded by ``header_timeout_s``, counted against ``max_connections``.

Raw sockets against HTTPS mocks (core/tls_site.py). Every wait is a blocking ``recv``
(the server closing) or an answered request, never a sleep.
"""

from __future__ import annotations

import json
import logging
import resource
import socket
import ssl
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests

from sealmail.mockservers.core import MockHandle

from .test_http_edges import _connect, _dropped


def _health(handle: MockHandle) -> int:
    return requests.get(handle.url + "/__mock__/health", verify=handle.ca_file, timeout=5).status_code


def _client_hello(size: int) -> bytes:
    """The first ``size`` bytes of a real ClientHello (a handshake that stops half-way)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    client = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    with pytest.raises(ssl.SSLWantReadError):
        client.do_handshake()
    return outgoing.read()[:size]


@pytest.mark.parametrize("sent", [b"", b"partial"], ids=["silent", "partial-client-hello"])
def test_a_handshake_that_never_completes_is_cut_at_the_header_timeout(mock_server: Any, sent: bytes) -> None:
    handle = mock_server("netcore-email", tls=True, header_timeout_s=0.3, idle_timeout_s=600.0)
    with _connect(handle, timeout=20) as sock:  # asyncio's own default would hold it 60 s
        if sent:
            sock.sendall(_client_hello(40))
        assert _dropped(sock)
    assert _health(handle) == 200


def test_pending_handshakes_count_against_the_connection_cap(mock_server: Any) -> None:
    handle = mock_server("netcore-email", tls=True, max_connections=20, header_timeout_s=600.0, idle_timeout_s=600.0)
    with ExitStack() as stack:
        silent = [stack.enter_context(_connect(handle, timeout=30)) for _ in range(20)]
        assert _health(handle) == 200  # the newcomer is served ...
        assert _dropped(silent[0])  # ... because the oldest pending handshake made room


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_plain_http_and_old_tls_on_the_tls_port_are_closed_quietly(mock_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    handle = mock_server("netcore-email", tls=True)
    caplog.set_level(logging.DEBUG)
    with _connect(handle) as sock:
        sock.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert _dropped(sock)
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    with _connect(handle) as sock, pytest.raises(ssl.SSLError):
        old.wrap_socket(sock, server_hostname="127.0.0.1")
    assert _health(handle) == 200
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_under_a_low_open_file_limit_a_handshake_flood_on_one_mock_leaves_the_others_answering(tmp_path: Path) -> None:
    # ulimit -n 160 for the server only: five mocks share 96 descriptors (core/connections.py connection_share)
    server = _serve_with_160_files(tmp_path, "--tls", "--no-inspector")
    try:
        assert server.stdout is not None
        table = json.loads(server.stdout.readline())
        first, second = (row["base_url"] for row in table["mocks"][:2])
        port = int(first.rsplit(":", 1)[1])
        with ExitStack() as stack:
            for _ in range(150):  # more than the whole limit, each silent after connecting
                stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=30))
            for url in (second, first):  # the other mocks, and a new client of the flooded one after the flood
                assert requests.get(url + "/__mock__/health", verify=table["ca_file"], timeout=10).status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "connections per mock" in errors and "Traceback" not in errors, errors[-2000:]


def test_under_a_low_open_file_limit_a_flood_on_the_inspector_leaves_the_mocks_answering(tmp_path: Path) -> None:
    # The inspector takes its share of the open-file limit like a mock (it kept 512 before: 150 idle
    # connections to it used every descriptor, and the mocks could accept nobody).
    server = _serve_with_160_files(tmp_path)
    try:
        assert server.stdout is not None
        table = json.loads(server.stdout.readline())
        inspector = table["inspector_url"].rstrip("/")
        port = int(inspector.rsplit(":", 1)[1])
        with ExitStack() as stack:
            for _ in range(150):  # more than the whole limit, each silent after connecting
                stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=30))
            for row in table["mocks"]:
                assert requests.get(row["base_url"] + "/__mock__/health", timeout=10).status_code == 200
            assert requests.get(inspector + "/api/mocks", timeout=10).status_code == 200
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors[-2000:]


def _serve_with_160_files(data_dir: Path, *options: str) -> "subprocess.Popen[str]":
    """``sealmail serve`` on ephemeral ports with ``ulimit -n 160`` for the server only; its JSON table on stdout."""
    return subprocess.Popen(
        [sys.executable, "-m", "sealmail", "serve", "--port-base", "0", "--json", "--quiet", "--data-dir", str(data_dir),
         "--loop", "asyncio", *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160)),
    )
