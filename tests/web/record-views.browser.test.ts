// Browser tests of the record's views, two partners typing real text in two Chromium contexts:
// the blame view (authorship colours toggled on a field; who wrote a passage and when, by pointer
// and by keyboard; text one partner wrote and the other revised marked as shared work), the
// history (edit by edit, jumping by the viewer's own day, bringing back a removed lesson and a
// field as new edits without rewriting the history), and an expertise tag on a passage that keeps
// covering its words when the partner writes before it.
import { execFileSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import type { Page } from "playwright-core";
import { artifacts, newUnit, openUnit, signedInPage, useBrowser, waitSaved } from "./browser";

const browser = useBrowser();

const goals = (p: Page) => p.locator('[data-stream="unit.goals"] .cm-content');
const textOf = (p: Page, stream: string) => p.evaluate((s) => (window as any).coplan.peers.get(s).text as string, stream);
const memberId = (p: Page, name: string) =>
  p.evaluate((name) => (window as any).coplan.members.find((m: any) => m.name === name).id as number, name);
/** Puts the caret `n` characters into the goals, from the keyboard; `select` more characters. */
async function caretInGoals(p: Page, n: number, select = 0) {
  await goals(p).click();
  await p.keyboard.press("Control+Home");
  for (let i = 0; i < n; i++) await p.keyboard.press("ArrowRight");
  for (let i = 0; i < select; i++) await p.keyboard.press("Shift+ArrowRight");
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Both partners signed in, each in a browser of their own, on a unit the librarian has just made. */
async function partnersOnNewUnit(title: string, librarianTimezone?: string) {
  const lib = await signedInPage(browser, "librarian", { timezoneId: librarianTimezone });
  const tea = await signedInPage(browser, "teacher");
  const path = await newUnit(lib, title);
  await openUnit(tea, path);
  return { lib, tea, path };
}

/** `p` types `text` into the goals where its caret is, and the partner then has `goals` there. */
async function typeInGoals(p: Page, text: string, partner: Page, goalsText: string) {
  await p.keyboard.type(text);
  await waitSaved(p);
  await expect.poll(() => textOf(partner, "unit.goals")).toBe(goalsText);
}

describe("the record's views", () => {
  it("blame: colours toggle on a field, who wrote a passage and when by pointer and by keyboard, shared work marked", async () => {
    const { lib, tea } = await partnersOnNewUnit("Blame test");
    await goals(tea).click();
    await typeInGoals(tea, "Students test the creek water.", lib, "Students test the creek water.");
    await goals(lib).click();
    await lib.keyboard.press("Control+End");
    await typeInGoals(lib, " They judge sources.", tea, "Students test the creek water. They judge sources.");
    const maya = await memberId(lib, "Maya Okafor"), daniel = await memberId(lib, "Daniel Reyes");
    const passage = (p: Page, author: number) => p.locator(`[data-stream="unit.goals"] .cp-author[data-author="${author}"]`).first();

    // Authorship colours: each partner's words carry their colour (and underline); "Show colours",
    // a checkbox toggled here from the keyboard, takes them off the field and puts them back.
    const look = (p: Page, author: number) =>
      passage(p, author).evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).textDecorationLine]);
    const coloured = { [maya]: ["rgb(204, 251, 241)", "underline"], [daniel]: ["rgb(237, 233, 254)", "underline"] };
    await expect.poll(() => look(lib, daniel)).toEqual(coloured[daniel]);
    expect(await look(lib, maya)).toEqual(coloured[maya]);
    const showColours = lib.getByLabel("Show colours");
    await showColours.focus();
    await lib.keyboard.press("Space");
    expect(await showColours.isChecked()).toBe(false);
    for (const who of [maya, daniel]) expect(await look(lib, who)).toEqual(["rgba(0, 0, 0, 0)", "none"]);
    expect(await passage(lib, daniel).textContent()).toContain("Students test the creek water"); // the text is untouched
    await lib.keyboard.press("Space");
    expect(await showColours.isChecked()).toBe(true);
    for (const who of [maya, daniel]) expect(await look(lib, who)).toEqual(coloured[who]);

    // Who and when, by pointer: pointing at each partner's words names them and today's date.
    const bar = (p: Page) => p.locator(".cp-blame-bar");
    const today = await lib.evaluate(() => new Date().toLocaleString(undefined, { month: "short", day: "numeric", year: "numeric" }));
    const wrote = (name: string) => new RegExp(`^Written by ${name}, ${escape(today)}`);
    await lib.getByLabel(/Who and when/).check();
    const pointAt = async (p: Page, author: number) => {
      await passage(p, author).scrollIntoViewIfNeeded();
      const box = (await passage(p, author).boundingBox())!;
      await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    };
    await pointAt(lib, daniel);
    await expect.poll(() => bar(lib).textContent(), { timeout: 10_000 }).toMatch(wrote("Daniel Reyes"));
    await pointAt(lib, maya);
    await expect.poll(() => bar(lib).textContent(), { timeout: 10_000 }).toMatch(wrote("Maya Okafor"));
    expect(await bar(lib).textContent()).not.toContain("shared work");
    expect(await bar(lib).isVisible()).toBe(true);

    // The same by keyboard: the toggle with Space, Tab to the field, the caret into each passage.
    // The bar is a polite live region, so a screen reader says it too.
    expect(await bar(tea).getAttribute("role")).toBe("status");
    expect(await bar(tea).getAttribute("aria-live")).toBe("polite");
    await tea.getByLabel(/Who and when/).focus();
    await tea.keyboard.press("Space");
    expect(await tea.getByLabel(/Who and when/).isChecked()).toBe(true);
    let tabs = 0;
    while (!(await goals(tea).evaluate((el) => el === document.activeElement))) {
      expect(++tabs, "the goals field is reachable with Tab from the toggle").toBeLessThan(80);
      await tea.keyboard.press("Tab");
    }
    await tea.keyboard.press("Control+Home");
    await expect.poll(() => bar(tea).textContent(), { timeout: 10_000 }).toMatch(wrote("Daniel Reyes"));
    expect(await bar(tea).isVisible()).toBe(true);
    await tea.keyboard.press("Control+End");
    await expect.poll(() => bar(tea).textContent(), { timeout: 10_000 }).toMatch(wrote("Maya Okafor"));

    // Shared work: the librarian revises a word of the teacher's sentence. With the blame view on,
    // the teacher's caret on her sentence says so, and what is left of her sentence around the
    // revision is marked in the field at once. Regressions: a fetch of the record within 1.5 s of
    // the last one answered with the old one, so the caret moved just after the edit showed
    // nothing (the bar hid, keeping its old text), and the marks waited for the page's 20-second
    // refresh.
    await caretInGoals(lib, "Students test the ".length, "creek".length);
    await typeInGoals(lib, "stream", tea, "Students test the stream water. They judge sources.");
    await tea.keyboard.press("Control+Home");
    await expect.poll(() => bar(tea).textContent(), { timeout: 10_000 }).toMatch(
      new RegExp(`${wrote("Daniel Reyes").source}.* — revised by Maya Okafor \\(shared work\\)$`));
    expect(await bar(tea).isVisible()).toBe(true);
    const shared = (p: Page) => p.locator('[data-stream="unit.goals"] .cp-shared');
    expect((await shared(tea).allTextContents()).join("")).toBe("Students test the  water.");
    // Pointing at the librarian's word in it: hers, not shared.
    await tea.keyboard.press("Control+Home");
    for (let i = 0; i < "Students test the s".length; i++) await tea.keyboard.press("ArrowRight");
    await expect.poll(() => bar(tea).textContent()).toMatch(wrote("Maya Okafor"));
    expect(await bar(tea).textContent()).not.toContain("shared work");
    expect(await bar(tea).isVisible()).toBe(true);
    await tea.screenshot({ path: `${artifacts}/blame-shared-work.png` });

    // The marks are part of the blame view: turning it off takes them away (they used to stay).
    const hatch = (p: Page) => shared(p).first().evaluate((el) => getComputedStyle(el).backgroundImage);
    expect(await hatch(tea)).not.toBe("none");
    await tea.getByLabel(/Who and when/).uncheck();
    expect(await hatch(tea)).toBe("none");
    expect(await bar(tea).isHidden()).toBe(true);
    await tea.getByLabel(/Who and when/).check();
    expect(await hatch(tea)).not.toBe("none");
    await lib.context().close();
    await tea.context().close();
  });

  it("history: edit by edit, by the viewer's own day, and bringing back a lesson and a field as new edits", async () => {
    // The librarian's browser is in India (UTC+5:30): her midnight is 18:30 UTC.
    const { lib, tea, path } = await partnersOnNewUnit("History test", "Asia/Kolkata");
    const unit = path.split("/").pop()!;
    const db = `${inject("dataDir")}/coplan.db`;
    const sql = (q: string) => execFileSync("sqlite3", ["-cmd", ".timeout 10000", db, q], { encoding: "utf8" }).trim();
    // The unit's ops in order (the history numbers them from 1), read from the database so that
    // the server has not looked at their times before they are set below.
    const unitRow = `(SELECT id FROM units WHERE public_id = '${unit}')`;
    const opIds = () => sql(`SELECT id FROM oplog WHERE unit_id = ${unitRow} AND id > (SELECT upto_op FROM snapshots ` +
      `WHERE unit_id = ${unitRow} AND ops = 0 ORDER BY id LIMIT 1) ORDER BY id`).split("\n").filter(Boolean);

    // The first day: the librarian writes the goals and adds a lesson.
    await goals(lib).click();
    await lib.keyboard.type("First day.");
    await lib.getByRole("button", { name: "+ Add lesson" }).click();
    await lib.keyboard.type("Creek walk");
    await waitSaved(lib);
    const lesson: string = await lib.evaluate(() => (window as any).coplan.structure.view().lists.lessons[0].id);
    const k = opIds().length;
    // The second day: the teacher adds to the goals, the librarian removes the lesson.
    await expect.poll(() => textOf(tea, "unit.goals")).toBe("First day.");
    await goals(tea).click();
    await tea.keyboard.press("Control+End");
    await typeInGoals(tea, " Second day.", lib, "First day. Second day.");
    await lib.evaluate((id) => (window as any).coplan.command({ op: "remove_block", id }), lesson);
    await waitSaved(lib);
    const ids = opIds();
    const n = ids.length;
    expect(k).toBeGreaterThan(10);
    expect(n - k).toBe(" Second day.".length + 1); // one edit per key, and the removal

    // Give the days' edits times: 10 March 2025, 18:20 and 18:40 UTC (one day in UTC), which is
    // 23:50 on 10 March and 00:10 on 11 March in India (two days there).
    const at = (i: number) => Date.UTC(2025, 2, 10, 18, i < k ? 20 : 40) + i * 1000;
    sql("BEGIN; " + ids.map((id, i) => `UPDATE oplog SET time = ${at(i)} WHERE id = ${id};`).join(" ") + " COMMIT;");

    await lib.goto(new URL(`${path}/history`, lib.url()).href);
    const slider = lib.locator("#history-slider");
    await slider.waitFor();
    expect(await slider.getAttribute("max")).toBe(String(n));
    const where = () => lib.locator("#history-where").textContent();
    const goalsThen = () => lib.locator('.cp-past-field[data-stream="unit.goals"] .cp-past-text').textContent();
    // The lesson's title as the history shows it (in the plan's lesson list; the teach tab lists it too).
    const lessonsThen = async () => (await lib.locator(`.cp-past-field[data-stream="${lesson}.title"] .cp-past-text`).allTextContents()).slice(0, 1);
    const press = (name: string) => lib.getByRole("button", { name, exact: true }).click();
    const shows = async (op: number, goalsText: string, ops = n) => {
      await expect.poll(where).toMatch(op === 0 ? /^When the unit was created/ : new RegExp(`^Edit ${op} of ${ops} `));
      await expect.poll(() => slider.inputValue()).toBe(String(op));
      await expect.poll(goalsThen).toBe(goalsText);
    };
    await shows(n, "First day. Second day.");
    expect(await where()).toContain("Mar 11"); // the librarian's day
    expect(await lessonsThen()).toEqual([]);

    // Edit by edit: back one (the lesson is there again), forward one.
    await press("◀ Previous edit");
    await shows(n - 1, "First day. Second day.");
    expect(await lessonsThen()).toEqual(["Creek walk"]);
    await press("Next edit ▶");
    await shows(n, "First day. Second day.");

    // By day: back to the end of her 10 March, then to when the unit was created; forward again.
    // Regression: the page jumped by UTC days, in which both are 10 March (back went to 0).
    await press("◀ Previous day");
    await shows(k, "First day.");
    expect(await where()).toContain("Mar 10");
    expect(await lessonsThen()).toEqual(["Creek walk"]);
    // One edit at a time into the next day: the teacher's first keys.
    await press("Next edit ▶");
    await shows(k + 1, "First day. ");
    expect(await where()).toContain("Mar 11");
    await press("Next edit ▶");
    await shows(k + 2, "First day. S");
    await press("◀ Previous day");
    await shows(k, "First day.");
    await press("◀ Previous day");
    await shows(0, "(empty)");
    await press("Next day ▶");
    await shows(k, "First day.");
    await press("Next day ▶");
    await shows(n, "First day. Second day.");

    // Bring the removed lesson back from the end of the first day: a new edit by the librarian;
    // the teacher sees it back, with its title; the history before it is as it was.
    const api = (url: string) => lib.evaluate(async (u) => (await fetch(u)).json(), `/api/units/${unit}${url}`);
    const before = { k: await api(`/history/${k}`), n: await api(`/history/${n}`) };
    expect(before.n.structure.lists.lessons[0].removed).toBe(true);
    await press("◀ Previous day");
    await shows(k, "First day.");
    await lib.screenshot({ path: `${artifacts}/history-by-day.png` });
    await lib.getByRole("button", { name: "Bring it back" }).click();
    const teacherLessons = () => tea.evaluate(() => {
      const c = (window as any).coplan;
      return c.structure.view().lists.lessons.filter((l: any) => !l.removed).map((l: any) => c.peers.get(`${l.id}.title`).text);
    });
    await expect.poll(teacherLessons).toEqual(["Creek walk"]);
    await expect.poll(async () => (await api("/history")).ops).toBe(n + 1);
    expect(await api(`/history/${k}`)).toEqual({ ...before.k, ops: n + 1 });
    expect(await api(`/history/${n}`)).toEqual({ ...before.n, ops: n + 1 });
    const restored = await api(`/history/${n + 1}`);
    expect([restored.at.author, restored.at.kind]).toEqual([await memberId(tea, "Maya Okafor"), "structure"]);
    await expect.poll(() => lib.getByRole("button", { name: "Bring it back" }).count()).toBe(0); // not removed any more
    await expect.poll(() => slider.getAttribute("max")).toBe(String(n + 1));

    // Restore the goals as they were then: one more edit; the later text is still in the history.
    await lib.locator('.cp-past-field[data-stream="unit.goals"]').getByRole("button", { name: "Restore this text" }).click();
    await expect.poll(() => textOf(tea, "unit.goals")).toBe("First day.");
    await expect.poll(async () => (await api("/history")).ops).toBe(n + 2);
    expect((await api(`/history/${n + 1}`)).streams["unit.goals"].text).toBe("First day. Second day.");
    expect((await api(`/history/${n + 2}`)).streams["unit.goals"].text).toBe("First day.");
    await press("Now");
    await shows(n + 2, "First day.", n + 2);
    expect(await lessonsThen()).toEqual(["Creek walk"]);
    await lib.context().close();
    await tea.context().close();
  });

  it("an expertise tag on a passage keeps covering its words when the partner writes before it", async () => {
    const { lib, tea } = await partnersOnNewUnit("Tag test");
    await goals(lib).click();
    await typeInGoals(lib, "Students test the creek water.", tea, "Students test the creek water.");

    // The teacher selects "creek water" and opens the tag form; the librarian writes before the
    // passage while it is open (regression: the tag went onto the words at the positions of when
    // the form opened); the teacher tags her content knowledge on the passage.
    await caretInGoals(tea, "Students test the ".length, "creek water".length);
    const stage1 = (p: Page) => p.locator("[data-section=stage1]");
    await stage1(tea).getByRole("button", { name: "Tag expertise" }).click();
    expect(await stage1(tea).getByLabel("What draws on it").locator("option:checked").textContent()).toBe("The selected passage: “creek water”");
    await caretInGoals(lib, 0);
    await typeInGoals(lib, "In spring, ", tea, "In spring, Students test the creek water.");
    await stage1(tea).getByLabel("Area of expertise").selectOption({ label: "Content knowledge" });
    await stage1(tea).getByLabel("Whose expertise").selectOption({ label: "Daniel Reyes" });
    await stage1(tea).getByRole("button", { name: "Add tag" }).click();
    await waitSaved(tea);
    const chip = (p: Page) => stage1(p).locator(".cp-tag");
    await expect.poll(() => chip(lib).textContent()).toContain("Content knowledge — Daniel Reyes's expertise on “creek water”");

    /** The words the passage tag covers, as a page has them. */
    const tagged = (p: Page) => p.evaluate(() => {
      const c = (window as any).coplan;
      const t = c.structure.view().tags.find((x: any) => x.from !== undefined);
      return c.peers.get(t.target).text.slice(t.from, t.to) as string;
    });
    for (const p of [lib, tea]) expect(await tagged(p)).toBe("creek water");
    // Then the teacher writes before the passage, and the librarian again right before its first word.
    await caretInGoals(tea, "In spring, Students test ".length);
    await typeInGoals(tea, "how clean ", lib, "In spring, Students test how clean the creek water.");
    await caretInGoals(lib, "In spring, Students test how clean the ".length);
    await typeInGoals(lib, "local ", tea, "In spring, Students test how clean the local creek water.");
    for (const p of [lib, tea]) expect(await tagged(p)).toBe("creek water");
    // As the server has it: both pages opened again show the tag on the same words.
    for (const p of [lib, tea]) {
      await p.reload();
      await p.waitForSelector("main[data-ready=true]");
      expect(await tagged(p)).toBe("creek water");
      await expect.poll(() => chip(p).textContent()).toContain("Daniel Reyes's expertise on “creek water”");
    }
    await lib.context().close();
    await tea.context().close();
  });
});
