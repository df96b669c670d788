"""Benchmark: does the time to reject ``encryptedRequest`` depend on *why* it is rejected?

    python -m sealmail.mockservers.providers.netcore_ce.timing [--rounds 3000] [--size 1024] [--http]

A padding oracle needs the caller to tell "bad padding" from "padding fine,
plaintext garbage". The response is the same for both (envelope.py); this
measures the time. Every failure class is timed against the baseline class
"CBC, bad padding" on ciphertexts of the same size, interleaved in shuffled
order within each round so that machine noise hits all classes alike. For
each class it prints the median time, the ratio of medians to the baseline,
and the median paired difference with a bootstrap 95% interval.

Not a pass/fail test (the machine is shared and noisy): read the ratios. By
default it times the decrypt path in-process (what differs between classes);
``--http`` times whole requests against a mock on 127.0.0.1, where the
network stack dwarfs any difference.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from sealmail.mockservers.crypto import CryptoError, aes_cbc, aes_gcm

from . import spec
from .credentials import Credential, parse_cbc, parse_gcm
from .envelope import open_request

BASELINE = "cbc_bad_padding"


@dataclass(frozen=True)
class Case:
    name: str
    ecode: int
    text: str


@dataclass(frozen=True)
class ClassResult:
    name: str
    median_ns: float
    ratio: float
    """Median of this class over the baseline's median."""
    diff_ns: float
    """Median paired (same round) difference to the baseline."""
    ci_low_ns: float
    ci_high_ns: float


def failure_cases(size: int, rng: random.Random) -> tuple[list[Case], Credential, Credential]:
    """One ciphertext per failure class, all about ``size`` bytes once decoded."""
    cbc = parse_cbc(spec.DEFAULT_CBC_KEY, spec.DEFAULT_CBC_IV)
    gcm = parse_gcm(spec.DEFAULT_GCM_KEY)
    assert cbc.iv is not None
    blocks = max(2, size // 16)
    garbage = rng.randbytes(blocks * 16 - 1)  # padding will be valid, plaintext is not JSON
    cbc_garbage = aes_cbc.encrypt(cbc.key, cbc.iv, garbage)
    bad_padding = _with_bad_padding(cbc, rng, len(cbc_garbage))
    nonce = rng.randbytes(12)
    gcm_garbage = nonce + aes_gcm.encrypt(gcm.key, nonce, garbage[: len(cbc_garbage) - 28])
    gcm_tampered = gcm_garbage[:-1] + bytes([gcm_garbage[-1] ^ 1])
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    cases = [
        Case(BASELINE, 11256, b64(bad_padding)),
        Case("cbc_padding_ok_not_json", 11256, b64(cbc_garbage)),
        Case("cbc_length_not_block_multiple", 11256, b64(cbc_garbage[:-1])),
        Case("not_base64", 11256, b64(cbc_garbage)[:-2] + "!!"),
        Case("hex_bad_padding", 11257, bad_padding.hex()),
        Case("hex_not_lowercase", 11257, cbc_garbage.hex().upper()),
        Case("gcm_tag_mismatch", 11258, b64(gcm_tampered)),
        Case("gcm_tag_ok_not_json", 11258, b64(gcm_garbage)),
    ]
    return cases, cbc, gcm


def _with_bad_padding(cbc: Credential, rng: random.Random, length: int) -> bytes:
    assert cbc.iv is not None
    while True:
        candidate = rng.randbytes(length)
        failure = aes_cbc.decrypt_uniform(cbc.key, cbc.iv, candidate).failure
        if failure is not None and failure.reason == "cbc_bad_padding":
            return candidate


def in_process(cases: Sequence[Case], cbc: Credential, gcm: Credential) -> Callable[[Case], int]:
    """A timer of the rejection path: decode, decrypt, parse, raise."""

    def timed(case: Case) -> int:
        method = spec.METHODS[case.ecode]
        start = time.perf_counter_ns()
        try:
            open_request(method, gcm if method.cipher == "gcm" else cbc, case.text)
        except CryptoError:
            pass
        return time.perf_counter_ns() - start

    return timed


def measure(cases: Sequence[Case], timer: Callable[[Case], int], rounds: int, rng: random.Random) -> dict[str, list[int]]:
    """``rounds`` rounds; each times every case once, in a fresh random order."""
    samples: dict[str, list[int]] = {c.name: [] for c in cases}
    order = list(cases)
    for _ in range(rounds):
        rng.shuffle(order)
        for case in order:
            samples[case.name].append(timer(case))
    return samples


def summarise(samples: dict[str, list[int]], rng: random.Random, resamples: int = 400) -> list[ClassResult]:
    base = samples[BASELINE]
    base_median = statistics.median(base)
    results = []
    for name, values in samples.items():
        diffs = [v - b for v, b in zip(values, base)]
        boot = sorted(statistics.median(rng.choices(diffs, k=len(diffs))) for _ in range(resamples))
        results.append(ClassResult(
            name=name,
            median_ns=statistics.median(values),
            ratio=statistics.median(values) / base_median if base_median else float("nan"),
            diff_ns=statistics.median(diffs),
            ci_low_ns=boot[int(0.025 * (resamples - 1))],
            ci_high_ns=boot[int(0.975 * (resamples - 1))],
        ))
    return results


def run(rounds: int = 3000, size: int = 1024, seed: int = 1, http: bool = False) -> list[ClassResult]:
    rng = random.Random(seed)
    cases, cbc, gcm = failure_cases(size, rng)
    if http:
        return _run_http(cases, rounds, rng)
    timer = in_process(cases, cbc, gcm)
    measure(cases, timer, max(1, rounds // 10), rng)  # warm-up
    return summarise(measure(cases, timer, rounds, rng), rng)


def _run_http(cases: Sequence[Case], rounds: int, rng: random.Random) -> list[ClassResult]:
    import requests

    from sealmail.mockservers.core import MockPool

    with MockPool() as pool, requests.Session() as session:
        mock = pool.acquire(spec.PROVIDER_ID, journal_capacity=100)
        config = mock.config
        headers = {"Content-Type": "application/json", "x-asset": config["asset"], "Authorization": f"Bearer {config['api_key']}"}
        bodies = {c.name: json.dumps({"encryptedRequest": c.text}) for c in cases}

        def timer(case: Case) -> int:
            start = time.perf_counter_ns()
            reply = session.post(mock.url + spec.UPLOAD_PATH, data=bodies[case.name], headers={**headers, "x-eCode": str(case.ecode)})
            elapsed = time.perf_counter_ns() - start
            if reply.status_code != 400:
                raise RuntimeError(f"{case.name}: expected the uniform 400, got {reply.status_code}")
            return elapsed

        measure(cases, timer, max(1, rounds // 10), rng)
        return summarise(measure(cases, timer, rounds, rng), rng)


def table(results: Sequence[ClassResult]) -> str:
    lines = [f"{'failure class':32} {'median':>10} {'ratio':>7} {'paired diff [95% CI]':>32}"]
    for r in results:
        lines.append(
            f"{r.name:32} {r.median_ns / 1000:9.1f}us {r.ratio:7.3f} "
            f"{r.diff_ns / 1000:+9.2f}us [{r.ci_low_ns / 1000:+.2f}, {r.ci_high_ns / 1000:+.2f}]"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sealmail.mockservers.providers.netcore_ce.timing", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3000)
    parser.add_argument("--size", type=int, default=1024, help="ciphertext bytes (default 1024)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--http", action="store_true", help="time whole HTTP requests against a local mock")
    args = parser.parse_args(argv)
    results = run(args.rounds, args.size, args.seed, args.http)
    where = "HTTP round trips" if args.http else "in-process rejection path"
    print(f"netcore-ce: {where}, {args.rounds} rounds, {args.size}-byte ciphertexts; baseline {BASELINE}")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
