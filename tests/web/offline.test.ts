// Node tests of snapshot/restore (what the browser keeps in IndexedDB to survive a reload while
// offline): a peer rebuilt from its snapshot is the same peer; a unit worked on offline, saved and
// reopened in a "new page" merges everything once when the network returns; a snapshot taken
// while a push was in flight (the server got it, the answer was lost) never applies it twice; and
// the restored command counter never reuses a seq the server has seen.
import { describe, expect, it, vi } from "vitest";
import { sendableUpdates } from "@codemirror/collab";
import { StreamPeer, type PeerLink } from "../../web/src/sync/stream-peer";
import { UnitConnection, type UnitSnapshot } from "../../web/src/sync/unit-connection";
import { createUnit, laggySocket, serverState, signIn, until, wsUrl } from "./helpers";

const link: PeerLink = { clientID: "me", online: false, send() {}, resync() {} };
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe("StreamPeer snapshot and restore", () => {
  it("rebuilds the same peer: confirmed text, unconfirmed edits, authors", () => {
    const peer = new StreamPeer("unit.goals", link, { version: 3, text: "hello world", authors: [[11, 2]] });
    peer.applyLocal({ changes: { from: 0, insert: "Oh, " } });
    peer.applyLocal({ changes: { from: 4, to: 9 } }); // "Oh, " + " world"
    // Someone else's update arrives; ours are rebased over it.
    peer.onUpdates([{ v: 3, clientID: "other", seq: 1, author: 2, time: 0, changes: [5, [0, " big"], 6] }]);
    peer.applyLocal({ changes: { from: peer.text.length, insert: "!" } });
    const snap = roundTrip(peer.snapshot());
    expect(snap.version).toBe(4);
    expect(snap.text).toBe("hello big world");
    expect(snap.unconfirmed.length).toBe(3);

    const back = StreamPeer.restore("unit.goals", link, snap);
    expect(back.text).toBe(peer.text);
    expect(back.version).toBe(4);
    expect(back.unconfirmedCount).toBe(3);
    expect(back.displayRuns(1)).toEqual(peer.displayRuns(1));
    expect(back.snapshot()).toEqual(snap);

    // The server confirms our first update (in its rebased form) and adds another's: both peers agree.
    const first = sendableUpdates(back.state)[0].changes;
    const next = [
      { v: 4, clientID: "me", seq: 1, author: 1, time: 0, changes: first.toJSON() },
      { v: 5, clientID: "other", seq: 2, author: 2, time: 0, changes: [[0, "> "], first.newLength] },
    ];
    for (const p of [peer, back]) p.onUpdates(next);
    expect(back.text).toBe(peer.text);
    expect(back.unconfirmedCount).toBe(2);
    expect(back.snapshot()).toEqual(peer.snapshot());
  });
});

/** A socket factory whose network can be cut (new sockets fail) like a laptop losing Wi-Fi. */
function network(cookie: string) {
  const net = { cut: false };
  const makeSocket = (url: string) => {
    if (net.cut) throw new Error("offline");
    return laggySocket(url, cookie, 0);
  };
  return { net, makeSocket };
}

function open(unit: string, makeSocket: (url: string) => any, snapshot?: UnitSnapshot): UnitConnection {
  const conn = new UnitConnection({ url: wsUrl(unit), makeSocket, minDelay: 50, maxDelay: 300 });
  if (snapshot) conn.restore(roundTrip(snapshot));
  conn.connect();
  return conn;
}

const end = (c: UnitConnection, stream: string) => c.peers.get(stream)!.state.doc.length;
const type = (c: UnitConnection, stream: string, text: string, at = end(c, stream)) =>
  c.peers.get(stream)!.applyLocal({ changes: { from: at, insert: text } });
const saved = (c: UnitConnection) => until(() => c.online && c.unconfirmed() === 0, 30_000, "everything confirmed");
const count = (text: string, piece: string) => text.split(piece).length - 1;

describe("a unit reopened from its snapshot", () => {
  it("merges offline work once after a reload, with the partner's edits meanwhile", async () => {
    const lib = await signIn("librarian");
    const tea = await signIn("teacher");
    const unit = await createUnit(lib, "Offline snapshot test");
    const stream = "unit.essential_questions";
    const { net, makeSocket } = network(lib);
    const a = open(unit, makeSocket);
    const b = open(unit, (url) => laggySocket(url, tea, 0));
    await until(() => a.online && b.online, 20_000, "both online");
    type(a, stream, "Online first. ");
    await saved(a);

    // The librarian loses the network and keeps working: text, a lesson, text in the lesson.
    net.cut = true;
    a.drop();
    await until(() => a.status === "offline", 10_000, "offline");
    type(a, stream, "Offline one. ");
    const lesson = "loffline1";
    a.command({ op: "add_block", list: "lessons", id: lesson, after: null });
    type(a, `${lesson}.title`, "Testing the creek");
    type(a, stream, "Offline two. ");
    // The teacher, online, writes in the same field meanwhile.
    type(b, stream, "Teacher meanwhile. ", 0);
    await saved(b);

    // "Reload": the page goes away; a new one is rebuilt from what was kept.
    const snap = a.snapshot()!;
    const before = { text: a.peers.get(stream)!.text, unconfirmed: a.unconfirmed() };
    a.close();
    const a2 = open(unit, makeSocket, snap);
    expect(a2.clientID).toBe(a.clientID);
    expect(a2.peers.get(stream)!.text).toBe(before.text);
    expect(a2.unconfirmed()).toBe(before.unconfirmed);
    expect(a2.structure.view().lists.lessons.map((l) => l.id)).toEqual([lesson]);
    type(a2, stream, "After the reload. ");
    await new Promise((r) => setTimeout(r, 300));
    expect(a2.status).toBe("offline");

    net.cut = false;
    await saved(a2);
    await saved(b);
    await until(() => b.peers.get(stream)!.text === a2.peers.get(stream)!.text, 20_000, "converged");
    const server = await serverState(unit, tea);
    const text: string = server.streams[stream].text;
    for (const piece of ["Online first. ", "Offline one. ", "Offline two. ", "Teacher meanwhile. ", "After the reload. "])
      expect(count(text, piece), piece).toBe(1);
    expect(text).toBe(a2.peers.get(stream)!.text);
    expect(server.streams[`${lesson}.title`].text).toBe("Testing the creek");
    expect(server.structure.lists.lessons.map((l: any) => l.id)).toEqual([lesson]);
    // The restored client's next command is applied (its seq is new to the server).
    a2.command({ op: "set", block: lesson, field: "begin_approach", value: "station" });
    await saved(a2);
    expect((await serverState(unit, tea)).structure.lists.lessons[0].values.begin_approach).toBe("station");
    a2.close();
    b.close();
  });

  it("never applies twice what the server got just before the page went away", async () => {
    const lib = await signIn("librarian");
    const unit = await createUnit(lib, "Lost answer test");
    const stream = "unit.knowledge";
    const { makeSocket } = network(lib);
    const a = open(unit, makeSocket);
    await until(() => a.online, 20_000, "online");
    a.command({ op: "add_block", list: "lessons", id: "lsnap001", after: null });
    await saved(a);

    // Kept while the push and the command are in flight; the server applies both afterwards.
    type(a, stream, "Sent once. ");
    a.command({ op: "set", block: "lsnap001", field: "begin_approach", value: "teaming" });
    const snap = a.snapshot()!;
    expect(snap.streams[stream].unconfirmed.length).toBe(1);
    expect(snap.structure.pending.length).toBe(1);
    await saved(a);
    // A command sent after the snapshot was taken, also applied.
    a.command({ op: "set", block: "lsnap001", field: "middle_approach", value: "parallel" });
    await saved(a);
    a.close();

    const a2 = open(unit, makeSocket, snap);
    await saved(a2);
    expect(a2.peers.get(stream)!.text).toBe("Sent once. ");
    type(a2, stream, "Then more.");
    a2.command({ op: "set", block: "lsnap001", field: "middle_approach", value: "station" });
    await saved(a2);
    const server = await serverState(unit, lib);
    expect(server.streams[stream].text).toBe("Sent once. Then more.");
    const values = server.structure.lists.lessons[0].values;
    expect(values.begin_approach).toBe("teaming");
    expect(values.middle_approach).toBe("station");
    a2.close();
  });
});

// Hours on a flaky school network: the page keeps trying, waiting a little longer each time up to
// a cap, with jitter so a whole school's pages do not reconnect in step; when the browser says the
// network is back, it tries at once instead of waiting out the delay.
describe("reconnecting after a long time offline", () => {
  it("backs off exponentially with jitter up to the cap, never gives up, and retries at once when the network returns", async () => {
    vi.useFakeTimers();
    try {
      const attempts: number[] = [];
      const makeSocket = () => {
        attempts.push(Date.now());
        const s: any = { readyState: 0, send() {}, close() {}, onopen: null, onmessage: null, onclose: null, onerror: null };
        queueMicrotask(() => s.onclose?.({ code: 1006, reason: "" })); // refused, as with no network
        return s;
      };
      const conn = new UnitConnection({ url: "ws://127.0.0.1:9/none", makeSocket, minDelay: 300, maxDelay: 15_000 });
      conn.connect();
      await vi.advanceTimersByTimeAsync(60 * 60 * 1000); // an hour
      expect(conn.status).toBe("offline");
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
      // Each wait is min(cap, 300 ms · 2^n) times a random factor between 0.5 and 1.5.
      gaps.forEach((g, n) => {
        const nominal = Math.min(15_000, 300 * 2 ** n);
        expect(g, `wait ${n}`).toBeGreaterThanOrEqual(Math.floor(nominal * 0.5));
        expect(g, `wait ${n}`).toBeLessThanOrEqual(Math.ceil(nominal * 1.5));
      });
      expect(attempts.length).toBeGreaterThanOrEqual(3600 / 22.5); // still trying: at least every 22.5 s
      expect(new Set(gaps.slice(10)).size).toBeGreaterThan(10); // jittered, not in step
      const before = attempts.length;
      conn.retryNow(); // the browser's "online" event
      expect(attempts.length).toBe(before + 1);
      conn.close();
      conn.retryNow(); // closed for good: nothing more
      await vi.advanceTimersByTimeAsync(60_000);
      expect(attempts.length).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});
