// An expertise tag on a passage covers the same words for everyone when text is written before it
// while the tag travels: real UnitConnections against the real server, one of them holding back
// what it sends, or disconnected, at the chosen moment. (The browser test in
// record-views.browser.test.ts covers the plain case: the partner writes before a tag already there.)
import { describe, expect, it } from "vitest";
import { UnitConnection } from "../../web/src/sync/unit-connection";
import { connect, createUnit, laggySocket, serverState, signIn, until, wsUrl } from "./helpers";

const sentence = "Students test the creek water. Then they write it all up for the town.";
const passage = { from: "Students test the ".length, to: "Students test the creek water".length };

/** A connection whose messages to the server can be held back, then let go in order. */
function holdable(unit: string, cookie: string) {
  let held: (() => void)[] | null = null;
  const conn = new UnitConnection({
    url: wsUrl(unit),
    makeSocket: (url) => {
      const s = laggySocket(url, cookie, 0);
      const send = s.send.bind(s);
      s.send = (d) => (held ? held.push(() => send(d)) : send(d));
      return s;
    },
    minDelay: 50,
    maxDelay: 300,
  });
  conn.connect();
  return {
    conn,
    hold: () => (held = []),
    release: () => {
      const h = held ?? [];
      held = null;
      h.forEach((f) => f());
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

const tag = (c: UnitConnection) =>
  c.command({ op: "add_tag", id: `t${Math.random().toString(36).slice(2, 10)}`, area: "content", target: "unit.goals", ...passage, by: c.you!.id });

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
