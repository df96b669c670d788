// AutoSend, JWE-encrypted (RSA-OAEP-256 + A256GCM, compact) with a cached JWKS. Needs `npm install jose`.
// SEALMAIL_BROKEN=wrong-kid names another listed key in X-Key-Id (fails AS-KID-CONSISTENT).
import { CompactEncrypt, importJWK } from "jose";
import { BROKEN, serve } from "./rpc.mjs";

serve((baseUrl, config) => {
  const jwksUrl = config.jwks_url ?? `${baseUrl}/v1/jwks.json`;
  let cache = null;                                                  // { keys: [{kid, key}], expires }

  async function fetchKeys() {
    const response = await fetch(jwksUrl);
    if (!response.ok) throw new Error(`JWKS: HTTP ${response.status}`);
    const usable = (await response.json()).keys.filter((k) => k.kty === "RSA" && (k.use ?? "enc") === "enc" && (k.alg ?? "RSA-OAEP-256") === "RSA-OAEP-256");
    if (!usable.length) throw new Error("the JWKS holds no RSA-OAEP-256 key");
    const maxAge = /max-age\s*=\s*(\d+)/i.exec(response.headers.get("cache-control") ?? "");
    const keys = await Promise.all(usable.map(async (jwk) => ({ kid: jwk.kid, key: await importJWK(jwk, "RSA-OAEP-256") })));
    cache = { keys, expires: Date.now() + 1000 * (maxAge ? Number(maxAge[1]) : 3600) };
  }

  async function post(path, payload) {
    if (!cache || Date.now() >= cache.expires) await fetchKeys();
    const { kid, key } = cache.keys[0];                               // the active key is listed first
    const token = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: "RSA-OAEP-256", enc: "A256GCM", kid })
      .encrypt(key);                                                 // fresh CEK and IV every time
    const response = await fetch(baseUrl + path, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${config.api_key}`,
        "Content-Type": "application/json",
        "X-Payload-Encryption": "jwe",
        "X-Key-Id": BROKEN === "wrong-kid" ? cache.keys.at(-1).kid : kid,
      },
      body: JSON.stringify({ encryptedData: token }),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  return {
    async send_mail({ mail }) {
      let reply = await post("/v1/mails/send", mail);
      if (reply.status === 400 && reply.body?.error?.code === "UNKNOWN_KEY_ID") {
        await fetchKeys();                                           // refresh once, retry once
        reply = await post("/v1/mails/send", mail);
      }
      if (reply.status >= 400 || reply.body?.success !== true) {
        throw Object.assign(new Error(`HTTP ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`), { code: reply.status });
      }
      return reply.body.data;
    },
  };
});
