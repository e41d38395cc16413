// Browser test: the librarian and the teacher, in two browser contexts, type into the same field
// at the same time; both end with identical text, and each partner's text carries their colour.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { artifacts, openFirstUnit, signedInPage, useBrowser } from "./browser";

const browser = useBrowser();

async function authored(page: Page, stream: string, color: string): Promise<string> {
  return page.locator(`[data-stream="${stream}"] .cp-author-${color}`).evaluateAll((els) => els.map((e) => e.textContent).join(""));
}

describe("two partners co-editing in Chromium", () => {
  it("converge and colour each partner's text", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    await openFirstUnit(lib);
    await openFirstUnit(tea);
    const stream = "unit.other_evidence";
    const field = (p: Page) => p.locator(`[data-stream="${stream}"] .cm-content`);
    const libText = "Exit tickets after each research session.";
    const teaText = "Lab notebooks checked twice a week.";
    await field(lib).click();
    await field(tea).click();
    await Promise.all([lib.keyboard.type(libText, { delay: 20 }), tea.keyboard.type(teaText, { delay: 23 })]);
    for (const p of [lib, tea]) await expect.poll(() => p.locator(".cp-status").textContent(), { timeout: 20_000 }).toBe("All changes saved");
    const text = (p: Page) => p.evaluate((s) => (window as any).coplan.peers.get(s).text as string, stream);
    await expect.poll(async () => (await text(lib)) === (await text(tea)), { timeout: 20_000 }).toBe(true);
    const final = await text(lib);
    expect(final.length).toBe(libText.length + teaText.length);
    // The librarian is teal and the teacher violet, in both browsers; each colour holds exactly
    // that partner's characters, in the order they were typed.
    for (const p of [lib, tea]) {
      await expect.poll(() => authored(p, stream, "teal"), { timeout: 10_000 }).toBe(libText);
      expect(await authored(p, stream, "violet")).toBe(teaText);
    }
    await lib.screenshot({ path: `${artifacts}/coediting-librarian.png` });
    await tea.screenshot({ path: `${artifacts}/coediting-teacher.png` });
    await lib.context().close();
    await tea.context().close();
  });
});
