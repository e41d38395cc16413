// Browser test of offline work: the librarian's network is cut for real (her page is served
// through a CuttableProxy, so page loads fail too); she types and adds a lesson, reloads the page
// while still cut (it comes back from the service worker and IndexedDB with her text), types
// more, goes to the home page and back (still offline); when the network returns, both partners
// converge and the server has every word once.
// Signing out then deletes what the browser kept. A tab closed while offline leaves its copy; the
// next page that opens the unit sends it.
import { describe, expect, inject, it } from "vitest";
import type { Page } from "playwright-core";
import { artifacts, openFirstUnit, signedInPage, useBrowser, waitSaved } from "./browser";
import { serverState, signIn } from "./helpers";
import { CuttableProxy } from "./proxy";

const browser = useBrowser();

/** What IndexedDB holds for this page's client: [unconfirmed in the record, unconfirmed now, records]. */
const kept = (p: Page) =>
  p.evaluate(async () => {
    const c = (window as any).coplan;
    const db: IDBDatabase = await new Promise((ok, fail) => {
      const r = indexedDB.open("coplan-offline");
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all: any[] = await new Promise((ok, fail) => {
      const r = db.transaction("units").objectStore("units").getAll();
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    db.close();
    return [all.find((x) => x.clientID === c?.clientID)?.unconfirmed ?? -1, c?.unconfirmed() ?? -1, all.length];
  });

describe("offline work in the browser", () => {
  it("survives a reload without network and merges exactly once when the network returns", async () => {
    const port = Number(new URL(inject("baseUrl")).port);
    const libProxy = new CuttableProxy(port);
    const teaProxy = new CuttableProxy(port);
    const libBase = `http://127.0.0.1:${await libProxy.start()}`;
    const teaBase = `http://127.0.0.1:${await teaProxy.start()}`;
    const lib = await signedInPage(browser, "librarian", { base: libBase });
    const tea = await signedInPage(browser, "teacher", { base: teaBase });
    await openFirstUnit(lib);
    await openFirstUnit(tea);
    const unit = new URL(lib.url()).pathname.split("/").pop()!;
    // The service worker has the page shell before the network goes.
    await lib.waitForFunction(() => navigator.serviceWorker?.controller != null, undefined, { timeout: 20_000 });

    const stream = "unit.essential_questions";
    const field = (p: Page) => p.locator(`[data-stream="${stream}"] .cm-content`);
    const text = (p: Page) => p.evaluate((s) => (window as any).coplan.peers.get(s).text as string, stream);
    const status = (p: Page) => p.locator(".cp-status").textContent();
    const original = await text(lib);

    await field(lib).click();
    await lib.keyboard.press("Control+End");
    await lib.keyboard.type(" Before the cut.", { delay: 10 });
    await waitSaved(lib);

    libProxy.setCut(true);
    await expect.poll(() => status(lib), { timeout: 15_000 }).toMatch(/^Offline/);
    const offline = [" Typed offline.", " Still offline."];
    await lib.keyboard.type(offline[0], { delay: 10 });
    // A lesson added offline, with a title.
    const lessonsBefore: string[] = await lib.evaluate(() => (window as any).coplan.structure.view().lists.lessons.map((l: any) => l.id));
    await lib.locator('[data-list="lessons"] [data-action="add-lessons"]').first().click();
    await expect.poll(() => lib.evaluate(() => (window as any).coplan.structure.view().lists.lessons.length)).toBe(lessonsBefore.length + 1);
    const lesson: string = await lib.evaluate(
      (before) => (window as any).coplan.structure.view().lists.lessons.find((l: any) => !before.includes(l.id)).id,
      lessonsBefore,
    );
    await lib.locator(`[data-stream="${lesson}.title"] .cm-content`).click();
    await lib.keyboard.type("Testing the creek offline", { delay: 10 });
    await field(lib).click();
    await lib.keyboard.press("Control+End");
    await lib.keyboard.type(offline[1], { delay: 10 });
    // The teacher, online, writes in the same field meanwhile.
    await field(tea).click();
    await tea.keyboard.press("Control+Home");
    await tea.keyboard.type("Teacher meanwhile. ", { delay: 10 });
    await waitSaved(tea);

    await expect.poll(() => status(lib)).toMatch(/^Offline — \d+ unsaved changes? kept here/);
    // Everything unconfirmed is in IndexedDB before the page goes away.
    await expect.poll(async () => {
      const [inRecord, now] = await kept(lib);
      return now > 0 && inRecord === now;
    }, { timeout: 10_000 }).toBe(true);
    const clientID = await lib.evaluate(() => (window as any).coplan.clientID);
    const beforeReload = await text(lib);

    // Reload with the network still cut: the page comes from the service worker, the unit from IndexedDB.
    await lib.reload();
    await lib.waitForSelector("main[data-restored=true]", { timeout: 20_000 });
    expect(new URL(lib.url()).pathname).toBe(`/unit/${unit}`);
    await expect.poll(() => field(lib).textContent()).toBe(beforeReload.replace(/\n/g, "")); // lines are elements
    expect(await text(lib)).toBe(beforeReload);
    expect(await lib.evaluate(() => (window as any).coplan.clientID)).toBe(clientID);
    await expect.poll(() => lib.locator(`[data-stream="${lesson}.title"] .cm-content`).textContent()).toBe("Testing the creek offline");
    await expect.poll(() => status(lib), { timeout: 15_000 }).toMatch(/^Offline — \d+ unsaved changes? kept here/);
    await lib.screenshot({ path: `${artifacts}/offline-reloaded.png` });

    const after = " After the reload.";
    await field(lib).click();
    await lib.keyboard.press("Control+End");
    await lib.keyboard.type(after, { delay: 10 });
    expect(await text(lib)).toBe(beforeReload + after);
    // Still offline, the home page lists the units kept here, and the unit opens again from its copy.
    await lib.getByRole("link", { name: "← Your units" }).click();
    await lib.getByRole("link", { name: "Is our creek water safe?" }).click();
    await lib.waitForSelector("main[data-restored=true]");
    expect(await text(lib)).toBe(beforeReload + after);
    expect(await lib.evaluate(() => (window as any).coplan.clientID)).toBe(clientID);

    // The network returns: everything is merged, once.
    libProxy.setCut(false);
    await waitSaved(lib, 60_000);
    await waitSaved(tea);
    await expect.poll(async () => (await text(lib)) === (await text(tea)), { timeout: 20_000 }).toBe(true);
    const server = await serverState(unit, await signIn("teacher"));
    const final: string = server.streams[stream].text;
    expect(await text(tea)).toBe(final);
    const pieces = ["Teacher meanwhile. ", " Before the cut.", ...offline, after];
    for (const piece of pieces) expect(final.split(piece).length - 1, piece).toBe(1);
    expect(final.length).toBe(original.length + pieces.join("").length);
    expect(server.streams[`${lesson}.title`].text).toBe("Testing the creek offline");
    expect(server.structure.lists.lessons.filter((l: any) => l.id === lesson).length).toBe(1);
    await expect.poll(() => tea.locator(`[data-stream="${lesson}.title"] .cm-content`).textContent()).toBe("Testing the creek offline");
    await expect.poll(() => status(lib)).toBe("All changes saved");
    await expect.poll(async () => (await kept(lib))[0]).toBe(0);

    // Signing out deletes what this browser kept for her.
    await lib.getByRole("link", { name: "← Your units" }).click();
    await lib.getByRole("button", { name: "Sign out" }).click();
    await lib.waitForSelector("text=Sign in");
    await expect.poll(async () => (await kept(lib))[2]).toBe(0);
    expect(await lib.evaluate(() => localStorage.getItem("coplan-user"))).toBeNull();

    await lib.context().close();
    await tea.context().close();
    await libProxy.close();
    await teaProxy.close();
  });

  // Minutes offline, in seconds of test: the page's clock is Playwright's fake clock, moved on a
  // minute at a time while she types. Her page keeps trying to come back (each try refused by the
  // cut network), says what it keeps, and when the browser says the network is back it reconnects
  // at once (not when the backoff ends) and the server gets every word once.
  it("keeps typing through ten minutes offline and merges the moment the network is back", async () => {
    const proxy = new CuttableProxy(Number(new URL(inject("baseUrl")).port));
    const base = `http://127.0.0.1:${await proxy.start()}`;
    const lib = await signedInPage(browser, "librarian", { base });
    await lib.clock.install();
    await openFirstUnit(lib);
    const unit = new URL(lib.url()).pathname.split("/").pop()!;
    const stream = "unit.understandings";
    const text = () => lib.evaluate((s) => (window as any).coplan.peers.get(s).text as string, stream);
    const status = () => lib.locator(".cp-status").textContent();
    const before = await text();

    proxy.setCut(true);
    await expect.poll(status, { timeout: 15_000 }).toMatch(/^Offline/);
    await lib.locator(`[data-stream="${stream}"] .cm-content`).click();
    await lib.keyboard.press("Control+End");
    const typed: string[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      const piece = ` Minute ${minute} offline.`;
      await lib.keyboard.type(piece, { delay: 5 });
      typed.push(piece);
      const tries = proxy.refused;
      await lib.clock.fastForward(60_000);
      // Still trying to come back after every minute (the wait is capped at 15 s ± jitter).
      await expect.poll(() => proxy.refused, { timeout: 10_000 }).toBeGreaterThan(tries);
    }
    await expect.poll(status).toMatch(/^Offline — \d+ unsaved changes? kept here/);
    expect(await text()).toBe(before + typed.join(""));

    proxy.setCut(false);
    const tries = proxy.refused;
    await lib.evaluate(() => window.dispatchEvent(new Event("online"))); // what the browser fires
    // Saved within 5 s: the retry did not wait for its timer, which after ten minutes of tries is
    // at least 7.5 s away.
    const saved = () => lib.evaluate(() => (window as any).coplan.status === "online" && (window as any).coplan.unconfirmed() === 0);
    await expect.poll(saved, { timeout: 5_000, intervals: [100] }).toBe(true);
    expect(proxy.refused).toBe(tries);
    const server = await serverState(unit, await signIn("teacher"));
    const final: string = server.streams[stream].text;
    expect(final).toBe(before + typed.join(""));
    for (const piece of typed) expect(final.split(piece).length - 1, piece).toBe(1);
    await lib.context().close();
    await proxy.close();
  });

  it("sends what a tab closed while offline left behind, from the next page that opens the unit", async () => {
    const proxy = new CuttableProxy(Number(new URL(inject("baseUrl")).port));
    const base = `http://127.0.0.1:${await proxy.start()}`;
    const a = await signedInPage(browser, "librarian", { base });
    await openFirstUnit(a);
    const b = await a.context().newPage(); // a second tab
    await b.goto(a.url());
    await b.waitForSelector("main[data-ready=true]");
    const stream = "unit.criteria";
    const text = (p: Page) => p.evaluate((s) => (window as any).coplan.peers.get(s).text as string, stream);
    const unit = new URL(a.url()).pathname.split("/").pop()!;

    proxy.setCut(true);
    await expect.poll(() => a.locator(".cp-status").textContent(), { timeout: 15_000 }).toMatch(/^Offline/);
    await a.locator(`[data-stream="${stream}"] .cm-content`).click();
    await a.keyboard.press("Control+End");
    const left = " Left behind in a closed tab.";
    await a.keyboard.type(left, { delay: 10 });
    await expect.poll(async () => {
      const [inRecord, now] = await kept(a);
      return now > 0 && inRecord === now;
    }, { timeout: 10_000 }).toBe(true);
    await a.close();

    proxy.setCut(false);
    await waitSaved(b, 60_000);
    expect(await text(b)).not.toContain(left);
    // Opening the unit again finds the closed tab's copy and sends it.
    await b.reload();
    await b.waitForSelector("main[data-ready=true]");
    await expect.poll(() => text(b), { timeout: 30_000 }).toContain(left);
    await expect.poll(async () => (await kept(b))[2], { timeout: 15_000 }).toBe(1); // only this page's copy is left
    const server = await serverState(unit, await signIn("librarian"));
    expect(server.streams[stream].text.split(left).length - 1).toBe(1);
    await b.context().close();
    await proxy.close();
  });
});
