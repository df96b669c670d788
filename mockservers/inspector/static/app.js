// sealmail inspector: a client of each mock's public control API (proxied same-origin under
// /p/<provider>/__mock__/...) plus one server-sent event stream (/events).
// Request data is only ever put into the page with textContent (the h() helper); email bodies
// go into sandboxed srcdoc frames whose own CSP blocks scripts and remote content.
"use strict";

const state = {
  mocks: [],              // [{provider, title, base_url, control}]
  requests: new Map(),    // "provider#id" -> {provider, entry}
  messages: new Map(),    // "provider#message_id" -> {provider, message}
  selectedRequest: null,
  selectedMessage: null,
  recipientIndex: 0,
};
const MAX_ROWS = 500;
const PREVIEW_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

// --- DOM helpers ----------------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}
const $ = (selector) => document.querySelector(selector);
const pretty = (value) => JSON.stringify(value, null, 2);
const timeOf = (ms) => { const d = new Date(ms); return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0"); };
function kv(pairs) {
  const dl = h("dl", { class: "kv" });
  for (const [key, value] of pairs) if (value !== undefined && value !== null && value !== "") dl.append(h("dt", {}, key), h("dd", {}, value));
  return dl;
}

async function copyText(text, button) {
  try { await navigator.clipboard.writeText(text); }
  catch { const area = h("textarea", {}, text); document.body.append(area); area.select(); document.execCommand("copy"); area.remove(); }
  if (button) { const old = button.textContent; button.textContent = "copied"; setTimeout(() => { button.textContent = old; }, 1200); }
}
const copyButton = (text, label) => h("button", { class: "copy", type: "button", "aria-label": label || "copy", onclick: (e) => copyText(text, e.currentTarget) }, "copy");

// --- control API (same origin) ----------------------------------------------------------------------
async function control(provider, path, method = "GET", body) {
  const init = { method, headers: {} };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const response = await fetch(`/p/${encodeURIComponent(provider)}/__mock__/${path}`, init);
  const text = await response.text();
  let data; try { data = JSON.parse(text); } catch { data = text; }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${text}`);
  return data;
}

// --- loading and the live stream --------------------------------------------------------------------
// Merge a snapshot: items known before the fetch but absent from it are gone (cleared or evicted
// while the stream was down); items that arrived by event during the fetch stay.
async function loadSnapshot(provider) {
  const mine = (map) => [...map.keys()].filter((key) => key.startsWith(provider + "#"));
  const before = { requests: mine(state.requests), messages: mine(state.messages) };
  const [journal, store] = await Promise.all([control(provider, "requests"), control(provider, "messages")]);
  const fresh = new Set();
  for (const entry of journal.requests) { const key = `${provider}#${entry.id}`; fresh.add(key); state.requests.set(key, { provider, entry }); }
  for (const message of store.messages) { const key = `${provider}#${message.message_id}`; fresh.add(key); state.messages.set(key, { provider, message }); }
  for (const key of before.requests) if (!fresh.has(key)) state.requests.delete(key);
  for (const key of before.messages) if (!fresh.has(key)) state.messages.delete(key);
}

async function loadAll() {
  await Promise.all(state.mocks.map((m) => loadSnapshot(m.provider)));
  renderJournal(); renderMessages();
}

function applyEvent(event) {
  if (event.type === "hello" || event.type === "resync") { loadAll().catch(showLoadError); return; }
  const provider = event.provider;
  if (event.type === "request") state.requests.set(`${provider}#${event.entry.id}`, { provider, entry: event.entry });
  else if (event.type === "message") state.messages.set(`${provider}#${event.message.message_id}`, { provider, message: event.message });
  else if (event.type === "cleared") {
    const target = event.what === "journal" ? state.requests : state.messages;
    for (const key of [...target.keys()]) if (key.startsWith(provider + "#")) target.delete(key);
  }
  scheduleRender();
}

let renderPending = false;
function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; renderJournal(); renderMessages(); });
}

function showLoadError(error) {
  const live = $("#live");
  live.dataset.state = "closed";
  live.textContent = `cannot load: ${error.message || error}`;
}

function connect() {
  const live = $("#live");
  const source = new EventSource("/events");
  source.onopen = () => { live.dataset.state = "open"; live.textContent = "live"; };
  source.onerror = () => { live.dataset.state = "closed"; live.textContent = "reconnecting"; };
  source.onmessage = (message) => applyEvent(JSON.parse(message.data));
}

// --- journal view -------------------------------------------------------------------------------------
function journalFilter() {
  return { provider: $("#journal-provider").value, outcome: $("#journal-outcome").value, reason: $("#journal-reason").value.trim().toLowerCase() };
}

function renderJournal() {
  const filter = journalFilter();
  const all = [...state.requests.values()].sort((a, b) => b.entry.time_ms - a.entry.time_ms || b.entry.id - a.entry.id);
  const reasons = new Set(all.map((r) => r.entry.reason).filter(Boolean));
  $("#reasons").replaceChildren(...[...reasons].sort().map((r) => h("option", { value: r })));
  const shown = all.filter(({ provider, entry }) =>
    (!filter.provider || provider === filter.provider) &&
    (!filter.outcome || entry.outcome === filter.outcome) &&
    (!filter.reason || (entry.reason || "").toLowerCase().includes(filter.reason)));
  $("#journal-count").textContent = all.length;
  $("#journal-shown").textContent = `${shown.length} of ${all.length} request(s)` + (shown.length > MAX_ROWS ? `, newest ${MAX_ROWS} listed` : "");
  $("#journal-empty").hidden = all.length > 0;
  const rows = shown.slice(0, MAX_ROWS).map(({ provider, entry }) => {
    const key = `${provider}#${entry.id}`;
    return h("tr", { dataset: { key, provider, outcome: entry.outcome || "", reason: entry.reason || "" }, "aria-selected": String(key === state.selectedRequest),
      onclick: () => { state.selectedRequest = key; renderJournal(); } },
      h("td", {}, timeOf(entry.time_ms)), h("td", {}, provider), h("td", {}, entry.method),
      h("td", { title: entry.path }, entry.path), h("td", {}, entry.status ?? ""),
      h("td", { class: entry.outcome || "" }, entry.outcome || ""), h("td", { title: entry.reason || "" }, entry.reason || ""));
  });
  $("#journal-table tbody").replaceChildren(...rows);
  renderJournalDetail();
}

function decryptedPayloads(provider, entry) {
  const found = (entry.message_ids || []).map((id) => state.messages.get(`${provider}#${id}`)).filter(Boolean).map((m) => m.message.payload);
  if (found.length) return found;
  if (entry.details && entry.details.plaintext !== undefined) return [entry.details.plaintext];
  return [];
}

function renderJournalDetail() {
  const pane = $("#journal-detail");
  const item = state.requests.get(state.selectedRequest);
  if (!item) { pane.replaceChildren(h("p", { class: "muted" }, "Select a request to see its headers, raw body, decrypted payload and, for a rejection, the reason.")); return; }
  const { provider, entry } = item;
  const parts = [h("h2", {}, `#${entry.id} ${entry.method} ${entry.path}`),
    kv([["provider", provider], ["time", new Date(entry.time_ms).toISOString()], ["status", entry.status], ["outcome", entry.outcome],
        ["message ids", (entry.message_ids || []).join(", ")]])];
  if (entry.outcome === "rejected" || entry.reason) {
    parts.push(h("h3", {}, "Why"), h("div", { class: "reason-box", id: "reason-box" },
      h("div", {}, h("span", { class: "reason" }, entry.reason || "(no reason)"), entry.error_code !== null ? ` — provider code ${entry.error_code}` : ""),
      entry.field ? h("div", {}, "field: ", h("code", {}, entry.field)) : null,
      entry.detail ? h("div", {}, entry.detail) : null));
  }
  if ((entry.warnings || []).length) parts.push(h("h3", {}, "Warnings"), h("ul", {}, entry.warnings.map((w) => h("li", {}, w))));
  const payloads = decryptedPayloads(provider, entry);
  if (payloads.length) parts.push(h("h3", {}, "Decrypted payload"), h("pre", { id: "decrypted" }, pretty(payloads.length === 1 ? payloads[0] : payloads)));
  if (entry.details && Object.keys(entry.details).length) parts.push(h("h3", {}, "Diagnosis"), h("pre", { id: "diagnosis" }, pretty(entry.details)));
  parts.push(h("h3", {}, "Headers"), kv(Object.entries(entry.headers || {})));
  parts.push(h("h3", {}, `Raw body (${entry.body_size} bytes${entry.body_truncated ? ", truncated" : ""})`), h("pre", { id: "raw-body" }, entry.body || "(empty)"));
  pane.replaceChildren(...parts);
}

// --- messages view: render each email as its recipient sees it ---------------------------------------------
const fill = (text, pattern, values) => typeof text !== "string" ? text
  : text.replace(pattern, (match, name) => {
      const value = name.split(".").reduce((obj, part) => (obj && typeof obj === "object" ? obj[part] : undefined), values);
      return value === undefined || value === null ? match : String(value);
    });
const NETCORE_ATTR = /\[%\s*([\w.]+)\s*%\]/g;          // Netcore/Pepipost attributes: [%NAME%]
const HANDLEBARS = /\{\{\{?\s*([\w.]+)\s*\}?\}\}/g;     // AutoSend dynamicData: {{name}}

function addressOf(value) { return value && typeof value === "object" ? value.email || value.address : value; }

// -> [{to, from, subject, html, text, note}] one per recipient (or [] when the message is not an email)
function renderings(provider, message) {
  const p = message.payload || {};
  if (provider === "netcore-email") {
    const html = (p.content || []).find((c) => /html/.test(c.type || "") && !/amp/.test(c.type || ""));
    const text = (p.content || []).find((c) => /text|plain/.test(c.type || "") && !/html/.test(c.type || ""));
    const out = [];
    for (const person of p.personalizations || []) {
      const attrs = person.attributes || {};
      for (const to of person.to || []) out.push({ to: addressOf(to), from: addressOf(p.from), subject: fill(p.subject, NETCORE_ATTR, attrs),
        html: html && fill(html.value, NETCORE_ATTR, attrs), text: text && fill(text.value, NETCORE_ATTR, attrs),
        note: p.template_id !== undefined && p.template_id !== null ? `template ${p.template_id} (stored templates are not previewed)` : null });
    }
    return out;
  }
  if (provider === "autosend") {
    if (message.kind !== "mail" && message.kind !== "mail.bulk") return [];
    const people = message.kind === "mail" ? [p.to] : (p.recipients || []);
    return people.map((person) => {
      const data = { ...(p.dynamicData || {}), ...((person && person.dynamicData) || {}) };
      return { to: addressOf(person), from: addressOf(p.from), subject: fill(p.subject, HANDLEBARS, data),
        html: fill(p.html, HANDLEBARS, data), text: fill(p.text, HANDLEBARS, data),
        note: p.templateId ? `template ${p.templateId} with dynamicData ${JSON.stringify(data)}` : null };
    });
  }
  if (provider === "ncp-mailer") {   // the mock stores one mail per recipient, parameters already filled
    return (p.recipients || []).map((r) => ({ to: addressOf(r), from: p.senderAddress, subject: p.title, html: p.body }));
  }
  if (provider === "stayprivate") {
    const r = p.recipients || {};
    const people = [...(r.emailToList || []), ...(r.emailCcList || []), ...(r.emailBccList || [])];
    return (people.length ? people : [null]).map((to) => ({ to, from: p.senderEmail, subject: p.emailSubject, html: p.emailBody }));
  }
  return [];
}

function subjectOf(provider, message) {
  const first = renderings(provider, message)[0];
  if (first) return first.subject || "";
  const p = message.payload || {};
  return p.activity_name || p.email || message.kind;
}

function searchText(provider, message) {
  const parts = [JSON.stringify(message.payload), ...(message.meta && message.meta.recipients ? message.meta.recipients : [])];
  for (const r of renderings(provider, message)) parts.push(r.to, r.subject, r.html, r.text);
  return parts.filter(Boolean).join("\n").toLowerCase();
}

function renderMessages() {
  const query = $("#message-search").value.trim().toLowerCase();
  const providerFilter = $("#message-provider").value;
  const all = [...state.messages.values()].sort((a, b) => b.message.time_ms - a.message.time_ms);
  const shown = all.filter(({ provider, message }) => (!providerFilter || provider === providerFilter) && (!query || searchText(provider, message).includes(query)));
  $("#message-count").textContent = all.length;
  $("#message-shown").textContent = `${shown.length} of ${all.length} message(s)`;
  $("#message-empty").hidden = all.length > 0;
  $("#message-table tbody").replaceChildren(...shown.slice(0, MAX_ROWS).map(({ provider, message }) => {
    const key = `${provider}#${message.message_id}`;
    const to = (message.meta && message.meta.recipients) || renderings(provider, message).map((r) => r.to);
    return h("tr", { dataset: { key, provider }, "aria-selected": String(key === state.selectedMessage),
      onclick: () => { if (state.selectedMessage !== key) state.recipientIndex = 0; state.selectedMessage = key; renderMessages(); } },
      h("td", {}, timeOf(message.time_ms)), h("td", {}, provider), h("td", {}, message.kind),
      h("td", { title: (to || []).join(", ") }, (to || []).join(", ")), h("td", {}, subjectOf(provider, message)));
  }));
  renderMessageDetail();
}

function previewFrame(rendering) {
  // sandbox="" (no allow-scripts, no same-origin) plus a CSP that blocks every fetch: scripts,
  // remote images, fonts and styles never load, as Mailpit previews mail.
  const body = rendering.html != null ? rendering.html
    : `<pre style="white-space:pre-wrap;font:13px monospace">${escapeHtml(rendering.text || "")}</pre>`;
  const doc = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${PREVIEW_CSP}"></head><body>${body}</body></html>`;
  const frame = h("iframe", { class: "preview", sandbox: "", referrerpolicy: "no-referrer", title: "email preview" });
  frame.srcdoc = doc;
  return frame;
}
function escapeHtml(text) { const div = document.createElement("div"); div.textContent = text; return div.innerHTML; }

function renderMessageDetail() {
  const pane = $("#message-detail");
  const item = state.messages.get(state.selectedMessage);
  if (!item) { pane.replaceChildren(h("p", { class: "muted" }, "Select a message to preview it as its recipient would see it.")); return; }
  const { provider, message } = item;
  const parts = [h("h2", {}, `${provider} ${message.kind} ${message.message_id}`),
    kv([["time", new Date(message.time_ms).toISOString()], ["request", `#${message.request_id}`]])];
  const views = renderings(provider, message);
  if (views.length) {
    const index = Math.min(state.recipientIndex, views.length - 1);
    if (views.length > 1) parts.push(h("div", { class: "recipients", role: "group", "aria-label": "recipient" }, views.map((v, i) =>
      h("button", { type: "button", "aria-pressed": String(i === index), onclick: () => { state.recipientIndex = i; renderMessageDetail(); } }, v.to || `recipient ${i + 1}`))));
    const view = views[index];
    parts.push(h("h3", {}, "As the recipient sees it"),
      h("div", { class: "preview-head" }, kv([["From", view.from], ["To", view.to], ["Subject", view.subject]])), previewFrame(view));
    if (view.note) parts.push(h("p", { class: "muted" }, view.note));
  } else if (provider === "netcore-ce") {
    const p = message.payload || {};
    parts.push(h("h3", {}, "Activity"), kv([["activity", p.activity_name], ["identity", p.identity], ["source", p.activity_source], ["timestamp", p.timestamp], ["asset", p.asset_id]]),
      h("h3", {}, "Parameters"), h("pre", {}, pretty(p.activity_params || {})));
  }
  const attachments = provider === "stayprivate" ? (message.payload && message.payload.attachments) || [] : [];
  if (attachments.length) {
    parts.push(h("h3", {}, "Attachments"), h("ul", { class: "plain" }, attachments.map((a) => h("li", {},
      h("a", { href: `/p/stayprivate/__mock__/emails/${encodeURIComponent(message.payload.emailRef)}/attachments/${encodeURIComponent(a.fileRef)}`, download: a.fileName, class: "attachment" }, a.fileName),
      h("span", { class: "muted" }, `${a.contentType}, ${a.size} bytes, e-sign ${a.reqESignFlag}`)))));
  }
  parts.push(h("h3", {}, "Decrypted payload"), h("pre", {}, pretty(message.payload)), h("h3", {}, "Meta"), h("pre", {}, pretty(message.meta)));
  pane.replaceChildren(...parts);
}

// --- credentials and snippets ------------------------------------------------------------------------
function configRows(config) {
  const rows = [];
  const walk = (prefix, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) { for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v); return; }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    rows.push(h("dt", {}, prefix), h("dd", {}, h("div", { class: "copyrow" }, text.includes("\n") ? h("pre", {}, text) : h("code", {}, text), copyButton(text, `copy ${prefix}`))));
  };
  for (const [k, v] of Object.entries(config)) if (k !== "provider") walk(k, v);
  return h("dl", { class: "kv" }, rows);
}

async function renderProviders() {
  const cards = await Promise.all(state.mocks.map(async (mock) => {
    const card = h("div", { class: "card", dataset: { provider: mock.provider } }, h("h2", {}, mock.provider), h("div", { class: "title" }, mock.title));
    try {
      const [config, snippets] = await Promise.all([control(mock.provider, "config"), fetch(`/api/snippets/${encodeURIComponent(mock.provider)}`).then((r) => r.json())]);
      card.append(h("h3", {}, "Credentials and URLs"), configRows(config), h("h3", {}, "Client snippets (work against this instance)"));
      const code = h("pre", { class: "snippet" });
      const copy = h("button", { class: "copy", type: "button", onclick: (e) => copyText(code.textContent, e.currentTarget) }, "copy snippet");
      const tabs = h("div", { class: "snippet-tabs", role: "group" });
      const show = (lang) => { code.textContent = snippets[lang] || ""; code.dataset.lang = lang; for (const b of tabs.children) b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); };
      for (const lang of ["curl", "python", "node"]) tabs.append(h("button", { type: "button", dataset: { lang }, onclick: () => show(lang) }, { curl: "curl", python: "Python", node: "Node" }[lang]));
      tabs.append(copy);
      card.append(tabs, code);
      show("python");
    } catch (error) { card.append(h("p", { class: "answer error" }, String(error.message || error))); }
    return card;
  }));
  $("#provider-cards").replaceChildren(...cards);
}

// --- controls ------------------------------------------------------------------------------------------
function answerLine() { return h("div", { class: "answer", role: "status" }); }
// Run one control call; the answer line says what happened in one short line (or the error in full).
async function act(answer, fn, after) {
  answer.classList.remove("error");
  try {
    const result = await fn();
    const text = typeof result === "string" ? result : JSON.stringify(result);
    answer.textContent = "done: " + (text.length > 140 ? text.slice(0, 140) + "…" : text);
    if (after) await after();
  } catch (error) { answer.classList.add("error"); answer.textContent = String(error.message || error); }
}
const field = (attrs) => h("input", attrs);

function faultSection(provider) {
  const status = field({ type: "number", value: 503, min: 400, max: 599, "aria-label": "fault status", name: "status" });
  const times = field({ type: "number", value: 1, min: 1, "aria-label": "fault times", name: "times" });
  const path = field({ placeholder: "path glob (optional)", "aria-label": "fault path", name: "path" });
  const pending = h("ul", { class: "plain faults" });
  const answer = answerLine();
  const refresh = async () => { const data = await control(provider, "faults"); pending.replaceChildren(...data.faults.map((f) => h("li", {}, h("code", {}, JSON.stringify(f))))); };
  refresh().catch(() => {});
  return [h("h3", {}, "Script a fault"), h("div", { class: "form" }, "answer the next", times, "request(s) with status", status, path,
    h("button", { type: "button", class: "add-fault", onclick: () => act(answer, () => {
      const spec = { status: Number(status.value), times: Number(times.value) };
      if (path.value.trim()) spec.path = path.value.trim();
      return control(provider, "faults", "POST", spec);
    }, refresh) }, "Add fault"),
    h("button", { type: "button", onclick: () => act(answer, () => control(provider, "faults", "DELETE"), refresh) }, "Clear")), pending, answer];
}

function clockSection(provider) {
  const now = h("code", { class: "clock-now" });
  const minutes = field({ type: "number", value: 60, "aria-label": "clock offset minutes", name: "offset" });
  const frozen = h("input", { type: "checkbox", "aria-label": "freeze clock", name: "frozen" });
  const answer = answerLine();
  const show = (s) => { now.textContent = `${new Date(s.now_ms).toISOString()} (offset ${s.offset_ms} ms${s.frozen ? ", frozen" : ""})`; return s; };
  control(provider, "clock").then(show).catch(() => {});
  return [h("h3", {}, "Clock"), h("div", {}, "mock time: ", now), h("div", { class: "form" }, "offset", minutes, "minutes", h("label", {}, frozen, " frozen"),
    h("button", { type: "button", class: "set-clock", onclick: () => act(answer, async () => show(await control(provider, "clock", "POST", { offset_ms: Math.round(Number(minutes.value) * 60000), frozen: frozen.checked }))) }, "Set clock"),
    h("button", { type: "button", class: "freeze-clock", onclick: () => act(answer, async () => show(await control(provider, "clock", "POST", { offset_ms: 0, frozen: true }))) }, "Freeze now"),
    h("button", { type: "button", class: "restore-clock", onclick: () => act(answer, async () => show(await control(provider, "clock", "POST", { reset: true }))) }, "Real time")), answer];
}

function autosendSection() {
  const list = h("ul", { class: "plain keys" });
  const answer = answerLine();
  const refresh = async () => {
    const data = await control("autosend", "keys");
    list.replaceChildren(...data.keys.map((k) => h("li", { dataset: { kid: k.kid } }, h("code", {}, k.kid), k.kid === data.active ? h("strong", {}, "active") : h("span", { class: "muted" }, "listed"),
      h("button", { type: "button", class: "danger retire", onclick: () => act(answer, () => control("autosend", "keys/retire", "POST", { kid: k.kid }), refresh) }, "Retire"))));
  };
  refresh().catch(() => {});
  return [h("h3", {}, "JWKS keys"), list, h("div", { class: "form" }, h("button", { type: "button", class: "rotate", onclick: () => act(answer, () => control("autosend", "keys/rotate", "POST"), refresh) }, "Rotate key")), answer];
}

function netcoreCeSection() {
  const list = h("ul", { class: "plain assets" });
  const asset = field({ placeholder: "asset id", "aria-label": "asset id", name: "asset" });
  const key = field({ placeholder: "32-character key", "aria-label": "asset key", name: "key", size: 34 });
  const iv = field({ placeholder: "16-character IV", "aria-label": "asset iv", name: "iv", size: 18 });
  const answer = answerLine();
  const refresh = async () => { const data = await control("netcore-ce", "assets"); list.replaceChildren(...data.assets.map((a) => h("li", { dataset: { asset: a.asset } }, h("code", {}, a.asset), h("span", { class: "muted" }, Object.keys(a.ecodes).join(", "))))); };
  refresh().catch(() => {});
  return [h("h3", {}, "Assets"), list, h("div", { class: "form" }, asset, key, iv,
    h("button", { type: "button", class: "register-asset", onclick: () => act(answer, () => control("netcore-ce", "assets", "POST", { asset: asset.value, key: key.value, iv: iv.value }), refresh) }, "Register asset")), answer];
}

function stayprivateSection() {
  const list = h("ul", { class: "plain companies" });
  const id = field({ placeholder: "company API id", "aria-label": "company api id", name: "company" });
  const domains = field({ placeholder: "domains, comma separated", "aria-label": "company domains", name: "domains" });
  const pem = h("textarea", { placeholder: "-----BEGIN PUBLIC KEY-----", "aria-label": "company public key", name: "pem" });
  const answer = answerLine();
  const refresh = async () => { const data = await control("stayprivate", "companies"); list.replaceChildren(...data.companies.map((c) => h("li", { dataset: { company: c.company_api_id } }, h("code", {}, c.company_api_id), h("span", { class: "muted" }, (c.domains || []).join(", "))))); };
  refresh().catch(() => {});
  return [h("h3", {}, "Companies"), list, h("div", { class: "form" }, id, domains, pem,
    h("button", { type: "button", class: "register-company", onclick: () => act(answer, () => control("stayprivate", "companies", "POST",
      { company_api_id: id.value, public_key_pem: pem.value, domains: domains.value.split(",").map((d) => d.trim()).filter(Boolean) }), refresh) }, "Register company")), answer];
}

function renderControls() {
  $("#control-cards").replaceChildren(...state.mocks.map((mock) => {
    const answer = answerLine();
    const extra = { autosend: autosendSection, "netcore-ce": netcoreCeSection, stayprivate: stayprivateSection }[mock.provider];
    return h("div", { class: "card", dataset: { provider: mock.provider } }, h("h2", {}, mock.provider),
      h("div", { class: "form" }, h("button", { type: "button", class: "danger reset", onclick: () => act(answer, () => control(mock.provider, "reset", "POST"), renderControls) }, "Reset"),
        h("span", { class: "muted" }, "journal, messages, faults, clock and credentials back to the start")), answer,
      faultSection(mock.provider), clockSection(mock.provider), extra ? extra() : null);
  }));
}

// --- start ----------------------------------------------------------------------------------------------
const VIEWS = ["journal", "messages", "providers", "controls"];
function showView(name) {
  for (const tab of document.querySelectorAll("nav button")) tab.setAttribute("aria-selected", String(tab.dataset.view === name));
  for (const view of document.querySelectorAll(".view")) view.hidden = view.dataset.view !== name;
  if (name === "providers") renderProviders();
  if (name === "controls") renderControls();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

async function start() {
  state.mocks = (await (await fetch("/api/mocks")).json()).mocks;
  for (const select of [$("#journal-provider"), $("#message-provider")]) select.append(...state.mocks.map((m) => h("option", { value: m.provider }, m.provider)));
  for (const tab of document.querySelectorAll("nav button")) tab.addEventListener("click", () => showView(tab.dataset.view));
  for (const id of ["#journal-provider", "#journal-outcome", "#journal-reason"]) $(id).addEventListener("input", renderJournal);
  for (const id of ["#message-search", "#message-provider"]) $(id).addEventListener("input", renderMessages);
  connect();  // its "hello" event loads the snapshot, so nothing committed in between is missed
  const fromHash = () => { const name = location.hash.slice(1); showView(VIEWS.includes(name) ? name : "journal"); };
  window.addEventListener("hashchange", fromHash);
  fromHash();
}
start();
