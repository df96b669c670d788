// One test's life against a shared `sealmail serve`: its own ncp-mailer tenant, real
// HMAC-signed requests (node:crypto), a scripted fault and a clock move of its own,
// then ?tenant= shows exactly this test's requests and messages.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

const BASE = process.env.SEALMAIL_NCP_MAILER_URL;
const PATH = '/api/v1/mails';

async function control(path, method = 'GET', body) {
  const response = await fetch(BASE + '/__mock__/' + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// NCP API Gateway signature: base64(HMAC-SHA256(secret, "METHOD URI\nTIMESTAMP\nACCESS_KEY")).
function signedHeaders(method, uri, accessKey, secretKey) {
  const timestamp = String(Date.now());
  const signature = createHmac('sha256', secretKey).update(`${method} ${uri}\n${timestamp}\n${accessKey}`).digest('base64');
  return {
    'x-ncp-apigw-timestamp': timestamp,
    'x-ncp-iam-access-key': accessKey,
    'x-ncp-apigw-signature-v2': signature,
    'content-type': 'application/json',
  };
}

async function send(config, marker) {
  const body = {
    senderAddress: 'no_reply@company.com',
    senderName: marker,
    title: `Hello from ${marker}`,
    body: 'tenant test',
    recipients: [{ address: 'someone@example.com', type: 'R' }],
  };
  const response = await fetch(BASE + PATH, {
    method: 'POST',
    headers: signedHeaders('POST', PATH, config.access_key, config.secret_key),
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

export async function tenantCase(name, sends) {
  assert.ok(BASE, 'SEALMAIL_NCP_MAILER_URL is not set (run through pytest: tests/integration/test_node_tenants.py)');
  const created = await control('tenants', 'POST', {});
  assert.equal(created.status, 201);
  const { id, config } = created.body;
  const q = `?tenant=${encodeURIComponent(id)}`;
  const expected = [];
  for (let i = 0; i < sends; i++) {
    expected.push(await send(config, `${name}-${i}`));
  }
  assert.deepEqual(expected, Array(sends).fill(201));
  // this tenant's fault: only its next request takes it
  assert.equal((await control('faults', 'POST', { tenant: id, status: 503 })).status, 200);
  expected.push(await send(config, `${name}-fault`));
  assert.equal(expected.at(-1), 503);
  // this tenant's clock, ten minutes ahead: its (real-time) timestamps are now stale
  assert.equal((await control('clock' + q, 'POST', { offset_ms: 600000 })).status, 200);
  expected.push(await send(config, `${name}-stale`));
  assert.equal(expected.at(-1), 401);
  await control('clock' + q, 'POST', { reset: true });

  const journal = (await control('requests' + q)).body.requests;
  assert.deepEqual(journal.map((e) => e.status), expected);
  for (const entry of journal) {
    const key = Object.entries(entry.headers).find(([k]) => k.toLowerCase() === 'x-ncp-iam-access-key')[1];
    assert.equal(key, config.access_key);
  }
  const messages = (await control('messages' + q)).body.messages;
  assert.deepEqual(messages.map((m) => m.payload.senderName), Array.from({ length: sends }, (_, i) => `${name}-${i}`));

  assert.equal((await control('reset' + q, 'POST')).status, 200);
  assert.deepEqual((await control('requests' + q)).body.requests, []);
  assert.equal((await control('tenants/' + id, 'DELETE')).status, 200);
}
