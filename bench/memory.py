"""Figure 4: peak RSS of ``python -m sealmail serve`` after 200,000 requests.

Every provider with a profile is served by one process with its default
settings (journal and message store capped at 10,000 each). The load generator
sends the providers' valid main-endpoint requests, all providers at once, in
ten equal chunks; the server's RSS is read after each chunk and its peak
(``VmHWM``) at the end.

The documented bound: once every journal and store is full (each provider has
seen more requests than its caps), memory stops growing. So the bound is the
RSS at the first checkpoint past that point plus 10% (allocator slack); the
figure's ratio is bound / peak (>= 1: within the bound). The RSS of a bare
aiohttp server after the same number of requests is reported beside it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sealmail.mockservers.core import MockConfig

from .loadgen import RawRequest, write_requests
from .measure import LoadSettings, run_load
from .profiles import Profile
from .report import Figure, ratio
from .servers import port_of, read_rss_kib, start_baseline, start_mocks

SLACK = 1.10
"""Allowed growth past the point where every cap is full."""


def measure(profiles: dict[str, Profile], settings: LoadSettings, total_requests: int = 200_000, chunks: int = 10) -> Figure:
    caps = MockConfig()
    per_chunk = total_requests // chunks
    with start_mocks(list(profiles), {p: prof.settings for p, prof in profiles.items()}) as mock, tempfile.TemporaryDirectory() as tmp:
        rows = {row["provider"]: row for row in mock.info["mocks"]}
        ports = {str(port_of(mock.info["urls"][p])): p for p in profiles}
        per_provider = {p: 0 for p in profiles}
        requests: list[RawRequest] = []
        for provider_id, profile in profiles.items():
            port = port_of(mock.info["urls"][provider_id])
            built = profile.build(rows[provider_id], settings.distinct_requests)
            requests.extend(RawRequest(port, r.method, r.path, r.headers, r.body) for r in built)
        path = Path(tmp) / "all.json"
        write_requests(path, requests)
        load = LoadSettings(concurrency=max(settings.concurrency, 4 * len(profiles)), duration_s=3600, warmup_s=0,
                            max_requests=per_chunk, rounds=1, distinct_requests=settings.distinct_requests)
        start = mock.rss_kib()
        checkpoints: list[dict[str, Any]] = []
        sent = 0
        rejected = 0
        for _ in range(chunks):
            result = run_load(path, load, server=mock)
            sent += result["completed"]
            rejected += result["completed"] - result["ok"]
            for port, count in result["by_port"].items():
                per_provider[ports[port]] += count
            checkpoints.append({"requests": sent, **mock.rss_kib(), "rps": result["rps"], "statuses": result["statuses"],
                                "per_provider": dict(per_provider)})
        peak = mock.rss_kib()["peak_rss_kib"]
        bare = bare_rss(requests, load, chunks)

    cap = max(caps.journal_capacity, caps.message_capacity)
    full = [c for c in checkpoints if min(c["per_provider"].values()) > cap]
    reference = full[0] if full else checkpoints[-1]
    bound = int(reference["rss_kib"] * SLACK)
    note = (f"start {start['rss_kib'] / 1024:.0f} MiB; every cap full by {reference['requests']:,} requests"
            f"{'' if full else ' (NEVER: too few requests for the caps, bound not meaningful)'}; RSS there "
            f"{reference['rss_kib'] / 1024:.0f} MiB, at the end {checkpoints[-1]['rss_kib'] / 1024:.0f} MiB; "
            f"bare aiohttp after the same load {bare['rss_kib'] / 1024:.0f} MiB")
    if rejected:
        note += f"; INVALID: {rejected} request(s) not accepted"
    return Figure(
        figure="4-memory",
        subject=f"mockservers serve ({', '.join(profiles)}), {sent:,} requests",
        value=round(peak / 1024, 1), unit="MiB peak RSS",
        baseline_name=f"bound: RSS when caps full x{SLACK}", baseline=round(bound / 1024, 1),
        ratio=0.0 if rejected else ratio(bound, peak), target=1.0 if full else None,
        note=note,
        raw={"start": start, "checkpoints": checkpoints, "peak_rss_kib": peak, "bound_kib": bound,
             "caps": {"journal_capacity": caps.journal_capacity, "message_capacity": caps.message_capacity,
                      "journal_body_limit": caps.journal_body_limit},
             "bare_aiohttp": bare, "load": load.to_json()},
    )


def bare_rss(requests: list[RawRequest], load: LoadSettings, chunks: int) -> dict[str, int]:
    """RSS of the bare aiohttp server after the same number of requests (same bodies, one port)."""
    with start_baseline(sorted({r.path.split("?", 1)[0] for r in requests})) as bare, tempfile.TemporaryDirectory() as tmp:
        port = port_of(bare.info["url"])
        file = Path(tmp) / "bare.json"
        write_requests(file, [RawRequest(port, r.method, r.path, r.headers, r.body) for r in requests])
        for _ in range(chunks):
            run_load(file, load, server=bare)
        return read_rss_kib(bare.pid)
