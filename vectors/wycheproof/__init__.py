"""Wycheproof test vectors (C2SP, Apache-2.0), copied unchanged; see README.md and LICENSE here.

Provenance: C2SP Wycheproof ``testvectors_v1/`` at commit
dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterator

HERE = Path(__file__).resolve().parent
SOURCE = "C2SP Wycheproof testvectors_v1/, commit dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166, Apache License 2.0"


@cache
def load(name: str) -> dict[str, Any]:
    """A Wycheproof file by name, e.g. ``load("aes_gcm_test")``."""
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def cases(name: str, group_filter: Callable[[dict[str, Any]], bool] = lambda g: True) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """``(group, test)`` pairs of the groups ``group_filter`` keeps, in file order."""
    for group in load(name)["testGroups"]:
        if group_filter(group):
            for test in group["tests"]:
                yield group, test
