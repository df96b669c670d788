"""Figure "peers": sealmail's netcore-email mock (AES-256-GCM, every check on) against WireMock standalone.

The server a team would otherwise pick for the same job: WireMock 3 (:mod:`bench.wiremock`)
with a stub on the same path (``POST /v6/mail/send``, a fixed JSON answer, no crypto), driven
by the same load generator with the same request bytes, in the same run:

- **first 30 s**: WireMock is started and measured at once, as CI uses it (start, test, stop);
  its runs, alternated with sealmail's, all end within 30 s of its spawn;
- **warm**: the same WireMock after 60 s under load (its JIT has compiled the hot path);
- with its request journal on (the default) and off (``--no-request-journal``);
- **memory**: RSS of a fresh process of each after 50,000 requests (quick: 5,000);
- **CPU per request**: user + system time of the server process (all its threads), ``/proc/<pid>/stat``.

Ratios are sealmail / WireMock for throughput and WireMock / sealmail for CPU and memory
(higher is better). Skipped with one line when java or npm is missing.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from . import wiremock
from .loops import describe, rotate, summary
from .measure import LoadSettings, requests_file, run_load
from .profiles import Profile, main_path
from .report import Figure, ratio
from .servers import ServerProcess, read_rss_kib, start_mocks

COLD_WINDOW_S = 30.0
WARMUP_S = 60.0
MEMORY_REQUESTS = 50_000
ANSWER = {"data": {"message_id": "0" * 32}, "message": "OK", "status": "success"}


def measure(profile: Profile, settings: LoadSettings, *, quick: bool = False, loop: str = "auto") -> list[Figure]:
    jar = wiremock.ensure_jar()  # raises wiremock.Unavailable (one line) without java / npm
    cold_window = 10.0 if quick else COLD_WINDOW_S
    warmup = 10.0 if quick else WARMUP_S
    memory_requests = 5_000 if quick else MEMORY_REQUESTS
    run_s = min(settings.duration_s, 2.0)
    figures: list[Figure] = []
    raw: dict[str, Any] = {"java": wiremock.java_version(), "jar": jar.name, "cold_window_s": cold_window, "warmup_s": warmup}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}, loop=loop) as mock:
            requests = profile.build(mock.info["mocks"][0], settings.distinct_requests)
            path = main_path(requests)
            wiremock.write_stub(folder / "stub", "POST", path, ANSWER)
            mock_file = requests_file(folder, "mock", mock.info["urls"][profile.provider_id], requests)
            raw["sealmail_loop"] = mock.info.get("event_loop", loop)
            for journal in (True, False):
                phases = _phases(jar, folder, requests, mock, mock_file, settings, journal=journal, cold_window=cold_window,
                                 warmup=warmup, run_s=run_s)
                label = "journal on" if journal else "journal off"
                raw[label] = phases
                for phase, title in (("cold", f"first {cold_window:.0f} s"), ("warm", f"after {warmup:.0f} s warm-up")):
                    ours, theirs = phases[phase]["sealmail"], phases[phase]["wiremock"]
                    figures.append(Figure(
                        figure="peers",
                        subject=f"sealmail {profile.provider_id} (crypto on) vs WireMock stub, {label}, {title}",
                        value=ours["rps"], unit="req/s", baseline_name=f"WireMock {label}, {title}", baseline=theirs["rps"],
                        ratio=ratio(ours["rps"], theirs["rps"]), target=1.0 if (journal and phase == "cold") else None,
                        note=(f"sealmail {describe(ours)}; WireMock {describe(theirs)}; CPU/request WireMock/sealmail "
                              f"{ratio(theirs['cpu_us'], ours['cpu_us']):.3f}; {phases[phase]['wiremock_runs']} WireMock runs "
                              f"ending {phases[phase]['wiremock_last_end_s']:.0f} s after its spawn"),
                        raw={"sealmail": ours, "wiremock": theirs},
                    ))
                if journal:
                    warm = phases["warm"]
                    figures.append(Figure(
                        figure="peers",
                        subject="server CPU per request: sealmail (crypto on) vs warm WireMock, journal on",
                        value=warm["sealmail"]["cpu_us"], unit="us/req", baseline_name="warm WireMock", baseline=warm["wiremock"]["cpu_us"],
                        ratio=ratio(warm["wiremock"]["cpu_us"], warm["sealmail"]["cpu_us"]), target=1.0,
                        note="ratio = WireMock CPU / sealmail CPU per request (>= 1: sealmail spends no more)",
                    ))
        figures.append(_memory(jar, folder, profile, settings, memory_requests, loop))
    figures[0].raw["context"] = raw
    return figures


def _phases(jar: Path, folder: Path, requests: Any, mock: ServerProcess, mock_file: Path, settings: LoadSettings, *,
            journal: bool, cold_window: float, warmup: float, run_s: float) -> dict[str, Any]:
    """One WireMock process: runs inside its first ``cold_window`` s, load until ``warmup`` s, then warm runs."""
    root = folder / "stub"
    with wiremock.start(jar, root, journal=journal) as peer:
        spawned = peer.extra["spawned_at"]
        peer_file = requests_file(folder, f"wiremock-{journal}", peer.info["url"], requests)
        cold: dict[str, list[dict[str, Any]]] = {"sealmail": [], "wiremock": []}
        last_end = 0.0
        # Alternate W S W S ... while a WireMock run still ends inside the window (no warm-up of its own).
        while time.perf_counter() - spawned + run_s <= cold_window or not cold["wiremock"]:
            cold["wiremock"].append(run_load(peer_file, settings, server=peer, duration_s=run_s, warmup_s=0.0))
            last_end = time.perf_counter() - spawned
            cold["sealmail"].append(run_load(mock_file, settings, server=mock, duration_s=run_s, warmup_s=0.0))
        remaining = warmup - (time.perf_counter() - spawned)
        if remaining > 0:  # unmeasured load: what a long-lived WireMock has seen
            run_load(peer_file, settings, duration_s=remaining, warmup_s=0.0, max_requests=10_000_000)
        warm = rotate(settings.rounds, {
            "wiremock": lambda: run_load(peer_file, settings, server=peer),
            "sealmail": lambda: run_load(mock_file, settings, server=mock),
        })
        warm_end = time.perf_counter() - spawned
        rss = peer.rss_kib()
    return {
        "cold": {"sealmail": summary(cold["sealmail"]), "wiremock": summary(cold["wiremock"]), "wiremock_runs": len(cold["wiremock"]),
                 "wiremock_last_end_s": round(last_end, 1), "runs": cold},
        "warm": {"sealmail": summary(warm["sealmail"]), "wiremock": summary(warm["wiremock"]), "wiremock_runs": len(warm["wiremock"]),
                 "wiremock_last_end_s": round(warm_end, 1), "runs": warm},
        "wiremock_start_s": round(peer.started_s, 2),
        "wiremock_rss_kib_at_end": rss,
    }


def _memory(jar: Path, folder: Path, profile: Profile, settings: LoadSettings, total: int, loop: str) -> Figure:
    """RSS of fresh processes after ``total`` requests each: sealmail vs WireMock with and without its journal."""
    rss: dict[str, dict[str, int]] = {}
    served: dict[str, int] = {}
    with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}, loop=loop) as mock:
        requests = profile.build(mock.info["mocks"][0], settings.distinct_requests)
        mock_file = requests_file(folder, "memory-mock", mock.info["urls"][profile.provider_id], requests)
        served["sealmail"] = _drive(mock_file, settings, total)
        rss["sealmail"] = read_rss_kib(mock.pid)
    for journal in (True, False):
        name = "wiremock journal " + ("on" if journal else "off")
        with wiremock.start(jar, folder / "stub", journal=journal) as peer:
            peer_file = requests_file(folder, f"memory-{journal}", peer.info["url"], requests)
            served[name] = _drive(peer_file, settings, total)
            rss[name] = peer.rss_kib()
    ours = rss["sealmail"]["rss_kib"] / 1024
    theirs = rss["wiremock journal on"]["rss_kib"] / 1024
    off = rss["wiremock journal off"]["rss_kib"] / 1024
    return Figure(
        figure="peers",
        subject=f"RSS after {total:,} requests: sealmail {profile.provider_id} vs WireMock, journal on",
        value=round(ours, 1), unit="MiB", baseline_name="WireMock journal on", baseline=round(theirs, 1),
        ratio=ratio(theirs, ours), target=1.0,
        note=f"ratio = WireMock RSS / sealmail RSS; WireMock journal off {off:.0f} MiB; requests served {served}",
        raw={"rss_kib": rss, "served": served},
    )


def _drive(path: Path, settings: LoadSettings, total: int) -> int:
    """Send ``total`` requests (bounded by time too) and return how many were answered."""
    result = run_load(path, settings, duration_s=600.0, warmup_s=0.0, max_requests=total)
    return int(result["completed"])
