// Expertise tags on a section, a block (a lesson, a resource) or a passage of text: which area
// of expertise it draws on and whose; the partner can acknowledge it ("I learned from this").
import type { TagState } from "../sync/protocol";
import { newId } from "./block-list";
import { h, toast, uid } from "./dom";
import type { PageContext } from "./page-context";

/** The last non-empty selection in any text field, for tagging a passage. */
export const lastSelection: { stream: string; from: number; to: number } = { stream: "", from: 0, to: 0 };

export class ExpertisePanel {
  readonly element: HTMLElement;
  private chips: HTMLElement;
  private form: HTMLElement | null = null;
  private readonly toggle: HTMLButtonElement;
  /** Stops following the selected passage through edits (while the form is open). */
  private unfollow: (() => void) | null = null;

  /** `streams`: the text fields inside the target, whose passages may be tagged from here. */
  constructor(private ctx: PageContext, private target: string, private label: string, private streams: () => string[]) {
    this.chips = h("ul", { class: "cp-tags", "aria-label": `Expertise in ${label}` });
    this.toggle = h("button", { type: "button", class: "secondary", "data-action": "tag", "aria-expanded": "false" }, "Tag expertise");
    this.toggle.addEventListener("click", () => (this.form ? this.close() : this.open()));
    this.element = h("div", { class: "cp-expertise" }, this.chips, this.toggle);
    this.update();
  }

  private areas(): { id: string; label: string }[] {
    return this.ctx.conn.expertise;
  }

  private open() {
    const areaId = uid("area"), whoId = uid("who"), whatId = uid("what");
    const area = h("select", { id: areaId }, ...this.areas().map((a) => h("option", { value: a.id }, a.label)));
    const who = h("select", { id: whoId }, ...this.ctx.conn.members.map((m) => h("option", { value: String(m.id), selected: m.id === this.ctx.info.me() }, m.name)));
    const what = h("select", { id: whatId }, h("option", { value: "" }, `All of ${this.label}`));
    const sel = { ...lastSelection };
    const peer = this.ctx.conn.peers.get(sel.stream);
    if (peer && this.streams().includes(sel.stream) && sel.to > sel.from && sel.to <= peer.state.doc.length) {
      const quote = peer.state.doc.sliceString(sel.from, sel.to);
      what.append(h("option", { value: "passage", selected: true }, `The selected passage: “${quote.length > 60 ? quote.slice(0, 57) + "…" : quote}”`));
      // While the form is open the passage follows the text, as tags do. Regression: the positions
      // were those of when the form opened, so a partner writing before the passage meanwhile
      // moved the tag onto other words.
      this.unfollow = peer.onChanges((c) => {
        sel.from = c.mapPos(sel.from, 1);
        sel.to = Math.max(sel.from, c.mapPos(sel.to, -1));
      });
    }
    const form = h("form", { class: "cp-tag-form", "aria-label": `Tag expertise in ${this.label}` },
      h("label", { for: whatId }, "What draws on it"), what,
      h("label", { for: areaId }, "Area of expertise"), area,
      h("label", { for: whoId }, "Whose expertise"), who,
      h("div", { class: "cp-row" }, h("button", { type: "submit", class: "primary" }, "Add tag"), h("button", { type: "button", class: "secondary", onclick: () => this.close() }, "Cancel")));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const passage = what.value === "passage";
      if (passage && sel.to <= sel.from) {
        toast("The selected passage has been deleted meanwhile: select it again.");
        return this.close();
      }
      this.ctx.conn.command({
        op: "add_tag", id: newId("t"), area: area.value, by: Number(who.value),
        target: passage ? sel.stream : this.target,
        ...(passage ? { from: sel.from, to: sel.to } : {}),
      });
      this.close();
    });
    this.form = form;
    this.element.append(form);
    this.toggle.setAttribute("aria-expanded", "true");
    what.focus();
  }

  private close() {
    this.unfollow?.();
    this.unfollow = null;
    this.form?.remove();
    this.form = null;
    this.toggle.setAttribute("aria-expanded", "false");
  }

  private mine(t: TagState): boolean {
    return t.target === this.target || (t.from !== undefined && this.streams().includes(t.target));
  }

  update(): void {
    const me = this.ctx.info.me();
    const label = (id: string) => this.areas().find((a) => a.id === id)?.label ?? id;
    this.chips.replaceChildren();
    for (const t of (this.ctx.conn.structure.view().tags ?? []).filter((x) => this.mine(x))) {
      const learned = t.acknowledgedBy.map((id) => this.ctx.info.nameOf(id));
      let quote = "";
      if (t.from !== undefined) {
        const peer = this.ctx.conn.peers.get(t.target);
        const q = peer ? peer.state.doc.sliceString(t.from, Math.min(t.to ?? t.from, peer.state.doc.length)) : "";
        quote = q ? ` on “${q.length > 50 ? q.slice(0, 47) + "…" : q}”` : "";
      }
      const chip = h("li", { class: `cp-tag cp-border-${this.ctx.info.colorOf(t.by)}`, "data-tag": t.id },
        h("strong", {}, label(t.area)), ` — ${this.ctx.info.nameOf(t.by)}'s expertise${quote}`,
        learned.length ? h("span", { class: "cp-meta" }, ` · learned by ${learned.join(", ")}`) : "");
      if (t.by !== me) {
        const acked = t.acknowledgedBy.includes(me);
        chip.append(h("button", { type: "button", class: "link", "data-action": "acknowledge", "aria-pressed": String(acked),
          onclick: () => this.ctx.conn.command({ op: "acknowledge_tag", id: t.id, acknowledged: !acked }) },
          acked ? "✓ I learned from this (undo)" : "I learned from this"));
      }
      if (t.by === me || t.taggedBy === me)
        chip.append(h("button", { type: "button", class: "link", "aria-label": `Remove the ${label(t.area)} tag`,
          onclick: () => this.ctx.conn.command({ op: "remove_tag", id: t.id }) }, "Remove"));
      this.chips.append(chip);
    }
  }
}
