"""Netcore CE activity upload mock (``netcore-ce``): ``POST /v1/activity/upload``, eCodes 11256, 11257, 11258."""

from .app import PROVIDER, NetcoreCeProvider
from .handlers import MODEL
from .models import NetcoreCeConfig, NetcoreCeModel

__all__ = ["MODEL", "PROVIDER", "NetcoreCeConfig", "NetcoreCeModel", "NetcoreCeProvider"]
