"""What tenant attribution (core/tenants.py) costs per request (issue 17).

``python -m bench.tenants [--rounds N] [--requests N]``

The same netcore-email send (Bearer key, unencrypted JSON: the cheapest
accepted request, so the attribution step is the largest possible share of it)
on one in-process server, sequentially over one keep-alive connection, in three
situations measured interleaved A/B/C round after round:

- ``none``: no tenant defined (the default path: one empty-dict check),
- ``100-default``: 100 tenants defined, the request carries the default key,
- ``100-tenant``: 100 tenants defined, the request carries one tenant's key.

Reported: the median per-request latency of each (with the spread over
rounds) and the ratios against ``none``; plus the bare ``resolve()`` cost in
nanoseconds (timeit), which is the attribution step alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
import timeit
from typing import Any
from urllib.parse import urlsplit

from sealmail.mockservers.core import MockPool
from sealmail.mockservers.core.tenants import TENANTS

from .report import Figure, ratio

PAYLOAD = json.dumps({
    "personalizations": [{"to": [{"email": "to@example.com"}]}],
    "from": {"email": "from@example.com"},
    "subject": "bench",
    "content": [{"type": "html", "value": "x"}],
}).encode()


def per_request_us(url: str, key: str, count: int) -> float:
    """Mean microseconds per request over ``count`` sequential keep-alive requests."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    try:
        start = time.perf_counter()
        for _ in range(count):
            connection.request("POST", "/v6/mail/send", body=PAYLOAD, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"bench request answered {response.status}")
        return (time.perf_counter() - start) / count * 1e6
    finally:
        connection.close()


def run(rounds: int, count: int) -> dict[str, Any]:
    with MockPool() as plain_pool, MockPool() as crowded_pool:  # two servers, alike but for the tenants
        plain = plain_pool.acquire("netcore-email", journal_capacity=1000, message_capacity=1000)
        crowded = crowded_pool.acquire("netcore-email", journal_capacity=1000, message_capacity=1000)
        registry = crowded._running.app[TENANTS]
        tenants = [registry.create({}) for _ in range(100)]
        key = plain.config["api_key"]
        cases = {
            "none": lambda: per_request_us(plain.url, key, count),
            "100-default": lambda: per_request_us(crowded.url, key, count),
            "100-tenant": lambda: per_request_us(crowded.url, tenants[50].key, count),
        }
        for case in cases.values():  # warm-up
            case()
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, case in cases.items():
                samples[name].append(case())
        headers_default = {"Authorization": f"Bearer {key}"}
        headers_tenant = {"Authorization": f"Bearer {tenants[50].key}"}
        resolve_ns = {
            "none": _ns(lambda: plain._running.app[TENANTS].resolve(headers_default)),
            "100-default": _ns(lambda: registry.resolve(headers_default)),
            "100-tenant": _ns(lambda: registry.resolve(headers_tenant)),
        }
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return {
        "requests_per_round": count,
        "rounds": rounds,
        "median_us": medians,
        "spread_us": {name: [min(v), max(v)] for name, v in samples.items()},
        "ratio_vs_none": {name: medians[name] / medians["none"] for name in medians},
        "resolve_ns": resolve_ns,
    }


def figures(rounds: int, count: int) -> list[Figure]:
    """Figure ``tenants`` of ``python -m bench``: 100 tenants (default key, tenant key) against no tenant defined."""
    result = run(rounds, count)
    none = result["median_us"]["none"]
    return [
        Figure(
            figure="tenants",
            subject=f"netcore-email send, 100 tenants defined, {name.split('-')[1]} key",
            value=result["median_us"][name], unit="us/request", baseline_name="no tenant defined", baseline=none,
            ratio=ratio(none, result["median_us"][name]),
            note=f"resolve() {result['resolve_ns'][name]:.0f} ns vs {result['resolve_ns']['none']:.0f} ns; "
                 f"spread {result['spread_us'][name][0]:.0f}..{result['spread_us'][name][1]:.0f} us",
            raw=result,
        )
        for name in ("100-default", "100-tenant")
    ]


def _ns(call: Any, number: int = 200_000) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    result = run(args.rounds, args.requests)
    for name, median in result["median_us"].items():
        low, high = result["spread_us"][name]
        print(f"{name:12} {median:8.1f} us/request (rounds {low:.1f}..{high:.1f})  x{result['ratio_vs_none'][name]:.3f} of none"
              f"   resolve() {result['resolve_ns'][name]:.0f} ns")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
