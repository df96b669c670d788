'''Ready-to-paste clients (curl, Python, Node) for each provider, filled from its ``/__mock__/config``.

Every snippet sends one request that the running mock accepts. Encrypted and
signed providers really encrypt or sign: Python with ``cryptography`` (and the
standard library), Node 18+ with its built-in ``crypto`` and ``fetch``. curl
sends the plain form where the provider allows one, and signs with ``openssl``
where it does not. tests/inspector/test_snippets.py runs every Python and Node
snippet against a running server.
'''

from __future__ import annotations

import json
import shlex
from typing import Any, Callable

Snippets = dict[str, str]
"""``{"curl": ..., "python": ..., "node": ...}``."""


def snippets_for(config: dict[str, Any]) -> Snippets:
    """The three snippets for the provider that ``config`` (``GET /__mock__/config``) describes."""
    builder = _BUILDERS.get(config["provider"])
    return builder(config) if builder else {}


def _lit(value: Any) -> str:
    """A JSON literal: also a valid Python (for str/int/list/dict of those) and JavaScript literal."""
    return json.dumps(value, ensure_ascii=False)


def _pyobj(value: Any, indent: str = "") -> str:
    """A Python literal for JSON data (``True``/``None``, not ``true``/``null``), one member per line."""
    inner = indent + "    "
    if isinstance(value, dict) and value:
        members = [f"{inner}{key!r}: {_pyobj(item, inner)}," for key, item in value.items()]
        return "{\n" + "\n".join(members) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        return "[\n" + "\n".join(f"{inner}{_pyobj(item, inner)}," for item in value) + f"\n{indent}]"
    return repr(value)


def _sh(value: str) -> str:
    return shlex.quote(value)


def _plain_curl(url: str, api_key: str, payload: Any, note: str) -> str:
    """A curl call posting ``payload`` as plain JSON with a Bearer key."""
    return (f"# Plain JSON ({note})\n"
            f"curl -sS -X POST {_sh(url)} \\\n  -H {_sh('Authorization: Bearer ' + api_key)} \\\n"
            f"  -H 'Content-Type: application/json' \\\n  --data {_sh(json.dumps(payload, ensure_ascii=False))}\n")


PY_SEND = '''
request = urllib.request.Request(URL, data=body, method="POST", headers=headers)
try:
    with urllib.request.urlopen(request) as response:
        print(response.status, response.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode())
    raise SystemExit(1)
'''

NODE_SEND = '''
  const response = await fetch(URL, { method: "POST", headers, body });
  console.log(response.status, await response.text());
  if (!response.ok) process.exitCode = 1;
})();
'''


# --- netcore-email: AES-256-GCM body, key and IV in headers (seed 000) ---------------------------
def _netcore_email(c: dict[str, Any]) -> Snippets:
    mail = {
        "from": {"email": "from@example.com", "name": "Sealmail"},
        "subject": "Hello [%NAME%]",
        "content": [{"type": "html", "value": "<p>Hello <b>[%NAME%]</b>, this came through the mock.</p>"}],
        "personalizations": [{"to": [{"email": "to@example.com", "name": "Ada"}], "attributes": {"NAME": "Ada"}}],
    }
    url, key = c["send_url"], c["api_key"]
    curl = _plain_curl(url, key, mail, "the mock also accepts the encrypted form; see the Python and Node snippets")
    python = f'''# pip install cryptography
import base64, json, os, urllib.error, urllib.request
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

URL = {_lit(url)}
API_KEY = {_lit(key)}
mail = {_pyobj(mail)}

key, iv = os.urandom(32), os.urandom(12)  # fresh for every request
body = base64.b64encode(AESGCM(key).encrypt(iv, json.dumps(mail).encode(), None))  # ciphertext || tag
headers = {{
    "Authorization": f"Bearer {{API_KEY}}", "Content-Type": "application/json",
    "X-Encryption": "1", "X-Encryption-Version": "2",
    "X-AES-KEY": base64.b64encode(key).decode(), "X-AES-IV": base64.b64encode(iv).decode(),
}}''' + PY_SEND
    node = f'''// Node 18+: built-in crypto and fetch
const crypto = require("node:crypto");
const URL = {_lit(url)};
const API_KEY = {_lit(key)};
const mail = {_lit(mail)};

(async () => {{
  const key = crypto.randomBytes(32), iv = crypto.randomBytes(12); // fresh for every request
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(mail), "utf8"), cipher.final(), cipher.getAuthTag()]);
  const body = sealed.toString("base64");
  const headers = {{
    Authorization: `Bearer ${{API_KEY}}`, "Content-Type": "application/json",
    "X-Encryption": "1", "X-Encryption-Version": "2",
    "X-AES-KEY": key.toString("base64"), "X-AES-IV": iv.toString("base64"),
  }};''' + NODE_SEND
    return {"curl": curl, "python": python, "node": node}


# --- autosend: compact JWE (RSA-OAEP-256 + A256GCM) to the active JWKS key -------------------------
def _autosend(c: dict[str, Any]) -> Snippets:
    mail = {
        "to": {"email": "to@example.com", "name": "Ada"},
        "from": {"email": "from@example.com", "name": "Sealmail"},
        "subject": "Hello {{name}}",
        "html": "<p>Hello <b>{{name}}</b>, this came through the mock.</p>",
        "dynamicData": {"name": "Ada"},
    }
    url, key, jwks = c["endpoints"]["send"], c["api_key"], c["jwks_url"]
    curl = _plain_curl(url, key, mail, "encryption is optional, seed FAQ; the Python and Node snippets encrypt")
    python = f'''# pip install cryptography
import base64, json, os, urllib.error, urllib.request
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

URL = {_lit(url)}
JWKS_URL = {_lit(jwks)}
API_KEY = {_lit(key)}
mail = {_pyobj(mail)}

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def b64url_int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

jwk = json.load(urllib.request.urlopen(JWKS_URL))["keys"][0]  # the active key is listed first
public_key = rsa.RSAPublicNumbers(b64url_int(jwk["e"]), b64url_int(jwk["n"])).public_key()
protected = b64url(json.dumps({{"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": jwk["kid"]}}).encode())
cek, iv = os.urandom(32), os.urandom(12)
wrapped = public_key.encrypt(cek, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
sealed = AESGCM(cek).encrypt(iv, json.dumps(mail).encode(), protected.encode())  # AAD: the protected header
jwe = ".".join([protected, b64url(wrapped), b64url(iv), b64url(sealed[:-16]), b64url(sealed[-16:])])
body = json.dumps({{"encryptedData": jwe}}).encode()
headers = {{
    "Authorization": f"Bearer {{API_KEY}}", "Content-Type": "application/json",
    "X-Payload-Encryption": "jwe", "X-Key-Id": jwk["kid"],
}}''' + PY_SEND
    node = f'''// Node 18+: built-in crypto and fetch
const crypto = require("node:crypto");
const URL = {_lit(url)};
const JWKS_URL = {_lit(jwks)};
const API_KEY = {_lit(key)};
const mail = {_lit(mail)};

(async () => {{
  const jwk = (await (await fetch(JWKS_URL)).json()).keys[0]; // the active key is listed first
  const publicKey = crypto.createPublicKey({{ key: {{ kty: jwk.kty, n: jwk.n, e: jwk.e }}, format: "jwk" }});
  const protectedHeader = Buffer.from(JSON.stringify({{ alg: "RSA-OAEP-256", enc: "A256GCM", kid: jwk.kid }})).toString("base64url");
  const cek = crypto.randomBytes(32), iv = crypto.randomBytes(12);
  const wrapped = crypto.publicEncrypt({{ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }}, cek);
  const cipher = crypto.createCipheriv("aes-256-gcm", cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader, "ascii"));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(mail), "utf8"), cipher.final()]);
  const jwe = [protectedHeader, wrapped, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
  const body = JSON.stringify({{ encryptedData: jwe }});
  const headers = {{
    Authorization: `Bearer ${{API_KEY}}`, "Content-Type": "application/json",
    "X-Payload-Encryption": "jwe", "X-Key-Id": jwk.kid,
  }};''' + NODE_SEND
    return {"curl": curl, "python": python, "node": node}


# --- ncp-mailer: API Gateway signature v2 (HMAC-SHA256 of "METHOD path\\ntimestamp\\naccessKey") ----
def _ncp_mailer(c: dict[str, Any]) -> Snippets:
    mail = {
        "senderAddress": "no_reply@company.com",
        "title": "Hello ${name}",
        "body": "<p>Hello <b>${name}</b>, this came through the mock.</p>",
        "recipients": [{"address": "to@example.com", "name": "Ada", "type": "R", "parameters": {"name": "Ada"}}],
        "individual": True,
        "advertising": False,
    }
    url, access, secret = c["send_url"], c["access_key"], c["secret_key"]
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    curl = (f"TS=$(date +%s)000  # epoch milliseconds\n"
            f"SIG=$(printf 'POST %s\\n%s\\n%s' {_sh(path)} \"$TS\" {_sh(access)} | openssl dgst -sha256 -hmac {_sh(secret)} -binary | base64)\n"
            f"curl -sS -X POST {_sh(url)} \\\n  -H \"x-ncp-apigw-timestamp: $TS\" \\\n  -H {_sh('x-ncp-iam-access-key: ' + access)} \\\n"
            f"  -H \"x-ncp-apigw-signature-v2: $SIG\" \\\n  -H 'Content-Type: application/json' \\\n"
            f"  --data {_sh(json.dumps(mail, ensure_ascii=False))}\n")
    python = f'''import base64, hashlib, hmac, json, time, urllib.error, urllib.request

URL = {_lit(url)}
PATH = {_lit(path)}
ACCESS_KEY = {_lit(access)}
SECRET_KEY = {_lit(secret)}
mail = {_pyobj(mail)}

timestamp = str(int(time.time() * 1000))
message = f"POST {{PATH}}\\n{{timestamp}}\\n{{ACCESS_KEY}}".encode()
signature = base64.b64encode(hmac.new(SECRET_KEY.encode(), message, hashlib.sha256).digest()).decode()
body = json.dumps(mail).encode()
headers = {{
    "Content-Type": "application/json", "x-ncp-apigw-timestamp": timestamp,
    "x-ncp-iam-access-key": ACCESS_KEY, "x-ncp-apigw-signature-v2": signature,
}}''' + PY_SEND
    node = f'''// Node 18+: built-in crypto and fetch
const crypto = require("node:crypto");
const URL = {_lit(url)};
const PATH = {_lit(path)};
const ACCESS_KEY = {_lit(access)};
const SECRET_KEY = {_lit(secret)};
const mail = {_lit(mail)};

(async () => {{
  const timestamp = String(Date.now());
  const signature = crypto.createHmac("sha256", SECRET_KEY).update(`POST ${{PATH}}\\n${{timestamp}}\\n${{ACCESS_KEY}}`).digest("base64");
  const body = JSON.stringify(mail);
  const headers = {{
    "Content-Type": "application/json", "x-ncp-apigw-timestamp": timestamp,
    "x-ncp-iam-access-key": ACCESS_KEY, "x-ncp-apigw-signature-v2": signature,
  }};''' + NODE_SEND
    return {"curl": curl, "python": python, "node": node}


# --- netcore-ce: AES-256-CBC (x-eCode 11256), key and IV strings used as UTF-8 bytes ------------------
def _netcore_ce(c: dict[str, Any]) -> Snippets:
    url, api_key, asset, key, iv = c["upload_url"], c["api_key"], c["asset"], c["key"], c["iv"]
    params = {"plan": "pro", "city": "Pune"}
    curl = (f"TS=$(date -u +%Y-%m-%dT%H:%M:%SZ)\n"
            f"PAYLOAD='[{{\"asset_id\":{_lit(asset)},\"activity_name\":\"form_submitted\",\"timestamp\":\"'$TS'\",'\\\n"
            f"'\"identity\":\"9999911111\",\"activity_source\":\"web\",\"activity_params\":{json.dumps(params)}}}]'\n"
            f"ENC=$(printf '%s' \"$PAYLOAD\" | openssl enc -aes-256-cbc -K {key.encode().hex()} -iv {iv.encode().hex()} -base64 -A)\n"
            f"curl -sS -X POST {_sh(url)} \\\n  -H {_sh('Authorization: Bearer ' + api_key)} \\\n  -H {_sh('x-asset: ' + asset)} \\\n"
            f"  -H 'x-eCode: 11256' \\\n  -H 'Content-Type: application/json' \\\n"
            f"  --data '{{\"encryptedRequest\":\"'\"$ENC\"'\"}}'\n")
    python = f'''# pip install cryptography
import base64, datetime, json, urllib.error, urllib.request
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

URL = {_lit(url)}
API_KEY = {_lit(api_key)}
ASSET = {_lit(asset)}
KEY, IV = {_lit(key)}.encode(), {_lit(iv)}.encode()  # the shared strings, used as UTF-8 bytes

activities = [{{
    "asset_id": ASSET, "activity_name": "form_submitted",
    "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "identity": "9999911111", "activity_source": "web", "activity_params": {_pyobj(params)},
}}]
padder = padding.PKCS7(128).padder()
padded = padder.update(json.dumps(activities, separators=(",", ":")).encode()) + padder.finalize()
encryptor = Cipher(algorithms.AES(KEY), modes.CBC(IV)).encryptor()
encrypted = base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()
body = json.dumps({{"encryptedRequest": encrypted}}).encode()
headers = {{
    "Authorization": f"Bearer {{API_KEY}}", "x-asset": ASSET, "x-eCode": "11256",
    "Content-Type": "application/json",
}}''' + PY_SEND
    node = f'''// Node 18+: built-in crypto and fetch
const crypto = require("node:crypto");
const URL = {_lit(url)};
const API_KEY = {_lit(api_key)};
const ASSET = {_lit(asset)};
const KEY = Buffer.from({_lit(key)}, "utf8"), IV = Buffer.from({_lit(iv)}, "utf8"); // shared strings as bytes

(async () => {{
  const activities = [{{
    asset_id: ASSET, activity_name: "form_submitted",
    timestamp: new Date().toISOString().replace(/\\.\\d{{3}}Z$/, "Z"),
    identity: "9999911111", activity_source: "web", activity_params: {_lit(params)},
  }}];
  const cipher = crypto.createCipheriv("aes-256-cbc", KEY, IV); // PKCS#7 padding by default
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(activities), "utf8"), cipher.final()]).toString("base64");
  const body = JSON.stringify({{ encryptedRequest: encrypted }});
  const headers = {{
    Authorization: `Bearer ${{API_KEY}}`, "x-asset": ASSET, "x-eCode": "11256",
    "Content-Type": "application/json",
  }};''' + NODE_SEND
    return {"curl": curl, "python": python, "node": node}


# --- stayprivate: RS256 JWT (iss = company API id) signed with the company's private key ---------------
def _stayprivate(c: dict[str, Any]) -> Snippets:
    url, company, pem = c["urls"]["send"], c["company_api_id"], c["private_key_pem"]
    email = {
        "senderEmail": c.get("sender_email") or "sender@example.com",
        "emailSubject": "Hello Ada",
        "emailBody": "<p>Hello <b>Ada</b>, this came through the mock.</p>",
        "emailToList": "to@example.org",
    }
    curl = (f"# The sample token from /__mock__/config expires an hour after it was shown; the Python\n"
            f"# and Node snippets sign a fresh one with the (public, test-only) private key.\n"
            f"curl -sS -X POST {_sh(url)} \\\n  -H {_sh('SP-Company-Api-Id: ' + company)} \\\n"
            f"  -H {_sh('Authorization: Bearer ' + c['sample_bearer_token'])} \\\n"
            f"  -H 'Content-Type: application/json' \\\n  --data {_sh(json.dumps(email, ensure_ascii=False))}\n")
    python = f'''# pip install cryptography
import base64, json, time, urllib.error, urllib.request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

URL = {_lit(url)}
COMPANY_API_ID = {_lit(company)}
PRIVATE_KEY_PEM = {_lit(pem)}  # public test key: never use it outside local testing
email = {_pyobj(email)}

def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

now = int(time.time())
signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (
    {{"alg": "RS256", "typ": "JWT"}}, {{"iss": COMPANY_API_ID, "iat": now, "exp": now + 300}}))
private_key = serialization.load_pem_private_key(PRIVATE_KEY_PEM.encode(), password=None)
token = signing_input + "." + b64url(private_key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256()))
body = json.dumps(email).encode()
headers = {{
    "SP-Company-Api-Id": COMPANY_API_ID, "Authorization": f"Bearer {{token}}",
    "Content-Type": "application/json",
}}''' + PY_SEND
    node = f'''// Node 18+: built-in crypto and fetch
const crypto = require("node:crypto");
const URL = {_lit(url)};
const COMPANY_API_ID = {_lit(company)};
const PRIVATE_KEY_PEM = {_lit(pem)}; // public test key: never use it outside local testing
const email = {_lit(email)};

(async () => {{
  const b64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${{b64url({{ alg: "RS256", typ: "JWT" }})}}.${{b64url({{ iss: COMPANY_API_ID, iat: now, exp: now + 300 }})}}`;
  const token = `${{signingInput}}.${{crypto.sign("sha256", Buffer.from(signingInput), PRIVATE_KEY_PEM).toString("base64url")}}`;
  const body = JSON.stringify(email);
  const headers = {{
    "SP-Company-Api-Id": COMPANY_API_ID, Authorization: `Bearer ${{token}}`,
    "Content-Type": "application/json",
  }};''' + NODE_SEND
    return {"curl": curl, "python": python, "node": node}


_BUILDERS: dict[str, Callable[[dict[str, Any]], Snippets]] = {
    "netcore-email": _netcore_email,
    "autosend": _autosend,
    "ncp-mailer": _ncp_mailer,
    "netcore-ce": _netcore_ce,
    "stayprivate": _stayprivate,
}
