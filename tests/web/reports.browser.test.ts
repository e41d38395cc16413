// Browser test of the collaboration log and its exports: two units made for a school year no
// other test uses (2019-20), their values set over the real WebSocket; the log page shows them,
// the CSV starts with a UTF-8 byte-order mark and parses (csv-parse, RFC 4180) to the expected
// rows, accented text included, and the annual report printed to PDF by headless Chromium
// (page.pdf) holds the expected headings and figures (read back with pdftotext from
// poppler-utils); opening the report and printing a unit are recorded as exports. Then the
// co-assess name warning and student notes.
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifacts, signedInPage, useBrowser } from "./browser";
import { baseUrl, connect, signIn, until } from "./helpers";

/** The log's CSV, read by csv-parse (RFC 4180), after its UTF-8 byte-order mark. */
function parseCsv(csv: string | Buffer): string[][] {
  return parse(csv, { bom: true, record_delimiter: "\r\n" });
}

const browser = useBrowser();

async function api(cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(baseUrl() + path, {
    method,
    headers: { Cookie: cookie, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, text: await res.text() };
}

describe("the collaboration log and its reports", () => {
  it("lists units, exports CSV and prints the annual report to PDF", async () => {
    const cookie = await signIn("librarian");
    const parts = JSON.parse((await api(cookie, "GET", "/api/partnerships")).text).partnerships;
    const make = async (title: string) => JSON.parse((await api(cookie, "POST", "/api/units", { partnership: parts[0].id, title })).text).unit.id as string;
    const units = [
      { title: "Report unit: rivers", grade: "4", subject: "Science", students: 24, start: "2019-09-16", aasl: ["I.A.1", "IV.A.1"], participants: 23, met: 19, approaches: ["station", "teaming"] },
      { title: 'Report unit: "maps", borders', grade: "4", subject: "Études sociales", students: 26, start: "2020-03-02", aasl: ["I.A.1"], participants: 25, met: 21, approaches: ["station"] },
    ];
    const ids: string[] = [];
    for (const u of units) {
      const id = await make(u.title);
      ids.push(id);
      const conn = connect(id, cookie);
      await until(() => conn.status === "online", 10_000, "connected");
      const set = (field: string, value: unknown, block = "unit") => conn.command({ op: "set", block, field, value } as any);
      set("grade", u.grade);
      set("subject", u.subject);
      set("students", u.students);
      set("start_date", u.start);
      set("aasl", u.aasl);
      set("participants", u.participants);
      set("met_expectations", u.met);
      conn.command({ op: "add_block", list: "lessons", id: `lesson${id}`.slice(0, 20) } as any);
      u.approaches.forEach((a, i) => set(`${["begin", "middle", "end"][i]}_approach`, a, `lesson${id}`.slice(0, 20)));
      await until(() => conn.unconfirmed() === 0, 10_000, "commands confirmed");
      conn.close();
    }

    // CSV: the expected header and rows, newest first.
    const csv = await fetch(baseUrl() + "/api/log.csv?year=2019-20", { headers: { Cookie: cookie } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // so spreadsheets read it as UTF-8
    const rows = parseCsv(bytes);
    expect(rows).toHaveLength(3);
    const head = rows[0];
    const col = (name: string) => head.indexOf(name);
    for (const r of rows) expect(r).toHaveLength(head.length);
    expect(rows.slice(1).map((r) => r[col("Unit")])).toEqual([units[1].title, units[0].title]);
    const [b, a] = rows.slice(1);
    expect(a[col("School year")]).toBe("2019-20");
    expect(b[col("School year")]).toBe("2019-20"); // March belongs to the year that began in August
    expect(a[col("Partners")]).toBe("Daniel Reyes");
    expect(a[col("Grade")]).toBe("4");
    expect(a[col("Students")]).toBe("24");
    expect(a[col("Lessons")]).toBe("1");
    expect(a[col("Co-teaching approaches (Friend & Cook)")]).toBe("Station teaching (1); Teaming (1)");
    expect(a[col("AASL standards")]).toBe("I.A.1; IV.A.1");
    expect(a[col("Depth of collaboration (Montiel-Overall)")]).toBe("");
    expect(a[col("Students taking part")]).toBe("23");
    expect(b[col("Students who met expectations")]).toBe("21");
    expect(b[col("Subject")]).toBe("Études sociales");

    // The log page: filters, the table, links to the CSV and the report.
    const page = await signedInPage(browser, "librarian");
    await page.getByRole("link", { name: "Collaboration log" }).click();
    await page.getByLabel("School year").selectOption("2019-20");
    await expect.poll(() => page.locator(".cp-log-table tbody tr").count()).toBe(2);
    expect(await page.locator(".cp-log-table tbody tr").first().textContent()).toContain(units[1].title);
    expect(await page.locator("[data-action=csv]").getAttribute("href")).toBe("/api/log.csv?year=2019-20");
    const fromPage = await page.evaluate(async () => (await fetch("/api/log.csv?year=2019-20")).text());
    expect(parseCsv(fromPage)).toEqual(rows);

    // The annual report, printed to PDF.
    const reportFetched = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/report");
    await page.locator("[data-action=report]").click();
    expect((await reportFetched).status()).toBe(200); // the route that records the report as an export
    await page.waitForSelector("h1:has-text('Annual collaboration report')");
    await page.waitForSelector(".cp-report-units tbody tr");
    await page.screenshot({ path: join(artifacts, "annual-report.png"), fullPage: true });
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    const pdfPath = join(artifacts, "annual-report.pdf");
    writeFileSync(pdfPath, pdf);
    const text = execFileSync("pdftotext", ["-layout", pdfPath, "-"], { encoding: "utf8" });
    for (const heading of ["Annual collaboration report", "School year 2019-20", "At a glance", "Depth of collaboration",
      "Co-teaching approaches", "Balance of contributions by phase", "AASL standards addressed", "Grades and subjects", "Units"])
      expect(text).toContain(heading);
    const flat = text.replace(/\s+/g, " ");
    expect(flat).toContain("2 units planned together with 1 partner, 2 lessons, 50 students in these classes; 48 took part in the assessment and 40 met expectations.");
    expect(flat).toContain("Station teaching (2), Teaming (1)");
    expect(flat).toContain("I.A.1 (2), IV.A.1 (1)");
    expect(flat).toContain("Not agreed yet (2)");
    expect(flat).toContain("Co-plan: librarian 0, teacher 0; Co-teach: librarian 0, teacher 0; Co-assess: librarian 0, teacher 0");
    // Table cells wrap in the layout view; the reading-order text has each title whole.
    const plain = execFileSync("pdftotext", [pdfPath, "-"], { encoding: "utf8" }).replace(/\s+/g, " ");
    expect(plain).toContain("Report unit: rivers");
    expect(plain).toContain('"maps", borders');
    expect(flat).not.toContain("Print or save as PDF"); // controls are not printed
    await page.context().close();
  });

  it("warns when co-assess text names students, and keeps student notes to the members", async () => {
    const page = await signedInPage(browser, "librarian");
    await page.locator(".cp-unit-card a").first().click();
    await page.waitForSelector("main[data-ready=true]");
    // Printing the unit page is recorded as an export (the print dialog itself is stubbed out).
    await page.evaluate(() => (window.print = () => {}));
    const printed = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/print") && r.request().method() === "POST");
    await page.locator("[data-action=print]").click();
    expect((await printed).status()).toBe(200);
    await page.getByRole("tab", { name: "Co-assess" }).click();
    const warning = page.locator("[data-warning=student-names]");
    await page.locator('[data-stream="unit.what_worked"] .cm-content').click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" Most groups cited two sources; Sam K. needed help.");
    await expect.poll(() => warning.isVisible()).toBe(true);
    expect(await warning.textContent()).toContain("Sam");

    await page.locator("[data-action=student-notes-toggle]").check();
    await page.getByLabel("New student note").fill("Sam K. needs a quieter corner for reading.");
    await page.locator("[data-action=add-student-note]").click();
    await expect.poll(() => page.locator(".cp-note-list li").count()).toBe(1);
    const unitId = new URL(page.url()).pathname.split("/")[2];
    // Not in the Markdown export or the log.
    const md = await page.evaluate(async (id) => (await fetch(`/api/units/${id}/export.md`)).text(), unitId);
    expect(md).not.toContain("quieter corner");
    const log = await page.evaluate(async () => (await fetch("/api/log.csv")).text());
    expect(log).not.toContain("quieter corner");
    // The partner sees it; deleting removes it for good.
    const partner = await signIn("teacher");
    expect((await api(partner, "GET", `/api/units/${unitId}/student-notes`)).text).toContain("quieter corner");
    page.on("dialog", (d) => d.accept());
    await page.locator("[data-action=delete-student-note]").click();
    await expect.poll(() => page.locator(".cp-note-list li").count()).toBe(0);
    expect((await api(partner, "GET", `/api/units/${unitId}/student-notes`)).text).not.toContain("quieter corner");
    await page.context().close();
  });
});
