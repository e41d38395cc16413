// A coordinator's view of the schools assigned to them: counts only (units, partnerships,
// teachers reached, grades and subjects covered, depth of collaboration, outcome counts). No unit
// titles, names, drafts, reflections or student notes ever reach this page; the server sends none.
import { api, type SchoolCounts, type User } from "../api";
import { barChart } from "./bar-chart";
import { h } from "./dom";
import { countsText } from "./log-page";

export async function coordinatorPage(root: HTMLElement, _user: User, navigate: (p: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-report cp-coordinator" }, h("p", {}, "Counting…"));
  root.replaceChildren(
    h("header", { class: "cp-topbar cp-no-print" },
      h("a", { href: "/", class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate("/"); } }, "← Home"),
      h("span", { class: "cp-brand" }, "Coplan"),
      h("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Print")),
    main,
  );
  const r = await api.coordinatorSummary();
  const block = (title: string, c: SchoolCounts) =>
    h("section", { class: "cp-report-section", "aria-label": title },
      h("h2", {}, title),
      h("table", { class: "cp-table" }, h("tbody", {},
        ...([["Units planned together", c.units], ["Partnerships", c.partnerships], ["Teachers reached", c.teachersReached],
          ["Librarians", c.librarians], ["Lessons", c.lessons], ["Students in these classes", c.students],
          ["Students who took part in the assessment", c.outcomes.participants], ["Students who met expectations", c.outcomes.metExpectations]] as [string, number][])
          .map(([label, n]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, String(n)))))),
      h("p", {}, `Grades covered: ${countsText(c.grades) || "none given"}.`),
      h("p", {}, `Subjects covered: ${countsText(c.subjects) || "none given"}.`),
      barChart(`Depth of collaboration, ${title}`, Object.entries(c.depth).map(([f, n]) => ({ label: r.labels.facets[f] ?? f, value: n }))),
      h("p", {}, `Depth of collaboration: ${countsText(c.depth, r.labels.facets) || "no units yet"}.`));
  main.replaceChildren(
    h("h1", {}, "School summary"),
    h("p", { class: "cp-help" },
      "Counts for the schools assigned to you. Unit plans, drafts, reflections and student notes stay with the partners who wrote them."),
    ...(r.schools.length ? r.schools.map((s) => block(s.name ?? "School", s)) : [h("p", { class: "cp-empty" }, "No schools are assigned to you yet. Ask an administrator.")]),
    r.schools.length > 1 ? block("All your schools", r.all) : "",
    h("p", { class: "cp-credit" }, "Depth of collaboration follows Patricia Montiel-Overall's model, as agreed by each unit's partners."),
  );
  return () => {};
}
