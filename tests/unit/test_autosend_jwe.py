"""sealmail.mockservers.crypto.jwe: strict parsing, explicit policy, precise reasons, and agreement with
independent implementations (joserfc, pycryptodome) and third-party data (Wycheproof)."""

from __future__ import annotations

import json
import math
from functools import cache

import pytest
from cryptography.hazmat.primitives import serialization
from jwcrypto.common import base64url_decode, base64url_encode
from jwcrypto.jwk import JWK

from sealmail.mockservers.crypto import DecryptionFailed, aes_gcm
from sealmail.mockservers.crypto import jwe
from sealmail.mockservers.providers.autosend.fixed_keys import FIXED_KEY_PEMS
from sealmail.vectors import wycheproof

POLICY = jwe.AUTOSEND_POLICY


@cache
def _fixed(index: int) -> JWK:
    loaded = serialization.load_pem_private_key(FIXED_KEY_PEMS[index].encode(), None, unsafe_skip_rsa_key_validation=True)
    return JWK.from_pyca(loaded)


@cache
def _wycheproof_oaep_key(pkcs8_hex: str) -> JWK:
    return JWK.from_pyca(serialization.load_der_private_key(bytes.fromhex(pkcs8_hex), None))


@cache
def _wycheproof_jwk(text: str) -> JWK:
    return JWK(**json.loads(text))


@pytest.fixture(scope="module")
def private_key() -> JWK:
    return _fixed(0)


@pytest.fixture(scope="module")
def public_key(private_key: JWK) -> JWK:
    return JWK(**private_key.export_public(as_dict=True))


def _segments(token: str) -> list[str]:
    return token.split(".")


def _with_segment(token: str, index: int, data: bytes) -> str:
    parts = _segments(token)
    parts[index] = base64url_encode(data)
    return ".".join(parts)


def _flip(token: str, index: int, byte: int = 0) -> str:
    raw = bytearray(base64url_decode(_segments(token)[index]))
    raw[byte] ^= 0x01
    return _with_segment(token, index, bytes(raw))


def _reason(token: str, key: JWK, policy: jwe.JwePolicy = POLICY) -> tuple[str, str]:
    with pytest.raises(jwe.CryptoError) as caught:
        jwe.decrypt_compact(token, key, policy)
    return type(caught.value).__name__, caught.value.reason


def test_round_trip_uses_the_documented_header(public_key: JWK, private_key: JWK) -> None:
    token = jwe.encrypt_compact(b'{"email":"a@example.com"}', public_key, kid="key_2026_06")
    parsed = jwe.parse_compact(token)
    assert parsed.header == {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "key_2026_06"}
    assert len(parsed.iv) == 12 and len(parsed.tag) == 16 and len(parsed.encrypted_key) == 256
    assert jwe.decrypt(parsed, private_key, POLICY) == b'{"email":"a@example.com"}'


def test_every_encryption_draws_a_fresh_cek_and_iv(public_key: JWK, private_key: JWK) -> None:
    tokens = [jwe.parse_compact(jwe.encrypt_compact(b"{}", public_key, kid="k")) for _ in range(3)]
    assert len({t.iv for t in tokens}) == 3
    assert len({t.encrypted_key for t in tokens}) == 3
    from jwcrypto.jwe import JWE

    ceks = set()
    for token in tokens:
        obj = JWE()
        obj.deserialize(".".join([token.protected_b64, base64url_encode(token.encrypted_key), base64url_encode(token.iv),
                                  base64url_encode(token.ciphertext), base64url_encode(token.tag)]), private_key)
        ceks.add(obj.cek)
    assert len(ceks) == 3


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ('{"protected":"eyJ9","ciphertext":"","iv":"","tag":""}', "json_serialization"),
        ("a.b.c.d", "segment_count"),
        ("a.b.c.d.e.f", "segment_count"),
        ("", "segment_count"),
        ("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0=.a.b.c.d", "segment_not_base64url"),
        ("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a+b.c.d.e", "segment_not_base64url"),
        ("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.abcde.c.d.e", "segment_not_base64url"),
        ("eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.AB.c.d.e", "segment_not_base64url"),  # pad bits set
        ("..AAAA.AAAA.AAAA", "header_empty"),
        (base64url_encode(b"\xff\xfe") + ".AAAA.AAAA.AAAA.AAAA", "header_not_utf8"),
        (base64url_encode(b"{nope") + ".AAAA.AAAA.AAAA.AAAA", "header_not_json"),
        (base64url_encode(b"[1]") + ".AAAA.AAAA.AAAA.AAAA", "header_not_object"),
        (base64url_encode(b'{"alg":"RSA-OAEP-256","alg":"dir","enc":"A256GCM"}') + ".AAAA.AAAA.AAAA.AAAA", "header_duplicate_member"),
        (base64url_encode(b'{"enc":"A256GCM"}') + ".AAAA.AAAA.AAAA.AAAA", "header_alg_missing"),
        (base64url_encode(b'{"alg":"RSA-OAEP-256","enc":7}') + ".AAAA.AAAA.AAAA.AAAA", "header_enc_missing"),
        (base64url_encode(b'{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":5}') + ".AAAA.AAAA.AAAA.AAAA", "header_kid_not_string"),
    ],
)
def test_malformed_tokens_get_their_precise_reason(token: str, reason: str) -> None:
    with pytest.raises(jwe.MalformedJwe) as caught:
        jwe.parse_compact(token)
    assert caught.value.reason == reason


def test_parse_refuses_non_text() -> None:
    with pytest.raises(jwe.MalformedJwe) as caught:
        jwe.parse_compact(b"a.b.c.d.e")  # type: ignore[arg-type]
    assert caught.value.reason == "not_text"


@pytest.mark.parametrize(
    ("alg", "enc", "extra", "reason"),
    [
        ("RSA-OAEP", "A256GCM", {}, "alg_not_allowed"),
        ("RSA1_5", "A256GCM", {}, "alg_not_allowed"),
        ("RSA-OAEP-256", "A128GCM", {}, "enc_not_allowed"),
        ("RSA-OAEP-256", "A256GCM", {"zip": "DEF"}, "zip_not_allowed"),
        ("RSA-OAEP-256", "A256GCM", {"crit": ["exp"], "exp": 1}, "crit_unsupported"),
        ("RSA-OAEP-256", "A256GCM", {"crit": []}, "crit_malformed"),
        ("RSA-OAEP-256", "A256GCM", {"crit": "exp"}, "crit_malformed"),
        ("RSA-OAEP-256", "A256GCM", {"jku": "https://attacker.example/jwks.json"}, "embedded_key_header"),
        ("RSA-OAEP-256", "A256GCM", {"x5u": "https://attacker.example/cert"}, "embedded_key_header"),
        ("RSA-OAEP-256", "A256GCM", {"x5c": ["MIIB"]}, "embedded_key_header"),
    ],
)
def test_policy_refusals(public_key: JWK, private_key: JWK, alg: str, enc: str, extra: dict, reason: str) -> None:
    token = jwe.encrypt_compact_with(b"{}", public_key, header={"alg": alg, "enc": enc, **extra},
                                     cek=bytes(32 if enc == "A256GCM" else 16), iv=bytes(12))
    assert _reason(token, private_key) == ("UnsupportedJwe", reason)


def test_an_embedded_jwk_is_refused_and_never_used(public_key: JWK, private_key: JWK) -> None:
    attacker = JWK.generate(kty="RSA", size=2048)
    token = jwe.encrypt_compact(b"{}", attacker, kid="key_2026_06",
                                extra_header={"jwk": json.loads(attacker.export_public())})
    assert _reason(token, private_key) == ("UnsupportedJwe", "embedded_key_header")
    lenient = jwe.JwePolicy(algs=POLICY.algs, encs=POLICY.encs, reject_key_headers=False)
    # Even when the header is tolerated, the key comes from the caller: the attacker's key never decrypts.
    assert _reason(token, private_key, lenient) == ("DecryptionFailed", "rsa_oaep_unwrap_failed")


def test_policy_is_explicit_and_can_allow_understood_crit(public_key: JWK, private_key: JWK) -> None:
    with pytest.raises(ValueError):
        jwe.JwePolicy(algs=frozenset(), encs=frozenset({"A256GCM"}))
    with pytest.raises(ValueError):
        jwe.JwePolicy(algs=POLICY.algs, encs=POLICY.encs, allow_zip=True)
    policy = jwe.JwePolicy(algs=POLICY.algs, encs=POLICY.encs, understood_crit=frozenset({"exp"}))
    token = jwe.encrypt_compact(b"{}", public_key, kid="k", extra_header={"crit": ["exp"], "exp": 1})
    assert jwe.decrypt_compact(token, private_key, policy) == b"{}"
    missing = jwe.encrypt_compact(b"{}", public_key, kid="k", extra_header={"crit": ["exp"]})
    assert _reason(missing, private_key, policy) == ("UnsupportedJwe", "crit_unsupported")


@pytest.mark.parametrize(
    ("index", "reason"),
    [(1, "rsa_oaep_unwrap_failed"), (2, "gcm_tag_mismatch"), (3, "gcm_tag_mismatch"), (4, "gcm_tag_mismatch")],
)
def test_tampering_is_a_decryption_failure(public_key: JWK, private_key: JWK, index: int, reason: str) -> None:
    token = jwe.encrypt_compact(b'{"a":1}', public_key, kid="k")
    assert _reason(_flip(token, index), private_key) == ("DecryptionFailed", reason)


def test_tampered_header_fails_authentication(public_key: JWK, private_key: JWK) -> None:
    token = jwe.encrypt_compact(b'{"a":1}', public_key, kid="k")
    header = json.loads(base64url_decode(_segments(token)[0]))
    header["kid"] = "k2"  # still a valid header, but the AAD changed
    tampered = _with_segment(token, 0, json.dumps(header).encode())
    assert _reason(tampered, private_key) == ("DecryptionFailed", "gcm_tag_mismatch")


@pytest.mark.parametrize(
    ("index", "data", "reason"),
    [
        (1, b"", "rsa_ciphertext_length"),
        (1, bytes(255), "rsa_ciphertext_length"),
        (2, bytes(16), "iv_length"),
        (2, b"", "iv_length"),
        (4, bytes(12), "tag_length"),
        (4, b"", "tag_length"),
    ],
)
def test_wrong_lengths(public_key: JWK, private_key: JWK, index: int, data: bytes, reason: str) -> None:
    token = jwe.encrypt_compact(b'{"a":1}', public_key, kid="k")
    assert _reason(_with_segment(token, index, data), private_key) == ("DecryptionFailed", reason)


def test_a_cek_of_the_wrong_size_is_refused(public_key: JWK, private_key: JWK) -> None:
    token = jwe.encrypt_compact_with(b"{}", public_key, header={"alg": "RSA-OAEP-256", "enc": "A256GCM"}, cek=bytes(16), iv=bytes(12))
    assert _reason(token, private_key) == ("DecryptionFailed", "cek_length")


def test_wrong_key_and_small_key(public_key: JWK) -> None:
    other = _fixed(1)
    token = jwe.encrypt_compact(b"{}", public_key, kid="k")
    assert _reason(token, other) == ("DecryptionFailed", "rsa_oaep_unwrap_failed")
    assert _reason(token, JWK.generate(kty="oct", size=256)) == ("DecryptionFailed", "key_not_rsa")


def test_plaintext_cap_is_checked_before_decrypting(public_key: JWK, private_key: JWK) -> None:
    small = jwe.JwePolicy(algs=POLICY.algs, encs=POLICY.encs, max_plaintext_bytes=10)
    token = jwe.encrypt_compact(b"x" * 11, public_key, kid="k")
    assert _reason(token, private_key, small) == ("PlaintextTooLarge", "plaintext_too_large")
    assert jwe.decrypt_compact(jwe.encrypt_compact(b"x" * 10, public_key, kid="k"), private_key, small) == b"x" * 10


def test_deterministic_encryption_reproduces_everything_but_the_wrapped_key(public_key: JWK, private_key: JWK) -> None:
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "k"}
    first = jwe.encrypt_compact_with(b'{"a":1}', public_key, header=header, cek=bytes(range(32)), iv=bytes(range(12)))
    second = jwe.encrypt_compact_with(b'{"a":1}', public_key, header=header, cek=bytes(range(32)), iv=bytes(range(12)))
    a, b = _segments(first), _segments(second)
    assert a[0] == b[0] and a[2:] == b[2:] and a[1] != b[1]
    assert jwe.decrypt_compact(first, private_key, POLICY) == b'{"a":1}'


# --- independent implementations ------------------------------------------------------------------

def test_joserfc_decrypts_what_we_encrypt(public_key: JWK, private_key: JWK) -> None:
    from joserfc import jwe as joserfc_jwe
    from joserfc.jwk import RSAKey

    token = jwe.encrypt_compact(b'{"a":"\xc3\xa9"}', public_key, kid="key_2026_06")
    their_key = RSAKey.import_key(private_key.export_private(as_dict=True))
    result = joserfc_jwe.decrypt_compact(token, their_key, algorithms=["RSA-OAEP-256", "A256GCM"])
    assert result.plaintext == b'{"a":"\xc3\xa9"}'
    assert result.protected == {"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "key_2026_06"}


def test_we_decrypt_what_joserfc_encrypts(public_key: JWK, private_key: JWK) -> None:
    from joserfc import jwe as joserfc_jwe
    from joserfc.jwk import RSAKey

    their_key = RSAKey.import_key(public_key.export_public(as_dict=True))
    token = joserfc_jwe.encrypt_compact({"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": "key_2026_06"}, b'{"x":[1,2]}',
                                        their_key, algorithms=["RSA-OAEP-256", "A256GCM"])
    assert jwe.decrypt_compact(token, private_key, POLICY) == b'{"x":[1,2]}'


def test_pycryptodome_unwraps_and_opens_our_tokens(public_key: JWK, private_key: JWK) -> None:
    from Crypto.Cipher import AES, PKCS1_OAEP
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA

    token = jwe.parse_compact(jwe.encrypt_compact(b"hello", public_key, kid="k"))
    rsa = RSA.import_key(FIXED_KEY_PEMS[0])
    cek = PKCS1_OAEP.new(rsa, hashAlgo=SHA256).decrypt(token.encrypted_key)
    cipher = AES.new(cek, AES.MODE_GCM, nonce=token.iv)
    cipher.update(token.aad)
    assert cipher.decrypt_and_verify(token.ciphertext, token.tag) == b"hello"


# --- Wycheproof ----------------------------------------------------------------------------------

def _oaep_cases() -> list[tuple[dict, dict]]:
    return list(wycheproof.cases("rsa_oaep_2048_sha256_mgf1sha256_test"))


@pytest.mark.parametrize(("group", "case"), _oaep_cases(), ids=lambda v: f"tc{v['tcId']}" if "tcId" in v else "")
def test_wycheproof_rsa_oaep_sha256_through_our_decrypt(group: dict, case: dict) -> None:
    """Each OAEP ciphertext as a JWE encrypted key: valid only if Wycheproof says valid, no label and a 32-byte CEK."""
    private = _wycheproof_oaep_key(group["privateKeyPkcs8"])
    msg, ct = bytes.fromhex(case["msg"]), bytes.fromhex(case["ct"])
    autosend_valid = case["result"] == "valid" and not case["label"] and len(msg) == 32
    content_key = msg if len(msg) == 32 else bytes(32)
    protected_b64 = base64url_encode(json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM"}, separators=(",", ":")).encode())
    sealed = aes_gcm.encrypt(content_key, bytes(12), b'{"ok":true}', protected_b64.encode())
    token = ".".join([protected_b64, base64url_encode(ct), base64url_encode(bytes(12)),
                      base64url_encode(sealed[:-16]), base64url_encode(sealed[-16:])])
    if autosend_valid:
        assert jwe.decrypt_compact(token, private, POLICY) == b'{"ok":true}'
    else:
        with pytest.raises(DecryptionFailed):
            jwe.decrypt_compact(token, private, POLICY)


def _jwe_cases() -> list[tuple[dict, dict]]:
    return list(wycheproof.cases("json_web_encryption_test"))


@pytest.mark.parametrize(("group", "case"), _jwe_cases(), ids=lambda v: f"tc{v['tcId']}" if "tcId" in v else "")
def test_wycheproof_jwe_relabelled_by_autosend_rules(group: dict, case: dict) -> None:
    """Only compact RSA-OAEP-256 + A256GCM that Wycheproof calls valid decrypts; everything else is refused."""
    token = case["jwe"]
    try:
        parsed = jwe.parse_compact(token)
    except jwe.MalformedJwe:
        parsed = None
    header = parsed.header if parsed else None
    acceptable = bool(header) and header.get("alg") == "RSA-OAEP-256" and header.get("enc") == "A256GCM" and case["result"] == "valid"
    private = group.get("private")
    is_rsa = isinstance(private, dict) and private.get("kty") == "RSA"
    key = _wycheproof_jwk(json.dumps(private, sort_keys=True)) if is_rsa else _fixed(0)
    if acceptable:
        assert jwe.decrypt(parsed, key, POLICY) == bytes.fromhex(case["pt"])
    else:
        with pytest.raises(jwe.CryptoError):
            jwe.decrypt_compact(token, key, POLICY)


def _jwk_cases() -> list[tuple[dict, dict]]:
    return list(wycheproof.cases("json_web_key_test"))


@pytest.mark.parametrize(("group", "case"), _jwk_cases(), ids=lambda v: f"tc{v['tcId']}" if "tcId" in v else "")
def test_wycheproof_jwks_offer_no_autosend_encryption_key(group: dict, case: dict) -> None:
    """Every Wycheproof JWK is a signing or non-RSA key: none may be used to encrypt for AutoSend."""
    keys = (group.get("public") or group.get("private") or {}).get("keys", [])
    assert keys
    for entry in keys:
        public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
        with pytest.raises(jwe.KeyRejected):
            jwe.import_encryption_key(public)


def test_import_encryption_key_checks_size_exponent_and_labels() -> None:
    good = {**_fixed(0).export_public(as_dict=True), "kid": "k", "alg": "RSA-OAEP-256", "use": "enc"}
    assert jwe.import_encryption_key(good).get("kty") == "RSA"
    assert jwe.import_encryption_key({k: v for k, v in good.items() if k not in ("alg", "use")})
    small = JWK.generate(kty="RSA", size=1024).export_public(as_dict=True)
    cases = {
        "kty": {**good, "kty": "EC"},
        "alg": {**good, "alg": "RSA-OAEP"},
        "use": {**good, "use": "sig"},
        "key_ops": {**good, "key_ops": ["verify"]},
        "kid_missing": {k: v for k, v in good.items() if k != "kid"},
        "rsa_key_too_small": {**small, "kid": "s"},
        "rsa_exponent": {**good, "e": "AQ"},
        "not_object": "nope",
    }
    for reason, jwk in cases.items():
        with pytest.raises(jwe.KeyRejected) as caught:
            jwe.import_encryption_key(jwk)  # type: ignore[arg-type]
        assert caught.value.reason == reason, jwk


def test_the_committed_fixed_keys_are_consistent_rsa_2048_keys() -> None:
    """Runtime loading skips OpenSSL's slow key check; here the CRT parameters are checked by arithmetic."""
    moduli = set()
    for pem in FIXED_KEY_PEMS:
        key = serialization.load_pem_private_key(pem.encode(), None, unsafe_skip_rsa_key_validation=True)
        numbers = key.private_numbers()  # type: ignore[union-attr]
        public = numbers.public_numbers
        p, q, d = numbers.p, numbers.q, numbers.d
        assert public.n.bit_length() == 2048 and public.e == 65537
        assert p * q == public.n and p != q
        lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
        assert (public.e * d) % lam == 1
        assert numbers.dmp1 == d % (p - 1) and numbers.dmq1 == d % (q - 1) and (numbers.iqmp * q) % p == 1
        moduli.add(public.n)
    assert len(moduli) == len(FIXED_KEY_PEMS) == 12
