// Helpers shared by the node tests: signing in over HTTP, opening real UnitConnections over the
// `ws` package (optionally with random latency), and reading the server's state of a field.
import WebSocket from "ws";
import { inject } from "vitest";
import { UnitConnection, type SocketLike } from "../../web/src/sync/unit-connection";

export const baseUrl = () => inject("baseUrl");
export const wsUrl = (unit: string) => baseUrl().replace(/^http/, "ws") + `/api/units/${unit}/ws`;

export async function signIn(username: string, password = "coplan-demo"): Promise<string> {
  const res = await fetch(baseUrl() + "/api/signin", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`sign-in failed for ${username}: ${res.status}`);
  return res.headers.get("set-cookie")!.split(";")[0];
}

export async function firstUnit(cookie: string): Promise<string> {
  const res = await fetch(baseUrl() + "/api/units", { headers: { Cookie: cookie } });
  const body = await res.json();
  return body.units[0].id;
}

/** A new unit (UbD template) in the user's first partnership; returns its id. */
export async function createUnit(cookie: string, title: string): Promise<string> {
  const { partnerships } = await (await fetch(baseUrl() + "/api/partnerships", { headers: { Cookie: cookie } })).json();
  const res = await fetch(baseUrl() + "/api/units", {
    method: "POST",
    headers: { Cookie: cookie, "Content-Type": "application/json" },
    body: JSON.stringify({ partnership: partnerships[0].id, template: "ubd", title }),
  });
  if (res.status !== 201) throw new Error(`creating a unit failed: ${res.status}`);
  return (await res.json()).unit.id;
}

/** A `ws` socket presented as the browser's WebSocket, delaying each message in both directions
 * by a random 0..maxDelay ms while keeping order (as a slow network would). */
export function laggySocket(url: string, cookie: string, maxDelay: number): SocketLike {
  const ws = new WebSocket(url, { headers: { Cookie: cookie } });
  let lastOut = 0;
  let lastIn = 0;
  const later = (last: number) => Math.max(last, Date.now() + Math.random() * maxDelay);
  const s: SocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send(data) {
      lastOut = later(lastOut);
      setTimeout(() => ws.readyState === 1 && ws.send(data), lastOut - Date.now());
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.on("open", () => s.onopen?.({}));
  ws.on("message", (data) => {
    lastIn = later(lastIn);
    setTimeout(() => s.onmessage?.({ data: data.toString() }), lastIn - Date.now());
  });
  ws.on("close", (code, reason) => {
    // Deliver the close after every message already in flight.
    setTimeout(() => s.onclose?.({ code, reason: reason.toString() }), Math.max(0, lastIn - Date.now()) + 1);
  });
  ws.on("error", () => s.onerror?.({}));
  return s;
}

export function connect(unit: string, cookie: string, maxDelay = 0): UnitConnection {
  const conn = new UnitConnection({
    url: wsUrl(unit),
    makeSocket: (url) => laggySocket(url, cookie, maxDelay),
    minDelay: 50,
    maxDelay: 500,
  });
  conn.connect();
  return conn;
}

export async function until(cond: () => boolean, timeoutMs = 30_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The server's current state of the unit (a fresh connection's welcome). */
export async function serverState(unit: string, cookie: string): Promise<any> {
  const ws = new WebSocket(wsUrl(unit), { headers: { Cookie: cookie } });
  return new Promise((ok, fail) => {
    ws.on("open", () => ws.send(JSON.stringify({ type: "hello", clientID: "probe" + Math.random().toString(36).slice(2) })));
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === "welcome") {
        ws.close();
        ok(m);
      }
    });
    ws.on("error", fail);
  });
}
