"""Figure 2: the JWE endpoint (autosend) and the JWT endpoint (stayprivate) against raw crypto.

Three rows per provider, all on the same pre-built messages:

- **endpoint vs raw, one process** (the issue's figure, target >= 0.8): the
  mock's requests per second over HTTP (full pipeline, load generator in its
  own process) against how many of the same messages one process decrypts or
  verifies per second with ``cryptography`` alone (:mod:`bench.rawjose`).
- **JOSE layer** (target >= 0.8): the provider's own JOSE step called
  in-process (autosend's ``open_body``: envelope, kid, policy, decrypt, payload
  JSON; stayprivate's ``authenticate``: headers, RS256 verification, claims)
  against the raw step doing the same JSON work, message for message. This is
  where a JOSE library's overhead (key loading, parsing) would show.
- **endpoint vs bare aiohttp + raw** (reported): the mock against
  :mod:`bench.baseline_server` doing only the raw crypto per request, same load.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from sealmail.mockservers.core import create_app

from .measure import LoadSettings, interleave, median, requests_file, run_load
from .profiles import PreparedRequest, Profile, main_path
from .rawjose import RawJweDecryptor, RawJwsVerifier
from .report import Figure, ratio
from .servers import start_baseline, start_mocks

Step = Callable[[PreparedRequest], Any]


def raw_step(profile: Profile, keys: dict[str, str]) -> Step:
    """The bare work of one request with ``cryptography``: the comparison for both in-process rows."""
    if profile.jose == "jwe":
        decryptor = RawJweDecryptor.from_pem(keys["private_pem"].encode("ascii"))

        def jwe(request: PreparedRequest) -> Any:
            return json.loads(decryptor.decrypt(json.loads(request.body)["encryptedData"]))

        return jwe
    verifier = RawJwsVerifier.from_pem(keys["public_pem"].encode("ascii"))

    def jws(request: PreparedRequest) -> Any:
        return json.loads(verifier.verify(request.headers["Authorization"].partition(" ")[2]))

    return jws


def ops_per_second(step: Step, requests: Sequence[PreparedRequest], seconds: float) -> dict[str, Any]:
    """Run ``step`` over the messages, cycling, for about ``seconds``; returns count and rate."""
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for request in requests:
            step(request)
        done += len(requests)
        now = time.perf_counter()
        if now >= deadline:
            break
    elapsed = now - started
    return {"operations": done, "elapsed_s": round(elapsed, 4), "ops_per_s": round(done / elapsed, 1), "us_per_op": round(elapsed / done * 1e6, 2)}


def measure(profile: Profile, settings: LoadSettings) -> list[Figure]:
    assert profile.jose in ("jwe", "jws") and profile.jose_key is not None
    algorithm = "RSA-OAEP-256 + A256GCM" if profile.jose == "jwe" else "RS256"
    with start_mocks([profile.provider_id], {profile.provider_id: profile.settings}) as mock, tempfile.TemporaryDirectory() as tmp:
        config = mock.info["mocks"][0]
        requests = profile.build(config, settings.distinct_requests)
        keys = profile.jose_key(config)
        key_file = Path(tmp) / "keys.json"
        key_file.write_text(json.dumps(keys), encoding="utf-8")
        raw = raw_step(profile, keys)
        sample = requests[: min(len(requests), 200)]
        for request in sample:  # the raw step must accept every message, or it is no baseline
            raw(request)
        with start_baseline([main_path(requests)], work=profile.jose, key_file=key_file) as bare:
            mock_file = requests_file(Path(tmp), "mock", mock.info["urls"][profile.provider_id], requests)
            bare_file = requests_file(Path(tmp), "bare", bare.info["url"], requests)
            endpoint_vs_raw = interleave(
                settings.rounds,
                lambda: run_load(mock_file, settings, server=mock),
                lambda: ops_per_second(raw, sample, settings.duration_s),
            )
            endpoint_vs_bare = interleave(
                settings.rounds,
                lambda: run_load(mock_file, settings, server=mock),
                lambda: run_load(bare_file, settings, server=bare),
            )
    layer = jose_layer(profile, requests, raw, settings)

    mock_rps = median([r["ok_rps"] for r in endpoint_vs_raw.a])
    raw_ops = median([r["ops_per_s"] for r in endpoint_vs_raw.b])
    rejected = sum(r["completed"] - r["ok"] for r in endpoint_vs_raw.a + endpoint_vs_bare.a)
    invalid = f"; INVALID: {rejected} mock response(s) not 2xx" if rejected else ""
    figures = [
        Figure(
            figure="2-jose",
            subject=f"{profile.provider_id} {profile.endpoint} vs raw {algorithm} in one process",
            value=mock_rps, unit="req/s", baseline_name=f"raw {profile.jose} ops/s", baseline=raw_ops,
            ratio=0.0 if rejected else ratio(mock_rps, raw_ops), target=0.8,
            note=f"raw step {median([r['us_per_op'] for r in endpoint_vs_raw.b]):.0f} us/message{invalid}",
            raw={"endpoint_runs": endpoint_vs_raw.a, "raw_runs": endpoint_vs_raw.b},
        ),
        layer,
    ]
    mock_rps2 = median([r["ok_rps"] for r in endpoint_vs_bare.a])
    bare_rps = median([r["ok_rps"] for r in endpoint_vs_bare.b])
    figures.append(Figure(
        figure="2-jose",
        subject=f"{profile.provider_id} endpoint vs bare aiohttp + raw {algorithm}",
        value=mock_rps2, unit="req/s", baseline_name=f"bare aiohttp + raw {profile.jose}", baseline=bare_rps,
        ratio=0.0 if rejected else ratio(mock_rps2, bare_rps), target=None,
        note=f"server CPU {median([r['server_cpu_us_per_request'] for r in endpoint_vs_bare.a]):.0f} us/request vs "
             f"{median([r['server_cpu_us_per_request'] for r in endpoint_vs_bare.b]):.0f}{invalid}",
        raw={"mock_runs": endpoint_vs_bare.a, "baseline_runs": endpoint_vs_bare.b},
    ))
    return figures


def jose_layer(profile: Profile, requests: Sequence[PreparedRequest], raw: Step, settings: LoadSettings) -> Figure:
    """The provider's own JOSE step against the raw step, in this process, same messages."""
    assert profile.jose_step is not None
    app = create_app(profile.provider_id, profile.settings)
    step = profile.jose_step(app)
    sample = list(requests[: min(len(requests), 200)])
    for request in sample:
        step(request)  # every message passes the provider's checks
    runs = interleave(
        settings.rounds,
        lambda: ops_per_second(step, sample, settings.duration_s),
        lambda: ops_per_second(raw, sample, settings.duration_s),
    )
    provider_us = median([r["us_per_op"] for r in runs.a])
    raw_us = median([r["us_per_op"] for r in runs.b])
    return Figure(
        figure="2-jose",
        subject=f"{profile.provider_id} JOSE layer (provider code vs raw, in-process)",
        value=median([r["ops_per_s"] for r in runs.a]), unit="msg/s", baseline_name=f"raw {profile.jose}",
        baseline=median([r["ops_per_s"] for r in runs.b]), ratio=ratio(raw_us, provider_us), target=0.8,
        note=f"{provider_us:.0f} us/message vs raw {raw_us:.0f} (overhead {provider_us - raw_us:.0f} us)",
        raw={"provider_runs": runs.a, "raw_runs": runs.b},
    )
