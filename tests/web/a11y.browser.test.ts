// Accessibility and screenshots: axe-core on every page of the app (no serious or critical
// violations), and screenshots of the main pages at laptop and tablet sizes for people to look at.
// The pages come from the client's own route table (web/src/routes.ts): each route needs a visit
// below, so a page added to the app without one fails this test.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";
import { routes, type RouteName } from "../../web/src/routes";
import { artifacts, axeViolations, openFirstUnit, signedInPage, useBrowser, waitSaved } from "./browser";
import { baseUrl } from "./helpers";

const browser = useBrowser();
let lib: Page; // the librarian, signed in, allowed to inject axe-core (bypassCSP)
let tea: Page; // the teacher, likewise
let admin: Page; // an administrator (also sees the school summary)
let demoPath = ""; // the demo unit
let unitPath = ""; // a unit of this test's own, with a lesson, for the reflection and student notes
let lessonId = "";

const adminUser = { username: "axe-admin", password: "eleven pipers piping" };

beforeAll(async () => {
  const bin = resolve(import.meta.dirname, "../..", process.env.COPLAN_BIN ?? "build/release/coplan");
  execFileSync(bin, ["user", "add", "--data-dir", inject("dataDir"), "--username", adminUser.username, "--name", "Axel Admin", "--role", "admin"],
    { input: adminUser.password + "\n" });
  lib = await signedInPage(browser, "librarian", { bypassCSP: true });
  tea = await signedInPage(browser, "teacher", { bypassCSP: true });
  admin = await signedInPage(browser, adminUser.username, { bypassCSP: true, password: adminUser.password, waitFor: ".cp-home" });
  await openFirstUnit(lib);
  demoPath = new URL(lib.url()).pathname;
  await lib.goto(baseUrl() + "/");
  await lib.getByRole("button", { name: "+ New unit" }).click();
  await lib.getByLabel("Title", { exact: true }).fill("Accessibility check");
  await lib.getByRole("button", { name: "Create and open" }).click();
  await lib.waitForSelector("main[data-ready=true]");
  unitPath = new URL(lib.url()).pathname;
  await lib.getByRole("button", { name: "+ Add lesson" }).click();
  await lib.keyboard.type("Finding sources");
  await waitSaved(lib);
  lessonId = await lib.evaluate(() => (window as any).coplan.structure.view().lists.lessons[0].id);
});
afterAll(async () => {
  for (const p of [lib, tea, admin]) await p?.context().close();
});

async function expectAccessible(page: Page, what: string) {
  const found = await axeViolations(page);
  expect(found, `${what}: ${JSON.stringify(found, null, 1)}`).toEqual([]);
}

/** Goes to a path and waits for the page to be drawn. */
async function open(page: Page, path: string, ready: string) {
  await page.goto(baseUrl() + path);
  await page.waitForSelector(ready);
}

/** How to reach each page, and the states of it worth checking. Each returns the page it left on
 * the route, which the test then checks for its path and title and runs axe-core on; `check`
 * runs axe-core on states before that. */
type Visit = (check: (page: Page, what: string) => Promise<void>) => Promise<Page>;
const visits: Record<RouteName, Visit> = {
  signin: async (check) => {
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await open(page, "/signin", "form.cp-signin");
    await page.getByLabel("Username").fill("librarian");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".cp-error").textContent()).not.toBe("");
    await check(page, "sign-in with an error");
    return open(page, "/signin", "form.cp-signin").then(() => page);
  },
  invite: async (check) => {
    const link: string = await lib.evaluate(async (unit) => {
      const r = await fetch(`/api/units/${unit}/invitations`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"role":"teacher"}' });
      return (await r.json()).link;
    }, unitPath.split("/")[2]);
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await open(page, "/invite/not-a-real-invitation", "h1");
    await check(page, "an invitation that cannot be used");
    await open(tea, link, "text=Join the unit");
    await check(tea, "an invitation, signed in");
    await open(page, link, "form.cp-signin");
    return page;
  },
  home: async (check) => {
    await open(lib, "/", ".cp-unit-card a");
    await lib.getByRole("button", { name: "+ New unit" }).click();
    await check(lib, "home with the new-unit form");
    await lib.getByRole("button", { name: "Change password" }).click();
    await check(lib, "home with the password form");
    await open(lib, "/", ".cp-unit-card a");
    await lib.getByLabel("Show archived units").check();
    return lib;
  },
  unit: async (check) => {
    await open(lib, demoPath, "main[data-ready=true]");
    for (const tab of ["Co-teach", "Co-assess", "Reflect", "Co-plan"]) {
      await lib.getByRole("tab", { name: tab }).click();
      await check(lib, `unit, ${tab}`);
    }
    await lib.locator("[data-section=stage1] .cp-comments-toggle").click();
    await lib.getByText("Choose standards").click();
    await lib.locator("[data-section=stage1]").getByRole("button", { name: "Tag expertise" }).click();
    await check(lib, "unit with a discussion, the standards and the tag form open");
    await lib.getByRole("button", { name: "Invite" }).click();
    await lib.getByLabel(/Who and when/).check();
    await check(lib, "unit with the invitation form and the blame view");
    // Student notes, in the co-assess tab of this test's own unit.
    await open(lib, unitPath, "main[data-ready=true]");
    await lib.getByRole("tab", { name: "Co-assess" }).click();
    await lib.locator("[data-action=student-notes-toggle]").check();
    await lib.getByLabel("New student note").fill("Needs a larger print copy.");
    await lib.locator("[data-action=add-student-note]").click();
    await expect.poll(() => lib.locator(".cp-note-list li").count()).toBe(1);
    await check(lib, "unit, co-assess with student notes");
    // A lesson removed: the toast with its Undo button, focused.
    await lib.getByRole("tab", { name: "Co-plan" }).click();
    await lib.getByRole("button", { name: "+ Add lesson" }).click();
    await lib.keyboard.type("Spare");
    await lib.locator("#panel-plan [data-list=lessons] .cp-block").last().getByRole("button", { name: "Remove" }).click();
    await lib.waitForSelector(".toast button:focus");
    await check(lib, "unit with a lesson removed and Undo offered");
    await lib.keyboard.press("Escape");
    return lib;
  },
  history: async () => {
    await open(lib, demoPath + "/history", ".cp-past-text");
    return lib;
  },
  contributions: async () => {
    await open(lib, demoPath + "/contributions", ".cp-partner-card");
    return lib;
  },
  reflect: async (check) => {
    const path = unitPath + "/reflect";
    await open(lib, path, ".cp-start-reflection, .cp-reflection-form");
    if (await lib.locator(".cp-start-reflection").count()) {
      await check(lib, "reflection, choosing a protocol");
      await lib.getByRole("button", { name: "Start the reflection" }).click();
      await lib.waitForSelector(".cp-reflection-form");
    }
    await check(lib, "reflection, answering");
    // Both submit (through the API, as the page would): the answers are revealed side by side.
    for (const p of [lib, tea])
      await p.evaluate(async (unit) => {
        const { reflections } = await (await fetch(`/api/units/${unit}/reflections`)).json();
        const r = reflections.find((x: any) => x.kind === "unit");
        const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        await post(`/api/units/${unit}/reflections/${r.id}`, { protocol: r.protocol, answers: Object.fromEntries(r.me.prompts.map((q: any) => [q.id, { text: "We shared the lead." }])), facet: "cooperation" });
        await post(`/api/units/${unit}/reflections/${r.id}/submit`, {});
      }, unitPath.split("/")[2]);
    await open(lib, path, ".cp-side-by-side");
    await check(lib, "reflection, revealed");
    await open(lib, `${path}?checkin=${lessonId}`, `[data-reflection] .cp-reflection-form`);
    return lib;
  },
  log: async () => {
    await open(lib, "/log", ".cp-log-table");
    return lib;
  },
  report: async () => {
    await open(lib, "/log/report", ".cp-report-units tbody tr");
    return lib;
  },
  admin: async () => {
    await open(admin, "/admin", ".cp-admin-users");
    return admin;
  },
  coordinator: async () => {
    await open(admin, "/coordinator", "h1:has-text('School summary')");
    return admin;
  },
};

describe("accessibility (axe-core) and screenshots", () => {
  it("has a visit for every page the client routes to", () => {
    expect(Object.keys(visits).sort()).toEqual(routes.map((r) => r.name).sort());
  });

  for (const route of routes)
    it(`has no serious or critical violations: ${route.name} page`, async () => {
      const page = await visits[route.name](expectAccessible);
      // It really is the page of this route (not home or sign-in in its place).
      expect(new URL(page.url()).pathname).toMatch(route.path);
      expect(await page.title()).toBe(`${route.title} · Coplan`);
      await expectAccessible(page, `${route.name} page`);
      if (page !== lib && page !== tea && page !== admin) await page.context().close();
    });

  it("writes screenshots at laptop and tablet sizes, and nothing is wider than the window", async () => {
    /** Screenshots the page; first checks that nothing on it needs scrolling sideways. */
    const shoot = async (page: Page, file: string) => {
      const { width, widest } = await page.evaluate(() => ({ width: innerWidth, widest: document.documentElement.scrollWidth }));
      expect(widest, `${file} is wider than the window`).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `${artifacts}/${file}` });
    };
    for (const [name, viewport, hasTouch] of [
      ["laptop", { width: 1366, height: 850 }, false],
      ["tablet", { width: 820, height: 1180 }, true],
    ] as const) {
      const lib = await signedInPage(browser, "librarian", { viewport, hasTouch });
      await shoot(lib, `home-${name}.png`);
      const tea = await signedInPage(browser, "teacher", { viewport, hasTouch });
      await openFirstUnit(lib);
      await openFirstUnit(tea);
      await tea.locator('[data-stream="unit.understandings"] .cm-content').click();
      await tea.keyboard.press("Control+End");
      await tea.keyboard.type(" Students test their claims against data.");
      await lib.waitForTimeout(600);
      // The field she is typing in, her caret and name in it, in the middle of the window.
      await lib.locator('[data-stream="unit.understandings"]').evaluate((e) => e.scrollIntoView({ block: "center" }));
      await shoot(lib, `unit-plan-${name}.png`);
      // The lesson sequence from its heading (below the sticky top bar).
      await lib.locator("#panel-plan [data-list=lessons]").evaluate((e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 130));
      await shoot(lib, `unit-lessons-${name}.png`);
      await lib.evaluate(() => window.scrollTo(0, 0));
      await lib.getByRole("tab", { name: "Co-teach" }).click();
      await shoot(lib, `unit-teach-${name}.png`);
      await lib.getByRole("tab", { name: "Reflect" }).click();
      await lib.locator("#panel-reflect .cp-reflect-state:not(:empty)").waitFor();
      await shoot(lib, `unit-reflect-tab-${name}.png`);
      // The record of the demo unit, and this test's own unit's reflection (revealed by now).
      await open(lib, demoPath + "/history", ".cp-past-text");
      await shoot(lib, `history-${name}.png`);
      await open(lib, demoPath + "/contributions", ".cp-partner-card");
      await shoot(lib, `contributions-${name}.png`);
      await open(lib, unitPath + "/reflect", ".cp-reflection");
      await shoot(lib, `reflect-${name}.png`);
      await lib.context().close();
      await tea.context().close();
    }
  });
});
