"""ncp-mailer throughput: the signed createMailRequest endpoint against the same endpoint with signature checking off.

    .venv/bin/python bench/ncp_mailer_throughput.py [--requests 2000] [--concurrency 16] [--rounds 3]

Both mocks run in this process, on one server loop thread; the load comes from
one aiohttp client on another loop. Every request is signed by the client in
both cases (same client cost), so the difference is the server's gateway check.
Rounds alternate checked / unchecked to spread machine noise over both; the
report is requests per second per round, the medians, and their ratio, all
measured in this one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import aiohttp
from yarl import URL

from sealmail.conformance.clients.ncp_mailer import now_ms, signed_headers
from sealmail.mockservers.core import ServerThread, create_app
from sealmail.mockservers.providers.ncp_mailer.spec import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY

BODY = json.dumps({
    "senderAddress": "no_reply@company.com", "title": "Hello, ${customer_name}",
    "body": "Your grade has been changed from ${BEFORE_GRADE} to ${AFTER_GRADE}.",
    "recipients": [{"address": "hongildong@example.com", "name": "Gildong Hong", "type": "R",
                    "parameters": {"customer_name": "Gildong Hong", "BEFORE_GRADE": "SILVER", "AFTER_GRADE": "GOLD"}}],
}).encode()
PATH = "/api/v1/mails"


async def load(base_url: str, requests: int, concurrency: int) -> float:
    """Send ``requests`` signed POSTs with ``concurrency`` workers; return requests per second."""
    remaining = iter(range(requests))
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for _ in remaining:
            headers = signed_headers("POST", PATH, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, now_ms())
            headers["Content-Type"] = "application/json"
            async with session.post(URL(base_url + PATH, encoded=True), data=BODY, headers=headers) as response:
                await response.read()
                failures += response.status != 201

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{failures} request(s) failed against {base_url}")
    return requests / elapsed


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    settings = {"journal_capacity": 1000, "message_capacity": 1000}
    with ServerThread("bench-ncp-mailer") as servers:
        checked = servers.start(create_app("ncp-mailer", {**settings, "verify_signature": True}))
        unchecked = servers.start(create_app("ncp-mailer", {**settings, "verify_signature": False}))
        asyncio.run(load(checked.url, 200, args.concurrency))  # warm-up, both
        asyncio.run(load(unchecked.url, 200, args.concurrency))
        rates: dict[str, list[float]] = {"signature checked": [], "signature off": []}
        for _ in range(args.rounds):
            rates["signature checked"].append(asyncio.run(load(checked.url, args.requests, args.concurrency)))
            rates["signature off"].append(asyncio.run(load(unchecked.url, args.requests, args.concurrency)))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["signature checked"] / medians["signature off"]
    print(f"ncp-mailer POST {PATH}: {args.requests} requests x {args.rounds} rounds, concurrency {args.concurrency}")
    for name, values in rates.items():
        print(f"  {name:18} median {medians[name]:8.0f} req/s   rounds: " + ", ".join(f"{v:.0f}" for v in values))
    print(f"  ratio checked/off: {ratio:.3f}  (gateway check costs {100 * (1 - ratio):.1f}% of throughput)")
    return {"medians": medians, "rounds": rates, "ratio": ratio}


if __name__ == "__main__":
    main()
