// Real @codemirror/collab peers (three connections, two partners) against the real server:
// random concurrent edits over a laggy network, dropped connections mid-way; every peer must end
// with the server's text, and the server's author runs must cover it exactly and say who typed
// each character.
import { describe, expect, it } from "vitest";
import { connect, firstUnit, serverState, signIn, until } from "./helpers";
import type { UnitConnection } from "../../web/src/sync/unit-connection";

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe("collab peers against the real server", () => {
  it("converge with exact authorship despite latency and dropped connections", async () => {
    const lib = await signIn("librarian");
    const tea = await signIn("teacher");
    const unit = await firstUnit(lib);
    const stream = "unit.skills";
    // Each peer types only its own characters, so the final text says who typed what.
    const peers = [
      { name: "lib-tab-1", cookie: lib, alphabet: "abcdefgh", user: "librarian" },
      { name: "lib-tab-2", cookie: lib, alphabet: "ijklmnop", user: "librarian" },
      { name: "teacher", cookie: tea, alphabet: "QRSTUVWXé", user: "teacher" },
    ];
    const conns: UnitConnection[] = peers.map((p) => connect(unit, p.cookie, 25));
    await until(() => conns.every((c) => c.online && c.peers.has(stream)), 20_000, "all peers online");
    const ids = conns.map((c) => c.you!.id);
    const ownerOf = new Map<string, number>();
    peers.forEach((p, i) => [...p.alphabet].forEach((ch) => ownerOf.set(ch, ids[i])));

    const random = rng(42);
    const editsPerPeer = 250;
    let dropped = 0;
    await Promise.all(
      conns.map(async (c, i) => {
        for (let n = 0; n < editsPerPeer; n++) {
          const peer = c.peers.get(stream)!;
          const len = peer.state.doc.length;
          if (len > 0 && random() < 0.3) {
            const from = Math.floor(random() * len);
            const to = Math.min(len, from + 1 + Math.floor(random() * 2));
            peer.applyLocal({ changes: { from, to } });
          } else {
            const at = Math.floor(random() * (len + 1));
            const alphabet = peers[i].alphabet;
            let insert = "";
            for (let k = 0, m = 1 + Math.floor(random() * 3); k < m; k++) insert += alphabet[Math.floor(random() * alphabet.length)];
            peer.applyLocal({ changes: { from: at, insert } });
          }
          // Drop two connections mid-way, while they have unconfirmed edits.
          if (n === editsPerPeer / 2 && i > 0) {
            c.drop();
            dropped++;
          }
          await new Promise((r) => setTimeout(r, random() * 6));
        }
      }),
    );
    expect(dropped).toBe(2);
    await until(() => conns.every((c) => c.online && c.unconfirmed() === 0), 60_000, "every edit confirmed");
    const state = await serverState(unit, lib);
    const server = state.streams[stream];
    await until(() => conns.every((c) => c.peers.get(stream)!.version === server.version), 30_000, "peers at the server's version");

    for (const c of conns) expect(c.peers.get(stream)!.text).toBe(server.text);
    expect(server.text.length).toBeGreaterThan(100);
    // The runs cover the text exactly and give each character to the person who typed it.
    let pos = 0;
    for (const [len, author] of server.authors as [number, number][]) {
      for (let k = 0; k < len; k++) expect(ownerOf.get(server.text[pos + k])).toBe(author);
      pos += len;
    }
    expect(pos).toBe(server.text.length);
    // Every peer's own copy of the runs agrees with the server's.
    for (const c of conns) expect(c.peers.get(stream)!.authors.runs).toEqual(server.authors);
    conns.forEach((c) => c.close());
  });
});
