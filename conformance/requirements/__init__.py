"""Requirement catalogues, one module per provider: ``REQUIREMENTS`` lists :class:`~sealmail.conformance.framework.Requirement`."""
