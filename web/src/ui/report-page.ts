// The annual report: the collaboration log's figures for one school year (or any filter) as a
// page made for printing — headline counts, bar charts (inline SVG) of the depth of collaboration,
// co-teaching approaches, the balance of contributions per phase and the AASL standards
// addressed, then one line per unit. The print stylesheet drops the controls, so the browser's
// "Print → Save as PDF" gives a clean document.
import { api, type CollaborationLog, type User } from "../api";
import { barChart } from "./bar-chart";
import { roleLabel } from "./colors";
import { h } from "./dom";
import { countsText, filtersFromUrl } from "./log-page";

const facetOrder = ["coordination", "cooperation", "integrated_instruction", "integrated_curriculum", "not_agreed"];

export async function reportPage(root: HTMLElement, user: User, navigate: (p: string) => void): Promise<() => void> {
  const filters = filtersFromUrl();
  const main = h("main", { id: "main", class: "cp-report" }, h("p", {}, "Preparing the report…"));
  root.replaceChildren(
    h("header", { class: "cp-topbar cp-no-print" },
      h("a", { href: "/log", class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate(`/log${location.search}`); } }, "← Collaboration log"),
      h("span", { class: "cp-brand" }, "Coplan"),
      h("button", { type: "button", class: "primary", "data-action": "print", onclick: () => window.print() }, "Print or save as PDF")),
    main,
  );
  const log: CollaborationLog = await api.report(filters);  // recorded in the audit log as an export
  const t = log.totals;
  const scope = [filters.year ? `School year ${filters.year}` : "All school years", filters.grade && `grade ${filters.grade}`, filters.subject,
    filters.partner && log.options.partners.find((p) => String(p.id) === String(filters.partner))?.name && `with ${log.options.partners.find((p) => String(p.id) === String(filters.partner))!.name}`]
    .filter(Boolean).join(", ");

  const figure = (label: string, value: number) => h("div", { class: "cp-report-figure" }, h("span", { class: "cp-report-number" }, String(value)), h("span", {}, label));
  const depthBars = facetOrder.filter((f) => t.depth[f] !== undefined).map((f) => ({ label: log.labels.facets[f] ?? f, value: t.depth[f] }));
  const approachBars = Object.entries(t.approaches).map(([a, n]) => ({ label: log.labels.approaches[a] ?? a, value: n }));
  const phaseRank = (p: string) => ["plan", "teach", "assess", "reflect"].indexOf(p);
  const phaseBars = Object.entries(t.balance).sort(([a], [b]) => phaseRank(a) - phaseRank(b)).map(([, b]) => ({ label: b.label, value: b.byRole.librarian ?? 0, second: b.byRole.teacher ?? 0 }));
  const standardBars = Object.entries(t.standards).map(([code, n]) => ({ label: code, value: n }));
  const section = (title: string, caption: string, chart: SVGSVGElement, text: string) =>
    h("section", { class: "cp-report-section" }, h("h2", {}, title), h("p", { class: "cp-help" }, caption), chart, h("p", { class: "cp-report-text" }, text));

  main.replaceChildren(
    h("h1", {}, "Annual collaboration report"),
    h("p", { class: "cp-report-scope" }, `${scope}. Prepared by ${user.name}, ${roleLabel(user.role).toLowerCase()}, on ${new Date().toLocaleDateString()}.`),
    h("section", { class: "cp-report-section" },
      h("h2", {}, "At a glance"),
      h("p", { class: "cp-report-sentence" },
        `${t.units} unit${t.units === 1 ? "" : "s"} planned together with ${t.partners} partner${t.partners === 1 ? "" : "s"}, ` +
        `${t.lessons} lesson${t.lessons === 1 ? "" : "s"}, ${t.students} students in these classes; ` +
        `${t.participants} took part in the assessment and ${t.metExpectations} met expectations.`),
      h("div", { class: "cp-report-figures" },
        figure("Units planned together", t.units),
        figure("Partners", t.partners),
        figure("Lessons", t.lessons),
        figure("Students in these classes", t.students),
        figure("Students who took part in the assessment", t.participants),
        figure("Students who met expectations", t.metExpectations))),
    section("Depth of collaboration", "Units by the facet of Montiel-Overall's model the partners agreed on in their reflection.",
      barChart("Depth of collaboration", depthBars), countsText(Object.fromEntries(depthBars.map((b) => [b.label, b.value])))),
    section("Co-teaching approaches", "Lesson segments taught with each of Friend & Cook's co-teaching approaches.",
      barChart("Co-teaching approaches", approachBars), countsText(Object.fromEntries(approachBars.map((b) => [b.label, b.value]))) || "No approaches chosen yet."),
    section("Balance of contributions by phase", "Characters of each unit's text written by the librarian and by the teacher that are still in the unit, added up per phase.",
      barChart("Balance of contributions by phase", phaseBars, { legend: ["Librarian", "Teacher"] }),
      phaseBars.map((b) => `${b.label}: librarian ${b.value}, teacher ${b.second}`).join("; ")),
    section("AASL standards addressed", "Units that named each AASL Standards Framework for Learners code.",
      barChart("AASL standards addressed", standardBars), countsText(t.standards) || "No standards named yet."),
    h("section", { class: "cp-report-section" },
      h("h2", {}, "Grades and subjects"),
      h("p", {}, `Grades: ${countsText(t.grades) || "none given"}.`),
      h("p", {}, `Subjects: ${countsText(t.subjects) || "none given"}.`)),
    h("section", { class: "cp-report-section cp-report-units" },
      h("h2", {}, "Units"),
      h("table", { class: "cp-table" },
        h("thead", {}, h("tr", {}, ...["Unit", "Dates", "Partners", "Grade", "Subject", "Students", "Depth", "Took part", "Met expectations"].map((x) => h("th", { scope: "col" }, x)))),
        h("tbody", {}, ...log.rows.map((r) => h("tr", {},
          h("th", { scope: "row" }, r.title),
          h("td", {}, [r.startDate, r.endDate].filter(Boolean).join(" – ") || r.schoolYear),
          h("td", {}, r.partners.map((p) => p.name).join(", ")),
          h("td", {}, r.grade), h("td", {}, r.subject),
          h("td", {}, r.students === null ? "" : String(r.students)),
          h("td", {}, r.depthLabel || "Not agreed yet"),
          h("td", {}, r.outcomes.participants === null ? "" : String(r.outcomes.participants)),
          h("td", {}, r.outcomes.metExpectations === null ? "" : String(r.outcomes.metExpectations))))))),
    h("p", { class: "cp-credit" },
      "Figures come from the units' record in Coplan. Depth of collaboration: Patricia Montiel-Overall's model of teacher and librarian collaboration. " +
      "Co-teaching approaches: Marilyn Friend and Lynne Cook. Standards: AASL Standards Framework for Learners. No student names or notes are included."),
  );
  return () => {};
}
