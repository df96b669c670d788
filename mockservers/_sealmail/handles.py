"""Per-provider handle types: annotate a fixture with one and mypy checks ``.model``.

    def test_rotation(autosend_mock: AutoSendMock) -> None:
        autosend_mock.model.rotate()        # checked: AutoSendModel.rotate

Each alias is :class:`MockHandle` bound to that provider's model class. Adding a provider
adds one line here.
"""

from __future__ import annotations

from sealmail.mockservers.core.handle import MockHandle
from sealmail.mockservers.providers.autosend.models import AutoSendModel
from sealmail.mockservers.providers.ncp_mailer.models import NcpMailerModel
from sealmail.mockservers.providers.netcore_ce.models import NetcoreCeModel
from sealmail.mockservers.providers.netcore_email.models import NetcoreEmailModel
from sealmail.mockservers.providers.stayprivate.models import StayPrivateModel

NetcoreEmailMock = MockHandle[NetcoreEmailModel]
"""Type of the ``netcore_email_mock`` fixture (and ``mock_server("netcore-email")``)."""
AutoSendMock = MockHandle[AutoSendModel]
"""Type of the ``autosend_mock`` fixture (and ``mock_server("autosend")``)."""
NcpMailerMock = MockHandle[NcpMailerModel]
"""Type of the ``ncp_mailer_mock`` fixture (and ``mock_server("ncp-mailer")``)."""
NetcoreCeMock = MockHandle[NetcoreCeModel]
"""Type of the ``netcore_ce_mock`` fixture (and ``mock_server("netcore-ce")``)."""
StayPrivateMock = MockHandle[StayPrivateModel]
"""Type of the ``stayprivate_mock`` fixture (and ``mock_server("stayprivate")``)."""

__all__ = ["AutoSendMock", "NcpMailerMock", "NetcoreCeMock", "NetcoreEmailMock", "StayPrivateMock"]
