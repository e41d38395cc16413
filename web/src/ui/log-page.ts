// My collaboration log: every unit I am a member of, with dates, partners, grade, subject, course,
// students, phases done, co-teaching approaches (Friend & Cook), AASL standards, the depth of
// collaboration we agreed on (Montiel-Overall), the balance of what each partner wrote per phase,
// expertise brought and learned, and outcome counts. Filters by school year, grade, subject and
// partner; the same view downloads as CSV or opens as a printable annual report.
import { api, logQuery, type CollaborationLog, type LogFilters, type LogRow, type User } from "../api";
import { h } from "./dom";

export function filtersFromUrl(): LogFilters {
  const q = new URLSearchParams(location.search);
  return { year: q.get("year") ?? "", grade: q.get("grade") ?? "", subject: q.get("subject") ?? "", partner: q.get("partner") ?? "" };
}

/** "Lee 48% · Tess 52%" for one phase of a row; "" when nothing was written in it. */
export function balanceText(row: LogRow, phase: string): string {
  const b = row.balance.find((x) => x.phase === phase);
  if (!b) return "";
  const total = Object.values(b.byUser).reduce((a, n) => a + n, 0);
  if (!total) return "";
  return row.members
    .filter((m) => String(m.id) in b.byUser)
    .map((m) => `${m.name.split(" ")[0]} ${Math.floor((200 * b.byUser[String(m.id)] + total) / (2 * total))}%`)
    .join(" · ");
}

export function countsText(counts: Record<string, number>, labels: Record<string, string> = {}): string {
  return Object.entries(counts).map(([k, n]) => `${labels[k] ?? k} (${n})`).join(", ");
}

function expertiseText(row: LogRow, kind: "brought" | "learned"): string {
  return row.members
    .map((m) => {
      const areas = Object.keys(row.expertise[String(m.id)]?.[kind] ?? {});
      return areas.length ? `${m.name.split(" ")[0]}: ${areas.join(", ")}` : "";
    })
    .filter(Boolean)
    .join("; ");
}

export function logPage(root: HTMLElement, user: User, navigate: (p: string) => void): () => void {
  let stopped = false;
  const filters = filtersFromUrl();
  const form = h("form", { class: "cp-log-filters", "aria-label": "Filter the log" });
  const summary = h("p", { class: "cp-help", "aria-live": "polite" }, "Loading your log…");
  const table = h("div", { class: "cp-log-table-wrap" });
  const csvLink = h("a", { class: "cp-button-link", "data-action": "csv", download: "collaboration-log.csv", href: `/api/log.csv${logQuery(filters)}` }, "Download CSV");
  const reportLink = h("a", {
    class: "cp-button-link", "data-action": "report", href: `/log/report${logQuery(filters)}`,
    onclick: (e: Event) => { e.preventDefault(); navigate(`/log/report${logQuery(filters)}`); },
  }, "Annual report (printable)");
  root.replaceChildren(
    h("header", { class: "cp-topbar" },
      h("a", { href: "/", class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate("/"); } }, "← Your units"),
      h("span", { class: "cp-brand" }, "Coplan")),
    h("main", { id: "main", class: "cp-log" },
      h("h1", {}, "Collaboration log"),
      h("p", { class: "cp-help" },
        `Every unit you have planned with a partner, ${user.name}, taken from what you both actually did in Coplan. ` +
        "Only counts and the unit's settings appear here: no drafts, reflections or student notes."),
      form,
      h("div", { class: "cp-row cp-log-actions" }, csvLink, reportLink),
      summary,
      table,
      h("p", { class: "cp-credit" },
        "Depth of collaboration uses Patricia Montiel-Overall's model (coordination, cooperation, integrated instruction, integrated curriculum), as the partners agreed in their reflection. " +
        "Co-teaching approaches are Marilyn Friend and Lynne Cook's. Standards are AASL Standards Framework for Learners codes.")),
  );

  const select = (name: keyof LogFilters, label: string, options: [string, string][]) => {
    const id = `log-${name}`;
    const s = h("select", { id, name },
      h("option", { value: "" }, "All"),
      ...options.map(([v, l]) => h("option", { value: v, selected: String(filters[name] ?? "") === v }, l)));
    s.addEventListener("change", () => {
      (filters as Record<string, string>)[name] = s.value;
      navigate(`/log${logQuery(filters)}`);
    });
    return h("label", { for: id }, `${label} `, s);
  };

  api.log(filters).then((log: CollaborationLog) => {
    if (stopped) return;
    form.replaceChildren(
      select("year", "School year", log.options.years.map((y) => [y, y])),
      select("grade", "Grade", log.options.grades.map((g) => [g, g])),
      select("subject", "Subject", log.options.subjects.map((s) => [s, s])),
      select("partner", "Partner", log.options.partners.map((p) => [String(p.id), p.name])),
    );
    const t = log.totals;
    summary.textContent = log.rows.length
      ? `${t.units} unit${t.units === 1 ? "" : "s"} with ${t.partners} partner${t.partners === 1 ? "" : "s"}, ${t.lessons} lessons, ${t.students} students.`
      : "No units match. Try another filter, or start a unit from your home page.";
    if (!log.rows.length) return table.replaceChildren();
    const heads = ["Unit", "Dates", "Partners", "Grade", "Subject", "Course", "Students", "Phases done", "Approaches", "AASL standards",
      "Depth (agreed)", "Co-plan balance", "Co-teach balance", "Co-assess balance", "Expertise brought", "Expertise learned", "Took part", "Met expectations"];
    table.replaceChildren(h("table", { class: "cp-table cp-log-table" },
      h("caption", {}, "Your units"),
      h("thead", {}, h("tr", {}, ...heads.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...log.rows.map((r) => h("tr", { "data-unit": r.id },
        h("th", { scope: "row" }, h("a", { href: `/unit/${r.id}`, onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${r.id}`); } }, r.title)),
        h("td", {}, [r.startDate, r.endDate].filter(Boolean).join(" – ") || r.schoolYear),
        h("td", {}, r.partners.map((p) => p.name).join(", ")),
        h("td", {}, r.grade), h("td", {}, r.subject), h("td", {}, r.course),
        h("td", {}, r.students === null ? "" : String(r.students)),
        h("td", {}, r.phasesCompleted.map((p) => log.labels.phases[p] ?? p).join(", ")),
        h("td", {}, countsText(r.approaches, log.labels.approaches)),
        h("td", {}, r.standards.join(", ")),
        h("td", {}, r.depthLabel || "Not agreed yet"),
        h("td", {}, balanceText(r, "plan")), h("td", {}, balanceText(r, "teach")), h("td", {}, balanceText(r, "assess")),
        h("td", {}, expertiseText(r, "brought")), h("td", {}, expertiseText(r, "learned")),
        h("td", {}, r.outcomes.participants === null ? "" : String(r.outcomes.participants)),
        h("td", {}, r.outcomes.metExpectations === null ? "" : String(r.outcomes.metExpectations)))))));
  }).catch(() => { if (!stopped) summary.textContent = "Could not load your log. Check your connection and try again."; });
  return () => { stopped = true; };
}
