"""One module per provider, each exposing ``SUITE`` (found by :func:`sealmail.conformance.framework.suites`)."""
