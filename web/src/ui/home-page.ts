// Home: my partnerships and my units (title, partners, grade, subject, phase, last edit, who is in
// it now, the unit it was copied from); create a unit from a template; open, use again next year,
// archive.
import { api, type Partnership, type TemplateSummary, type UnitSummary, type User } from "../api";
import { offlineStore } from "../sync/offline-store";
import { roleLabel } from "./colors";
import { h, toast, uid } from "./dom";

const phaseLabels: Record<string, string> = { plan: "Planning", teach: "Teaching", assess: "Assessing", reflect: "Reflecting" };

function ago(ms: number): string {
  if (!ms) return "";
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export function homePage(root: HTMLElement, user: User, navigate: (p: string) => void, signOut: () => void): () => void {
  const list = h("ul", { class: "cp-units", "aria-label": "Your units" });
  const showArchived = h("input", { type: "checkbox", id: "show-archived" });
  const createButton = h("button", { type: "button", class: "primary", "data-action": "new-unit" }, "+ New unit");
  const createArea = h("div", { class: "cp-create" });
  const partnershipsList = h("ul", { class: "cp-partnerships", "aria-label": "Your partnerships" });
  const main = h(
    "main",
    { id: "main", class: "cp-home" },
    h("div", { class: "cp-home-head" }, h("h1", {}, "Your units"), createButton),
    createArea,
    h("div", { class: "cp-row" }, h("label", { for: "show-archived", class: "cp-toggle" }, showArchived, " Show archived units")),
    list,
    h("h2", {}, "Your partnerships"),
    partnershipsList,
  );
  root.replaceChildren(
    h(
      "header",
      { class: "cp-topbar" },
      h("span", { class: "cp-brand" }, "Coplan"),
      h("span", { class: "cp-user" }, `${user.name} · ${roleLabel(user.role)}`),
      h("a", { href: "/log", class: "cp-button-link", "data-action": "log", onclick: (e: Event) => { e.preventDefault(); navigate("/log"); } }, "Collaboration log"),
      user.role === "coordinator" || user.role === "admin"
        ? h("a", { href: "/coordinator", class: "cp-button-link", "data-action": "coordinator", onclick: (e: Event) => { e.preventDefault(); navigate("/coordinator"); } }, "School summary")
        : "",
      user.role === "admin" ? h("a", { href: "/admin", class: "cp-button-link", onclick: (e: Event) => { e.preventDefault(); navigate("/admin"); } }, "Administration") : "",
      h("button", { type: "button", class: "secondary", "data-action": "account", onclick: () => passwordForm() }, "Change password"),
      h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
    ),
    main,
  );

  let units: UnitSummary[] = [];
  let partnerships: Partnership[] = [];
  let templates: TemplateSummary[] = [];
  let stopped = false;

  const open = (id: string) => navigate(`/unit/${id}`);

  const render = () => {
    list.replaceChildren();
    const shown = units.filter((u) => showArchived.checked || !u.archived);
    if (!shown.length) list.append(h("li", { class: "cp-empty" }, units.length ? "All your units are archived." : "No units yet. Start one with “New unit”."));
    for (const u of shown) {
      const partners = u.members.filter((m) => m.id !== user.id);
      const here = u.members.filter((m) => u.online.includes(m.id) && m.id !== user.id).map((m) => m.name);
      const link = h("a", { href: `/unit/${u.id}`, onclick: (e: Event) => { e.preventDefault(); open(u.id); } }, u.title || "Untitled unit");
      const facts = [u.grade && `Grade ${u.grade}`, u.subject].filter(Boolean).join(" · ");
      const original = u.copiedFrom ? units.find((x) => x.id === u.copiedFrom) : undefined;
      list.append(
        h(
          "li",
          { class: `cp-unit-card${u.archived ? " cp-archived" : ""}`, "data-unit": u.id },
          h("div", { class: "cp-card-top" }, h("h2", {}, link), h("span", { class: `cp-badge cp-phase-${u.phase}` }, phaseLabels[u.phase] ?? u.phase)),
          h("p", {}, partners.length ? `With ${partners.map((m) => `${m.name} (${roleLabel(m.role)})`).join(", ")}` : "Only you so far"),
          facts ? h("p", { class: "cp-meta" }, facts) : "",
          u.copiedFrom
            ? h("p", { class: "cp-meta cp-copied-from" }, "Copied from ", original
              ? h("a", { href: `/unit/${original.id}`, onclick: (e: Event) => { e.preventDefault(); open(original.id); } }, `“${original.title || "Untitled unit"}”`)
              : "an earlier unit")
            : "",
          h("p", { class: "cp-meta" }, `Last edit ${ago(u.lastEdit)}`, here.length ? h("strong", { class: "cp-online" }, ` · ${here.join(", ")} in it now`) : ""),
          u.archived ? h("p", { class: "cp-meta" }, "Archived") : "",
          h(
            "div",
            { class: "cp-card-actions" },
            h("button", { type: "button", class: "secondary", "data-action": "duplicate", onclick: () => duplicate(u) }, "Use again next year"),
            h("button", { type: "button", class: "secondary", "data-action": "archive", onclick: () => archive(u) }, u.archived ? "Unarchive" : "Archive"),
          ),
        ),
      );
    }
    partnershipsList.replaceChildren();
    for (const p of partnerships)
      partnershipsList.append(h("li", {}, h("strong", {}, p.name), ` — ${p.members.map((m) => `${m.name} (${roleLabel(m.role)})`).join(", ")}`));
  };

  const load = async () => {
    const [u, p] = await Promise.all([api.units(), api.partnerships()]);
    if (stopped) return;
    units = u.units;
    partnerships = p.partnerships;
    render();
  };

  const duplicate = async (u: UnitSummary) => {
    try {
      const { unit } = await api.duplicateUnit(u.id);
      toast(`Made “${unit.title}” from “${u.title}”.`);
      open(unit.id);
    } catch {
      toast("Could not copy the unit.");
    }
  };

  const archive = async (u: UnitSummary) => {
    await api.archiveUnit(u.id, !u.archived);
    toast(u.archived ? `“${u.title}” is back in your list.` : `Archived “${u.title}”.`);
    await load();
  };

  const showCreate = async () => {
    if (!templates.length) templates = (await api.templates()).templates;
    createButton.setAttribute("aria-expanded", "true");
    const titleId = uid("title");
    const title = h("input", { id: titleId, name: "title", maxlength: 200, required: true, placeholder: "e.g. Is our creek water safe?" });
    const partnerId = uid("partner");
    const partner = h("select", { id: partnerId, name: "partnership" });
    for (const p of partnerships) partner.append(h("option", { value: String(p.id) }, p.name));
    const choices = h("fieldset", { class: "cp-template-choice" }, h("legend", {}, "Template"));
    templates
      .slice()
      .sort((a, b) => (a.id === "ubd" ? -1 : b.id === "ubd" ? 1 : a.name.localeCompare(b.name)))
      .forEach((t, i) => {
        const id = uid("tpl");
        choices.append(
          h("div", { class: "cp-radio" },
            h("input", { type: "radio", name: "template", id, value: t.id, checked: i === 0 }),
            h("label", { for: id }, h("strong", {}, t.name), h("span", { class: "cp-help" }, ` ${t.summary}`))),
        );
      });
    const form = h(
      "form",
      { class: "cp-create-form", "aria-label": "New unit" },
      h("h2", {}, "New unit"),
      h("label", { for: titleId }, "Title"),
      title,
      h("label", { for: partnerId }, "Partnership"),
      partner,
      choices,
      h("div", { class: "cp-row" },
        h("button", { type: "submit", class: "primary" }, "Create and open"),
        h("button", { type: "button", class: "secondary", onclick: () => hideCreate() }, "Cancel")),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const template = (form.querySelector("input[name=template]:checked") as HTMLInputElement | null)?.value ?? "ubd";
      try {
        const { unit } = await api.createUnit(Number(partner.value), template, title.value.trim() || "Untitled unit");
        open(unit.id);
      } catch {
        toast("Could not create the unit.");
      }
    });
    createArea.replaceChildren(form);
    title.focus();
  };
  const hideCreate = () => {
    createArea.replaceChildren();
    createButton.setAttribute("aria-expanded", "false");
    createButton.focus();
  };
  const passwordForm = () => {
    const current = h("input", { id: "pw-current", type: "password", autocomplete: "current-password" });
    const next = h("input", { id: "pw-new", type: "password", autocomplete: "new-password", minlength: 10 });
    const form = h("form", { class: "cp-create-form", "aria-label": "Change password" }, h("h2", {}, "Change your password"),
      h("label", { for: "pw-current" }, "Current password"), current, h("label", { for: "pw-new" }, "New password (at least 10 characters)"), next,
      h("div", { class: "cp-row" }, h("button", { type: "submit", class: "primary" }, "Change password"), h("button", { type: "button", class: "secondary", onclick: () => createArea.replaceChildren() }, "Cancel")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await api.changePassword(current.value, next.value);
        toast("Password changed. Your other sessions were signed out.");
        createArea.replaceChildren();
      } catch (err) {
        toast(err instanceof Error ? err.message : "Could not change the password.");
      }
    });
    createArea.replaceChildren(form);
    current.focus();
  };
  createButton.addEventListener("click", () => (createArea.childElementCount ? hideCreate() : showCreate()));
  showArchived.addEventListener("change", render);

  /** The server cannot be reached: the units kept in this browser can still be opened. */
  const showKept = async () => {
    const store = await offlineStore();
    const kept = store ? await store.list(user.id).catch(() => []) : [];
    if (stopped) return;
    list.replaceChildren(
      h("li", { class: "cp-error" }, kept.length ? "Could not reach the server. These units are kept on this computer, and you can keep working on them:" : "Could not load your units."),
    );
    const seen = new Set<string>();
    for (const r of kept) {
      if (seen.has(r.unit)) continue;
      seen.add(r.unit);
      const title = String(r.snapshot.structure.confirmed.values.title ?? "") || "Untitled unit";
      const link = h("a", { href: `/unit/${r.unit}`, onclick: (e: Event) => { e.preventDefault(); open(r.unit); } }, title);
      list.append(h("li", { class: "cp-unit-card", "data-unit": r.unit }, h("div", { class: "cp-card-top" }, h("h2", {}, link))));
    }
  };
  load().catch(() => void showKept());
  const timer = setInterval(() => load().catch(() => {}), 15000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
