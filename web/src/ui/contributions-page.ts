// Who contributed what, for both partners side by side and counted the same way: per phase and
// section what each wrote and what of it is still there, how often each revised the other's
// text, lesson segments led and supported, approaches used, and the expertise each brought and
// learned. Each chart has the same numbers as a table. Nothing here ranks one partner above the
// other: partners are always in the same order and no total is compared. `?op=N` shows the figures
// as of the unit's first N edits, with a way to pick another moment and to see the unit then.
import { api, type User } from "../api";
import type { Member } from "../sync/protocol";
import { colorOf, roleLabel } from "./colors";
import { h } from "./dom";
import { opFromQuery, when } from "./history-page";

const approachLabels: Record<string, string> = {
  one_teach_one_assist: "One teach, one assist",
  one_teach_one_observe: "One teach, one observe",
  station: "Station teaching",
  parallel: "Parallel teaching",
  alternative: "Alternative teaching",
  teaming: "Teaming",
};

export async function contributionsPage(root: HTMLElement, unitId: string, _user: User, navigate: (p: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-unit cp-contrib" }, h("p", {}, "Counting…"));
  root.replaceChildren(
    h("header", { class: "cp-topbar" },
      h("a", { href: `/unit/${unitId}`, class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${unitId}`); } }, "← Back to the unit"),
      h("span", { class: "cp-brand" }, "Coplan")),
    main,
  );
  const asked = opFromQuery();
  const [{ unit }, r] = await Promise.all([
    api.unit(unitId),
    api.contributions(unitId, asked).catch(() => api.contributions(unitId)),  // a moment past the end: now
  ]);
  const members: Member[] = r.members;
  const past = r.ops < r.latest;
  const nowThen = past ? "then" : "now";
  const nameOf = (id: number) => members.find((m) => m.id === id)?.name ?? "someone";
  const color = (id: number) => colorOf(members, id);
  const key = (m: Member) => String(m.id);
  const memberHeads = (suffix = "") => members.map((m) => h("th", { scope: "col" }, `${m.name}${suffix}`));

  /** Bars for each partner (one scale per chart), then the same numbers as a table. */
  function pairChart(caption: string, rows: { label: string; values: number[] }[]) {
    const max = Math.max(1, ...rows.flatMap((row) => row.values));
    const chart = h("div", { class: "cp-chart", "aria-hidden": "true" });
    for (const row of rows) {
      const bars = h("div", { class: "cp-chart-bars" });
      row.values.forEach((v, i) =>
        bars.append(
          h("div", { class: "cp-bar-line" },
            h("span", { class: `cp-bar cp-bg-${color(members[i].id)}`, style: `width: ${(100 * v) / max}%` }),
            h("span", { class: "cp-bar-value" }, String(v))),
        ),
      );
      chart.append(h("div", { class: "cp-chart-row" }, h("span", { class: "cp-chart-label" }, row.label), bars));
    }
    const table = h("table", { class: "cp-table" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Section"), ...memberHeads())),
      h("tbody", {}, ...rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label), ...row.values.map((v) => h("td", {}, String(v)))))));
    return h("figure", { class: "cp-figure" }, h("figcaption", {}, caption), chart, table);
  }

  const active = (f: string) => r.sections.filter((s: any) => members.some((m) => s.byUser[key(m)][f] > 0));
  const written = pairChart(
    `Characters each partner wrote that are in the unit ${nowThen}, by section`,
    active("typed").map((s: any) => ({ label: `${s.phaseLabel}: ${s.label}`, values: members.map((m) => s.byUser[key(m)].survives) })),
  );
  const revised = pairChart(
    "Edits to the other partner's text (a sign of integrated work), by section",
    active("edits").map((s: any) => ({ label: `${s.phaseLabel}: ${s.label}`, values: members.map((m) => s.byUser[key(m)].revisionsOfPartner) })),
  );
  const totals = h("table", { class: "cp-table" },
    h("caption", {}, "All sections together"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Figure"), ...memberHeads())),
    h("tbody", {},
      ...[
        ["Characters typed", "typed"],
        [`Characters in the unit ${nowThen}`, "survives"],
        ["Of those, revised by the partner (shared work)", "sharedSurvives"],
        ["Edits", "edits"],
        ["Edits to the partner's text", "revisionsOfPartner"],
      ].map(([label, f]) => h("tr", {}, h("th", { scope: "row" }, label), ...members.map((m) => h("td", {}, String(r.totals[key(m)][f]))))),
      h("tr", {}, h("th", { scope: "row" }, "Structure changes (lessons, settings, comments, tags)"), ...members.map((m) => h("td", {}, String(r.commands[key(m)])))),
    ));

  const lessons = r.lessons;
  const segments = h("table", { class: "cp-table" },
    h("caption", {}, `Lesson segments (${lessons.count} lessons, ${lessons.segmentsPlanned} segments planned)`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Role in the segment"), ...memberHeads())),
    h("tbody", {}, ...[["Led", "segmentsLed"], ["Co-led (teaming)", "segmentsCoLed"], ["Supported", "segmentsSupported"]].map(([label, f]) =>
      h("tr", {}, h("th", { scope: "row" }, label), ...members.map((m) => h("td", {}, String(lessons.byUser[key(m)][f])))))));
  const approaches = Object.entries(lessons.approaches as Record<string, number>);
  const approachList = approaches.length
    ? h("ul", { class: "cp-approaches" }, ...approaches.map(([a, n]) => h("li", {}, `${approachLabels[a] ?? a}: ${n} segment${n === 1 ? "" : "s"}`)))
    : h("p", { class: "cp-empty" }, "No co-teaching approaches chosen yet.");

  const areas = r.expertise.areas as Record<string, string>;
  const map = h("table", { class: "cp-table cp-expertise-map" },
    h("caption", {}, "Expertise map: areas each partner brought (tagged ●) and learned (acknowledged ○)"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Area"), ...members.flatMap((m) => [h("th", { scope: "col" }, `${m.name}: brought`), h("th", { scope: "col" }, `${m.name}: learned`)]))),
    h("tbody", {}, ...Object.entries(areas).map(([id, label]) =>
      h("tr", {}, h("th", { scope: "row" }, label), ...members.flatMap((m) => {
        const e = r.expertise.byUser[key(m)];
        return [h("td", {}, e.brought[id] ? `● ${e.brought[id]}` : ""), h("td", {}, e.learned[id] ? `○ ${e.learned[id]}` : "")];
      })))));
  const listOf = (o: Record<string, number>) => Object.keys(o).map((a) => areas[a] ?? a).join(", ");

  // The moment counted: any edit number, or now; and the unit as it was then.
  const go = (op: number) => navigate(`/unit/${unitId}/contributions${op >= r.latest ? "" : `?op=${op}`}`);
  const moment = h("input", { type: "number", id: "contrib-moment", class: "cp-moment", min: 0, max: r.latest, step: 1, value: r.ops });
  const historyHref = `/unit/${unitId}/history${past ? `?op=${r.ops}` : ""}`;
  const momentForm = h("form", {
    class: "cp-history-controls", "aria-label": "Moment counted", style: "align-items: center; margin-bottom: 0.75rem",
    onsubmit: (e: Event) => {
      e.preventDefault();
      const n = Math.round(Number(moment.value));
      if (moment.value !== "" && Number.isFinite(n)) go(Math.max(0, Math.min(r.latest, n)));
    },
  },
    h("label", { for: "contrib-moment" }, "Figures as of edit"), moment, ` of ${r.latest}`,
    h("button", { type: "submit", class: "secondary" }, "Show"),
    past ? h("button", { type: "button", class: "secondary", "data-action": "now", onclick: () => go(r.latest) }, "Now") : null,
    h("a", { href: historyHref, class: "cp-button-link", onclick: (e: Event) => { e.preventDefault(); navigate(historyHref); } },
      past ? "See the unit at this moment" : "See the history"));
  const counted = !past
    ? `Counted from all ${r.ops} edits in the unit's history, the same way for each partner.`
    : `As of edit ${r.ops} of ${r.latest}` + (r.at ? ` (${when(r.at.time)}, by ${nameOf(r.at.author)})` : " (when the unit was created)") +
      `: counted from the unit's first ${r.ops} edits, the same way for each partner.`;

  main.replaceChildren(
    h("h1", {}, `Who contributed what to “${unit.title}”`),
    h("p", { class: "cp-help", id: "contrib-counted" }, counted),
    momentForm,
    h("div", { class: "cp-partner-cards" }, ...members.map((m) =>
      h("section", { class: `cp-partner-card cp-border-${color(m.id)}`, "aria-label": m.name },
        h("h2", {}, `${m.name} · ${roleLabel(m.role)}`),
        h("p", {}, `${r.totals[key(m)].survives} characters in the unit ${nowThen}; ${r.totals[key(m)].revisionsOfPartner} edits to the partner's text.`),
        h("p", {}, `Expertise brought: ${listOf(r.expertise.byUser[key(m)].brought) || "none tagged yet"}.`),
        h("p", {}, `Learned from the partner: ${listOf(r.expertise.byUser[key(m)].learned) || "none acknowledged yet"}.`)))),
    h("h2", {}, "Writing"),
    written,
    revised,
    totals,
    h("h2", {}, "Teaching"),
    segments,
    h("h3", {}, "Co-teaching approaches used"),
    approachList,
    h("h2", {}, "Expertise"),
    map,
    h("p", { class: "cp-credit" }, "Partners are listed in the same order everywhere; the figures describe the record and do not rank anyone."),
  );
  return () => {};
}
