"""Key rotation as a Hypothesis state machine: rotate / retire / send-with-kid against a plain model.

The model is a list of live kids (active first) and the public keys ever
listed; the real system is the running autosend mock, driven over HTTP with
``requests`` (state-machine rules cannot be async).
"""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.crypto import jwe

UNKNOWN_KID = "key_1999_01"
MAX_ROTATIONS = 9
"""Stay within the committed fixed keys (12): a test never waits for key generation."""
MAIL = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "subject": "s", "text": "t"}


class RotationMachine(RuleBasedStateMachine):
    mock: MockHandle  # set by the test

    kids = Bundle("kids")

    def __init__(self) -> None:
        super().__init__()
        self.mock.reset()
        self.http = requests.Session()
        self.live: list[str] = []
        self.retired: set[str] = set()
        self.public: dict[str, dict[str, str]] = {}
        self.rotations = 0

    def _jwks(self) -> list[dict[str, str]]:
        return self.http.get(self.mock.url + "/v1/jwks.json", timeout=5).json()["keys"]

    @initialize(target=kids)
    def default_key(self) -> str:
        keys = self._jwks()
        assert [k["kid"] for k in keys] == ["key_2026_06"]
        self.live = ["key_2026_06"]
        self.public["key_2026_06"] = keys[0]
        return "key_2026_06"

    @precondition(lambda self: self.rotations < MAX_ROTATIONS)
    @rule(target=kids)
    def rotate(self) -> str:
        response = self.http.post(self.mock.url + "/__mock__/keys/rotate", timeout=5).json()
        kid = response["rotated"]
        assert kid not in self.public, "a rotation must bring a kid never seen since the reset"
        self.rotations += 1
        self.live.insert(0, kid)
        self.public[kid] = next(k["jwk"] for k in response["keys"] if k["kid"] == kid)
        return kid

    @rule(kid=kids)
    def retire(self, kid: str) -> None:
        response = self.http.post(self.mock.url + "/__mock__/keys/retire", json={"kid": kid}, timeout=5)
        if kid in self.live and len(self.live) > 1:
            assert response.status_code == 200, response.text
            self.live.remove(kid)
            self.retired.add(kid)
        elif kid in self.live:
            assert response.status_code == 409, "the last listed key cannot be retired"
        else:
            assert response.status_code == 404

    @rule(kid=st.one_of(kids, st.just(UNKNOWN_KID)), in_header=st.booleans())
    def send(self, kid: str, in_header: bool) -> None:
        """Encrypt to ``kid``'s public key (the active one for an unknown kid) and name it."""
        public = jwe.import_encryption_key(self.public.get(kid) or self.public[self.live[0]])
        token = jwe.encrypt_compact(json.dumps(MAIL).encode(), public, kid=kid if in_header else None)
        headers = {"Authorization": f"Bearer {self.mock.config['api_key']}", "Content-Type": "application/json",
                   "X-Payload-Encryption": "jwe"}
        if not in_header:
            headers["X-Key-Id"] = kid
        response = self.http.post(self.mock.url + "/v1/mails/send", data=json.dumps({"encryptedData": token}), headers=headers, timeout=5)
        if kid in self.live:
            assert response.status_code == 200, (kid, self.live, response.text)
        else:
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "UNKNOWN_KEY_ID"
            expected_reason = "kid_retired" if kid in self.retired else "kid_unknown"
            assert self.mock.requests()[-1].reason == expected_reason

    @invariant()
    def jwks_lists_the_live_keys_active_first(self) -> None:
        if not self.live:
            return
        listed = self._jwks()
        assert [k["kid"] for k in listed] == self.live
        assert all(set(k) == {"kty", "n", "e", "kid", "alg", "use"} for k in listed)

    def teardown(self) -> None:
        self.http.close()


@pytest.fixture(scope="module")
def machine_mock(sealmail_pool: MockPool) -> MockHandle:
    return sealmail_pool.acquire("autosend")


def test_rotation_state_machine(machine_mock: MockHandle) -> None:
    class Machine(RotationMachine):
        mock = machine_mock

    examples = max(8, settings.default.max_examples // 4)
    run_state_machine_as_test(Machine, settings=settings(max_examples=examples, stateful_step_count=10, deadline=None))
