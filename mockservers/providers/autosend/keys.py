"""The mock's RSA keys: a supply that never makes a test wait, and the key ring the JWKS lists.

Key number ``i`` always has the kid ``key_<2026-06 + i months>`` (the docs'
example is ``key_2026_06``). Numbers 0-11 are the fixed keys in
:mod:`.fixed_keys`, so the default JWKS and the first eleven rotations after a
reset are identical in every process. Later numbers are generated ahead, in a
background thread, as soon as rotations get close to the end of the fixed ones.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any, Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

from sealmail.mockservers.core.registry_caps import RegistryFull
from sealmail.mockservers.crypto.jwe import KeyRejected, import_encryption_key

from . import spec
from .fixed_keys import FIXED_KEY_PEMS

MAX_LISTED_KEYS = 64
"""Keys a ring lists at most (``max_listed_keys``): a rotation or import past it is refused 409."""
RETIRED_KEYS_KEPT = 64
"""Retired keys a ring remembers (``retired_keys_kept``): older retired kids answer as never listed."""
GENERATE_AHEAD = 4
"""Keys generated ahead of the highest number handed out (and the margin that starts generation)."""
SUPPLY_KEEP = 64
"""Generated keys the supply keeps behind the newest one handed out (so mocks rotating together share them)."""


def kid_for(index: int) -> str:
    """``key_2026_06`` for key 0, ``key_2026_07`` for key 1, ... (labels, not dates)."""
    months = spec.FIRST_KID_YEAR * 12 + (spec.FIRST_KID_MONTH - 1) + index
    return f"key_{months // 12:04d}_{months % 12 + 1:02d}"


def public_jwk(kid: str, private: JWK) -> dict[str, str]:
    """The JWKS entry: fact sheet [docs] ``{"kty", "n", "e", "kid", "alg": "RSA-OAEP-256", "use": "enc"}``."""
    exported = private.export_public(as_dict=True)
    return {"kty": "RSA", "n": exported["n"], "e": exported["e"], "kid": kid, "alg": spec.ALG, "use": spec.JWK_USE}


class KeySupply:
    """Private keys by number: fixed ones first, then generated ahead in a daemon thread.

    Shared by every mock of a process (see :func:`default_supply`): key ``i`` is
    the same object for all of them, so a reset or a second mock never pays
    for key generation again.
    """

    def __init__(self, fixed_pems: tuple[str, ...] = FIXED_KEY_PEMS, ahead: int = GENERATE_AHEAD,
                 keep: int = SUPPLY_KEEP) -> None:
        self._fixed_pems = fixed_pems
        self._fixed: dict[int, JWK] = {}
        self._generated: dict[int, JWK] = {}
        """Generated keys by number past the fixed ones, at most ``keep`` behind the newest handed out."""
        self._made = 0
        """Numbers (past the fixed ones) generated so far: the next one made is ``_made``."""
        self._keep = keep
        self._ahead = ahead
        self._target = 0
        self._changed = threading.Condition()
        self._worker: threading.Thread | None = None

    @property
    def fixed_count(self) -> int:
        return len(self._fixed_pems)

    @property
    def generated_count(self) -> int:
        with self._changed:
            return self._made

    def key(self, index: int) -> JWK:
        """Private key number ``index``; blocks only if generation has fallen behind."""
        if index < 0:
            raise ValueError("key numbers start at 0")
        if index + self._ahead >= self.fixed_count:
            self.prefetch(index + self._ahead + 1)
        if index < self.fixed_count:
            return self._fixed_key(index)
        wanted = index - self.fixed_count
        with self._changed:
            self._changed.wait_for(lambda: self._made > wanted)
            key = self._generated.get(wanted)
            for old in [n for n in self._generated if n < wanted - self._keep]:
                del self._generated[old]  # a rotation loop no longer keeps every key it ever made
        if key is None:  # dropped: a mock far behind the others gets a fresh key under this number
            key = JWK.from_pyca(rsa.generate_private_key(public_exponent=65537, key_size=spec.RSA_BITS))
            with self._changed:
                key = self._generated.setdefault(wanted, key)
        return key

    def prefetch(self, count: int) -> None:
        """Make sure keys up to number ``count - 1`` exist or are being generated."""
        with self._changed:
            self._target = max(self._target, count - self.fixed_count)
            if self._made >= self._target:
                return
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._generate, name="autosend-keygen", daemon=True)
                self._worker.start()

    def _generate(self) -> None:
        while True:
            with self._changed:
                if self._made >= self._target:
                    return
            private = rsa.generate_private_key(public_exponent=65537, key_size=spec.RSA_BITS)
            key = JWK.from_pyca(private)
            with self._changed:
                self._generated[self._made] = key
                self._made += 1
                self._changed.notify_all()

    def _fixed_key(self, index: int) -> JWK:
        with self._changed:
            cached = self._fixed.get(index)
        if cached is not None:
            return cached
        # The committed keys are trusted fixtures (checked by the unit tests with full
        # validation), so loading skips the slow RSA consistency check.
        loaded = serialization.load_pem_private_key(
            self._fixed_pems[index].encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
        )
        key = JWK.from_pyca(loaded)
        with self._changed:
            return self._fixed.setdefault(index, key)


@cache
def default_supply() -> KeySupply:
    """The process-wide supply every autosend mock draws from."""
    return KeySupply()


@dataclass(frozen=True)
class RingKey:
    """One key of the ring: its kid, private JWK and the JWKS entry."""

    kid: str
    private: JWK
    jwk: dict[str, str]
    number: int | None
    """Supply number, or None for an imported key."""
    added_ms: int


class KeyRing:
    """The keys the mock lists (active first) and decrypts with; thread-safe.

    ``rotate`` adds the next supply key as active and keeps the others listed
    and usable; ``retire`` removes a key (its kid becomes unknown). The ring
    also remembers every key it ever held (:meth:`ever`), for judges.
    """

    def __init__(self, supply: KeySupply, initial_keys: int, now_ms: int, *,
                 max_listed: int = MAX_LISTED_KEYS, retired_kept: int = RETIRED_KEYS_KEPT) -> None:
        if not 1 <= initial_keys <= supply.fixed_count:
            raise ValueError(f"initial_keys must be between 1 and {supply.fixed_count}")
        self._supply = supply
        self._initial = initial_keys
        self.max_listed = max_listed
        self._retired_kept = retired_kept
        self._lock = threading.Lock()
        self._keys: list[RingKey] = []
        self._history: dict[str, RingKey] = {}
        self._retired: dict[str, int] = {}
        self._next = 0
        self._version = 0
        self._jwks_cache: tuple[int, bytes, str] | None = None
        self._exported: dict[str, dict[str, Any]] = {}
        self.reset(now_ms)

    def reset(self, now_ms: int) -> None:
        """Back to the default set: keys 0..initial-1, the highest number active."""
        keys = [self._ring_key(number, now_ms) for number in range(self._initial)]
        with self._lock:
            self._keys = list(reversed(keys))
            self._history = {key.kid: key for key in keys}
            self._retired = {}
            self._next = self._initial
            self._version += 1

    def _ring_key(self, number: int, now_ms: int) -> RingKey:
        # Called without the lock held: loading (or, far past the fixed keys, waiting for) a key.
        kid = kid_for(number)
        private = self._supply.key(number)
        return RingKey(kid, private, public_jwk(kid, private), number, now_ms)

    # --- reading ----------------------------------------------------------------------------
    def keys(self) -> list[RingKey]:
        """Listed keys, active first."""
        with self._lock:
            return list(self._keys)

    @property
    def active(self) -> RingKey:
        with self._lock:
            return self._keys[0]

    def kids(self) -> list[str]:
        return [k.kid for k in self.keys()]

    def get(self, kid: str) -> RingKey | None:
        """The listed key with this kid (the only keys requests may use)."""
        with self._lock:
            return next((k for k in self._keys if k.kid == kid), None)

    def retired_at(self, kid: str) -> int | None:
        with self._lock:
            return self._retired.get(kid)

    def ever(self, kid: str) -> RingKey | None:
        """Any key this ring held since the last reset, listed or retired (for judges and tests)."""
        with self._lock:
            return self._history.get(kid)

    def history(self) -> list[RingKey]:
        """Every key held since the last reset, newest first (listed or retired)."""
        with self._lock:
            return sorted(self._history.values(), key=lambda k: (k.added_ms, k.number or 0), reverse=True)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [dict(k.jwk) for k in self.keys()]}

    def jwks_document(self) -> tuple[bytes, str]:
        """The JWKS as compact JSON bytes and its strong ETag (cached per ring version)."""
        with self._lock:
            if self._jwks_cache is None or self._jwks_cache[0] != self._version:
                body = json.dumps({"keys": [k.jwk for k in self._keys]}, separators=(",", ":"), allow_nan=False).encode("utf-8")
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                self._jwks_cache = (self._version, body, etag)
            return self._jwks_cache[1], self._jwks_cache[2]

    # --- persistence (serve --persist) ---------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Listed kids (active first), every key held since the reset, retirements and the next number.

        A fixed key is kept as its number (the same key in every process); a
        generated or imported one as its private JWK, since no other process could remake it.
        """
        with self._lock:
            listed = [k.kid for k in self._keys]
            held = list(self._history.values())
            retired = dict(self._retired)
            number = self._next
        return {"listed": listed, "held": [self._key_json(k) for k in held], "retired": retired, "next": number}

    def _key_json(self, key: RingKey) -> dict[str, Any]:
        item: dict[str, Any] = {"kid": key.kid, "number": key.number, "added_ms": key.added_ms}
        if key.number is None or key.number >= self._supply.fixed_count:
            if key.kid not in self._exported:  # exporting RSA is not free: once per key
                self._exported[key.kid] = key.private.export_private(as_dict=True)
            item["private_jwk"] = self._exported[key.kid]
        return item

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take back a :meth:`snapshot`."""
        held: dict[str, RingKey] = {}
        for item in state["held"]:
            if "private_jwk" in item:
                private = JWK(**item["private_jwk"])
                self._exported[item["kid"]] = item["private_jwk"]
            else:
                private = self._supply.key(item["number"])
            held[item["kid"]] = RingKey(item["kid"], private, public_jwk(item["kid"], private), item["number"], item["added_ms"])
        with self._lock:
            self._keys = [held[kid] for kid in state["listed"]]
            self._history = held
            self._retired = {kid: int(ms) for kid, ms in state["retired"].items()}
            self._next = int(state["next"])
            self._version += 1

    # --- changing ---------------------------------------------------------------------------
    def rotate(self, now_ms: int, *, capped: bool = False) -> RingKey:
        """A new key becomes active (listed first); the previous ones stay listed and usable.

        ``capped`` (a control call): :class:`RingFull` when ``max_listed`` keys are listed already.
        """
        with self._lock:
            if capped:
                self._check_room()
            number = self._next
            self._next += 1
        key = self._ring_key(number, now_ms)
        with self._lock:
            self._keys.insert(0, key)
            self._history[key.kid] = key
            self._version += 1
        return key

    def retire(self, kid: str, now_ms: int) -> RingKey:
        """Remove a listed key; ``KeyError`` if not listed, ``ValueError`` if it is the last one."""
        with self._lock:
            key = next((k for k in self._keys if k.kid == kid), None)
            if key is None:
                raise KeyError(kid)
            if len(self._keys) == 1:
                raise ValueError("cannot retire the only listed key (rotate first)")
            self._keys.remove(key)
            self._forget_retired([key], now_ms)
            self._version += 1
            return key

    def retire_beyond(self, keep: int, now_ms: int) -> list[str]:
        """Retire the oldest listed keys so that at most ``keep`` stay (automatic rotation)."""
        with self._lock:
            dropped = self._keys[max(keep, 1):]
            self._keys = self._keys[: max(keep, 1)]
            self._forget_retired(dropped, now_ms)
            if dropped:
                self._version += 1
            return [k.kid for k in dropped]

    def import_key(self, jwk: Mapping[str, Any], now_ms: int, *, active: bool = True) -> RingKey:
        """Add a caller-supplied RSA private JWK (>= 2048 bits) under its own ``kid``.

        For pinning keys shared with another environment or replaying vectors
        made with other keys. ``KeyRejected`` if the JWK is not usable.
        """
        if not isinstance(jwk, Mapping) or not all(isinstance(jwk.get(p), str) for p in ("d", "p", "q")):
            raise KeyRejected("not_private", "an imported key must be an RSA private JWK (d, p, q)")
        import_encryption_key({**jwk, "alg": jwk.get("alg", spec.ALG), "use": jwk.get("use", spec.JWK_USE)})
        private = JWK(**{k: v for k, v in jwk.items() if k in ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")})
        kid = str(jwk["kid"])
        key = RingKey(kid, private, public_jwk(kid, private), None, now_ms)
        with self._lock:
            if any(k.kid == kid for k in self._keys):
                raise KeyRejected("kid_taken", f"kid {kid!r} is already listed")
            self._check_room()
            self._keys.insert(0 if active else len(self._keys), key)
            self._history[kid] = key
            self._retired.pop(kid, None)
            self._version += 1
        return key

    def _check_room(self) -> None:
        if len(self._keys) >= self.max_listed:
            raise RingFull(
                f"registry_full: {len(self._keys)} keys are listed, the most max_listed_keys={self.max_listed} allows; "
                "hint: retire some (POST /__mock__/keys/retire) or POST /__mock__/reset, "
                "or raise it with --set autosend.max_listed_keys=N"
            )

    def _forget_retired(self, keys: list[RingKey], now_ms: int) -> None:
        """Mark ``keys`` retired; only the newest ``retired_kept`` retired keys are remembered (lock held)."""
        for key in keys:
            self._retired.pop(key.kid, None)  # re-inserted: newest last
            self._retired[key.kid] = now_ms
        listed = {k.kid for k in self._keys}
        while len(self._retired) > self._retired_kept:
            oldest = next(iter(self._retired))
            del self._retired[oldest]
            if oldest not in listed:
                self._history.pop(oldest, None)
                self._exported.pop(oldest, None)


class RingFull(RegistryFull):
    """Rotating or importing past ``max_listed_keys``: answered 409."""
