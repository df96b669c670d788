"""stayprivate vectors: RS256-family JWT bearer auth and the one-call send rules (seed 004).

Five files:

- ``jwt_auth``: sealmail's own token cases, each a complete ``POST /1.0/emails/send``
  with the mock's default company (``sealmail-test-company``, the public test
  key pair in mockservers/providers/stayprivate/test_keys.py) and a
  ``clock_ms`` at which the token is judged. Valid tokens, alg ``none`` in its
  spellings, HMAC keyed with the public key (key confusion), keys carried in
  the header, ``crit``, wrong key, tampering, encodings, every claim rule.
- ``send_rules``: a valid token and one defect in the body (the seed's own
  malformed send example, sender domain, address lists...).
- ``wycheproof_jws``: every case of Wycheproof json_web_signature_test.json,
  relabelled by StayPrivate's rules (the JWS layer only: header policy and
  signature with the group's key as the registered company key).
- ``wycheproof_jwk``: json_web_key_test.json, relabelled (can the key be
  registered as a company key, and does the token then verify).
- ``wycheproof_rsa_pkcs1_sha256``: rsa_signature_2048_sha256_test.json, the
  RS256 primitive itself.

Signing and verification here use pycryptodome and the standard library
only, independent of the mock (jwcrypto over cryptography). RS256/384/512
signatures are deterministic (RSASSA-PKCS1-v1_5) and PS256/384/512 salts are
drawn from the seeded generator, so every file is byte-reproducible.

The rules this module's verifier applies, and the mock implements:
compact serialization with canonical unpadded base64url segments; header a
JSON object without duplicate members; ``alg`` one of RS256 RS384 RS512 PS256
PS384 PS512 (PSS salt = hash length); no ``jwk``/``jku``/``x5u``/``x5c``/``crit``/``b64``;
signature by the registered RSA key (at least 2048 bits, odd e >= 3); claims a
JSON object; ``iss`` = the company API id; numeric ``exp`` with
now < exp + 30 s; ``nbf`` and ``iat``, when present, numeric and <= now + 30 s.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import re
from typing import Any, Callable

from Crypto.Hash import SHA256, SHA384, SHA512
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15, pss

from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM, OTHER_PRIVATE_KEY_PEM

from .. import wycheproof
from ..schema import TestGroup, VectorFile, VectorTest, WireRequest, expect, generator_header, number_tests

PROVIDER = "stayprivate"
COMPANY = "sealmail-test-company"
"""The mock's documented default company API id (mockservers/providers/stayprivate/spec.py)."""
DOMAIN = "example.com"
SENDER = f"sender@{DOMAIN}"
SEND_PATH = "/1.0/emails/send"
LEEWAY_S = 30
ALLOWED = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EMBEDDED_KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")
MIN_BITS = 2048
UNAUTHORISED = "unauthorised"
MISSING = "missing_credentials"

DEFAULT_KEY = RSA.import_key(DEFAULT_PRIVATE_KEY_PEM)
OTHER_KEY = RSA.import_key(OTHER_PRIVATE_KEY_PEM)
PUBLIC_PEM = DEFAULT_KEY.public_key().export_key("PEM").decode("ascii")
_HASHES = {"256": SHA256, "384": SHA384, "512": SHA512}

NOTES = {
    "Valid": "A correct request; the mock answers 200 and stores the email.",
    "OtherRsaAlgorithm": "RS384/RS512/PS256/PS384/PS512: the \"similar\" algorithms the RSA key verifies.",
    "KidIgnored": "A kid header: ignored, the key comes from the company registry.",
    "Leeway": "A time claim within the documented 30 s leeway.",
    "ExtraClaims": "Claims beyond iss/exp (sub, aud, jti, non-ASCII text): ignored.",
    "NumericDate": "exp/nbf/iat as a non-integer number, or not a number at all.",
    "SchemeCase": "The Bearer scheme in other letter case (RFC 9110 section 11.1: case-insensitive).",
    "AlgNone": "alg none in one of its spellings (RFC 7518 section 3.6): never accepted.",
    "KeyConfusion": "HS256/384/512 keyed with the company's RSA public key (PEM or DER) as the HMAC secret.",
    "AlgMissing": "No alg header.",
    "AlgNotAllowed": "An alg outside RS256/384/512 and PS256/384/512 (ES256, wrong case, not a string).",
    "EmbeddedKey": "jwk, jku, x5u or x5c in the header: keys come only from the registry.",
    "Crit": "A crit header (no extension is understood), or b64 (RFC 7797).",
    "DuplicateMember": "A JSON member name repeated in the header or the claims.",
    "WrongKey": "Signed with an RSA key other than the registered one.",
    "Tampered": "Header, claims or signature changed after signing.",
    "MissingSignature": "Empty signature segment.",
    "Encoding": "A segment that is not canonical unpadded base64url.",
    "WrongPrimitive": "The signature is of another RSA algorithm than alg names.",
    "Expired": "exp (plus leeway) is not after the server time.",
    "MissingClaim": "exp or iss absent.",
    "WrongIssuer": "iss is not the company API id (exact match).",
    "NotYetValid": "nbf or iat after the server time plus leeway.",
    "NotJson": "The claims segment is not a JSON object.",
    "Structure": "Not three dot-separated segments (or JSON serialization).",
    "MissingHeader": "SP-Company-Api-Id or Authorization: Bearer absent: 401 missing_credentials.",
    "UnknownCompany": "SP-Company-Api-Id names no registered company.",
    "SeedExample": "The seed's own send example body (its opening brace is missing): 422 invalid_json, never 500.",
    "Json": "A body that is not a JSON object.",
    "ContentType": "A JSON method sent without Content-Type application/json.",
    "Sender": "senderEmail missing, not an address, or not at the company's domain.",
    "AddressList": "A recipient list that is not semicolon-separated valid addresses.",
    "NoRecipients": "No recipient in any list.",
    "EmptyListItem": "Empty items in a list (a trailing semicolon): tolerated.",
    "FieldType": "emailSubject/emailBody not a string.",
    "UnknownReference": "An emailRef the mock never issued.",
    "Wycheproof": "Case from a Wycheproof file (inputs keep its tcId, result and flags).",
    "HmacRefused": "Relabelled invalid: HMAC algorithms are refused whatever the key.",
    "NotRsaKey": "Relabelled invalid: the key is not an RSA key StayPrivate can register (oct, EC, malformed RSA).",
    "KeyTooSmall": "The RSA key has fewer than 2048 bits: it cannot be registered.",
    "KeyMetadataIgnored": "Relabelled by signature: StayPrivate registers a bare PEM public key, so the JWK's use/key_ops/alg "
                          "do not exist there; the token is valid when its RSA signature verifies under an allowed alg.",
    "RocaNotScreened": "Relabelled valid: the key has the ROCA weakness, but StayPrivate's documented rules (RSA, at least "
                       "2048 bits) do not screen for it and neither does the mock. A stricter registry would refuse it.",
    "AcceptableRejected": "Wycheproof 'acceptable' (legacy encoding): StayPrivate verifies strictly, so invalid.",
    "JsonSerialization": "JWS JSON serialization: a bearer token must be the compact form.",
}


# --- encoding and signatures (stdlib + pycryptodome) -----------------------------------
def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64U = re.compile(r"^[A-Za-z0-9_-]*$")


def b64u_canonical(text: str) -> bytes | None:
    """Decode unpadded base64url; None unless ``text`` is the one canonical encoding of its bytes."""
    if not _B64U.fullmatch(text) or len(text) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if b64u(raw) == text else None


def _hash(alg: str, data: bytes) -> Any:
    return _HASHES[alg[2:]].new(data)


def rsa_sign(alg: str, key: RSA.RsaKey, signing_input: bytes, rng: random.Random) -> bytes:
    if alg.startswith("RS"):
        return pkcs1_15.new(key).sign(_hash(alg, signing_input))
    digest = _hash(alg, signing_input)
    return pss.new(key, salt_bytes=digest.digest_size, rand_func=rng.randbytes).sign(digest)


_DIGEST_INFO_PREFIX = {
    "256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "512": bytes.fromhex("3051300d060960864801650304020305000440"),
}
"""RFC 8017 section 9.2, note 1: the DER DigestInfo prefixes (with the NULL parameters)."""


def rsa_verify(alg: str, key: RSA.RsaKey, signing_input: bytes, signature: bytes) -> bool:
    """pycryptodome's verification; for PKCS#1 v1.5 also the one DER encoding RFC 8017 section 8.2.2 compares.

    pycryptodome also accepts a DigestInfo without the NULL parameters (a legacy
    variant Wycheproof rates "acceptable"); StayPrivate verifies strictly, so the
    recovered encoded message must equal the with-NULL encoding byte for byte.
    """
    digest = _hash(alg, signing_input)
    try:
        if alg.startswith("RS"):
            pkcs1_15.new(key).verify(digest, signature)
        else:
            pss.new(key, salt_bytes=digest.digest_size).verify(digest, signature)
    except (ValueError, TypeError):
        return False
    if alg.startswith("PS"):
        return True
    size = key.size_in_bytes()
    recovered = pow(int.from_bytes(signature, "big"), key.e, key.n).to_bytes(size, "big")
    digest_info = _DIGEST_INFO_PREFIX[alg[2:]] + digest.digest()
    return recovered == b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info


def compact(header: dict[str, Any] | bytes, claims: dict[str, Any] | bytes) -> str:
    """``b64u(header).b64u(claims)``: the signing input as text."""
    head = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    body = claims if isinstance(claims, bytes) else json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{b64u(head)}.{b64u(body)}"


def signed(header: dict[str, Any] | bytes, claims: dict[str, Any] | bytes, rng: random.Random, *,
           key: RSA.RsaKey = DEFAULT_KEY, alg: str | None = None) -> str:
    signing_input = compact(header, claims)
    algorithm = alg or (header["alg"] if isinstance(header, dict) else "RS256")
    return f"{signing_input}.{b64u(rsa_sign(algorithm, key, signing_input.encode(), rng))}"


def hmac_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = compact(header, claims)
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[header["alg"]]
    return f"{signing_input}.{b64u(hmac.new(secret, signing_input.encode(), digest).digest())}"


class _Duplicate(ValueError):
    pass


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _Duplicate(name)
        result[name] = value
    return result


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def rsa_key_from_jwk(jwk: Any) -> RSA.RsaKey | None:
    """The RSA public key a JWK describes, if StayPrivate could register it (RSA, >= 2048 bits, odd e >= 3)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str) or not isinstance(jwk.get("e"), str):
        return None
    if any(name in jwk for name in ("crv", "x", "y", "k")):
        return None
    try:
        n = int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4)), "big")
        e = int.from_bytes(base64.urlsafe_b64decode(jwk["e"] + "=" * (-len(jwk["e"]) % 4)), "big")
    except (binascii.Error, ValueError):
        return None
    if n.bit_length() < MIN_BITS or e < 3 or e % 2 == 0:
        return None
    try:
        return RSA.construct((n, e))
    except ValueError:
        return None


# --- the rules, judged independently ------------------------------------------------------
def jws_layer_ok(token: Any, key: RSA.RsaKey | None) -> bool:
    """Compact form, header policy, RSA signature: what StayPrivate checks before reading claims."""
    return _jws_payload(token, key) is not None


def _jws_payload(token: Any, key: RSA.RsaKey | None) -> bytes | None:
    if key is None or not isinstance(token, str) or token.count(".") != 2:
        return None
    head_text, body_text, sig_text = token.split(".")
    head, body, signature = b64u_canonical(head_text), b64u_canonical(body_text), b64u_canonical(sig_text)
    if not head_text or head is None or body is None or signature is None or not signature:
        return None
    header = _json_object(head)
    if header is None or header.get("alg") not in ALLOWED:
        return None
    if any(name in header for name in (*EMBEDDED_KEY_HEADERS, "crit", "b64")):
        return None
    if not rsa_verify(header["alg"], key, f"{head_text}.{body_text}".encode(), signature):
        return None
    return body


def claims_ok(payload: bytes, now_s: float) -> bool:
    claims = _json_object(payload)
    if claims is None or claims.get("iss") != COMPANY:
        return False

    def number(name: str) -> float | None:
        value = claims.get(name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300 else None

    exp = number("exp")
    if exp is None or not now_s < exp + LEEWAY_S:
        return False
    for name in ("nbf", "iat"):
        if name in claims and (number(name) is None or number(name) > now_s + LEEWAY_S):  # type: ignore[operator]
            return False
    return True


_ADDRESS = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def judge_request(request: WireRequest, clock_ms: int | None) -> tuple[int, str | None]:
    """(status, error code) StayPrivate's rules give this one-call request, from scratch."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    company = headers.get("sp-company-api-id", "").strip()
    scheme, _, token = headers.get("authorization", "").strip().partition(" ")
    if not company or scheme.lower() != "bearer" or not token.strip():
        return 401, MISSING
    if company != COMPANY:
        return 401, UNAUTHORISED
    payload = _jws_payload(token.strip(), DEFAULT_KEY.public_key())
    now_s = (clock_ms or 0) / 1000
    if payload is None or not claims_ok(payload, now_s):
        return 401, UNAUTHORISED
    if request.path != SEND_PATH:
        return 422, "email_not_found"  # vectors never prepare, so no emailRef exists
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return 422, "invalid_content_type"
    body = _json_object(request.body) if request.body.strip() else None
    if body is None:
        return 422, "invalid_json"
    sender = body.get("senderEmail")
    if sender in (None, ""):
        return 422, "sender_email_required"
    if not isinstance(sender, str) or not _ADDRESS.fullmatch(sender.strip()):
        return 422, "sender_email_invalid"
    if sender.strip().rsplit("@", 1)[1].lower() != DOMAIN:
        return 422, "sender_domain_not_allowed"
    everyone = []
    for name in ("emailToList", "emailCcList", "emailBccList"):
        value = body.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return 422, "invalid_recipients"
        items = [item.strip() for item in value.split(";") if item.strip()]
        if not all(_ADDRESS.fullmatch(item) for item in items):
            return 422, "invalid_recipients"
        everyone += items
    if not everyone:
        return 422, "no_recipients"
    if any(body.get(name) is not None and not isinstance(body.get(name), str) for name in ("emailSubject", "emailBody")):
        return 422, "invalid_request"
    return 200, None


# --- the generator ----------------------------------------------------------------------------

class StayPrivateGenerator:
    provider_id = PROVIDER
    version = "1"
    default_seed = 20261205

    def generate(self, seed: int) -> list[VectorFile]:
        rng = random.Random(seed)
        header = generator_header(__name__, self.version, seed)
        keys_note = ("keys: the public test key pairs in mockservers/providers/stayprivate/test_keys.py "
                     "(DEFAULT = the mock's default company, OTHER = registered nowhere)")
        own_provenance = ("Generated by sealmail (python -m sealmail vectors generate --provider stayprivate) from the seed's rules "
                          f"and the fidelity notes; signatures with pycryptodome; {keys_note}.")
        files = [
            VectorFile("jwt_auth", PROVIDER, "RS256-family JWT bearer auth (iss = company API id, exp required), "
                       "POST /1.0/emails/send", header, own_provenance, NOTES,
                       number_tests(self._auth_groups(rng))),
            VectorFile("send_rules", PROVIDER, "One-call send body rules behind a valid RS256 token", header, own_provenance,
                       NOTES, number_tests(self._send_groups(rng))),
            VectorFile("wycheproof_jws", PROVIDER, "JWS layer (compact form, header policy, RSA signature) with the group key "
                       "as the registered company key", header,
                       f"{wycheproof.SOURCE}: json_web_signature_test.json, every group, relabelled by StayPrivate's rules "
                       "(see notes); no request: the keys are not the mock's default company key.",
                       NOTES, number_tests([self._wycheproof_jws()])),
            VectorFile("wycheproof_jwk", PROVIDER, "Company key registration (RSA >= 2048 bits) and the token's JWS layer",
                       header, f"{wycheproof.SOURCE}: json_web_key_test.json, every group, relabelled by StayPrivate's rules.",
                       NOTES, number_tests([self._wycheproof_jwk()])),
            VectorFile("wycheproof_rsa_pkcs1_sha256", PROVIDER, "RSASSA-PKCS1-v1_5 with SHA-256: the RS256 primitive", header,
                       f"{wycheproof.SOURCE}: rsa_signature_2048_sha256_test.json, every group; 'acceptable' relabelled invalid.",
                       NOTES, number_tests([self._wycheproof_rsa()])),
        ]
        for vector_file in files:
            vector_file.notes = {k: v for k, v in NOTES.items() if any(k in t.flags for t in vector_file.tests())}
        return files

    # -- own cases ---------------------------------------------------------------------------
    def _base(self, rng: random.Random) -> int:
        return 1_800_000_000 + rng.randrange(10_000_000)

    def _request(self, token: str | None, *, body: bytes | None = None, company: str | None = COMPANY,
                 scheme: str = "Bearer", content_type: str | None = "application/json", path: str = SEND_PATH,
                 subject: str = "Vector") -> WireRequest:
        headers: dict[str, str] = {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        if company is not None:
            headers["SP-Company-Api-Id"] = company
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}".rstrip()
        if body is None:
            payload = {"senderEmail": SENDER, "emailSubject": subject, "emailToList": "recipient@example.org"}
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return WireRequest("POST", path, headers, body)

    def _auth_groups(self, rng: random.Random) -> list[TestGroup]:
        def claims(now: int, **changes: Any) -> dict[str, Any]:
            base: dict[str, Any] = {"iss": COMPANY, "iat": now - 5, "exp": now + 300}
            base.update(changes)
            return {k: v for k, v in base.items() if v is not None}

        def case(comment: str, flags: list[str], make: Callable[[int], str | None], *, expected: dict[str, Any] | None = None,
                 clock_offset_s: int = 0, **request: Any) -> VectorTest:
            now = self._base(rng)
            token = make(now)
            wire = self._request(token, subject=f"Vector: {comment}", **request)
            status, code = judge_request(wire, (now + clock_offset_s) * 1000)
            wanted = expected or expect(200)
            if (status, code) != (wanted["status"], wanted["error_code"]):
                raise AssertionError(f"generator inconsistency in {comment!r}: rules say {status} {code}, case says {wanted}")
            inputs: dict[str, Any] = {"token": token, "server_time_s": now + clock_offset_s}
            parts = (token or "").split(".")
            if len(parts) == 3:
                for name, part in (("header", parts[0]), ("claims", parts[1])):
                    raw = b64u_canonical(part)
                    decoded = _safe_json(raw) if raw is not None else None
                    if decoded is not None:
                        inputs[name] = decoded
            return VectorTest(0, comment, flags, inputs, wire, "valid" if status == 200 else "invalid", wanted,  # type: ignore[arg-type]
                              clock_ms=(now + clock_offset_s) * 1000)

        deny = expect(401, UNAUTHORISED)
        rs256 = {"alg": "RS256", "typ": "JWT"}

        valid = TestGroup("valid", "Tokens StayPrivate accepts", [
            case("RS256, typ JWT, iss/iat/exp", ["Valid"], lambda t: signed(rs256, claims(t), rng)),
            case("RS256 without typ or iat", ["Valid"], lambda t: signed({"alg": "RS256"}, claims(t, iat=None), rng)),
            *[case(f"{alg}", ["Valid", "OtherRsaAlgorithm"], lambda t, a=alg: signed({"alg": a, "typ": "JWT"}, claims(t), rng))
              for alg in ("RS384", "RS512", "PS256", "PS384", "PS512")],
            case("kid names a key that does not exist", ["Valid", "KidIgnored"],
                 lambda t: signed({"alg": "RS256", "kid": "no-such-key"}, claims(t), rng)),
            case("exp 1 s inside the leeway", ["Valid", "Leeway"], lambda t: signed(rs256, claims(t, exp=t - LEEWAY_S + 1), rng)),
            case("nbf at the edge of the leeway", ["Valid", "Leeway"], lambda t: signed(rs256, claims(t, nbf=t + LEEWAY_S), rng)),
            case("extra claims and non-ASCII text", ["Valid", "ExtraClaims"],
                 lambda t: signed(rs256, claims(t, sub="Zoë 李", aud="https://api.stayprivate.com", jti=rng.randbytes(8).hex()), rng)),
            case("exp with a fraction", ["Valid", "NumericDate"], lambda t: signed(rs256, claims(t, exp=t + 299.5), rng)),
            case("lower-case bearer scheme", ["Valid", "SchemeCase"], lambda t: signed(rs256, claims(t), rng), scheme="bearer"),
        ])
        algorithm = TestGroup("algorithm", "alg none, key confusion and algorithms outside the RSA family", [
            *[case(f"alg {spelling!r} without a signature", ["AlgNone"], lambda t, s=spelling: compact({"alg": s, "typ": "JWT"}, claims(t)) + ".",
                   expected=deny) for spelling in ("none", "None", "NONE", "nOnE")],
            case("alg none with an RS256 signature kept", ["AlgNone"],
                 lambda t: compact({"alg": "none"}, claims(t)) + "." + signed(rs256, claims(t), rng).rsplit(".", 1)[1], expected=deny),
            *[case(f"{alg} keyed with the public key PEM", ["KeyConfusion"],
                   lambda t, a=alg: hmac_signed({"alg": a, "typ": "JWT"}, claims(t), PUBLIC_PEM.encode()), expected=deny)
              for alg in ("HS256", "HS384", "HS512")],
            case("HS256 keyed with the public key DER", ["KeyConfusion"],
                 lambda t: hmac_signed({"alg": "HS256"}, claims(t), DEFAULT_KEY.public_key().export_key("DER")), expected=deny),
            case("no alg", ["AlgMissing"], lambda t: signed({"typ": "JWT"}, claims(t), rng, alg="RS256"), expected=deny),
            case("alg ES256", ["AlgNotAllowed"], lambda t: compact({"alg": "ES256"}, claims(t)) + "." + b64u(rng.randbytes(64)),
                 expected=deny),
            case("alg rs256 in lower case", ["AlgNotAllowed"], lambda t: signed({"alg": "rs256"}, claims(t), rng, alg="RS256"),
                 expected=deny),
            case("alg as a list", ["AlgNotAllowed"], lambda t: signed({"alg": ["RS256"]}, claims(t), rng, alg="RS256"), expected=deny),
        ])
        other_public = {"kty": "RSA", "n": b64u(OTHER_KEY.n.to_bytes(256, "big")), "e": "AQAB"}
        own_public = {"kty": "RSA", "n": b64u(DEFAULT_KEY.n.to_bytes(256, "big")), "e": "AQAB"}
        header = TestGroup("header", "Header parameters StayPrivate refuses", [
            case("jwk of an attacker key, signed with it", ["EmbeddedKey"],
                 lambda t: signed({"alg": "RS256", "jwk": other_public}, claims(t), rng, key=OTHER_KEY), expected=deny),
            case("jwk of the registered key itself", ["EmbeddedKey"],
                 lambda t: signed({"alg": "RS256", "jwk": own_public}, claims(t), rng), expected=deny),
            case("jku", ["EmbeddedKey"], lambda t: signed({"alg": "RS256", "jku": "https://attacker.example/jwks.json"}, claims(t), rng),
                 expected=deny),
            case("x5u", ["EmbeddedKey"], lambda t: signed({"alg": "RS256", "x5u": "https://attacker.example/c.pem"}, claims(t), rng),
                 expected=deny),
            case("x5c", ["EmbeddedKey"], lambda t: signed({"alg": "RS256", "x5c": [base64.b64encode(rng.randbytes(64)).decode()]},
                                                           claims(t), rng), expected=deny),
            case("crit names an unknown extension", ["Crit"],
                 lambda t: signed({"alg": "RS256", "crit": ["http://example.com/ext"], "http://example.com/ext": True}, claims(t), rng),
                 expected=deny),
            case("b64 false with crit (RFC 7797)", ["Crit"],
                 lambda t: signed({"alg": "RS256", "b64": False, "crit": ["b64"]}, claims(t), rng), expected=deny),
            case("alg repeated in the header", ["DuplicateMember"],
                 lambda t: signed(b'{"alg":"none","alg":"RS256"}', claims(t), rng, alg="RS256"), expected=deny),
        ])

        def tamper_claims(t: int) -> str:
            head, _, sig = signed(rs256, claims(t), rng).split(".")
            return f"{head}.{compact(rs256, claims(t, exp=t + 86_400)).split('.')[1]}.{sig}"

        def tamper_header(t: int) -> str:
            _, body, sig = signed(rs256, claims(t), rng).split(".")
            return f"{b64u(json.dumps({'alg': 'RS256', 'typ': 'JWT', 'kid': 'x'}, separators=(',', ':')).encode())}.{body}.{sig}"

        def flip_bit(t: int) -> str:
            head, body, sig = signed(rs256, claims(t), rng).split(".")
            raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
            return f"{head}.{body}.{b64u(bytes(raw))}"

        def noncanonical(t: int) -> str:
            head, body, sig = signed(rs256, claims(t), rng).split(".")
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            return f"{head}.{body}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) | 1]}"

        def padded(t: int) -> str:
            head, body, sig = signed(rs256, claims(t), rng).split(".")
            return f"{head}.{body}.{sig}=="

        def standard_alphabet(t: int) -> str:
            for _ in range(64):
                token = signed(rs256, claims(t, jti=rng.randbytes(4).hex()), rng)
                head, body, sig = token.split(".")
                if "-" in sig or "_" in sig:
                    return f"{head}.{body}.{sig.replace('-', '+').replace('_', '/')}"
            raise AssertionError("no signature with - or _ in 64 tries")

        def pss_under_rs256(t: int) -> str:
            signing_input = compact(rs256, claims(t))
            return f"{signing_input}.{b64u(rsa_sign('PS256', DEFAULT_KEY, signing_input.encode(), rng))}"

        signature = TestGroup("signature", "Wrong key, tampering, encodings", [
            case("signed with another RSA key", ["WrongKey"], lambda t: signed(rs256, claims(t), rng, key=OTHER_KEY), expected=deny),
            case("claims changed after signing", ["Tampered"], tamper_claims, expected=deny),
            case("header changed after signing", ["Tampered"], tamper_header, expected=deny),
            case("one signature bit flipped", ["Tampered"], flip_bit, expected=deny),
            case("signature cut short", ["Tampered"], lambda t: signed(rs256, claims(t), rng)[:-4], expected=deny),
            case("empty signature", ["MissingSignature"], lambda t: compact(rs256, claims(t)) + ".", expected=deny),
            case("signature with a non-canonical last character", ["Encoding"], noncanonical, expected=deny),
            case("signature with base64 padding", ["Encoding"], padded, expected=deny),
            case("signature in the standard base64 alphabet", ["Encoding"], standard_alphabet, expected=deny),
            case("PS256 signature under alg RS256", ["WrongPrimitive"], pss_under_rs256, expected=deny),
        ])
        claims_group = TestGroup("claims", "Claim rules (read only after the signature verified)", [
            case("expired exactly at the leeway", ["Expired"], lambda t: signed(rs256, claims(t, exp=t - LEEWAY_S), rng), expected=deny),
            case("expired a day ago", ["Expired"], lambda t: signed(rs256, claims(t, iat=t - 90_000, exp=t - 86_400), rng), expected=deny),
            case("no exp", ["MissingClaim"], lambda t: signed(rs256, claims(t, exp=None), rng), expected=deny),
            case("no iss", ["MissingClaim"], lambda t: signed(rs256, claims(t, iss=None), rng), expected=deny),
            case("iss is another company", ["WrongIssuer"], lambda t: signed(rs256, claims(t, iss="another-company"), rng), expected=deny),
            case("iss differs in letter case", ["WrongIssuer"], lambda t: signed(rs256, claims(t, iss=COMPANY.upper()), rng), expected=deny),
            case("nbf beyond the leeway", ["NotYetValid"], lambda t: signed(rs256, claims(t, nbf=t + LEEWAY_S + 1), rng), expected=deny),
            case("iat an hour ahead", ["NotYetValid"], lambda t: signed(rs256, claims(t, iat=t + 3600, exp=t + 3900), rng), expected=deny),
            case("exp as a string", ["NumericDate"], lambda t: signed(rs256, claims(t, exp=str(t + 300)), rng), expected=deny),
            case("exp as true", ["NumericDate"], lambda t: signed(rs256, claims(t, exp=True), rng), expected=deny),
            case("claims are a JSON array", ["NotJson"], lambda t: signed(rs256, b'["iss","exp"]', rng), expected=deny),
            case("claims are not JSON", ["NotJson"], lambda t: signed(rs256, b"iss=sealmail-test-company", rng), expected=deny),
            case("iss repeated in the claims", ["DuplicateMember"],
                 lambda t: signed(rs256, f'{{"iss":"x","iss":"{COMPANY}","exp":{t + 300}}}'.encode(), rng), expected=deny),
        ])
        structure = TestGroup("structure", "Tokens that are not a compact JWS, and missing headers", [
            case("two segments", ["Structure"], lambda t: compact(rs256, claims(t)), expected=deny),
            case("four segments", ["Structure"], lambda t: signed(rs256, claims(t), rng) + ".AAAA", expected=deny),
            case("JSON serialization", ["Structure"],
                 lambda t: json.dumps({"protected": compact(rs256, claims(t)).split(".")[0], "payload": compact(rs256, claims(t)).split(".")[1],
                                       "signature": signed(rs256, claims(t), rng).split(".")[2]}, separators=(",", ":")), expected=deny),
            case("no SP-Company-Api-Id", ["MissingHeader"], lambda t: signed(rs256, claims(t), rng), company=None,
                 expected=expect(401, MISSING)),
            case("no Authorization", ["MissingHeader"], lambda t: None, expected=expect(401, MISSING)),
            case("Basic instead of Bearer", ["MissingHeader"], lambda t: signed(rs256, claims(t), rng), scheme="Basic",
                 expected=expect(401, MISSING)),
            case("unknown company (token iss matches it)", ["UnknownCompany"],
                 lambda t: signed(rs256, claims(t, iss="unknown-company"), rng), company="unknown-company", expected=deny),
        ])
        return [valid, algorithm, header, signature, claims_group, structure]

    def _send_groups(self, rng: random.Random) -> list[TestGroup]:
        def case(comment: str, flags: list[str], body: Any, expected: dict[str, Any], *, content_type: str | None = "application/json",
                 path: str = SEND_PATH) -> VectorTest:
            now = self._base(rng)
            token = signed({"alg": "RS256", "typ": "JWT"}, {"iss": COMPANY, "iat": now, "exp": now + 300}, rng)
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode("utf-8")
            wire = self._request(token, body=raw, content_type=content_type, path=path)
            status, code = judge_request(wire, now * 1000)
            if (status, code) != (expected["status"], expected["error_code"]):
                raise AssertionError(f"generator inconsistency in {comment!r}: rules say {status} {code}, case says {expected}")
            inputs = {"body": _safe_json(raw) if _safe_json(raw) is not None else raw.decode("utf-8", errors="replace")}
            return VectorTest(0, comment, flags, inputs, wire, "valid" if status == 200 else "invalid", expected,  # type: ignore[arg-type]
                              clock_ms=now * 1000)

        def body(**changes: Any) -> dict[str, Any]:
            base: dict[str, Any] = {"senderEmail": SENDER, "emailSubject": "Rules ✓", "emailBody": "<p>Grüße 李</p>",
                                    "emailToList": "ann@example.org;bob@example.net"}
            base.update(changes)
            return {k: v for k, v in base.items() if v is not None}

        ok = expect(200)
        return [TestGroup("send", "One-call send bodies", [
            case("to, cc and bcc lists with non-ASCII text", ["Valid"], body(emailCcList="cy@example.org", emailBccList="dee@example.org"), ok),
            case("spaces around addresses", ["Valid"], body(emailToList=" ann@example.org ; bob@example.net "), ok),
            case("trailing semicolon", ["Valid", "EmptyListItem"], body(emailToList="ann@example.org;"), ok),
            case("bcc only", ["Valid"], body(emailToList=None, emailBccList="dee@example.org"), ok),
            case("the seed's send example, brace missing", ["SeedExample", "Json"],
                 b'"senderEmail":"sender@example.com", "emailSubject":"<email subject>", "emailBody":"<email body>", '
                 b'"emailToList":"ann@example.org", "emailBccList":"dee@example.org"}', expect(422, "invalid_json")),
            case("empty body", ["Json"], b"", expect(422, "invalid_json")),
            case("JSON array", ["Json"], [body()], expect(422, "invalid_json")),
            case("text/plain content type", ["ContentType"], body(), expect(422, "invalid_content_type"), content_type="text/plain"),
            case("form-encoded content type", ["ContentType"], body(), expect(422, "invalid_content_type"),
                 content_type="application/x-www-form-urlencoded"),
            case("no senderEmail", ["Sender"], body(senderEmail=None), expect(422, "sender_email_required")),
            case("senderEmail not an address", ["Sender"], body(senderEmail="sender"), expect(422, "sender_email_invalid")),
            case("senderEmail at another domain", ["Sender"], body(senderEmail="sender@example.net"), expect(422, "sender_domain_not_allowed")),
            case("comma-separated list", ["AddressList"], body(emailToList="ann@example.org,bob@example.net"), expect(422, "invalid_recipients")),
            case("display name", ["AddressList"], body(emailCcList="Cy <cy@example.org>"), expect(422, "invalid_recipients")),
            case("obfuscated address from the seed's web page", ["AddressList"], body(emailBccList="[email protected]"),
                 expect(422, "invalid_recipients")),
            case("list as a JSON array", ["AddressList"], body(emailToList=["ann@example.org"]), expect(422, "invalid_recipients")),
            case("no recipients", ["NoRecipients"], body(emailToList=None), expect(422, "no_recipients")),
            case("only empty list items", ["NoRecipients", "EmptyListItem"], body(emailToList=" ; ;"), expect(422, "no_recipients")),
            case("subject is a number", ["FieldType"], body(emailSubject=42), expect(422, "invalid_request")),
            case("send of an emailRef never issued", ["UnknownReference"], {"emailToList": "ann@example.org"},
                 expect(422, "email_not_found"), path="/1.0/emails/00000000-0000-4000-8000-000000000000/send"),
        ])]

    # -- Wycheproof -------------------------------------------------------------------------------
    def _wycheproof_jws(self) -> TestGroup:
        tests = []
        for group, case in wycheproof.cases("json_web_signature_test"):
            jwk = _public_jwk(group)
            key = rsa_key_from_jwk(jwk)
            token = case["jws"]
            ours = jws_layer_ok(token, key.public_key() if key is not None else None)
            flags = ["Wycheproof"] + _relabel_flags(group, jwk, token, ours, case["result"])
            inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                      "wycheproof_group": group.get("comment", ""), "public_jwk": jwk, "jws": token}
            tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None,
                                    "valid" if ours else "invalid", {"jws_layer": "accept" if ours else "reject"}))
        return TestGroup("wycheproof", "The group's key registered as the company key; valid = the JWS layer accepts", tests)

    def _wycheproof_jwk(self) -> TestGroup:
        tests = []
        for group, case in wycheproof.cases("json_web_key_test"):
            keys = (group.get("public") or group.get("private") or {})
            keys = keys.get("keys", [keys]) if isinstance(keys, dict) else []
            jwk = _public_part(keys[0]) if len(keys) == 1 else None
            key = rsa_key_from_jwk(jwk)
            ours = jws_layer_ok(case["jws"], key.public_key() if key is not None else None)
            flags = ["Wycheproof"] + _relabel_flags(group, jwk, case["jws"], ours, case["result"], keyset_size=len(keys))
            inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                      "wycheproof_group": group.get("comment", ""), "public_jwk": jwk, "registrable": key is not None,
                      "jws": case["jws"]}
            tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None,
                                    "valid" if ours else "invalid", {"jws_layer": "accept" if ours else "reject"}))
        return TestGroup("wycheproof", "Register the key set's single key (if StayPrivate can), then judge the token", tests)

    def _wycheproof_rsa(self) -> TestGroup:
        tests = []
        for group, case in wycheproof.cases("rsa_signature_2048_sha256_test"):
            ours = case["result"] == "valid"
            flags = ["Wycheproof"] + (["AcceptableRejected"] if case["result"] == "acceptable" else [])
            inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                      "public_key_pem": group["publicKeyPem"], "msg_hex": case["msg"], "sig_hex": case["sig"]}
            tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None,
                                    "valid" if ours else "invalid", {"signature": "valid" if ours else "invalid"}))
        return TestGroup("wycheproof", "RSASSA-PKCS1-v1_5 SHA-256 verification, strict", tests)

    # -- independent verification ------------------------------------------------------------------
    def verify(self, vector_file: VectorFile) -> list[str]:
        problems = []
        for test in vector_file.tests():
            problem = self._verify_one(vector_file.name, test)
            if problem:
                problems.append(f"tcId {test.tcId} ({test.comment}): {problem}")
        return problems

    def _verify_one(self, name: str, test: VectorTest) -> str | None:
        if name in {"jwt_auth", "send_rules"}:
            if test.request is None:
                return "no request"
            status, code = judge_request(test.request, test.clock_ms)
            if (status, code) != (test.expected.get("status"), test.expected.get("error_code")):
                return f"rules give {status} {code}, vector expects {test.expected}"
            return _result_matches(test, status == 200)
        if name == "wycheproof_rsa_pkcs1_sha256":
            key = RSA.import_key(test.inputs["public_key_pem"])
            ok = key.size_in_bits() >= MIN_BITS and rsa_verify("RS256", key, bytes.fromhex(test.inputs["msg_hex"]),
                                                               bytes.fromhex(test.inputs["sig_hex"]))
            if ok != (test.inputs["wycheproof_result"] == "valid"):
                return f"pycryptodome says {ok}, Wycheproof says {test.inputs['wycheproof_result']}"
            if test.expected.get("signature") != ("valid" if ok else "invalid"):
                return f"expected {test.expected} disagrees with the signature check"
            return _result_matches(test, ok)
        key = rsa_key_from_jwk(test.inputs.get("public_jwk"))
        ok = jws_layer_ok(test.inputs["jws"], key.public_key() if key is not None else None)
        if name == "wycheproof_jwk" and test.inputs.get("registrable") != (key is not None):
            return f"registrable is {test.inputs.get('registrable')}, the key rules say {key is not None}"
        if test.expected.get("jws_layer") != ("accept" if ok else "reject"):
            return f"expected {test.expected} disagrees with the JWS layer ({ok})"
        if (test.inputs["wycheproof_result"] == "valid") != ok and not set(test.flags) & RELABEL_FLAGS:
            return f"differs from Wycheproof ({test.inputs['wycheproof_result']}) without a relabel flag"
        return _result_matches(test, ok)

    def error_code(self, status: int, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code")
        return None


RELABEL_FLAGS = frozenset({"HmacRefused", "NotRsaKey", "KeyTooSmall", "KeyMetadataIgnored", "RocaNotScreened", "JsonSerialization"})


def _result_matches(test: VectorTest, ok: bool) -> str | None:
    return None if test.result == ("valid" if ok else "invalid") else f"result {test.result!r}, the rules say {'valid' if ok else 'invalid'}"


def _safe_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _public_part(jwk: Any) -> Any:
    if not isinstance(jwk, dict):
        return None
    private = {"d", "p", "q", "dp", "dq", "qi", "oth"}
    if jwk.get("kty") == "oct":
        return dict(jwk)
    return {k: v for k, v in jwk.items() if k not in private}


def _public_jwk(group: dict[str, Any]) -> Any:
    return group.get("public") or _public_part(group.get("private"))


def _token_alg(token: Any) -> Any:
    if not isinstance(token, str):
        return None
    raw = b64u_canonical(token.split(".")[0])
    header = _json_object(raw) if raw is not None else None
    return header.get("alg") if header else None


def _relabel_flags(group: dict[str, Any], jwk: Any, token: Any, ours: bool, theirs: str, *, keyset_size: int = 1) -> list[str]:
    """Why StayPrivate's verdict may differ from Wycheproof's; raises on an unexplained difference."""
    flags = []
    alg = _token_alg(token)
    if isinstance(alg, str) and alg.upper().startswith("HS"):
        flags.append("HmacRefused")
    kty = jwk.get("kty") if isinstance(jwk, dict) else None
    if keyset_size != 1 or kty != "RSA" or (kty == "RSA" and rsa_key_from_jwk(jwk) is None and not _small_rsa(jwk)):
        flags.append("NotRsaKey")
    if _small_rsa(jwk):
        flags.append("KeyTooSmall")
    if not isinstance(token, str):
        flags.append("JsonSerialization")
    if ours and theirs != "valid":
        if "roca" in str(group.get("comment", "")).lower():
            flags.append("RocaNotScreened")
        elif isinstance(jwk, dict) and (jwk.get("use") == "enc" or "key_ops" in jwk or (jwk.get("alg") not in (None, alg))):
            flags.append("KeyMetadataIgnored")
        else:
            raise AssertionError(f"unexplained relabel to valid: {group.get('comment')} {token!r:.60}")
    if not ours and theirs == "valid" and not set(flags) & RELABEL_FLAGS:
        raise AssertionError(f"unexplained relabel to invalid: {group.get('comment')} {token!r:.60}")
    return flags


def _small_rsa(jwk: Any) -> bool:
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(jwk.get("n"), str):
        return False
    try:
        n = int.from_bytes(base64.urlsafe_b64decode(jwk["n"] + "=" * (-len(jwk["n"]) % 4)), "big")
    except (binascii.Error, ValueError):
        return False
    return n.bit_length() < MIN_BITS


GENERATOR = StayPrivateGenerator()
