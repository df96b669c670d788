"""Netcore CE state and rules: API key, assets with their pre-shared keys, GCM nonces.

Everything here raises :class:`Rejection` with a precise reason; nothing here
knows about HTTP requests beyond header values.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from sealmail.mockservers.core import MockClock, MockConfig, Rejection
from sealmail.mockservers.core.auth import check_bearer_key
from sealmail.mockservers.core.registry_caps import check_room, text_bytes

from . import spec
from .activities import ActivityRules
from .credentials import Credential, Registration, parse_cbc, parse_gcm


NonceUse = Literal["fresh", "replay", "reused"]


@dataclass(kw_only=True)
class NetcoreCeConfig(MockConfig):
    """Settings of the netcore-ce mock (all overridable from the CLI or fixtures)."""

    api_key: str = spec.DEFAULT_API_KEY
    """The panel API key accepted as ``Authorization: Bearer <api_key>`` (seed Step 3)."""
    default_asset: str = spec.DEFAULT_ASSET
    """The asset registered at start and after every reset, for all three eCodes."""
    default_key: str = spec.DEFAULT_CBC_KEY
    """The default asset's CBC SECRET_KEY (32 characters, used as UTF-8 bytes)."""
    default_iv: str = spec.DEFAULT_CBC_IV
    """The default asset's CBC SECRET_IV (16 characters, used as UTF-8 bytes)."""
    default_gcm_key: str = spec.DEFAULT_GCM_KEY
    """The default asset's 11258 key (base64 of 32 bytes)."""
    require_json_content_type: bool = True
    """Reject a Content-Type other than application/json (seed Step 3 curl sends it)."""
    strict_key_alphabet: bool = True
    """CBC keys/IVs only from [A-Za-z0-9] as the provider's generator prints; False: any visible ASCII."""
    hex_case: str = "any"
    """11257 ciphertext hex: ``any`` (upper case too, with a journal warning; the fact sheet leaves the
    case open and common hex decoders take both) or ``lower`` (only what Python's ``.hex()`` prints)."""
    timestamp_format: str = "utc_z"
    """``utc_z`` (seed: UTC, ``...Z``) or ``iso8601`` (also ``+05:30`` offsets, older provider docs)."""
    activity_sources: str = "web,app"
    """Comma-separated accepted ``activity_source`` values (seed: web or app)."""
    max_activities: int = spec.MAX_ACTIVITIES
    """Most activities in one request (provider's Activity API docs: up to 1000)."""
    gcm_nonce_reuse: str = "reject"
    """11258 nonce already used under the same key for other data: ``reject`` (nonce_reused) or ``warn``.
    An identical replay (same nonce, same ciphertext) is always only a journal warning."""
    nonce_memory: int = 100_000
    """GCM nonces remembered for reuse detection (oldest forgotten first)."""
    success_status: int = 200
    """Status of an accepted upload."""

    def __post_init__(self) -> None:
        if self.hex_case not in {"lower", "any"}:
            raise ValueError("hex_case must be 'lower' or 'any'")
        if self.timestamp_format not in {"utc_z", "iso8601"}:
            raise ValueError("timestamp_format must be 'utc_z' or 'iso8601'")
        if self.gcm_nonce_reuse not in {"reject", "warn"}:
            raise ValueError("gcm_nonce_reuse must be 'reject' or 'warn'")
        if not self.sources:
            raise ValueError("activity_sources must name at least one source")
        if self.max_activities < 1 or self.nonce_memory < 1:
            raise ValueError("max_activities and nonce_memory must be at least 1")
        if self.success_status not in {200, 201, 202}:
            raise ValueError("success_status must be 200, 201 or 202")
        if not spec.ASSET_ID.fullmatch(self.default_asset):
            raise ValueError("default_asset must be 1-128 letters, digits or ._:-")
        self.default_credentials()  # fail fast on a bad default key

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(s.strip() for s in self.activity_sources.split(",") if s.strip())

    def default_credentials(self) -> dict[int, Credential]:
        cbc = parse_cbc(self.default_key, self.default_iv, strict_alphabet=self.strict_key_alphabet)
        gcm = parse_gcm(self.default_gcm_key)
        return {ecode: (cbc if ecode in spec.CBC_ECODES else gcm) for ecode in spec.METHODS}

    def activity_rules(self) -> ActivityRules:
        return ActivityRules(self.timestamp_format, self.sources, self.max_activities)


class NetcoreCeModel:
    """The netcore-ce mock's state: API key, assets (one credential per eCode), seen GCM nonces."""

    def __init__(self, config: NetcoreCeConfig, clock: MockClock) -> None:
        self.config = config
        self.clock = clock
        self.rules = config.activity_rules()
        self._lock = threading.Lock()
        self.api_key = config.api_key
        self._assets: dict[str, dict[int, Credential]] = {}
        self._nonces: OrderedDict[tuple[bytes, bytes], bytes] = OrderedDict()
        self.reset()

    def reset(self) -> None:
        """Only the default asset, with its default keys; no nonce remembered."""
        with self._lock:
            self.api_key = self.config.api_key
            self._assets = {self.config.default_asset: self.config.default_credentials()}
            self._nonces.clear()

    # --- authentication (seed Step 3: "API key of the panel must be used under Bearer token") ---
    def authenticate(self, authorization: str | None) -> None:
        check_bearer_key(authorization, self.api_key, spec.UNAUTHORIZED)

    # --- assets ----------------------------------------------------------------
    def credential_for(self, asset: str, method: spec.Method) -> Credential:
        """The key material the customer shared for ``asset`` and this eCode."""
        with self._lock:
            credentials = self._assets.get(asset)
        if credentials is None:
            raise Rejection(spec.INVALID_ASSET, "asset_unknown", field=spec.HEADER_ASSET, detail=f"x-asset {asset!r} is not registered")
        credential = credentials.get(method.ecode)
        if credential is None:
            configured = ", ".join(str(e) for e in sorted(credentials)) or "none"
            raise Rejection(
                spec.ECODE_NOT_CONFIGURED,
                "ecode_not_configured",
                field=spec.HEADER_ECODE,
                detail=f"asset {asset!r} has keys for eCode(s) {configured}, not {method.ecode}",
            )
        return credential

    def register(self, registration: Registration) -> dict[str, Any]:
        """Add or replace the credentials of the listed eCodes; other eCodes of the asset stay.

        A new asset over ``registry_capacity`` or ``registry_max_bytes``: :class:`RegistryFull`."""
        with self._lock:
            old = self._assets.get(registration.asset)
            merged = {**(old or {}), **registration.credentials}
            check_room(self.config, "netcore-ce", "assets", sizes=[_asset_bytes(a, c) for a, c in self._assets.items()],
                       replaced=None if old is None else _asset_bytes(registration.asset, old),
                       added=_asset_bytes(registration.asset, merged), remove_hint="DELETE /__mock__/assets/{asset}")
            self._assets[registration.asset] = merged
            return _asset_json(registration.asset, merged)

    def remove(self, asset: str) -> bool:
        with self._lock:
            return self._assets.pop(asset, None) is not None

    def assets(self) -> list[dict[str, Any]]:
        with self._lock:
            return [_asset_json(asset, credentials) for asset, credentials in self._assets.items()]

    # --- GCM nonce uniqueness (fact sheet [code]: fresh nonce per request) ----
    def remember_nonce(self, credential: Credential, nonce: bytes, fingerprint: bytes) -> NonceUse:
        """Record ``nonce`` under this key with the ciphertext's fingerprint.

        ``fresh``: first use; ``replay``: the same nonce with the very same
        ciphertext (a retried request: nothing new leaks); ``reused``: the same
        nonce with different data (GCM confidentiality and integrity break).
        """
        entry = (credential.key, nonce)
        with self._lock:
            seen = self._nonces.get(entry)
            if seen is not None:
                self._nonces.move_to_end(entry)
                return "replay" if seen == fingerprint else "reused"
            self._nonces[entry] = fingerprint
            while len(self._nonces) > self.config.nonce_memory:
                self._nonces.popitem(last=False)
            return "fresh"

    # --- persistence (serve --persist): the API key and the assets; the nonce memory is not kept ---
    def snapshot(self) -> dict[str, Any]:
        """The state ``serve --persist`` keeps across a restart (JSON-able)."""
        with self._lock:
            assets = {
                asset: {str(ecode): {"cipher": c.cipher, "key": c.key_text, "iv": c.iv_text} for ecode, c in credentials.items()}
                for asset, credentials in self._assets.items()
            }
            return {"api_key": self.api_key, "assets": assets}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot` (keys were checked when registered: parsed without the alphabet rule)."""
        assets = {
            asset: {
                int(ecode): parse_cbc(c["key"], c["iv"], strict_alphabet=False) if c["cipher"] == "cbc" else parse_gcm(c["key"])
                for ecode, c in credentials.items()
            }
            for asset, credentials in state["assets"].items()
        }
        with self._lock:
            self.api_key = state["api_key"]
            self._assets = assets

    def new_transaction_id(self) -> str:
        """32 lowercase hex characters (like the provider's ids in the seed)."""
        return secrets.token_hex(16)


def _asset_json(asset: str, credentials: dict[int, Credential]) -> dict[str, Any]:
    return {
        "asset": asset,
        "ecodes": {
            str(ecode): {"method": spec.METHODS[ecode].name, **credential.to_json()}
            for ecode, credential in sorted(credentials.items())
        },
    }


def _asset_bytes(asset: str, credentials: Mapping[int, Credential]) -> int:
    return text_bytes(asset, *(c.key_text + (c.iv_text or "") for c in credentials.values()))
