// The Node load generator: drives Coplan, ShareDB and Hocuspocus on the same schedule, each through
// its own kind of client (Coplan: @codemirror/collab over its WebSocket protocol; ShareDB: the
// sharedb client with ot-text-unicode; Hocuspocus: @hocuspocus/provider with Yjs). Every edit
// inserts a unique token at the start of the shared text, so the partner can tell which edit it
// received and when. Prints one JSON line of results.
//
//   node loadgen.mjs <system> <url> replay <trace.json.gz>
//   node loadgen.mjs <system> <url> fleet <units> <seconds>
//   node loadgen.mjs <system> <url> contention <editors> <seconds>
//   node loadgen.mjs <system> <url> idle <units> <connections>
// With SERVER_PID set, the server's CPU seconds and peak memory are read from /proc.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import WebSocket from "ws";
import * as Y from "yjs";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import ShareDBClient from "sharedb/lib/client/index.js";
import * as otText from "ot-text-unicode";
import { ChangeSet, EditorState } from "@codemirror/state";
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";

ShareDBClient.types.register(otText.type);
const [, , system, url, workload, ...rest] = process.argv;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let tokenCounter = 0;
const newToken = (tag) => `#${tag}${(tokenCounter++).toString(36).padStart(5, "0")}`;
const tokenRe = /#[a-z][0-9a-z]{5}/g;

// ---- Coplan ---------------------------------------------------------------------------------
let coplanCookie = null;
async function coplanSetup(units) {
  const base = url.replace(/^ws/, "http");
  const signIn = async (username) => {
    const r = await fetch(`${base}/api/signin`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username, password: "coplan-demo" }) });
    return r.headers.get("set-cookie").split(";")[0];
  };
  coplanCookie = { librarian: await signIn("librarian"), teacher: await signIn("teacher") };
  const p = (await (await fetch(`${base}/api/partnerships`, { headers: { Cookie: coplanCookie.librarian } })).json()).partnerships[0].id;
  const ids = [];
  for (let i = 0; i < units; i++) {
    const r = await fetch(`${base}/api/units`, { method: "POST", headers: { "Content-Type": "application/json", Cookie: coplanCookie.librarian },
      body: JSON.stringify({ partnership: p, title: `bench ${i}` }) });
    ids.push((await r.json()).unit.id);
  }
  return ids;
}

function coplanClient(unitId, role, onTokens) {
  const clientID = Math.random().toString(36).slice(2, 12);
  const ws = new WebSocket(`${url}/api/units/${unitId}/ws`, { headers: { Cookie: coplanCookie[role === "teacher" ? "teacher" : "librarian"] } });
  let state = null, inFlight = false;
  const stream = "unit.goals";
  const push = () => {
    if (!state || inFlight || ws.readyState !== 1) return;
    const ups = sendableUpdates(state);
    if (!ups.length) return;
    inFlight = true;
    ws.send(JSON.stringify({ type: "push", stream, version: getSyncedVersion(state),
      updates: ups.slice(0, 200).map((u) => ({ clientID, changes: u.changes.toJSON() })) }));
  };
  const ready = new Promise((resolve) => {
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", clientID, batch: true })));
    ws.on("message", (data) => {
      // A frame holds one message, or (hello "batch": true) an array of them.
      const frame = JSON.parse(data);
      for (const m of Array.isArray(frame) ? frame : [frame]) handle(m);
    });
    const handle = (m) => {
      if (m.type === "welcome") {
        const s = m.streams[stream];
        state = EditorState.create({ doc: s.text, extensions: [collab({ startVersion: s.version, clientID })] });
        resolve();
      } else if (m.type === "updates" && m.stream === stream) {
        for (const u of m.updates) {
          if (u.v < getSyncedVersion(state)) continue;
          const changes = ChangeSet.fromJSON(u.changes);
          if (u.clientID !== clientID && onTokens) {
            const found = [];
            changes.iterChanges((_a, _b, _c, _d, text) => found.push(...(text.toString().match(tokenRe) ?? [])));
            if (found.length) onTokens(found);
          }
          state = receiveUpdates(state, [{ changes, clientID: u.clientID }]).state;
        }
        push();
      } else if (m.type === "pushed") {
        inFlight = false;
        push();
      }
    };
  });
  return {
    ready,
    insertAtStart(text) { state = state.update({ changes: { from: 0, insert: text } }).state; push(); },
    edit(pos, del, text) { state = state.update({ changes: { from: pos, to: pos + del, insert: text } }).state; push(); },
    text: () => state.doc.toString(),
    pending: () => sendableUpdates(state).length + (inFlight ? 1 : 0),
    close: () => ws.close(),
  };
}

// ---- ShareDB --------------------------------------------------------------------------------
function sharedbClient(name, role, onTokens) {
  const socket = new WebSocket(url);
  const connection = new ShareDBClient.Connection(socket);
  const doc = connection.get("docs", name);
  const ready = new Promise((resolve, reject) => {
    doc.subscribe((err) => (err ? reject(err) : resolve()));
  });
  doc.on("op", (op, source) => {
    if (source || !onTokens) return;
    const found = [];
    for (const c of op) if (typeof c === "string") found.push(...(c.match(tokenRe) ?? []));
    if (found.length) onTokens(found);
  });
  return {
    ready,
    insertAtStart(text) { doc.submitOp([text]); },
    edit(pos, del, text) { const op = []; if (pos) op.push(pos); if (del) op.push({ d: del }); if (text) op.push(text); doc.submitOp(op); },
    text: () => doc.data,
    pending: () => (doc.hasWritePending() ? 1 : 0),
    close: () => connection.close(),
  };
}

// ---- Hocuspocus -----------------------------------------------------------------------------
const hpSockets = [];
function hocuspocusClient(name, role, onTokens) {
  const ydoc = new Y.Doc();
  const ytext = ydoc.getText("t");
  const websocketProvider = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket, quiet: true });
  hpSockets.push(websocketProvider);
  let synced;
  const ready = new Promise((r) => (synced = r));
  const provider = new HocuspocusProvider({ websocketProvider, name, document: ydoc, onSynced: () => synced() });
  provider.attach();  // a provider given its own websocket must be attached explicitly
  ytext.observe((ev) => {
    if (ev.transaction.local || !onTokens) return;
    const found = [];
    for (const d of ev.delta) if (typeof d.insert === "string") found.push(...(d.insert.match(tokenRe) ?? []));
    if (found.length) onTokens(found);
  });
  return {
    ready,
    insertAtStart(text) { ytext.insert(0, text); },
    edit(pos, del, text) { ydoc.transact(() => { if (del) ytext.delete(pos, del); if (text) ytext.insert(pos, text); }); },
    text: () => ytext.toString(),
    pending: () => (provider.hasUnsyncedChanges ? 1 : 0),
    close: () => { provider.destroy(); websocketProvider.destroy(); },
  };
}

const makeClient = { coplan: coplanClient, sharedb: sharedbClient, hocuspocus: hocuspocusClient }[system];
async function docs(n) {
  if (system === "coplan") return coplanSetup(n);
  const names = Array.from({ length: n }, (_, i) => `bench-${process.pid}-${i}`);
  if (system === "sharedb") {
    // Create every document once, before the clients open them.
    const socket = new WebSocket(url);
    const connection = new ShareDBClient.Connection(socket);
    for (const name of names)
      await new Promise((resolve, reject) => connection.get("docs", name).create("", "text-unicode", (e) => (e ? reject(e) : resolve())));
    connection.close();
  }
  return names;
}
function percentile(sorted, p) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null; }

// ---- Workloads ------------------------------------------------------------------------------
async function replay(tracePath) {
  const trace = JSON.parse(gunzipSync(readFileSync(tracePath)));
  const [name] = await docs(1);
  const writer = makeClient(name, "librarian", null);
  const reader = makeClient(name, "teacher", null);
  await Promise.all([writer.ready, reader.ready]);
  const start = now();
  let edits = 0;
  for (const txn of trace.txns)
    for (const [pos, del, text] of txn.patches) {
      writer.edit(pos, del, text);
      // Let the sockets breathe; keep @codemirror/collab's unconfirmed list short (it is copied on
      // every local transaction, so 260,000 unconfirmed updates would exhaust the heap).
      if (++edits % 2000 === 0) await sleep(0);
      while (writer.pending() > 1000) await sleep(1);
    }
  const sent = now();
  while (reader.text() !== trace.endContent) {
    if (now() - start > 600_000) throw new Error("the reader never caught up");
    await sleep(5);
  }
  const done = now();
  writer.close(); reader.close();
  return { edits, seconds: (done - start) / 1000, generatorSeconds: (sent - start) / 1000, editsPerSecond: Math.round(edits / ((done - start) / 1000)), matches: true };
}

async function fleet(units, seconds) {
  const names = await docs(units);
  const sent = new Map(); // token -> scheduled time
  const latencies = [];
  let received = 0;
  const clients = [];
  for (const name of names) {
    const seen = (tokens) => { const t = now(); for (const tok of tokens) { const s = sent.get(tok); if (s !== undefined) { latencies.push(t - s); received++; } } };
    clients.push({ name, a: makeClient(name, "librarian", seen), b: makeClient(name, "teacher", seen), v: makeClient(name, "librarian", null) });
  }
  await Promise.all(clients.flatMap((c) => [c.a.ready, c.b.ready, c.v.ready]));
  // Open loop: each editor's k-th edit is due at start + phase + k * 200 ms, late or not.
  const start = now() + 100, period = 200;
  const editors = clients.flatMap((c, i) => [{ c: c.a, phase: (i * 37) % period }, { c: c.b, phase: (i * 37 + 100) % period }]);
  let due = editors.map((e) => start + e.phase), total = 0;
  const end = start + seconds * 1000;
  while (now() < end) {
    const t = now();
    for (let i = 0; i < editors.length; i++)
      while (due[i] <= t && due[i] < end) {
        const tok = newToken("f");
        sent.set(tok, due[i]);
        editors[i].c.insertAtStart(tok);
        total++;
        due[i] += period;
      }
    await sleep(1);
  }
  const drainUntil = now() + 5000;
  while (received < total && now() < drainUntil) await sleep(20);
  for (const c of clients) { c.a.close(); c.b.close(); c.v.close(); }
  latencies.sort((x, y) => x - y);
  return { units, connections: units * 3, edits: total, received, lost: total - received,
    p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? null };
}

async function contention(editors, seconds) {
  const [name] = await docs(1);
  const sent = new Map();
  const latencies = [];
  let received = 0;
  const watcher = makeClient(name, "librarian", (tokens) => { const t = now(); for (const tok of tokens) { const s = sent.get(tok); if (s !== undefined) { latencies.push(t - s); received++; } } });
  const clients = Array.from({ length: editors }, (_, i) => makeClient(name, i % 2 ? "teacher" : "librarian", null));
  await Promise.all([watcher.ready, ...clients.map((c) => c.ready)]);
  const start = now(), end = start + seconds * 1000;
  let total = 0;
  // As fast as they can: every editor types whenever the event loop lets it.
  while (now() < end) {
    for (const c of clients) {
      const tok = newToken("c");
      sent.set(tok, now());
      c.insertAtStart(tok);
      total++;
    }
    await sleep(0);
  }
  const drainUntil = now() + 10_000;
  while (received < total && now() < drainUntil) await sleep(20);
  const elapsed = (now() - start) / 1000;
  watcher.close(); for (const c of clients) c.close();
  latencies.sort((x, y) => x - y);
  return { editors, edits: total, received, seconds: elapsed, acceptedPerSecond: Math.round(received / elapsed),
    p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

async function idle(units, connections) {
  const names = await docs(units);
  const perUnit = Math.ceil(connections / units);
  const before = serverStats();
  const start = now();
  const clients = [];
  for (let i = 0; i < names.length; i++)
    for (let k = 0; k < perUnit; k++) clients.push(makeClient(names[i], k % 2 ? "teacher" : "librarian", null));
  await Promise.all(clients.map((c) => c.ready));
  const seconds = (now() - start) / 1000;
  await sleep(3000);
  const after = serverStats();
  for (const c of clients) c.close();
  return { units, connections: clients.length, connectSeconds: seconds, connectsPerSecond: Math.round(clients.length / seconds),
    kibPerConnectionAllIn: after && before ? (after.rssKib - before.rssKib) / clients.length : null };
}

function serverStats() {
  const pid = process.env.SERVER_PID;
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (name) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))[1]);
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, rssKib: kib("VmRSS"), peakRssKib: kib("VmHWM") };
  } catch { return null; }
}

const run = { replay: () => replay(rest[0]), fleet: () => fleet(Number(rest[0]), Number(rest[1] ?? 10)), contention: () => contention(Number(rest[0] ?? 10), Number(rest[1] ?? 10)),
  idle: () => idle(Number(rest[0] ?? 100), Number(rest[1] ?? 1000)) }[workload];
const stats0 = serverStats();
const result = await run();
const stats1 = serverStats();
const server = stats0 && stats1 ? { cpuSeconds: stats1.cpuSeconds - stats0.cpuSeconds, peakRssMib: stats1.peakRssKib / 1024 } : undefined;
console.log(JSON.stringify({ target: system, workload, generator: "node", ...result, server }));
for (const s of hpSockets) s.destroy();
process.exit(0);
