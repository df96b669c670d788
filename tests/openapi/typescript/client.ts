// A typed control client for a sealmail mock, on types generated from its own
// GET /__mock__/openapi.json:  npx openapi-typescript <base URL>/__mock__/openapi.json -o control.ts
// Usage: node out/client.js <base URL> <API path to send one request to>
import type { paths } from "./control";

declare const process: { argv: string[]; exit(code: number): never }; // Node's, without @types/node

type Method = "get" | "post" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Answer<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: { 200: { content: { "application/json": infer B } } } } ? B : never;
type Body<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
type ControlError = { error: string };

export class ControlClient {
  constructor(readonly baseUrl: string) {}

  async call<P extends keyof paths, M extends Method>(method: M, path: P, body?: Body<P, M>): Promise<Answer<P, M>> {
    const answer = await fetch(this.baseUrl + String(path), {
      method: method.toUpperCase(),
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json: unknown = await answer.json();
    if (!answer.ok) throw new Error(`${method} ${String(path)}: ${answer.status} ${(json as ControlError).error}`);
    return json as Answer<P, M>;
  }

  reset() { return this.call("post", "/__mock__/reset"); }
  addFaults(body: Body<"/__mock__/faults", "post">) { return this.call("post", "/__mock__/faults", body); }
  faults() { return this.call("get", "/__mock__/faults"); }
  requests() { return this.call("get", "/__mock__/requests"); }
}

async function main(): Promise<void> {
  const [baseUrl, apiPath] = process.argv.slice(2);
  const mock = new ControlClient(baseUrl);
  const reset = await mock.reset();
  const scripted = await mock.addFaults({ status: 503, times: 1, path: apiPath, retry_after: 2 });
  const pending: number = (await mock.faults()).faults.length;
  const api = await fetch(baseUrl + apiPath, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
  const journal = await mock.requests();
  const first = journal.requests[0];
  let refused = "";
  try {
    await mock.addFaults({ status: 200 });
  } catch (error) {
    refused = (error as Error).message;
  }
  console.log(JSON.stringify({
    reset: reset.status,
    scripted: scripted.faults.map((f) => [f.status, f.times, f.path]),
    pending,
    apiStatus: api.status,
    retryAfter: api.headers.get("Retry-After"),
    journal: { recorded: journal.recorded, status: first.status, outcome: first.outcome, reason: first.reason, path: first.path },
    refused,
  }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
