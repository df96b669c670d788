"""netcore-ce vectors beyond the generic checks: coverage of the issue's classes, and one identical answer for every decryption failure."""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter

import requests

from sealmail.mockservers.core import MockPool
from sealmail.vectors.generators.netcore_ce import SEED_SAMPLE, judge_request
from sealmail.vectors.schema import load_provider

FILES = {f.name: f for f in load_provider("netcore-ce")}


def test_every_file_is_there_with_its_provenance() -> None:
    assert sorted(FILES) == ["cbc_base64_requests", "cbc_hex_requests", "gcm_requests", "seed_samples",
                             "wycheproof_aes_cbc_pkcs5", "wycheproof_aes_gcm"]
    assert "aes_cbc_pkcs5_test.json" in FILES["wycheproof_aes_cbc_pkcs5"].provenance
    assert "dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166" in FILES["wycheproof_aes_gcm"].provenance
    assert "not published" in FILES["seed_samples"].provenance


def test_each_ecode_has_valid_and_invalid_cases_of_every_class() -> None:
    for name, ecode in (("cbc_base64_requests", "11256"), ("cbc_hex_requests", "11257"), ("gcm_requests", "11258")):
        tests = FILES[name].tests()
        flags = Counter(flag for t in tests for flag in t.flags)
        assert {t.request.headers["x-eCode"] for t in tests if t.request and "WrongEcode" not in t.flags and "Header" not in t.flags} == {ecode}
        assert flags["Valid"] >= 3
        required = {"WrongKey", "Truncated", "Encoding", "NotJson", "ModifiedCiphertext"}
        required |= {"BadPadding", "WrongIv"} if ecode != "11258" else {"GcmLayout"}
        assert required <= set(flags), (name, required - set(flags))


def test_badpadding_in_all_its_forms_expects_the_one_uniform_error() -> None:
    comments = set()
    for name in ("cbc_base64_requests", "cbc_hex_requests", "wycheproof_aes_cbc_pkcs5"):
        for test in FILES[name].tests():
            if "BadPadding" in test.flags:
                assert test.expected == {"status": 400, "error_code": "decryption_failed"}, test.comment
                comments.add(test.comment.lower())
    for form in ("zero padding", "0xff", "7816-4", "x.923", "10126", "inconsistent", "no padding", "longer than"):
        assert any(form in c for c in comments), form


def test_wycheproof_files_carry_every_case_of_their_groups() -> None:
    cbc = FILES["wycheproof_aes_cbc_pkcs5"].tests()
    gcm = FILES["wycheproof_aes_gcm"].tests()
    assert len(cbc) == 72 and Counter(t.result for t in cbc) == {"invalid": 48, "valid": 24}
    assert len(gcm) == 66 and all(t.expected["error_code"] == "decryption_failed" for t in cbc + gcm)


def test_seed_shape_vectors_keep_the_published_bytes() -> None:
    shaped = [t for t in FILES["seed_samples"].tests() if "SeedShape" in t.flags]
    assert len(shaped) == 3 and all(t.result == "valid" for t in shaped)
    for test in shaped:
        plaintext = test.inputs["plaintext"]
        assert "}    \n]" in plaintext and '"day" : "Tuesday"' in plaintext  # trailing spaces, the sample's odd spacing
        assert plaintext == SEED_SAMPLE.replace("392234ga43t3q4t3026227c3453gqe5", "392ae07d8b69fe21423e6d9e026227c5")
    ciphertexts = [t for t in FILES["seed_samples"].tests() if t.comment.startswith(("Step 2 published", "Step 3 curl ciphertext"))]
    assert [len(base64.b64decode(t.inputs["encrypted_request"])) for t in ciphertexts] == [416, 368]


def test_independent_judge_is_not_a_rubber_stamp() -> None:
    test = copy.deepcopy(FILES["cbc_base64_requests"].tests()[0])
    assert test.request is not None and judge_request(test.request)[:2] == (200, None)
    body = json.loads(test.request.body)
    body["encryptedRequest"] = body["encryptedRequest"][:-4] + "AAA="
    test.request.body = json.dumps(body).encode()
    assert judge_request(test.request)[:2] == (400, "decryption_failed")


def test_every_decryption_failure_vector_gets_byte_identical_answers(sealmail_pool: MockPool) -> None:
    mock = sealmail_pool.acquire("netcore-ce")
    answers = set()
    count = 0
    for vector_file in FILES.values():
        for test in vector_file.tests():
            if test.request is None or test.expected.get("error_code") != "decryption_failed":
                continue
            count += 1
            reply = requests.post(mock.url + test.request.path, data=test.request.body, headers=test.request.headers, timeout=10)
            answers.add((reply.status_code, reply.content, reply.headers.get("Content-Type")))
    assert count > 60
    assert len(answers) == 1, answers
    assert {e.reason for e in mock.requests()} >= {"cbc_bad_padding", "not_base64", "not_hex",
                                                    "cbc_length_not_block_multiple", "gcm_tag_mismatch", "plaintext_not_json"}
