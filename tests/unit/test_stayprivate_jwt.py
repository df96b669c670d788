"""sealmail.mockservers.crypto.jwt against independent data: Wycheproof (relabelled vectors), pycryptodome, and the rules.

The stayprivate vector files were labelled and verified with pycryptodome and
the standard library only; here the mock's own code path (jwcrypto over
cryptography) must reach the same verdict on every case.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from hypothesis import given, strategies as st
from jwcrypto.jwk import JWK

from sealmail.mockservers.crypto import CryptoError
from sealmail.mockservers.crypto.jwt import (
    RSA_ALGORITHMS,
    AlgorithmRejected,
    ClaimsInvalid,
    HeaderRejected,
    KeyRejected,
    SignatureInvalid,
    TokenExpired,
    TokenMalformed,
    TokenNotYetValid,
    check_claims,
    load_rsa_private_key,
    load_rsa_public_key,
    peek,
    sign_jwt,
    verify_jws,
    verify_jwt,
    verify_signature,
)
from sealmail.mockservers.providers.stayprivate.companies import RegistrationError, make_company
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM, DEFAULT_PUBLIC_KEY_PEM, OTHER_PRIVATE_KEY_PEM
from sealmail.vectors.schema import load_provider

PRIVATE = load_rsa_private_key(DEFAULT_PRIVATE_KEY_PEM)
PUBLIC = load_rsa_public_key(DEFAULT_PUBLIC_KEY_PEM)
OTHER = load_rsa_private_key(OTHER_PRIVATE_KEY_PEM)
NOW = 1_800_000_000
COMPANY = "sealmail-test-company"
VECTORS = {f.name: f for f in load_provider("stayprivate")}


def claims(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"iss": COMPANY, "iat": NOW, "exp": NOW + 300}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def verify(token: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"algorithms": RSA_ALGORITHMS, "issuer": COMPANY, "now_s": NOW}
    options.update(kwargs)
    return verify_jwt(token, PUBLIC, **options)


# --- Wycheproof, relabelled -----------------------------------------------------------------
def _jwk_to_company_key(jwk: Any) -> Any:
    """The mock's registration path: JWK -> PEM -> make_company; None if the mock refuses the key."""
    try:
        pem = JWK(**jwk).export_to_pem().decode()
    except Exception:  # not a usable public JWK at all (oct, malformed RSA): nothing to register
        return None
    try:
        return make_company("wycheproof", pem, ["example.com"]).key
    except RegistrationError:
        return None


@pytest.mark.parametrize("test", VECTORS["wycheproof_jws"].tests(), ids=lambda t: f"tc{t.tcId}")
def test_wycheproof_jws_layer_matches_the_relabelled_verdict(test: Any) -> None:
    key = _jwk_to_company_key(test.inputs["public_jwk"]) if isinstance(test.inputs["public_jwk"], dict) else None
    token = test.inputs["jws"]
    if key is None or not isinstance(token, str):
        assert test.result == "invalid", "a key the mock cannot register must make the case invalid"
        return
    try:
        verify_jws(token, key, algorithms=RSA_ALGORITHMS)
        accepted = True
    except CryptoError:
        accepted = False
    assert accepted == (test.result == "valid"), (test.comment, test.flags, test.inputs["wycheproof_result"])


@pytest.mark.parametrize("test", VECTORS["wycheproof_jwk"].tests(), ids=lambda t: f"tc{t.tcId}")
def test_wycheproof_jwk_registration_and_verdict(test: Any) -> None:
    jwk = test.inputs["public_jwk"]
    key = _jwk_to_company_key(jwk) if isinstance(jwk, dict) else None
    assert (key is not None) == test.inputs["registrable"], test.comment
    if key is None:
        assert test.result == "invalid"
        return
    try:
        verify_jws(test.inputs["jws"], key, algorithms=RSA_ALGORITHMS)
        accepted = True
    except CryptoError:
        accepted = False
    assert accepted == (test.result == "valid"), test.comment


def test_wycheproof_rsa_pkcs1_primitive_matches_every_case() -> None:
    tests = VECTORS["wycheproof_rsa_pkcs1_sha256"].tests()
    assert len(tests) == 259
    disagreements = []
    for test in tests:
        key = JWK.from_pem(test.inputs["public_key_pem"].encode())
        ok = verify_signature("RS256", key, bytes.fromhex(test.inputs["msg_hex"]), bytes.fromhex(test.inputs["sig_hex"]))
        if ok != (test.result == "valid"):
            disagreements.append((test.tcId, test.comment, test.flags))
    assert disagreements == []


# --- independent implementation ----------------------------------------------------------------
def test_mock_signed_rs256_verifies_with_pycryptodome_and_is_deterministic() -> None:
    token = sign_jwt(claims(), PRIVATE)
    assert token == sign_jwt(claims(), PRIVATE)
    head, body, signature = token.split(".")
    key = RSA.import_key(DEFAULT_PUBLIC_KEY_PEM)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    pkcs1_15.new(key).verify(SHA256.new(f"{head}.{body}".encode()), raw)  # raises if wrong
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "RS256", "typ": "JWT"}


def test_pycryptodome_signed_token_verifies_in_the_mock() -> None:
    key = RSA.import_key(DEFAULT_PRIVATE_KEY_PEM)

    def b64u(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64u(b'{"alg":"RS256"}') + "." + b64u(json.dumps(claims()).encode())
    token = signing_input + "." + b64u(pkcs1_15.new(key).sign(SHA256.new(signing_input.encode())))
    assert verify(token).claims == claims()


# --- each rule, one precise reason ----------------------------------------------------------------
@pytest.mark.parametrize(("token", "error", "reason"), [
    pytest.param(lambda: sign_jwt(claims(), OTHER), SignatureInvalid, "signature_invalid", id="wrong key"),
    pytest.param(lambda: sign_jwt(claims(exp=NOW - 31), PRIVATE), TokenExpired, "token_expired", id="expired"),
    pytest.param(lambda: sign_jwt(claims(exp=None), PRIVATE), ClaimsInvalid, "exp_missing", id="no exp"),
    pytest.param(lambda: sign_jwt(claims(iss=None), PRIVATE), ClaimsInvalid, "iss_missing", id="no iss"),
    pytest.param(lambda: sign_jwt(claims(iss=7), PRIVATE), ClaimsInvalid, "iss_invalid", id="iss number"),
    pytest.param(lambda: sign_jwt(claims(iss="x"), PRIVATE), ClaimsInvalid, "iss_mismatch", id="iss other"),
    pytest.param(lambda: sign_jwt(claims(nbf=NOW + 31), PRIVATE), TokenNotYetValid, "token_not_yet_valid", id="nbf"),
    pytest.param(lambda: sign_jwt(claims(iat=NOW + 31), PRIVATE), TokenNotYetValid, "iat_in_future", id="iat"),
    pytest.param(lambda: sign_jwt(claims(exp=[1]), PRIVATE), ClaimsInvalid, "exp_invalid", id="exp list"),
    pytest.param(lambda: sign_jwt(claims(nbf="soon"), PRIVATE), ClaimsInvalid, "nbf_invalid", id="nbf string"),
    pytest.param(lambda: sign_jwt(claims(exp=10**400), PRIVATE), ClaimsInvalid, "exp_invalid", id="exp huge"),
    pytest.param(lambda: sign_jwt(claims(), PRIVATE, extra_header={"jwk": {"kty": "RSA"}}), HeaderRejected, "header_embedded_key", id="jwk"),
    pytest.param(lambda: sign_jwt(claims(), PRIVATE, extra_header={"b64": True}), HeaderRejected, "header_b64_unsupported", id="b64"),
    pytest.param(lambda: "e30.e30.", AlgorithmRejected, "alg_missing", id="empty header"),
    pytest.param(lambda: "eyJhbGciOjF9.e30.AA", AlgorithmRejected, "alg_invalid", id="alg number"),
    pytest.param(lambda: "", TokenMalformed, "token_empty", id="empty"),
    pytest.param(lambda: "A" * 9000, TokenMalformed, "token_too_long", id="too long"),
    pytest.param(lambda: "!!.e30.AA", TokenMalformed, "token_not_compact", id="bad characters"),
    pytest.param(lambda: "WzFd.e30.AA", TokenMalformed, "header_not_object", id="header array"),
    pytest.param(lambda: "_w.e30.AA", TokenMalformed, "header_not_json", id="header bytes"),
])
def test_each_rule_has_its_own_reason(token: Any, error: type[Exception], reason: str) -> None:
    with pytest.raises(error) as raised:
        verify(token())
    assert raised.value.reason == reason  # type: ignore[attr-defined]


def test_lifetime_cap() -> None:
    token = sign_jwt(claims(exp=NOW + 7200), PRIVATE)
    assert verify(token).expires_at == NOW + 7200
    with pytest.raises(ClaimsInvalid) as raised:
        verify(token, max_lifetime_s=3600)
    assert raised.value.reason == "token_lifetime_too_long"


def test_allowed_algorithms_are_the_callers_and_must_be_rsa() -> None:
    token = sign_jwt(claims(), PRIVATE, algorithm="PS256")
    assert verify(token).algorithm == "PS256"
    with pytest.raises(AlgorithmRejected):
        verify(token, algorithms={"RS256"})
    for bad in (set(), {"HS256"}, {"RS256", "none"}, {"ES256"}):
        with pytest.raises(ValueError):
            verify(token, algorithms=bad)


def test_keys_must_be_rsa_public_keys_of_enough_bits() -> None:
    with pytest.raises(KeyRejected) as raised:
        load_rsa_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    assert raised.value.reason == "key_not_pem_public_key"
    with pytest.raises(KeyRejected) as raised:
        load_rsa_public_key(DEFAULT_PUBLIC_KEY_PEM, min_bits=4096)
    assert raised.value.reason == "key_too_small"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(KeyRejected) as raised:
        load_rsa_public_key(ec_pem)
    assert raised.value.reason == "key_not_rsa"


def test_check_claims_leeway_boundaries() -> None:
    check_claims({"iss": "c", "exp": 100}, issuer="c", now_s=129, leeway_s=30)
    with pytest.raises(TokenExpired):
        check_claims({"iss": "c", "exp": 100}, issuer="c", now_s=130, leeway_s=30)
    check_claims({"iss": "c", "exp": 1000, "nbf": 130}, issuer="c", now_s=100, leeway_s=30)
    with pytest.raises(TokenNotYetValid):
        check_claims({"iss": "c", "exp": 1000, "nbf": 131}, issuer="c", now_s=100, leeway_s=30)


def test_peek_never_raises_and_reads_the_parts() -> None:
    token = sign_jwt(claims(), PRIVATE)
    assert peek(token).claims == claims() and peek(token).header == {"alg": "RS256", "typ": "JWT"}
    assert peek("garbage").header is None and peek("a.b.c").claims is None


@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_a_token_only_ever_raise_jwt_errors(data: bytes) -> None:
    text = data.decode("latin-1")
    for candidate in (text, base64.urlsafe_b64encode(data).decode().rstrip("=") + ".e30.AA", f"{text}.{text}.{text}"):
        with pytest.raises(CryptoError):
            verify(candidate)


@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
                       max_size=5))
def test_arbitrary_claims_are_accepted_or_refused_cleanly(extra: dict[str, Any]) -> None:
    body = {**extra, **{k: v for k, v in claims().items() if k not in extra}}
    token = sign_jwt(body, PRIVATE)
    try:
        verified = verify(token)
    except CryptoError as error:
        assert error.reason.endswith(("_missing", "_invalid", "_mismatch", "_expired", "_not_yet_valid", "_in_future")) or error.reason in {
            "token_expired", "token_not_yet_valid", "json_non_finite_number"}, error.reason
    else:
        assert verified.claims["iss"] == COMPANY and verified.claims["exp"] + 30 > NOW
