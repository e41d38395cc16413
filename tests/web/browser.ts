// Playwright (playwright-core) on Debian's Chromium: launching it with the flags this machine
// needs, and signing a partner in through the real sign-in page.
import { chromium, type Browser, type Page } from "playwright-core";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { baseUrl } from "./helpers";

export const artifacts = resolve(import.meta.dirname, "artifacts");
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

export async function signedInPage(browser: Browser, username: string, viewport = { width: 1280, height: 900 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.on("pageerror", (e) => console.error(`[${username}] page error: ${e.message}`));
  await page.goto(baseUrl() + "/");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("coplan-demo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector(".cp-unit-card a");
  return page;
}

export async function openFirstUnit(page: Page): Promise<void> {
  await page.locator(".cp-unit-card a").first().click();
  await page.waitForSelector("main[data-ready=true]");
}
