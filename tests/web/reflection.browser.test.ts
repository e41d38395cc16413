// Browser test of reflection: the reflection is waiting once the unit enters the reflect phase
// (its protocol changeable until someone answers); both partners reflect privately, the answers
// are revealed side by side when both have submitted, they agree on a facet, and a "Now what?"
// line shows up in their next unit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { artifacts, launch, signedInPage } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

async function newUnit(page: Page, title: string) {
  await page.goto(new URL("/", page.url()).href);
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
}

describe("reflection", () => {
  it("is private until both submit, then revealed, agreed, and carried into the next unit", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    for (const p of [lib, tea]) p.on("dialog", (d) => d.accept());
    await newUnit(lib, "Reflection test");
    const unitPath = new URL(lib.url()).pathname;
    for (const next of ["Teach", "Assess", "Reflect"]) await lib.getByRole("button", { name: `Move the unit to ${next}` }).click();
    await expect.poll(() => lib.evaluate(() => (window as any).coplan.unconfirmed())).toBe(0);
    await lib.getByRole("link", { name: "Open your reflection" }).click();
    // Entering the reflect phase opened the reflection: it is waiting, with the default protocol.
    await lib.getByLabel(/^What\? Describe what happened/).waitFor();
    expect(await lib.locator(".cp-protocol > p").textContent()).toContain("What? So what? Now what?");
    expect(await lib.getByRole("button", { name: "Start the reflection" }).count()).toBe(0);
    await lib.screenshot({ path: `${artifacts}/reflection-waiting-laptop.png`, fullPage: true });
    // Until someone answers, either partner can pick another protocol (and come back).
    const changeTo = async (name: RegExp) => {
      await lib.locator(".cp-change-protocol").getByLabel(name).check();
      await lib.getByRole("button", { name: "Use this protocol" }).click();
    };
    await changeTo(/^Plus\/Delta/);
    await lib.getByLabel(/^Plus: what worked/).waitFor();
    await changeTo(/^What\? So what\? Now what\?/);
    await lib.getByLabel(/^What\? Describe what happened/).waitFor();

    const secret = "The database station needed more time.";
    await lib.getByLabel(/^What\? Describe what happened/).fill(secret);
    await lib.getByLabel(/^Now what\?/).fill("Plan the database lesson a week earlier");
    const what = lib.locator(".cp-prompt-box", { hasText: "What? Describe" });
    await what.getByLabel("Cite evidence").selectOption({ label: "Co-plan: Stage 2 — Evidence" });
    await what.getByRole("button", { name: "Cite" }).click();
    await lib.getByLabel(/^Cooperation/).check();
    await expect.poll(() => lib.locator(".cp-reflection-form [role=status]").textContent()).toContain("Draft saved");
    await lib.getByRole("button", { name: "Submit my reflection" }).click();
    await expect.poll(() => lib.locator(".cp-privacy").textContent()).toContain("You have submitted");

    // The teacher sees that her partner submitted, and not one word of it.
    await tea.goto(new URL(unitPath + "/reflect", tea.url()).href);
    await expect.poll(() => tea.locator(".cp-privacy").textContent()).toContain("Maya Okafor has submitted");
    expect(await tea.content()).not.toContain(secret);
    expect(await tea.locator(".cp-change-protocol").count()).toBe(0); // her partner has answered: the protocol stays
    await tea.getByLabel(/^What\? Describe what happened/).fill("Students led the water tests themselves.");
    await tea.getByLabel(/^Now what\?/).fill("Give every team a kit");
    await tea.getByLabel(/^Integrated instruction/).check();
    await tea.getByRole("button", { name: "Submit my reflection" }).click();

    // Revealed: side by side, both ratings, the record's suggestion.
    const table = tea.locator(".cp-side-by-side");
    await expect.poll(() => table.textContent()).toContain(secret);
    expect(await table.textContent()).toContain("Students led the water tests themselves.");
    expect(await table.locator(".cp-evidence-chip").textContent()).toContain("Stage 2");
    expect(await tea.getByText("Maya Okafor rated it:").textContent()).toContain("Cooperation");
    expect(await tea.getByText("The record suggests").count()).toBe(1);
    await lib.reload();
    await expect.poll(() => lib.locator(".cp-side-by-side").textContent()).toContain("Give every team a kit");
    // Agreement: the teacher first proposes another facet, then both pick the same.
    await tea.locator("[data-facet=integrated_instruction]").click();
    await lib.locator("[data-facet=cooperation]").click();
    await expect.poll(() => lib.locator(".cp-agreed").count()).toBe(0);
    await tea.locator("[data-facet=cooperation]").click();
    await expect.poll(() => tea.locator(".cp-agreed").textContent()).toBe("You agreed: Cooperation.");
    await tea.screenshot({ path: `${artifacts}/reflection-revealed-laptop.png`, fullPage: true });

    // The next unit shows both partners' action items.
    await newUnit(lib, "After the reflection");
    const carried = lib.locator(".cp-carried");
    await expect.poll(() => carried.textContent()).toContain("Plan the database lesson a week earlier");
    expect(await carried.textContent()).toContain("Give every team a kit");
    await carried.getByLabel("Give every team a kit").check();
    await lib.context().close();
    await tea.context().close();
  });
});
