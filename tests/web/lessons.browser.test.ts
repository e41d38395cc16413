// Browser tests of lessons from the keyboard: Alt+Arrow in a lesson's text of several lines moves
// the line and never the lesson (in the title, or on the card's buttons, it moves the lesson);
// removing a lesson puts focus on Undo, which stays while focused and brings the lesson back for
// both partners.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { openUnit, signedInPage, useBrowser, waitSaved } from "./browser";

const browser = useBrowser();

async function newUnitWithLessons(page: Page, title: string, lessons: string[]): Promise<string> {
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
  // Typed at once after each click, as a quick user does. Regression: the caret moved to the new
  // title on a timer, which Chromium ran after the keystrokes, so titles lost letters or all of
  // them (seen as "", and " me" for "Remove me").
  for (const t of lessons) {
    await page.getByRole("button", { name: "+ Add lesson" }).click();
    await page.keyboard.type(t);
  }
  await waitSaved(page);
  return new URL(page.url()).pathname;
}

const lessonTitles = (p: Page) =>
  p.evaluate(() => {
    const c = (window as any).coplan;
    return c.structure.view().lists.lessons.filter((l: any) => !l.removed).map((l: any) => c.peers.get(`${l.id}.title`).text);
  });

const card = (p: Page, title: string) =>
  p.locator("#panel-plan [data-list=lessons] .cp-block").filter({ has: p.locator(".cm-content", { hasText: new RegExp(`^${title}$`) }) });

/** What has the focus: its text (or label) and the title of the lesson card it is in, if any. */
const focused = (p: Page) =>
  p.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    const block = e?.closest(".cp-block");
    const title = block?.querySelector(".cp-field-line .cm-content")?.textContent ?? null;
    return { text: e?.textContent?.trim() ?? "", inToast: !!e?.closest(".toast"), lesson: title, action: e?.dataset.action ?? null, editor: !!e?.closest(".cm-content") };
  });

describe("lessons from the keyboard", () => {
  it("moves a line inside a lesson's text with Alt+Arrow, and the lesson only from its title or buttons", async () => {
    const lib = await signedInPage(browser, "librarian");
    await newUnitWithLessons(lib, "Keyboard reorder test", ["First", "Second"]);
    const objectives = card(lib, "Second").locator(".cp-text", { hasText: "Objectives" }).locator(".cm-content");
    const objectivesText = () =>
      lib.evaluate(() => {
        const c = (window as any).coplan;
        const l = c.structure.view().lists.lessons.find((x: any) => c.peers.get(`${x.id}.title`).text === "Second");
        return c.peers.get(`${l.id}.objectives`).text as string;
      });
    await objectives.click();
    await lib.keyboard.type("Line one");
    await lib.keyboard.press("Enter");
    await lib.keyboard.type("Line two");
    // Alt+ArrowUp on the second line: the lines swap, the lessons stay.
    await lib.keyboard.press("Alt+ArrowUp");
    await expect.poll(objectivesText).toBe("Line two\nLine one");
    expect(await lessonTitles(lib)).toEqual(["First", "Second"]);
    // Again, now on the first line: nothing to move, and still not the lesson.
    await lib.keyboard.press("Alt+ArrowUp");
    await lib.keyboard.press("Alt+ArrowDown");
    await expect.poll(objectivesText).toBe("Line one\nLine two");
    await lib.keyboard.press("Alt+ArrowDown"); // on the last line: nothing
    await lib.waitForTimeout(300);
    expect(await objectivesText()).toBe("Line one\nLine two");
    expect(await lessonTitles(lib)).toEqual(["First", "Second"]);

    // In the lesson's title (one line) Alt+ArrowUp moves the lesson, and the caret stays in it.
    await card(lib, "Second").locator(".cp-field-line .cm-content").click();
    await lib.keyboard.press("Alt+ArrowUp");
    await expect.poll(() => lessonTitles(lib)).toEqual(["Second", "First"]);
    expect((await focused(lib)).lesson).toBe("Second");
    // On the card's buttons too.
    await card(lib, "Second").getByRole("button", { name: "Remove" }).focus();
    await lib.keyboard.press("Alt+ArrowDown");
    await expect.poll(() => lessonTitles(lib)).toEqual(["First", "Second"]);
    expect(await objectivesText()).toBe("Line one\nLine two");
    await waitSaved(lib);
    await lib.context().close();
  });

  it("adds a lesson with Enter or Space on + Add lesson and keeps every letter typed at once", async () => {
    // Regression: the caret moved to the new title on a timer, which Chromium ran after the next
    // keystrokes, so the first letters were lost (seen: "st" for "Last" after Enter).
    const lib = await signedInPage(browser, "librarian");
    await newUnitWithLessons(lib, "Keyboard add test", []);
    const add = lib.getByRole("button", { name: "+ Add lesson" });
    for (const [key, title] of [["Enter", "Typed after Enter"], ["Space", "Typed after Space"], ["Enter", "Again"]]) {
      await add.focus();
      await lib.keyboard.press(key);
      await lib.keyboard.type(title);
    }
    await waitSaved(lib);
    // One lesson a key press (no click after the key), each title whole and on one line.
    expect(await lessonTitles(lib)).toEqual(["Typed after Enter", "Typed after Space", "Again"]);
    await lib.context().close();
  });

  it("puts focus on Undo when a lesson is removed, and Undo brings it back for both partners", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    const path = await newUnitWithLessons(lib, "Undo test", ["Keep", "Remove me", "Last"]);
    await tea.goto(new URL(path, tea.url()).href);
    await tea.waitForSelector("main[data-ready=true]");
    await expect.poll(() => lessonTitles(tea)).toEqual(["Keep", "Remove me", "Last"]);

    // From the keyboard: Remove, then focus is on Undo, which stays past its 10 s while focused.
    await card(lib, "Remove me").getByRole("button", { name: "Remove" }).focus();
    await lib.keyboard.press("Enter");
    expect(await focused(lib)).toMatchObject({ text: "Undo", inToast: true });
    await expect.poll(() => lessonTitles(tea)).toEqual(["Keep", "Last"]);
    await lib.waitForTimeout(11_000);
    expect(await lib.locator(".toast", { hasText: "Removed “Remove me”." }).isVisible()).toBe(true);
    await lib.keyboard.press("Enter");
    await expect.poll(() => lessonTitles(lib)).toEqual(["Keep", "Remove me", "Last"]);
    await expect.poll(() => lessonTitles(tea)).toEqual(["Keep", "Remove me", "Last"]);
    // Focus is back on the lesson's Remove button, where it was.
    await expect.poll(() => focused(lib)).toMatchObject({ lesson: "Remove me", action: "remove" });
    expect(await lib.locator(".toast").count()).toBe(0);

    // With the mouse: Remove, then click Undo in the toast.
    await card(lib, "Last").getByRole("button", { name: "Remove" }).click();
    await expect.poll(() => lessonTitles(tea)).toEqual(["Keep", "Remove me"]);
    await lib.locator(".toast").getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => lessonTitles(tea)).toEqual(["Keep", "Remove me", "Last"]);
    expect(await tea.locator("#panel-plan [data-list=lessons] .cp-block").count()).toBe(3);

    // Escape dismisses the toast and puts focus in the next lesson; the removal stands.
    await card(lib, "Keep").getByRole("button", { name: "Remove" }).focus();
    await lib.keyboard.press("Enter");
    expect(await focused(lib)).toMatchObject({ text: "Undo", inToast: true });
    await lib.keyboard.press("Escape");
    expect(await lib.locator(".toast").count()).toBe(0);
    expect(await focused(lib)).toMatchObject({ lesson: "Remove me", editor: true });
    await waitSaved(lib);
    await expect.poll(() => lessonTitles(tea)).toEqual(["Remove me", "Last"]);
    await lib.context().close();
    await tea.context().close();
  });

  it("reorders lessons by tapping their move buttons on a touch tablet, for both partners", async () => {
    const tablet = { viewport: { width: 820, height: 1180 }, hasTouch: true };
    const lib = await signedInPage(browser, "librarian", tablet);
    const tea = await signedInPage(browser, "teacher", tablet);
    const path = await newUnitWithLessons(lib, "Tablet reorder test", ["Wonder", "Investigate", "Share"]);
    await openUnit(tea, path);
    await expect.poll(() => lessonTitles(tea)).toEqual(["Wonder", "Investigate", "Share"]);
    expect(await lib.evaluate(() => matchMedia("(pointer: coarse)").matches)).toBe(true);
    // The page fits the tablet's width (nothing to scroll sideways).
    expect(await lib.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);

    // In the plan: tap "Move lesson down" on the first card.
    const moveButton = card(lib, "Wonder").getByRole("button", { name: "Move lesson down" });
    const box = (await moveButton.boundingBox())!;
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(36); // big enough for a finger
    await moveButton.tap();
    await expect.poll(() => lessonTitles(tea)).toEqual(["Investigate", "Wonder", "Share"]);
    await card(lib, "Share").getByRole("button", { name: "Move lesson up" }).tap();
    await expect.poll(() => lessonTitles(tea)).toEqual(["Investigate", "Share", "Wonder"]);

    // The teacher, on her tablet, moves one back up; the librarian sees it.
    await card(tea, "Wonder").getByRole("button", { name: "Move lesson up" }).tap();
    await expect.poll(() => lessonTitles(lib)).toEqual(["Investigate", "Wonder", "Share"]);
    await tea.getByRole("tab", { name: "Co-teach" }).tap();
    expect(await tea.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(820);
    await waitSaved(tea);
    await lib.context().close();
    await tea.context().close();
  });
});
