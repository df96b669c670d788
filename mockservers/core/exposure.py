"""Who may talk to a mock: the one guard for ``Host``, ``Origin``, ``Sec-Fetch-Site`` and the control token.

A mock runs on a developer's machine while a browser is open on the same
machine, so every web page is a potential client. The rules (docs/security.md):

- ``Host`` (DNS rebinding): a request must name the mock by a loopback name
  (``localhost``, ``127.0.0.1``, ``[::1]``, any port, any letter case), by one of
  the bound address's names on a non-loopback bind, by a name passed in
  ``allowed_hosts``, or, on a provider's API paths only, by that provider's own
  real API host (``Provider.api_hosts``: an app pointed at the mock through
  ``/etc/hosts`` keeps working). RFC 9112 section 3.2: exactly one ``Host``.
- Browser origin (CSRF, CORS "simple requests"): a control request that carries
  ``Origin`` must come from the mock's own origin or from ``allowed_origins``
  (e.g. the inspector UI served on another local port); one that carries
  ``Sec-Fetch-Site`` must say ``same-origin`` or ``none`` (``same-site`` only
  together with an allowed ``Origin``). curl and test HTTP clients send neither.
- Control token: required on every ``/__mock__/`` call when one is configured,
  and one must be configured for a non-loopback bind (``Authorization: Bearer``
  or ``X-Sealmail-Token``), compared in constant time.

No CORS header is ever sent: a cross-origin page cannot read any answer.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import socket
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from aiohttp import web
from yarl import URL

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""Host names (IPv6 without brackets) every mock answers to."""

TOKEN_ENV = "SEALMAIL_CONTROL_TOKEN"
"""Environment variable the ``serve`` command reads the control token from."""
TOKEN_HEADER = "X-Sealmail-Token"

SAFE_FETCH_SITES = frozenset({"same-origin", "none"})
"""Fetch Metadata (W3C): ``none`` is a user typing the URL or a bookmark."""

_HOST_VALUE = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9._-]+))(?::(?P<port>[0-9]{1,5}))?")
"""RFC 9110 section 7.2 ``Host = uri-host [ ":" port ]``, restricted to names and IP literals."""

_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


class ExposureError(ValueError):
    """A bind that would expose the control API without protection."""


@dataclass(frozen=True)
class Refusal:
    """Why the guard turned a request away: caller-facing status, journal reason and hint."""

    status: int
    reason: str
    detail: str
    hint: str
    headers: Mapping[str, str] = field(default_factory=dict)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals; a wildcard or any other address is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _normal_host(name: str) -> str:
    return name.strip().strip("[]").lower()


@dataclass(frozen=True)
class Exposure:
    """The guard's configuration for one bound mock; see the module docstring.

    Build it with :meth:`for_bind`, which refuses a non-loopback bind without a token.
    """

    bind_host: str = "127.0.0.1"
    control_token: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    """Extra host names accepted on every path (lower case, IPv6 without brackets)."""
    allowed_origins: frozenset[str] = frozenset()
    """Extra browser origins (``http://127.0.0.1:8100``) allowed to call the control API."""
    _api_names: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Per provider host list: every name its API paths answer to (built once; see :meth:`check_api`)."""

    @classmethod
    def for_bind(
        cls,
        bind_host: str,
        *,
        control_token: str | None = None,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
    ) -> "Exposure":
        """The guard for a server bound to ``bind_host``.

        A non-loopback bind needs ``control_token`` (``ExposureError`` otherwise) and
        also accepts the bound address, this machine's host name and, on a wildcard
        bind, whatever local address a connection arrived on.
        """
        token = control_token or None
        hosts = {_normal_host(h) for h in allowed_hosts} - {""}
        if not is_loopback(bind_host):
            if token is None:
                raise ExposureError(
                    f"binding {bind_host!r} exposes the control API (private keys, reset, faults) to the network: "
                    f"give a control token (--control-token or {TOKEN_ENV})"
                )
            hosts.add(socket.gethostname().lower())
            if bind_host not in _WILDCARDS:
                hosts.add(_normal_host(bind_host))
        origins = frozenset(_normal_origin(o) for o in allowed_origins)
        return cls(bind_host=bind_host, control_token=token, allowed_hosts=frozenset(hosts), allowed_origins=origins)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.bind_host)

    # --- the checks ---------------------------------------------------------------
    def check_api(self, request: web.BaseRequest, provider_hosts: Iterable[str] = ()) -> Refusal | None:
        """A provider API request: only the ``Host`` rule (its own real host names allowed too)."""
        hosts = provider_hosts if isinstance(provider_hosts, tuple) else tuple(provider_hosts)
        if self._names_host_fast(request, hosts):
            return None
        return self._check_host(request, frozenset(_normal_host(h) for h in hosts))

    def _names_host_fast(self, request: web.BaseRequest, provider_hosts: tuple[str, ...]) -> bool:
        """True for the request every client sends (one ``Host`` naming an allowed host, a path as target).

        Decided with one lookup in a set built once per provider: this check runs on every API request
        (issue 16). Anything else (a wildcard bind, whose names depend on the connection) takes the full
        rule in :meth:`_check_host`, which also explains a refusal.
        """
        if self.bind_host in _WILDCARDS or not request.raw_path.startswith("/"):
            return False
        values = request.headers.getall("Host", ())
        if len(values) != 1:
            return False
        parsed = _HOST_VALUE.fullmatch(values[0])
        if parsed is None:
            return False
        names = self._api_names.get(provider_hosts)
        if names is None:
            names = self._api_names[provider_hosts] = LOOPBACK_NAMES | self.allowed_hosts | {_normal_host(h) for h in provider_hosts}
        return (parsed["v6"] or parsed["name"]).lower() in names

    def check_control(self, request: web.BaseRequest) -> Refusal | None:
        """A ``/__mock__/`` request: ``Host``, then the token, then the browser-origin rules."""
        return self._check_host(request, frozenset()) or self._check_token(request) or self._check_origin(request)

    def _names(self, request: web.BaseRequest, extra: frozenset[str]) -> frozenset[str]:
        names = LOOPBACK_NAMES | self.allowed_hosts | extra
        if self.bind_host in _WILDCARDS:
            local = _local_address(request)
            if local is not None:
                names = names | {_normal_host(local[0])}
        return names

    def _check_host(self, request: web.BaseRequest, extra: frozenset[str]) -> Refusal | None:
        values = request.headers.getall("Host", [])
        allowed = self._names(request, extra)
        shown = ", ".join(sorted(allowed))  # the refusals' hint (a passing request takes check_api's fast path)
        if len(values) != 1:
            return Refusal(
                400 if values else 421,
                "host_not_allowed",
                f"{len(values)} Host headers" if values else "no Host header",
                f"send exactly one Host header naming the mock ({shown}); RFC 9112 section 3.2",
            )
        parsed = _HOST_VALUE.fullmatch(values[0])
        name = None if parsed is None else (parsed["v6"] or parsed["name"]).lower()
        target = request.raw_path
        if not target.startswith("/") and "://" in target:
            # RFC 9112 section 3.2.2: an absolute-form target's authority replaces Host.
            try:
                authority = (URL(target).raw_host or "").lower()
            except ValueError:
                authority = ""
            if authority not in allowed:
                return Refusal(
                    421,
                    "host_not_allowed",
                    f"absolute request target names {authority[:100]!r}",
                    f"send the path only (origin-form, RFC 9112 section 3.2.1) to a name in: {shown}",
                )
        if name is None or name not in allowed:
            return Refusal(
                421,
                "host_not_allowed",
                f"Host {values[0][:100]!r} is not a name this mock answers to",
                f"use one of: {shown} (a DNS-rebinding page sends its own name; "
                "an app pointed at the mock via /etc/hosts must use the provider's real API host)",
            )
        return None

    def _check_token(self, request: web.BaseRequest) -> Refusal | None:
        if self.control_token is None:
            return None
        given = request.headers.getall(TOKEN_HEADER, [])
        authorization = request.headers.get("Authorization", "")
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer":
            given = [*given, credentials.strip()]
        expected = self.control_token.encode("utf-8")
        if any(hmac.compare_digest(value.encode("utf-8", "surrogateescape"), expected) for value in given):
            return None
        return Refusal(
            401,
            "control_token_invalid" if given else "control_token_missing",
            "control token does not match" if given else "no control token sent",
            f"send 'Authorization: Bearer <token>' or '{TOKEN_HEADER}: <token>' (the token given to sealmail serve)",
            {"WWW-Authenticate": 'Bearer realm="sealmail-control"'},
        )

    def _check_origin(self, request: web.BaseRequest) -> Refusal | None:
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        allowed_other = origin is not None and _origin_key(origin) in self.allowed_origins
        if origin is not None and not allowed_other and not self._is_own_origin(request, origin):
            return Refusal(
                403,
                "origin_not_allowed",
                f"Origin {origin[:100]!r} is not this mock's own origin",
                "the control API answers only the machine's own scripts (curl, tests) and same-origin pages; "
                "pass the page's origin in allowed_origins to let it in",
            )
        if site is not None and site.lower() not in SAFE_FETCH_SITES and not (allowed_other and site.lower() == "same-site"):
            return Refusal(
                403,
                "cross_site_request",
                f"Sec-Fetch-Site: {site[:40]!r}",
                "a browser page from another site cannot drive or read the control API",
            )
        return None

    def _is_own_origin(self, request: web.BaseRequest, origin: str) -> bool:
        try:
            url = URL(origin)
        except ValueError:
            return False
        local = _local_address(request)
        if local is None or not url.absolute or url.raw_path not in ("", "/") or url.query_string or url.user:
            return False
        return (
            url.scheme == request.scheme
            and url.port == local[1]
            and (url.host or "").lower() in self._names(request, frozenset())
        )


def _normal_origin(origin: str) -> str:
    url = URL(origin.strip())
    if not url.absolute or url.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) origin: {origin!r}")
    return f"{url.scheme}://{(url.host or '').lower()}:{url.port}"


def _origin_key(origin: str) -> str | None:
    """``_normal_origin`` for a received header: ``None`` for ``null`` or anything not an origin."""
    try:
        return _normal_origin(origin)
    except ValueError:
        return None


def _local_address(request: web.BaseRequest) -> tuple[str, int] | None:
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport is not None else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        return str(sockname[0]), int(sockname[1])
    return None


DEFAULT_EXPOSURE = Exposure()
"""A loopback bind without a token: what apps served by other means (``aiohttp_client``) get."""

EXPOSURE: web.AppKey[Exposure] = web.AppKey("sealmail.exposure", Exposure)
"""Application key of the guard; :func:`exposure_of` falls back to :data:`DEFAULT_EXPOSURE`."""


def exposure_of(app: web.Application) -> Exposure:
    return app.get(EXPOSURE, DEFAULT_EXPOSURE)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Cache-Control": "no-store",
}
"""Added to every control API answer: never sniffed, never run as a page, never cached."""
