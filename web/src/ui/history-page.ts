// The history of a unit: a timeslider over every edit. Drag or step edit by edit, or jump a day
// at a time, and see the whole unit exactly as it was (every field with its authors, the lists);
// restore a field, or bring back a removed lesson, as a new edit — history is never rewritten;
// open the contribution figures as of the moment shown. `?op=N` opens the history at edit N.
import { api, type PastState, type Timeline, type User } from "../api";
import type { Member, StructureState } from "../sync/protocol";
import { colorOf, roleLabel } from "./colors";
import { h, toast } from "./dom";
import { localDays, nextDay, previousDay } from "./history-days";
import type { Template } from "./page-context";

export function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

/** The moment `?op=N` in the address names (a number of edits), if any. */
export function opFromQuery(): number | undefined {
  const v = new URLSearchParams(location.search).get("op");
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** A text with its author runs, as read-only coloured spans. */
export function authoredText(text: string, runs: [number, number][], members: Member[]): HTMLElement {
  const out = h("div", { class: "cp-past-text" });
  let pos = 0;
  for (const [len, author] of runs) {
    out.append(h("span", { class: `cp-author cp-author-${colorOf(members, author)}`, title: members.find((m) => m.id === author)?.name ?? "" }, text.slice(pos, pos + len)));
    pos += len;
  }
  if (pos < text.length) out.append(text.slice(pos));
  if (!text) out.append(h("span", { class: "cp-empty" }, "(empty)"));
  return out;
}

export async function historyPage(root: HTMLElement, unitId: string, _user: User, navigate: (p: string) => void): Promise<() => void> {
  const main = h("main", { id: "main", class: "cp-unit cp-history" }, h("p", {}, "Loading the history…"));
  root.replaceChildren(
    h("header", { class: "cp-topbar" },
      h("a", { href: `/unit/${unitId}`, class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${unitId}`); } }, "← Back to the unit"),
      h("span", { class: "cp-brand" }, "Coplan")),
    main,
  );
  const [{ unit }, timeline] = await Promise.all([api.unit(unitId), api.history(unitId)]);
  const { template } = await api.template(unit.template);
  const t = template as Template;
  const members: Member[] = unit.members.map((m) => ({ id: m.id, name: m.name, role: m.role }));
  let tl: Timeline = timeline;
  let current: PastState = await api.historyAt(unitId, tl.ops);
  const asked = opFromQuery();
  let shown: PastState = asked !== undefined && asked < tl.ops ? await api.historyAt(unitId, asked) : current;

  const slider = h("input", { type: "range", id: "history-slider", min: 0, max: tl.ops, value: shown.op, step: 1, "aria-describedby": "history-where" });
  const where = h("p", { id: "history-where", class: "cp-history-where", "aria-live": "polite" });
  const body = h("div", { class: "cp-history-body" });
  const button = (label: string, action: string, run: () => void) => h("button", { type: "button", class: "secondary", "data-action": action, onclick: run }, label);
  // Days in the browser's time zone, not the server's UTC days.
  let days = localDays(tl.slots);
  const go = (op: number) => {
    slider.value = String(Math.max(0, Math.min(tl.ops, op)));
    load();
  };
  const controls = h("div", { class: "cp-history-controls" },
    button("◀ Previous day", "prev-day", () => go(previousDay(days, tl.ops, Number(slider.value)))),
    button("◀ Previous edit", "prev", () => go(Number(slider.value) - 1)),
    button("Next edit ▶", "next", () => go(Number(slider.value) + 1)),
    button("Next day ▶", "next-day", () => go(nextDay(days, tl.ops, Number(slider.value)))),
    button("Now", "now", () => go(tl.ops)),
  );
  const figures = h("a", {
    class: "cp-button-link", "data-action": "figures", href: `/unit/${unitId}/contributions`,
    onclick: (e: Event) => { e.preventDefault(); navigate(figures.getAttribute("href")!); },
  }, "Figures as of this moment");
  controls.append(figures);
  main.replaceChildren(
    h("h1", {}, `History of “${unit.title}”`),
    h("p", { class: "cp-help" }, "Every edit either of you made, in order. Move the slider or step through the edits; restoring something from the past adds a new edit and keeps the history as it was."),
    h("div", { class: "cp-history-slider" }, h("label", { for: "history-slider" }, "Point in history"), slider),
    controls,
    where,
    body,
  );

  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  function load() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(async () => {
      const op = Number(slider.value);
      const mine = ++seq;
      const state = await api.historyAt(unitId, op);
      if (mine !== seq) return;
      shown = state;
      render();
    }, 60);
  }

  function valueText(spec: { kind: string; options?: string }, v: unknown): string {
    if (v === undefined || v === null || v === "") return "—";
    if (spec.kind === "choice") return t.choices[spec.options ?? ""]?.find((c) => c.id === v)?.label ?? String(v);
    if (spec.kind === "member") return members.find((m) => m.id === v)?.name ?? String(v);
    if (Array.isArray(v)) return v.join(", ");
    return String(v);
  }

  function restoreButton(stream: string) {
    const now = current.streams[stream]?.text ?? "";
    const then = shown.streams[stream]?.text ?? "";
    if (now === then || shown.op === current.op) return "";
    return h("button", {
      type: "button", class: "secondary", "data-action": "restore-field",
      onclick: async () => {
        await api.restore(unitId, { op: shown.op, stream });
        toast("Restored as a new edit.");
        await refreshNow();
      },
    }, "Restore this text");
  }

  /** The values of a block ("unit" or a block id) in a state, or undefined when it has no such block. */
  function valuesIn(state: PastState, block: string): Record<string, unknown> | undefined {
    const st: StructureState = state.structure;
    if (block === "unit") return st.values;
    for (const list of Object.values(st.lists)) {
      const b = list.find((x) => x.id === block);
      if (b) return b.values;
    }
    return undefined;
  }

  function valueRestoreButton(block: string, spec: { id: string; label: string }) {
    if (shown.op === current.op) return "";
    const then = valuesIn(shown, block)?.[spec.id] ?? null;
    const nowValues = valuesIn(current, block);
    if (!nowValues || JSON.stringify(nowValues[spec.id] ?? null) === JSON.stringify(then)) return "";
    return h("button", {
      type: "button", class: "secondary", "data-action": "restore-value", "aria-label": `Restore ${spec.label} as it was then`,
      onclick: async () => {
        await api.restore(unitId, { op: shown.op, block, field: spec.id });
        toast(`${spec.label} restored as a new edit.`);
        await refreshNow();
      },
    }, "Restore");
  }

  function field(block: string, spec: { id: string; label: string; kind: string; options?: string }, values: Record<string, unknown>) {
    if (spec.kind === "text") {
      const stream = `${block}.${spec.id}`;
      const s = shown.streams[stream];
      return h("div", { class: "cp-past-field", "data-stream": stream },
        h("div", { class: "cp-label" }, spec.label, " ", restoreButton(stream)),
        authoredText(s?.text ?? "", s?.authors ?? [], members));
    }
    if (spec.kind === "list") return "";
    return h("p", { class: "cp-past-field" }, h("span", { class: "cp-label" }, `${spec.label}: `), valueText(spec, values[spec.id]), " ",
      valueRestoreButton(block, spec));
  }

  function render() {
    const s: StructureState = shown.structure;
    const at = shown.at;
    const moment = shown.op === tl.ops ? "" : `?op=${shown.op}`;
    figures.setAttribute("href", `/unit/${unitId}/contributions${moment}`);
    // The address keeps the moment, so coming back to this page returns to it.
    const here = `/unit/${unitId}/history`;
    if (location.pathname === here) window.history.replaceState(window.history.state, "", here + moment);
    where.textContent = shown.op === 0 ? "When the unit was created." :
      `Edit ${shown.op} of ${tl.ops} — ${when(at!.time)}, by ${members.find((m) => m.id === at!.author)?.name ?? "someone"}` +
      (shown.op === tl.ops ? " (now)" : "");
    const nowLists = current.structure.lists;
    body.replaceChildren();
    // The unit's own values at that moment: its title and the phase it was in. The phase is one of
    // the template's phase choices (plan … reflect), not one of its tabs: there is no reflect tab.
    const phaseChoices = t.choices.phases ?? [];
    const phaseThen = phaseChoices.find((p) => p.id === (s.values.phase ?? "plan"))?.label ?? String(s.values.phase ?? "—");
    body.append(h("p", { class: "cp-past-field", "data-field": "title" },
      h("span", { class: "cp-label" }, "Title: "), String(s.values.title ?? "—"), " ", valueRestoreButton("unit", { id: "title", label: "Title" })));
    body.append(h("p", { class: "cp-past-field", "data-field": "phase" },
      h("span", { class: "cp-label" }, "Phase: "), phaseThen, " ", valueRestoreButton("unit", { id: "phase", label: "Phase" })));
    for (const phase of t.phases) {
      const sec = h("section", { class: "cp-section" }, h("h2", {}, phase.label));
      for (const section of phase.sections) {
        sec.append(h("h3", {}, section.label));
        for (const f of section.fields) {
          if (f.kind === "list") {
            const spec = t.lists[f.list!];
            const blocks = (s.lists[f.list!] ?? []).filter((b) => !b.removed);
            const list = h("ol", { class: "cp-past-list" });
            for (const b of blocks) {
              const item = h("li", { class: "cp-block" });
              const removedNow = nowLists[f.list!]?.find((x) => x.id === b.id)?.removed;
              if (removedNow && f.view !== "teach")
                item.append(h("p", { class: "cp-meta" }, `This ${spec.label.toLowerCase()} has been removed since. `,
                  h("button", { type: "button", class: "secondary", "data-action": "restore-block", onclick: async () => {
                    await api.restore(unitId, { op: shown.op, block: b.id });
                    toast(`${spec.label} brought back.`);
                    await refreshNow();
                  } }, `Bring it back`)));
              for (const lf of spec.fields)
                if (!lf.phase || lf.phase === (f.view ?? phase.id)) item.append(field(b.id, lf, b.values));
              list.append(item);
            }
            sec.append(h("h4", {}, f.label), blocks.length ? list : h("p", { class: "cp-empty" }, "None yet."));
          } else sec.append(field("unit", f, s.values));
        }
      }
      body.append(sec);
    }
  }

  async function refreshNow() {
    tl = await api.history(unitId);
    days = localDays(tl.slots);
    slider.max = String(tl.ops);
    current = await api.historyAt(unitId, tl.ops);
    render();
  }

  slider.addEventListener("input", load);
  where.textContent = "";
  render();
  const legend = h("p", { class: "cp-legend" }, "Colours: ",
    ...members.map((m) => h("span", { class: `cp-legend-item cp-author cp-author-${colorOf(members, m.id)}` }, `${m.name} (${roleLabel(m.role)})`)));
  main.insertBefore(legend, body);
  return () => {
    if (timer) clearTimeout(timer);
  };
}
