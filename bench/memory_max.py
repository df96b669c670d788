"""Figure 4b: peak RSS with maximum-size inputs against the documented memory bound (docs/memory.md).

All five mocks run in one ``sealmail serve`` process with their default
settings. Each provider is driven (one client thread each, all at once) until
every byte budget it has is full and evicting, with the largest entries the
limits allow:

- journal: requests with a header flood (more header bytes than
  ``journal_header_bytes`` keeps) and a body over ``journal_body_limit``, sent
  until the journal evicts, then 25% more;
- message store and provider copies: the provider's largest accepted input
  (:mod:`bench.worst`: 8 MiB AES-GCM mails, 1 MiB JWEs, 500 KB ncp-mailer
  bodies, 8 MiB netcore-ce uploads, 10 MiB stayprivate attachments with long
  file names), sent until the store (or stayprivate's email store) evicts,
  then 25% more.

The documented bound: RSS at start-up + the sum of every budget
(``journal_max_bytes`` + ``message_max_bytes`` per provider, ncp-mailer's
mail copies within ``message_max_bytes``, stayprivate's ``email_max_bytes``)
+ the in-flight allowance (requests handled at once x ``IN_FLIGHT_COPIES`` x
the largest ``max_body_bytes``). Ratio = bound / peak RSS (``VmHWM``): >= 1 holds.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any, Callable, Iterator, Mapping

from sealmail.mockservers.core import get_provider
from sealmail.mockservers.core.offload import WORKERS

from .profiles import PreparedRequest
from .report import Figure, ratio
from .servers import port_of, start_mocks
from .worst import (autosend_big, flood_headers, ncp_mailer_big_body, netcore_ce_big, netcore_email_big,
                    stayprivate_big_send, stayprivate_big_upload)

IN_FLIGHT_COPIES = 12
"""Bytes one request may hold at its peak, as a multiple of its body: the read buffer, the bytes, decoded
text, plaintext, parsed values, stored copies. Measured in the same run (:func:`copy_factors`, Python
allocations traced over one request); the worst today is stayprivate's multipart upload at ~11x."""
MARGIN = 1.25
"""Requests sent past the first eviction, as a share of those it took to get there."""
HEADER_FLOOD = 3
"""Flood headers per journal-filling request: 3 x 8,000 bytes is over the 16 KiB the journal keeps."""

BIG: dict[str, Callable[[Mapping[str, Any]], PreparedRequest]] = {
    "netcore-email": netcore_email_big,
    "autosend": autosend_big,
    "ncp-mailer": ncp_mailer_big_body,
    "netcore-ce": netcore_ce_big,
    "stayprivate": stayprivate_big_upload,
}


def documented_bound_kib(start_kib: int, providers: list[str]) -> tuple[int, dict[str, int]]:
    """The bound of docs/memory.md for these providers' default settings, and its parts (KiB)."""
    parts: dict[str, int] = {"start": start_kib}
    largest_body = 0
    for provider_id in providers:
        config = get_provider(provider_id).default_config()
        budget = config.journal_max_bytes + config.message_max_bytes
        if provider_id == "ncp-mailer":
            budget += config.message_max_bytes  # the model's own mails
        budget += getattr(config, "email_max_bytes", 0)  # stayprivate's emails with their attachments
        parts[provider_id] = budget // 1024
        largest_body = max(largest_body, config.max_body_bytes)
    parts["in_flight"] = (WORKERS + 1) * IN_FLIGHT_COPIES * largest_body // 1024
    return sum(parts.values()), parts


def copy_factors() -> dict[str, float]:
    """Peak traced Python allocation during one request of each largest input, over its body size (in-process)."""
    import gc
    import tracemalloc

    from sealmail.mockservers.core import ServerThread, create_app
    from sealmail.mockservers.core.control import describe

    factors: dict[str, float] = {}
    cases = {**BIG, "stayprivate send": stayprivate_big_send, "netcore-ce one activity": lambda c: netcore_ce_big(c, activities=1)}
    with ServerThread("bench-copies") as thread:
        for name, build in cases.items():
            running = thread.start(create_app(name.split(" ", 1)[0]))
            request = build({**describe(running.state, running.url), "base_url": running.url})
            connection = http.client.HTTPConnection(running.host, running.port, timeout=600)
            peaks = []
            for _ in range(2):  # the first request also loads keys and caches
                gc.collect()
                tracemalloc.start()
                connection.request(request.method, request.path, body=request.body, headers=request.headers)
                connection.getresponse().read()
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            connection.close()
            thread.stop_mock(running)
            factors[name] = round(peaks[-1] / len(request.body), 2)
    return factors


def measure() -> Figure:
    providers = list(BIG)
    factors = copy_factors()
    with start_mocks(providers) as mock:
        rows = {row["provider"]: {**row, "base_url": mock.info["urls"][row["provider"]]} for row in mock.info["mocks"]}
        start = mock.rss_kib()
        report: dict[str, Any] = {}
        errors: list[str] = []

        def drive(provider_id: str) -> None:
            try:
                report[provider_id] = fill_provider(rows[provider_id])
            except Exception as error:  # reported in the figure, never hidden
                errors.append(f"{provider_id}: {type(error).__name__}: {error}")

        started = time.perf_counter()
        threads = [threading.Thread(target=drive, args=(p,)) for p in providers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        end = mock.rss_kib()
        seconds = time.perf_counter() - started
    bound, parts = documented_bound_kib(start["rss_kib"], providers)
    peak = end["peak_rss_kib"]
    full = not errors and all(r["journal"]["evicted"] and (r["messages"]["evicted"] or r.get("emails_evicted")) for r in report.values())
    note = (f"{seconds:.0f} s, every journal and store driven past its byte budget with maximum-size entries"
            f"{'' if full else ' (INCOMPLETE: a budget never filled)'}; RSS start {start['rss_kib'] / 1024:.0f} MiB, "
            f"end {end['rss_kib'] / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB; bound {bound / 1024:.0f} MiB = start + "
            + " + ".join(f"{k} {v / 1024:.0f}" for k, v in parts.items() if k != "start")
            + "; retained at the end: " + ", ".join(
                f"{p} journal {r['journal']['retained_bytes'] / 1048576:.0f}/{r['journal']['max_bytes'] / 1048576:.0f} MiB "
                f"messages {r['messages']['retained_bytes'] / 1048576:.0f}/{r['messages']['max_bytes'] / 1048576:.0f} MiB"
                for p, r in report.items()))
    note += ("; bytes held per request in flight, x its body (allowance x" + str(IN_FLIGHT_COPIES) + "): "
             + ", ".join(f"{k} {v:.1f}" for k, v in factors.items()))
    if max(factors.values()) > IN_FLIGHT_COPIES:
        full = False
        note += " (OVER the allowance: the bound does not hold)"
    if errors:
        note += "; ERRORS: " + "; ".join(errors)
    return Figure(
        figure="4-memory",
        subject="mockservers serve (5 providers), maximum-size inputs until every byte budget evicts",
        value=round(peak / 1024, 1), unit="MiB peak RSS",
        baseline_name="documented bound (docs/memory.md)", baseline=round(bound / 1024, 1),
        ratio=ratio(bound, peak) if full else 0.0, target=1.0, note=note,
        raw={"start": start, "end": end, "bound_kib": bound, "bound_parts_kib": parts, "providers": report,
             "errors": errors, "seconds": round(seconds, 1), "copy_factors": factors, "in_flight_copies": IN_FLIGHT_COPIES},
    )


def fill_provider(row: Mapping[str, Any]) -> dict[str, Any]:
    """Fill one provider's journal, then its store, past their budgets; returns counts and usage."""
    provider_id = row["provider"]
    url = row["base_url"]
    connection = http.client.HTTPConnection("127.0.0.1", port_of(url), timeout=600)
    statuses: dict[str, int] = {}

    def send(request: PreparedRequest) -> None:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1

    def usage() -> dict[str, Any]:
        connection.request("GET", "/__mock__/usage")
        return json.loads(connection.getresponse().read())

    flood = {k: v for k, v in list(flood_headers().items())[:HEADER_FLOOD]}
    journal_filler = PreparedRequest("POST", "/__sealmail_bench__/no-such-route", {**flood, "Content-Type": "text/plain"}, b"j" * 8192)
    journal_sent = _until_evicted(send, lambda: usage()["journal"]["evicted"], iter(lambda: journal_filler, None), check_every=200)
    big_requests = _big_requests(provider_id, row)
    if provider_id == "stayprivate":  # attachments and texts live in its email store, sent emails in the message store too
        evicted = lambda: min(_stayprivate_evicted(connection), usage()["messages"]["evicted"])  # noqa: E731
    else:
        evicted = lambda: usage()["messages"]["evicted"]  # noqa: E731
    store_sent = _until_evicted(send, evicted, big_requests, check_every=4)
    final = usage()
    result = {"journal_requests": journal_sent, "store_requests": store_sent, "statuses": statuses, **final}
    if provider_id == "stayprivate":
        result["emails_evicted"] = _stayprivate_evicted(connection)
    connection.close()
    return result


def _until_evicted(send: Callable[[PreparedRequest], None], evicted: Callable[[], int], requests: Iterator[PreparedRequest],
                   check_every: int, limit: int = 100_000) -> int:
    sent = 0
    while sent < limit:
        for _ in range(check_every):
            send(next(requests))
            sent += 1
        if evicted():
            break
    for _ in range(int(sent * (MARGIN - 1))):
        send(next(requests))
    return int(sent * MARGIN)


def _big_requests(provider_id: str, row: Mapping[str, Any]) -> Iterator[PreparedRequest]:
    """The provider's largest input, again and again (stayprivate: a new email every few uploads)."""
    if provider_id == "stayprivate":
        attachments = int(get_provider("stayprivate").default_config().max_attachments_per_email)
        while True:  # tokens live 5 minutes, each email takes max_attachments_per_email uploads
            upload, send = stayprivate_big_upload(row), stayprivate_big_send(row)
            for _ in range(attachments):
                yield upload
                yield send
    if provider_id == "netcore-ce":
        request = netcore_ce_big(row, activities=1)  # one activity as big as the body allows: the largest message
        while True:
            yield request
    if provider_id == "ncp-mailer":
        while True:  # signatures carry a timestamp: build fresh ones now and then
            request = BIG[provider_id](row)
            for _ in range(200):
                yield request
    request = BIG[provider_id](row)
    while True:
        yield request


def _stayprivate_evicted(connection: http.client.HTTPConnection) -> int:
    connection.request("GET", "/__mock__/emails")
    return int(json.loads(connection.getresponse().read())["evicted"])
