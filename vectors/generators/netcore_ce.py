"""netcore-ce vectors: encrypted ``POST /v1/activity/upload`` requests for eCodes 11256, 11257, 11258 (seed 003).

Files (``vectors/data/netcore-ce/``):
- ``cbc_base64_requests`` (11256), ``cbc_hex_requests`` (11257), ``gcm_requests``
  (11258): sealmail's own cases, each a complete wire request with the mock's
  documented default credentials. Every decryption failure (each BadPadding
  form, wrong key or IV, truncation, bad base64 or hex, tag mismatch, non-JSON
  plaintext) expects the one uniform ``decryption_failed``.
- ``seed_samples``: the seed's published sample plaintext (pretty-printed,
  trailing spaces) and its two published ciphertexts, whose key is not
  published (so they can only be shown not to decrypt under the mock's key).
- ``wycheproof_aes_cbc_pkcs5`` and ``wycheproof_aes_gcm``: third-party cases
  without a wire request (their keys are raw bytes, not the shareable text the
  mock's assets hold); the verifier checks them at the cipher level, and
  ``tests/unit/test_netcore_ce_crypto.py`` runs them through the mock's
  decryption path.

Verification (:meth:`NetcoreCeGenerator.verify`) re-judges each request with
pycryptodome and the standard library (the mock uses ``cryptography``) and a
separately written reading of the seed's payload rules.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import random
import re
from typing import Any, Callable

from .. import wycheproof
from ..schema import TestGroup, VectorFile, VectorTest, WireRequest, expect, generator_header, number_tests

PROVIDER = "netcore-ce"
PATH = "/v1/activity/upload"
# The mock's documented defaults (mockservers/providers/netcore_ce/spec.py); replay needs them.
API_KEY = "sealmail-netcore-ce-api-key"
ASSET = "392ae07d8b69fe21423e6d9e026227c5"
KEY = "sealmailNetcoreCEdefaultKey2025x"
IV = "sealmailCEiv2025"
GCM_KEY = "c2VhbG1haWwtbmV0Y29yZS1jZS1nY20ta2V5LTAwMDE="
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

SEED_FILE = "seed 003_1fae5127f2291a63.txt"
SEED_ASSET = "392234ga43t3q4t3026227c3453gqe5"
SEED_API_KEY = "06cf420b244adc210b05da30e4731340"
SEED_SAMPLE = (
    '[{\n        "asset_id": "392234ga43t3q4t3026227c3453gqe5",\n        "activity_name": "form_submitted",\n'
    '        "timestamp": "2025-08-26T12:05:43Z",\n        "identity": "9999911111",\n        "activity_source": "web",\n'
    '        "activity_params": {\n            "user_name": "Mahesh",\n            "reason": "test 123",\n'
    '            "day" : "Tuesday"\n        }\n    }    \n]'
)
"""Step 2's sample payload, verbatim (pretty-printed; four spaces after the closing brace)."""
SEED_STEP2_CIPHERTEXT = (
    "ENtfL3peNnIzXzHBgHqb9bIOoundUGk9scPyPoKrwinCalrrfXZUnm3bNiGBdV3/A+FoqfTLReN5nkr31iQ8Jn9kSeoWlkGeAbsIZUrRsbhB36vzkKGQW12zp/KMBk5t"
    "MPlXScHSwhM0GP8lPejtWMsVNbhsOGsPGdW6rY4ZNaFFhyZq3rJIH19HS0f65yVfFXuvLuzoZCudsLa/XRZTZjEhNQobsVq35pxtZpdhl3Tdy7k0rSnbHkIHZ8RMtH22"
    "nOpwfbTh+N37T4nI8N0PtBKttwzrHD7t3llNQruhIykttprqAYdDrZF8h4XzQHsNH1h4zck2bUVHY+tSvQIUAAm2xEdpRkTjRCaXJsMql3J0zUAYSorBsS9ncYNeuNKD"
    "7JwlLjFsbquVVmZCW3PV+tT/ftSy7u9L89ChZZsl2LaRa1NPpm3AvjrsJQ6Vbo10YhH9dDegYITLJ81qskFBP1uz/tJlxIQlSn/OPeTEXD/cFie2eJjG/LLi+s91cqeW"
    "i3vstC3O+e6pni2yZMIP/V0tnFkHzlQD9hamsxgTQGs="
)
SEED_CURL_CIPHERTEXT = (
    "6UbL6LFCeSR2HyFYBXXNjrvq4WCNLWb7K2lAXnVBAjmngco59l5FfeqsG8M7pLHfR20DTCn5QX3WfBcdqeImhlH5pDDtcJ8lrxe6UDQdiusIfdbiXHbPfET3OSAt6EYh"
    "zVgjMov7dKESBpSsawqSATcJsqYT81X63mXVXyEYof4k9nwH/u7nEpY/+6bbMTa4uqIEUdFKgt/xDEt1LoD7DTHTkiFr8LY0UVID04GXY2T7Lr8cEiB/7fGwTeXyrKrG"
    "ngFxMD/hAU5xMqsb4Kr/qlX7mBMugzJ/n8GgULIXdDJSN55M6BeTjsWR1EETIxNUse/u8KUftfOigkYvEEhROnbPINZH71gZcyoMmyIsJMsGx3RpXBNqqE4p29BOkgfC"
    "auT0hrpT6kRGaOetMD9/xe7H8pYdTisUF4s26v9+awf6dhnhHGNSxUmBBJL/BHfG5+cPwPyTOcUQ/Hos/+Xrp/1nNELAygmCrnB8EDs/IQE="
)

NOTES = {
    "Valid": "A correct request; the mock answers 200 and stores one message per activity.",
    "Batch": "Several activities in one request.",
    "Unicode": "Non-ASCII text in the activity (UTF-8 JSON).",
    "LargePayload": "Plaintext of several kilobytes.",
    "FullPaddingBlock": "Plaintext length is a multiple of 16: PKCS#7 adds a whole block of 0x10.",
    "BadPadding": "CBC plaintext padded other than PKCS#7 (zero, 0xff, ISO 7816-4, ANSI X.923, ISO 10126, too long, inconsistent, none).",
    "WrongKey": "Encrypted with a key other than the asset's shared key (another key, or the key misread: hashed, hex).",
    "WrongIv": "CBC encrypted with an IV other than the asset's shared IV.",
    "Truncated": "Ciphertext shortened (a byte, a block, the GCM tag).",
    "ModifiedCiphertext": "A bit of the ciphertext, nonce or tag flipped, or a block appended.",
    "Encoding": "encryptedRequest not in the eCode's encoding (URL-safe or unpadded or wrapped base64, upper-case or odd hex, the other encoding).",
    "WrongEcode": "x-eCode names a method other than the one the body was encrypted with.",
    "GcmLayout": "11258 body not base64(12-byte nonce || ciphertext || 16-byte tag) without AAD.",
    "NotJson": "Decrypts, but the plaintext is not UTF-8 JSON: the same uniform error as a decryption failure (no padding oracle).",
    "Schema": "Decrypts to JSON that breaks the seed's activity rules.",
    "AssetMismatch": "An activity's asset_id differs from x-asset.",
    "Header": "x-eCode or x-asset missing, unknown, or Content-Type wrong.",
    "Auth": "Missing or wrong panel API key.",
    "Body": "The HTTP body is not {\"encryptedRequest\": \"<string>\"}.",
    "SeedShape": "The seed's Step 2 sample plaintext byte for byte, pretty-printed with trailing spaces (asset_id set to the mock's default asset).",
    "SeedVerbatim": "The seed's Step 2 sample plaintext unchanged, whose asset_id differs from the Step 3 curl's x-asset.",
    "SeedCiphertext": "A ciphertext published in the seed; its key is not published, so it cannot decrypt under the mock's key.",
    "Wycheproof": "Case from Wycheproof (inputs keep its tcId, flags and hex values); no wire request: the key is raw bytes.",
    "Aad": "Wycheproof GCM case with AAD: invalid for 11258, which uses none.",
}


# --- building blocks ------------------------------------------------------------------------
def activity(name: str = "form_submitted", identity: str | int = "9999911111", params: dict[str, Any] | None = None, *,
             asset: str = ASSET, source: str = "web", timestamp: str = "2025-08-26T12:05:43Z", **extra: Any) -> dict[str, Any]:
    item = {"asset_id": asset, "activity_name": name, "timestamp": timestamp, "identity": identity,
            "activity_source": source, "activity_params": params if params is not None else {"user_name": "Mahesh", "day": "Tuesday"}}
    item.update(extra)
    return item


def _json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _cbc_raw(key: bytes, iv: bytes, padded: bytes) -> bytes:
    from Crypto.Cipher import AES

    return AES.new(key, AES.MODE_CBC, iv=iv).encrypt(padded)


def _pkcs7(data: bytes) -> bytes:
    from Crypto.Util.Padding import pad

    return pad(data, 16, style="pkcs7")


def _gcm(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes | None = None) -> bytes:
    from Crypto.Cipher import AES

    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    if aad:
        cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return ciphertext + tag


def _headers(ecode: int | str | None, *, asset: str | None = ASSET, auth: str | None = f"Bearer {API_KEY}",
             content_type: str | None = "application/json") -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (("Content-Type", content_type), ("x-eCode", None if ecode is None else str(ecode)),
                        ("x-asset", asset), ("Authorization", auth)):
        if value is not None:
            headers[name] = value
    return headers


def _envelope(text: str) -> bytes:
    return json.dumps({"encryptedRequest": text}).encode("utf-8")



OK = expect(200)
DECRYPT = expect(400, "decryption_failed")
PAYLOAD = expect(400, "invalid_payload")


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def _padded_b64_payload() -> list[dict[str, Any]]:
    """A payload whose ciphertext length is not a multiple of 3, so its base64 ends in '='."""
    return next(p for p in ([activity(params={"pad": "p" * n})] for n in range(48)) if len(_pkcs7(_json(p))) % 3)


def _one_upper(ciphertext: bytes) -> str:
    """Lowercase hex but for its last letter digit (all-digit hex has none: then all upper, i.e. unchanged digits)."""
    text = ciphertext.hex()
    letters = [i for i, ch in enumerate(text) if ch in "abcdef"]
    if not letters:
        return text.upper()
    i = letters[-1]
    return text[:i] + text[i].upper() + text[i + 1 :]


def _text(plaintext: bytes) -> dict[str, str]:
    try:
        return {"plaintext": plaintext.decode("utf-8")}
    except UnicodeDecodeError:
        return {"plaintext_hex": plaintext.hex()}


class NetcoreCeGenerator:
    provider_id = PROVIDER
    version = "1"
    default_seed = 20261122

    def generate(self, seed: int) -> list[VectorFile]:
        rng = random.Random(seed)
        header = generator_header(__name__, self.version, seed)
        provenance = ("Generated by sealmail (python -m sealmail vectors generate --provider netcore-ce) from the seed's rules and the fact sheet; "
                      "encryption with pycryptodome; credentials are the mock's documented defaults.")

        def file(name: str, mechanism: str, groups: list[TestGroup], source: str = provenance) -> VectorFile:
            used = {flag for g in groups for t in g.tests for flag in t.flags}
            return VectorFile(name, PROVIDER, mechanism, header, source, {k: v for k, v in NOTES.items() if k in used}, number_tests(groups))

        return [
            file("cbc_base64_requests", "x-eCode 11256 AES_256_CBC_BASE64: AES-256-CBC, PKCS#7, shared 32-char key and 16-char IV as UTF-8 bytes, base64",
                 _CbcCases(rng, 11256).groups()),
            file("cbc_hex_requests", "x-eCode 11257 AES_256_CBC_HEX: as 11256, ciphertext in lowercase hex", _CbcCases(rng, 11257).groups()),
            file("gcm_requests", "x-eCode 11258 AES_256_GCM_BASE64: base64(12-byte nonce || ciphertext || 16-byte tag), key base64 of 32 bytes, no AAD",
                 _gcm_groups(rng)),
            file("seed_samples", "The seed's own sample plaintext and ciphertexts as netcore-ce requests", [_seed_group(rng)],
                 f"{SEED_FILE}, Step 2 (sample payload and its encrypted output) and Step 3 (curl). The key behind the two published "
                 "ciphertexts is not published: they can only be shown not to decrypt under the mock's key. " + provenance),
            file("wycheproof_aes_cbc_pkcs5", "AES-256-CBC with PKCS#5/7 padding (Wycheproof keySize 256 group), as 11256/11257 ciphertexts",
                 [_wycheproof_cbc_group()],
                 f"{wycheproof.SOURCE}: aes_cbc_pkcs5_test.json, group keySize 256 (72 cases). Relabelled for netcore-ce: every case, "
                 "valid or BadPadding, is answered with the one decryption_failed (the valid plaintexts are not JSON)."),
            file("wycheproof_aes_gcm", "AES-256-GCM, 96-bit IV, 128-bit tag (Wycheproof subset) in the 11258 layout",
                 [_wycheproof_gcm_group()],
                 f"{wycheproof.SOURCE}: aes_gcm_test.json, groups keySize 256, ivSize 96, tagSize 128 (66 cases). The IV is the "
                 "11258 nonce; cases with AAD are relabelled invalid (11258 uses none); every case is answered decryption_failed."),
        ]

    def verify(self, vector_file: VectorFile) -> list[str]:
        problems = []
        for test in vector_file.tests():
            problem = _verify_one(test)
            if problem:
                problems.append(f"tcId {test.tcId} ({test.comment}): {problem}")
        return problems

    def error_code(self, status: int, body: Any) -> Any:
        return body.get("code") if isinstance(body, dict) else None


# --- 11256 / 11257 -----------------------------------------------------------------------------
class _CbcCases:
    def __init__(self, rng: random.Random, ecode: int) -> None:
        self.rng = rng
        self.ecode = ecode
        self.key, self.iv = KEY.encode(), IV.encode()

    def encode(self, ciphertext: bytes) -> str:
        return _b64(ciphertext) if self.ecode == 11256 else ciphertext.hex()

    def case(self, comment: str, flags: list[str], payload: Any = None, *, plaintext: bytes | None = None,
             padded: bytes | None = None, key: bytes | None = None, iv: bytes | None = None,
             text: Callable[[bytes], str] | None = None, headers: dict[str, Any] | None = None, body: bytes | None = None,
             expected: dict[str, Any] = OK) -> VectorTest:
        plain = plaintext if plaintext is not None else _json(payload)
        ciphertext = _cbc_raw(key or self.key, iv or self.iv, padded if padded is not None else _pkcs7(plain))
        sent = text(ciphertext) if text else self.encode(ciphertext)
        inputs: dict[str, Any] = {"ecode": self.ecode, "key": KEY, "iv": IV, **_text(plain)}
        if padded is not None:
            inputs["padded_plaintext_hex"] = padded.hex()
        if key is not None:
            inputs["encryption_key_hex"] = key.hex()
        if iv is not None:
            inputs["encryption_iv_hex"] = iv.hex()
        inputs["ciphertext_hex"] = ciphertext.hex()
        if payload is not None:
            inputs["payload"] = payload
        request = WireRequest("POST", PATH, _headers(**{"ecode": self.ecode, **(headers or {})}), body if body is not None else _envelope(sent))
        result = "valid" if expected["status"] == 200 else "invalid"
        return VectorTest(0, comment, flags, inputs, request, result, expected)  # type: ignore[arg-type]

    def random_text(self, length: int) -> str:
        return "".join(self.rng.choice(ALPHABET) for _ in range(length))

    def aligned_payload(self) -> list[dict[str, Any]]:
        """A payload whose JSON is a whole number of blocks (PKCS#7 then adds a full block)."""
        for extra in range(16):
            payload = [activity(params={"note": "x" * extra})]
            if len(_json(payload)) % 16 == 0:
                return payload
        raise AssertionError("unreachable: one of 16 lengths is aligned")

    def groups(self) -> list[TestGroup]:
        rng, case = self.rng, self.case
        plain = next(p for p in (_json([activity(params={"pad": "p" * n})]) for n in range(16)) if 4 <= 16 - len(p) % 16 <= 15)
        fill = 16 - len(plain) % 16  # 4..15: every wrong padding below differs from PKCS#7

        def padded_with(tail: bytes) -> bytes:
            return plain + tail

        iso10126 = bytes(rng.choice([b for b in range(256) if b != fill]) for _ in range(fill - 1))
        aligned = self.aligned_payload()
        valid = TestGroup("valid", "Correct requests", [
            case("one activity", ["Valid"], [activity()]),
            case("three activities, web and app, integer identity", ["Valid", "Batch"],
                 [activity(), activity("app_opened", 9999911111, {"screen": "home"}, source="app"),
                  activity("purchase", "user@example.com", {"items": [{"sku": "A-1", "qty": 2}], "total": 12.5})]),
            case("unicode name and params", ["Valid", "Unicode"], [activity("formulaire_envoyé", "Zoë", {"city": "Pune ✓", "note": "Grüße — 🌍 李"})]),
            case("8 KiB of params", ["Valid", "LargePayload"],
                 [activity(params={"blob": "".join(rng.choice("abcdefghij ") for _ in range(8192))})]),
            case("plaintext a whole number of blocks", ["Valid", "FullPaddingBlock"], aligned),
            case("fractional seconds in the timestamp", ["Valid"], [activity(timestamp="2025-08-26T12:05:43.250Z")]),
            case("email and mobile identifiers beside identity", ["Valid"], [activity(email="a@example.com", mobile="919999911111")]),
        ])
        padding = TestGroup("padding", "Wrong padding: the one uniform error", [
            case("zero padding", ["BadPadding"], padded=padded_with(bytes(fill)), plaintext=plain, expected=DECRYPT),
            case("0xff padding", ["BadPadding"], padded=padded_with(b"\xff" * fill), plaintext=plain, expected=DECRYPT),
            case("ISO/IEC 7816-4 padding", ["BadPadding"], padded=padded_with(b"\x80" + bytes(fill - 1)), plaintext=plain, expected=DECRYPT),
            case("ANSI X.923 padding", ["BadPadding"], padded=padded_with(bytes(fill - 1) + bytes([fill])), plaintext=plain, expected=DECRYPT),
            case("ISO 10126 padding", ["BadPadding"], padded=padded_with(iso10126 + bytes([fill])), plaintext=plain, expected=DECRYPT),
            case("space padding", ["BadPadding"], padded=padded_with(b" " * fill), plaintext=plain, expected=DECRYPT),
            case("padding value 17", ["BadPadding"], padded=padded_with(bytes([17]) * fill), plaintext=plain, expected=DECRYPT),
            case("padding of 32 bytes of 0x20", ["BadPadding"], padded=padded_with(b"\x20" * (fill + 16)), plaintext=plain, expected=DECRYPT),
            case("inconsistent padding bytes", ["BadPadding"], padded=padded_with(bytes([fill]) * (fill - 2) + bytes([fill - 1, fill])),
                 plaintext=plain, expected=DECRYPT),
            case("no padding on an aligned plaintext", ["BadPadding"], padded=_json(aligned), plaintext=_json(aligned), expected=DECRYPT),
        ])
        other_key = self.random_text(32).encode()
        ciphertext = TestGroup("ciphertext", "Wrong key or IV, truncated or modified ciphertext: the one uniform error", [
            case("another asset's key", ["WrongKey"], [activity()], key=other_key, expected=DECRYPT),
            case("SHA-256 of the shared key as the key", ["WrongKey"], [activity()], key=hashlib.sha256(self.key).digest(), expected=DECRYPT),
            case("AES-128 with the key text's first 16 bytes", ["WrongKey"], [activity()], key=self.key[:16], expected=DECRYPT),
            case("another IV", ["WrongIv"], [activity()], iv=self.random_text(16).encode(), expected=DECRYPT),
            case("zero IV", ["WrongIv"], [activity()], iv=bytes(16), expected=DECRYPT),
            case("last byte dropped", ["Truncated"], [activity()], text=lambda c: self.encode(c[:-1]), expected=DECRYPT),
            case("last block dropped", ["Truncated"], [activity()], text=lambda c: self.encode(c[:-16]), expected=DECRYPT),
            case("empty encryptedRequest", ["Truncated"], [activity()], text=lambda c: "", expected=DECRYPT),
            case("first bit flipped", ["ModifiedCiphertext"], [activity()], text=lambda c: self.encode(_flip(c, 0)), expected=DECRYPT),
            case("last bit flipped", ["ModifiedCiphertext"], [activity()], text=lambda c: self.encode(_flip(c, -1)), expected=DECRYPT),
            case("random block appended", ["ModifiedCiphertext"], [activity()], text=lambda c: self.encode(c + rng.randbytes(16)), expected=DECRYPT),
        ])
        return [valid, padding, ciphertext, self.encoding_group(), *self.request_groups()]

    def encoding_group(self) -> TestGroup:
        case = self.case
        if self.ecode == 11256:
            cases = [
                case("URL-safe base64 without padding", ["Encoding"], [activity(identity="~~~>>>???")],
                     text=lambda c: base64.urlsafe_b64encode(c).decode().rstrip("="), expected=DECRYPT),
                case("padding stripped", ["Encoding"], _padded_b64_payload(), text=lambda c: _b64(c).rstrip("="), expected=DECRYPT),
                case("MIME base64 wrapped at 76 characters", ["Encoding"], [activity(params={"x": "y" * 80})],
                     text=lambda c: base64.encodebytes(c).decode(), expected=DECRYPT),
                case("trailing newline", ["Encoding"], [activity()], text=lambda c: _b64(c) + "\n", expected=DECRYPT),
                case("hex body under 11256", ["Encoding"], [activity()], text=lambda c: c.hex(), expected=DECRYPT),
            ]
        else:
            cases = [
                # The fact sheet leaves the case open; the mock takes both by default (hex_case=any, FIDELITY.md).
                case("upper-case hex (accepted: hex_case=any, the default)", ["Encoding"], [activity()],
                     text=lambda c: c.hex().upper(), expected=OK),
                case("one upper-case hex digit (accepted: hex_case=any, the default)", ["Encoding"], [activity()],
                     text=_one_upper, expected=OK),
                case("odd number of hex digits", ["Encoding"], [activity()], text=lambda c: c.hex()[:-1], expected=DECRYPT),
                case("0x prefix", ["Encoding"], [activity()], text=lambda c: "0x" + c.hex(), expected=DECRYPT),
                case("space between bytes", ["Encoding"], [activity()], text=lambda c: " ".join(f"{b:02x}" for b in c), expected=DECRYPT),
                case("base64 body under 11257", ["Encoding"], [activity()], text=_b64, expected=DECRYPT),
            ]
        return TestGroup("encoding", "encryptedRequest not in the eCode's encoding: the one uniform error", cases)

    def request_groups(self) -> list[TestGroup]:
        case = self.case
        other = 11257 if self.ecode == 11256 else 11256
        groups = [TestGroup("plaintext", "Decrypts, but not a valid activity array", [
            case("plaintext not JSON", ["NotJson"], plaintext=b"form_submitted,9999911111", expected=DECRYPT),
            case("plaintext not UTF-8", ["NotJson"], plaintext=b"\xff\xfe[]", expected=DECRYPT),
            case("plaintext JSON with NaN", ["NotJson"], plaintext=b'[{"score": NaN}]', expected=DECRYPT),
            case("a single object, not an array", ["Schema"], activity(), expected=PAYLOAD),
            case("empty array", ["Schema"], [], expected=PAYLOAD),
            case("asset_id of another asset", ["AssetMismatch"], [activity(asset="392ae07d8b69fe21423e6d9e026227c6")],
                 expected=expect(400, "asset_mismatch")),
            case("timestamp with +05:30 offset", ["Schema"], [activity(timestamp="2025-08-26T17:35:43+05:30")], expected=PAYLOAD),
            case("timestamp without a zone", ["Schema"], [activity(timestamp="2025-08-26T12:05:43")], expected=PAYLOAD),
            case("timestamp as epoch seconds", ["Schema"], [activity(timestamp=1756209943)], expected=PAYLOAD),
            case("activity_source CRM", ["Schema"], [activity(source="CRM")], expected=PAYLOAD),
            case("activity_params an array", ["Schema"], [activity(params=[])], expected=PAYLOAD),  # type: ignore[arg-type]
            case("identity missing", ["Schema"], [{k: v for k, v in activity().items() if k != "identity"}], expected=PAYLOAD),
            case("second activity invalid", ["Schema", "Batch"], [activity(), activity(source="sms")], expected=PAYLOAD),
        ])]
        if self.ecode != 11256:
            return groups
        body_ok = [activity()]
        groups += [
            TestGroup("headers", "Headers and credentials: their own errors", [
                case(f"x-eCode {other} on an {self.ecode} body", ["WrongEcode"], body_ok, headers={"ecode": other}, expected=DECRYPT),
                case(f"x-eCode 11258 on an {self.ecode} body", ["WrongEcode"], body_ok, headers={"ecode": 11258}, expected=DECRYPT),
                case("x-eCode 11259", ["Header"], body_ok, headers={"ecode": 11259}, expected=expect(400, "invalid_ecode")),
                case("x-eCode by name", ["Header"], body_ok, headers={"ecode": "AES_256_CBC_BASE64"}, expected=expect(400, "invalid_ecode")),
                case("x-eCode missing", ["Header"], body_ok, headers={"ecode": None}, expected=expect(400, "missing_header")),
                case("x-asset missing", ["Header"], body_ok, headers={"asset": None}, expected=expect(400, "missing_header")),
                case("x-asset unknown", ["Header"], [activity(asset="0" * 32)], headers={"asset": "0" * 32}, expected=expect(400, "invalid_asset")),
                case("Content-Type text/plain", ["Header"], body_ok, headers={"content_type": "text/plain"}, expected=expect(400, "invalid_content_type")),
                case("no Authorization", ["Auth"], body_ok, headers={"auth": None}, expected=expect(401, "unauthorized")),
                case("wrong API key", ["Auth"], body_ok, headers={"auth": "Bearer 06cf420b244adc210b05da30e4731340"}, expected=expect(401, "unauthorized")),
                case("API key without Bearer", ["Auth"], body_ok, headers={"auth": API_KEY}, expected=expect(401, "unauthorized")),
            ]),
            TestGroup("body", "HTTP body not the documented envelope", [
                case("body is the base64 text itself", ["Body"], body_ok, body=b"\"QUJD\"", expected=expect(400, "invalid_request_body")),
                case("body not JSON", ["Body"], body_ok, body=b"encryptedRequest=QUJD", expected=expect(400, "invalid_request_body")),
                case("encryptedRequest missing", ["Body"], body_ok, body=b'{"encrypted_request": "QUJD"}', expected=expect(400, "invalid_request_body")),
                case("encryptedRequest a number", ["Body"], body_ok, body=b'{"encryptedRequest": 11256}', expected=expect(400, "invalid_request_body")),
            ]),
        ]
        return groups


# --- 11258 ---------------------------------------------------------------------------------------
def _gcm_groups(rng: random.Random) -> list[TestGroup]:
    key = base64.b64decode(GCM_KEY)

    def case(comment: str, flags: list[str], payload: Any = None, *, plaintext: bytes | None = None,
             text: Callable[[bytes, bytes], str] | None = None, use_key: bytes | None = None, aad: bytes | None = None,
             headers: dict[str, Any] | None = None, expected: dict[str, Any] = OK) -> VectorTest:
        plain = plaintext if plaintext is not None else _json(payload)
        nonce = rng.randbytes(12)
        sealed = _gcm(use_key or key, nonce, plain, aad)
        sent = text(nonce, sealed) if text else _b64(nonce + sealed)
        inputs: dict[str, Any] = {"ecode": 11258, "key": GCM_KEY, "nonce_hex": nonce.hex(), **_text(plain), "sealed_hex": sealed.hex()}
        if use_key is not None:
            inputs["encryption_key_hex"] = use_key.hex()
        if aad is not None:
            inputs["aad_hex"] = aad.hex()
        if payload is not None:
            inputs["payload"] = payload
        request = WireRequest("POST", PATH, _headers(**{"ecode": 11258, **(headers or {})}), _envelope(sent))
        return VectorTest(0, comment, flags, inputs, request, "valid" if expected["status"] == 200 else "invalid", expected)

    valid = TestGroup("valid", "Correct requests, each with its own random nonce", [
        case("one activity", ["Valid"], [activity()]),
        case("three activities", ["Valid", "Batch"], [activity(), activity("app_opened", 7, {}, source="app"), activity("purchase", "u1", {"total": 99})]),
        case("unicode", ["Valid", "Unicode"], [activity("événement", "李", {"note": "Grüße — 🌍"})]),
        case("8 KiB of params", ["Valid", "LargePayload"], [activity(params={"blob": "".join(rng.choice("0123456789") for _ in range(8192))})]),
    ])
    flip = lambda index: lambda n, s: _b64(_flip(n + s, index))  # noqa: E731
    failures = TestGroup("decryption", "Tampered, truncated, mis-laid-out or mis-keyed: the one uniform error", [
        case("tag bit flipped", ["ModifiedCiphertext"], [activity()], text=flip(-1), expected=DECRYPT),
        case("ciphertext bit flipped", ["ModifiedCiphertext"], [activity()], text=flip(12), expected=DECRYPT),
        case("nonce bit flipped", ["ModifiedCiphertext"], [activity()], text=flip(0), expected=DECRYPT),
        case("tag truncated to 12 bytes", ["Truncated"], [activity()], text=lambda n, s: _b64(n + s[:-4]), expected=DECRYPT),
        case("tag dropped", ["Truncated"], [activity()], text=lambda n, s: _b64(n + s[:-16]), expected=DECRYPT),
        case("27 bytes: shorter than nonce and tag", ["Truncated"], [activity()], text=lambda n, s: _b64((n + s)[:27]), expected=DECRYPT),
        case("empty encryptedRequest", ["Truncated"], [activity()], text=lambda n, s: "", expected=DECRYPT),
        case("another key", ["WrongKey"], [activity()], use_key=rng.randbytes(32), expected=DECRYPT),
        case("the base64 key text's first 32 bytes as the key", ["WrongKey"], [activity()], use_key=GCM_KEY.encode()[:32], expected=DECRYPT),
        case("nonce after the tag", ["GcmLayout"], [activity()], text=lambda n, s: _b64(s + n), expected=DECRYPT),
        case("nonce left out", ["GcmLayout"], [activity()], text=lambda n, s: _b64(s), expected=DECRYPT),
        case("asset id as AAD", ["GcmLayout"], [activity()], aad=ASSET.encode(), expected=DECRYPT),
        case("URL-safe base64", ["Encoding"], [activity(identity="?>?>?>")], text=lambda n, s: base64.urlsafe_b64encode(n + s).decode().rstrip("="),
             expected=DECRYPT),
        case("hex instead of base64", ["Encoding"], [activity()], text=lambda n, s: (n + s).hex(), expected=DECRYPT),
        case("x-eCode 11256 on an 11258 body", ["WrongEcode"], [activity()], headers={"ecode": 11256}, expected=DECRYPT),
        case("plaintext not JSON", ["NotJson"], plaintext=b"not json", expected=DECRYPT),
    ])
    payload = TestGroup("plaintext", "Authentic, but not a valid activity array", [
        case("asset_id of another asset", ["AssetMismatch"], [activity(asset=SEED_ASSET)], expected=expect(400, "asset_mismatch")),
        case("timestamp in local time", ["Schema"], [activity(timestamp="2025-08-26T17:35:43+05:30")], expected=PAYLOAD),
        case("activity_source Web", ["Schema"], [activity(source="Web")], expected=PAYLOAD),
    ])
    return [valid, failures, payload]


# --- the seed's samples ------------------------------------------------------------------------------
def _seed_group(rng: random.Random) -> TestGroup:
    key, iv, gcm_key = KEY.encode(), IV.encode(), base64.b64decode(GCM_KEY)
    shaped = SEED_SAMPLE.replace(SEED_ASSET, ASSET).encode("utf-8")
    verbatim = SEED_SAMPLE.encode("utf-8")
    tests = []

    def add(comment: str, flags: list[str], ecode: int, text: str, plaintext: bytes | None, *, auth: str = f"Bearer {API_KEY}",
            expected: dict[str, Any], nonce: bytes | None = None) -> None:
        inputs: dict[str, Any] = {"ecode": ecode, "key": GCM_KEY if ecode == 11258 else KEY}
        if ecode != 11258:
            inputs["iv"] = IV
        if plaintext is not None:
            inputs["plaintext"] = plaintext.decode("utf-8")
        if nonce is not None:
            inputs["nonce_hex"] = nonce.hex()
        inputs["encrypted_request"] = text
        request = WireRequest("POST", PATH, _headers(ecode, auth=auth), _envelope(text))
        tests.append(VectorTest(0, comment, flags, inputs, request, "valid" if expected["status"] == 200 else "invalid", expected))

    cbc = _cbc_raw(key, iv, _pkcs7(shaped))
    add("Step 2 sample shape, 11256", ["SeedShape", "Valid"], 11256, _b64(cbc), shaped, expected=OK)
    add("Step 2 sample shape, 11257", ["SeedShape", "Valid"], 11257, cbc.hex(), shaped, expected=OK)
    nonce = rng.randbytes(12)
    add("Step 2 sample shape, 11258", ["SeedShape", "Valid"], 11258, _b64(nonce + _gcm(gcm_key, nonce, shaped)), shaped, expected=OK, nonce=nonce)
    add("Step 2 sample verbatim under the Step 3 curl's x-asset", ["SeedVerbatim", "AssetMismatch"], 11256,
        _b64(_cbc_raw(key, iv, _pkcs7(verbatim))), verbatim, expected=expect(400, "asset_mismatch"))
    add("Step 2 published ciphertext (416 bytes; unknown key)", ["SeedCiphertext"], 11256, SEED_STEP2_CIPHERTEXT, None, expected=DECRYPT)
    add("Step 3 curl ciphertext (368 bytes; unknown key)", ["SeedCiphertext"], 11256, SEED_CURL_CIPHERTEXT, None, expected=DECRYPT)
    add("Step 3 curl as published, with the seed's API key", ["SeedCiphertext", "Auth"], 11256, SEED_CURL_CIPHERTEXT, None,
        auth=f"Bearer {SEED_API_KEY}", expected=expect(401, "unauthorized"))
    return TestGroup("seed", "The seed's own samples", tests)


# --- Wycheproof -------------------------------------------------------------------------------------
def _wycheproof_cbc_group() -> TestGroup:
    tests = []
    for _group, case in wycheproof.cases("aes_cbc_pkcs5_test", lambda g: g["keySize"] == 256):
        ct = bytes.fromhex(case["ct"])
        inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                  "key_hex": case["key"], "iv_hex": case["iv"], "plaintext_hex": case["msg"], "ct_hex": case["ct"],
                  "encrypted_request_11256": _b64(ct), "encrypted_request_11257": ct.hex()}
        flags = ["Wycheproof"] + (["Truncated"] if not ct else ["BadPadding"] if case["result"] == "invalid" else [])
        tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None, case["result"], DECRYPT))
    return TestGroup("wycheproof", "Valid cases decrypt (to non-JSON bytes); invalid ones fail the padding check; both answer decryption_failed", tests)


def _wycheproof_gcm_group() -> TestGroup:
    tests = []
    for _group, case in wycheproof.cases("aes_gcm_test", lambda g: g["keySize"] == 256 and g["ivSize"] == 96 and g["tagSize"] == 128):
        data = bytes.fromhex(case["iv"] + case["ct"] + case["tag"])
        has_aad = bool(case["aad"])
        valid = case["result"] == "valid" and not has_aad
        inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_result": case["result"], "wycheproof_flags": case["flags"],
                  "key_hex": case["key"], "gcm_key": _b64(bytes.fromhex(case["key"])), "iv_hex": case["iv"], "aad_hex": case["aad"],
                  "plaintext_hex": case["msg"], "ct_hex": case["ct"], "tag_hex": case["tag"], "encrypted_request": _b64(data)}
        flags = ["Wycheproof"] + (["Aad"] if has_aad else [])
        tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None, "valid" if valid else "invalid", DECRYPT))
    return TestGroup("wycheproof", "Authentic only when Wycheproof says valid and there is no AAD; every case answers decryption_failed", tests)


# --- independent verification ------------------------------------------------------------------------
_UTC_Z = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z")


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(name)

    return json.loads(text, parse_constant=refuse)


def _open(ecode: int, text: str) -> bytes | None:
    """Decode and decrypt with pycryptodome and the standard library; None on any failure."""
    from Crypto.Cipher import AES
    from Crypto.Util.Padding import unpad

    try:
        if ecode == 11257:
            data = binascii.unhexlify(text)  # either case (hex_case=any, the mock's default)
        else:
            data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    try:
        if ecode == 11258:
            if len(data) < 28:
                return None
            return AES.new(base64.b64decode(GCM_KEY), AES.MODE_GCM, nonce=data[:12]).decrypt_and_verify(data[12:-16], data[-16:])
        if not data or len(data) % 16:
            return None
        return unpad(AES.new(KEY.encode(), AES.MODE_CBC, iv=IV.encode()).decrypt(data), 16, style="pkcs7")
    except ValueError:
        return None


def _payload_verdict(payload: Any, asset: str) -> tuple[int, str | None]:
    """The seed's activity rules, written apart from the mock's validator."""
    if not isinstance(payload, list) or not payload or len(payload) > 1000:
        return 400, "invalid_payload"
    for item in payload:
        if not isinstance(item, dict):
            return 400, "invalid_payload"
        if any(k not in item for k in ("asset_id", "activity_name", "timestamp", "identity", "activity_source", "activity_params")):
            return 400, "invalid_payload"
        if not isinstance(item["asset_id"], str) or not item["asset_id"]:
            return 400, "invalid_payload"
        if item["asset_id"] != asset:
            return 400, "asset_mismatch"
        name, stamp, identity = item["activity_name"], item["timestamp"], item["identity"]
        if not isinstance(name, str) or not name.strip():
            return 400, "invalid_payload"
        if not isinstance(stamp, str) or not _UTC_Z.fullmatch(stamp):
            return 400, "invalid_payload"
        try:
            dt.datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return 400, "invalid_payload"
        if isinstance(identity, bool) or not isinstance(identity, (str, int)) or (isinstance(identity, str) and not identity.strip()):
            return 400, "invalid_payload"
        if item["activity_source"] not in ("web", "app") or not isinstance(item["activity_params"], dict):
            return 400, "invalid_payload"
    return 200, None


def _plaintext_verdict(plaintext: bytes | None, asset: str) -> tuple[int, str | None]:
    if plaintext is None:
        return 400, "decryption_failed"
    try:
        payload = _strict_json(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return 400, "decryption_failed"
    return _payload_verdict(payload, asset)


def judge_request(request: WireRequest) -> tuple[int, str | None, Any]:
    """Expected (status, error code, decrypted payload or None) of a request to the default mock."""
    h = request.headers
    if _header(h, "Authorization") != f"Bearer {API_KEY}":
        return 401, "unauthorized", None
    if (_header(h, "Content-Type") or "").split(";")[0].strip().lower() != "application/json":
        return 400, "invalid_content_type", None
    ecode_text, asset = (_header(h, "x-eCode") or "").strip(), (_header(h, "x-asset") or "").strip()
    if not ecode_text or not asset:
        return 400, "missing_header", None
    if ecode_text not in ("11256", "11257", "11258"):
        return 400, "invalid_ecode", None
    if asset != ASSET:
        return 400, "invalid_asset", None
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return 400, "invalid_request_body", None
    if not isinstance(body, dict) or not isinstance(body.get("encryptedRequest"), str):
        return 400, "invalid_request_body", None
    plaintext = _open(int(ecode_text), body["encryptedRequest"])
    status, code = _plaintext_verdict(plaintext, asset)
    payload = json.loads(plaintext.decode("utf-8")) if status == 200 and plaintext is not None else None
    return status, code, payload


def _verify_wycheproof(test: VectorTest) -> str | None:
    from Crypto.Cipher import AES
    from Crypto.Util.Padding import unpad

    i = test.inputs
    key, iv = bytes.fromhex(i["key_hex"]), bytes.fromhex(i["iv_hex"])
    plaintext: bytes | None
    if "tag_hex" in i:
        data = base64.b64decode(i["encrypted_request"])
        if data != bytes.fromhex(i["iv_hex"] + i["ct_hex"] + i["tag_hex"]):
            return "encrypted_request is not nonce || ct || tag"
        try:  # 11258 uses no AAD: decrypt without the case's AAD
            plaintext = AES.new(key, AES.MODE_GCM, nonce=data[:12]).decrypt_and_verify(data[12:-16], data[-16:])
        except ValueError:
            plaintext = None
    else:
        ct = bytes.fromhex(i["ct_hex"])
        if base64.b64decode(i["encrypted_request_11256"]) != ct or i["encrypted_request_11257"] != ct.hex():
            return "encrypted requests do not carry ct"
        try:
            plaintext = unpad(AES.new(key, AES.MODE_CBC, iv=iv).decrypt(ct), 16, style="pkcs7") if ct else None
        except ValueError:
            plaintext = None
    if (plaintext is not None) != (test.result == "valid"):
        return f"pycryptodome {'decrypts' if plaintext is not None else 'rejects'} it, the vector says {test.result}"
    if plaintext is not None and plaintext != bytes.fromhex(i["plaintext_hex"]):
        return "plaintext differs from Wycheproof's msg"
    status, code = _plaintext_verdict(plaintext, ASSET)
    if (status, code) != (test.expected.get("status"), test.expected.get("error_code")):
        return f"as a request it would be answered {status} {code}, the vector expects {test.expected}"
    return None


def _verify_one(test: VectorTest) -> str | None:
    if test.request is None:
        return _verify_wycheproof(test) if "Wycheproof" in test.flags else "no request"
    status, code, payload = judge_request(test.request)
    expected = (test.expected.get("status"), test.expected.get("error_code"))
    if (status, code) != expected:
        return f"independent judge says {status} {code}, the vector expects {expected[0]} {expected[1]}"
    if (status == 200) != (test.result == "valid"):
        return f"result {test.result} disagrees with status {status}"
    if status == 200 and "payload" in test.inputs and payload != test.inputs["payload"]:
        return "decrypted payload differs from inputs.payload"
    if status == 200 and "plaintext" in test.inputs and payload != json.loads(test.inputs["plaintext"]):
        return "decrypted payload differs from inputs.plaintext"
    return None


GENERATOR = NetcoreCeGenerator()
