"""``python -m bench.key_timing``: ncp-mailer gateway cost, unknown access key vs known key with a wrong signature.

Both must cost the same (no access-key oracle; tests/unit/test_ncp_mailer_key_timing.py
pins the structure). Times ``gateway.authenticate`` directly, the two cases
interleaved in rounds of ``--batch`` calls; prints medians, spread and the
difference in microseconds per request.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Sequence

from multidict import CIMultiDict, CIMultiDictProxy

from sealmail.mockservers.core import MockClock, Rejection
from sealmail.mockservers.crypto import ncp_signature
from sealmail.mockservers.providers.ncp_mailer import spec
from sealmail.mockservers.providers.ncp_mailer.gateway import GatewayRules, authenticate
from sealmail.mockservers.providers.ncp_mailer.models import NcpMailerConfig, NcpMailerModel

URI = "/api/v1/mails"


def _headers(access_key: str, now_ms: int) -> CIMultiDictProxy[str]:
    wrong = ncp_signature.sign("not-the-secret", "POST", URI, str(now_ms), access_key)
    return CIMultiDictProxy(CIMultiDict({spec.HEADER_TIMESTAMP: str(now_ms), spec.HEADER_ACCESS_KEY: access_key,
                                         spec.HEADER_SIGNATURE: wrong}))


def _batch_us(model: NcpMailerModel, headers: CIMultiDictProxy[str], now_ms: int, batch: int) -> float:
    rules = GatewayRules()
    started = time.perf_counter()
    for _ in range(batch):
        try:
            authenticate(headers, "POST", URI, now_ms, model, rules)
        except Rejection:
            pass
    return (time.perf_counter() - started) / batch * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.key_timing", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args(argv)
    config = NcpMailerConfig()
    model = NcpMailerModel(config, MockClock())
    now_ms = model.clock.now_ms()
    cases = {"unknown key": _headers("NOSUCHACCESSKEY00000", now_ms), "known key, wrong signature": _headers(config.access_key, now_ms)}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.rounds):
        for name, headers in cases.items():
            samples[name].append(_batch_us(model, headers, now_ms, args.batch))
    for name, values in samples.items():
        print(f"{name:28} median {statistics.median(values):7.2f} us  (spread {min(values):.2f}..{max(values):.2f})")
    unknown, known = (statistics.median(v) for v in samples.values())
    print(f"known - unknown: {known - unknown:+.2f} us per request (ratio {known / unknown:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
