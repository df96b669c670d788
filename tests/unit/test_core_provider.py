"""Provider plumbing: config overrides (with CLI string coercion) and the registry."""

from __future__ import annotations

from typing import Any

import pytest

from sealmail.mockservers.core import get_provider, providers
from sealmail.mockservers.providers.netcore_email import NetcoreEmailConfig


def test_make_config_applies_overrides_and_coerces_cli_strings() -> None:
    provider = get_provider("netcore-email")
    config = provider.make_config(
        {"api_key": "k", "journal_capacity": "7", "accept_legacy_auth": "yes", "require_json_content_type": "off"}
    )
    assert isinstance(config, NetcoreEmailConfig)
    assert (config.api_key, config.journal_capacity, config.accept_legacy_auth, config.require_json_content_type) == (
        "k", 7, True, False,
    )
    assert provider.make_config().api_key == provider.default_config().api_key


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"no_such_setting": 1}, id="unknown"),
        pytest.param({"journal_capacity": "many"}, id="int-from-bad-string"),
        pytest.param({"accept_legacy_auth": "maybe"}, id="bool-from-bad-string"),
        pytest.param({"journal_capacity": [3]}, id="int-as-list"),
        pytest.param({"journal_capacity": True}, id="int-as-bool"),
        pytest.param({"accept_legacy_auth": 1}, id="bool-as-int"),
        pytest.param({"api_key": 123}, id="str-as-int"),
        pytest.param({"success_status": "201"}, id="post-init-check"),
        pytest.param({"stray_encryption_headers": "explode"}, id="choice"),
    ],
)
def test_make_config_refuses_bad_overrides(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        get_provider("netcore-email").make_config(overrides)


def test_registry_finds_netcore_email_with_its_offset() -> None:
    known = providers()
    assert "netcore-email" in known
    assert known["netcore-email"].port_offset == 1
    offsets = [p.port_offset for p in known.values()]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_unknown_provider_is_a_key_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="netcore-email"):
        get_provider("no-such-provider")


def test_provider_ids_follow_the_package_naming_convention() -> None:
    """The plugin names fixtures from package names without importing providers: ids must match."""
    from sealmail.mockservers.core.registry import provider_ids, providers

    assert provider_ids() == sorted(providers())
