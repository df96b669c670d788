// StayPrivate secure email: RS256 bearer tokens, and prepare -> upload each attachment -> send. Needs `npm install jose`.
import { createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import { bodyOf, serve } from "./rpc.mjs";

const LIFETIME_S = 300;                                             // short-lived tokens

serve((baseUrl, config) => {
  const key = createPrivateKey(config.private_key_pem);
  let token = null, expires = 0;

  async function auth() {
    const now = Math.floor(Date.now() / 1000);
    if (!token || expires - now < 60) {                               // reuse a token until it has a minute left
      token = await new SignJWT({}).setProtectedHeader({ alg: "RS256" })
        .setIssuer(config.company_api_id).setIssuedAt(now).setExpirationTime(now + LIFETIME_S).sign(key);
      expires = now + LIFETIME_S;
    }
    return { "SP-Company-Api-Id": config.company_api_id, Authorization: `Bearer ${token}` };
  }

  async function call(path, body) {                                   // body: an object (JSON) or FormData
    const json = !(body instanceof FormData);
    const headers = { ...(await auth()), ...(json ? { "Content-Type": "application/json" } : {}) };
    const reply = await bodyOf(await fetch(`${baseUrl}/1.0/emails${path}`, { method: "POST", headers, body: json ? JSON.stringify(body) : body }));
    if (reply?.success !== true) throw new Error(`no success: ${JSON.stringify(reply).slice(0, 300)}`);
    return reply.data ?? {};
  }

  const lists = (m) => Object.fromEntries(
    [["emailToList", m.to], ["emailCcList", m.cc], ["emailBccList", m.bcc]].filter(([, v]) => v.length).map(([k, v]) => [k, v.join(";")]));
  const text = (m) => Object.fromEntries([["emailSubject", m.subject], ["emailBody", m.body]].filter(([, v]) => v != null));

  return {
    async send_email({ message: m }) {
      if (!m.attachments.length) return call("/send", { senderEmail: m.sender_email, ...text(m), ...lists(m) });
      const { emailRef } = await call("/prepare", { senderEmail: m.sender_email, ...text(m) });
      for (const a of m.attachments) {                                // one at a time, each awaited
        const form = new FormData();
        form.append("reqESignFlag", a.esign ? "Y" : "N");
        form.append("emailAttachment", new Blob([Buffer.from(a.data.base64, "base64")], { type: a.content_type }), a.file_name);
        await call(`/${emailRef}/attachments/upload`, form);
      }
      return call(`/${emailRef}/send`, { ...text(m), ...lists(m) });  // a prepared email: no senderEmail
    },
  };
});
