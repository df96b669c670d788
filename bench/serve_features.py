"""Figure 6: what ``serve --tls`` and ``serve --persist`` cost (issue 14).

- start-up: ``python -m sealmail serve --tls --persist`` (every provider, a CA
  already in the data directory as on every start after the first, the
  database of the previous run: provider snapshots, no requests) until every health answers, against
  plain ``serve`` in the same run (A/B/A/B, medians). Ratio: plain / with.
- throughput: each provider's main endpoint with ``--persist`` (journal and
  messages written through to SQLite, model snapshots saved as responses go
  out) against the in-memory default, the same requests and load generator
  settings as figure 1. Ratio: persist req/s / in-memory req/s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .coldstart import serve_once
from .measure import LoadSettings, interleave, requests_file, run_load
from .profiles import Profile
from .report import Figure, ratio
from .servers import start_mocks


def measure_startup(rounds: int) -> Figure:
    with tempfile.TemporaryDirectory() as data:
        features = ["--tls", "--persist", "--data-dir", data]
        serve_once(features)  # the first start makes the CA and the database: not what users wait for later
        runs = interleave(rounds, lambda: serve_once(features), serve_once)
    with_s, plain_s = runs.medians("seconds")
    return Figure(
        figure="6-serve-features",
        subject=f"serve --tls --persist ({len(runs.a[0]['providers'])} providers) until every health answers",
        value=with_s, unit="s", baseline_name="plain serve (HTTP, in memory)", baseline=plain_s, ratio=ratio(plain_s, with_s),
        note=f"difference {with_s - plain_s:+.3f} s (CA loaded, leaf issued, database opened and loaded)",
        raw={"with_runs": runs.a, "plain_runs": runs.b},
    )


def measure_persist_throughput(profile: Profile, settings: LoadSettings) -> Figure:
    settings_by_provider = {profile.provider_id: profile.settings}
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite3")
        with start_mocks([profile.provider_id], settings_by_provider, ["--persist", "--db", db]) as persisted, \
                start_mocks([profile.provider_id], settings_by_provider) as memory:
            requests = profile.build(persisted.info["mocks"][0], settings.distinct_requests)
            memory_requests = profile.build(memory.info["mocks"][0], settings.distinct_requests)
            persisted_file = requests_file(Path(tmp), "persist", persisted.info["urls"][profile.provider_id], requests)
            memory_file = requests_file(Path(tmp), "memory", memory.info["urls"][profile.provider_id], memory_requests)
            runs = interleave(
                settings.rounds,
                lambda: run_load(persisted_file, settings, server=persisted),
                lambda: run_load(memory_file, settings, server=memory),
            )
    persist_rps, memory_rps = runs.medians("ok_rps")
    persist_cpu, memory_cpu = runs.medians("server_cpu_us_per_request")
    not_ok = sum(r["completed"] - r["ok"] for r in runs.a + runs.b)
    note = f"server CPU {persist_cpu:.0f} us/request vs {memory_cpu:.0f}"
    if not_ok:
        note += f"; INVALID: {not_ok} response(s) not 2xx"
    return Figure(
        figure="6-serve-features",
        subject=f"{profile.provider_id} {profile.endpoint} with --persist",
        value=persist_rps, unit="req/s", baseline_name="in memory (default)", baseline=memory_rps,
        ratio=0.0 if not_ok else ratio(persist_rps, memory_rps), note=note,
        raw={"persist_runs": runs.a, "memory_runs": runs.b},
    )
