"""A Hypothesis state machine over prepare / re-prepare / upload / replace / delete / send.

The real mock runs over HTTP beside a plain model of each email (status,
subject, body, attachments in upload order). After every step the mock's
emails, attachments and stored messages must equal the model's, and no
request may have produced a 5xx. Rules draw emailRefs and (emailRef, fileRef)
pairs from bundles, so sent emails, deleted files and files of other emails
are all exercised.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
import requests
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from sealmail.mockservers.core import MockHandle, MockPool
from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt
from sealmail.mockservers.providers.stayprivate import spec
from sealmail.mockservers.providers.stayprivate.test_keys import DEFAULT_PRIVATE_KEY_PEM

MAX_ATTACHMENTS = 3
_STATE: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def _mock(sealmail_pool: MockPool) -> Iterator[None]:
    _STATE["mock"] = sealmail_pool.acquire("stayprivate", max_attachments_per_email=MAX_ATTACHMENTS)
    _STATE["http"] = requests.Session()
    now = int(time.time())
    token = sign_jwt({"iss": spec.DEFAULT_COMPANY_API_ID, "iat": now, "exp": now + 3600}, load_rsa_private_key(DEFAULT_PRIVATE_KEY_PEM))
    _STATE["headers"] = {spec.HEADER_COMPANY_ID: spec.DEFAULT_COMPANY_API_ID, "Authorization": f"Bearer {token}"}
    yield
    _STATE["http"].close()
    _STATE.clear()


@dataclass
class FileModel:
    name: str
    data: bytes
    esign: bool


@dataclass
class EmailModel:
    subject: str
    body: str
    sent: bool = False
    attachments: "OrderedDict[str, FileModel]" = field(default_factory=OrderedDict)


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
names = st.text(alphabet=st.characters(categories=("L", "N"), include_characters=" ._-"), min_size=1, max_size=20).map(
    lambda s: s.strip() or "file").filter(lambda s: s not in {".", ".."})
contents = st.binary(min_size=1, max_size=300)
addresses = st.lists(st.sampled_from(["ann@example.org", "bob@example.net", "cy@example.org"]), min_size=1, max_size=3, unique=True)


class StayPrivateFlow(RuleBasedStateMachine):
    emails = Bundle("emails")
    files = Bundle("files")

    def __init__(self) -> None:
        super().__init__()
        self.mock: MockHandle = _STATE["mock"]
        self.http: requests.Session = _STATE["http"]
        self.mock.reset()
        self.model: dict[str, EmailModel] = {}
        self.expected_messages: list[dict[str, Any]] = []

    # --- plumbing --------------------------------------------------------
    def _post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.post(self.mock.url + path, headers=_STATE["headers"], timeout=10, **kwargs)

    @staticmethod
    def _expect_error(reply: requests.Response, code: str) -> None:
        assert reply.status_code == 422, reply.text
        body = reply.json()
        assert body["success"] is False and body["error"]["code"] == code, reply.text

    # --- rules -------------------------------------------------------------
    @rule(target=emails, subject=texts, body=texts)
    def prepare(self, subject: str, body: str) -> str:
        reply = self._post(spec.PREPARE_NEW_PATH, json={"senderEmail": "sender@example.com", "emailSubject": subject, "emailBody": body})
        assert reply.status_code == 200, reply.text
        email_ref = reply.json()["data"]["emailRef"]
        assert email_ref not in self.model
        self.model[email_ref] = EmailModel(subject, body)
        return email_ref

    @rule(email_ref=emails, subject=texts, body=st.one_of(st.none(), texts))
    def reprepare(self, email_ref: str, subject: str, body: str | None) -> None:
        payload: dict[str, Any] = {"senderEmail": "sender@example.com", "emailSubject": subject}
        if body is not None:
            payload["emailBody"] = body
        reply = self._post(f"/1.0/emails/{email_ref}/prepare", json=payload)
        email = self.model[email_ref]
        if email.sent:
            self._expect_error(reply, "email_already_sent")
            return
        assert reply.status_code == 200 and reply.json()["data"] == {"emailRef": email_ref}
        email.subject, email.body = subject, body or ""

    @rule(target=files, email_ref=emails, name=names, data=contents, esign=st.booleans())
    def upload(self, email_ref: str, name: str, data: bytes, esign: bool) -> tuple[str, str]:
        reply = self._upload(f"/1.0/emails/{email_ref}/attachments/upload", name, data, esign)
        email = self.model[email_ref]
        if email.sent:
            self._expect_error(reply, "email_already_sent")
            return (email_ref, "never-issued")
        if len(email.attachments) >= MAX_ATTACHMENTS:
            self._expect_error(reply, "too_many_attachments")
            return (email_ref, "never-issued")
        assert reply.status_code == 200, reply.text
        file_ref = reply.json()["data"]["fileRef"]
        assert reply.json()["data"]["emailRef"] == email_ref
        email.attachments[file_ref] = FileModel(name, data, esign)
        return (email_ref, file_ref)

    @rule(pair=files, email_ref=emails, name=names, data=contents, esign=st.booleans(), same_email=st.booleans())
    def replace(self, pair: tuple[str, str], email_ref: str, name: str, data: bytes, esign: bool, same_email: bool) -> None:
        target = pair[0] if same_email else email_ref
        reply = self._upload(f"/1.0/emails/{target}/attachments/{pair[1]}/upload", name, data, esign)
        email = self.model[target]
        if email.sent:
            self._expect_error(reply, "email_already_sent")
        elif pair[1] not in email.attachments:
            self._expect_error(reply, "file_not_found")
        else:
            assert reply.status_code == 200 and reply.json()["data"] == {"fileRef": pair[1], "emailRef": target}, reply.text
            email.attachments[pair[1]] = FileModel(name, data, esign)

    @rule(pair=files)
    def delete(self, pair: tuple[str, str]) -> None:
        email_ref, file_ref = pair
        reply = self.http.delete(f"{self.mock.url}/1.0/emails/{email_ref}/attachments/{file_ref}", headers=_STATE["headers"], timeout=10)
        email = self.model[email_ref]
        if email.sent:
            self._expect_error(reply, "email_already_sent")
        elif file_ref not in email.attachments:
            self._expect_error(reply, "file_not_found")
        else:
            assert reply.status_code == 200 and reply.json()["data"] == {"emailRef": email_ref}
            del email.attachments[file_ref]

    @rule(email_ref=emails, to=addresses, subject=st.one_of(st.none(), texts))
    def send_prepared(self, email_ref: str, to: list[str], subject: str | None) -> None:
        payload: dict[str, Any] = {"emailToList": ";".join(to)}
        if subject is not None:
            payload["emailSubject"] = subject
        reply = self._post(f"/1.0/emails/{email_ref}/send", json=payload)
        email = self.model[email_ref]
        if email.sent:
            self._expect_error(reply, "email_already_sent")
            return
        assert reply.status_code == 200 and reply.json() == {"success": True, "data": {"status": "S"}}, reply.text
        email.sent = True
        if subject is not None:
            email.subject = subject
        self.expected_messages.append(self._message(email_ref, email, to, prepared=True))

    @rule(to=addresses, subject=texts, body=texts)
    def send_new(self, to: list[str], subject: str, body: str) -> None:
        reply = self._post(spec.SEND_NEW_PATH, json={"senderEmail": "sender@example.com", "emailSubject": subject, "emailBody": body,
                                                      "emailCcList": ";".join(to)})
        assert reply.status_code == 200, reply.text
        stored = self.mock.messages()[-1]
        self.model[stored.message_id] = EmailModel(subject, body, sent=True)
        self.expected_messages.append({**self._message(stored.message_id, self.model[stored.message_id], [], prepared=False),
                                       "recipients": {"emailToList": [], "emailCcList": to, "emailBccList": []}})

    def _upload(self, path: str, name: str, data: bytes, esign: bool) -> requests.Response:
        return self.http.post(self.mock.url + path, headers=_STATE["headers"], timeout=10,
                              data={spec.ESIGN_FIELD: "Y" if esign else "N"},
                              files={spec.ATTACHMENT_FIELD: (name, data, "application/octet-stream")})

    @staticmethod
    def _message(email_ref: str, email: EmailModel, to: list[str], *, prepared: bool) -> dict[str, Any]:
        return {
            "emailRef": email_ref,
            "emailSubject": email.subject,
            "emailBody": email.body,
            "prepared": prepared,
            "recipients": {"emailToList": to, "emailCcList": [], "emailBccList": []},
            "attachments": [(ref, f.name, len(f.data), hashlib.sha256(f.data).hexdigest(), "Y" if f.esign else "N")
                            for ref, f in email.attachments.items()],
        }

    # --- invariants ------------------------------------------------------------
    @invariant()
    def mock_emails_equal_the_model(self) -> None:
        actual = {e.email_ref: e for e in self.mock.model.emails()}
        assert set(actual) == set(self.model)
        for email_ref, wanted in self.model.items():
            email = actual[email_ref]
            assert (email.status == "sent") == wanted.sent
            assert (email.subject, email.body) == (wanted.subject, wanted.body)
            assert [(ref, a.file_name, a.data, a.esign) for ref, a in email.attachments.items()] == [
                (ref, f.name, f.data, f.esign) for ref, f in wanted.attachments.items()]

    @invariant()
    def stored_messages_equal_the_sends(self) -> None:
        stored = []
        for message in self.mock.messages():
            p = message.payload
            stored.append({
                "emailRef": p["emailRef"], "emailSubject": p["emailSubject"], "emailBody": p["emailBody"], "prepared": p["prepared"],
                "recipients": p["recipients"],
                "attachments": [(a["fileRef"], a["fileName"], a["size"], a["sha256"], a["reqESignFlag"]) for a in p["attachments"]],
            })
        assert stored == self.expected_messages

    @invariant()
    def nothing_answered_5xx(self) -> None:
        assert not [e for e in self.mock.requests() if (e.status or 0) >= 500], self.mock.explain()


StayPrivateFlow.TestCase.settings = settings(max_examples=20, stateful_step_count=20, deadline=None)
TestStayPrivateFlow = StayPrivateFlow.TestCase
