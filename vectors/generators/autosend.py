"""autosend vectors: JWE-encrypted requests (RSA-OAEP-256 + A256GCM, seed 001), decrypt direction.

Four files:

- ``jwe_requests``: sealmail's own cases, each a complete wire request to the
  mock with its documented default API key and default key ``key_2026_06``;
  ``inputs`` carry that key's private JWK, the protected header, the CEK, the
  IV and the expected plaintext, so any implementation can re-derive the verdict.
- ``wycheproof_jwe``: every case of Wycheproof ``json_web_encryption_test.json``,
  relabelled by AutoSend's rules (anything but compact RSA-OAEP-256 + A256GCM is
  refused, even where Wycheproof says valid) and sent as an AutoSend request.
  The one Wycheproof-valid RSA-OAEP-256/A256GCM token has its CEK re-wrapped
  for the mock's key (the rest of the token unchanged) so the mock can open it.
- ``wycheproof_rsa_oaep``: every Wycheproof RSA-OAEP-2048-SHA-256 ciphertext used
  as a JWE encrypted key under Wycheproof's own key. No wire request (the mock
  does not hold that key); import ``inputs.private_jwk`` with
  ``POST /__mock__/keys/import`` to replay them, as tests/vectors/test_autosend_vectors.py does.
- ``wycheproof_jwks``: the Wycheproof JWK sets, judged as AutoSend JWKS entries
  (is the key usable for RSA-OAEP-256 encryption?), for client-side key checks.

Determinism: every CEK, IV and payload comes from ``random.Random(seed)``, and
every key-wrapping seed (RSA-OAEP's, RSA1_5's padding) from a second stream of the
same seed, through pycryptodome's ``randfunc``: the same seed gives the same bytes,
encrypted keys included. The verifier checks that each encrypted key unwraps to
``inputs.cek_hex``.

Verification (:meth:`AutoSendGenerator.verify`) is independent of the mock's
code: the standard library for structure, pycryptodome for RSA-OAEP and AES-GCM,
and joserfc (another JOSE library) for the cases that must decrypt.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import zlib
from functools import cache
from typing import Any, Callable

from ..schema import TestGroup, VectorFile, VectorTest, WireRequest, expect, generator_header, number_tests
from .. import wycheproof

PROVIDER = "autosend"
API_KEY = "AS_sealmail_autosend_test_key"
"""The mock's documented default API key (mockservers/providers/autosend/spec.py)."""
KID = "key_2026_06"
"""The mock's default (and only default) key id."""
KNOWN_KIDS = frozenset({KID})
CONTACT_PATH = "/v1/contacts/email"
SEND_PATH = "/v1/mails/send"
BULK_PATH = "/v1/mails/bulk"
ALG, ENC = "RSA-OAEP-256", "A256GCM"
KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")
SEGMENTS = ("protected", "encrypted_key", "iv", "ciphertext", "tag")
WYCHEPROOF_OAEP_KID = "wycheproof-rsa-oaep-2048-sha256"

NOTES = {
    "Valid": "A correct encrypted request: the mock answers 200 and stores the decrypted payload.",
    "Unicode": "Payload with non-ASCII text (UTF-8 JSON).",
    "LargePayload": "Plaintext of tens of kilobytes.",
    "KidInHeader": "The kid is only in the JWE protected header (no X-Key-Id).",
    "KidInXKeyId": "The kid is only in X-Key-Id (none in the protected header).",
    "NoEncryptionHeader": "encryptedData without X-Payload-Encryption: decrypted anyway (seed FAQ).",
    "WrongAlg": "alg other than RSA-OAEP-256: one uniform DECRYPTION_FAILED.",
    "WrongEnc": "enc other than A256GCM: one uniform DECRYPTION_FAILED.",
    "Tampered": "A part of a valid token changed: DECRYPTION_FAILED, never which part.",
    "WrongKey": "Encrypted to a key that is not the named one.",
    "Kid": "Key id missing, unknown, empty or inconsistent: UNKNOWN_KEY_ID.",
    "HeaderParameter": "zip, crit or a key-carrying header (jwk, jku, x5u): refused, DECRYPTION_FAILED.",
    "Malformed": "Not a JWE compact string in an encryptedData envelope: INVALID_JWE.",
    "NotJson": "The JWE decrypts, but the plaintext is not a JSON object: INVALID_JSON.",
    "Schema": "The JWE decrypts to JSON that is not a valid payload: VALIDATION_FAILED.",
    "Auth": "Missing or wrong API key: 401 before anything is decrypted.",
    "Wycheproof": "Case from Wycheproof (inputs keep its tcId, result, flags and values).",
    "Relabelled": "Wycheproof says valid, AutoSend's rules say invalid (other alg/enc/serialization).",
    "Rewrapped": "The Wycheproof token's CEK re-wrapped with RSA-OAEP-256 for the mock's key; other segments unchanged.",
    "Label": "OAEP ciphertext made with a non-empty label: JWE uses none, so it does not unwrap.",
    "CekLength": "OAEP plaintext that is not a 32-byte CEK for A256GCM.",
    "InvalidOaep": "Wycheproof InvalidOaepPadding or InvalidCiphertext case.",
    "UsableKey": "A JWKS entry AutoSend clients may encrypt to (RSA >= 2048, RSA-OAEP-256, use enc).",
    "UnusableKey": "A JWKS entry a client must not encrypt to (type, alg, use, size or exponent).",
}


# --- small encodings (standard library) ----------------------------------------------------------

def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")



OK = expect(200)
DECRYPTION_FAILED = expect(400, "DECRYPTION_FAILED")
INVALID_JWE = expect(400, "INVALID_JWE")
UNKNOWN_KEY_ID = expect(400, "UNKNOWN_KEY_ID")
INVALID_JSON = expect(400, "INVALID_JSON")
VALIDATION_FAILED = expect(400, "VALIDATION_FAILED")
UNAUTHORIZED = expect(401, "UNAUTHORIZED")


def _headers(kid: str | None = KID, *, encryption: str | None = "jwe", auth: str | None = f"Bearer {API_KEY}") -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    if encryption is not None:
        headers["X-Payload-Encryption"] = encryption
    if kid is not None:
        headers["X-Key-Id"] = kid
    return headers


def _envelope(token: Any) -> bytes:
    return json.dumps({"encryptedData": token}).encode("utf-8")


# --- keys used by the generator (mock fixtures; jwcrypto objects only at generation) ---------------

def _fixed_jwk(index: int, kid: str) -> dict[str, str]:
    from sealmail.mockservers.providers.autosend.keys import default_supply

    exported = default_supply().key(index).export_private(as_dict=True)
    return {name: exported[name] for name in ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")} | {"kid": kid}


def _wrap(alg: str, jwk: dict[str, str], cek: bytes, seeds: random.Random) -> bytes:
    """RFC 7518 4.2/4.3 key wrapping with the padding seed drawn from ``seeds`` (pycryptodome's ``randfunc``)."""
    from Crypto.Cipher import PKCS1_OAEP, PKCS1_v1_5
    from Crypto.Hash import SHA1, SHA256

    key = _rsa_public_from(jwk["n"], jwk["e"])
    if alg == "RSA1_5":
        return PKCS1_v1_5.new(key, randfunc=seeds.randbytes).encrypt(cek)
    hash_algo = {"RSA-OAEP-256": SHA256, "RSA-OAEP": SHA1}[alg]  # MGF1 uses the same hash (RFC 7518 4.3)
    return PKCS1_OAEP.new(key, hashAlgo=hash_algo, randfunc=seeds.randbytes).encrypt(cek)


@cache
def _rsa_public_from(n: str, e: str) -> Any:
    from Crypto.PublicKey import RSA

    return RSA.construct((int.from_bytes(_unb64u(n), "big"), int.from_bytes(_unb64u(e), "big")))


def _seal(header: dict[str, Any], plaintext: bytes, cek: bytes, iv: bytes, jwk: dict[str, str] | None, seeds: random.Random) -> str:
    """RFC 7516 5.1 with a fixed CEK and IV (sealmail.mockservers.crypto.jwe), the CEK wrapped reproducibly."""
    from jwcrypto.jwk import JWK

    from sealmail.mockservers.crypto.jwe import encrypt_compact_with

    public = JWK(**{k: jwk[k] for k in ("kty", "n", "e")}) if jwk is not None else None
    token = encrypt_compact_with(plaintext, public, header=header, cek=cek, iv=iv)
    return token if jwk is None else _replace(token, 1, _wrap(header["alg"], jwk, cek, seeds))


def _cbc_hmac_jwe(header: dict[str, Any], plaintext: bytes, jwk: dict[str, str], seeds: random.Random) -> str:
    """An AES-CBC-HMAC JWE (RFC 7518 5.2) with CEK and IV from ``seeds``: joserfc's content encryption."""
    from joserfc.jwe import JWERegistry

    enc = JWERegistry().get_enc(header["enc"])
    cek, iv = seeds.randbytes(enc.cek_size // 8), seeds.randbytes(enc.iv_size // 8)
    protected = _b64u(_compact_json(header))
    ciphertext, tag = enc.encrypt(plaintext, cek, iv, protected.encode("ascii"))
    return ".".join([protected, _b64u(_wrap(header["alg"], jwk, cek, seeds)), _b64u(iv), _b64u(ciphertext), _b64u(tag)])


def _replace(token: str, index: int, value: bytes | str) -> str:
    parts = token.split(".")
    parts[index] = value if isinstance(value, str) else _b64u(value)
    return ".".join(parts)


def _flip(token: str, index: int, position: int = 0) -> str:
    raw = bytearray(_unb64u(token.split(".")[index]))
    raw[position] ^= 0x01
    return _replace(token, index, bytes(raw))


# --- the generator ---------------------------------------------------------------------------------

class AutoSendGenerator:
    provider_id = PROVIDER
    version = "1"
    default_seed = 20261122

    def generate(self, seed: int) -> list[VectorFile]:
        rng = random.Random(seed)
        seeds = random.Random(f"{seed}/key-wrapping")  # its own stream: the payloads do not shift when wrapping changes
        header = generator_header(__name__, self.version, seed)
        mock_key = _fixed_jwk(0, KID)
        own = VectorFile(
            name="jwe_requests",
            provider=PROVIDER,
            mechanism="JWE compact, alg RSA-OAEP-256, enc A256GCM, in {\"encryptedData\": ...} with X-Payload-Encryption / X-Key-Id",
            generator=header,
            provenance="Generated by sealmail (python -m sealmail vectors generate --provider autosend) from the seed's rules, with the mock's "
                       "fixed default key key_2026_06 (private JWK in every case). CEKs, IVs, payloads and the RSA-OAEP seeds "
                       "come from the seed, so regeneration is byte-identical; the verifier checks each encrypted key unwraps "
                       "to inputs.cek_hex.",
            notes={k: v for k, v in NOTES.items() if k not in ("Wycheproof", "Relabelled", "Rewrapped", "Label", "CekLength",
                                                              "InvalidOaep", "UsableKey", "UnusableKey")},
            groups=number_tests(_own_groups(rng, seeds, mock_key)),
        )
        jwe_file = VectorFile(
            name="wycheproof_jwe",
            provider=PROVIDER,
            mechanism="Wycheproof JWE cases as AutoSend requests, relabelled: only compact RSA-OAEP-256 + A256GCM is acceptable",
            generator=header,
            provenance=f"{wycheproof.SOURCE}: json_web_encryption_test.json, all {len(list(wycheproof.cases('json_web_encryption_test')))} "
                       "cases. Tokens are sent unchanged (X-Key-Id key_2026_06 unless the token names its own kid), except "
                       "tcId 90 whose CEK is re-wrapped for the mock's key.",
            notes={k: NOTES[k] for k in ("Wycheproof", "Relabelled", "Rewrapped", "NotJson", "Malformed",
                                         "Kid", "WrongAlg", "WrongEnc", "HeaderParameter")},
            groups=number_tests([_wycheproof_jwe_group(seeds, mock_key)]),
        )
        oaep_file = VectorFile(
            name="wycheproof_rsa_oaep",
            provider=PROVIDER,
            mechanism="Wycheproof RSA-OAEP-2048 SHA-256/MGF1-SHA-256 ciphertexts as the encrypted key of an A256GCM JWE",
            generator=header,
            provenance=f"{wycheproof.SOURCE}: rsa_oaep_2048_sha256_mgf1sha256_test.json, all cases. Valid for AutoSend only "
                       "when Wycheproof says valid, the label is empty and the message is a 32-byte CEK. No wire request: "
                       f"import inputs.private_jwk (kid {WYCHEPROOF_OAEP_KID}) into the mock to replay.",
            notes={k: NOTES[k] for k in ("Wycheproof", "Valid", "Label", "CekLength", "InvalidOaep", "Relabelled")},
            groups=number_tests([_wycheproof_oaep_group(rng)]),
        )
        jwks_file = VectorFile(
            name="wycheproof_jwks",
            provider=PROVIDER,
            mechanism="JWKS entries judged as AutoSend encryption keys (client side: which key may a client encrypt to?)",
            generator=header,
            provenance=f"{wycheproof.SOURCE}: json_web_key_test.json key sets, each public key judged as an AutoSend JWKS "
                       "entry; RSA keys are also relabelled alg RSA-OAEP-256 / use enc to test size and exponent checks "
                       "(the ROCA key is left out: no library here detects ROCA).",
            notes={k: NOTES[k] for k in ("Wycheproof", "UsableKey", "UnusableKey")},
            groups=number_tests([_wycheproof_jwks_group()]),
        )
        return [own, jwe_file, oaep_file, jwks_file]

    # --- independent verification ------------------------------------------------------------
    def verify(self, vector_file: VectorFile) -> list[str]:
        problems = []
        for test in vector_file.tests():
            try:
                problem = _verify_one(vector_file.name, test)
            except Exception as error:  # a verifier crash is a disagreement, not a pass
                problem = f"verifier error {type(error).__name__}: {error}"
            if problem:
                problems.append(f"tcId {test.tcId} ({test.comment}): {problem}")
        return problems

    def error_code(self, status: int, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code")
        return None


# --- sealmail's own cases --------------------------------------------------------------------------

def _own_groups(rng: random.Random, seeds: random.Random, key: dict[str, str]) -> list[TestGroup]:
    other_key = _fixed_jwk(11, KID)  # a committed key the mock does not list by default
    first = ["Jane", "Zoë", "李", "Ólafur", "Amélie", "Søren"]

    def contact(**extra: Any) -> dict[str, Any]:
        return {"email": f"user{rng.randrange(10**6)}@example.com", "firstName": rng.choice(first), **extra}

    def mail(**extra: Any) -> dict[str, Any]:
        return {"to": {"email": f"to{rng.randrange(10**6)}@example.com", "name": rng.choice(first)},
                "from": {"email": "sender@example.com", "name": "Sealmail"}, "subject": f"Order {rng.randrange(10**5)}",
                "html": "<p>Hello {{name}}</p>", "dynamicData": {"name": rng.choice(first)}, **extra}

    def case(comment: str, flags: list[str], *, path: str = CONTACT_PATH, payload: Any = None, plaintext: bytes | None = None,
             header: dict[str, Any] | None = None, cek_size: int = 32, seal_with: dict[str, str] | None = None,
             mutate: Callable[[str], str] | None = None, request_headers: dict[str, str] | None = None,
             body: Callable[[str], bytes] | None = None, expected: dict[str, Any] = OK, result: str | None = None,
             library: bool = False) -> VectorTest:
        plain = plaintext if plaintext is not None else _compact_json(payload)
        protected = header if header is not None else {"alg": ALG, "enc": ENC, "kid": KID}
        cek, iv = rng.randbytes(cek_size), rng.randbytes(12)
        if library:
            token = _cbc_hmac_jwe(protected, plain, seal_with or key, seeds)
        else:
            token = _seal(protected, plain, cek, iv, None if protected["alg"] == "dir" else (seal_with or key), seeds)
        if mutate is not None:
            token = mutate(token)
        inputs: dict[str, Any] = {"kid": KID, "private_jwk": key, "header": protected, "plaintext": plain.decode("utf-8", "replace")}
        if plain != plain.decode("utf-8", "replace").encode("utf-8"):
            inputs["plaintext_hex"] = plain.hex()
        if payload is not None and expected["status"] == 200:
            inputs["payload"] = payload
        if not library:
            inputs["cek_hex"], inputs["iv_hex"] = cek.hex(), iv.hex()
        if body is not None:
            inputs["jwe"] = token  # the token before the envelope was broken; otherwise it is the body's encryptedData
        wire_body = body(token) if body is not None else _envelope(token)
        request = WireRequest("POST", path, request_headers if request_headers is not None else _headers(), wire_body)
        verdict = result or ("valid" if expected["status"] == 200 or expected["error_code"] in ("INVALID_JSON", "VALIDATION_FAILED") else "invalid")
        return VectorTest(0, comment, flags, inputs, request, verdict, expected)  # type: ignore[arg-type]

    no_kid = {"alg": ALG, "enc": ENC}
    valid = TestGroup("valid", "Correct requests: the mock decrypts, validates and stores them", [
        case("contact upsert, email only", ["Valid"], payload={"email": f"min{rng.randrange(10**6)}@example.com"}),
        case("contact with unicode names and custom fields", ["Valid", "Unicode"],
             payload=contact(lastName="Ægir-Ñúñez 🌍", userId="u_42", listIds=["l1", "l2"],
                             customFields={"plan": "pro", "seats": 3, "trial": False, "since": "2024-03-01"})),
        case("send mail", ["Valid"], path=SEND_PATH, payload=mail()),
        case("bulk mail to three recipients", ["Valid"], path=BULK_PATH,
             payload={"recipients": [{"email": f"r{i}@example.com", "dynamicData": {"n": i}} for i in range(3)],
                      "from": {"email": "sender@example.com"}, "subject": "Bulk", "text": "plain body"}),
        case("16 KiB html", ["Valid", "LargePayload"], path=SEND_PATH,
             payload=mail(html="".join(rng.choice("abcdefghij <>/p") for _ in range(16384)))),
        case("kid only in the protected header", ["Valid", "KidInHeader"], payload=contact(), request_headers=_headers(None)),
        case("kid only in X-Key-Id", ["Valid", "KidInXKeyId"], payload=contact(), header=no_kid),
        case("encryptedData without X-Payload-Encryption", ["Valid", "NoEncryptionHeader"], payload=contact(),
             request_headers=_headers(KID, encryption=None)),
    ])
    wrong_alg = TestGroup("alg", "Key management other than RSA-OAEP-256", [
        case("alg RSA1_5", ["WrongAlg"], payload=contact(), header={"alg": "RSA1_5", "enc": ENC, "kid": KID}, expected=DECRYPTION_FAILED),
        case("alg RSA-OAEP (SHA-1)", ["WrongAlg"], payload=contact(), header={"alg": "RSA-OAEP", "enc": ENC, "kid": KID}, expected=DECRYPTION_FAILED),
        case("alg dir", ["WrongAlg"], payload=contact(), header={"alg": "dir", "enc": ENC, "kid": KID}, expected=DECRYPTION_FAILED),
    ])
    wrong_enc = TestGroup("enc", "Content encryption other than A256GCM", [
        case("enc A128GCM", ["WrongEnc"], payload=contact(), header={"alg": ALG, "enc": "A128GCM", "kid": KID}, cek_size=16,
             expected=DECRYPTION_FAILED),
        case("enc A192GCM", ["WrongEnc"], payload=contact(), header={"alg": ALG, "enc": "A192GCM", "kid": KID}, cek_size=24,
             expected=DECRYPTION_FAILED),
        case("enc A128CBC-HS256", ["WrongEnc"], payload=contact(), header={"alg": ALG, "enc": "A128CBC-HS256", "kid": KID},
             library=True, expected=DECRYPTION_FAILED),
        case("enc A256CBC-HS512", ["WrongEnc"], payload=contact(), header={"alg": ALG, "enc": "A256CBC-HS512", "kid": KID},
             library=True, expected=DECRYPTION_FAILED),
    ])

    def reheader(new: dict[str, Any]) -> Callable[[str], str]:
        return lambda token: _replace(token, 0, _compact_json(new))

    def swap_key(token: str) -> str:
        donor = _seal({"alg": ALG, "enc": ENC, "kid": KID}, b"{}", rng.randbytes(32), rng.randbytes(12), key, seeds)
        return _replace(token, 1, donor.split(".")[1])

    tampered = TestGroup("tampered", "One part of a valid token changed: a single DECRYPTION_FAILED", [
        case("header members reordered (same meaning, other AAD)", ["Tampered"], payload=contact(),
             mutate=reheader({"kid": KID, "enc": ENC, "alg": ALG}), expected=DECRYPTION_FAILED),
        case("header member added", ["Tampered"], payload=contact(), mutate=reheader({"alg": ALG, "enc": ENC, "kid": KID, "typ": "JWE"}),
             expected=DECRYPTION_FAILED),
        case("encrypted key: first bit flipped", ["Tampered"], payload=contact(), mutate=lambda t: _flip(t, 1, 0), expected=DECRYPTION_FAILED),
        case("encrypted key: last bit flipped", ["Tampered"], payload=contact(), mutate=lambda t: _flip(t, 1, 255), expected=DECRYPTION_FAILED),
        case("encrypted key: 255 bytes", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 1, _unb64u(t.split(".")[1])[:255]),
             expected=DECRYPTION_FAILED),
        case("encrypted key: empty", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 1, b""), expected=DECRYPTION_FAILED),
        case("encrypted key from another token", ["Tampered"], payload=contact(), mutate=swap_key, expected=DECRYPTION_FAILED),
        case("IV: bit flipped", ["Tampered"], payload=contact(), mutate=lambda t: _flip(t, 2, 5), expected=DECRYPTION_FAILED),
        case("IV: 16 bytes", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 2, _unb64u(t.split(".")[2]) + bytes(4)),
             expected=DECRYPTION_FAILED),
        case("IV: empty", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 2, b""), expected=DECRYPTION_FAILED),
        case("ciphertext: bit flipped", ["Tampered"], payload=contact(), mutate=lambda t: _flip(t, 3, 3), expected=DECRYPTION_FAILED),
        case("ciphertext: last byte dropped", ["Tampered"], payload=contact(),
             mutate=lambda t: _replace(t, 3, _unb64u(t.split(".")[3])[:-1]), expected=DECRYPTION_FAILED),
        case("tag: bit flipped", ["Tampered"], payload=contact(), mutate=lambda t: _flip(t, 4, 15), expected=DECRYPTION_FAILED),
        case("tag: 15 bytes", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 4, _unb64u(t.split(".")[4])[:15]),
             expected=DECRYPTION_FAILED),
        case("tag: empty", ["Tampered"], payload=contact(), mutate=lambda t: _replace(t, 4, b""), expected=DECRYPTION_FAILED),
        case("encrypted to another key under the mock's kid", ["WrongKey"], payload=contact(), seal_with=other_key,
             expected=DECRYPTION_FAILED),
        case("CEK of 16 bytes with A256GCM", ["Tampered"], payload=contact(), cek_size=16, expected=DECRYPTION_FAILED),
    ])
    kid = TestGroup("kid", "Key id problems: UNKNOWN_KEY_ID", [
        case("unknown kid in header and X-Key-Id", ["Kid"], payload=contact(), header={"alg": ALG, "enc": ENC, "kid": "key_1999_01"},
             request_headers=_headers("key_1999_01"), expected=UNKNOWN_KEY_ID),
        case("no kid anywhere", ["Kid"], payload=contact(), header=no_kid, request_headers=_headers(None), expected=UNKNOWN_KEY_ID),
        case("X-Key-Id disagrees with the header kid", ["Kid"], payload=contact(), request_headers=_headers("key_2026_07"),
             expected=UNKNOWN_KEY_ID),
        case("X-Key-Id empty", ["Kid"], payload=contact(), request_headers=_headers(""), expected=UNKNOWN_KEY_ID),
    ])
    zipped = contact()
    params = TestGroup("header-parameters", "Header parameters AutoSend refuses", [
        case("zip DEF (deflated plaintext)", ["HeaderParameter"], payload=zipped,
             plaintext=zlib.compress(_compact_json(zipped), 9)[2:-4], header={"alg": ALG, "enc": ENC, "kid": KID, "zip": "DEF"},
             expected=DECRYPTION_FAILED),
        case("crit names an unknown extension", ["HeaderParameter"], payload=contact(),
             header={"alg": ALG, "enc": ENC, "kid": KID, "crit": ["exp"], "exp": 1767225600}, expected=DECRYPTION_FAILED),
        case("jku points to another key set", ["HeaderParameter"], payload=contact(),
             header={"alg": ALG, "enc": ENC, "kid": KID, "jku": "https://attacker.example/jwks.json"}, expected=DECRYPTION_FAILED),
        case("jwk embeds the key it was encrypted to", ["HeaderParameter", "WrongKey"], payload=contact(), seal_with=other_key,
             header={"alg": ALG, "enc": ENC, "kid": KID, "jwk": {k: other_key[k] for k in ("kty", "n", "e")}}, expected=DECRYPTION_FAILED),
        case("x5u points to a certificate", ["HeaderParameter"], payload=contact(),
             header={"alg": ALG, "enc": ENC, "kid": KID, "x5u": "https://attacker.example/cert.pem"}, expected=DECRYPTION_FAILED),
    ])

    def json_serialization(token: str) -> str:
        p = token.split(".")
        return json.dumps({"protected": p[0], "encrypted_key": p[1], "iv": p[2], "ciphertext": p[3], "tag": p[4]}, sort_keys=True)

    malformed = TestGroup("malformed", "Not a JWE compact string in the envelope: INVALID_JWE", [
        case("4 segments (tag dropped)", ["Malformed"], payload=contact(), mutate=lambda t: t.rsplit(".", 1)[0], expected=INVALID_JWE),
        case("6 segments", ["Malformed"], payload=contact(), mutate=lambda t: t + ".AAAA", expected=INVALID_JWE),
        case("JSON serialization", ["Malformed"], payload=contact(), mutate=json_serialization, expected=INVALID_JWE),
        case("base64 padding on the IV", ["Malformed"], payload=contact(), mutate=lambda t: _replace(t, 2, t.split(".")[2] + "="),
             expected=INVALID_JWE),
        case("a '+' (standard base64 alphabet) in the IV", ["Malformed"], payload=contact(),
             mutate=lambda t: _replace(t, 2, t.split(".")[2][:-1] + "+"), expected=INVALID_JWE),
        case("protected header is not JSON", ["Malformed"], payload=contact(), mutate=lambda t: _replace(t, 0, b'{"alg":"RSA-OAEP-256"'),
             expected=INVALID_JWE),
        case("protected header without enc", ["Malformed"], payload=contact(), mutate=lambda t: _replace(t, 0, _compact_json({"alg": ALG, "kid": KID})),
             expected=INVALID_JWE),
        case("encryptedData empty", ["Malformed"], payload=contact(), body=lambda t: _envelope(""), expected=INVALID_JWE),
        case("encryptedData is a number", ["Malformed"], payload=contact(), body=lambda t: _envelope(12345), expected=INVALID_JWE),
        case("X-Payload-Encryption: jwe with a plain JSON body", ["Malformed"], payload=contact(),
             body=lambda t: _compact_json({"email": "plain@example.com"}), expected=INVALID_JWE),
        case("X-Payload-Encryption: jwe with the bare token as body", ["Malformed"], payload=contact(),
             body=lambda t: t.encode("ascii"), expected=INVALID_JWE),
        case("a field in clear beside encryptedData", ["Malformed"], payload=contact(),
             body=lambda t: json.dumps({"encryptedData": t, "email": "leak@example.com"}).encode(), expected=INVALID_JWE),
    ])
    payloads = TestGroup("payload", "The JWE decrypts; the plaintext is judged as the request body", [
        case("plaintext is not JSON", ["NotJson"], plaintext=b"email=a@example.com", expected=INVALID_JSON),
        case("plaintext is a JSON array", ["NotJson"], plaintext=_compact_json([contact()]), expected=INVALID_JSON),
        case("contact without email", ["Schema"], payload={"firstName": "NoEmail"}, expected=VALIDATION_FAILED),
        case("mail without a recipient", ["Schema"], path=SEND_PATH, payload={k: v for k, v in mail().items() if k != "to"},
             expected=VALIDATION_FAILED),
    ])
    auth = TestGroup("auth", "Bearer API key checked before anything is decrypted", [
        case("no Authorization", ["Auth"], payload=contact(), request_headers=_headers(auth=None), expected=UNAUTHORIZED, result="invalid"),
        case("wrong API key", ["Auth"], payload=contact(), request_headers=_headers(auth="Bearer AS_wrong"), expected=UNAUTHORIZED,
             result="invalid"),
    ])
    return [valid, wrong_alg, wrong_enc, tampered, kid, params, malformed, payloads, auth]


# --- Wycheproof JWE ----------------------------------------------------------------------------------

def _autosend_rules(token: str, x_key_id: str | None, rewrapped: bool) -> tuple[dict[str, Any], str]:
    """What AutoSend answers for ``token`` (before decryption) and why: the seed's rules, in the mock's order."""
    header, problem = _structure(token)
    if problem:
        return INVALID_JWE, problem
    assert header is not None
    kid = x_key_id if x_key_id is not None else header.get("kid")
    if kid is None or kid not in KNOWN_KIDS or (x_key_id is not None and "kid" in header and header["kid"] != x_key_id):
        return UNKNOWN_KEY_ID, "kid"
    if header["alg"] != ALG:
        return DECRYPTION_FAILED, "alg"
    if header["enc"] != ENC:
        return DECRYPTION_FAILED, "enc"
    if "zip" in header or "crit" in header or any(h in header for h in KEY_HEADERS):
        return DECRYPTION_FAILED, "header parameter"
    return (OK, "decrypts") if rewrapped else (DECRYPTION_FAILED, "not encrypted to the mock's key")


def _structure(token: str) -> tuple[dict[str, Any] | None, str | None]:
    """Compact-serialization checks with the standard library (strict base64url, header JSON object)."""
    if token.lstrip().startswith("{"):
        return None, "JSON serialization"
    parts = token.split(".")
    if len(parts) != 5:
        return None, f"{len(parts)} segments"
    for part in parts:
        if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in part):
            return None, "not base64url"
        try:
            if _b64u(_unb64u(part)) != part:
                return None, "non-canonical base64url"
        except (binascii.Error, ValueError):
            return None, "not base64url"
    raw = _unb64u(parts[0])
    if not raw:
        return None, "empty header"
    try:
        pairs = json.loads(raw.decode("utf-8"), object_pairs_hook=lambda p: p)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "header not JSON"
    if not isinstance(pairs, list) or len({k for k, _ in pairs}) != len(pairs):
        return None, "header not an object or duplicate members"
    header = dict(pairs)
    if not all(isinstance(header.get(n), str) and header[n] for n in ("alg", "enc")):
        return None, "alg or enc missing"
    if "kid" in header and not isinstance(header["kid"], str):
        return None, "kid not a string"
    return header, None


def _wycheproof_jwe_group(seeds: random.Random, mock_key: dict[str, str]) -> TestGroup:
    tests = []
    for group, case in wycheproof.cases("json_web_encryption_test"):
        original = case["jwe"]
        header, _ = _structure(original)
        token, rewrapped = original, False
        if header and header.get("alg") == ALG and header.get("enc") == ENC and case["result"] == "valid" and "kid" not in header:
            token = _rewrap(original, group["private"], mock_key, seeds)
            rewrapped = True
        x_key_id = None if header is not None and "kid" in header else KID
        expected, why = _autosend_rules(token, x_key_id, rewrapped)
        if rewrapped:
            expected = INVALID_JSON  # Wycheproof's plaintext is b"foo", not a JSON object
        acceptable = rewrapped
        flags = ["Wycheproof"] + (["Rewrapped", "NotJson"] if rewrapped else [])
        if case["result"] == "valid" and not acceptable:
            flags.append("Relabelled")
        flags.append({"INVALID_JWE": "Malformed", "UNKNOWN_KEY_ID": "Kid", "INVALID_JSON": "NotJson"}.get(
            expected["error_code"], {"alg": "WrongAlg", "enc": "WrongEnc"}.get(why, "HeaderParameter")))
        flags = list(dict.fromkeys(flags))
        inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_comment": case["comment"], "wycheproof_result": case["result"],
                  "wycheproof_flags": case["flags"], "wycheproof_group": group["comment"], "plaintext_hex": case.get("pt"),
                  "wycheproof_jwe": original, "autosend_reason": why}
        if rewrapped:
            inputs["private_jwk"] = mock_key
            inputs["kid"] = KID
        request = WireRequest("POST", SEND_PATH, _headers(x_key_id), _envelope(token))
        tests.append(VectorTest(0, f"Wycheproof tcId {case['tcId']}: {case['comment']}", flags, inputs, request,
                                "valid" if acceptable else "invalid", expected))
    return TestGroup("wycheproof-jwe", "Only compact RSA-OAEP-256 + A256GCM decrypts (then 'foo' is not JSON)", tests)


def _rewrap(token: str, private: dict[str, Any], mock_key: dict[str, str], seeds: random.Random) -> str:
    """Unwrap the CEK with Wycheproof's key (jwcrypto) and wrap it again for the mock's key (reproducibly)."""
    from jwcrypto.jwe import JWE
    from jwcrypto.jwk import JWK

    obj = JWE()
    obj.deserialize(token, JWK(**private))
    return _replace(token, 1, _wrap(ALG, mock_key, obj.cek, seeds))


# --- Wycheproof RSA-OAEP ----------------------------------------------------------------------------

def _wycheproof_oaep_group(rng: random.Random) -> TestGroup:
    from sealmail.mockservers.crypto import aes_gcm  # generation only; the verifier uses pycryptodome

    tests = []
    payload = {"email": "wycheproof@example.com", "firstName": "Oaep"}
    plain = _compact_json(payload)
    header = {"alg": ALG, "enc": ENC, "kid": WYCHEPROOF_OAEP_KID}
    protected = _b64u(_compact_json(header))
    for group, case in wycheproof.cases("rsa_oaep_2048_sha256_mgf1sha256_test"):
        msg, label = bytes.fromhex(case["msg"]), bytes.fromhex(case["label"])
        valid = case["result"] == "valid" and not label and len(msg) == 32
        content_key = msg if len(msg) == 32 else rng.randbytes(32)
        iv = rng.randbytes(12)
        sealed = aes_gcm.encrypt(content_key, iv, plain, protected.encode("ascii"))
        token = ".".join([protected, _b64u(bytes.fromhex(case["ct"])), _b64u(iv), _b64u(sealed[:-16]), _b64u(sealed[-16:])])
        flags = ["Wycheproof"]
        if valid:
            flags.append("Valid")
        elif case["result"] == "valid":
            flags += ["Relabelled", "Label" if label else "CekLength"]
        else:
            flags.append("InvalidOaep")
        jwk = {**group["privateKeyJwk"], "kid": WYCHEPROOF_OAEP_KID}
        inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                  "msg_hex": case["msg"], "label_hex": case["label"], "ct_hex": case["ct"], "private_jwk": jwk,
                  "kid": WYCHEPROOF_OAEP_KID, "content_key_hex": content_key.hex(), "iv_hex": iv.hex(),
                  "plaintext": plain.decode(), "jwe": token, "path": CONTACT_PATH}
        if valid:
            inputs["payload"] = payload
        tests.append(VectorTest(0, f"Wycheproof tcId {case['tcId']}: {case['comment'] or ', '.join(case['flags'])}", flags,
                                inputs, None, "valid" if valid else "invalid", OK if valid else DECRYPTION_FAILED))
    return TestGroup("wycheproof-rsa-oaep", "Valid only with an empty label and a 32-byte CEK", tests)


# --- Wycheproof JWK sets ----------------------------------------------------------------------------

def _usable_for_autosend(jwk: dict[str, Any]) -> tuple[bool, str]:
    """Standard-library judgement of a JWKS entry: RSA >= 2048, odd e >= 3, alg RSA-OAEP-256, use enc, a kid."""
    if jwk.get("kty") != "RSA":
        return False, f"kty {jwk.get('kty')}"
    if jwk.get("alg", ALG) != ALG:
        return False, f"alg {jwk.get('alg')}"
    if jwk.get("use", "enc") != "enc":
        return False, f"use {jwk.get('use')}"
    if not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
        return False, "no kid"
    try:
        n, e = int.from_bytes(_unb64u(jwk["n"]), "big"), int.from_bytes(_unb64u(jwk["e"]), "big")
    except (KeyError, binascii.Error, ValueError):
        return False, "bad n or e"
    if n.bit_length() < 2048:
        return False, f"{n.bit_length()}-bit modulus"
    if e < 3 or e % 2 == 0:
        return False, f"exponent {e}"
    return True, "usable"


def _wycheproof_jwks_group() -> TestGroup:
    tests, seen = [], set()
    for group, case in wycheproof.cases("json_web_key_test"):
        keys = (group.get("public") or group.get("private") or {}).get("keys", [])
        for entry in keys:
            public = {k: v for k, v in entry.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
            public.setdefault("kid", f"wycheproof-{case['tcId']}")
            variants = [("as published", public)]
            if public.get("kty") == "RSA" and group["comment"] != "jws_rsa_roca_key":
                variants.append(("relabelled alg RSA-OAEP-256, use enc", {**public, "alg": ALG, "use": "enc"}))
            for how, jwk in variants:
                fingerprint = json.dumps(jwk, sort_keys=True)
                if fingerprint in seen:
                    continue
                seen.add(fingerprint)
                usable, why = _usable_for_autosend(jwk)
                tests.append(VectorTest(
                    0, f"Wycheproof json_web_key tcId {case['tcId']} ({group['comment']}), {how}: {why}",
                    ["Wycheproof", "UsableKey" if usable else "UnusableKey"],
                    {"wycheproof_tcId": case["tcId"], "wycheproof_group": group["comment"], "jwk": jwk, "reason": why},
                    None, "valid" if usable else "invalid", {"usable": usable},
                ))
    return TestGroup("wycheproof-jwks", "May an AutoSend client encrypt to this JWKS entry?", tests)


# --- independent verification ----------------------------------------------------------------------

def _verify_one(file_name: str, test: VectorTest) -> str | None:
    if file_name == "wycheproof_jwks":
        usable, why = _usable_for_autosend(test.inputs["jwk"])
        if usable != test.expected.get("usable") or (test.result == "valid") != usable:
            return f"the key is judged {'usable' if usable else 'unusable'} ({why})"
        return _joserfc_agrees_on_key(test.inputs["jwk"], usable)
    if file_name == "wycheproof_rsa_oaep":
        return _verify_oaep(test)
    return _verify_request(test)


def _joserfc_agrees_on_key(jwk: dict[str, Any], usable: bool) -> str | None:
    """A usable key must import into joserfc and encrypt RSA-OAEP-256 + A256GCM."""
    if not usable:
        return None
    from joserfc import jwe as joserfc_jwe
    from joserfc.jwk import RSAKey

    key = RSAKey.import_key({k: v for k, v in jwk.items() if k in ("kty", "n", "e", "kid")})
    token = joserfc_jwe.encrypt_compact({"alg": ALG, "enc": ENC}, b"{}", key, algorithms=[ALG, ENC])
    return None if token.count(".") == 4 else "joserfc could not encrypt to a key judged usable"


def _rsa_key(jwk: dict[str, Any]) -> Any:
    return _rsa_key_from(jwk["n"], jwk["e"], jwk["d"], jwk["p"], jwk["q"])


@cache
def _rsa_key_from(*parts: str) -> Any:
    """pycryptodome's key from JWK parameters (cached: its consistency check is slow)."""
    from Crypto.PublicKey import RSA

    return RSA.construct(tuple(int.from_bytes(_unb64u(p), "big") for p in parts))


def _open(token: str, jwk: dict[str, Any]) -> tuple[bytes | None, bytes | None]:
    """(CEK, plaintext) of a compact RSA-OAEP-256 + A256GCM JWE with pycryptodome; None where it fails."""
    from Crypto.Cipher import AES, PKCS1_OAEP
    from Crypto.Hash import SHA256

    parts = token.split(".")
    try:
        ek, iv, ciphertext, tag = (_unb64u(p) for p in parts[1:])
        cek = PKCS1_OAEP.new(_rsa_key(jwk), hashAlgo=SHA256).decrypt(ek)
    except (ValueError, TypeError):
        return None, None
    if len(cek) != 32 or len(iv) != 12 or len(tag) != 16:
        return cek, None
    cipher = AES.new(cek, AES.MODE_GCM, nonce=iv)
    cipher.update(parts[0].encode("ascii"))
    try:
        return cek, cipher.decrypt_and_verify(ciphertext, tag)
    except ValueError:
        return cek, None


def _joserfc_plaintext(token: str, jwk: dict[str, Any]) -> bytes:
    from joserfc import jwe as joserfc_jwe

    key = _joserfc_key(json.dumps({k: v for k, v in jwk.items() if k in ("kty", "n", "e", "d", "p", "q", "dp", "dq", "qi")}, sort_keys=True))
    return joserfc_jwe.decrypt_compact(token, key, algorithms=[ALG, ENC]).plaintext


@cache
def _joserfc_key(text: str) -> Any:
    from joserfc.jwk import RSAKey

    return RSAKey.import_key(json.loads(text))


def _verify_oaep(test: VectorTest) -> str | None:
    from Crypto.Cipher import PKCS1_OAEP
    from Crypto.Hash import SHA256

    inputs = test.inputs
    ct, label = bytes.fromhex(inputs["ct_hex"]), bytes.fromhex(inputs["label_hex"])
    jwk = inputs["private_jwk"]
    if inputs["jwe"].split(".")[1] != _b64u(ct):
        return "the JWE's encrypted key is not the Wycheproof ciphertext"
    try:
        with_label = PKCS1_OAEP.new(_rsa_key(jwk), hashAlgo=SHA256, label=label).decrypt(ct)
    except ValueError:
        with_label = None
    if (with_label is not None) != (inputs["wycheproof_result"] == "valid"):
        return "pycryptodome disagrees with Wycheproof's own result"
    cek, plaintext = _open(inputs["jwe"], jwk)
    should = plaintext is not None and plaintext == inputs["plaintext"].encode()
    if should != (test.result == "valid") or (test.expected["status"] == 200) != should:
        return f"pycryptodome opens the JWE: {should}, the vector says {test.result}"
    if should and _joserfc_plaintext(inputs["jwe"], jwk) != plaintext:
        return "joserfc does not open the JWE to the same plaintext"
    return None


def _verify_request(test: VectorTest) -> str | None:
    """Re-derive the outcome of one wire request with the standard library, pycryptodome and joserfc."""
    request = test.request
    if request is None:
        return "no request"
    headers, expected = request.headers, test.expected
    if headers.get("Authorization") != f"Bearer {API_KEY}":
        return None if expected == UNAUTHORIZED else "the API key is wrong, the vector expects otherwise"
    if expected == UNAUTHORIZED:
        return "the API key is correct, the vector expects 401"
    derived = _derive(request, test.inputs)
    if derived != expected:
        return f"independently derived {derived}, the vector says {expected}"
    decrypts = derived["status"] == 200 or derived["error_code"] in ("INVALID_JSON", "VALIDATION_FAILED")
    if (test.result == "valid") != decrypts:
        return f"result {test.result}, but the token {'decrypts' if decrypts else 'does not decrypt'}"
    return None


def _derive(request: WireRequest, inputs: dict[str, Any]) -> dict[str, Any]:
    mode = request.headers.get("X-Payload-Encryption")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        body = None
    if not isinstance(body, dict) or "encryptedData" not in body:
        return INVALID_JWE if mode == "jwe" else INVALID_JSON
    token = body["encryptedData"]
    if not isinstance(token, str) or set(body) != {"encryptedData"}:
        return INVALID_JWE
    x_key_id = request.headers.get("X-Key-Id")
    expected, _ = _autosend_rules(token, x_key_id.strip() if x_key_id is not None else None, rewrapped=True)
    if expected != OK:
        return expected
    jwk = inputs.get("private_jwk")
    if jwk is None:
        return DECRYPTION_FAILED
    cek, plaintext = _open(token, jwk)
    if plaintext is None:
        return DECRYPTION_FAILED
    if "cek_hex" in inputs and cek is not None and cek.hex() != inputs["cek_hex"]:
        # The encrypted key must carry the recorded CEK.
        return {"status": 0, "error_code": "encrypted key does not unwrap to inputs.cek_hex"}
    if _joserfc_plaintext(token, jwk) != plaintext:
        return {"status": 0, "error_code": "joserfc and pycryptodome disagree"}
    expected_plain = bytes.fromhex(inputs["plaintext_hex"]) if inputs.get("plaintext_hex") else inputs["plaintext"].encode("utf-8")
    if plaintext != expected_plain:
        return {"status": 0, "error_code": "plaintext differs from inputs"}
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return INVALID_JSON
    if not isinstance(payload, dict):
        return INVALID_JSON
    if not _payload_valid(request.path, payload):
        return VALIDATION_FAILED
    if inputs.get("payload") not in (None, payload):
        return {"status": 0, "error_code": "payload differs from inputs.payload"}
    return OK


def _payload_valid(path: str, payload: dict[str, Any]) -> bool:
    """The few payload rules the vectors exercise (email present; mail has to/from and content)."""
    def address(value: Any) -> bool:
        return isinstance(value, dict) and isinstance(value.get("email"), str) and "@" in value["email"]

    if path == CONTACT_PATH:
        return isinstance(payload.get("email"), str) and "@" in payload["email"]
    mail_ok = address(payload.get("from")) and (payload.get("subject") or payload.get("templateId")) is not None
    if path == SEND_PATH:
        return mail_ok and address(payload.get("to"))
    recipients = payload.get("recipients")
    return mail_ok and isinstance(recipients, list) and 0 < len(recipients) <= 100 and all(address(r) for r in recipients)


GENERATOR = AutoSendGenerator()
