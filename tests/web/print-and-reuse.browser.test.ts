// Browser tests of a unit's printed page (every phase, no controls: checked in the print layout
// and in a PDF read back with pdftotext) and of "Use again next year" (the copy says which unit it
// came from, on the home page and on its own page).
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifacts, openFirstUnit, signedInPage, useBrowser } from "./browser";

const browser = useBrowser();

describe("printing and reusing a unit", () => {
  it("prints every phase of the unit and none of its controls", async () => {
    const lib = await signedInPage(browser, "librarian");
    await openFirstUnit(lib);
    await lib.emulateMedia({ media: "print" });
    // Nothing to press is laid out: buttons, links drawn as buttons, tabs, checkboxes, disclosures.
    const controls = await lib.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("button, a, input[type=checkbox], input[type=radio], summary, [role=tab]")]
        .filter((e) => e.getClientRects().length > 0)
        .map((e) => e.textContent?.trim() || e.getAttribute("aria-label") || e.outerHTML.slice(0, 80)));
    expect(controls).toEqual([]);
    const pdfPath = join(artifacts, "unit-print.pdf");
    writeFileSync(pdfPath, await lib.pdf({ format: "A4", printBackground: true }));
    const text = execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    for (const shown of ["Is our creek water safe?", "Stage 1", "Lesson 1", "Beginning", "What the librarian does"]) expect(text).toContain(shown);
    for (const control of ["Tag expertise", "Check in after this lesson", "Who contributed what", "History", "Reflect", "Discuss",
      "Download as Markdown", "Add lesson", "Remove", "Choose standards", "Move the unit to"])
      expect(text).not.toContain(control);
    await lib.context().close();
  });

  it("says which unit a copy was made from", async () => {
    const lib = await signedInPage(browser, "librarian");
    await lib.getByRole("button", { name: "+ New unit" }).click();
    await lib.getByLabel("Title", { exact: true }).fill("Rivers and maps");
    await lib.getByRole("button", { name: "Create and open" }).click();
    await lib.waitForSelector("main[data-ready=true]");
    const originalPath = new URL(lib.url()).pathname;
    expect(await lib.locator(".cp-copied-from").isHidden()).toBe(true);
    await lib.getByRole("link", { name: "← Your units" }).click();
    const card = lib.locator(".cp-unit-card", { has: lib.getByRole("link", { name: "Rivers and maps", exact: true }) });
    await card.getByRole("button", { name: "Use again next year" }).click();
    await lib.waitForSelector("main[data-ready=true]");
    expect(new URL(lib.url()).pathname).not.toBe(originalPath);
    expect(await lib.locator(".cp-title input").inputValue()).toBe("Rivers and maps (next year)");
    await expect.poll(() => lib.locator(".cp-copied-from").textContent()).toBe("Copied from “Rivers and maps” with “Use again next year”.");
    // The partner's home page says so too, and the link opens the original.
    const tea = await signedInPage(browser, "teacher");
    const copy = tea.locator(".cp-unit-card", { has: tea.getByRole("link", { name: "Rivers and maps (next year)", exact: true }) });
    expect(await copy.locator(".cp-copied-from").textContent()).toBe("Copied from “Rivers and maps”");
    await copy.getByRole("link", { name: "“Rivers and maps”" }).click();
    await tea.waitForSelector("main[data-ready=true]");
    expect(new URL(tea.url()).pathname).toBe(originalPath);
    // The original says nothing of the kind.
    expect(await tea.locator(".cp-copied-from").isHidden()).toBe(true);
    await lib.context().close();
    await tea.context().close();
  });
});
