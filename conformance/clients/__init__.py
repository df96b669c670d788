"""Reference clients, one per provider: what a correct integration looks like.

Each is async (aiohttp) with a small blocking facade, and is what the
conformance suite runs when no ``--client`` is given.
"""
