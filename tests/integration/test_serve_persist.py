"""``serve --persist``: every provider's state, the journal and the messages survive a restart.

Each test starts a mock with a SQLite file, changes its state through the
reference clients and the control API, stops it, starts a fresh one on the
same port and database, and checks that the same clients carry on.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization
from jwcrypto.jwk import JWK

from sealmail.conformance.clients.autosend import AutoSendSyncClient, PublicKey, encrypt_body
from sealmail.conformance.clients.ncp_mailer import NcpMailerSyncClient
from sealmail.conformance.clients.netcore_ce import NetcoreCeSyncClient, activity, generate_key_and_iv
from sealmail.conformance.clients.netcore_email import NetcoreEmailSyncClient
from sealmail.conformance.clients.stayprivate import OutgoingAttachment, StayPrivateSyncClient
from sealmail.mockservers.core import MockHandle, ServerThread, create_app
from sealmail.mockservers.core import persistence as persistence_module
from sealmail.mockservers.core.persistence import Persistence

from ..unit.test_ncp_mailer_rules import SEED_BODY
from .test_cli import Served, serve  # noqa: F401 - the fixture

class Restartable:
    """One provider mock on a fixed port over one database, stopped and started at will."""

    def __init__(self, provider_id: str, db: Path, **settings: Any) -> None:
        self.provider_id, self.db, self.settings = provider_id, db, settings
        self.port = 0
        self._thread: ServerThread | None = None
        self._persistence: Persistence | None = None
        self.handle: MockHandle | None = None

    def start(self) -> MockHandle:
        self._thread = ServerThread()
        app = create_app(self.provider_id, self.settings)
        self._persistence = Persistence.open(self.db)
        self._persistence.attach(app)
        self.handle = MockHandle(self._thread.start(app, "127.0.0.1", self.port))
        self.port = int(self.handle.url.rsplit(":", 1)[1])
        return self.handle

    def stop(self) -> None:
        assert self._thread is not None and self._persistence is not None
        self._thread.stop()
        self._persistence.close()

    def flush(self) -> None:
        assert self._persistence is not None
        self._persistence.flush()

    def settle(self) -> None:
        """Wait for the background snapshot writer, then for the loop to take note of it."""
        assert self._persistence is not None and self._thread is not None
        self._persistence.worker.submit(lambda: None).result(timeout=30)  # one worker: runs after what is queued
        self._thread.call(asyncio.sleep(0))  # the writer's done callback was scheduled before this

    def restart(self) -> MockHandle:
        self.stop()
        return self.start()

    def control(self, method: str, path: str, body: Any = None) -> Any:
        assert self.handle is not None
        reply = requests.request(method, self.handle.url + path, json=body, timeout=10)
        assert reply.status_code < 300, reply.text
        return reply.json()


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Any]:
    made: list[Restartable] = []

    def make(provider_id: str, **settings: Any) -> Restartable:
        mock = Restartable(provider_id, tmp_path / "state.sqlite3", **settings)
        mock.start()
        made.append(mock)
        return mock

    yield make
    for mock in made:
        mock.stop()


def journal_view(handle: MockHandle) -> list[tuple[int, str, str | None, str | None]]:
    return [(e.id, e.path, e.outcome, e.reason) for e in handle.requests()]


def test_netcore_email_journal_and_messages_come_back_and_ids_continue(restartable: Any) -> None:
    mock = restartable("netcore-email")
    payload = {"from": {"email": "a@example.com"}, "subject": "s", "content": [{"type": "html", "value": "<p>x</p>"}],
               "personalizations": [{"to": [{"email": "b@example.com"}]}]}
    with NetcoreEmailSyncClient(mock.handle.url, mock.handle.config["api_key"]) as client:
        client.send(payload)
    requests.post(mock.handle.url + "/v6/mail/send", json=payload, timeout=10)  # no key: rejected
    before_journal, before_messages = journal_view(mock.handle), [m.to_json() for m in mock.handle.messages()]
    assert [outcome for _, _, outcome, _ in before_journal] == ["accepted", "rejected"]

    handle = mock.restart()
    assert journal_view(handle) == before_journal
    assert [m.to_json() for m in handle.messages()] == before_messages
    requests.post(handle.url + "/v6/mail/send", json=payload, timeout=10)
    assert handle.requests()[-1].id == before_journal[-1][0] + 1


def test_autosend_rotated_and_imported_keys_still_decrypt_after_restart(restartable: Any) -> None:
    mock = restartable("autosend")
    mail = {"to": {"email": "to@example.com"}, "from": {"email": "from@example.com"}, "subject": "Hi", "html": "<b>x</b>"}
    rotated = mock.control("POST", "/__mock__/keys/rotate")["rotated"]
    private = JWK.from_pyca(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    imported = {**private.export_private(as_dict=True), "kid": "imported-before-restart"}
    mock.control("POST", "/__mock__/keys/import", {"jwk": imported, "active": False})
    with AutoSendSyncClient(mock.handle.url, mock.handle.config["api_key"]) as client:
        client.upsert_contact({"email": "kept@example.com", "firstName": "Kept"})
        client.send_mail(mail)  # fetches the JWKS: encrypts to the rotated key from now on
        kids_before = [k["kid"] for k in mock.control("GET", "/__mock__/keys")["keys"]]
        assert kids_before[0] == rotated and "imported-before-restart" in kids_before

        handle = mock.restart()
        client.send_mail(mail)  # the cached JWKS: the key rotated before the restart
        assert handle.requests()[-1].outcome == "accepted"
    assert [k["kid"] for k in mock.control("GET", "/__mock__/keys")["keys"]] == kids_before
    assert handle.model.ring.ever("imported-before-restart").jwk["n"] == imported["n"]
    assert handle.model.contacts.get("kept@example.com")["firstName"] == "Kept"
    # The imported (not reproducible) key decrypts too: encrypt to it directly.
    body = encrypt_body(mail, PublicKey("imported-before-restart", JWK(**{k: imported[k] for k in ("kty", "n", "e")})))
    reply = requests.post(handle.url + "/v1/mails/send", data=body.body, timeout=10,
                          headers={**body.headers, "Authorization": f"Bearer {handle.config['api_key']}"})
    assert reply.status_code < 300, reply.text


def test_ncp_mailer_credentials_templates_and_requests_survive(restartable: Any) -> None:
    mock = restartable("ncp-mailer")
    credential = mock.control("POST", "/__mock__/credentials", {"accessKey": "KEPTKEY", "secretKey": "kept-secret"})
    mock.control("POST", "/__mock__/templates", {"templateSid": 7, "title": "T ${name}", "body": "B ${name}"})
    with NcpMailerSyncClient(mock.handle.url, credential["accessKey"], credential["secretKey"]) as client:
        first = client.send(SEED_BODY)
        templated = client.send({"templateSid": 7, "senderAddress": "no_reply@company.com",
                                 "recipients": [{"address": "a@example.com", "type": "R", "parameters": {"name": "A"}}]})
        status_before = client.request_status(first.request_id)

        mock.restart()
        assert client.request_status(first.request_id) == status_before
        assert client.list_mails(templated.request_id)["content"][0]["title"] == "T A"
        again = client.send(SEED_BODY)
    assert again.request_id > templated.request_id  # the id sequence went on


def test_netcore_ce_registered_asset_survives(restartable: Any) -> None:
    mock = restartable("netcore-ce")
    key, iv = generate_key_and_iv()
    mock.control("POST", "/__mock__/assets", {"asset": "kept-asset", "key": key, "iv": iv})
    with NetcoreCeSyncClient(mock.handle.url, mock.handle.config["api_key"], "kept-asset", key, iv) as client:
        assert client.upload([activity("kept-asset", "signup", "u1")]).status == 200
        handle = mock.restart()
        assert client.upload([activity("kept-asset", "signup", "u2")]).status == 200
    assert [m.payload for m in handle.messages()][-1] is not None
    assert len(handle.messages()) == 2


def test_stayprivate_company_draft_and_attachment_survive_and_the_draft_can_be_sent(restartable: Any) -> None:
    mock = restartable("stayprivate")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    mock.control("POST", "/__mock__/companies",
                 {"company_api_id": "kept-co", "public_key_pem": public_pem, "domains": ["kept.example"]})
    data = b"%PDF-1.4\x00\xff" * 50
    with StayPrivateSyncClient(mock.handle.url, "kept-co", private_pem) as client:
        email_ref = client.prepare("me@kept.example", subject="Draft", body="<p>kept</p>")
        file_ref = client.upload(email_ref, OutgoingAttachment("a.pdf", data, "application/pdf", esign=True))

        handle = mock.restart()
        result = client.send(email_ref, to=("you@example.org",))
    assert result.status == "S" and result.email_ref == email_ref
    email = handle.model.email(email_ref)
    assert email is not None and email.status == "sent" and email.subject == "Draft"
    attachment = handle.model.attachment_bytes(email_ref, file_ref)
    assert attachment is not None and attachment.data == data and attachment.esign


def test_the_database_holds_exactly_what_memory_holds(restartable: Any, tmp_path: Path) -> None:
    mock = restartable("netcore-email", journal_capacity=3)
    for _ in range(5):
        requests.post(mock.handle.url + "/v6/mail/send", json={}, timeout=10)
    ids = [e.id for e in mock.handle.requests()]
    assert ids == [3, 4, 5]
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert [r[0] for r in db.execute("SELECT id FROM journal ORDER BY id")] == ids

    handle = mock.restart()
    assert [e.id for e in handle.requests()] == ids
    handle.reset()  # from this thread, not over HTTP: wait for the writer before looking
    mock.flush()
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 0
    handle = mock.restart()
    requests.post(handle.url + "/v6/mail/send", json={}, timeout=10)
    assert [e.id for e in handle.requests()] == [6]  # a reset empties the journal, ids still go on


def test_a_moved_clock_and_a_smaller_budget_after_restart(restartable: Any, tmp_path: Path) -> None:
    mock = restartable("netcore-email")
    mock.handle.clock(now_ms=1_700_000_000_000, frozen=True)
    for _ in range(4):
        requests.post(mock.handle.url + "/v6/mail/send", json={}, timeout=10)
    mock.stop()
    smaller = Restartable("netcore-email", tmp_path / "state.sqlite3", journal_capacity=2)
    handle = smaller.start()
    try:
        assert handle.now_ms() == 1_700_000_000_000
        assert [e.id for e in handle.requests()] == [3, 4]
        with sqlite3.connect(tmp_path / "state.sqlite3") as db:
            assert db.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 2
    finally:
        smaller.stop()
        mock.start()  # the fixture stops it again


def test_saved_rows_are_plain_json(restartable: Any, tmp_path: Path) -> None:
    mock = restartable("netcore-ce")
    requests.post(mock.handle.url + "/v1/activity/upload", data=b"[]", timeout=10)
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        (entry,) = [json.loads(r[0]) for r in db.execute("SELECT entry FROM journal")]
        (state,) = [json.loads(r[0]) for r in db.execute("SELECT state FROM models")]
    assert entry["path"] == "/v1/activity/upload" and entry["outcome"] == "rejected"
    assert "assets" in state["model"]


def test_serve_persist_survives_kill_9_and_sigterm(serve: type[Served], tmp_path: Path) -> None:
    args = ("--provider", "netcore-ce", "--port-base", "0", "--json", "--quiet", "--persist", "--db", str(tmp_path / "s.db"))
    key, iv = generate_key_and_iv()

    def started() -> tuple[Served, str]:
        server = serve(*args)
        return server, server.mocks()["netcore-ce"]["base_url"]

    server, url = started()
    assert requests.post(url + "/__mock__/assets", json={"asset": "a1", "key": key, "iv": iv}, timeout=10).ok
    requests.post(url + "/v1/activity/upload", data=b"[]", timeout=10)
    server.proc.kill()  # kill -9: nothing runs at exit
    server.proc.wait(10)

    server, url = started()
    assets = requests.get(url + "/__mock__/assets", timeout=10).json()
    assert "a1" in json.dumps(assets)
    assert [e["id"] for e in requests.get(url + "/__mock__/requests", timeout=10).json()["requests"]] == [1]
    requests.post(url + "/v1/activity/upload", data=b"[]", timeout=10)
    assert server.terminate() == 0

    _, url = started()
    assert [e["id"] for e in requests.get(url + "/__mock__/requests", timeout=10).json()["requests"]] == [1, 2]


def test_an_unreadable_saved_state_is_a_clear_start_error(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    Persistence.open(db).close()
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO models (provider, state) VALUES ('netcore-email', '{\"model\": {}}')")
    persistence = Persistence.open(db)
    try:
        with pytest.raises(OSError, match="cannot restore netcore-email .*KeyError"):
            persistence.attach(create_app("netcore-email"))
    finally:
        persistence.close()


def test_large_snapshots_written_off_the_loop_still_come_back(restartable: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persistence_module, "BACKGROUND_AFTER_S", -1.0)  # every snapshot counts as large
    monkeypatch.setattr(persistence_module, "SAVE_SPACING", 0.0)  # and is saved as soon as it can be
    mock = restartable("ncp-mailer")
    with NcpMailerSyncClient(mock.handle.url, mock.handle.config["access_key"], mock.handle.config["secret_key"]) as client:
        sent = []
        for _ in range(5):
            sent.append(client.send(SEED_BODY).request_id)
            mock.settle()  # the background save has finished before the next request: none is coalesced
        with sqlite3.connect(mock.db) as db:
            (state,) = [json.loads(r[0]) for r in db.execute("SELECT state FROM models WHERE provider='ncp-mailer'")]
        assert [r["request_id"] for r in state["model"]["requests"]] == sent
        mock.restart()
        assert [client.request_status(request_id)["requestId"] for request_id in sent] == sent
