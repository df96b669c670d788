// Netcore Email v6, encrypted (AES-256-GCM): `sealmail conformance run netcore-email --client-cmd 'node netcore-email.mjs'`.
// SEALMAIL_BROKEN=reuse-iv sends every request with the same IV (fails NE-IV-FRESH); SEALMAIL_BROKEN=latin1
// encodes the JSON as ISO-8859-1, not UTF-8 (only non-ASCII payloads break it: what a property run finds).
import { createCipheriv, randomBytes } from "node:crypto";
import { BROKEN, bodyOf, serve } from "./rpc.mjs";

serve((baseUrl, config) => {
  const firstIv = randomBytes(12);
  return {
    async send({ message }) {
      const key = randomBytes(32);                                   // fresh key and IV for every request
      const iv = BROKEN === "reuse-iv" ? firstIv : randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const sealed = Buffer.concat([cipher.update(JSON.stringify(message), BROKEN === "latin1" ? "latin1" : "utf8"), cipher.final(), cipher.getAuthTag()]);
      const response = await fetch(`${baseUrl}/v6/mail/send`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${config.api_key}`,
          "Content-Type": "application/json",
          "X-Encryption": "1",
          "X-Encryption-Version": "2",
          "X-AES-KEY": key.toString("base64"),
          "X-AES-IV": iv.toString("base64"),
        },
        body: sealed.toString("base64"),                             // base64(ciphertext || tag)
      });
      return bodyOf(response);
    },
  };
});
