"""One entry per provider: how to build valid requests for its main endpoint.

A provider joins the benchmarks, the memory run and the soak by adding one
:class:`Profile` to :data:`PROFILES`. The builder uses the provider's reference
client (``conformance/clients/<pkg>.py``) and the mock's documented default
credentials (``GET /__mock__/config``), and does all crypto ahead of time, so
the load generator only replays bytes. Signed or timestamped requests are built
just before the run, inside their validity window.

The fuzz harness needs no entry (routes come from each app's router, seeds from
the provider's vectors), but uses these builders too when present.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from sealmail.mockservers.core import providers


@dataclass(frozen=True)
class PreparedRequest:
    """A complete request (auth included) for a mock with its default credentials."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


Builder = Callable[[Mapping[str, Any], int], list[PreparedRequest]]
"""``build(mock_config, count)``: ``count`` distinct valid requests; ``mock_config`` is ``GET /__mock__/config``."""


@dataclass(frozen=True)
class Profile:
    provider_id: str
    build: Builder
    endpoint: str
    """What the main endpoint is, for tables (e.g. ``POST /v6/mail/send``)."""
    throughput_target: float | None = 0.8
    """Figure 1 target (ratio to the bare aiohttp handler); None: reported, no target."""
    jose: str | None = None
    """Figure 2: ``"jwe"`` (RSA-OAEP-256 + A256GCM body) or ``"jws"`` (RS256 bearer JWT)."""
    jose_key: Callable[[Mapping[str, Any]], dict[str, str]] | None = None
    """For ``jose``: the PEM key(s) the raw baseline needs, from the mock config / provider module."""
    jose_step: Callable[[Any], Callable[[PreparedRequest], Any]] | None = None
    """For ``jose``: given the mock's app (in-process), a function running the provider's own JOSE
    step on one request (envelope + decrypt + payload JSON, or token verification): figure 2's
    "JOSE layer" row, measured against the raw baseline on the same messages."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Mock settings every run of this profile uses (none by default: the documented defaults)."""
    fuzz_setup: Callable[[Any], list[PreparedRequest]] | None = None
    """Optional: given a running mock's handle, create state (e.g. prepared emails) and return valid
    requests that need it, so the fuzzer also mutates the later steps of a stateful flow."""


def sample_email(i: int) -> dict[str, Any]:
    """A realistic small transactional email; ``i`` makes each one distinct."""
    return {
        "from": {"email": "sender@example.com", "name": "Sealmail Bench"},
        "subject": f"Your order #{100000 + i} has shipped",
        "content": [{"type": "html", "value": f"<p>Hello customer {i}, your parcel is on its way.</p>"}],
        "personalizations": [{"to": [{"email": f"user{i}@example.org", "name": f"User {i}"}]}],
        "tags": ["bench"],
    }


# --- netcore-email ---------------------------------------------------------------------
def build_netcore_email(config: Mapping[str, Any], count: int) -> list[PreparedRequest]:
    from sealmail.conformance.clients import netcore_email as client

    auth = {"Authorization": f"Bearer {config['api_key']}"}
    requests = []
    for i in range(count):
        encrypted = client.encrypt_request(sample_email(i))
        requests.append(PreparedRequest("POST", client.SEND_PATH, {**encrypted.headers, **auth}, encrypted.body))
    return requests


# --- autosend ----------------------------------------------------------------------------
def build_autosend(config: Mapping[str, Any], count: int) -> list[PreparedRequest]:
    """JWE-encrypted contact upserts (``POST /v1/contacts/email``), the active JWKS key."""
    from sealmail.conformance.clients import autosend as client

    key = _autosend_public_key(config)
    auth = {"Authorization": f"Bearer {config['api_key']}"}
    requests = []
    for i in range(count):
        contact = {"email": f"user{i}@example.org", "firstName": "Bench", "lastName": f"User {i}", "userId": f"u-{i}"}
        encrypted = client.encrypt_body(contact, key)
        requests.append(PreparedRequest("POST", client.UPSERT_CONTACT_PATH, {**encrypted.headers, **auth}, encrypted.body))
    return requests


def _autosend_public_key(config: Mapping[str, Any]) -> Any:
    """The active key as the reference client would pick it from ``GET /v1/jwks.json``."""
    from sealmail.conformance.clients import autosend as client

    with urllib.request.urlopen(config["jwks_url"], timeout=10) as response:  # loopback, the mock itself
        return client.usable_keys(json.loads(response.read()))[0]


def autosend_private_pem(config: Mapping[str, Any]) -> dict[str, str]:
    """The raw baseline's key: the mock's active private key (the fixed test key of that kid)."""
    from sealmail.mockservers.providers.autosend.fixed_keys import FIXED_KEY_PEMS
    from sealmail.mockservers.providers.autosend.keys import kid_for

    index = next(i for i in range(len(FIXED_KEY_PEMS)) if kid_for(i) == config["active_kid"])
    return {"private_pem": FIXED_KEY_PEMS[index]}


def autosend_jose_step(app: Any) -> Callable[[PreparedRequest], Any]:
    """``autosend.envelope.open_body``: envelope JSON, kid, policy, RSA-OAEP-256 + A256GCM, payload JSON."""
    from multidict import CIMultiDict

    from sealmail.mockservers.core import MOCK_STATE
    from sealmail.mockservers.providers.autosend.envelope import open_body

    model = app[MOCK_STATE].model

    def step(request: PreparedRequest) -> Any:
        return open_body(CIMultiDict(request.headers), request.body, model.config, model.ring).payload

    return step


# --- ncp-mailer ---------------------------------------------------------------------------
def build_ncp_mailer(config: Mapping[str, Any], count: int) -> list[PreparedRequest]:
    """Signed createMailRequest calls (``POST /api/v1/mails``), timestamps fresh (5-minute window)."""
    from sealmail.conformance.clients import ncp_mailer as client

    uri = "/api/v1/mails"
    requests = []
    for i in range(count):
        mail = {
            "senderAddress": "sender@example.com",
            "senderName": "Sealmail Bench",
            "title": f"Your order #{100000 + i} has shipped",
            "body": f"<p>Hello ${{name}}, parcel {i} is on its way.</p>",
            "recipients": [{"address": f"user{i}@example.org", "name": f"User {i}", "type": "R", "parameters": {"name": f"User {i}"}}],
            "individual": True,
            "advertising": False,
        }
        headers = client.signed_headers("POST", uri, config["access_key"], config["secret_key"], client.now_ms())
        requests.append(PreparedRequest("POST", uri, {**headers, "Content-Type": "application/json"}, json_body(mail)))
    return requests


# --- netcore-ce ----------------------------------------------------------------------------
def build_netcore_ce(config: Mapping[str, Any], count: int) -> list[PreparedRequest]:
    """AES-256-CBC (eCode 11256) activity uploads with the asset's shared key and IV."""
    from sealmail.conformance.clients import netcore_ce as client

    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {config['api_key']}",
        "x-asset": config["asset"],
        "x-eCode": str(client.AES_256_CBC_BASE64),
    }
    requests = []
    for i in range(count):
        activities = [client.activity(config["asset"], "product_viewed", f"99999{i:05d}", {"sku": f"SKU-{i}", "price": 10 + i % 90})]
        text = client.encrypt_text(client.encode_activities(activities), client.AES_256_CBC_BASE64, config["key"], config["iv"])
        requests.append(PreparedRequest("POST", client.UPLOAD_PATH, dict(headers), json_body({"encryptedRequest": text})))
    return requests


# --- stayprivate ---------------------------------------------------------------------------
def build_stayprivate(config: Mapping[str, Any], count: int) -> list[PreparedRequest]:
    """One-call sends (``POST /1.0/emails/send``), each with its own RS256 JWT (iss, iat, exp)."""
    from sealmail.conformance.clients import stayprivate as client
    from sealmail.mockservers.crypto.jwt import load_rsa_private_key, sign_jwt

    key = load_rsa_private_key(config["private_key_pem"])
    now = int(time.time())
    requests = []
    for i in range(count):
        # Distinct tokens (the raw baseline verifies "the same messages"); all valid for 5 minutes.
        claims = {"iss": config["company_api_id"], "iat": now - i % 30, "exp": now + client.TOKEN_LIFETIME_S - i % 30}
        token = sign_jwt(claims, key, algorithm="RS256")
        fields = {
            "senderEmail": config["sender_email"],
            "emailSubject": f"Your statement #{i}",
            "emailBody": f"<p>Hello user {i}, your secure statement is ready.</p>",
            "emailToList": f"user{i}@example.org",
        }
        headers = {"Content-Type": "application/json", client.COMPANY_HEADER: config["company_api_id"], "Authorization": f"Bearer {token}"}
        requests.append(PreparedRequest("POST", f"{client.API_BASE}/send", headers, json_body(fields)))
    return requests


def stayprivate_public_pem(config: Mapping[str, Any]) -> dict[str, str]:
    return {"public_pem": config["public_key_pem"]}


def stayprivate_fuzz_setup(handle: Any) -> list[PreparedRequest]:
    """Prepare emails with one attachment each; seeds for draft, upload, replace, delete and prepared send."""
    from sealmail.conformance.clients import stayprivate as client

    config = handle.config
    sender = config["sender_email"]
    seeds: list[PreparedRequest] = []
    with client.StayPrivateSyncClient(handle.url, config["company_api_id"], config["private_key_pem"]) as sync:
        token_headers = sync._client._auth()  # SP-Company-Api-Id + a fresh RS256 bearer token
        for i in range(4):
            ref = sync.prepare(sender, subject=f"Draft {i}", body="<p>draft</p>")
            file_ref = sync.upload(ref, client.OutgoingAttachment(f"statement-{i}.pdf", b"%PDF-1.4 bench", "application/pdf"))
            base = f"{client.API_BASE}/{ref}"
            json_headers = {"Content-Type": "application/json", **token_headers}
            form, content_type = _multipart(client, f"replacement-{i}.txt", b"replacement body")
            seeds += [
                PreparedRequest("POST", f"{base}/prepare", json_headers, json_body({"senderEmail": sender, "emailSubject": "New draft"})),
                PreparedRequest("POST", f"{base}/attachments/upload", {**token_headers, "Content-Type": content_type}, form),
                PreparedRequest("POST", f"{base}/attachments/{file_ref}/upload", {**token_headers, "Content-Type": content_type}, form),
                PreparedRequest("DELETE", f"{base}/attachments/{file_ref}", dict(token_headers)),
                PreparedRequest("POST", f"{base}/send", json_headers, json_body({"emailSubject": "Sent", "emailToList": "a@example.org"})),
            ]
    return seeds


def _multipart(client: Any, file_name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body as the reference client sends it, serialised by aiohttp."""
    import asyncio

    import aiohttp

    form = aiohttp.FormData(quote_fields=False)
    form.add_field(client.ESIGN_FIELD, "N")
    form.add_field(client.ATTACHMENT_FIELD, data, filename=file_name, content_type="text/plain")
    payload = form()

    class _Sink:
        def __init__(self) -> None:
            self.chunks: list[bytes] = []

        async def write(self, chunk: bytes) -> None:
            self.chunks.append(bytes(chunk))

    sink = _Sink()
    asyncio.run(payload.write(sink))  # type: ignore[arg-type]
    return b"".join(sink.chunks), payload.content_type


def stayprivate_jose_step(app: Any) -> Callable[[PreparedRequest], Any]:
    """``StayPrivateModel.authenticate``: company header, bearer token, RS256 verification, claims."""
    from sealmail.mockservers.core import MOCK_STATE

    model = app[MOCK_STATE].model

    def step(request: PreparedRequest) -> Any:
        return model.authenticate(request.headers.get("SP-Company-Api-Id"), request.headers.get("Authorization"))[1]

    return step


PROFILES: dict[str, Profile] = {
    profile.provider_id: profile
    for profile in (
        Profile("netcore-email", build_netcore_email, "POST /v6/mail/send (AES-256-GCM)"),
        Profile("autosend", build_autosend, "POST /v1/contacts/email (JWE)", throughput_target=None,
                jose="jwe", jose_key=autosend_private_pem, jose_step=autosend_jose_step),
        Profile("ncp-mailer", build_ncp_mailer, "POST /api/v1/mails (HMAC signature v2)"),
        Profile("netcore-ce", build_netcore_ce, "POST /v1/activity/upload (AES-256-CBC, 11256)"),
        Profile("stayprivate", build_stayprivate, "POST /1.0/emails/send (RS256 JWT)", throughput_target=None,
                jose="jws", jose_key=stayprivate_public_pem, jose_step=stayprivate_jose_step,
                fuzz_setup=stayprivate_fuzz_setup),
    )
}
"""Every provider with a main-endpoint builder, by id. Figure 1 targets come from the issue
(>= 0.8 for netcore-email, ncp-mailer and netcore-ce); autosend and stayprivate are held to
their figure 2 targets instead and reported without a figure 1 target."""


def available_profiles(only: Sequence[str] | None = None) -> dict[str, Profile]:
    """Profiles of registered providers (optionally only ``only``), in port order."""
    registered = providers()
    chosen = [p for p in registered if p in PROFILES and (not only or p in only)]
    return {p: PROFILES[p] for p in chosen}


def missing_profiles() -> list[str]:
    """Registered providers that have no profile yet (reported, never silently skipped)."""
    return [p for p in providers() if p not in PROFILES]


def main_path(requests: Sequence[PreparedRequest]) -> str:
    return requests[0].path.split("?", 1)[0]


def json_body(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode("utf-8")
