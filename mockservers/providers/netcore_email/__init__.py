"""Netcore Email API v6 mock (``netcore-email``): ``POST /v6/mail/send``, plain or AES-256-GCM."""

from .app import PROVIDER, NetcoreEmailProvider
from .handlers import MODEL
from .models import NetcoreEmailConfig, NetcoreEmailModel

__all__ = ["MODEL", "PROVIDER", "NetcoreEmailConfig", "NetcoreEmailModel", "NetcoreEmailProvider"]
