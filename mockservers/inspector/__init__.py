"""The web inspector: one page over every running mock, served at the port base.

Static files plus the public control API (proxied same-origin under
``/p/<provider>/__mock__/...``) plus one server-sent event stream (``/events``).
Whatever the page can do, a script can do against the control API too.
"""

from .app import INSPECTOR_MOCKS, create_inspector_app, start_inspector

__all__ = ["INSPECTOR_MOCKS", "create_inspector_app", "start_inspector"]
