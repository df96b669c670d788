"""Caps of the registries the control API fills: companies, assets, credentials, templates.

A test loop that registers a new company (or asset, credential, template) on every
iteration grew the mock without limit. Each such registry holds at most
``registry_capacity`` items and ``registry_max_bytes`` of their text (``MockConfig``;
docs/memory.md, "Registries"); one more is refused 409 with what to do. Replacing an
item under an id already registered is always counted as a replacement, so key
rotation at the cap still works.
"""

from __future__ import annotations

from typing import Iterable

from .provider import MockConfig


class RegistryFull(Exception):
    """One more item would exceed a registry's cap: answered 409 ``{"error": str(self)}``."""

    status = 409


def text_bytes(*values: str | bytes | None | Iterable[str]) -> int:
    """The characters an item keeps (strings, bytes, lists of strings): what its byte cap counts."""
    total = 0
    for value in values:
        if value is None:
            continue
        if isinstance(value, (str, bytes)):
            total += len(value)
        else:
            total += sum(len(item) for item in value)
    return total


def check_room(config: MockConfig, provider_id: str, kind: str, *, sizes: Iterable[int], replaced: int | None,
               added: int, remove_hint: str) -> None:
    """Raise :class:`RegistryFull` unless one item of ``added`` bytes fits.

    ``sizes``: the bytes of every item held now; ``replaced``: the bytes of the item the new one
    replaces (None: a new id).
    """
    held = list(sizes)
    count = len(held) + (0 if replaced is not None else 1)
    total = sum(held) - (replaced or 0) + added
    if count > config.registry_capacity:
        over = f"{len(held)} {kind} are registered, the most registry_capacity={config.registry_capacity} allows"
        setting = "registry_capacity"
    elif total > config.registry_max_bytes:
        over = f"{kind} would hold {total} bytes of text, over registry_max_bytes={config.registry_max_bytes}"
        setting = "registry_max_bytes"
    else:
        return
    raise RegistryFull(f"registry_full: {over}; hint: remove some ({remove_hint}) or POST /__mock__/reset, "
                       f"or raise it with --set {provider_id}.{setting}=N")
