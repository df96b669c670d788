"""ncp-mailer vectors: API Gateway signature v2 (seed 002).

Three files:
- ``signature_known_answers``: (method, URI, timestamp, access key, secret) ->
  string to sign -> signature, including the seed's sample request line with a
  chosen secret (the seed does not publish its secret), percent-encoded and raw
  unicode in query strings, non-ASCII and long secrets; and invalid ones where
  the signature belongs to a changed method, path, query, access key or secret.
  No wire request: these are for any implementation's unit tests.
- ``signature_requests``: complete wire requests with the mock's default
  credentials and the server time they assume (``clock_ms``): correct ones,
  every component changed, timestamps at the +-300 s boundaries and beyond,
  seconds instead of milliseconds, header mistakes, and requests that pass the
  gateway but fail in the mailer. ``expected`` is what the mock answers.
- ``wycheproof_hmac_sha256``: the Wycheproof HMAC-SHA256 cases with a 256-bit
  key and a 256-bit tag (the primitive; its keys are not UTF-8 text, so no request).

Verification (:meth:`NcpMailerGenerator.verify`) uses pycryptodome's HMAC and
the standard library only; it re-derives every verdict from the seed's rules
without importing the mock.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any
from urllib.parse import quote

from .. import wycheproof
from ..schema import TestGroup, VectorFile, VectorTest, WireRequest, expect, generator_header, number_tests

PROVIDER = "ncp-mailer"
ACCESS_KEY = "sealmail-ncp-access-key"
SECRET_KEY = "sealmail-ncp-secret-key"
"""The mock's documented default credentials (mockservers/providers/ncp_mailer/spec.py)."""
SEED_TIMESTAMP = "1521787414578"
SEED_ACCESS_KEY = "6uxz1nKkcYwUjWRG5Q1V7NsW0i5jErlu2NjBXXgy"
"""The seed's curl example (its secret key is not published)."""
WINDOW_MS = 300_000
PREFIXES = ("/api/v1", "/api/v1-sgn", "/api/v1-jpn")
GATEWAY_AUTH = "200"
UNKNOWN_ID = "20181126000000246001"
"""The API reference's example request id: never issued by the mock (its ids carry the clock's date)."""

SEED_BODY: dict[str, Any] = {
    "senderAddress": "no_reply@company.com", "title": "Hello, ${customer_name}. ",
    "body": "Your grade has been changed from ${BEFORE_GRADE} to ${AFTER_GRADE}.",
    "recipients": [
        {"address": "hongildong@naver_.com", "name": "Gildong Hong", "type": "R",
         "parameters": {"customer_name": "Gildong Hong", "BEFORE_GRADE": "SILVER", "AFTER_GRADE": "GOLD"}},
        {"address": "chulsoo@daum_.net", "name": None, "type": "R",
         "parameters": {"customer_name": "Chulsoo", "BEFORE_GRADE": "BRONZE", "AFTER_GRADE": "SILVER"}},
    ],
    "individual": True, "advertising": False,
}
"""The seed's createMailRequest example body."""

NOTES = {
    "Valid": "The signature is correct for the request as sent.",
    "SeedExample": "The seed's sample request line (POST /api/v1/mails, timestamp 1521787414578, its access key) with a chosen secret.",
    "Query": "The URI carries a query string, signed exactly as sent.",
    "Unicode": "Non-ASCII text: percent-encoded UTF-8 in the URI as sent, or raw characters in the string to sign.",
    "EmptyQuery": "A lone '?' with nothing after it.",
    "Region": "A regional prefix other than /api/v1.",
    "SecretEncoding": "A secret with non-ASCII characters: the HMAC key is its UTF-8 bytes.",
    "LongSecret": "A secret longer than SHA-256's 64-byte block (HMAC hashes it first).",
    "ChangedMethod": "Signature made for another HTTP method.",
    "ChangedPath": "Signature made for another path.",
    "ChangedQuery": "Signature made for another query string (or none).",
    "ChangedAccessKey": "Signature made with another access key in the string to sign.",
    "ChangedSecret": "Signature made with another secret key.",
    "ChangedTimestamp": "Signature made for another timestamp than the one sent.",
    "SignatureEncoding": "The HMAC encoded other than standard base64 with padding (hex, URL-safe, unpadded).",
    "TimestampWindow": "Timestamp at or beyond the 300 000 ms tolerance, in the past or the future.",
    "Seconds": "Timestamp in epoch seconds instead of milliseconds.",
    "MixedCaseHeaders": "Header names in another case (HTTP field names are case-insensitive).",
    "WholeSeconds": "A timestamp that is whole seconds times 1000 (still milliseconds).",
    "HeaderName": "A gateway header missing or under another name (x-ncp-apigw-signature-v1).",
    "UnknownAccessKey": "An access key the server does not know.",
    "Malformed": "A timestamp that is not a decimal number.",
    "Service": "Passes the gateway; the mailer answers (201, or its 77xxx error).",
    "Wycheproof": "Case from Wycheproof hmac_sha256_test.json, keySize 256, tagSize 256 (inputs keep its tcId and hex values).",
    "Pseudorandom": "Wycheproof flag: pseudorandomly generated inputs.",
    "ModifiedTag": "Wycheproof flag: the MAC was modified; verification must fail.",
}


# --- signing (pycryptodome, as the verifier; the mock uses the standard library) -------------
def _hmac(key: bytes, message: bytes) -> bytes:
    from Crypto.Hash import HMAC, SHA256

    return HMAC.new(key, message, digestmod=SHA256).digest()


def _string(method: str, uri: str, timestamp: str, access_key: str) -> str:
    return f"{method} {uri}\n{timestamp}\n{access_key}"


def _sign(secret: str, method: str, uri: str, timestamp: str, access_key: str) -> str:
    raw = _hmac(secret.encode("utf-8"), _string(method, uri, timestamp, access_key).encode("utf-8"))
    return base64.b64encode(raw).decode("ascii")


def _kat(comment: str, flags: list[str], method: str, uri: str, timestamp: str, access_key: str, secret: str,
         *, signed: dict[str, str] | None = None) -> VectorTest:
    """A known answer; ``signed`` overrides the components the signature was really made with (invalid cases)."""
    made = {"method": method, "uri": uri, "timestamp": timestamp, "access_key": access_key, "secret": secret, **(signed or {})}
    signature = _sign(made["secret"], made["method"], made["uri"], made["timestamp"], made["access_key"])
    inputs = {"method": method, "uri": uri, "timestamp": timestamp, "access_key": access_key, "secret_key": secret,
              "string_to_sign": _string(method, uri, timestamp, access_key), "signature": signature}
    if signed:
        inputs["signature_made_with"] = signed
    return VectorTest(0, comment, flags, inputs, None, "invalid" if signed else "valid", {})  # type: ignore[arg-type]



class NcpMailerGenerator:
    provider_id = PROVIDER
    version = "1"
    default_seed = 20261122

    def generate(self, seed: int) -> list[VectorFile]:
        rng = random.Random(seed)
        header = generator_header(__name__, self.version, seed)
        provenance = ("Generated by sealmail (python -m sealmail vectors generate --provider ncp-mailer) from the seed's rules "
                      "(seed 002, 'Create a signature'); HMAC-SHA256 with pycryptodome.")
        answers = self._known_answers(rng)
        kats = VectorFile("signature_known_answers", PROVIDER, "API Gateway signature v2: base64(HMAC-SHA256(secret, METHOD URI\\nTIMESTAMP\\nACCESSKEY))",
                          header, provenance + " Secrets and timestamps drawn from random.Random(seed).",
                          _notes_for(answers), number_tests(answers))
        requests_ = self._requests(rng)
        wire = VectorFile("signature_requests", PROVIDER, "API Gateway signature v2 on wire requests (mock default credentials)",
                          header, provenance + " Requests use the mock's default access key and secret key; clock_ms is the server time assumed.",
                          _notes_for(requests_), number_tests(requests_))
        third_party = self._wycheproof()
        hmac_file = VectorFile("wycheproof_hmac_sha256", PROVIDER, "HMAC-SHA256, 256-bit key, 256-bit tag (the signature's primitive)",
                               header, f"{wycheproof.SOURCE}: hmac_sha256_test.json groups keySize 256, tagSize 256, results unchanged.",
                               _notes_for(third_party), number_tests(third_party))
        return [kats, wire, hmac_file]

    # -- known answers --------------------------------------------------------------------
    def _known_answers(self, rng: random.Random) -> list[TestGroup]:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        chosen = "".join(rng.choice(alphabet) for _ in range(40))
        stamp = str(1_700_000_000_000 + rng.randrange(10**11))
        key = "".join(rng.choice(alphabet) for _ in range(20))
        status_uri = f"/api/v1/mails/requests/{UNKNOWN_ID}/status"
        list_uri = f"/api/v1/mails/requests/{UNKNOWN_ID}/mails?size=5&sendStatus=S&sendStatus=PF&page=0"
        hangul = "/api/v1/mails/requests/1/mails?title=" + quote("홍길동 ✓", safe="")
        seed = TestGroup("seed", "The seed's sample request line, signed with chosen secrets", [
            _kat("seed sample line, chosen secret 'secretKey'", ["Valid", "SeedExample"], "POST", "/api/v1/mails", SEED_TIMESTAMP, SEED_ACCESS_KEY, "secretKey"),
            _kat("seed sample line, random 40-character secret", ["Valid", "SeedExample"], "POST", "/api/v1/mails", SEED_TIMESTAMP, SEED_ACCESS_KEY, chosen),
        ])
        uris = TestGroup("uris", "URIs with and without query strings", [
            _kat("getMailRequestStatus, no query", ["Valid"], "GET", status_uri, stamp, key, chosen),
            _kat("getMailList example query (repeated key)", ["Valid", "Query"], "GET", list_uri, stamp, key, chosen),
            _kat("percent-encoded UTF-8 query", ["Valid", "Query", "Unicode"], "GET", hangul, stamp, key, chosen),
            _kat("raw unicode in the string to sign", ["Valid", "Query", "Unicode"], "GET", "/api/v1/mails/requests/1/mails?title=홍길동", stamp, key, chosen),
            _kat("lone '?' signed as sent", ["Valid", "EmptyQuery"], "GET", status_uri + "?", stamp, key, chosen),
            _kat("Singapore prefix", ["Valid", "Region"], "POST", "/api/v1-sgn/mails", stamp, key, chosen),
            _kat("Japan prefix, DELETE", ["Valid", "Region"], "DELETE", "/api/v1-jpn/mails/1", stamp, key, chosen),
        ])
        secrets = TestGroup("secrets", "Secret keys that are not plain ASCII or are long", [
            _kat("Hangul and Latin-1 secret", ["Valid", "SecretEncoding"], "POST", "/api/v1/mails", stamp, key, "비밀-Geheimnis-ÄÖÜß"),
            _kat("emoji secret", ["Valid", "SecretEncoding"], "POST", "/api/v1/mails", stamp, key, "🔑" + chosen[:8]),
            _kat("100-character secret", ["Valid", "LongSecret"], "POST", "/api/v1/mails", stamp, key, "".join(rng.choice(alphabet) for _ in range(100))),
        ])
        other = "".join(rng.choice(alphabet) for _ in range(40))
        invalid = TestGroup("invalid", "The signature was made for something else than the inputs", [
            _kat("made for GET, inputs say POST", ["ChangedMethod"], "POST", "/api/v1/mails", stamp, key, chosen, signed={"method": "GET"}),
            _kat("made for another path", ["ChangedPath"], "POST", "/api/v1/mails", stamp, key, chosen, signed={"uri": "/api/v1-sgn/mails"}),
            _kat("made without the query", ["ChangedQuery"], "GET", list_uri, stamp, key, chosen, signed={"uri": list_uri.split("?")[0]}),
            _kat("made for another query value", ["ChangedQuery"], "GET", list_uri, stamp, key, chosen, signed={"uri": list_uri.replace("size=5", "size=6")}),
            _kat("made for the decoded query", ["ChangedQuery", "Unicode"], "GET", hangul, stamp, key, chosen,
                 signed={"uri": "/api/v1/mails/requests/1/mails?title=홍길동 ✓"}),
            _kat("made with a trailing '?'", ["ChangedQuery", "EmptyQuery"], "GET", status_uri, stamp, key, chosen, signed={"uri": status_uri + "?"}),
            _kat("made with another access key", ["ChangedAccessKey"], "POST", "/api/v1/mails", stamp, key, chosen, signed={"access_key": key[::-1]}),
            _kat("made with another secret", ["ChangedSecret"], "POST", "/api/v1/mails", stamp, key, chosen, signed={"secret": other}),
            _kat("made for the timestamp in seconds", ["ChangedTimestamp", "Seconds"], "POST", "/api/v1/mails", stamp, key, chosen,
                 signed={"timestamp": stamp[:-3]}),
        ])
        return [seed, uris, secrets, invalid]

    # -- wire requests ------------------------------------------------------------------------
    def _requests(self, rng: random.Random) -> list[TestGroup]:
        base = 1_700_000_000_000 + rng.randrange(10**11)
        mails_body = json.dumps(SEED_BODY, ensure_ascii=False).encode("utf-8")
        status_uri = f"/api/v1/mails/requests/{UNKNOWN_ID}/status"
        list_uri = f"/api/v1/mails/requests/{UNKNOWN_ID}/mails?title=" + quote("홍길동 ✓", safe="") + "&size=5&sendStatus=S&sendStatus=PF"
        json_type = {"Content-Type": "application/json"}

        def wire(comment: str, flags: list[str], method: str, uri: str, expected: dict[str, Any], *, body: bytes = b"",
                 stamp: str | None = None, clock: int | None = None, signed: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None, names: tuple[str, str, str] | None = None, encode: str = "base64",
                 drop: str | None = None, extra: dict[str, str] | None = None) -> VectorTest:
            stamp = stamp if stamp is not None else str(base)
            made = {"method": method, "uri": uri, "timestamp": stamp, "access_key": ACCESS_KEY, "secret": SECRET_KEY, **(signed or {})}
            raw = _hmac(made["secret"].encode("utf-8"),
                        _string(made["method"], made["uri"], made["timestamp"], made["access_key"]).encode("utf-8"))
            value = {"base64": base64.b64encode(raw).decode(), "hex": raw.hex(),
                     "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
                     "unpadded": base64.b64encode(raw).decode().rstrip("=")}[encode]
            names = names or ("x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2")
            sent = dict(zip(names, (stamp, ACCESS_KEY, value)))
            if drop:
                sent.pop(drop)
            sent.update(headers or {})
            if body and not any(k.lower() == "content-type" for k in sent):
                sent.update(json_type)
            sent.update(extra or {})
            inputs = {"secret_key": SECRET_KEY, "string_to_sign": _string(made["method"], made["uri"], made["timestamp"], made["access_key"])}
            if signed:
                inputs["signature_made_with"] = signed
            valid = expected["error_code"] != GATEWAY_AUTH and expected["status"] != 404
            return VectorTest(0, comment, flags, inputs, WireRequest(method, uri, sent, body), "valid" if valid else "invalid",  # type: ignore[arg-type]
                              expected, base if clock is None else clock)

        created, auth = expect(201), expect(401, GATEWAY_AUTH)
        missing = expect(400, "77103")
        whole = base // 1000 * 1000
        valid = TestGroup("valid", "Correct signatures: the gateway lets them through", [
            wire("seed example body, KR", ["Valid", "Service"], "POST", "/api/v1/mails", created, body=mails_body),
            wire("seed example body, SGN", ["Valid", "Region", "Service"], "POST", "/api/v1-sgn/mails", created, body=mails_body),
            wire("seed example body, JPN", ["Valid", "Region", "Service"], "POST", "/api/v1-jpn/mails", created, body=mails_body),
            wire("status of an unknown request", ["Valid", "Service"], "GET", status_uri, missing),
            wire("mail list with a percent-encoded unicode query", ["Valid", "Query", "Unicode", "Service"], "GET", list_uri, missing),
            wire("lone '?' sent and signed", ["Valid", "EmptyQuery", "Service"], "GET", status_uri + "?", missing),
            wire("upper- and mixed-case header names", ["Valid", "MixedCaseHeaders", "Service"], "POST", "/api/v1/mails", created,
                 body=mails_body, names=("X-NCP-APIGW-TIMESTAMP", "X-Ncp-Iam-Access-Key", "X-NCP-APIGW-SIGNATURE-V2")),
            wire("whole-second timestamp times 1000", ["Valid", "WholeSeconds", "Service"], "POST", "/api/v1/mails", created,
                 body=mails_body, stamp=str(whole), clock=whole + 999),
            wire("timestamp exactly 300 s old", ["Valid", "TimestampWindow", "Service"], "POST", "/api/v1/mails", created,
                 body=mails_body, clock=base + WINDOW_MS),
            wire("timestamp exactly 300 s ahead", ["Valid", "TimestampWindow", "Service"], "POST", "/api/v1/mails", created,
                 body=mails_body, clock=base - WINDOW_MS),
        ])
        components = TestGroup("components", "One signed component changed: 401 / 200 Authentication Failed", [
            wire("signed as GET, sent as POST", ["ChangedMethod"], "POST", "/api/v1/mails", auth, body=mails_body, signed={"method": "GET"}),
            wire("signed for /api/v1-sgn, sent to /api/v1", ["ChangedPath"], "POST", "/api/v1/mails", auth, body=mails_body,
                 signed={"uri": "/api/v1-sgn/mails"}),
            wire("query not signed", ["ChangedQuery"], "GET", list_uri, auth, signed={"uri": list_uri.split("?")[0]}),
            wire("other query value signed", ["ChangedQuery"], "GET", list_uri, auth, signed={"uri": list_uri.replace("size=5", "size=6")}),
            wire("decoded query signed", ["ChangedQuery", "Unicode"], "GET", list_uri, auth,
                 signed={"uri": f"/api/v1/mails/requests/{UNKNOWN_ID}/mails?title=홍길동 ✓&size=5&sendStatus=S&sendStatus=PF"}),
            wire("lower-case percent-encoding signed, upper-case sent", ["ChangedQuery", "Unicode"], "GET", list_uri, auth,
                 signed={"uri": list_uri.split("?")[0] + "?" + list_uri.split("?")[1].lower().replace("sendstatus", "sendStatus")}),
            wire("trailing '?' signed, not sent", ["ChangedQuery", "EmptyQuery"], "GET", status_uri, auth, signed={"uri": status_uri + "?"}),
            wire("'?' sent, not signed", ["ChangedQuery", "EmptyQuery"], "GET", status_uri + "?", auth, signed={"uri": status_uri}),
            wire("another access key in the string to sign", ["ChangedAccessKey"], "POST", "/api/v1/mails", auth, body=mails_body,
                 signed={"access_key": "another-access-key"}),
            wire("another secret", ["ChangedSecret"], "POST", "/api/v1/mails", auth, body=mails_body, signed={"secret": SECRET_KEY + "x"}),
            wire("another timestamp signed than sent", ["ChangedTimestamp"], "POST", "/api/v1/mails", auth, body=mails_body,
                 signed={"timestamp": str(base - 1)}),
            wire("hex signature", ["SignatureEncoding"], "POST", "/api/v1/mails", auth, body=mails_body, encode="hex"),
            wire("URL-safe base64 without padding", ["SignatureEncoding"], "POST", "/api/v1/mails", auth, body=mails_body, encode="base64url"),
            wire("base64 without padding", ["SignatureEncoding"], "POST", "/api/v1/mails", auth, body=mails_body, encode="unpadded"),
        ])
        timestamps = TestGroup("timestamps", "The 5-minute window (seed: invalid if more than 5 minutes off)", [
            wire("300.001 s old", ["TimestampWindow"], "POST", "/api/v1/mails", auth, body=mails_body, clock=base + WINDOW_MS + 1),
            wire("300.001 s ahead", ["TimestampWindow"], "POST", "/api/v1/mails", auth, body=mails_body, clock=base - WINDOW_MS - 1),
            wire("10 minutes old", ["TimestampWindow"], "POST", "/api/v1/mails", auth, body=mails_body, clock=base + 2 * WINDOW_MS),
            wire("one day ahead", ["TimestampWindow"], "POST", "/api/v1/mails", auth, body=mails_body, clock=base - 86_400_000),
            wire("epoch seconds instead of milliseconds", ["Seconds"], "POST", "/api/v1/mails", auth, body=mails_body,
                 stamp=str(base // 1000)),
            wire("timestamp not a number", ["Malformed"], "POST", "/api/v1/mails", auth, body=mails_body, stamp="now"),
        ])
        headers = TestGroup("headers", "Gateway headers missing, renamed or unknown", [
            wire("signature under x-ncp-apigw-signature-v1", ["HeaderName"], "POST", "/api/v1/mails", auth, body=mails_body,
                 names=("x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v1")),
            wire("no timestamp header", ["HeaderName"], "POST", "/api/v1/mails", auth, body=mails_body, drop="x-ncp-apigw-timestamp"),
            wire("no access key header", ["HeaderName"], "POST", "/api/v1/mails", auth, body=mails_body, drop="x-ncp-iam-access-key"),
            wire("no signature header", ["HeaderName"], "POST", "/api/v1/mails", auth, body=mails_body, drop="x-ncp-apigw-signature-v2"),
            wire("unknown access key", ["UnknownAccessKey"], "POST", "/api/v1/mails", auth, body=mails_body,
                 extra={"x-ncp-iam-access-key": "UNKNOWN-ACCESS-KEY"}),
        ])
        bad_body = json.dumps({k: v for k, v in SEED_BODY.items() if k != "senderAddress"}).encode("utf-8")
        service = TestGroup("service", "Correct signatures, answered by the mailer (or the gateway's 404 outside the API)", [
            wire("text/plain body", ["Valid", "Service"], "POST", "/api/v1/mails", expect(415, "77002"), body=mails_body,
                 headers={"Content-Type": "text/plain"}),
            wire("DELETE on /mails", ["Valid", "Service"], "DELETE", "/api/v1/mails", expect(405, "77001")),
            wire("senderAddress missing", ["Valid", "Service"], "POST", "/api/v1/mails", expect(400, "77102"), body=bad_body),
            wire("unknown resource under the prefix", ["Valid", "Service"], "GET", "/api/v1/no-such-resource", missing),
            wire("outside every regional prefix", ["Service"], "GET", "/api/v2/mails", expect(404, "300")),
        ])
        return [valid, components, timestamps, headers, service]

    # -- Wycheproof ---------------------------------------------------------------------------
    def _wycheproof(self) -> list[TestGroup]:
        tests = []
        for _group, case in wycheproof.cases("hmac_sha256_test", lambda g: g["keySize"] == 256 and g["tagSize"] == 256):
            inputs = {"wycheproof_tcId": case["tcId"], "wycheproof_flags": case["flags"], "key_hex": case["key"],
                      "msg_hex": case["msg"], "tag_hex": case["tag"]}
            flags = ["Wycheproof"] + [f for f in case["flags"] if f in NOTES]
            tests.append(VectorTest(0, case["comment"] or f"Wycheproof tcId {case['tcId']}", flags, inputs, None,
                                    "valid" if case["result"] == "valid" else "invalid", {}))
        return [TestGroup("wycheproof", "HMAC-SHA256 with a 256-bit key and full 256-bit tag; results as Wycheproof", tests)]

    # -- independent verification ------------------------------------------------------------------
    def verify(self, vector_file: VectorFile) -> list[str]:
        problems = []
        for test in vector_file.tests():
            problem = _verify_one(test)
            if problem:
                problems.append(f"tcId {test.tcId} ({test.comment}): {problem}")
        return problems

    def error_code(self, status: int, body: Any) -> Any:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("errorCode")
        return None


def _notes_for(groups: list[TestGroup]) -> dict[str, str]:
    used = {flag for group in groups for test in group.tests for flag in test.flags}
    return {flag: text for flag, text in NOTES.items() if flag in used}


def _verify_one(test: VectorTest) -> str | None:
    inputs = test.inputs
    if "wycheproof_tcId" in inputs:
        tag = _hmac(bytes.fromhex(inputs["key_hex"]), bytes.fromhex(inputs["msg_hex"]))
        matches = tag == bytes.fromhex(inputs["tag_hex"])
        return None if matches == (test.result == "valid") else f"HMAC {'matches' if matches else 'differs'}, vector says {test.result}"
    if test.request is None:
        return _verify_known_answer(test)
    return _verify_request(test)


def _verify_known_answer(test: VectorTest) -> str | None:
    i = test.inputs
    layout = f"{i['method']} {i['uri']}\n{i['timestamp']}\n{i['access_key']}"
    if i["string_to_sign"] != layout:
        return "string_to_sign is not METHOD URI\\nTIMESTAMP\\nACCESSKEY"
    matches = _sign(i["secret_key"], i["method"], i["uri"], i["timestamp"], i["access_key"]) == i["signature"]
    if matches != (test.result == "valid"):
        return f"signature {'verifies' if matches else 'does not verify'}, vector says {test.result}"
    return None if test.expected == {} else "a known answer has no HTTP outcome"


def _verify_request(test: VectorTest) -> str | None:
    request = test.request
    assert request is not None
    outcome = _judge(request, test.clock_ms)
    gateway_ok = outcome[1] != GATEWAY_AUTH and outcome[0] != 404
    if gateway_ok != (test.result == "valid"):
        return f"signature judged {'valid' if gateway_ok else 'invalid'}, vector says {test.result}"
    expected = (test.expected.get("status"), test.expected.get("error_code"))
    return None if outcome == expected else f"expected outcome {outcome}, vector says {expected}"


def _judge(request: WireRequest, clock_ms: int | None) -> tuple[int, str | None]:
    """The seed's rules, re-derived: gateway first, then the mailer."""
    path = request.path.split("?", 1)[0]
    prefix = next((p for p in PREFIXES if path == p or path.startswith(p + "/")), None)
    if prefix is None:
        return 404, "300"
    headers = {name.lower(): value for name, value in request.headers.items()}
    stamp, key, signature = (headers.get(n) for n in ("x-ncp-apigw-timestamp", "x-ncp-iam-access-key", "x-ncp-apigw-signature-v2"))
    if stamp is None or key is None or signature is None or clock_ms is None:
        return 401, GATEWAY_AUTH
    if not stamp.isdigit() or abs(clock_ms - int(stamp)) > WINDOW_MS:
        return 401, GATEWAY_AUTH
    if key != ACCESS_KEY or _sign(SECRET_KEY, request.method, request.path, stamp, key) != signature:
        return 401, GATEWAY_AUTH
    rest = path[len(prefix):]
    if rest == "/mails":
        if request.method != "POST":
            return 405, "77001"
        if headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return 415, "77002"
        body = json.loads(request.body.decode("utf-8"))
        complete = all(body.get(k) for k in ("senderAddress", "title", "body", "recipients"))
        return (201, None) if complete else (400, "77102")
    return 400, "77103"  # status, mail list or mail of an id the server never issued, or no such resource


GENERATOR = NcpMailerGenerator()
