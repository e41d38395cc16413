// Browser tests for access: an invitation link takes a newcomer into the unit; stored text with
// HTML and script in it is shown as text everywhere and never runs; signing out in one tab
// leaves the other tab saying so and keeping what was typed; a partner made coordinator is told
// they are no longer a member of the unit; the administration page.
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { axeViolations, openFirstUnit, signedInPage, useBrowser, waitSaved } from "./browser";
import { baseUrl } from "./helpers";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { inject } from "vitest";

const browser = useBrowser();

const payload = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;

async function newUnit(page: Page, title: string) {
  await page.goto(baseUrl() + "/");
  await page.getByRole("button", { name: "+ New unit" }).click();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Create and open" }).click();
  await page.waitForSelector("main[data-ready=true]");
}

/** A new unit made by `lib`, and a link that invites a teacher into it. */
async function unitWithInvitation(lib: Page, title: string): Promise<string> {
  await newUnit(lib, title);
  await lib.getByRole("button", { name: "Invite" }).click();
  await lib.getByLabel("They join as").selectOption("teacher");
  await lib.getByRole("button", { name: "Make an invitation link" }).click();
  return lib.getByLabel("Invitation link").inputValue();
}

describe("access in the browser", () => {
  it("takes an invited newcomer into the unit", async () => {
    const lib = await signedInPage(browser, "librarian");
    const link = await unitWithInvitation(lib, "Invitation test");
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);

    const ctx = await browser.newContext();
    const guest = await ctx.newPage();
    await guest.goto(link);
    await expect.poll(() => guest.locator("form.cp-signin").textContent()).toContain("Maya Okafor invited you to plan “Invitation test”");
    await guest.getByLabel("Your name, as your partner will see it").fill("Sam Second");
    await guest.getByLabel("Choose a username").fill("samsecond");
    await guest.getByLabel("Choose a password").fill("short");
    await guest.getByRole("button", { name: "Create my account and open the unit" }).click();
    await expect.poll(() => guest.locator(".cp-error").textContent()).toContain("at least 10 characters");
    await guest.getByLabel("Choose a password").fill("rivers run to the sea");
    await guest.getByRole("button", { name: "Create my account and open the unit" }).click();
    await guest.waitForSelector("main[data-ready=true]");
    expect(await guest.locator(".cp-title input").inputValue()).toBe("Invitation test");
    await expect.poll(() => lib.locator(".cp-people").textContent()).toContain("Sam Second");
    // The link works once.
    const again = await (await browser.newContext()).newPage();
    await again.goto(link);
    await expect.poll(() => again.locator("h1").textContent()).toBe("This invitation cannot be used");
    await ctx.close();
    await again.context().close();
    await lib.context().close();
  });

  it("shows stored HTML and script as text and never runs it", async () => {
    const lib = await signedInPage(browser, "librarian");
    await newUnit(lib, payload);
    await lib.locator('[data-stream="unit.goals"] .cm-content').click();
    await lib.keyboard.type(payload);
    const stage1 = lib.locator("[data-section=stage1]");
    await stage1.getByRole("button", { name: "Discuss" }).click();
    await stage1.getByLabel(/Start a discussion/).fill(payload);
    await stage1.getByRole("button", { name: "Post" }).click();
    await lib.getByRole("button", { name: "+ Add resource" }).click();
    await lib.keyboard.type(payload);
    await waitSaved(lib);
    const path = new URL(lib.url()).pathname;
    // The partner opens the unit, its history and the home page: the text shows, nothing runs.
    const tea = await signedInPage(browser, "teacher");
    expect(await tea.locator(".cp-unit-card h2").filter({ hasText: "<img" }).count()).toBe(1);
    await tea.goto(baseUrl() + path);
    await tea.waitForSelector("main[data-ready=true]");
    await expect.poll(() => tea.locator('[data-stream="unit.goals"] .cm-content').textContent()).toBe(payload);
    await tea.locator("[data-section=stage1] .cp-comments-toggle").click();
    expect(await tea.locator(".cp-comment-text").first().textContent()).toBe(payload);
    await tea.goto(baseUrl() + path + "/history");
    await tea.waitForSelector(".cp-past-text");
    expect(await tea.content()).toContain("&lt;img src=x");
    for (const p of [lib, tea]) expect(await p.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(await tea.locator("img[src=x]").count()).toBe(0);
    await lib.context().close();
    await tea.context().close();
  });

  it("keeps typed text and says so when the session is signed out elsewhere", async () => {
    const ctx = await browser.newContext();
    const a = await ctx.newPage();
    await a.goto(baseUrl() + "/");
    await a.getByLabel("Username").fill("teacher");
    await a.getByLabel("Password").fill("coplan-demo");
    await a.getByRole("button", { name: "Sign in" }).click();
    await openFirstUnit(a);
    const b = await ctx.newPage();  // a second tab, same session
    await b.goto(baseUrl() + "/");
    await b.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => a.locator(".cp-status").textContent(), { timeout: 15_000 }).toMatch(/^Signed out/);
    await a.locator('[data-stream="unit.skills"] .cm-content').click();
    await a.keyboard.type("typed after sign-out");
    await expect.poll(() => a.locator(".cp-status").textContent()).toMatch(/^Signed out — \d+ unsaved change/);
    // Sign in again in the other tab: the first tab reconnects and sends what it kept.
    await b.getByLabel("Username").fill("teacher");
    await b.getByLabel("Password").fill("coplan-demo");
    await b.getByRole("button", { name: "Sign in" }).click();
    await waitSaved(a, 60_000);
    expect(await a.evaluate(() => (window as any).coplan.peers.get("unit.skills").text)).toContain("typed after sign-out");
    await ctx.close();
  });

  // Regression: after an administrator changed a member's role (to coordinator), the member's open
  // unit page said "Signed out" and offered to sign in again, instead of saying they are no
  // longer a member of this unit (the session's 4001 close won over the unit's 4003).
  it("tells a member made coordinator that they are no longer a member, not that they were signed out", async () => {
    const bin = resolve(import.meta.dirname, "../..", process.env.COPLAN_BIN ?? "build/release/coplan");
    execFileSync(bin, ["user", "add", "--data-dir", inject("dataDir"), "--username", "rhea", "--name", "Rhea Admin", "--role", "admin"],
      { input: "sixteen candles burn\n" });
    // A new teacher joins a new unit through an invitation and has it open.
    const lib = await signedInPage(browser, "librarian");
    const link = await unitWithInvitation(lib, "Role change test");
    const ctx = await browser.newContext();
    const member = await ctx.newPage();
    await member.goto(link);
    await member.getByLabel("Your name, as your partner will see it").fill("Rory Role");
    await member.getByLabel("Choose a username").fill("roryrole");
    await member.getByLabel("Choose a password").fill("rivers run to the sea");
    await member.getByRole("button", { name: "Create my account and open the unit" }).click();
    await member.waitForSelector("main[data-ready=true]");
    await expect.poll(() => member.locator(".cp-status").textContent()).not.toMatch(/Connecting|offline/i);

    // The administrator makes them a coordinator on the Administration page.
    const admin = await signedInPage(browser, "rhea", { password: "sixteen candles burn", waitFor: "a[href='/admin']" });
    await admin.getByRole("link", { name: "Administration" }).click();
    await admin.getByLabel("Role of Rory Role").selectOption("coordinator");
    await expect.poll(() => member.locator(".cp-status").textContent(), { timeout: 15_000 }).toBe("You are no longer a member of this unit");
    await expect.poll(() => member.locator("#toasts").textContent()).toContain("You are no longer a member of this unit");
    // It stays that way: the page neither retries nor turns into "Signed out".
    await member.waitForTimeout(2000);
    expect(await member.locator(".cp-status").textContent()).toBe("You are no longer a member of this unit");
    expect(await member.locator("#toasts").textContent()).not.toContain("signed out");
    await lib.context().close();
    await admin.context().close();
    await ctx.close();
  });

  it("lets an administrator manage accounts", async () => {
    // The demo has no administrator: make one from the command line, as a district would.
    const bin = resolve(import.meta.dirname, "../..", process.env.COPLAN_BIN ?? "build/release/coplan");
    execFileSync(bin, ["user", "add", "--data-dir", inject("dataDir"), "--username", "ada", "--name", "Ada Admin", "--role", "admin"],
      { input: "sixteen candles burn\n" });
    const ctx = await browser.newContext({ bypassCSP: true });
    const admin = await ctx.newPage();
    await admin.goto(baseUrl() + "/");
    await admin.getByLabel("Username").fill("ada");
    await admin.getByLabel("Password").fill("sixteen candles burn");
    await admin.getByRole("button", { name: "Sign in" }).click();
    await admin.getByRole("link", { name: "Administration" }).click();
    await admin.waitForSelector(".cp-admin-users");
    expect(await admin.locator(".cp-admin-users").textContent()).toContain("Maya Okafor");
    const form = admin.getByRole("form", { name: "New account" });
    await form.getByLabel("Name", { exact: true }).fill("Nia New");
    await form.getByLabel("Username", { exact: true }).fill("nia");
    await form.getByLabel("Role").selectOption("teacher");
    await form.getByLabel("Temporary password").fill("sixteen candles burn");
    await form.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => admin.locator(".cp-admin-users").textContent()).toContain("Nia New");
    await expect.poll(() => admin.locator("table").last().textContent()).toContain("user created");
    const found = await axeViolations(admin);
    expect(found, JSON.stringify(found, null, 1)).toEqual([]);
    // Everyone else is refused, by the server.
    const lib = await signedInPage(browser, "librarian");
    expect(await lib.evaluate(async () => (await fetch("/api/admin/users")).status)).toBe(403);
    await lib.context().close();
    await ctx.close();
  });
});
