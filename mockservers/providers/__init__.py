"""One package per provider; each exposes ``PROVIDER`` (found by :mod:`sealmail.mockservers.core.registry`)."""
