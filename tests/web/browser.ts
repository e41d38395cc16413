// Playwright (playwright-core) on Debian's Chromium: launching it with the flags this machine
// needs, and signing a partner in through the real sign-in page.
import { chromium, type Browser, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { baseUrl } from "./helpers";

export const artifacts = resolve(import.meta.dirname, "artifacts");
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
mkdirSync(artifacts, { recursive: true });

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * The test file's browser: launched before its first test and closed after its last (the file's
 * own afterAll hooks run first). Used as a Browser; touching it outside a test or hook throws.
 */
export function useBrowser(): Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return new Proxy({} as Browser, {
    get(_, key) {
      if (!browser) throw new Error("the browser is launched in beforeAll: use it inside a test or hook");
      const value = Reflect.get(browser, key, browser);
      return typeof value === "function" ? value.bind(browser) : value;
    },
  });
}

export async function signedInPage(
  browser: Browser,
  username: string,
  opts: { viewport?: { width: number; height: number }; base?: string; bypassCSP?: boolean; password?: string; waitFor?: string; timezoneId?: string; hasTouch?: boolean } = {},
): Promise<Page> {
  // bypassCSP only lets the accessibility test inject axe-core; every other test runs under the CSP.
  // timezoneId (an IANA name) sets the browser's time zone, for what depends on the viewer's day.
  // hasTouch makes a touch device (a tablet): taps, no hover.
  const ctx = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 900 }, bypassCSP: opts.bypassCSP, timezoneId: opts.timezoneId, hasTouch: opts.hasTouch });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.error(`[${username}] page error: ${e.message}`));
  await page.goto((opts.base ?? baseUrl()) + "/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(opts.password ?? "coplan-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector(opts.waitFor ?? ".cp-unit-card a");
  return page;
}

/** Runs axe-core (WCAG 2.1 A/AA rules and best practices) and returns serious and critical violations. */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axePath });
  const run = () => page.evaluate(async () => {
    const r = await (window as any).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")) }));
  });
  // A live page (presence, the save status, the online list) can remove a node while axe is still
  // describing it, and axe then throws instead of reporting (seen in CI: "reading 'nthChild'").
  // That is axe failing, not a finding: run it again; violations are never retried away.
  let result: { id: string; impact: string; help: string; nodes: string[] }[] | undefined;
  for (let attempt = 1; !result; attempt++) {
    try {
      result = await run();
    } catch (e) {
      if (attempt >= 3 || !`${(e as Error)?.stack ?? e}`.includes("axe")) throw e;
      await page.waitForTimeout(300);
    }
  }
  return result.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
}

/** The unit's state as one page sees it: structure (without pending commands) and every text. */
export async function unitState(page: Page): Promise<{ structure: any; texts: Record<string, string> }> {
  return page.evaluate(() => {
    const c = (window as any).coplan;
    const texts: Record<string, string> = {};
    for (const [id, p] of c.peers) texts[id] = p.text;
    return { structure: c.structure.view(), texts };
  });
}

export async function waitSaved(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(() => {
    const c = (window as any).coplan;
    return c && c.status === "online" && c.unconfirmed() === 0;
  }, undefined, { timeout });
}

/** Makes a unit from the home page ("+ New unit") and opens it; returns its path. */
export async function newUnit(page: Page, title: string): Promise<string> {
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
  return new URL(page.url()).pathname;
}

/** Opens a unit's page by its path (a partner following a link). */
export async function openUnit(page: Page, path: string): Promise<void> {
  await page.goto(new URL(path, page.url()).href);
  await page.waitForSelector("main[data-ready=true]");
}

/** Opens a unit from the home page: the demo unit unless another title is given. */
export async function openFirstUnit(page: Page, title = "Is our creek water safe?"): Promise<void> {
  await page.getByRole("link", { name: title, exact: true }).click();
  await page.waitForSelector("main[data-ready=true]");
}
