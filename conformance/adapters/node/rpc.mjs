// The sealmail stdio adapter loop: JSON-RPC 2.0 over stdin/stdout, one object per line
// (protocol: conformance/FRAMEWORK.md, "Adapters in any language"). Copy it beside your adapter.
import { createInterface } from "node:readline";

/** Answer requests one at a time: `init` calls makeAdapter(baseUrl, config), every other method adapter[method](params). */
export function serve(makeAdapter) {
  let adapter = null;
  let queue = Promise.resolve();
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => { queue = queue.then(() => handle(line)); });
  lines.on("close", () => queue.then(() => process.exit(0)));

  async function handle(line) {
    const { id, method, params } = JSON.parse(line);
    try {
      if (method === "init") {
        adapter = await makeAdapter(params.base_url.replace(/\/$/, ""), params.config);
        return answer({ id, result: null });
      }
      if (!adapter || typeof adapter[method] !== "function") throw Object.assign(new Error(`no method ${method}`), { code: -32601 });
      answer({ id, result: (await adapter[method](params)) ?? null });
    } catch (error) {
      answer({ id, error: { code: Number.isInteger(error.code) ? error.code : 1, message: String(error.message ?? error) } });
    }
  }
}

function answer(response) {
  process.stdout.write(JSON.stringify({ jsonrpc: "2.0", ...response }) + "\n");
}

/** The JSON body of a 2xx answer; anything else throws (the suite's "raised"). */
export async function bodyOf(response) {
  const text = await response.text();
  if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`), { code: response.status });
  try { return JSON.parse(text); } catch { return text; }
}

/** Which deliberate mistake to make (tests run the same file with SEALMAIL_BROKEN=<variant>). */
export const BROKEN = process.env.SEALMAIL_BROKEN ?? "";
