"""StayPrivate secure email API mock (``stayprivate``): RS256 JWT auth; prepare / upload / delete / send."""

from .app import PROVIDER, StayPrivateProvider
from .handlers import MODEL
from .models import StayPrivateConfig, StayPrivateModel

__all__ = ["MODEL", "PROVIDER", "StayPrivateConfig", "StayPrivateModel", "StayPrivateProvider"]
