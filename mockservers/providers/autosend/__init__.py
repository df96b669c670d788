"""AutoSend mock (``autosend``): /v1 contacts and mails, plain or JWE (RSA-OAEP-256 + A256GCM), rotating JWKS."""

from .app import PROVIDER, AutoSendProvider
from .handlers import MODEL
from .models import AutoSendConfig, AutoSendModel

__all__ = ["MODEL", "PROVIDER", "AutoSendConfig", "AutoSendModel", "AutoSendProvider"]
