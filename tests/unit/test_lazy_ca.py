"""``sealmail serve`` imports aiohttp with its client CA loading deferred to first use (docs/benchmarks.md, cold start).

The deferred contexts must verify exactly like ordinary ones once used, and the patch must end with the block.
"""

from __future__ import annotations

import ssl
import subprocess
import sys

from sealmail.lazy_ca import CaOnFirstUseContext, client_ca_loaded_on_first_use


def test_contexts_built_in_the_block_load_their_ca_on_first_use() -> None:
    ordinary = ssl.create_default_context()
    with client_ca_loaded_on_first_use():
        lazy = ssl.create_default_context()
    assert isinstance(lazy, CaOnFirstUseContext) and isinstance(lazy, ssl.SSLContext)
    assert lazy._ca_pending
    lazy.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")  # what asyncio's TLS does first
    assert not lazy._ca_pending
    assert lazy.cert_store_stats() == ordinary.cert_store_stats()
    assert lazy.verify_mode == ssl.CERT_REQUIRED and lazy.check_hostname


def test_the_patch_ends_with_the_block() -> None:
    with client_ca_loaded_on_first_use():
        pass
    after = ssl.create_default_context()
    assert type(after) is ssl.SSLContext
    assert after.cert_store_stats() == ssl.create_default_context().cert_store_stats()


def test_serve_imports_aiohttp_without_loading_the_ca_bundle() -> None:
    code = (
        "from sealmail.cli import main\n"
        "main(['list'])\n"  # routed like 'sealmail serve': the first import of aiohttp happens there
        "import aiohttp.connector as c\n"
        "print(c._SSL_CONTEXT_VERIFIED._ca_pending, c._SSL_CONTEXT_UNVERIFIED._ca_pending)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split()[-2:] == ["True", "True"]
