"""One package per provider; each exposes ``PROVIDER`` (found by :mod:`mockservers.core.registry`)."""
