// Home: the signed-in person's units, with their partners and who is working in each now.
import { api, type User } from "../api";
import { roleLabel } from "./colors";
import { h } from "./dom";

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
  const main = h("main", { id: "main", class: "cp-home" }, h("h1", {}, "Your units"), list);
  root.replaceChildren(
    h(
      "header",
      { class: "cp-topbar" },
      h("span", { class: "cp-brand" }, "Coplan"),
      h("span", { class: "cp-user" }, `${user.name} · ${roleLabel(user.role)}`),
      h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
    ),
    main,
  );
  let stopped = false;
  const load = async () => {
    const { units } = await api.units();
    if (stopped) return;
    list.replaceChildren();
    if (!units.length) list.append(h("li", { class: "cp-empty" }, "No units yet."));
    for (const u of units) {
      const partners = u.members.filter((m) => m.id !== user.id).map((m) => `${m.name} (${roleLabel(m.role)})`);
      const link = h("a", { href: `/unit/${u.id}`, onclick: (e: Event) => { e.preventDefault(); navigate(`/unit/${u.id}`); } }, u.title || "Untitled unit");
      list.append(
        h(
          "li",
          { class: "cp-unit-card" },
          h("h2", {}, link),
          h("p", {}, partners.length ? `With ${partners.join(", ")}` : "Only you so far"),
          h("p", { class: "cp-meta" }, `Last edit ${ago(u.lastEdit)}${u.connections ? ` · ${u.connections} open now` : ""}`),
        ),
      );
    }
  };
  load().catch(() => list.replaceChildren(h("li", { class: "cp-error" }, "Could not load your units.")));
  const timer = setInterval(() => load().catch(() => {}), 15000);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
