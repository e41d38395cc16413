// Browser test of presence, in two browser contexts: the teacher places her caret, then selects a
// stretch of a field; the librarian sees her caret (with her name) and her selection over exactly
// that text, in her colour (violet), and the top bar says which field she is in. Both follow when
// the librarian types before them, are there for a page opened later, move with her to another
// field, and go when she leaves the field, when her connection drops (and come back with it), and
// when she leaves the unit.
import { describe, expect, inject, it } from "vitest";
import type { Page } from "playwright-core";
import { artifacts, newUnit, openUnit, signedInPage, useBrowser, waitSaved } from "./browser";
import { CuttableProxy } from "./proxy";

const browser = useBrowser();

const field = (p: Page, stream: string) => p.locator(`[data-stream="${stream}"]`);

/** The partners' carets and selections a page shows in a field: name, colour, the text of the line
 * before the caret, and the selected text. */
const remote = (p: Page, stream: string) =>
  field(p, stream).evaluate((el) =>
    [...el.querySelectorAll<HTMLElement>(".cp-remote-caret")].map((caret) => {
      const line = caret.closest(".cm-line")!;
      const before = document.createRange();
      before.setStart(line, 0);
      before.setEndBefore(caret);
      const style = getComputedStyle(caret);
      return { name: caret.dataset.name, className: caret.className, before: before.toString(), border: `${style.borderLeftWidth} ${style.borderLeftStyle} ${style.borderLeftColor}` };
    }),
  );
const selections = (p: Page, stream: string) =>
  field(p, stream).evaluate((el) =>
    [...el.querySelectorAll<HTMLElement>(".cp-remote-selection")].map((s) => ({ text: s.textContent, className: s.className, background: getComputedStyle(s).backgroundColor })),
  );
const people = (p: Page) => p.locator(".cp-people li").allTextContents();

const violetCaret = { name: "Daniel Reyes", className: "cp-remote-caret cp-swatch-violet", border: "2px solid rgb(109, 40, 217)" };
const violetSelection = { className: "cp-remote-selection cp-remote-violet", background: "rgba(109, 40, 217, 0.2)" };

describe("presence", () => {
  it("shows the partner's caret, selection and field in her colour, and follows her out", async () => {
    const lib = await signedInPage(browser, "librarian");
    // The teacher's network can be cut (her page goes through a proxy).
    const teaProxy = new CuttableProxy(Number(new URL(inject("baseUrl")).port));
    const tea = await signedInPage(browser, "teacher", { base: `http://127.0.0.1:${await teaProxy.start()}` });
    const path = await newUnit(lib, "Presence check");
    await field(lib, "unit.understandings").locator(".cm-content").click();
    await lib.keyboard.type("Water connects places.");
    await field(lib, "unit.essential_questions").locator(".cm-content").click();
    await lib.keyboard.type("Is it safe?");
    await lib.locator(".cp-title input").click(); // out of the text fields
    await waitSaved(lib);
    await openUnit(tea, path);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes"]);

    // Her caret after "Water ", then a selection of "connects " (the caret at its end).
    await field(tea, "unit.understandings").locator(".cm-content").click();
    await tea.keyboard.press("Control+Home");
    for (let i = 0; i < 6; i++) await tea.keyboard.press("ArrowRight");
    await expect.poll(() => remote(lib, "unit.understandings")).toEqual([{ ...violetCaret, before: "Water " }]);
    expect(await selections(lib, "unit.understandings")).toEqual([]);
    expect(await people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes · in Understandings"]);
    for (let i = 0; i < 9; i++) await tea.keyboard.press("Shift+ArrowRight");
    await expect.poll(() => selections(lib, "unit.understandings")).toEqual([{ ...violetSelection, text: "connects " }]);
    expect(await remote(lib, "unit.understandings")).toEqual([{ ...violetCaret, before: "Water connects " }]);
    // Her name is drawn beside the caret, on her colour.
    const label = await field(lib, "unit.understandings").locator(".cp-remote-caret").evaluate((c) => {
      const s = getComputedStyle(c, "::after");
      return { content: s.content, background: s.backgroundColor };
    });
    expect(label).toEqual({ content: '"Daniel Reyes"', background: "rgb(109, 40, 217)" });
    await field(lib, "unit.understandings").scrollIntoViewIfNeeded();
    await lib.screenshot({ path: `${artifacts}/presence-selection.png` });

    // The librarian types before it: the selection and the caret stay on the same text.
    await field(lib, "unit.understandings").locator(".cm-content").click();
    await lib.keyboard.press("Control+Home");
    await lib.keyboard.type("Clean ");
    await waitSaved(lib);
    await expect.poll(() => selections(lib, "unit.understandings")).toEqual([{ ...violetSelection, text: "connects " }]);
    expect(await remote(lib, "unit.understandings")).toEqual([{ ...violetCaret, before: "Clean Water connects " }]);
    await lib.locator(".cp-title input").click();

    // A page opened now shows where she is at once.
    await lib.reload();
    await lib.waitForSelector("main[data-ready=true]");
    await expect.poll(() => remote(lib, "unit.understandings")).toEqual([{ ...violetCaret, before: "Clean Water connects " }]);
    expect(await selections(lib, "unit.understandings")).toEqual([{ ...violetSelection, text: "connects " }]);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes · in Understandings"]);

    // She moves to another field: her caret moves there.
    await field(tea, "unit.essential_questions").locator(".cm-content").click();
    await tea.keyboard.press("Control+End");
    await expect.poll(() => remote(lib, "unit.essential_questions")).toEqual([{ ...violetCaret, before: "Is it safe?" }]);
    expect(await remote(lib, "unit.understandings")).toEqual([]);
    expect(await selections(lib, "unit.understandings")).toEqual([]);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes · in Essential questions"]);

    // She leaves the field (to a tab): no caret anywhere, still in the unit.
    await tea.getByRole("tab", { name: "Co-teach" }).click();
    await expect.poll(() => lib.locator(".cp-remote-caret").count()).toBe(0);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes"]);

    // Her connection drops while she is in a field: she and her caret go, and come back with her.
    await tea.getByRole("tab", { name: "Co-plan" }).click();
    await field(tea, "unit.understandings").locator(".cm-content").click();
    await tea.keyboard.press("Control+End");
    await expect.poll(() => remote(lib, "unit.understandings")).toEqual([{ ...violetCaret, before: "Clean Water connects places." }]);
    teaProxy.setCut(true);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)"]);
    expect(await lib.locator(".cp-remote-caret").count()).toBe(0);
    // Meanwhile she moves her caret, offline (her page knows it is offline: nothing is sent).
    await expect.poll(() => tea.locator(".cp-status").textContent()).toMatch(/^Offline/);
    await tea.keyboard.press("Control+Home");
    teaProxy.setCut(false);
    await tea.evaluate(() => (window as any).coplan.retryNow());
    await expect.poll(() => remote(lib, "unit.understandings"), { timeout: 30_000 }).toEqual([{ ...violetCaret, before: "" }]);
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)", "Daniel Reyes · in Understandings"]);

    // She leaves the unit: her caret and her name go.
    await tea.getByRole("link", { name: "← Your units" }).click();
    await expect.poll(() => people(lib)).toEqual(["Maya Okafor (you)"]);
    expect(await lib.locator(".cp-remote-caret, .cp-remote-selection").count()).toBe(0);
    await lib.context().close();
    await tea.context().close();
    await teaProxy.close();
  });
});
