// The unit page: the shared plan of one unit, phase by phase, live with the partner.
import { UnitConnection, type ConnectionStatus } from "../sync/unit-connection";
import type { User } from "../api";
import type { AuthorInfo } from "./authorship";
import { colorOf, roleLabel } from "./colors";
import { h, toast } from "./dom";
import { LessonList } from "./lessons";
import { PageContext, type Template } from "./page-context";
import { fieldExtensions } from "./text-field";

export function unitPage(root: HTMLElement, unitId: string, user: User, navigate: (path: string) => void): () => void {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  let conn: UnitConnection;
  const info: AuthorInfo = {
    me: () => conn.you?.id ?? user.id,
    nameOf: (id) => conn.members.find((m) => m.id === id)?.name ?? "someone",
    colorOf: (id) => colorOf(conn.members, id),
  };
  conn = new UnitConnection({
    url: `${proto}//${location.host}/api/units/${encodeURIComponent(unitId)}/ws`,
    makeSocket: (url) => new WebSocket(url) as any,
    extensionsFor: (stream) => fieldExtensions(conn, stream, info),
  });

  const status = h("span", { class: "cp-status", role: "status", "aria-live": "polite" }, "Connecting…");
  const people = h("ul", { class: "cp-people", "aria-label": "People in this unit now" });
  const main = h("main", { id: "main", class: "cp-unit", tabindex: "-1" }, h("p", { class: "cp-loading" }, "Opening the unit…"));
  root.replaceChildren(
    h(
      "header",
      { class: "cp-topbar" },
      h("a", { href: "/", class: "cp-back", onclick: (e: Event) => { e.preventDefault(); navigate("/"); } }, "← Your units"),
      h("span", { class: "cp-brand" }, "Coplan"),
      people,
      status,
    ),
    main,
  );

  let ctx: PageContext | null = null;
  let lessonLists: LessonList[] = [];
  let online: { user: number; clientID: string }[] = [];
  const whereIs = new Map<string, string | null>(); // clientID -> stream

  const renderPeople = () => {
    people.replaceChildren();
    const seen = new Set<number>();
    for (const c of online) {
      if (seen.has(c.user)) continue;
      seen.add(c.user);
      const m = conn.members.find((x) => x.id === c.user);
      if (!m) continue;
      const me = m.id === conn.you?.id;
      const where = [...online].filter((o) => o.user === m.id).map((o) => whereIs.get(o.clientID)).find(Boolean);
      people.append(
        h(
          "li",
          { class: `cp-person cp-swatch-${colorOf(conn.members, m.id)}`, title: where ? `In ${labelOfStream(where)}` : "" },
          `${m.name}${me ? " (you)" : ""}`,
          where && !me ? h("span", { class: "cp-where" }, ` · ${labelOfStream(where)}`) : "",
        ),
      );
    }
  };

  const labelOfStream = (stream: string): string => {
    const [block, field] = stream.split(".");
    const t = conn.template as Template | null;
    if (!t) return stream;
    if (block === "unit") {
      for (const p of t.phases) for (const s of p.sections) for (const f of s.fields) if (f.id === field) return f.label;
    }
    const lf = t.lesson_fields.find((f) => f.id === field);
    const n = conn.structure.view().lessons.filter((l) => !l.removed).findIndex((l) => l.id === block);
    return lf ? `Lesson ${n + 1}: ${lf.label}` : stream;
  };

  const statusText = (s: ConnectionStatus): string => {
    const n = conn.unconfirmed();
    if (s === "online") return n ? "Saving…" : "All changes saved";
    if (s === "offline") return n ? `Offline — ${n} unsaved change${n === 1 ? "" : "s"} kept here, will sync` : "Offline — reconnecting…";
    return s === "closed" ? "Closed" : "Connecting…";
  };
  const refreshStatus = () => {
    const text = statusText(conn.status);
    if (status.textContent !== text) status.textContent = text;
    status.dataset.state = conn.status;
  };
  const statusTimer = setInterval(refreshStatus, 400);

  const build = () => {
    const t = conn.template as Template;
    ctx?.destroy();
    ctx = new PageContext(conn, info, t);
    lessonLists = [];
    const view = conn.structure.view();
    const titleSpec = t.unit_fields.find((f) => f.id === "title");
    const phaseIndex = Math.max(0, t.choices.phases?.findIndex((p) => p.id === view.values.phase) ?? 0);

    const tabs = h("div", { class: "cp-tabs", role: "tablist", "aria-label": "Phases" });
    const panels = h("div", { class: "cp-panels" });
    t.phases.forEach((phase, i) => {
      const tab = h(
        "button",
        { type: "button", role: "tab", id: `tab-${phase.id}`, "aria-controls": `panel-${phase.id}`, "aria-selected": i === 0 ? "true" : "false", tabindex: i === 0 ? "0" : "-1" },
        phase.label,
      );
      const panel = h("section", { role: "tabpanel", id: `panel-${phase.id}`, "aria-labelledby": `tab-${phase.id}`, class: "cp-panel", hidden: i !== 0 });
      for (const section of phase.sections) {
        const sec = h("section", { class: "cp-section", "aria-labelledby": `sec-${phase.id}-${section.id}` });
        sec.append(h("h2", { id: `sec-${phase.id}-${section.id}` }, section.label));
        if (section.help) sec.append(h("p", { class: "cp-help" }, section.help));
        const scalars = h("div", { class: "cp-row" });
        for (const f of section.fields) {
          if (f.kind === "text") sec.append(ctx!.text("unit", f));
          else if (f.kind === "lessons") {
            const list = new LessonList(ctx!, phase.id === "plan" ? "plan" : "teach");
            lessonLists.push(list);
            sec.append(h("h3", {}, f.label), list.element);
          } else if (f.kind === "codes") sec.append(codesField(f.id, f.label));
          else scalars.append(ctx!.scalar("unit", f));
        }
        if (scalars.childElementCount) sec.insertBefore(scalars, sec.children[section.help ? 2 : 1] ?? null);
        panel.append(sec);
      }
      tab.addEventListener("click", () => select(i));
      tab.addEventListener("keydown", (e) => {
        const k = (e as KeyboardEvent).key;
        if (k === "ArrowRight" || k === "ArrowLeft") {
          e.preventDefault();
          const next = (i + (k === "ArrowRight" ? 1 : t.phases.length - 1)) % t.phases.length;
          select(next);
          (tabs.children[next] as HTMLElement).focus();
        }
      });
      tabs.append(tab);
      panels.append(panel);
    });
    const select = (i: number) => {
      [...tabs.children].forEach((tab, j) => {
        tab.setAttribute("aria-selected", String(i === j));
        tab.setAttribute("tabindex", i === j ? "0" : "-1");
      });
      [...panels.children].forEach((p, j) => ((p as HTMLElement).hidden = i !== j));
      for (const l of lessonLists) l.update();
    };

    const phases = t.choices.phases ?? [];
    const phaseLine = h("p", { class: "cp-phase" });
    const advance = h("button", { type: "button", class: "secondary", "data-action": "advance-phase" });
    advance.addEventListener("click", () => {
      const cur = phases.findIndex((p) => p.id === (conn.structure.view().values.phase ?? "plan"));
      const next = phases[Math.min(phases.length - 1, Math.max(0, cur) + 1)];
      if (next) conn.command({ op: "set", block: "unit", field: "phase", value: next.id });
    });
    const refreshPhase = () => {
      const cur = Math.max(0, phases.findIndex((p) => p.id === (conn.structure.view().values.phase ?? "plan")));
      phaseLine.replaceChildren("Unit phase: ", h("strong", {}, phases[cur]?.label ?? "Plan"));
      advance.hidden = cur >= phases.length - 1;
      advance.textContent = `Move the unit to ${phases[cur + 1]?.label ?? ""}`;
    };
    refreshPhase();

    const legend = h("div", { class: "cp-legend" }, h("span", { class: "cp-legend-title" }, "Who wrote what:"));
    for (const m of conn.members)
      legend.append(h("span", { class: `cp-legend-item cp-author cp-author-${colorOf(conn.members, m.id)}` }, `${m.name} (${roleLabel(m.role)})`));
    const toggle = h("input", { type: "checkbox", id: "show-authors", checked: true });
    toggle.addEventListener("change", () => main.classList.toggle("cp-hide-authors", !toggle.checked));
    legend.append(h("label", { class: "cp-toggle", for: "show-authors" }, toggle, " Show colours"));

    main.replaceChildren(
      h(
        "div",
        { class: "cp-unit-head" },
        titleSpec ? h("div", { class: "cp-title" }, ctx.scalar("unit", titleSpec, "Unit title")) : "",
        h("div", { class: "cp-phase-bar" }, phaseLine, advance),
        legend,
      ),
      tabs,
      panels,
      t.credit ? h("footer", { class: "cp-credit" }, t.credit) : "",
    );
    for (const l of lessonLists) l.update();
    select(Math.min(phaseIndex, t.phases.length - 1) === 3 ? 0 : Math.min(phaseIndex, t.phases.length - 1));
    structureListeners = [refreshPhase];
  };

  let structureListeners: (() => void)[] = [];
  const aaslBoxes = new Map<string, HTMLInputElement>();
  const options_name = (field: string): string => {
    const t = conn.template as Template;
    for (const p of t.phases) for (const s of p.sections) for (const f of s.fields) if (f.id === field) return f.options ?? field;
    return field;
  };
  function codesField(field: string, label: string): HTMLElement {
    const box = h("fieldset", { class: "cp-codes" }, h("legend", {}, label));
    const summary = h("p", { class: "cp-covered", "aria-live": "polite" });
    const grid = h("div", { class: "cp-code-grid" });
    // The template lists the codes (AASL Standards Framework for Learners, codes only), labelled
    // "Foundation · Domain"; group them into a Foundation × Domain grid.
    const options = (conn.template as Template).choices[options_name(field)] ?? [];
    const groups = new Map<string, Map<string, string[]>>();
    for (const o of options) {
      const [foundation, domain] = o.label.split(" · ");
      const [fc, dc] = o.id.split(".");
      const g = groups.get(`${fc}. ${foundation}`) ?? new Map<string, string[]>();
      groups.set(`${fc}. ${foundation}`, g);
      const list = g.get(`${dc}. ${domain}`) ?? [];
      g.set(`${dc}. ${domain}`, list);
      list.push(o.id);
    }
    for (const [foundation, domains] of groups) {
      const group = h("div", { class: "cp-code-group", role: "group", "aria-label": foundation }, h("div", { class: "cp-code-foundation" }, foundation));
      for (const [domain, codes] of domains) {
        const dom = h("div", { class: "cp-code-domain" }, h("span", { class: "cp-code-domain-name" }, domain));
        for (const code of codes) {
          const cb = h("input", { type: "checkbox", value: code, id: `code-${code}` });
          cb.addEventListener("change", () => {
            const current = new Set((conn.structure.view().values[field] as string[] | undefined) ?? []);
            if (cb.checked) current.add(code);
            else current.delete(code);
            conn.command({ op: "set", block: "unit", field, value: [...current].sort() });
          });
          aaslBoxes.set(code, cb);
          dom.append(h("label", { class: "cp-code", for: `code-${code}` }, cb, code));
        }
        group.append(dom);
      }
      grid.append(group);
    }
    box.append(summary, grid);
    const refresh = () => {
      const chosen = (conn.structure.view().values[field] as string[] | undefined) ?? [];
      for (const [code, cb] of aaslBoxes) cb.checked = chosen.includes(code);
      summary.textContent = chosen.length ? `Covered: ${chosen.join(", ")}` : "No learner standards picked yet.";
    };
    structureListeners.push(refresh);
    setTimeout(refresh, 0);
    return box;
  }

  conn.on("welcome", () => {
    if (!ctx) build();
    renderPeople();
    main.dataset.ready = "true";
  });
  conn.on("structure", () => {
    if (!ctx) return;
    ctx.refreshScalars();
    for (const l of lessonLists) l.update();
    for (const f of structureListeners) f();
  });
  conn.on("online", (clients) => {
    online = clients;
    renderPeople();
  });
  conn.on("presence", (p) => {
    whereIs.set(p.clientID, p.stream);
    renderPeople();
  });
  conn.on("status", refreshStatus);
  conn.on("error", (code, message) => {
    if (code === "unknown_unit") navigate("/");
    toast(`The server refused a change (${code}): ${message}`);
  });
  conn.on("lostText", (stream, text) => {
    console.warn("coplan: unsent text could not be merged", stream, text);
    toast(`Some text you typed in ${labelOfStream(stream)} could not be merged. It is in the browser console log.`);
  });
  conn.connect();

  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (conn.unconfirmed() > 0) {
      e.preventDefault();
      e.returnValue = "";
    }
  };
  window.addEventListener("beforeunload", beforeUnload);
  (window as any).coplan = conn; // for the browser tests and for support

  return () => {
    clearInterval(statusTimer);
    window.removeEventListener("beforeunload", beforeUnload);
    ctx?.destroy();
    conn.close();
  };
}

