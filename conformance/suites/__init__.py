"""One module per provider, each exposing ``SUITE`` (found by :func:`conformance.framework.suites`)."""
