// Differential test: 100,000 random cases of ChangeSet.map (both tie orders), compose and mapPos
// computed by @codemirror/state, checked against Coplan's C++ change_set (the server rebases
// stale pushes with it, so it must agree with the browser to the last section).
import { describe, expect, it } from "vitest";
import { ChangeSet, EditorState } from "@codemirror/state";
import { collab, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

function rng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 0x100000000;
  };
}

// Characters inside the Basic Multilingual Plane: change sets are abstract here (only lengths), so
// a random position could cut an astral character's surrogate pair in two, which the server never
// lets happen (its split_surrogate check is tested on its own) and JSON cannot carry.
const alphabet = ["a", "b", "c", "X", "é", "\n", "ü"];

function randomText(r: () => number, max: number): string {
  let s = "";
  for (let i = Math.floor(r() * (max + 1)); i > 0; i--) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

function randomChanges(r: () => number, length: number): ChangeSet {
  const specs: { from: number; to: number; insert: string }[] = [];
  let pos = 0;
  const count = Math.floor(r() * 4);
  for (let i = 0; i < count && pos <= length; i++) {
    const from = pos + Math.floor(r() * (length - pos + 1) * 0.5);
    const to = Math.min(length, from + (r() < 0.5 ? 0 : Math.floor(r() * 4)));
    specs.push({ from, to, insert: r() < 0.25 ? "" : randomText(r, 3) });
    pos = r() < 0.2 ? to : to + 1; // sometimes adjacent changes
  }
  return ChangeSet.of(specs, length);
}

describe("ChangeSet differential test against @codemirror/state", () => {
  it("agrees on 100,000 random map/compose cases and 20,000 late-push rebases", () => {
    const r = rng(20261123);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const length = Math.floor(r() * 30);
      const a = randomChanges(r, length), b = randomChanges(r, length), c = randomChanges(r, a.newLength);
      const mapPos = [0, 1, 2].map(() => {
        const pos = Math.floor(r() * (length + 1));
        const assoc = r() < 0.5 ? -1 : 1;
        return [pos, assoc, a.mapPos(pos, assoc)];
      });
      lines.push(JSON.stringify({
        a: a.toJSON(), b: b.toJSON(), c: c.toJSON(), mapPos: mapPos.map(([p, s]) => [p, s]),
        expect: { map: a.map(b).toJSON(), mapBefore: a.map(b, true).toJSON(), compose: a.compose(c).toJSON(), mapPos },
      }));
    }
    // Rebasing a late push: client "x" sent updates based on an old version; `over` is what the
    // server accepted since, sometimes starting with x's own first updates. The server must end
    // with exactly the updates a @codemirror/collab client "x" still has unsent after receiving
    // `over` one update at a time (as StreamPeer does).
    for (let i = 0; i < 20_000; i++) {
      const length = Math.floor(r() * 20);
      const mine: ChangeSet[] = [];
      let len = length;
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
        let c = randomChanges(r, len);
        while (c.empty) c = randomChanges(r, len);  // an editor never sends an update that changes nothing
        mine.push(c);
        len = c.newLength;
      }
      const accepted = r() < 0.4 ? Math.floor(r() * (mine.length + 1)) : 0;
      const over: { clientID: string; changes: ChangeSet }[] = [];
      let olen = length;
      for (let k = 0; k < accepted; k++) {
        over.push({ clientID: "x", changes: mine[k] });
        olen = mine[k].newLength;
      }
      for (let k = Math.floor(r() * 4); k > 0; k--) {
        const c = randomChanges(r, olen);
        over.push({ clientID: r() < 0.5 ? "y" : "z", changes: c });
        olen = c.newLength;
      }
      const updates = mine.map((changes) => ({ clientID: "x", changes }));
      let state = EditorState.create({ doc: "q".repeat(length), extensions: [collab({ clientID: "x" })] });
      for (const c of mine) state = state.update({ changes: c }).state;
      for (const o of over) state = receiveUpdates(state, [o]).state;
      const expected = sendableUpdates(state).map((u) => (u.changes as ChangeSet).toJSON());
      lines.push(JSON.stringify({
        rebase: { updates: updates.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
                  over: over.map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })) },
        expect: expected,
      }));
    }
    const dir = mkdtempSync(join(tmpdir(), "coplan-cs-"));
    const file = join(dir, "cases.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const bin = resolve(import.meta.dirname, "../..", (process.env.COPLAN_BIN ?? "build/release/coplan").replace(/coplan$/, "coplan-changeset-check"));
    let out = "";
    try {
      out = execFileSync(bin, [file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e: any) {
      out = String(e.stderr ?? e);
    }
    rmSync(dir, { recursive: true, force: true });
    expect(out).toContain("checked 120000 cases");
  });
});
