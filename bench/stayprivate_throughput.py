"""stayprivate throughput: the one-call send (RS256 bearer JWT) against bare aiohttp handlers, same run.

    .venv/bin/python bench/stayprivate_throughput.py [--requests 2000] [--concurrency 16] [--rounds 3]

Three servers on one loop thread in this process, driven in turn by one aiohttp
client on another loop with the same pre-built requests (tokens signed before
the clock starts, so the client does no RSA work while measuring):

- ``bare``: reads the body, answers a small JSON;
- ``bare+RS256``: the same plus one RS256 verification with ``cryptography``
  directly (the least a JWT-checking endpoint must do);
- ``mock``: ``POST /1.0/emails/send`` of the stayprivate mock (token policy,
  jwcrypto verification, claims, JSON rules, journal, message store).

Rounds rotate the three to spread machine noise; the report gives requests per
second per round, the medians and the ratios mock/bare and mock/(bare+RS256).

:func:`build_requests` is also the builder a ``bench.profiles.Profile`` entry can use.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import time
from typing import Any, Mapping

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sealmail.mockservers.core import ServerThread, create_app
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.providers.stayprivate import spec
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM, DEFAULT_PUBLIC_KEY_PEM

PATH = spec.SEND_NEW_PATH


def build_requests(config: Mapping[str, Any], count: int) -> list[tuple[str, str, dict[str, str], bytes]]:
    """``count`` distinct valid one-call sends (method, path, headers, body) for a mock with ``config``."""
    key = load_rsa_private_key(config["private_key_pem"])
    now = int(time.time())
    requests = []
    for i in range(count):
        token = sign_jwt({"iss": config["company_api_id"], "iat": now, "exp": now + 600, "jti": str(i)}, key)
        body = json.dumps({"senderEmail": config["sender_email"], "emailSubject": f"Your order #{100000 + i} has shipped",
                           "emailBody": f"<p>Hello customer {i}, your parcel is on its way.</p>",
                           "emailToList": f"user{i}@example.org"}, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", spec.HEADER_COMPANY_ID: config["company_api_id"],
                   "Authorization": f"Bearer {token}"}
        requests.append(("POST", PATH, headers, body))
    return requests


def bare_app(verify: bool) -> web.Application:
    public_key = serialization.load_pem_public_key(DEFAULT_PUBLIC_KEY_PEM.encode())
    assert isinstance(public_key, rsa.RSAPublicKey)

    def b64u(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        if verify:
            head, body, signature = request.headers["Authorization"].partition(" ")[2].split(".")
            public_key.verify(b64u(signature), f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return web.json_response({"success": True, "data": {"status": "S"}})

    app = web.Application()
    app.router.add_post(PATH, handler)
    return app


async def load(base_url: str, requests: list[tuple[str, str, dict[str, str], bytes]], concurrency: int) -> float:
    """Send every request with ``concurrency`` workers; return requests per second (all must be 200)."""
    remaining = iter(requests)
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for method, path, headers, body in remaining:
            async with session.request(method, base_url + path, data=body, headers=headers) as response:
                await response.read()
                failures += response.status != 200

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{failures} request(s) failed against {base_url}")
    return len(requests) / elapsed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    settings = {"journal_capacity": 1000, "message_capacity": 1000, "email_capacity": 1000}
    with ServerThread("bench-stayprivate") as servers:
        mock = servers.start(create_app("stayprivate", settings))
        servers_by_name = {"bare": servers.start(bare_app(False)).url, "bare+RS256": servers.start(bare_app(True)).url, "mock": mock.url}
        config = {"private_key_pem": DEFAULT_PRIVATE_KEY_PEM, "company_api_id": spec.DEFAULT_COMPANY_API_ID,
                  "sender_email": f"sender@{spec.DEFAULT_COMPANY_DOMAINS[0]}"}
        requests = build_requests(config, args.requests)
        for url in servers_by_name.values():
            asyncio.run(load(url, requests[:200], args.concurrency))  # warm-up
        rates: dict[str, list[float]] = {name: [] for name in servers_by_name}
        names = list(servers_by_name)
        for round_index in range(args.rounds):
            for name in names[round_index % 3:] + names[:round_index % 3]:
                rates[name].append(asyncio.run(load(servers_by_name[name], requests, args.concurrency)))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratios = {"mock/bare": medians["mock"] / medians["bare"], "mock/bare+RS256": medians["mock"] / medians["bare+RS256"]}
    print(f"stayprivate POST {PATH}: {args.requests} requests x {args.rounds} rounds, concurrency {args.concurrency}")
    for name, values in rates.items():
        print(f"  {name:11} median {medians[name]:8.0f} req/s   rounds: " + ", ".join(f"{v:.0f}" for v in values))
    for name, value in ratios.items():
        print(f"  ratio {name}: {value:.3f}")
    return {"medians": medians, "rounds": rates, "ratios": ratios}


if __name__ == "__main__":
    main()
