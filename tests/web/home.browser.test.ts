// The home page's unit cards (issue #3): each card shows what /api/units says about the unit (title,
// partner, grade and subject, phase, last edit) and who is in the unit now; archiving hides a unit
// until "Show archived units" is ticked, and unarchiving brings it back.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { newUnit, openFirstUnit, signedInPage, useBrowser } from "./browser";
import { baseUrl, signIn } from "./helpers";

const browser = useBrowser();

async function unitsOf(cookie: string): Promise<any[]> {
  const r = await fetch(baseUrl() + "/api/units", { headers: { cookie } });
  return (await r.json()).units;
}

const card = (page: Page, id: string) => page.locator(`.cp-unit-card[data-unit="${id}"]`);

describe("home page", () => {
  it("shows each unit's facts and who is in it now, and hides archived units until asked", async () => {
    const cookie = await signIn("teacher");
    const demo = (await unitsOf(cookie)).find((u) => u.title === "Is our creek water safe?");
    const librarian = demo.members.find((m: any) => m.role === "librarian");
    const tea = await signedInPage(browser, "teacher");

    const demoCard = card(tea, demo.id);
    await expect.poll(() => demoCard.getByRole("link").textContent()).toBe(demo.title);
    const text = (await demoCard.textContent()) ?? "";
    expect(text).toContain(`With ${librarian.name} (Librarian)`);
    if (demo.grade) expect(text).toContain(`Grade ${demo.grade}`);
    if (demo.subject) expect(text).toContain(demo.subject);
    expect(text).toContain("Last edit");
    expect(await demoCard.locator(".cp-badge").getAttribute("class")).toContain(`cp-phase-${demo.phase}`);

    // The librarian opens the unit: the teacher's home says so (it refreshes on its own).
    const lib = await signedInPage(browser, "librarian");
    await openFirstUnit(lib);
    await expect.poll(async () => (await demoCard.locator(".cp-online").textContent()) ?? "", { timeout: 40_000 })
      .toContain(`${librarian.name} in it now`);
    await lib.context().close();

    // Archive a unit of her own: hidden, then shown with "Archived" when asked, then unarchived.
    const path = await newUnit(tea, "Home card archive test");
    const id = path.split("/").pop()!;
    await tea.goto(baseUrl() + "/");
    const mine = card(tea, id);
    await mine.getByRole("button", { name: "Archive" }).click();
    await expect.poll(() => mine.count()).toBe(0);
    expect((await unitsOf(cookie)).find((u) => u.id === id).archived).toBe(true);
    await tea.getByLabel("Show archived units").check();
    await expect.poll(() => mine.count()).toBe(1);
    expect(await mine.textContent()).toContain("Archived");
    await mine.getByRole("button", { name: "Unarchive" }).click();
    await tea.getByLabel("Show archived units").uncheck();
    await expect.poll(() => mine.count()).toBe(1);
    expect((await unitsOf(cookie)).find((u) => u.id === id).archived).toBe(false);
    await tea.context().close();
  });
});
