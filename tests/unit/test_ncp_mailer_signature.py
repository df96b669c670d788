"""ncp-mailer signature v2 primitives, checked against independent implementations and Wycheproof."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from sealmail.mockservers.crypto import ncp_signature as sig
from sealmail.vectors import wycheproof

SEED_TIMESTAMP = "1521787414578"
SEED_ACCESS_KEY = "6uxz1nKkcYwUjWRG5Q1V7NsW0i5jErlu2NjBXXgy"
"""The seed's curl example; its secret is not published, so tests choose one."""


def independent_signature(secret: str, message: str) -> str:
    """pyca/cryptography HMAC, not the stdlib ``hmac`` the module uses."""
    mac = crypto_hmac.HMAC(secret.encode("utf-8"), hashes.SHA256())
    mac.update(message.encode("utf-8"))
    return base64.b64encode(mac.finalize()).decode("ascii")


def test_string_to_sign_is_the_seeds_layout() -> None:
    text = sig.string_to_sign("POST", "/api/v1/mails", SEED_TIMESTAMP, SEED_ACCESS_KEY)
    assert text == f"POST /api/v1/mails\n{SEED_TIMESTAMP}\n{SEED_ACCESS_KEY}"
    assert text.count(" ") == 1 and text.count("\n") == 2


def test_int_timestamp_is_formatted_in_decimal() -> None:
    assert sig.string_to_sign("GET", "/x", 1521787414578, "k") == "GET /x\n1521787414578\nk"


@pytest.mark.parametrize(
    ("method", "uri", "secret"),
    [
        ("POST", "/api/v1/mails", "a-chosen-secret"),
        ("GET", "/api/v1/mails/requests/20181126000000246001/mails?size=5&sendStatus=S&sendStatus=PF&page=0", "s"),
        ("GET", "/api/v1-sgn/mails/requests/1/mails?title=%ED%99%8D%EA%B8%B8%EB%8F%99", "비밀키-ümlaut"),
        ("GET", "/api/v1/mails?title=홍길동", "secret"),
    ],
)
def test_sign_matches_pyca_cryptography(method: str, uri: str, secret: str) -> None:
    message = sig.string_to_sign(method, uri, SEED_TIMESTAMP, SEED_ACCESS_KEY)
    assert sig.sign(secret, method, uri, SEED_TIMESTAMP, SEED_ACCESS_KEY) == independent_signature(secret, message)


def test_signature_is_base64_of_32_raw_bytes() -> None:
    value = sig.sign("secret", "POST", "/api/v1/mails", SEED_TIMESTAMP, SEED_ACCESS_KEY)
    assert len(base64.b64decode(value, validate=True)) == 32
    assert len(value) == 44 and value.endswith("=")


def test_verify_accepts_the_right_signature_and_nothing_close() -> None:
    args = ("secret", "POST", "/api/v1/mails", SEED_TIMESTAMP, SEED_ACCESS_KEY)
    good = sig.sign(*args)
    assert sig.verify(*args, good)
    raw = base64.b64decode(good)
    assert not sig.verify(*args, raw.hex())
    assert not sig.verify(*args, good.rstrip("="))
    assert not sig.verify(*args, good + " ")
    assert not sig.verify(*args, base64.b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode())
    assert not sig.verify(*args, "")
    assert not sig.verify(*args, "ünïcode")


def test_hmac_primitive_matches_rfc_4231_case_2() -> None:
    # RFC 4231 section 4.3 (test case 2): key "Jefe".
    tag = sig.hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert tag.hex() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


WYCHEPROOF = list(wycheproof.cases("hmac_sha256_test", lambda g: g["keySize"] == 256 and g["tagSize"] == 256))


def test_wycheproof_subset_is_the_expected_size() -> None:
    assert len(WYCHEPROOF) == 81


@pytest.mark.parametrize("case", [c for _, c in WYCHEPROOF], ids=lambda c: f"tcId{c['tcId']}")
def test_wycheproof_hmac_sha256(case: dict) -> None:
    tag = sig.hmac_sha256(bytes.fromhex(case["key"]), bytes.fromhex(case["msg"]))
    assert (tag == bytes.fromhex(case["tag"])) == (case["result"] == "valid")


class TestExplain:
    secret, method, ts, key = "secret-ä", "GET", SEED_TIMESTAMP, SEED_ACCESS_KEY

    def explain(self, sent_uri: str, signed_uri: str, encode=lambda raw: base64.b64encode(raw).decode(), key_bytes=None):
        raw = sig.hmac_sha256(key_bytes or self.secret.encode(), sig.string_to_sign(self.method, signed_uri, self.ts, self.key).encode())
        return sig.explain(self.secret, self.method, sent_uri, self.ts, self.key, encode(raw))

    def test_correct(self) -> None:
        found = self.explain("/a?x=1", "/a?x=1")
        assert found is not None and found.correct and found.mistakes() == []

    def test_hex(self) -> None:
        found = self.explain("/a", "/a", encode=lambda raw: raw.hex())
        assert found is not None and found.encoding == sig.ENCODING_HEX and not found.correct

    def test_path_without_query(self) -> None:
        found = self.explain("/a?x=1", "/a")
        assert found is not None and found.uri == sig.URI_PATH_ONLY

    def test_trailing_question_mark_signed_not_sent(self) -> None:
        found = self.explain("/a", "/a?")
        assert found is not None and found.uri == sig.URI_ADDED_QUESTION_MARK

    def test_question_mark_sent_not_signed(self) -> None:
        found = self.explain("/a?", "/a")
        assert found is not None and found.uri == sig.URI_DROPPED_QUESTION_MARK

    def test_decoded_query(self) -> None:
        found = self.explain("/a?t=%ED%99%8D", "/a?t=홍")
        assert found is not None and found.uri == sig.URI_DECODED

    def test_latin1_secret(self) -> None:
        found = self.explain("/a", "/a", key_bytes=self.secret.encode("latin-1"))
        assert found is not None and found.secret == sig.SECRET_LATIN1

    def test_unexplained(self) -> None:
        assert sig.explain(self.secret, "GET", "/a", self.ts, self.key, "AAAA") is None


class TestExplainHostAndRegion:
    secret, method, ts, key = "secret", "POST", SEED_TIMESTAMP, SEED_ACCESS_KEY
    regions = ("/api/v1", "/api/v1-sgn", "/api/v1-jpn")

    def explain(self, sent_uri: str, signed_uri: str) -> sig.SignatureExplanation | None:
        signature = sig.sign(self.secret, self.method, signed_uri, self.ts, self.key)
        return sig.explain(self.secret, self.method, sent_uri, self.ts, self.key, signature,
                           hosts=["127.0.0.1:8103", "mail.apigw.ntruss.com"], region_prefixes=self.regions)

    @pytest.mark.parametrize("signed", ["https://mail.apigw.ntruss.com/api/v1/mails", "http://127.0.0.1:8103/api/v1/mails",
                                        "mail.apigw.ntruss.com/api/v1/mails"])
    def test_host_in_the_signed_url(self, signed: str) -> None:
        found = self.explain("/api/v1/mails", signed)
        assert found is not None and found.uri == sig.URI_WITH_HOST
        assert found.mistakes()[0].startswith("host included in the signed URL")

    @pytest.mark.parametrize(("sent", "signed"), [("/api/v1/mails", "/api/v1-sgn/mails"), ("/api/v1-jpn/mails?x=1", "/api/v1/mails?x=1"),
                                                  ("/api/v1-sgn/mails", "/api/v1-jpn/mails")])
    def test_another_regions_path(self, sent: str, signed: str) -> None:
        found = self.explain(sent, signed)
        assert found is not None and found.uri == sig.URI_OTHER_REGION
        assert found.mistakes()[0].startswith("another region's path signed")

    def test_a_path_outside_the_regions_gets_no_region_variant(self) -> None:
        assert all(name != sig.URI_OTHER_REGION for name, _ in sig.uri_variants("/other/mails", (), self.regions))
