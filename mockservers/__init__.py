"""sealmail mock servers: strict stand-ins for email and event APIs that encrypt or sign requests.

Start here: :func:`sealmail.mockservers.core.create_app` builds a provider's aiohttp
application; ``python -m sealmail serve`` runs them all.
"""

from .core import MockHandle, ServerThread, create_app, get_provider, providers

__all__ = ["MockHandle", "ServerThread", "create_app", "get_provider", "providers"]
