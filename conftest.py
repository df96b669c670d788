"""Repository-level pytest configuration.

The suite runs against the installed ``sealmail`` distribution (``make test``
installs the checkout in editable mode); the sealmail plugin is registered
through its ``pytest11`` entry point. Nothing is added to ``sys.path`` here, so
the tests import exactly what a user's project imports.
"""
