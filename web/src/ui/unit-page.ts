// The unit page: the shared plan of one unit, phase by phase, live with the partner. It keeps a
// copy of the open unit in this browser (sync/offline-store.ts), so it opens from that copy when
// the server cannot be reached and nothing typed offline is lost to a reload.
import { UnitConnection, type ConnectionOptions, type ConnectionStatus, type Presence } from "../sync/unit-connection";
import { offlineStore, type Claim, type Keeper } from "../sync/offline-store";
import { api, type ActionItem, type User } from "../api";
import type { AuthorInfo } from "./authorship";
import { BlockList } from "./block-list";
import { colorOf, roleLabel } from "./colors";
import { BlameView, setSharedRanges } from "./blame";
import { CommentsPanel } from "./comments";
import { ExpertisePanel } from "./expertise";
import { possibleStudentNames } from "./student-names";
import { StudentNotesPanel } from "./student-notes";
import { h, toast } from "./dom";
import { PageContext, type SectionSpec, type Template } from "./page-context";
import { setRemoteCursors, type RemoteCursor } from "./remote-cursors";
import { PhaseHistory } from "./phase-history";
import { ReflectTab } from "./reflect-tab";
import { fieldExtensions, hooks } from "./text-field";

/** Settles when the last unit page closed has saved its copy and let go of it (the next claims it). */
let lastPageClosed: Promise<void> = Promise.resolve();

function when(ms: number): string {
  return new Date(ms).toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

export function unitPage(root: HTMLElement, unitId: string, user: User, navigate: (path: string) => void): () => void {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  let conn: UnitConnection;
  const info: AuthorInfo = {
    me: () => conn.you?.id ?? user.id,
    nameOf: (id) => conn.members.find((m) => m.id === id)?.name ?? "a former member",
    colorOf: (id) => colorOf(conn.members, id),
  };
  const socketOpts: ConnectionOptions = {
    url: `${proto}//${location.host}/api/units/${encodeURIComponent(unitId)}/ws`,
    makeSocket: (url) => new WebSocket(url) as any,
  };
  conn = new UnitConnection({ ...socketOpts, extensionsFor: (stream) => fieldExtensions(conn, stream, info) });

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
  let showPhaseTab: (() => void) | null = null; // selects the tab of the unit's current phase
  let tabChosen = false; // the user picked a tab
  let welcomedOnce = false;
  let blockLists: BlockList[] = [];
  let panels: { update(): void }[] = [];
  const blameView = new BlameView(unitId, conn, info);
  let blameOn = false;
  let refreshers: (() => void)[] = [];
  let online: { user: number; clientID: string }[] = [];
  const presence = new Map<string, Presence>(); // by clientID

  const template = () => conn.template as Template;

  const labelOfStream = (stream: string): string => {
    const [block, field] = stream.split(".");
    const t = template();
    if (!t) return stream;
    if (block === "unit") {
      for (const p of t.phases) for (const s of p.sections) for (const f of s.fields) if (f.id === field) return f.label;
      return field;
    }
    for (const [listId, list] of Object.entries(t.lists)) {
      const blocks = (conn.structure.view().lists[listId] ?? []).filter((b) => !b.removed);
      const n = blocks.findIndex((b) => b.id === block);
      if (n < 0) continue;
      const f = list.fields.find((x) => x.id === field);
      return `${list.label} ${n + 1}: ${f?.label ?? field}`;
    }
    return stream;
  };

  const renderPeople = () => {
    people.replaceChildren();
    const seen = new Set<number>();
    // You first, then the others in the order they came in.
    const me = conn.you?.id;
    for (const c of [...online].sort((a, b) => Number(b.user === me) - Number(a.user === me))) {
      if (seen.has(c.user)) continue;
      seen.add(c.user);
      const m = conn.members.find((x) => x.id === c.user);
      if (!m) continue;
      const mine = m.id === me;
      const where = online.filter((o) => o.user === m.id).map((o) => presence.get(o.clientID)?.stream).find(Boolean);
      people.append(
        h(
          "li",
          { class: `cp-person cp-swatch-${colorOf(conn.members, m.id)}` },
          `${m.name}${mine ? " (you)" : ""}`,
          where && !mine ? h("span", { class: "cp-where" }, ` · in ${labelOfStream(where)}`) : "",
        ),
      );
    }
  };

  /** Shows every partner's caret in the field they are in. */
  const renderCursors = () => {
    if (!ctx) return;
    const byStream = new Map<string, RemoteCursor[]>();
    const here = new Set(online.map((o) => o.clientID));
    for (const [clientID, p] of presence) {
      if (!p.stream || clientID === conn.clientID || !here.has(clientID)) continue;
      const list = byStream.get(p.stream) ?? [];
      list.push({ clientID, name: info.nameOf(p.user), color: info.colorOf(p.user), anchor: p.anchor ?? 0, head: p.head ?? 0 });
      byStream.set(p.stream, list);
    }
    for (const f of ctx.texts) {
      const stream = f.element.dataset.stream!;
      f.view.dispatch({ effects: setRemoteCursors.of(byStream.get(stream) ?? []) });
    }
  };

  const statusText = (s: ConnectionStatus): string => {
    const n = conn.unconfirmed();
    if (s === "online") return n ? "Saving…" : "All changes saved";
    if (s === "offline") return n ? `Offline — ${n} unsaved change${n === 1 ? "" : "s"} kept here, will sync` : "Offline — reconnecting…";
    if (s === "removed") return "You are no longer a member of this unit";
    if (s === "signedout") return n ? `Signed out — ${n} unsaved change${n === 1 ? "" : "s"} kept here until you sign in again` : "Signed out";
    return s === "closed" ? "Closed" : "Connecting…";
  };
  const refreshStatus = () => {
    const text = statusText(conn.status);
    if (status.textContent !== text) status.textContent = text;
    status.dataset.state = conn.status;
  };
  const statusTimer = setInterval(refreshStatus, 400);

  const section = (phaseId: string, s: SectionSpec): HTMLElement => {
    const headingId = `sec-${phaseId}-${s.id}`;
    const sec = h("section", { class: "cp-section", "aria-labelledby": headingId, "data-section": s.id });
    const comments = new CommentsPanel(ctx!, s.id, s.label);
    const streamsHere = () =>
      s.fields.filter((f) => f.kind === "text").map((f) => `unit.${f.id}`);
    const expertise = new ExpertisePanel(ctx!, s.id, s.label, streamsHere);
    panels.push(comments, expertise);
    sec.append(h("div", { class: "cp-section-head" }, h("h2", { id: headingId }, s.label), comments.element), expertise.element);
    if (s.help) sec.append(h("p", { class: "cp-help" }, s.help));
    const scalars = h("div", { class: "cp-row" });
    sec.append(scalars);
    for (const f of s.fields) {
      if (f.kind === "text") sec.append(ctx!.text("unit", f));
      else if (f.kind === "list") {
        const list = new BlockList(ctx!, f.list!, f.view ?? phaseId, f.label);
        blockLists.push(list);
        sec.append(h("h3", {}, f.label), f.help ? h("p", { class: "cp-help" }, f.help) : "", list.element);
      } else if (f.kind === "codes") sec.append(codesField(f.id, f.label, f.options ?? f.id));
      else scalars.append(ctx!.scalar("unit", f));
    }
    if (!scalars.childElementCount) scalars.remove();
    if (phaseId === "assess") {
      // Co-assess keeps counts: warn when its text seems to name students, and offer notes that
      // stay with the members instead.
      const warning = h("p", { class: "cp-privacy-warning", role: "status", "aria-live": "polite", hidden: true, "data-warning": "student-names" });
      const check = () => {
        const text = [...sec.querySelectorAll(".cm-content")].map((e) => (e as HTMLElement).innerText).join("\n");
        const names = possibleStudentNames(text);
        warning.hidden = !names.length;
        warning.textContent = names.length
          ? `This may name students (${names.join(", ")}). The co-assess text goes into exports, so keep it to counts and general observations, and use student notes below for anything about one student.`
          : "";
      };
      sec.addEventListener("input", check);
      sec.addEventListener("keyup", check);
      sec.addEventListener("focusout", check);
      const timer = setInterval(check, 2000);
      stopTimers.push(() => clearInterval(timer));
      sec.append(warning, new StudentNotesPanel(unitId, info.nameOf).element);
    }
    return sec;
  };
  const stopTimers: (() => void)[] = [];

  function codesField(field: string, label: string, optionsName: string): HTMLElement {
    const box = h("fieldset", { class: "cp-codes" }, h("legend", {}, label));
    const summary = h("p", { class: "cp-covered", "aria-live": "polite" });
    const grid = h("div", { class: "cp-code-grid" });
    const boxes = new Map<string, HTMLInputElement>();
    // The template lists the codes (AASL Standards Framework for Learners, codes only), labelled
    // "Foundation · Domain"; they are grouped into a Foundation × Domain grid.
    const groups = new Map<string, Map<string, string[]>>();
    for (const o of template().choices[optionsName] ?? []) {
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
          boxes.set(code, cb);
          dom.append(h("label", { class: "cp-code", for: `code-${code}` }, cb, code));
        }
        group.append(dom);
      }
      grid.append(group);
    }
    box.append(summary, h("details", {}, h("summary", {}, "Choose standards"), grid));
    const refresh = () => {
      const chosen = (conn.structure.view().values[field] as string[] | undefined) ?? [];
      for (const [code, cb] of boxes) cb.checked = chosen.includes(code);
      summary.textContent = chosen.length ? `Covered: ${chosen.join(", ")}` : "No learner standards picked yet.";
    };
    refreshers.push(refresh);
    return box;
  }

  const downloadMarkdown = async () => {
    const res = await fetch(`/api/units/${encodeURIComponent(unitId)}/export.md`, { credentials: "same-origin" });
    if (!res.ok) return toast("The export failed. Try again.");
    const blob = await res.blob();
    const a = h("a", { href: URL.createObjectURL(blob), download: `${(conn.structure.view().values.title as string) || "unit"}.md` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  // A printed unit page is an export: the server records it in the audit log. The Print button and
  // the browser's own print command both fire beforeprint; one record per print.
  let printRecordedAt = 0;
  const recordPrint = () => {
    if (Date.now() - printRecordedAt < 5000) return;
    printRecordedAt = Date.now();
    api.recordPrint(unitId).catch(() => {});
  };
  const printUnit = () => {
    recordPrint();
    window.print();
  };
  window.addEventListener("beforeprint", recordPrint);

  const build = () => {
    const t = template();
    stopTimers.splice(0).forEach((f) => f());
    ctx?.destroy();
    ctx = new PageContext(conn, info, t);
    blockLists = [];
    panels = [];
    refreshers = [];
    const titleSpec = t.unit_fields.find((f) => f.id === "title");

    const tabs = h("div", { class: "cp-tabs", role: "tablist", "aria-label": "Phases" });
    const tabPanels = h("div", { class: "cp-panels" });
    const phases = t.choices.phases ?? [];
    // Every phase is a tab: the template's, then the phases it has no sections for (reflect, whose
    // work is the reflection, on its own page).
    const reflectTab = new ReflectTab(unitId, info.me, info.nameOf, () => conn.structure.view().values.phase === "reflect", navigate);
    const tabPhases: { id: string; label: string; sections: SectionSpec[]; body?: HTMLElement; shown?: () => void }[] = [
      ...t.phases,
      ...phases.filter((p) => !t.phases.some((x) => x.id === p.id))
        .map((p) => ({ id: p.id, label: p.label, sections: [],
          ...(p.id === "reflect" ? { body: reflectTab.element, shown: () => void reflectTab.refresh() } : {}) })),
    ];
    tabPhases.forEach((phase, i) => {
      const tab = h(
        "button",
        { type: "button", role: "tab", id: `tab-${phase.id}`, "aria-controls": `panel-${phase.id}`, "aria-selected": "false", tabindex: "-1" },
        phase.label,
      );
      // The reflect tab is about the reflection, not the plan: it is left out of a printed unit.
      const panel = h("section", { role: "tabpanel", id: `panel-${phase.id}`, "aria-labelledby": `tab-${phase.id}`,
        class: phase.body ? "cp-panel cp-no-print" : "cp-panel", hidden: true });
      for (const s of phase.sections) panel.append(section(phase.id, s));
      if (phase.body) panel.append(phase.body);
      tab.addEventListener("click", () => {
        tabChosen = true;
        select(i);
      });
      tab.addEventListener("keydown", (e) => {
        const k = (e as KeyboardEvent).key;
        let next = -1;
        if (k === "ArrowRight") next = (i + 1) % tabPhases.length;
        if (k === "ArrowLeft") next = (i + tabPhases.length - 1) % tabPhases.length;
        if (k === "Home") next = 0;
        if (k === "End") next = tabPhases.length - 1;
        if (next < 0) return;
        e.preventDefault();
        tabChosen = true;
        select(next);
        (tabs.children[next] as HTMLElement).focus();
      });
      tabs.append(tab);
      tabPanels.append(panel);
    });
    const select = (i: number) => {
      [...tabs.children].forEach((tab, j) => {
        tab.setAttribute("aria-selected", String(i === j));
        tab.setAttribute("tabindex", i === j ? "0" : "-1");
      });
      [...tabPanels.children].forEach((p, j) => ((p as HTMLElement).hidden = i !== j));
      for (const l of blockLists) l.update();
      tabPhases[i].shown?.();
    };

    const phaseLine = h("p", { class: "cp-phase" });
    const advance = h("button", { type: "button", class: "secondary", "data-action": "advance-phase" });
    advance.addEventListener("click", () => {
      const cur = phases.findIndex((p) => p.id === (conn.structure.view().values.phase ?? "plan"));
      const next = phases[Math.min(phases.length - 1, Math.max(0, cur) + 1)];
      if (next) conn.command({ op: "set", block: "unit", field: "phase", value: next.id });
    });
    const reflectBanner = h("p", { class: "cp-banner", hidden: true },
      "This unit is in the reflect phase and your reflection is waiting. ",
      h("a", { href: `/unit/${unitId}/reflect`, onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${unitId}/reflect`); } }, "Open your reflection"),
      " — your answers stay private until both of you submit.");
    // Who moved the unit from which phase to which, from the server's record; until that list is
    // there (offline), the phase line says who set the phase last.
    const phaseHistory = new PhaseHistory(unitId, phases, () => conn.members, info.nameOf, () => refreshPhase());
    let shownPhase = "";
    const refreshPhase = () => {
      const s = conn.structure.view();
      const cur = Math.max(0, phases.findIndex((p) => p.id === (s.values.phase ?? "plan")));
      reflectBanner.hidden = phases[cur]?.id !== "reflect";
      const by = s.valuesBy?.phase;
      phaseLine.replaceChildren(
        "Phase: ",
        h("strong", {}, phases[cur]?.label ?? "Plan"),
        by && by[0] && !phaseHistory.changes ? h("span", { class: "cp-meta" }, ` — set by ${info.nameOf(by[0])}, ${when(by[1])}`) : "",
      );
      advance.hidden = cur >= phases.length - 1;
      advance.textContent = `Move the unit to ${phases[cur + 1]?.label ?? ""}`;
      const confirmed = conn.structure.confirmed;
      phaseHistory.update(JSON.stringify([confirmed.values.phase ?? null, confirmed.valuesBy?.phase ?? null]));
      // The reflection opens with the confirmed move to reflect: the tab asks again then.
      if (shownPhase !== (confirmed.values.phase ?? "plan")) {
        shownPhase = String(confirmed.values.phase ?? "plan");
        void reflectTab.refresh();
      }
    };
    refreshers.push(refreshPhase);

    // Action items from the partnership's earlier reflections (or the unit this one was copied from).
    const carried = h("section", { class: "cp-carried", hidden: true, "aria-labelledby": "carried-title" });
    const loadCarried = async () => {
      const { items } = await api.actionItems(unitId).catch(() => ({ items: [] as ActionItem[] }));
      carried.hidden = !items.length;
      carried.replaceChildren(h("h2", { id: "carried-title" }, "Carried over from your reflections"));
      const ul = h("ul", { class: "cp-action-items" });
      for (const it of items) {
        const id = `item-${it.id}`;
        const cb = h("input", { type: "checkbox", id, checked: it.done });
        cb.addEventListener("change", async () => {
          await api.setActionDone(unitId, it.id, cb.checked);
          toast(cb.checked ? "Marked done in this unit." : "Marked not done.");
        });
        ul.append(h("li", {}, cb, h("label", { for: id }, it.text), h("span", { class: "cp-meta" }, ` — from “${it.fromTitle}”, ${info.nameOf(it.author)}`)));
      }
      carried.append(ul);
    };
    void loadCarried();
    // A unit made with "Use again next year" says which unit it was copied from.
    const copiedFrom = h("p", { class: "cp-meta cp-copied-from", hidden: true });
    const loadCopiedFrom = async () => {
      const { unit } = await api.unit(unitId);
      if (!unit.copiedFrom) return;
      const path = `/unit/${unit.copiedFrom}`;
      const original = await api.unit(unit.copiedFrom).then((r) => r.unit, () => null);
      copiedFrom.replaceChildren(
        "Copied from ",
        original
          ? h("a", { href: path, onclick: (e: Event) => { e.preventDefault(); navigate(path); } }, `“${original.title || "Untitled unit"}”`)
          : "an earlier unit",
        " with “Use again next year”.",
      );
      copiedFrom.hidden = false;
    };
    void loadCopiedFrom().catch(() => {});
    // The page's heading is the unit's title (shown in its field, so for assistive technology only).
    const heading = h("h1", { class: "cp-visually-hidden" });
    refreshers.push(() => (heading.textContent = String(conn.structure.view().values.title ?? "") || "Untitled unit"));
    const legend = h("div", { class: "cp-legend" }, h("span", { class: "cp-legend-title" }, "Who wrote what:"));
    for (const m of conn.members)
      legend.append(h("span", { class: `cp-legend-item cp-author cp-author-${colorOf(conn.members, m.id)}` }, `${m.name} (${roleLabel(m.role)})`));
    const toggle = h("input", { type: "checkbox", id: "show-authors", checked: true });
    toggle.addEventListener("change", () => main.classList.toggle("cp-hide-authors", !toggle.checked));
    legend.append(h("label", { class: "cp-toggle", for: "show-authors" }, toggle, " Show colours"));

    const blameToggle = h("input", { type: "checkbox", id: "show-blame" });
    blameToggle.addEventListener("change", async () => {
      blameOn = blameToggle.checked;
      main.classList.toggle("cp-blame-on", blameOn);
      if (blameOn) {
        await blameView.refresh();
        renderShared();
      } else blameView.show(null);
    });
    legend.append(h("label", { class: "cp-toggle", for: "show-blame" }, blameToggle, " Who and when (point at or move the caret into text)"));
    const link = (label: string, path: string, action: string) =>
      h("a", { href: path, class: "cp-button-link", "data-action": action, onclick: (e: Event) => { e.preventDefault(); navigate(path); } }, label);
    const actions = h(
      "div",
      { class: "cp-actions" },
      link("Reflect", `/unit/${unitId}/reflect`, "reflect"),
      link("History", `/unit/${unitId}/history`, "history"),
      link("Who contributed what", `/unit/${unitId}/contributions`, "contributions"),
      h("button", { type: "button", class: "secondary", "data-action": "invite", onclick: () => inviteForm() }, "Invite"),
      h("button", { type: "button", class: "secondary", "data-action": "print", onclick: printUnit }, "Print"),
      h("button", { type: "button", class: "secondary", "data-action": "export-md", onclick: downloadMarkdown }, "Download as Markdown"),
    );

    const inviteArea = h("div", { class: "cp-invite-area" });
    const inviteForm = () => {
      const role = h("select", { id: "invite-role" }, h("option", { value: "teacher" }, "Teacher"), h("option", { value: "librarian" }, "Librarian"));
      const out = h("div", { role: "status", "aria-live": "polite" });
      const form = h("form", { class: "cp-create-form", "aria-label": "Invite a colleague" },
        h("h2", {}, "Invite a colleague to this unit"),
        h("label", { for: "invite-role" }, "They join as"), role,
        h("div", { class: "cp-row" }, h("button", { type: "submit", class: "primary" }, "Make an invitation link"),
          h("button", { type: "button", class: "secondary", onclick: () => inviteArea.replaceChildren() }, "Close")), out);
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const r = await api.invite(unitId, role.value);
        const url = `${location.origin}${r.link}`;
        const box = h("input", { readonly: true, value: url, "aria-label": "Invitation link", class: "cp-invite-link" });
        out.replaceChildren(h("p", {}, `Send this link to your colleague. It works once and expires ${new Date(r.expiresAt).toLocaleDateString()}.`), box,
          h("button", { type: "button", class: "secondary", onclick: () => { void navigator.clipboard?.writeText(url); toast("Link copied."); } }, "Copy link"));
        box.select();
      });
      inviteArea.replaceChildren(form);
      role.focus();
    };
    main.replaceChildren(
      h(
        "div",
        { class: "cp-unit-head" },
        heading,
        titleSpec ? h("div", { class: "cp-title" }, ctx.scalar("unit", titleSpec, "Unit title")) : "",
        copiedFrom,
        h("div", { class: "cp-phase-bar" }, phaseLine, advance, actions),
        phaseHistory.element,
        reflectBanner,
        inviteArea,
        carried,
        legend,
      ),
      tabs,
      tabPanels,
      t.credit ? h("footer", { class: "cp-credit" }, t.credit) : "",
      blameView.bar,
    );
    for (const f of refreshers) f();
    // Open the tab of the unit's phase.
    showPhaseTab = () => {
      const phaseTab = tabPhases.findIndex((p) => p.id === (conn.structure.view().values.phase ?? "plan"));
      select(phaseTab >= 0 ? phaseTab : 0);
    };
    showPhaseTab();
  };

  /** Marks shared work (text one partner wrote and the other revised) in every field. */
  const renderShared = () => {
    if (!ctx) return;
    for (const f of ctx.texts) {
      const ranges = blameOn ? blameView.sharedRanges(f.element.dataset.stream!) : [];
      if (ranges) f.view.dispatch({ effects: setSharedRanges.of(ranges) });
    }
  };
  hooks.onCaret = (stream, pos, focused) => {
    if (!blameOn || !focused) return;
    blameView.point(stream, pos);
  };
  main.addEventListener("mousemove", (e) => {
    if (!blameOn || !ctx) return;
    const el = (e.target as HTMLElement).closest?.(".cp-field") as HTMLElement | null;
    const field = el && [...ctx.texts].find((f) => f.element === el);
    if (!field) return;
    const pos = field.view.posAtCoords({ x: e.clientX, y: e.clientY });
    if (pos !== null) blameView.point(field.element.dataset.stream!, pos);
  });
  let blameTimer: ReturnType<typeof setInterval> | null = setInterval(async () => {
    if (!blameOn) return;
    blameView.markStale();
    await blameView.refresh();
    renderShared();
  }, 20_000);

  conn.on("welcome", () => {
    if (!ctx) build();
    // Built from the copy kept in this browser, the page opened on the tab of the phase that copy
    // had; the server's may be later. Regression: a unit moved to Reflect while the page was closed
    // reopened on Co-assess. (Once the user picks a tab, it stays.)
    else if (!welcomedOnce && !tabChosen) showPhaseTab?.();
    welcomedOnce = true;
    // Back after a reconnect with the caret in a field: the server forgot where it was (and a
    // move made while offline never reached it), so say it again.
    const focused = ctx && [...ctx.texts].find((f) => f.view.hasFocus);
    if (focused) {
      const sel = focused.view.state.selection.main;
      conn.presence(focused.element.dataset.stream!, sel.anchor, sel.head);
    }
    renderPeople();
    renderCursors();
    main.dataset.ready = "true";
  });
  conn.on("structure", () => {
    if (!ctx) return;
    ctx.refreshScalars();
    for (const l of blockLists) l.update();
    for (const p of panels) p.update();
    for (const f of refreshers) f();
  });
  conn.on("online", (clients) => {
    online = clients;
    // A client that left takes its caret with it: when it comes back, it says where it is again.
    const here = new Set(clients.map((c) => c.clientID));
    for (const id of presence.keys()) if (!here.has(id)) presence.delete(id);
    renderPeople();
    renderCursors();
  });
  conn.on("presence", (p) => {
    presence.set(p.clientID, p);
    renderPeople();
    renderCursors();
  });
  conn.on("status", (s) => {
    refreshStatus();
    if (s === "offline" && !ctx)
      main.replaceChildren(
        h("p", { class: "cp-loading" }, "You are offline, and this unit has not been opened on this computer before. It will open as soon as the connection comes back."),
      );
    if (s === "removed")
      toast("You are no longer a member of this unit, so changes here are not saved. Ask your partner to invite you again if this is a mistake.", {
        label: "Home", run: () => (window.location.href = "/"),
      });
    if (s === "signedout")
      toast("You were signed out (from another tab, or your session ended). Sign in again to keep working; what you typed here stays in this tab.", {
        label: "Sign in", run: () => window.open("/signin", "_blank"),
      });
  });
  conn.on("members", () => {
    renderPeople();
  });
  conn.on("error", (code, message) => toast(`The server refused a change (${code}): ${message}`));
  conn.on("lostText", (stream, text) => {
    console.warn("coplan: unsent text could not be merged", stream, text);
    toast(`Some text you typed in ${labelOfStream(stream)} could not be merged. It is in the browser console log.`);
  });

  // Open from the copy kept in this browser when there is one (the page works at once, even
  // offline), keep the copy up to date, and send what other closed tabs left unsent.
  let closed = false;
  let claim: Claim | null = null;
  let keeper: Keeper | null = null;
  const settling: (() => void)[] = [];
  const start = async () => {
    await lastPageClosed;
    try {
      const store = await offlineStore();
      if (!store) return;
      claim = await store.claim(user.id, unitId);
      if (claim.saved) {
        try {
          conn.restore(claim.saved.snapshot);
        } catch (e) {
          console.error("coplan: the copy kept in this browser could not be opened", claim.saved, e);
          claim.release();
          claim = await store.fresh();
        }
      }
      if (closed) return;
      conn.clientID = claim.clientID;
      keeper = store.keep(user.id, unitId, conn);
      for (const other of claim.others) settling.push(store.settle(other, socketOpts));
    } catch (e) {
      console.warn("coplan: this unit is not kept in this browser", e);
    } finally {
      if (!closed) {
        conn.connect();
        if (conn.template) {
          build();
          main.dataset.restored = "true";
        }
      }
    }
  };
  const started = start();

  const flush = () => void keeper?.flush();
  const onHidden = () => document.visibilityState === "hidden" && flush();
  window.addEventListener("pagehide", flush);
  // Back on the network (Wi-Fi again after minutes away): reconnect now, not when the backoff ends.
  const onOnline = () => conn.retryNow();
  window.addEventListener("online", onOnline);
  document.addEventListener("visibilitychange", onHidden);
  const beforeUnload = (e: BeforeUnloadEvent) => {
    // Unsent edits kept in this browser are sent the next time the unit opens here.
    if (conn.unconfirmed() > 0 && !keeper?.ok) {
      e.preventDefault();
      e.returnValue = "";
    }
  };
  window.addEventListener("beforeunload", beforeUnload);
  (window as any).coplan = conn; // for the browser tests and for support

  return () => {
    closed = true;
    clearInterval(statusTimer);
    stopTimers.splice(0).forEach((f) => f());
    if (blameTimer) clearInterval(blameTimer);
    blameTimer = null;
    hooks.onCaret = undefined;
    window.removeEventListener("beforeunload", beforeUnload);
    window.removeEventListener("beforeprint", recordPrint);
    window.removeEventListener("pagehide", flush);
    window.removeEventListener("online", onOnline);
    document.removeEventListener("visibilitychange", onHidden);
    ctx?.destroy();
    conn.close();
    settling.forEach((stop) => stop());
    lastPageClosed = started
      .then(() => keeper?.stop())
      .catch(() => {})
      .finally(() => claim?.release());
  };
}
