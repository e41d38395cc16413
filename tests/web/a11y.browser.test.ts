// Accessibility and screenshots: axe-core on every page of the app (no serious or critical
// violations), and screenshots of the main pages at laptop and tablet sizes for people to look at.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { artifacts, axeViolations, launch, openFirstUnit, signedInPage } from "./browser";
import { baseUrl } from "./helpers";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function expectAccessible(page: Page, what: string) {
  const found = await axeViolations(page);
  expect(found, `${what}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
}

describe("accessibility (axe-core) and screenshots", () => {
  it("has no serious or critical violations on any page", async () => {
    const ctx = await browser.newContext({ bypassCSP: true });
    const page = await ctx.newPage();
    await page.goto(baseUrl() + "/");
    await page.waitForSelector("form.cp-signin");
    await expectAccessible(page, "sign-in");
    await ctx.close();

    const lib = await signedInPage(browser, "librarian", { bypassCSP: true });
    await expectAccessible(lib, "home");
    await lib.getByRole("button", { name: "+ New unit" }).click();
    await expectAccessible(lib, "home with the new-unit form");
    await openFirstUnit(lib);
    for (const tab of ["Co-plan", "Co-teach", "Co-assess"]) {
      await lib.getByRole("tab", { name: tab }).click();
      await expectAccessible(lib, `unit, ${tab}`);
    }
    await lib.getByRole("tab", { name: "Co-plan" }).click();
    await lib.locator("[data-section=stage1] .cp-comments-toggle").click();
    await lib.getByText("Choose standards").click();
    await expectAccessible(lib, "unit with a discussion and the standards open");
    await lib.context().close();
  });

  it("writes screenshots at laptop and tablet sizes", async () => {
    for (const [name, viewport] of [
      ["laptop", { width: 1366, height: 850 }],
      ["tablet", { width: 820, height: 1180 }],
    ] as const) {
      const lib = await signedInPage(browser, "librarian", { viewport });
      await lib.screenshot({ path: `${artifacts}/home-${name}.png` });
      const tea = await signedInPage(browser, "teacher", { viewport });
      await openFirstUnit(lib);
      await openFirstUnit(tea);
      await tea.locator('[data-stream="unit.understandings"] .cm-content').click();
      await tea.keyboard.press("Control+End");
      await tea.keyboard.type(" Students test their claims against data.");
      await lib.waitForTimeout(600);
      await lib.screenshot({ path: `${artifacts}/unit-plan-${name}.png` });
      await lib.locator("[data-section=stage3]").scrollIntoViewIfNeeded();
      await lib.screenshot({ path: `${artifacts}/unit-lessons-${name}.png` });
      await lib.getByRole("tab", { name: "Co-teach" }).click();
      await lib.screenshot({ path: `${artifacts}/unit-teach-${name}.png` });
      await lib.context().close();
      await tea.context().close();
    }
  });
});
