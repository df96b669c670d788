// NAVER Cloud Outbound Mailer through the API Gateway (HMAC-SHA256 signed requests).
// SEALMAIL_BROKEN=stale-timestamp reads the clock once at start-up (fails NCP-TS-FRESH).
import { createHmac } from "node:crypto";
import { BROKEN, bodyOf, serve } from "./rpc.mjs";

const STARTED_MS = Date.now();
const rfc3986 = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

serve((baseUrl, config) => {
  async function call(method, path, query, body) {
    const pairs = Object.entries(query ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((item) => `${rfc3986(k)}=${rfc3986(String(item))}`));
    const uri = "/api/v1" + path + (pairs.length ? "?" + pairs.join("&") : "");  // signed exactly as sent
    const timestamp = String(BROKEN === "stale-timestamp" ? STARTED_MS : Date.now());
    const signature = createHmac("sha256", Buffer.from(config.secret_key, "utf8"))
      .update(`${method} ${uri}\n${timestamp}\n${config.access_key}`).digest("base64");
    const headers = {
      "x-ncp-apigw-timestamp": timestamp,
      "x-ncp-iam-access-key": config.access_key,
      "x-ncp-apigw-signature-v2": signature,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return bodyOf(await fetch(baseUrl + uri, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
  }
  const id = (requestId) => rfc3986(requestId);
  return {
    send: ({ mail }) => call("POST", "/mails", null, mail),
    request_status: ({ request_id }) => call("GET", `/mails/requests/${id(request_id)}/status`),
    list_mails: ({ request_id, query }) => call("GET", `/mails/requests/${id(request_id)}/mails`, query),
  };
});
