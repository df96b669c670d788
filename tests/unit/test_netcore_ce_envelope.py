"""netcore-ce envelope (decode -> decrypt -> parse) reasons, shared-key parsing, and the key generator."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest

from sealmail.conformance.clients import netcore_ce as client
from sealmail.mockservers.crypto import CryptoError, aes_cbc
from sealmail.mockservers.providers.netcore_ce import spec
from sealmail.mockservers.providers.netcore_ce.credentials import CredentialError, parse_cbc, parse_gcm, parse_registration
from sealmail.mockservers.providers.netcore_ce.envelope import open_request

CBC = parse_cbc(spec.DEFAULT_CBC_KEY, spec.DEFAULT_CBC_IV)
GCM = parse_gcm(spec.DEFAULT_GCM_KEY)


def _reason(ecode: int, text: str, **options: str) -> str:
    with pytest.raises(CryptoError) as caught:
        open_request(spec.METHODS[ecode], GCM if ecode == 11258 else CBC, text, **options)
    return caught.value.reason


def _cbc(plaintext: bytes) -> bytes:
    return aes_cbc.encrypt(CBC.key, CBC.iv or b"", plaintext)


@pytest.mark.parametrize(("ecode", "text", "reason"), [
    (11256, "", "cbc_empty"),
    (11256, "AAAA", "cbc_length_not_block_multiple"),
    (11256, "AAA", "not_base64"),
    (11256, "A-_A", "not_base64"),
    (11256, " " + base64.b64encode(bytes(16)).decode(), "not_base64"),
    (11257, "", "cbc_empty"),
    (11257, "0", "not_hex"),
    (11257, "zz" * 16, "not_hex"),
    (11257, "AB" * 16, "hex_not_lowercase"),
    (11257, "00 11" * 8, "not_hex"),
    (11258, "", "gcm_too_short"),
    (11258, base64.b64encode(bytes(28)).decode(), "gcm_tag_mismatch"),
    (11258, "!!", "not_base64"),
])
def test_each_failure_is_named_for_the_journal(ecode: int, text: str, reason: str) -> None:
    assert _reason(ecode, text) == reason


def test_first_failure_wins_but_every_step_runs() -> None:
    # undecodable base64 stands in as zero bytes, which then also fail to decrypt: the journal names the first cause
    assert _reason(11256, "A" * 63 + "!") == "not_base64"


@pytest.mark.parametrize(("plaintext", "reason"), [
    (b"\xff[]", "plaintext_not_utf8"),
    (b"[1, 2", "plaintext_not_json"),
    (b"[NaN]", "json_non_finite_number"),
    (b"\xef\xbb\xbf[]", "plaintext_not_json"),
    (b"[" * 100_000 + b"]" * 100_000, "plaintext_too_deep"),
])
def test_plaintext_that_is_not_strict_json_is_a_decryption_failure(plaintext: bytes, reason: str) -> None:
    """Reported like bad padding: otherwise "padding ok, garbage" vs "bad padding" would be a padding oracle."""
    assert _reason(11256, base64.b64encode(_cbc(plaintext)).decode()) == reason


def test_seed_sample_with_trailing_spaces_parses() -> None:
    text = '[{"a": "b"}    \n]   \n'
    assert open_request(spec.METHODS[11257], CBC, _cbc(text.encode()).hex()).payload == [{"a": "b"}]


def test_upper_case_hex_allowed_when_configured() -> None:
    text = _cbc(b"[]").hex().upper()
    assert open_request(spec.METHODS[11257], CBC, text, hex_case="any").payload == []


# --- shared key formats -------------------------------------------------------------------------
def test_cbc_credential_uses_the_text_as_utf8_bytes() -> None:
    assert (CBC.key, CBC.iv) == (spec.DEFAULT_CBC_KEY.encode(), spec.DEFAULT_CBC_IV.encode())
    assert CBC.to_json() == {"key": spec.DEFAULT_CBC_KEY, "iv": spec.DEFAULT_CBC_IV}


@pytest.mark.parametrize(("key", "iv"), [
    ("a" * 31, "b" * 16), ("a" * 33, "b" * 16), ("a" * 32, "b" * 17), ("é" * 32, "b" * 16), (None, "b" * 16), ("a" * 32, 5),
    ("a" * 31 + "!", "b" * 16), ("a" * 31 + " ", "b" * 16),
])
def test_cbc_credential_refuses_other_shapes(key: object, iv: object) -> None:
    with pytest.raises(CredentialError):
        parse_cbc(key, iv)


def test_lenient_alphabet_takes_visible_ascii_only() -> None:
    assert parse_cbc("a" * 31 + "!", "b" * 16, strict_alphabet=False).key == b"a" * 31 + b"!"
    with pytest.raises(CredentialError):
        parse_cbc("a" * 31 + " ", "b" * 16, strict_alphabet=False)


def test_gcm_credential_is_the_base64_decoded_key() -> None:
    assert GCM.key == b"sealmail-netcore-ce-gcm-key-0001" and GCM.iv is None and GCM.to_json() == {"key": spec.DEFAULT_GCM_KEY}
    with pytest.raises(CredentialError):
        parse_gcm(base64.urlsafe_b64encode(bytes([251]) * 32).decode())


def test_registration_maps_ecodes_to_one_credential_each() -> None:
    registration = parse_registration({"asset": "a", "key": spec.DEFAULT_CBC_KEY, "iv": spec.DEFAULT_CBC_IV, "ecodes": ["11257", 11256, 11257]})
    assert registration.asset == "a" and sorted(registration.credentials) == [11256, 11257]
    assert registration.credentials[11256] is registration.credentials[11257]


# --- the key generator (reference client) ---------------------------------------------------------
def test_generator_output_is_in_the_shared_format_and_random() -> None:
    pairs = [client.generate_key_and_iv() for _ in range(20)]
    for key, iv in pairs:
        assert re.fullmatch(r"[A-Za-z0-9]{32}", key) and re.fullmatch(r"[A-Za-z0-9]{16}", iv)
        parse_cbc(key, iv)  # the mock accepts what the generator prints
    assert len({k for k, _ in pairs}) == 20 and len({v for _, v in pairs}) == 20
    alphabet = set("".join(k + v for k, v in pairs))
    assert len(alphabet) > 40  # draws from the whole 62-character alphabet
    assert len(base64.b64decode(client.generate_gcm_key())) == 32
    parse_gcm(client.generate_gcm_key())


def test_keygen_command_prints_shareable_values() -> None:
    out = io.StringIO()
    assert client.main(["keygen"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"SECRET_KEY: [A-Za-z0-9]{32}", lines[0]) and re.fullmatch(r"SECRET_IV: [A-Za-z0-9]{16}", lines[1])
    out = io.StringIO()
    assert client.main(["keygen", "--json"], out=out) == 0
    shared = json.loads(out.getvalue())
    assert parse_registration({"asset": "a", **shared}).credentials.keys() == {11256, 11257}
    out = io.StringIO()
    assert client.main(["keygen", "--gcm", "--json"], out=out) == 0
    assert parse_registration({"asset": "a", **json.loads(out.getvalue())}).credentials.keys() == {11258}


@pytest.mark.parametrize("ecode", ["11256", "11257", "11258"])
def test_encrypt_and_decrypt_commands_round_trip(ecode: str, capsys: pytest.CaptureFixture[str]) -> None:
    key, iv = (spec.DEFAULT_GCM_KEY, None) if ecode == "11258" else (spec.DEFAULT_CBC_KEY, spec.DEFAULT_CBC_IV)
    extra = [] if iv is None else ["--iv", iv]
    out = io.StringIO()
    assert client.main(["encrypt", '[{"a": 1}]', "--key", key, "--ecode", ecode, *extra], out=out) == 0
    text = out.getvalue().splitlines()[0].split(": ", 1)[1]
    assert out.getvalue().splitlines()[1] == 'Decrypted String: [{"a": 1}]'
    assert open_request(spec.METHODS[int(ecode)], GCM if iv is None else CBC, text).payload == [{"a": 1}]
    out = io.StringIO()
    assert client.main(["decrypt", text, "--key", key, "--ecode", ecode, *extra], out=out) == 0
    assert out.getvalue() == '[{"a": 1}]\n'
    assert client.main(["decrypt", "AAAA", "--key", key, "--ecode", ecode, *extra], out=io.StringIO()) == 2
    assert "error:" in capsys.readouterr().err


def test_client_refuses_mismatched_key_material() -> None:
    with pytest.raises(ValueError):
        client.encrypt_text(b"[]", 11258, spec.DEFAULT_GCM_KEY, "an-iv")
    with pytest.raises(ValueError):
        client.encrypt_text(b"[]", 11256, spec.DEFAULT_CBC_KEY, None)
    with pytest.raises(ValueError):
        client.encrypt_text(b"[]", 11256, spec.DEFAULT_CBC_KEY.encode().hex(), spec.DEFAULT_CBC_IV)
    with pytest.raises(ValueError):
        client.encrypt_text(b"[]", 11259, spec.DEFAULT_CBC_KEY, spec.DEFAULT_CBC_IV)
    with pytest.raises(ValueError):
        client.utc_timestamp(__import__("datetime").datetime(2025, 1, 1))
