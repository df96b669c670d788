"""Issue 17, done-when 1: one server, 8 concurrent workers, each with its own tenant.

Every worker scripts its own faults, moves its own clock and resets at will while
sending signed ncp-mailer requests; at the end (and after every step) each worker
sees exactly its own requests and messages: nothing lost, nothing misattributed.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from sealmail.conformance.clients.ncp_mailer import now_ms, signed_headers
from sealmail.mockservers.core import MockHandle
from sealmail.mockservers.core.remote_handle import TenantHandle, control_call

from ..unit.test_ncp_mailer_rules import SEED_BODY

WORKERS = 8
STEPS = 24
SEND_PATH = "/api/v1/mails"
RECIPIENTS = len(SEED_BODY["recipients"])


def send(tenant: TenantHandle, marker: str, *, access_key: str | None = None) -> int:
    """One signed createMailRequest with ``marker`` as the sender's name; its status."""
    body = copy.deepcopy(SEED_BODY)
    body["senderName"] = marker
    headers = signed_headers("POST", SEND_PATH, access_key or tenant.config["access_key"], tenant.config["secret_key"], now_ms())
    request = urllib.request.Request(tenant.url + SEND_PATH, data=json.dumps(body).encode(), method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@dataclass
class Expected:
    """What a dedicated server would show this worker since its last reset."""

    statuses: list[int] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    resets: int = 0
    sent: int = 0
    evicted: int = 0

    def check(self, tenant: TenantHandle) -> None:
        """Exactly this worker's requests and messages; under a byte budget, the newest of them with the
        older ones evicted and counted (``recorded == kept + evicted``), never another worker's."""
        journal = control_call(f"{tenant.url}/__mock__/requests?tenant={tenant.tenant_id}")
        kept = [e["status"] for e in journal["requests"]]
        assert journal["recorded"] == len(self.statuses) == len(kept) + journal["evicted"], tenant.explain()
        assert kept == self.statuses[len(self.statuses) - len(kept):], tenant.explain()
        store = control_call(f"{tenant.url}/__mock__/messages?tenant={tenant.tenant_id}")
        expected = [marker for marker in self.markers for _ in range(RECIPIENTS)]
        sent = [m["payload"]["senderName"] for m in store["messages"]]
        assert store["added"] == len(expected) == len(sent) + store["evicted"]
        assert sent == expected[len(expected) - len(sent):]
        self.evicted = max(self.evicted, journal["evicted"] + store["evicted"])


def worker(base_url: str, index: int, start: threading.Barrier) -> Expected:
    tenant = TenantHandle.create(base_url)
    rng = random.Random(index)
    expected = Expected()
    start.wait()
    for step in range(STEPS):
        marker = f"worker-{index}-step-{step}"
        action = rng.choice(["send", "send", "fault", "clock", "reset"])
        if action == "fault":  # this tenant's next request only: 503 in the provider's shape
            tenant.fault(503, times=1)
            assert send(tenant, marker) == 503
            expected.statuses.append(503)
        elif action == "clock":  # ten minutes ahead: this tenant's timestamps are stale, nobody else's
            tenant.clock(offset_ms=600_000)
            assert send(tenant, marker) == 401
            expected.statuses.append(401)
            tenant.clock()
        elif action == "reset":
            tenant.reset()
            expected = Expected(resets=expected.resets + 1, sent=expected.sent, evicted=expected.evicted)
        else:
            assert send(tenant, marker) == 201
            expected.statuses.append(201)
            expected.markers.append(marker)
        expected.sent += action != "reset"
        expected.check(tenant)
    tenant.delete()
    return expected


@pytest.mark.parametrize("budget", [None, 6_000], ids=["unbounded", "tight-byte-budgets"])
def test_eight_workers_each_see_exactly_their_own_traffic(mock_server: Any, budget: int | None) -> None:
    """``tight-byte-budgets``: each tenant's journal and store keep only a few KB (the hardening budgets evict)."""
    settings = {} if budget is None else {"journal_max_bytes": budget, "message_max_bytes": budget}
    ncp_mailer_mock = mock_server("ncp-mailer", **settings)
    start = threading.Barrier(WORKERS)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(lambda i: worker(ncp_mailer_mock.url, i, start), range(WORKERS)))
    assert sum(r.resets for r in results) > 0
    assert (sum(r.evicted for r in results) > 0) == (budget is not None)  # the tight budgets did evict
    assert sum(r.sent for r in results) + sum(r.resets for r in results) == WORKERS * STEPS
    assert ncp_mailer_mock.requests() == []  # nothing leaked to the default tenant
    listing = control_call(ncp_mailer_mock.url + "/__mock__/tenants")
    assert listing["tenants"] == [] and listing["created"] >= WORKERS


def test_unknown_credentials_still_go_to_the_default_tenant(ncp_mailer_mock: MockHandle) -> None:
    tenant = TenantHandle.create(ncp_mailer_mock.url)
    assert send(tenant, "stranger", access_key="NOT-A-TENANT-KEY0000") == 401
    assert tenant.requests() == []
    assert [(e.status, e.reason) for e in ncp_mailer_mock.requests()] == [(401, "access_key_unknown")]
    tenant.delete()
