"""Requirement catalogues, one module per provider: ``REQUIREMENTS`` lists :class:`~conformance.framework.Requirement`."""
