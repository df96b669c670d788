"""The registry of issue 16's figures in ``python -m bench``: ``loops``, ``ladder``, ``peers``, ``fixtures-process``, ``headroom``, ``cold-start``.

Each needs something optional (uvloop, java + npm, pytest-httpserver, wrk); when it is missing
the figure is skipped with one line on stderr and listed under ``skipped`` in results.json,
not counted as an error.
"""

from __future__ import annotations

import shutil
import sys
from typing import Callable, Mapping

from . import coldstart_ca, fixture_processes, headroom, ladder, loops, peers, wiremock
from .fixtures import TESTS as FIXTURE_TESTS, httpserver_available
from .measure import LoadSettings
from .profiles import Profile
from .report import Figure

NAMES = ("loops", "ladder", "peers", "fixtures-process", "headroom", "cold-start")
MAIN_PROVIDER = "netcore-email"
SKIPPED: list[str] = []

Attempt = Callable[[str, Callable[[], list[Figure]]], None]


def skip(name: str, reason: str) -> None:
    SKIPPED.append(f"{name}: {reason}")
    print(f"[bench] {name} skipped: {reason}", file=sys.stderr, flush=True)


def run(wanted: set[str], attempt: Attempt, errors: list[str], profiles: Mapping[str, Profile], settings: LoadSettings, *,
        quick: bool, rounds: int) -> None:
    """Run the wanted figures of this registry through ``attempt`` (which records figures and errors)."""
    if "cold-start" in wanted:
        attempt("cold-start (deferred CA)", lambda: coldstart_ca.measure(max(3, rounds)))
    main = profiles.get(MAIN_PROVIDER)
    if "loops" in wanted:
        if not loops.uvloop_available():
            skip("loops", "uvloop is not installed (pip install -e '.[fast]')")
        else:
            chosen = [p for p in profiles.values() if p.throughput_target is not None]
            for profile in chosen[:1] if quick else chosen:
                attempt(f"loops {profile.provider_id}", lambda profile=profile: loops.measure(profile, settings))
    if main is None:
        if wanted & {"ladder", "peers", "fixtures-process", "headroom"}:
            errors.append(f"ladder / peers / fixtures-process / headroom: no {MAIN_PROVIDER} profile")
        return
    if "ladder" in wanted:
        attempt("ladder", lambda: ladder.measure(main, settings))
    if "peers" in wanted:
        try:
            wiremock.ensure_jar()
        except wiremock.Unavailable as why:
            skip("peers", str(why))
        else:
            attempt("peers WireMock", lambda: peers.measure(main, settings, quick=quick))
    if "fixtures-process" in wanted:
        if not httpserver_available():
            skip("fixtures-process", "pytest-httpserver is not installed (pip install -e '.[bench]')")
        else:
            tests = 20 if quick else FIXTURE_TESTS
            attempt("fixtures-process", lambda: [fixture_processes.measure(main, max(rounds, 1 if quick else 5), tests)])
    if "headroom" in wanted:
        if shutil.which("wrk") is None:
            skip("headroom wrk", "wrk is not installed (apt-get install wrk); the loadgen CPU rows still run")
        attempt("headroom", lambda: headroom.measure(main, settings))
