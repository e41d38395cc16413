// Browser test of the unit's phases, in two browser contexts: every phase is a tab (plan, teach,
// assess, reflect); the librarian moves the unit from plan to teach, the teacher from teach to
// assess, and both see both moves in order, each with who made it (in their colour) and when, in
// the browser's own time zone, as the server's history records them (GET /history "phases"). The
// reflect tab says where the reflection stands and links to it.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { artifacts, newUnit, openUnit, signedInPage, useBrowser, waitSaved } from "./browser";
import { baseUrl } from "./helpers";

const browser = useBrowser();

/** The phase changes a page lists: the sentence, the name's colour class, and the time shown. */
const changes = (p: Page) =>
  p.locator(".cp-phase-history:not([hidden]) .cp-phase-changes li").evaluateAll((items) =>
    items.map((li) => ({
      text: li.textContent!.replace(/ · .*$/, ""),
      color: li.querySelector("strong")!.className,
      datetime: li.querySelector("time")!.getAttribute("datetime"),
      shown: li.querySelector("time")!.textContent,
    })),
  );

/** The server's record of the moves, with the times as this browser writes them in its own zone. */
const recorded = (p: Page, unit: string) =>
  p.evaluate(async (unit) => {
    const { phases } = await (await fetch(`/api/units/${unit}/history`)).json();
    return phases.map((c: any) => ({
      ...c,
      datetime: new Date(c.time).toISOString(),
      shown: new Date(c.time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }),
      auckland: new Date(c.time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: "Pacific/Auckland" }),
    }));
  }, unit);

describe("phases", () => {
  it("lists who moved the unit from which phase to which, and when, for both partners", async () => {
    // The teacher's browser is on the other side of the world: times are shown in each one's own zone.
    const lib = await signedInPage(browser, "librarian", { timezoneId: "America/Chicago" });
    const tea = await signedInPage(browser, "teacher", { timezoneId: "Pacific/Auckland" });
    const path = await newUnit(lib, "Phase moves");
    const unit = path.split("/").pop()!;
    await openUnit(tea, path);
    const ids = await lib.evaluate(() => Object.fromEntries((window as any).coplan.members.map((m: any) => [m.role, m.id])));

    // Every phase is a tab; nothing has moved yet.
    for (const p of [lib, tea]) {
      expect(await p.getByRole("tab").allTextContents()).toEqual(["Co-plan", "Co-teach", "Co-assess", "Reflect"]);
      expect(await changes(p)).toEqual([]);
    }

    await lib.getByRole("button", { name: "Move the unit to Teach" }).click();
    await expect.poll(() => tea.locator(".cp-phase strong").textContent()).toBe("Teach");
    await tea.getByRole("button", { name: "Move the unit to Assess" }).click();
    await waitSaved(tea);
    await expect.poll(() => recorded(lib, unit).then((r) => r.length)).toBe(2);

    const moves = [
      { text: "Maya Okafor moved the unit from Plan to Teach", color: "cp-swatch-teal" },
      { text: "Daniel Reyes moved the unit from Teach to Assess", color: "cp-swatch-violet" },
    ];
    for (const p of [lib, tea]) {
      const r = await recorded(p, unit);
      expect(r.map((c: any) => [c.author, c.from, c.to])).toEqual([[ids.librarian, null, "teach"], [ids.teacher, "teach", "assess"]]);
      await expect.poll(() => changes(p)).toEqual(moves.map((m, i) => ({ ...m, datetime: r[i].datetime, shown: r[i].shown })));
      expect(await p.locator(".cp-phase").textContent()).toBe("Phase: Assess");
    }
    // The two zones really differ: the teacher's page shows Auckland's time, the librarian's Chicago's.
    const teaTimes = await tea.locator(".cp-phase-changes time").allTextContents();
    expect(teaTimes).toEqual((await recorded(tea, unit)).map((c: any) => c.auckland));
    expect(teaTimes).not.toEqual(await lib.locator(".cp-phase-changes time").allTextContents());
    await lib.screenshot({ path: `${artifacts}/unit-phase-changes-laptop.png` });

    // A page opened afresh lists them from the server too.
    await lib.reload();
    await lib.waitForSelector("main[data-ready=true]");
    await expect.poll(() => changes(lib).then((c) => c.map((x) => x.text))).toEqual(moves.map((m) => m.text));

    // The reflect tab: what reflecting is, where the reflection stands, and the way to it.
    await lib.getByRole("tab", { name: "Reflect" }).click();
    const panel = lib.getByRole("tabpanel", { name: "Reflect" });
    await expect.poll(() => panel.locator(".cp-reflect-state").textContent()).toBe("Your reflection opens when the unit moves to Reflect.");
    // The teacher leaves the unit (her browser keeps its copy, in the assess phase) before the move.
    await tea.goto(baseUrl() + "/");
    await tea.waitForSelector(".cp-unit-card a");
    await lib.getByRole("button", { name: "Move the unit to Reflect" }).click();
    await expect.poll(() => panel.locator(".cp-reflect-state").textContent()).toBe(
      "Your reflection is waiting for your answers. Daniel Reyes has not submitted yet.",
    );
    await waitSaved(lib);
    // Opened in the reflect phase, the page shows the reflect tab: also when it first opens from
    // the copy the browser kept, which is still in the assess phase. Regression: it stayed on
    // Co-assess (seen in CI after a reload, when the kept copy lagged behind).
    await openUnit(tea, path);
    await tea.waitForSelector("main[data-ready=true]");
    await expect.poll(() => tea.getByRole("tab", { selected: true }).textContent()).toBe("Reflect");
    await expect.poll(() => changes(tea).then((c) => c.length)).toBe(3);
    expect((await changes(tea))[2].text).toBe("Maya Okafor moved the unit from Assess to Reflect");
    await tea.reload();
    await tea.waitForSelector("main[data-ready=true]");
    await expect.poll(() => tea.getByRole("tab", { selected: true }).textContent()).toBe("Reflect");
    await panel.getByRole("link", { name: "Go to the reflection page" }).click();
    await lib.waitForURL(`**${path}/reflect`);
    await lib.context().close();
    await tea.context().close();
  });
});
