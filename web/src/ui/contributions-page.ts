// Who contributed what, for both partners side by side and counted the same way: per phase and
// section what each wrote and what of it is still there, how often each revised the other's
// text, lesson segments led and supported, approaches used, and the expertise each brought and
// learned. Each chart has the same numbers as a table. Nothing here ranks one partner above the
// other: partners are always in the same order and no total is compared. `?op=N` shows the figures
// as of the unit's first N edits, with a way to pick another moment and to see the unit then.
import { api, type User } from "../api";
import type { Member } from "../sync/protocol";
import { chartFigure as chart, type Column } from "./bar-chart";
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
  const then = await api.historyAt(unitId, r.ops);  // the unit at the moment counted, for lesson titles
  const members: Member[] = r.members;
  const past = r.ops < r.latest;
  const nowThen = past ? "then" : "now";
  const nameOf = (id: number) => members.find((m) => m.id === id)?.name ?? "someone";
  const color = (id: number) => colorOf(members, id);
  const key = (m: Member) => String(m.id);
  const memberHeads = (suffix = "") => members.map((m) => h("th", { scope: "col" }, `${m.name}${suffix}`));

  const perPartner = (unit?: string): Column[] => members.map((m) => ({ head: m.name, color: color(m.id), unit }));

  const active = (f: string) => r.sections.filter((s: any) => members.some((m) => s.byUser[key(m)][f] > 0));
  const written = chart(
    `Characters each partner typed, and how many are in the unit ${nowThen}, by section`,
    "Section",
    members.flatMap((m) => [
      { head: `${m.name}: typed`, color: color(m.id), light: true, unit: "typed" },
      { head: `${m.name}: in the unit ${nowThen}`, color: color(m.id), unit: `in the unit ${nowThen}` },
    ]),
    active("typed").map((s: any) => ({
      label: `${s.phaseLabel}: ${s.label}`,
      values: members.flatMap((m) => [s.byUser[key(m)].typed, s.byUser[key(m)].survives]),
    })),
    "Nobody has written anything yet.",
  );
  const revised = chart(
    "Edits to the other partner's text (a sign of integrated work), by section",
    "Section",
    perPartner(),
    active("edits").map((s: any) => ({ label: `${s.phaseLabel}: ${s.label}`, values: members.map((m) => s.byUser[key(m)].revisionsOfPartner) })),
    "No edits yet.",
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
  const segments = chart(
    `Lesson segments each partner led or supported (${lessons.count} lesson${lessons.count === 1 ? "" : "s"}, ${lessons.segmentsPlanned} segment${lessons.segmentsPlanned === 1 ? "" : "s"} planned)`,
    "Role in the segment",
    perPartner(),
    [["Led", "segmentsLed"], ["Co-led (teaming)", "segmentsCoLed"], ["Supported", "segmentsSupported"]].map(([label, f]) =>
      ({ label, values: members.map((m) => lessons.byUser[key(m)][f] as number) })),
    "No lesson segments planned yet.",
  );
  const approaches = chart(
    "Co-teaching approaches used, in lesson segments",
    "Approach",
    [{ head: "Segments", color: "neutral" }],
    Object.entries(lessons.approaches as Record<string, number>).map(([a, n]) => ({ label: approachLabels[a] ?? a, values: [n] })),
    "No co-teaching approaches chosen yet.",
  );
  // Which lessons each partner led (or co-led) and supported, by title, as the unit was at the moment counted.
  const blocks = (then.structure.lists.lessons ?? []).filter((b) => !b.removed);
  const lessonName = (id: string) => {
    const i = blocks.findIndex((b) => b.id === id);
    const title = then.streams[`${id}.title`]?.text.trim() || "untitled";
    return i < 0 ? title : `Lesson ${i + 1}: ${title}`;
  };
  const lessonCell = (ids: string[]) =>
    h("td", {}, ids.length ? h("ul", { class: "cp-lesson-names" }, ...ids.map((id) => h("li", {}, lessonName(id)))) : "None yet");
  const lessonNames = h("table", { class: "cp-table cp-lessons-by" },
    h("caption", {}, "Lessons each partner led or supported"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Role in the lesson"), ...memberHeads())),
    h("tbody", {},
      h("tr", {}, h("th", { scope: "row" }, "Led or co-led"), ...members.map((m) => lessonCell(lessons.byUser[key(m)].lessonsLed))),
      h("tr", {}, h("th", { scope: "row" }, "Supported"), ...members.map((m) => lessonCell(lessons.byUser[key(m)].lessonsSupported)))));

  // The expertise map: for each area either partner brought (tagged) or learned (acknowledged), a
  // pair of bars per partner, in the same order as every other chart; the areas nobody has tagged
  // are named below it.
  const areas = r.expertise.areas as Record<string, string>;
  const expertiseOf = (m: Member) => r.expertise.byUser[key(m)] as { brought: Record<string, number>; learned: Record<string, number> };
  const mapped = Object.entries(areas).filter(([id]) => members.some((m) => expertiseOf(m).brought[id] || expertiseOf(m).learned[id]));
  const map = chart(
    "Expertise map: areas each partner brought (tagged) and learned (acknowledged)",
    "Area",
    members.flatMap((m) => [
      { head: `${m.name}: brought`, color: color(m.id), unit: "brought" },
      { head: `${m.name}: learned`, color: color(m.id), light: true, unit: "learned" },
    ]),
    mapped.map(([id, label]) => ({
      label,
      values: members.flatMap((m) => [expertiseOf(m).brought[id] ?? 0, expertiseOf(m).learned[id] ?? 0]),
    })),
    "No expertise tagged yet: tag a passage, a lesson or a section with the area it draws on.",
  );
  map.classList.add("cp-expertise-map");
  const untagged = Object.entries(areas).filter(([id]) => !mapped.some(([m]) => m === id)).map(([, label]) => label);
  if (mapped.length && untagged.length) map.append(h("p", { class: "cp-meta" }, `Not tagged yet: ${untagged.join(", ")}.`));
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
    lessonNames,
    approaches,
    h("h2", {}, "Expertise"),
    map,
    h("p", { class: "cp-credit" }, "Partners are listed in the same order everywhere; the figures describe the record and do not rank anyone."),
  );
  return () => {};
}
