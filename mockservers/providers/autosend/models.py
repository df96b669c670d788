"""AutoSend mock state and rules: settings, credentials, key ring, contacts, scripted errors.

Nothing here knows about HTTP beyond header values; handlers stay stateless.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

from sealmail.mockservers.core import ErrorKind, MockClock, MockConfig, Rejection
from sealmail.mockservers.core.auth import check_bearer_key
from sealmail.mockservers.core.budget import encode
from sealmail.mockservers.core.faults import MAX_PENDING as MAX_PENDING_FAULTS

from . import spec
from .keys import MAX_LISTED_KEYS, RETIRED_KEYS_KEPT, KeyRing, KeySupply, RingKey, default_supply

_CHOICES = {
    "none_with_encrypted_data": {"decrypt", "reject"},
    "header_policy_error": {"decryption_failed", "invalid_jwe"},
    "create_existing_contact": {"reject", "upsert"},
}


@dataclass(kw_only=True)
class AutoSendConfig(MockConfig):
    """Settings of the autosend mock (overridable from the CLI, fixtures or ``--set autosend.KEY=V``)."""

    api_key: str = spec.DEFAULT_API_KEY
    """The one API key accepted as ``Authorization: Bearer <api_key>`` (fact sheet [docs])."""
    project_id: str = spec.DEFAULT_PROJECT_ID
    """``projectId`` of stored contacts."""
    initial_keys: int = 1
    """Keys listed after start and reset (1..12): keys 0..n-1, the newest active and listed first."""
    jwks_max_age_s: int = 86_400
    """``Cache-Control: max-age`` of the JWKS (seed: cache it, refresh "daily or weekly")."""
    jwks_requires_auth: bool = False
    """[open] The docs fetch the JWKS without credentials; set to require the Bearer key too."""
    rotate_every_s: float = 0.0
    """Automatic rotation period on the mock clock (0: off); ``serve --autosend-rotate-every 1h``."""
    auto_rotate_keep: int = 2
    """Keys left listed after an automatic rotation (the new active one and the previous ones)."""
    contact_capacity: int = 10_000
    """Contacts kept (created through the API); past it the least recently written is evicted."""
    contact_max_bytes: int = 64 * 1024 * 1024
    """Bytes of contact JSON kept; past it the least recently written contacts are evicted (docs/memory.md)."""
    max_listed_keys: int = MAX_LISTED_KEYS
    """Keys listed at most: ``POST /__mock__/keys/rotate`` or ``/keys/import`` past it is refused 409 (retire or reset)."""
    retired_keys_kept: int = RETIRED_KEYS_KEPT
    """Retired keys remembered (journal reason ``kid_retired``); an older retired kid reads as ``kid_unknown``
    (the client sees the same 400 ``UNKNOWN_KEY_ID`` either way)."""
    max_plaintext_bytes: int = 1 << 20
    """Largest decrypted payload; larger is 413 PAYLOAD_TOO_LARGE (checked before decrypting)."""
    require_json_content_type: bool = True
    """docs: "All POST/PUT requests must include Content-Type: application/json"."""
    require_encryption: bool = False
    """seed FAQ: encryption is optional. Set to reject plaintext bodies (400 ENCRYPTION_REQUIRED)."""
    none_with_encrypted_data: str = "decrypt"
    """``X-Payload-Encryption: none`` with an ``encryptedData`` body: ``decrypt`` (seed: "requests with
    ... an encryptedData field are decrypted") or ``reject`` (400 INVALID_ENCRYPTION_HEADER)."""
    header_policy_error: str = "decryption_failed"
    """Code for a well-formed JWE with a refused alg/enc/zip/crit/key header: ``decryption_failed``
    (seed: "encrypted with ... a different algorithm") or ``invalid_jwe``."""
    reject_key_headers: bool = True
    """Refuse tokens carrying ``jwk``/``jku``/``x5u``/``x5c`` (they are never used to pick a key either way)."""
    allow_extra_envelope_fields: bool = False
    """Accept fields beside ``encryptedData`` (ignored, with a journal warning) instead of 400 INVALID_JWE."""
    reject_unknown_fields: bool = False
    """Unknown payload fields: journal warning (default) or 400 VALIDATION_FAILED."""
    create_existing_contact: str = "reject"
    """``POST /v1/contacts`` for an existing email: ``reject`` (400 CONTACT_ALREADY_EXISTS) or ``upsert``."""
    bulk_max_recipients: int = spec.BULK_MAX_RECIPIENTS

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {sorted(allowed)}")
        if self.rotate_every_s < 0:
            raise ValueError("rotate_every_s must be 0 (off) or positive")
        if self.auto_rotate_keep < 1:
            raise ValueError("auto_rotate_keep must be at least 1")
        if self.jwks_max_age_s < 0:
            raise ValueError("jwks_max_age_s must not be negative")


CONTACT_OVERHEAD = 512
"""Bytes counted per contact beside its JSON text: the dict, its slot, its key (as ``core/budget.py``)."""


class ContactBook:
    """Contacts by lowercased email, with ids and ISO timestamps (docs' contact shape).

    Bounded like the message store: at most ``capacity`` contacts and ``max_bytes`` of their JSON;
    past either the least recently written ones are evicted (and counted in ``evicted``).
    """

    def __init__(self, capacity: int = 10_000, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._by_email: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._retained_bytes = 0
        self.capacity, self.max_bytes, self.evicted = capacity, max_bytes, 0
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._by_email.clear()
            self._sizes.clear()
            self._retained_bytes = 0

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {email: dict(contact) for email, contact in self._by_email.items()}

    def restore(self, contacts: Mapping[str, dict[str, Any]]) -> None:
        self.clear()
        with self._lock:
            for email, contact in contacts.items():
                self._keep(email, dict(contact))

    def get(self, email: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._by_email.get(email.lower())
            return dict(found) if found is not None else None

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._by_email.values()]

    def save(self, fields: dict[str, Any], *, now: str, project_id: str, allow_update: bool) -> tuple[dict[str, Any], bool]:
        """Create or (if allowed) update; returns the stored contact and whether it was created."""
        with self._lock:
            existing = self._by_email.get(fields["email"])
            if existing is not None and not allow_update:
                raise Rejection(spec.CONTACT_EXISTS, "contact_exists", field="email", detail=fields["email"])
            if existing is None:
                contact = {"id": new_object_id(), **fields, "createdAt": now, "updatedAt": now, "projectId": project_id}
                created = True
            else:
                contact = {**existing, **fields, "updatedAt": now}
                if "customFields" in fields and isinstance(existing.get("customFields"), dict):
                    contact["customFields"] = {**existing["customFields"], **fields["customFields"]}
                created = False
            self._keep(fields["email"], contact)
            return dict(contact), created

    def _keep(self, email: str, contact: dict[str, Any]) -> None:
        """Store ``contact`` as the newest, then evict the oldest past the caps (lock held)."""
        self._retained_bytes -= self._sizes.pop(email, 0)
        self._by_email.pop(email, None)
        self._by_email[email] = contact
        self._sizes[email] = size = len(encode(contact)) + CONTACT_OVERHEAD
        self._retained_bytes += size
        while len(self._by_email) > 1 and (len(self._by_email) > self.capacity or self._retained_bytes > self.max_bytes):
            oldest, _ = self._by_email.popitem(last=False)
            self._retained_bytes -= self._sizes.pop(oldest)
            self.evicted += 1


def new_object_id() -> str:
    """24 hex characters, the shape of the docs' ids (``507f1f77bcf86cd799439011``)."""
    return secrets.token_hex(12)


def new_batch_id() -> str:
    """A UUID, the shape of the docs' bulk ``batchId``."""
    return str(uuid.uuid4())


class AutoSendModel:
    """The autosend mock's state: credentials, key ring, contacts, scripted errors."""

    def __init__(self, config: AutoSendConfig, clock: MockClock, supply: KeySupply | None = None) -> None:
        self.config = config
        self.clock = clock
        self.api_key = config.api_key
        self.ring = KeyRing(supply or default_supply(), config.initial_keys, clock.now_ms(),
                            max_listed=config.max_listed_keys, retired_kept=config.retired_keys_kept)
        self.contacts = ContactBook(config.contact_capacity, config.contact_max_bytes)
        self._scripted: deque[ErrorKind] = deque()
        self._lock = threading.Lock()
        self._next_rotation_ms = self._first_rotation()
        self.owns_ring = True

    def share_ring(self, ring: KeyRing) -> None:
        """Use another model's key ring (a tenant's): it rotates and resets with its owner, never here."""
        self.ring = ring
        self.owns_ring = False
        with self._lock:
            self._next_rotation_ms = None

    def reset(self) -> None:
        self.api_key = self.config.api_key
        if self.owns_ring:
            self.ring.reset(self.clock.now_ms())
        self.contacts.clear()
        with self._lock:
            self._scripted.clear()
            self._next_rotation_ms = self._first_rotation() if self.owns_ring else None

    # --- persistence (serve --persist): credentials, key ring with its history, contacts ------
    def snapshot(self) -> dict[str, Any]:
        """The state ``serve --persist`` keeps across a restart (JSON-able; scripted errors are not kept)."""
        with self._lock:
            next_rotation_ms = self._next_rotation_ms
        return {"api_key": self.api_key, "ring": self.ring.snapshot(), "contacts": self.contacts.snapshot(),
                "next_rotation_ms": next_rotation_ms}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot`: a key rotated before the restart still decrypts after it."""
        self.api_key = state["api_key"]
        self.ring.restore(state["ring"])
        self.contacts.restore(state["contacts"])
        with self._lock:
            self._next_rotation_ms = state["next_rotation_ms"]

    # --- time -------------------------------------------------------------------------------
    def now_iso(self) -> str:
        """The mock clock as ``2024-01-15T10:30:00.000Z`` (the docs' timestamp shape)."""
        stamp = datetime.fromtimestamp(self.clock.now_ms() / 1000, tz=timezone.utc)
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"

    # --- keys -------------------------------------------------------------------------------
    def _first_rotation(self) -> int | None:
        if self.config.rotate_every_s <= 0:
            return None
        return self.clock.now_ms() + int(self.config.rotate_every_s * 1000)

    def rotate(self, *, capped: bool = False) -> RingKey:
        """A new active key (listed first); the previous keys stay listed and usable.

        ``capped`` (the control call): ``RingFull`` when ``max_listed_keys`` are listed."""
        return self.ring.rotate(self.clock.now_ms(), capped=capped)

    def retire(self, kid: str) -> RingKey:
        """Remove a key: its kid is unknown from now on. KeyError / ValueError (last key)."""
        return self.ring.retire(kid, self.clock.now_ms())

    def catch_up_rotation(self) -> list[str]:
        """Apply scheduled rotations that fell due on the mock clock; return the new kids.

        A clock jump over many periods rotates at most ``auto_rotate_keep``
        times (older keys would be retired at once anyway).
        """
        with self._lock:
            due = self._next_rotation_ms
            if due is None:
                return []
            now = self.clock.now_ms()
            if now < due:
                return []
            period = int(self.config.rotate_every_s * 1000)
            missed = (now - due) // period + 1
            self._next_rotation_ms = due + missed * period
        rotated = [self.rotate().kid for _ in range(min(missed, self.config.auto_rotate_keep))]
        self.ring.retire_beyond(self.config.auto_rotate_keep, self.clock.now_ms())
        return rotated

    @property
    def next_rotation_ms(self) -> int | None:
        with self._lock:
            return self._next_rotation_ms

    # --- auth -------------------------------------------------------------------------------
    def authenticate(self, authorization: str | None) -> None:
        """fact sheet [docs]: ``Authorization: Bearer <API key>``; anything else is 401 UNAUTHORIZED."""
        check_bearer_key(authorization, self.api_key, spec.UNAUTHORIZED)

    # --- scripted errors --------------------------------------------------------------------
    def script_errors(self, kind: ErrorKind, times: int) -> int:
        """Answer the next ``times`` API requests (after auth) with ``kind``; returns the queue length.

        ``ValueError`` past 1000 pending (as scripted faults: ``core/faults.py``)."""
        with self._lock:
            if len(self._scripted) + times > MAX_PENDING_FAULTS:
                raise ValueError(f"at most {MAX_PENDING_FAULTS} scripted errors may be pending; {len(self._scripted)} are and "
                                 f"{times} more were given: let requests take them, or DELETE /__mock__/errors or POST /__mock__/reset")
            self._scripted.extend([kind] * times)
            return len(self._scripted)

    def scripted_pending(self) -> list[str]:
        with self._lock:
            return [str(k.code) for k in self._scripted]

    def clear_scripted(self) -> None:
        with self._lock:
            self._scripted.clear()

    def take_scripted(self) -> ErrorKind | None:
        with self._lock:
            return self._scripted.popleft() if self._scripted else None
