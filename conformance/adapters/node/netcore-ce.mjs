// Netcore CE encrypted activity upload, eCodes 11256 (CBC base64), 11257 (CBC hex), 11258 (GCM).
import { createCipheriv, randomBytes, randomInt } from "node:crypto";
import { bodyOf, serve } from "./rpc.mjs";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomText = (length) => Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");

serve((baseUrl, config) => {
  function encrypt(plaintext, ecode) {
    if (ecode === 11258) {
      const nonce = randomBytes(12);                                 // fresh for every upload
      const cipher = createCipheriv("aes-256-gcm", Buffer.from(config.gcm_key, "base64"), nonce);
      return Buffer.concat([nonce, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]).toString("base64");
    }
    // 11256/11257: the shared 32- and 16-character strings are the key and IV bytes; PKCS#7 is Node's default.
    const cipher = createCipheriv("aes-256-cbc", Buffer.from(config.key, "utf8"), Buffer.from(config.iv, "utf8"));
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return sealed.toString(ecode === 11257 ? "hex" : "base64");
  }
  return {
    generate_key_and_iv: () => [randomText(32), randomText(16)],
    async upload({ events, ecode }) {
      const activities = events.map((e) => ({
        asset_id: config.asset,
        activity_name: e.name,
        timestamp: new Date(e.occurred_at).toISOString().replace(/\.\d+Z$/, "Z"),   // UTC with Z
        identity: e.identity,
        activity_source: e.source,
        activity_params: e.params,
      }));
      const response = await fetch(`${baseUrl}/v1/activity/upload`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "x-eCode": String(ecode), "x-asset": config.asset, Authorization: `Bearer ${config.api_key}` },
        body: JSON.stringify({ encryptedRequest: encrypt(JSON.stringify(activities), ecode) }),
      });
      const body = await bodyOf(response);
      if (body?.status !== "success") throw new Error(`HTTP ${response.status} without a success body`);
      return body;
    },
  };
});
