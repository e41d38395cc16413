// An expertise tag on a passage covers the same words for everyone when text is written before it
// while the tag travels: real UnitConnections against the real server, one of them holding back
// what it sends or receives, or disconnected, at the chosen moment. (The browser test in
// record-views.browser.test.ts covers the plain case: the partner writes before a tag already there.)
import { describe, expect, it } from "vitest";
import { UnitConnection, type SocketLike } from "../../web/src/sync/unit-connection";
import { connect, createUnit, laggySocket, serverState, signIn, until, wsUrl } from "./helpers";

const sentence = "Students test the creek water. Then they write it all up for the town.";
const passage = { from: "Students test the ".length, to: "Students test the creek water".length };

/** A connection whose messages to the server, or from it, can be held back, then let go in order. */
function holdable(unit: string, cookie: string) {
  let held: (() => void)[] | null = null;
  let heldIn: (() => void)[] | null = null;
  const conn = new UnitConnection({
    url: wsUrl(unit),
    makeSocket: (url) => {
      const s = laggySocket(url, cookie, 0);
      const send = s.send.bind(s);
      s.send = (d) => (held ? held.push(() => send(d)) : send(d));
      let receive: SocketLike["onmessage"] = null;
      Object.defineProperty(s, "onmessage", {
        get: () => receive && ((ev: { data: unknown }) => (heldIn ? heldIn.push(() => receive!(ev)) : receive!(ev))),
        set: (f) => (receive = f),
      });
      return s;
    },
    minDelay: 50,
    maxDelay: 300,
  });
  conn.connect();
  const letGo = (h: (() => void)[] | null) => (h ?? []).forEach((f) => f());
  return {
    conn,
    hold: () => (held = []),
    release: () => {
      const h = held;
      held = null;
      letGo(h);
    },
    holdIn: () => (heldIn = []),
    releaseIn: () => {
      const h = heldIn;
      heldIn = null;
      letGo(h);
    },
  };
}

/** The words the passage tag covers, as a connection has them. */
const tagged = (c: UnitConnection) => {
  const t = c.structure.view().tags!.find((x) => x.from !== undefined)!;
  return c.peers.get(t.target)!.text.slice(t.from, t.to);
};

async function twoPartners(title: string) {
  const lib = await signIn("librarian");
  const tea = await signIn("teacher");
  const unit = await createUnit(lib, title);
  const a = connect(unit, lib);
  const b = holdable(unit, tea);
  await until(() => a.online && b.conn.online && a.peers.has("unit.goals") && b.conn.peers.has("unit.goals"));
  a.peers.get("unit.goals")!.applyLocal({ changes: { from: 0, insert: sentence } });
  await until(() => b.conn.peers.get("unit.goals")!.text === sentence);
  return { lib, unit, a, b };
}

const tag = (c: UnitConnection, at: { from: number; to: number } = passage) =>
  c.command({ op: "add_tag", id: `t${Math.random().toString(36).slice(2, 10)}`, area: "content", target: "unit.goals", ...at, by: c.you!.id });

/** Every side, the server included, has the same text and the tag on `words`. */
async function agreed(unit: string, cookie: string, conns: UnitConnection[], words: string) {
  await until(() => conns.every((c) => c.unconfirmed() === 0 && c.peers.get("unit.goals")!.text === conns[0].peers.get("unit.goals")!.text
    && (c.structure.view().tags ?? []).length === 1), 10_000, "both partners agreeing");
  for (const c of conns) expect(tagged(c)).toBe(words);
  const s = await serverState(unit, cookie);
  const t = s.structure.tags[0];
  expect(s.streams["unit.goals"].text).toBe(conns[0].peers.get("unit.goals")!.text);
  expect(s.streams["unit.goals"].text.slice(t.from, t.to)).toBe(words);
}

describe("passage tags follow their words", () => {
  it("for a partner whose edit before the passage is not confirmed yet when the tag arrives", async () => {
    const { lib, unit, a, b } = await twoPartners("Tag arrives during an edit");
    // The teacher writes before the passage; her edit has not reached the server when the
    // librarian's tag arrives. Regression: the tag covered "dents test " on her side.
    b.hold();
    b.conn.peers.get("unit.goals")!.applyLocal({ changes: { from: 0, insert: "In spring, " } });
    tag(a);
    await until(() => (b.conn.structure.view().tags ?? []).length === 1, 10_000, "the tag at the teacher's");
    expect(b.conn.peers.get("unit.goals")!.text).toBe("In spring, " + sentence);
    expect(tagged(b.conn)).toBe("creek water");
    // Then her edit goes through: everyone, the server included, has the tag on the same words.
    b.release();
    await until(() => a.peers.get("unit.goals")!.text === "In spring, " + sentence && b.conn.unconfirmed() === 0);
    for (const c of [a, b.conn]) expect(tagged(c)).toBe("creek water");
    const s = await serverState(unit, lib);
    const t = s.structure.tags[0];
    expect(s.streams["unit.goals"].text.slice(t.from, t.to)).toBe("creek water");
    a.close();
    b.conn.close();
  });

  // Regression (#5, the tag race): the server read a tag's positions in its own text, so a tag
  // made before the partner's edit earlier in the field reached the tagger covered other words
  // ("t the creek " here), for everyone.
  it("for a tagger who has not received the partner's edit before the passage yet", async () => {
    const { lib, unit, a, b } = await twoPartners("Tag before the partner's edit arrives");
    b.holdIn();
    a.peers.get("unit.goals")!.applyLocal({ changes: { from: 0, insert: "In spring, " } });
    await until(() => a.unconfirmed() === 0);
    tag(b.conn);
    expect(tagged(b.conn)).toBe("creek water");
    b.releaseIn();
    await agreed(unit, lib, [a, b.conn], "creek water");
    expect(a.peers.get("unit.goals")!.text).toBe("In spring, " + sentence);
    a.close();
    b.conn.close();
  });

  it("for a tagger whose own words are not confirmed yet, while the partner writes before them", async () => {
    const { lib, unit, a, b } = await twoPartners("Tag on words just typed");
    b.holdIn(); // the teacher's edit reaches the server, but its confirmation does not reach her
    a.peers.get("unit.goals")!.applyLocal({ changes: { from: 0, insert: "In spring, " } });
    await until(() => a.unconfirmed() === 0);
    const mine = " Clean water matters.";
    b.conn.peers.get("unit.goals")!.applyLocal({ changes: { from: sentence.length, insert: mine } });
    await until(() => a.peers.get("unit.goals")!.text.endsWith(mine), 10_000, "her words at the server");
    tag(b.conn, { from: sentence.length + 1, to: sentence.length + " Clean water".length });
    expect(tagged(b.conn)).toBe("Clean water");
    // The tag waits for her edit's confirmation: until then the server has no tag.
    await new Promise((r) => setTimeout(r, 300));
    expect((await serverState(unit, lib)).structure.tags ?? []).toHaveLength(0);
    b.releaseIn();
    await agreed(unit, lib, [a, b.conn], "Clean water");
    a.close();
    b.conn.close();
  });

  it("for a partner who was disconnected while the other wrote before the passage", async () => {
    const { a, b } = await twoPartners("Tag while away");
    tag(a);
    await until(() => a.unconfirmed() === 0 && (b.conn.structure.view().tags ?? []).length === 1);
    // The teacher's connection drops; the librarian writes before the passage meanwhile; the
    // teacher comes back and catches up. Regression: the welcome's tags (already after the new
    // text) were moved along with the catching-up edits a second time, onto other words, or out of
    // range (a RangeError that stopped the reconnection).
    b.hold();
    b.conn.drop();
    await until(() => !b.conn.online, 10_000, "the teacher offline");
    a.peers.get("unit.goals")!.applyLocal({ changes: { from: 0, insert: "In spring, " } });
    await until(() => a.unconfirmed() === 0);
    b.release();
    await until(() => b.conn.online && b.conn.peers.get("unit.goals")!.text === "In spring, " + sentence, 20_000, "the teacher back");
    expect(tagged(b.conn)).toBe("creek water");
    expect(tagged(a)).toBe("creek water");
    a.close();
    b.conn.close();
  });
});
