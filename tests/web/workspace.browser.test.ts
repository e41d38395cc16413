// Browser tests of the workspace with two partners in two browser contexts: units from every
// template; lessons added and reordered (drag and keyboard) while the partner edits one; an
// approach, standards, a discussion resolved; a network cut during which both keep typing.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { inject } from "vitest";
import { signedInPage, unitState, useBrowser, waitSaved } from "./browser";
import { CuttableProxy } from "./proxy";

const browser = useBrowser();

async function createUnit(page: Page, title: string, templateName: string): Promise<string> {
  await page.goto(new URL("/", page.url()).href);
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel(templateName).check();
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
  return new URL(page.url()).pathname;
}

async function openUnit(page: Page, path: string, base?: string) {
  await page.goto((base ?? new URL("/", page.url()).origin) + path);
  await page.waitForSelector("main[data-ready=true]");
}

const lessonTitles = (p: Page) =>
  p.evaluate(() => {
    const c = (window as any).coplan;
    return c.structure.view().lists.lessons.filter((l: any) => !l.removed).map((l: any) => c.peers.get(`${l.id}.title`).text);
  });

describe("the workspace, with two partners", () => {
  it("creates a unit from each template", async () => {
    const lib = await signedInPage(browser, "librarian");
    for (const [name, expected] of [
      ["Understanding by Design unit", "Stage 1 — Desired results"],
      ["Co-taught lesson", "Reading comprehension strategy"],
      ["Quick planning form", "Meeting times"],
    ]) {
      await createUnit(lib, `Made from ${name}`, name);
      await expect.poll(() => lib.getByText(expected, { exact: true }).count()).toBeGreaterThan(0);
      expect(await lib.locator(".cp-title input").inputValue()).toBe(`Made from ${name}`);
      expect(await lib.getByRole("tab").allTextContents()).toEqual(["Co-plan", "Co-teach", "Co-assess", "Reflect"]);
    }
    await lib.goto(new URL("/", lib.url()).href);
    for (const name of ["Understanding by Design unit", "Co-taught lesson", "Quick planning form"])
      await expect.poll(() => lib.getByRole("link", { name: `Made from ${name}` }).count()).toBe(1);
    await lib.context().close();
  });

  it("adds and reorders lessons while the partner edits one, sets approaches and standards, discusses", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    const path = await createUnit(lib, "Workspace test", "Understanding by Design unit");
    await openUnit(tea, path);

    // The librarian adds three lessons and names them.
    for (const title of ["One", "Two", "Three"]) {
      await lib.getByRole("button", { name: "+ Add lesson" }).click();
      await lib.keyboard.type(title);
    }
    await waitSaved(lib);
    await expect.poll(() => lessonTitles(tea)).toEqual(["One", "Two", "Three"]);

    // The teacher writes lesson Two's objectives while the librarian reorders the lessons.
    const objectives = "Students compare two sources and explain which is more reliable.";
    const twoObjectives = tea.locator(".cp-block", { hasText: "Two" }).locator(".cp-text", { hasText: "Objectives" }).locator(".cm-content");
    await twoObjectives.click();
    const typing = tea.keyboard.type(objectives, { delay: 25 });
    // Drag Three above Two…
    const card = (title: string) =>
      lib.locator("#panel-plan [data-list=lessons] .cp-block").filter({ has: lib.locator(".cm-content", { hasText: new RegExp(`^${title}$`) }) });
    await card("Three").locator(".cp-drag").dragTo(card("Two"), { targetPosition: { x: 50, y: 5 } });
    await expect.poll(() => lessonTitles(lib)).toEqual(["One", "Three", "Two"]);
    // …then move One down from the keyboard (Alt+ArrowDown inside the lesson) twice.
    await card("One").locator(".cm-content").first().click();
    await lib.keyboard.press("Alt+ArrowDown");
    await expect.poll(() => lessonTitles(lib)).toEqual(["Three", "One", "Two"]);
    await lib.keyboard.press("Alt+ArrowDown");
    await expect.poll(() => lessonTitles(lib)).toEqual(["Three", "Two", "One"]);
    await typing;
    await waitSaved(lib);
    await waitSaved(tea);
    await expect.poll(() => lessonTitles(tea)).toEqual(["Three", "Two", "One"]);
    const two = await tea.evaluate(() => {
      const c = (window as any).coplan;
      const l = c.structure.view().lists.lessons.find((x: any) => c.peers.get(`${x.id}.title`).text === "Two");
      return c.peers.get(`${l.id}.objectives`).text;
    });
    expect(two).toBe(objectives);

    // The librarian sets the beginning approach of the first lesson in the teach tab.
    await lib.getByRole("tab", { name: "Co-teach" }).click();
    await lib.locator("#panel-teach .cp-block").first().locator("fieldset", { hasText: "Beginning" }).getByLabel("Co-teaching approach").selectOption("station");
    // The teacher picks two learner standards.
    await tea.getByText("Choose standards").click();
    await tea.getByLabel("I.A.1", { exact: true }).check();
    await tea.getByLabel("IV.B.3", { exact: true }).check();
    await expect.poll(() => lib.locator(".cp-covered").textContent()).toBe("Covered: I.A.1, IV.B.3");

    // A discussion on Stage 2: started by the librarian, answered by the teacher, resolved.
    await lib.getByRole("tab", { name: "Co-plan" }).click();
    const stage2 = (p: Page) => p.locator("[data-section=stage2]");
    await stage2(lib).getByRole("button", { name: "Discuss" }).click();
    await stage2(lib).getByLabel(/Start a discussion/).fill("Should the rubric have a row for citing sources?");
    await stage2(lib).getByRole("button", { name: "Post" }).click();
    await expect.poll(() => stage2(tea).locator(".cp-comments-toggle").textContent()).toBe("Discussion (1 open)");
    await stage2(tea).locator(".cp-comments-toggle").click();
    await stage2(tea).getByLabel("Reply").fill("Yes — I will draft it.");
    await stage2(tea).getByRole("button", { name: "Reply", exact: true }).click();
    await expect.poll(() => stage2(lib).locator(".cp-reply").textContent()).toContain("Yes — I will draft it.");
    await stage2(lib).getByRole("button", { name: "Resolve" }).click();
    await expect.poll(() => stage2(tea).locator(".cp-resolved-note").textContent()).toContain("Resolved by Maya Okafor");

    // Both partners end with the same unit.
    await waitSaved(lib);
    await waitSaved(tea);
    await expect.poll(async () => JSON.stringify(await unitState(tea))).toBe(JSON.stringify(await unitState(lib)));
    const s = (await unitState(lib)).structure;
    expect(s.values.aasl).toEqual(["I.A.1", "IV.B.3"]);
    expect(s.lists.lessons.filter((l: any) => !l.removed)[0].values.begin_approach).toBe("station");
    expect(s.comments.map((c: any) => c.text)).toEqual(["Should the rubric have a row for citing sources?", "Yes — I will draft it."]);
    await lib.context().close();
    await tea.context().close();
  });

  it("keeps typing through a network cut and loses nothing", async () => {
    const proxy = new CuttableProxy(Number(new URL(inject("baseUrl")).port));
    const proxied = `http://127.0.0.1:${await proxy.start()}`;
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher", { base: proxied });
    const path = await createUnit(lib, "Network cut test", "Understanding by Design unit");
    await openUnit(tea, path, proxied);
    const field = (p: Page) => p.locator('[data-stream="unit.knowledge"] .cm-content');
    const text = (p: Page) => p.evaluate(() => (window as any).coplan.peers.get("unit.knowledge").text as string);

    await field(tea).click();
    await tea.keyboard.type("Before the cut. ");
    await waitSaved(tea);
    proxy.setCut(true);
    await expect.poll(() => tea.locator(".cp-status").textContent(), { timeout: 10_000 }).toMatch(/^Offline/);
    // Both keep typing: the teacher offline, the librarian online, in the same field.
    const offline = ["Water cycle vocabulary. ", "How filters work. ", "Reading a data table. "];
    const online = ["Evaluating a source. ", "Citing a database. "];
    await field(lib).click();
    await lib.keyboard.press("Control+End");
    for (let i = 0; i < 3; i++) {
      await tea.keyboard.type(offline[i], { delay: 10 });
      if (online[i]) await lib.keyboard.type(online[i], { delay: 10 });
    }
    await expect.poll(() => tea.locator(".cp-status").textContent()).toMatch(/^Offline — \d+ unsaved changes? kept here/);
    expect(await tea.evaluate(() => (window as any).coplan.unconfirmed())).toBeGreaterThan(0);
    await tea.waitForTimeout(1500);
    proxy.setCut(false);
    await waitSaved(tea, 30_000);
    await waitSaved(lib);
    await expect.poll(async () => (await text(tea)) === (await text(lib)), { timeout: 20_000 }).toBe(true);
    const final = await text(lib);
    for (const piece of ["Before the cut. ", ...offline, ...online]) expect(final).toContain(piece);
    expect(final.length).toBe(["Before the cut. ", ...offline, ...online].join("").length);
    await lib.context().close();
    await tea.context().close();
    await proxy.close();
  });
});
