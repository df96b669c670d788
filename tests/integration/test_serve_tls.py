"""HTTPS with the local CA: every provider, Python ``ssl`` and ``requests``, real host names, restarts.

The CA lives in pytest temporary directories (never the user's data directory).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp.abc import AbstractResolver, ResolveResult

from sealmail.conformance.clients.netcore_email import NetcoreEmailClient
from sealmail.mockservers.cli import main, print_table
from sealmail.mockservers.core import MockHandle, providers
from sealmail.mockservers.core.tls import CA_KEY_FILE, load_or_create_ca

from .test_cli import Served, serve  # noqa: F401 - the fixture

PROVIDER_IDS = list(providers())
PAYLOAD = {"from": {"email": "a@example.com"}, "subject": "s", "content": [{"type": "html", "value": "<p>x</p>"}],
           "personalizations": [{"to": [{"email": "b@example.com"}]}]}


def handshake(port: int, server_hostname: str, cafile: str) -> dict[str, Any]:
    """A TLS handshake with 127.0.0.1:port as a client that asked for ``server_hostname`` (SNI + verification)."""
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.getpeercert()


def port_of(handle: MockHandle) -> int:
    return int(handle.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("provider_id", PROVIDER_IDS)
def test_every_provider_over_https_with_the_generated_ca(mock_server: Any, provider_id: str) -> None:
    handle = mock_server(provider_id, tls=True)
    assert handle.url.startswith("https://127.0.0.1:") and handle.ca_file is not None
    reply = requests.get(handle.url + "/__mock__/health", verify=handle.ca_file, timeout=10)
    assert reply.json() == {"provider": provider_id, "status": "ok"}
    assert requests.get(handle.url + "/__mock__/config", verify=handle.ca_file, timeout=10).json()["base_url"] == handle.url
    # Python's ssl module, the same CA: the leaf names 127.0.0.1 and localhost.
    for name in ("127.0.0.1", "localhost"):
        assert ("DNS", "localhost") in handshake(port_of(handle), name, handle.ca_file)["subjectAltName"]
    # Not trusted by default: the client really verifies against the CA file.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(handle.url + "/__mock__/health", timeout=10)


@pytest.mark.parametrize("provider_id", PROVIDER_IDS)
def test_the_leaf_carries_each_real_api_host_name(mock_server: Any, provider_id: str) -> None:
    handle = mock_server(provider_id, tls=True)
    hosts = providers()[provider_id].api_hosts
    assert hosts, f"{provider_id} has no API_HOSTS in its spec.py"
    for host in hosts:
        names = handshake(port_of(handle), host, handle.ca_file)["subjectAltName"]
        assert ("DNS", host) in names
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(port_of(handle), "not-a-provider.example", handle.ca_file)


class LoopbackResolver(AbstractResolver):
    """Resolves every name to 127.0.0.1: what an ``/etc/hosts`` line would do, for one session only."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[ResolveResult]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


def test_an_unmodified_client_with_the_real_base_url_reaches_the_mock(mock_server: Any) -> None:
    handle = mock_server("netcore-email", tls=True)
    real_base = f"https://emailapi.netcorecloud.net:{port_of(handle)}"

    async def send() -> Any:
        connector = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=ssl.create_default_context(cafile=handle.ca_file))
        async with aiohttp.ClientSession(connector=connector) as session:
            async with NetcoreEmailClient(real_base, handle.config["api_key"], session=session) as client:
                return await client.send(PAYLOAD)

    result = asyncio.run(send())
    assert handle.messages()[-1].message_id == result.message_id
    assert handle.requests()[-1].header("Host") == f"emailapi.netcorecloud.net:{port_of(handle)}"


def test_requests_post_with_verify_ca_file(mock_server: Any) -> None:
    handle = mock_server("netcore-email", tls=True)
    reply = requests.post(handle.url + "/v6/mail/send", json=PAYLOAD, verify=handle.ca_file, timeout=10,
                          headers={"Authorization": f"Bearer {handle.config['api_key']}"})
    assert reply.status_code == 200, reply.text
    assert handle.messages()[-1].payload["subject"] == "s"


def test_plain_http_stays_the_default(mock_server: Any) -> None:
    handle = mock_server("netcore-email")
    assert handle.url.startswith("http://") and handle.ca_file is None


def test_the_ca_is_made_once_and_reused_with_a_private_key_file(tmp_path: Path) -> None:
    first = load_or_create_ca(tmp_path / "data")
    again = load_or_create_ca(tmp_path / "data")
    assert first.created and not again.created
    assert first.fingerprint == again.fingerprint
    assert first.cert_file.read_bytes() == again.cert_file.read_bytes()
    assert stat.S_IMODE(os.stat(tmp_path / "data" / CA_KEY_FILE).st_mode) == 0o600
    (tmp_path / "data" / CA_KEY_FILE).unlink()
    with pytest.raises(OSError, match="only one of"):
        load_or_create_ca(tmp_path / "data")


def test_serve_tls_restarts_with_the_same_ca(serve: type[Served], tmp_path: Path) -> None:
    args = ("--provider", "netcore-email", "--port-base", "0", "--json", "--tls", "--data-dir", str(tmp_path))
    fingerprints = []
    for _ in range(2):
        server = serve(*args)
        line = json.loads(server.line())
        ca_file = line["ca_file"]
        assert ca_file == str(tmp_path / "ca.pem")
        url = line["mocks"][0]["base_url"]
        assert url.startswith("https://127.0.0.1:")
        assert requests.get(url + "/__mock__/health", verify=ca_file, timeout=10).status_code == 200
        fingerprints.append(load_or_create_ca(tmp_path).fingerprint)
        assert server.terminate() == 0
    assert fingerprints[0] == fingerprints[1]


def test_the_banner_prints_the_ca_file_and_the_trust_lines(mock_server: Any, tmp_path: Path) -> None:
    handle = mock_server("netcore-email", tls=True)
    out = io.StringIO()
    print_table([handle._running], out, ca_file=Path(handle.ca_file))
    shown = out.getvalue()
    assert f"HTTPS with the local CA {handle.ca_file}" in shown
    assert f"NODE_EXTRA_CA_CERTS={handle.ca_file}" in shown and handle.url in shown


def test_sealmail_ca_prints_the_trust_lines_and_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ca", "--data-dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    ca_file = str(tmp_path / "ca.pem")
    for expected in (f"SSL_CERT_FILE={ca_file}", f"REQUESTS_CA_BUNDLE={ca_file}", f"NODE_EXTRA_CA_CERTS={ca_file}",
                     "keytool -importcert", f"curl --cacert {ca_file}"):
        assert expected in shown
    assert main(["ca", "--path", "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ca_file + "\n"


NODE_CLIENT = """
const https = require("https");
const [port, host] = process.argv.slice(1);
https.get({host: "127.0.0.1", port: Number(port), path: "/__mock__/health", servername: host, headers: {Host: host}}, (reply) => {
  let body = "";
  reply.on("data", (chunk) => { body += chunk; });
  reply.on("end", () => { console.log(reply.statusCode + " " + body); });
}).on("error", (error) => { console.log("error " + (error.code || error.message)); });
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_node_trusts_the_ca_through_node_extra_ca_certs(mock_server: Any) -> None:
    handle = mock_server("stayprivate", tls=True)
    command = ["node", "-e", NODE_CLIENT, str(port_of(handle)), "api.stayprivate.com"]
    trusted = subprocess.run(command, env={**os.environ, "NODE_EXTRA_CA_CERTS": handle.ca_file},
                             capture_output=True, text=True, timeout=60)
    assert trusted.stdout.startswith('200 {"provider":"stayprivate"'), trusted.stdout + trusted.stderr
    untrusted = subprocess.run(command, env={k: v for k, v in os.environ.items() if k != "NODE_EXTRA_CA_CERTS"},
                               capture_output=True, text=True, timeout=60)
    assert untrusted.stdout.startswith("error "), untrusted.stdout
