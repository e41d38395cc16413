// Browser test of reflection: the reflection is waiting once the unit enters the reflect phase
// (its protocol changeable until someone answers); both partners reflect privately, the answers
// are revealed side by side when both have submitted, they agree on a facet, and a "Now what?"
// line shows up in their next unit. A draft written to a protocol the partner changed before it was
// saved stays on the page, and a draft that never reached the server survives a reload. The
// history page names the reflect phase.
import { describe, expect, it } from "vitest";
import type { Page, Route } from "playwright-core";
import { artifacts, axeViolations, signedInPage, useBrowser } from "./browser";

const browser = useBrowser();

async function newUnit(page: Page, title: string) {
  await page.goto(new URL("/", page.url()).href);
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
}

/** Opens the unit's reflection on `lib`'s page, moving the unit to the reflect phase first. */
async function toReflect(lib: Page): Promise<string> {
  for (const next of ["Teach", "Assess", "Reflect"]) await lib.getByRole("button", { name: `Move the unit to ${next}` }).click();
  await expect.poll(() => lib.evaluate(() => (window as any).coplan.unconfirmed())).toBe(0);
  const unitPath = new URL(lib.url()).pathname;
  await lib.getByRole("link", { name: "Open your reflection" }).click();
  await lib.getByLabel(/^What\? Describe what happened/).waitFor();
  return unitPath;
}

describe("reflection", () => {
  it("is private until both submit, then revealed, agreed, and carried into the next unit", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    for (const p of [lib, tea]) p.on("dialog", (d) => d.accept());
    await newUnit(lib, "Reflection test");
    // Entering the reflect phase opened the reflection: it is waiting, with the default protocol.
    const unitPath = await toReflect(lib);
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
  // Regression (reflection draft loss): the teacher was typing answers when the librarian switched
  // the protocol (allowed, since nobody had answered yet). Her next save was refused as a bad
  // request, the page kept saying it could not save, and what she had typed never reached the
  // server. Now the save is refused as protocol_changed and her page shows the new protocol's
  // prompts with her text kept beside them, across a reload too.
  it("keeps what a partner typed when the other switches the protocol before it is saved", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher", { bypassCSP: true });
    for (const p of [lib, tea]) p.on("dialog", (d) => d.accept());
    await newUnit(lib, "Protocol switched while typing");
    const unitPath = await toReflect(lib);
    await tea.goto(new URL(unitPath + "/reflect", tea.url()).href);
    await tea.getByLabel(/^What\? Describe what happened/).waitFor();

    // The teacher's save is held on the way to the server while the librarian switches.
    let release!: () => void;
    const held = new Promise<void>((ok) => (release = ok));
    const saves: number[] = [];
    const hold = async (route: Route) => {
      if (route.request().method() !== "POST") return route.continue();
      await held;
      const res = await route.fetch();
      saves.push(res.status());
      await route.fulfill({ response: res });
    };
    await tea.route("**/api/units/*/reflections/*", hold);
    const typed = "Two teams ran out of time at the testing station.";
    await tea.getByLabel(/^What\? Describe what happened/).fill(typed);
    await tea.getByLabel(/^Now what\?/).fill("Start the water tests on day one");
    await lib.locator(".cp-change-protocol").getByLabel(/^Plus\/Delta/).check();
    await lib.getByRole("button", { name: "Use this protocol" }).click();
    await lib.getByLabel(/^Plus: what worked/).waitFor();
    release();

    // Refused (nothing saved), and the teacher now has Plus/Delta with her text beside it.
    await tea.getByLabel(/^Plus: what worked/).waitFor();
    expect(saves).toContain(409);
    const kept = tea.locator(".cp-unsaved-text");
    await expect.poll(() => kept.textContent()).toContain(typed);
    expect(await kept.textContent()).toContain("Start the water tests on day one");
    expect(await kept.textContent()).toContain("switched to Plus/Delta");
    expect(await kept.textContent()).toContain("copy what you want into the new prompts");
    expect(await axeViolations(tea)).toEqual([]);
    await tea.screenshot({ path: `${artifacts}/reflection-protocol-switched-laptop.png`, fullPage: true });
    await tea.unroute("**/api/units/*/reflections/*", hold);
    // Still there after a reload (kept in this browser until she says she has copied it).
    await tea.reload();
    await tea.getByLabel(/^Plus: what worked/).waitFor();
    await expect.poll(() => tea.locator(".cp-unsaved-text").textContent()).toContain(typed);
    // She copies it into the new prompts, the draft saves, and she dismisses the kept text.
    await tea.getByLabel(/^Plus: what worked/).fill(typed);
    await expect.poll(() => tea.locator(".cp-reflection-form [role=status]").textContent()).toContain("Draft saved");
    await tea.getByRole("button", { name: "I have copied what I need" }).click();
    await expect.poll(() => tea.locator(".cp-unsaved-text").count()).toBe(0);
    await tea.reload();
    await expect.poll(() => tea.getByLabel(/^Plus: what worked/).inputValue()).toBe(typed);
    expect(await tea.locator(".cp-unsaved-text").count()).toBe(0);
    await lib.context().close();
    await tea.context().close();
  });

  // Regression (history page showed a reflecting unit as "Co-plan"): the page looked the unit's
  // phase up among the template's tabs, which stop at assess, and fell back to the first tab.
  it("history page shows the reflect phase's label for a unit in the reflect phase", async () => {
    const lib = await signedInPage(browser, "librarian");
    lib.on("dialog", (d) => d.accept());
    await newUnit(lib, "History of a reflecting unit");
    const unitPath = await toReflect(lib);
    await lib.goto(new URL(unitPath + "/history", lib.url()).href);
    const phase = lib.locator('.cp-past-field[data-field="phase"]');
    await expect.poll(() => phase.textContent()).toContain("Phase: Reflect");
    expect(await phase.textContent()).not.toContain("Co-plan");
    await lib.context().close();
  });

  it("keeps a draft that has not reached the server in the browser across a reload", async () => {
    const lib = await signedInPage(browser, "librarian");
    lib.on("dialog", (d) => d.accept());
    await newUnit(lib, "Draft kept across a reload");
    await toReflect(lib);
    // The server cannot be reached for saves: the draft stays in the page and in the browser.
    const fail = (route: Route) => (route.request().method() === "POST" ? route.abort() : route.continue());
    await lib.route("**/api/units/*/reflections/*", fail);
    const typed = "The creek walk mattered more than the worksheet.";
    await lib.getByLabel(/^What\? Describe what happened/).fill(typed);
    await expect.poll(() => lib.locator(".cp-reflection-form [role=status]").textContent()).toContain("Could not save");
    await lib.unroute("**/api/units/*/reflections/*", fail);
    await lib.reload();
    await expect.poll(() => lib.getByLabel(/^What\? Describe what happened/).inputValue()).toBe(typed);
    // …and it is saved to the server from there.
    await expect.poll(() => lib.locator(".cp-reflection-form [role=status]").textContent()).toContain("Draft saved");
    const onServer = await lib.evaluate(async (unit) => {
      const { reflections } = await (await fetch(`/api/units/${unit}/reflections`)).json();
      return reflections.find((r: any) => r.kind === "unit").me.answers.what?.text;
    }, new URL(lib.url()).pathname.split("/")[2]);
    expect(onServer).toBe(typed);
    await lib.context().close();
  });
});
