// Browser test of the record: expertise tagged by one partner and acknowledged by the other, the
// blame view saying who wrote a passage, the history slider showing a past version and restoring
// a field as a new edit, and the contribution view with the same figures as a table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { artifacts, launch, signedInPage, waitSaved } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("the record of who contributed what", () => {
  it("tags expertise, shows blame, history with restore, and contributions", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    // A fresh unit so the figures below are known.
    await lib.getByRole("button", { name: "+ New unit" }).click();
    await lib.getByLabel("Title", { exact: true }).fill("Record test");
    await lib.getByRole("button", { name: "Create and open" }).click();
    await lib.waitForSelector("main[data-ready=true]");
    const path = new URL(lib.url()).pathname;
    await tea.goto(new URL(path, tea.url()).href);
    await tea.waitForSelector("main[data-ready=true]");

    const goals = (p: typeof lib) => p.locator('[data-stream="unit.goals"] .cm-content');
    await goals(tea).click();
    await tea.keyboard.type("Students test the creek.");
    await waitSaved(tea);
    await goals(lib).click();
    await lib.keyboard.press("Control+End");
    await lib.keyboard.type(" They judge their sources.");
    await waitSaved(lib);

    // The teacher tags the librarian's inquiry expertise on Stage 1; the librarian sees it; the
    // teacher acknowledges learning from it.
    const stage1 = (p: typeof lib) => p.locator("[data-section=stage1]");
    await stage1(tea).getByRole("button", { name: "Tag expertise" }).click();
    await stage1(tea).getByLabel("Area of expertise").selectOption({ label: "Inquiry process" });
    await stage1(tea).getByLabel("Whose expertise").selectOption({ label: "Maya Okafor" });
    await stage1(tea).getByRole("button", { name: "Add tag" }).click();
    await expect.poll(() => stage1(lib).locator(".cp-tag").textContent()).toContain("Inquiry process — Maya Okafor's expertise");
    await stage1(tea).getByRole("button", { name: "I learned from this" }).click();
    await expect.poll(() => stage1(lib).locator(".cp-tag").textContent()).toContain("learned by Daniel Reyes");
    expect(await stage1(lib).getByRole("button", { name: "I learned from this" }).count()).toBe(0); // not for your own expertise

    // Blame: pointing at the teacher's words says she wrote them.
    await lib.getByLabel(/Who and when/).check();
    await goals(lib).scrollIntoViewIfNeeded();
    const box = await goals(lib).boundingBox();
    await lib.mouse.move(box!.x + 30, box!.y + 10);
    await expect.poll(() => lib.locator(".cp-blame-bar").textContent(), { timeout: 10_000 }).toMatch(/^Written by Daniel Reyes/);

    // History: back to before the librarian's sentence, then restore the goals from there.
    await lib.getByRole("link", { name: "History" }).click();
    await lib.waitForSelector("#history-slider");
    const ops = Number(await lib.locator("#history-slider").getAttribute("max"));
    expect(ops).toBeGreaterThan(3);
    const goalsNow = () => lib.locator('.cp-past-field[data-stream="unit.goals"] .cp-past-text').textContent();
    await expect.poll(goalsNow).toBe("Students test the creek. They judge their sources.");
    // The unit's own values are shown too (and can be restored like any field).
    await expect.poll(() => lib.locator('.cp-past-field[data-field="title"]').textContent()).toContain("Record test");
    expect(await lib.locator('.cp-past-field[data-field="phase"]').textContent()).toContain("Phase: Plan");
    // Step back edit by edit until the librarian's sentence is gone.
    for (let i = 0; i < 40 && (await goalsNow()) !== "Students test the creek."; i++) {
      await lib.getByRole("button", { name: "◀ Previous edit" }).click();
      await lib.waitForTimeout(120);
    }
    expect(await goalsNow()).toBe("Students test the creek.");
    await lib.screenshot({ path: `${artifacts}/history-laptop.png` });
    await lib.locator('.cp-past-field[data-stream="unit.goals"]').getByRole("button", { name: "Restore this text" }).click();
    await expect.poll(() => tea.evaluate(() => (window as any).coplan.peers.get("unit.goals").text)).toBe("Students test the creek.");

    // The figures as of that moment: the librarian had typed nothing yet; then now.
    const typedRow = () => lib.locator("table", { hasText: "All sections together" }).locator("tr", { hasText: "Characters typed" }).locator("td").allTextContents();
    await lib.getByRole("link", { name: "Figures as of this moment" }).click();
    await lib.waitForSelector(".cp-partner-card");
    expect(new URL(lib.url()).search).toMatch(/^\?op=\d+$/);
    expect(await lib.locator("#contrib-counted").textContent()).toMatch(/^As of edit \d+ of \d+ \(.*, by Daniel Reyes\)/);
    expect(await typedRow()).toEqual(["0", "24"]);
    await lib.getByRole("button", { name: "Now" }).click();
    await expect.poll(() => lib.locator("#contrib-counted").textContent()).toMatch(/^Counted from all \d+ edits/);
    expect(await typedRow()).toEqual(["26", "24"]);

    // Contributions: the same partners, in the same order, with figures and a table.
    await lib.goto(new URL(path + "/contributions", lib.url()).href);
    await lib.waitForSelector(".cp-partner-card");
    expect(await lib.locator(".cp-partner-card h2").allTextContents()).toEqual(["Maya Okafor · Librarian", "Daniel Reyes · Teacher"]);
    const totals = lib.locator("table", { hasText: "All sections together" });
    await expect.poll(() => totals.locator("tr", { hasText: "Characters typed" }).locator("td").allTextContents()).toEqual(["26", "24"]);
    expect(await lib.locator(".cp-expertise-map tr", { hasText: "Inquiry process" }).locator("td").allTextContents()).toEqual(["● 1", "", "", "○ 1"]);
    await lib.screenshot({ path: `${artifacts}/contributions-laptop.png`, fullPage: true });
    await lib.context().close();
    await tea.context().close();
  });
});
