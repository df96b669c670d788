"""NAVER Cloud Outbound Mailer mock (``ncp-mailer``): API Gateway signature v2, mail requests, delivery results."""

from .app import PROVIDER, NcpMailerProvider
from .handlers import MODEL
from .models import Credential, Mail, MailRequest, NcpMailerConfig, NcpMailerModel

__all__ = ["MODEL", "PROVIDER", "Credential", "Mail", "MailRequest", "NcpMailerConfig", "NcpMailerModel", "NcpMailerProvider"]
