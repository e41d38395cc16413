// Browser test of the record: expertise tagged by one partner and acknowledged by the other, the
// blame view saying who wrote a passage, the history slider showing a past version and restoring
// a field as a new edit, and the contribution view: each chart (typed and kept per section,
// lesson segments led and supported, approaches, the expertise map) with the same figures as a
// table, checked against the API, and the lessons each partner led or supported named.
import { describe, expect, it } from "vitest";
import { artifacts, newUnit, openUnit, signedInPage, useBrowser, waitSaved } from "./browser";

const browser = useBrowser();

describe("the record of who contributed what", () => {
  it("tags expertise, shows blame, history with restore, and contributions", async () => {
    const lib = await signedInPage(browser, "librarian");
    const tea = await signedInPage(browser, "teacher");
    // A fresh unit so the figures below are known.
    const path = await newUnit(lib, "Record test");
    await openUnit(tea, path);

    const goals = (p: typeof lib) => p.locator('[data-stream="unit.goals"] .cm-content');
    await goals(tea).click();
    await tea.keyboard.type("Students test the creek.");
    await waitSaved(tea);
    await goals(lib).click();
    await lib.keyboard.press("Control+End");
    await lib.keyboard.type(" They judge their sources.");
    await waitSaved(lib);

    // The teacher tags the librarian's inquiry expertise on Stage 1; the librarian sees it; the
    // teacher acknowledges learning from it.
    const stage1 = (p: typeof lib) => p.locator("[data-section=stage1]");
    await stage1(tea).getByRole("button", { name: "Tag expertise" }).click();
    await stage1(tea).getByLabel("Area of expertise").selectOption({ label: "Inquiry process" });
    await stage1(tea).getByLabel("Whose expertise").selectOption({ label: "Maya Okafor" });
    await stage1(tea).getByRole("button", { name: "Add tag" }).click();
    await expect.poll(() => stage1(lib).locator(".cp-tag").textContent()).toContain("Inquiry process — Maya Okafor's expertise");
    await stage1(tea).getByRole("button", { name: "I learned from this" }).click();
    await expect.poll(() => stage1(lib).locator(".cp-tag").textContent()).toContain("learned by Daniel Reyes");
    expect(await stage1(lib).getByRole("button", { name: "I learned from this" }).count()).toBe(0); // not for your own expertise

    // Blame: pointing at the teacher's words says she wrote them.
    await lib.getByLabel(/Who and when/).check();
    await goals(lib).scrollIntoViewIfNeeded();
    const box = await goals(lib).boundingBox();
    await lib.mouse.move(box!.x + 30, box!.y + 10);
    await expect.poll(() => lib.locator(".cp-blame-bar").textContent(), { timeout: 10_000 }).toMatch(/^Written by Daniel Reyes/);

    // History: back to before the librarian's sentence, then restore the goals from there.
    await lib.getByRole("link", { name: "History" }).click();
    await lib.waitForSelector("#history-slider");
    const ops = Number(await lib.locator("#history-slider").getAttribute("max"));
    expect(ops).toBeGreaterThan(3);
    const goalsNow = () => lib.locator('.cp-past-field[data-stream="unit.goals"] .cp-past-text').textContent();
    await expect.poll(goalsNow).toBe("Students test the creek. They judge their sources.");
    // The unit's own values are shown too (and can be restored like any field).
    await expect.poll(() => lib.locator('.cp-past-field[data-field="title"]').textContent()).toContain("Record test");
    expect(await lib.locator('.cp-past-field[data-field="phase"]').textContent()).toContain("Phase: Plan");
    // Step back edit by edit until the librarian's sentence is gone.
    for (let i = 0; i < 40 && (await goalsNow()) !== "Students test the creek."; i++) {
      await lib.getByRole("button", { name: "◀ Previous edit" }).click();
      await lib.waitForTimeout(120);
    }
    expect(await goalsNow()).toBe("Students test the creek.");
    await lib.screenshot({ path: `${artifacts}/history-laptop.png` });
    await lib.locator('.cp-past-field[data-stream="unit.goals"]').getByRole("button", { name: "Restore this text" }).click();
    await expect.poll(() => tea.evaluate(() => (window as any).coplan.peers.get("unit.goals").text)).toBe("Students test the creek.");

    // The figures as of that moment: the librarian had typed nothing yet; then now.
    const typedRow = () => lib.locator("table", { hasText: "All sections together" }).locator("tr", { hasText: "Characters typed" }).locator("td").allTextContents();
    await lib.getByRole("link", { name: "Figures as of this moment" }).click();
    await lib.waitForSelector(".cp-partner-card");
    expect(new URL(lib.url()).search).toMatch(/^\?op=\d+$/);
    expect(await lib.locator("#contrib-counted").textContent()).toMatch(/^As of edit \d+ of \d+ \(.*, by Daniel Reyes\)/);
    expect(await typedRow()).toEqual(["0", "24"]);
    await lib.getByRole("button", { name: "Now" }).click();
    await expect.poll(() => lib.locator("#contrib-counted").textContent()).toMatch(/^Counted from all \d+ edits/);
    expect(await typedRow()).toEqual(["26", "24"]);

    // Lessons: each partner adds one (a new lesson starts with whoever added it leading every
    // segment). In "Creek lab" the librarian leads the beginning (station teaching), both co-lead
    // the middle (teaming) and the teacher leads the end; in "Source check" the teacher leads all
    // three segments, the beginning as one teach, one assist.
    await openUnit(lib, path);
    await lib.getByRole("button", { name: "+ Add lesson" }).click();
    await lib.keyboard.type("Creek lab");
    await waitSaved(lib);
    await tea.getByRole("button", { name: "+ Add lesson" }).click();
    await tea.keyboard.type("Source check");
    await waitSaved(tea);
    const lessonIds = () =>
      lib.evaluate(() => {
        const c = (window as any).coplan;
        return Object.fromEntries(c.structure.view().lists.lessons.filter((l: any) => !l.removed).map((l: any) => [c.peers.get(`${l.id}.title`).text, l.id]));
      });
    await expect.poll(async () => Object.keys(await lessonIds()).sort()).toEqual(["Creek lab", "Source check"]);
    const ids: Record<string, string> = await lessonIds();
    const unitId = path.split("/").pop()!;
    const idOf = async (name: string) =>
      (await lib.evaluate(async (u) => (await (await fetch(`/api/units/${u}`)).json()).unit.members, unitId)).find((m: any) => m.name === name).id as number;
    const [mayaId, danielId] = [await idOf("Maya Okafor"), await idOf("Daniel Reyes")];
    const set = (p: typeof lib, block: string, field: string, value: unknown) =>
      p.evaluate(([block, field, value]) => (window as any).coplan.command({ op: "set", block, field, value }), [block, field, value] as const);
    await set(lib, ids["Creek lab"], "begin_approach", "station");
    await set(lib, ids["Creek lab"], "begin_lead", mayaId);
    await set(lib, ids["Creek lab"], "middle_approach", "teaming");
    await set(lib, ids["Creek lab"], "end_lead", danielId);
    await waitSaved(lib);
    await set(tea, ids["Source check"], "begin_approach", "one_teach_one_assist");
    await set(tea, ids["Source check"], "begin_lead", danielId);
    await waitSaved(tea);
    // The lesson positions as the unit lists them, for the names the page gives.
    const order: string[] = await lib.evaluate(() => {
      const c = (window as any).coplan;
      return c.structure.view().lists.lessons.filter((l: any) => !l.removed).map((l: any) => c.peers.get(`${l.id}.title`).text);
    });
    const named = (t: string) => `Lesson ${order.indexOf(t) + 1}: ${t}`;

    // Contributions: the same partners, in the same order, with figures and a table.
    await lib.goto(new URL(path + "/contributions", lib.url()).href);
    await lib.waitForSelector(".cp-partner-card");
    expect(await lib.locator(".cp-partner-card h2").allTextContents()).toEqual(["Maya Okafor · Librarian", "Daniel Reyes · Teacher"]);
    const totals = lib.locator("table", { hasText: "All sections together" });
    // The goals' sentences, and the lesson titles each typed.
    await expect.poll(() => totals.locator("tr", { hasText: "Characters typed" }).locator("td").allTextContents()).toEqual(
      [String(26 + "Creek lab".length), String(24 + "Source check".length)]);

    // Every chart and its table show the API's figures, partner by partner in the same order.
    const api = await lib.evaluate(async (u) => (await fetch(`/api/units/${u}/contributions`)).json(), unitId);
    const keys = [String(mayaId), String(danielId)];
    expect(api.members.map((m: any) => m.id)).toEqual([mayaId, danielId]);
    const figure = (caption: string) => lib.locator("figure", { has: lib.locator("figcaption", { hasText: caption }) });
    /** The table's rows (header cell, then numbers) and the chart's rows (label, then bar values). */
    const read = async (caption: string) => ({
      table: await figure(caption).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent))),
      chart: await figure(caption).locator(".cp-chart-row").evaluateAll((rows) =>
        rows.map((r) => [r.querySelector(".cp-chart-label")!.textContent, ...[...r.querySelectorAll(".cp-bar-value")].map((v) => v.textContent!.split(" ")[0])])),
    });
    const written = api.sections.filter((s: any) => keys.some((k) => s.byUser[k].typed > 0))
      .map((s: any) => [`${s.phaseLabel}: ${s.label}`, ...keys.flatMap((k) => [String(s.byUser[k].typed), String(s.byUser[k].survives)])]);
    expect(written.length).toBeGreaterThan(1); // the goals and the lessons
    expect(await read("typed, and how many are in the unit now")).toEqual({ table: written, chart: written });
    expect(await figure("typed, and how many are in the unit now").locator("thead th").allTextContents()).toEqual(
      ["Section", "Maya Okafor: typed", "Maya Okafor: in the unit now", "Daniel Reyes: typed", "Daniel Reyes: in the unit now"]);
    const segments = [["Led", "segmentsLed"], ["Co-led (teaming)", "segmentsCoLed"], ["Supported", "segmentsSupported"]]
      .map(([label, f]) => [label, ...keys.map((k) => String(api.lessons.byUser[k][f]))]);
    expect(segments).toEqual([["Led", "1", "4"], ["Co-led (teaming)", "1", "1"], ["Supported", "4", "1"]]); // as scripted
    expect(await read("Lesson segments each partner led or supported")).toEqual({ table: segments, chart: segments });
    const approachNames: Record<string, string> = { station: "Station teaching", teaming: "Teaming", one_teach_one_assist: "One teach, one assist" };
    const approaches = Object.entries(api.lessons.approaches).map(([a, n]) => [approachNames[a], String(n)]);
    expect(approaches.sort()).toEqual([["One teach, one assist", "1"], ["Station teaching", "1"], ["Teaming", "1"]]);
    const shown = await read("Co-teaching approaches used");
    expect({ table: shown.table.sort(), chart: shown.chart.sort() }).toEqual({ table: approaches, chart: approaches });
    // The lessons by name: the API's ids turned into titles, and what the script set up.
    const byName = Object.fromEntries(Object.entries(ids).map(([t, id]) => [id, named(t)]));
    const lessonRow = (role: string) => lib.locator(".cp-lessons-by tr", { hasText: role }).locator("td")
      .evaluateAll((tds) => tds.map((td) => [...td.querySelectorAll("li")].map((li) => li.textContent)));
    expect(await lessonRow("Led or co-led")).toEqual(keys.map((k) => api.lessons.byUser[k].lessonsLed.map((id: string) => byName[id])));
    expect(await lessonRow("Supported")).toEqual(keys.map((k) => api.lessons.byUser[k].lessonsSupported.map((id: string) => byName[id])));
    expect((await lessonRow("Led or co-led")).map((l) => l.sort())).toEqual([[named("Creek lab")], [named("Creek lab"), named("Source check")].sort()]);
    expect(await lessonRow("Supported")).toEqual([[named("Source check")], []]);
    // The expertise map: a chart and the same numbers as a table, brought and learned for each
    // partner in the same order as the other charts; the API's figures, and what the script did.
    const areas = Object.entries(api.expertise.areas as Record<string, string>)
      .filter(([id]) => keys.some((k) => api.expertise.byUser[k].brought[id] || api.expertise.byUser[k].learned[id]))
      .map(([id, label]) => [label, ...keys.flatMap((k) => [String(api.expertise.byUser[k].brought[id] ?? 0), String(api.expertise.byUser[k].learned[id] ?? 0)])]);
    expect(areas).toEqual([["Inquiry process", "1", "0", "0", "1"]]);
    expect(await read("Expertise map")).toEqual({ table: areas, chart: areas });
    expect(await figure("Expertise map").locator("thead th").allTextContents()).toEqual(
      ["Area", "Maya Okafor: brought", "Maya Okafor: learned", "Daniel Reyes: brought", "Daniel Reyes: learned"]);
    expect(await figure("Expertise map").locator(".cp-bar-value").allTextContents()).toEqual(["1 brought", "0 learned", "0 brought", "1 learned"]);
    expect(await figure("Expertise map").locator(".cp-meta").textContent()).toMatch(/^Not tagged yet: .*Reading comprehension strategies/);
    await lib.screenshot({ path: `${artifacts}/contributions-laptop.png`, fullPage: true });
    await lib.context().close();
    await tea.context().close();
  });
});
