// A list of blocks (the lesson sequence, the resources): add, reorder by dragging or from the
// keyboard (buttons, or Alt+Arrow in a block's title or controls; in a text of several lines
// Alt+Arrow moves the line instead), remove with undo (focus goes to the Undo button). Lessons
// show their plan fields in the plan tab and their co-teaching plan (approach and each partner's
// role for the beginning, middle and end) in the teach tab; other lists show all their fields.
import type { BlockState } from "../sync/protocol";
import { h, toast } from "./dom";
import type { PageContext } from "./page-context";
import { ExpertisePanel } from "./expertise";
import type { FieldSpec } from "./scalar-field";

const segments = [
  { id: "begin", label: "Beginning" },
  { id: "middle", label: "Middle" },
  { id: "end", label: "End" },
];

export function newId(prefix: string): string {
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return prefix + Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}

export class BlockList {
  readonly element: HTMLElement;
  private list: HTMLOListElement;
  private cards = new Map<string, HTMLElement>();
  private tagPanels = new Map<string, ExpertisePanel>();
  private empty: HTMLElement;
  private dragging: string | null = null;
  private readonly itemLabel: string;
  private readonly fields: FieldSpec[];

  constructor(
    private ctx: PageContext,
    private listId: string,
    private view: string,
    label: string,
  ) {
    const spec = ctx.template.lists[listId];
    this.itemLabel = spec?.label ?? "Item";
    this.fields = spec?.fields ?? [];
    const editable = !(listId === "lessons" && view !== "plan");
    this.list = h("ol", { class: "cp-blocks", "aria-label": label });
    this.empty = h(
      "p",
      { class: "cp-empty" },
      editable ? `No ${label.toLowerCase()} yet.` : `Add lessons in the Co-plan tab first.`,
    );
    this.element = h("div", { class: "cp-block-list", "data-list": listId }, this.empty, this.list);
    if (editable)
      this.element.append(
        h("button", { type: "button", class: "primary", "data-action": `add-${listId}`, onclick: () => this.add(), onkeydown: (e: Event) => this.addFromKey(e as KeyboardEvent) }, `+ Add ${this.itemLabel.toLowerCase()}`),
      );
  }

  private live(): BlockState[] {
    return (this.ctx.conn.structure.view().lists[this.listId] ?? []).filter((b) => !b.removed);
  }

  /**
   * Adds an item at the end and puts the caret in its title at once, so that keys typed right
   * after go into the new title. Regression: the caret moved on a timer, which Chromium ran after
   * the next keystrokes (input before timers), so a quick "+ Add lesson" then typing lost the
   * first letters or the whole title, from the mouse and from the keyboard alike.
   */
  add(): void {
    const live = this.live();
    const id = newId(this.listId.slice(0, 1));
    const values: Record<string, unknown> = {};
    // A new resource is marked as curated by whoever adds it; either partner can change it.
    for (const f of this.fields) if (f.kind === "member") values[f.id] = this.ctx.info.me();
    this.ctx.conn.command({ op: "add_block", list: this.listId, id, after: live.length ? live[live.length - 1].id : null, values });
    this.focusIn(id, ".cm-content");
  }

  /**
   * Enter or Space on the add button adds on the key's press, and the key does nothing else: no
   * click follows, and Enter puts no line break into the new title where the caret now is.
   */
  private addFromKey(e: KeyboardEvent): void {
    if ((e.key !== "Enter" && e.key !== " ") || e.repeat || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    e.preventDefault();
    this.add();
  }

  private move(id: string, delta: -1 | 1): void {
    const live = this.live();
    const i = live.findIndex((b) => b.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= live.length) return;
    this.moveAfter(id, delta < 0 ? (j > 0 ? live[j - 1].id : null) : live[j].id);
    toast(`${this.itemLabel} moved ${delta < 0 ? "up" : "down"}.`);
  }

  private moveAfter(id: string, after: string | null): void {
    this.ctx.conn.command({ op: "move_block", id, after });
  }

  private remove(id: string): void {
    const title = this.titleOf(id);
    const live = this.live();
    const i = live.findIndex((b) => b.id === id);
    const neighbour = live[i + 1]?.id ?? live[i - 1]?.id ?? null;
    this.ctx.conn.command({ op: "remove_block", id });
    // The card and the button pressed are gone: focus goes to Undo, which stays while focused.
    // Undo brings focus back to the card's Remove button; Escape dismisses and goes to a neighbour.
    toast(`Removed “${title || `untitled ${this.itemLabel.toLowerCase()}`}”.`, {
      label: "Undo",
      focus: true,
      run: () => {
        this.ctx.conn.command({ op: "restore_block", id });
        setTimeout(() => this.focusIn(id, "[data-action=remove]"), 0);
      },
      dismissed: () => this.focusIn(neighbour, ".cm-content"),
    });
  }

  /** Focuses `selector` in a block's card, or the list's add button when there is no such card. */
  private focusIn(id: string | null, selector: string): void {
    const target = (id && this.cards.get(id)?.querySelector<HTMLElement>(selector)) ||
      this.element.querySelector<HTMLElement>(`[data-action=add-${this.listId}]`);
    target?.focus();
  }

  private titleOf(id: string): string {
    return this.ctx.conn.peers.get(`${id}.title`)?.text.trim() ?? "";
  }

  update(): void {
    const live = this.live();
    this.empty.hidden = live.length > 0;
    const keep = new Set(live.map((b) => b.id));
    for (const [id, card] of this.cards)
      if (!keep.has(id)) {
        this.ctx.release(card);
        card.remove();
        this.cards.delete(id);
        this.tagPanels.delete(id);
      }
    for (const p of this.tagPanels.values()) p.update();
    live.forEach((b, index) => {
      let card = this.cards.get(b.id);
      if (!card) {
        card = this.card(b.id);
        this.cards.set(b.id, card);
      }
      const number = card.querySelector(".cp-block-number");
      if (number) number.textContent = `${this.itemLabel} ${index + 1}`;
      const heading = card.querySelector(".cp-block-title-text");
      if (heading) heading.textContent = `: ${this.titleOf(b.id) || `untitled ${this.itemLabel.toLowerCase()}`}`;
      card.querySelectorAll<HTMLButtonElement>("[data-action=up]").forEach((x) => (x.disabled = index === 0));
      card.querySelectorAll<HTMLButtonElement>("[data-action=down]").forEach((x) => (x.disabled = index === live.length - 1));
      if (this.list.children[index] !== card) {
        // Re-insert only when out of place, so focus and editors survive.
        const focused = card.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
        this.list.insertBefore(card, this.list.children[index] ?? null);
        focused?.focus();
      }
    });
  }

  private field(id: string) {
    return this.fields.find((f) => f.id === id);
  }

  private card(id: string): HTMLElement {
    if (this.listId === "lessons" && this.view !== "plan") return this.teachCard(id);
    const card = h("li", { class: "cp-block", "data-block": id });
    const handle = h("span", { class: "cp-drag", title: "Drag to reorder (or Alt+↑/↓ in the title)", "aria-hidden": "true", draggable: "true" }, "⠿");
    const controls = h(
      "div",
      { class: "cp-block-controls" },
      h("button", { type: "button", "data-action": "up", "aria-label": `Move ${this.itemLabel.toLowerCase()} up`, "aria-keyshortcuts": "Alt+ArrowUp", onclick: () => this.move(id, -1) }, "↑"),
      h("button", { type: "button", "data-action": "down", "aria-label": `Move ${this.itemLabel.toLowerCase()} down`, "aria-keyshortcuts": "Alt+ArrowDown", onclick: () => this.move(id, 1) }, "↓"),
      h("button", { type: "button", class: "danger", "data-action": "remove", onclick: () => this.remove(id) }, "Remove"),
    );
    card.append(h("div", { class: "cp-block-head" }, handle, h("span", { class: "cp-block-number" }), controls));
    // Title first, then the short fields in one row, then the other texts.
    const shown = this.fields.filter((f) => !(this.listId === "lessons" && f.phase && f.phase !== "plan"));
    const title = shown.find((f) => f.id === "title" && f.kind === "text");
    if (title) card.append(this.ctx.text(id, title, { singleLine: true, placeholder: title.label }));
    const row = h("div", { class: "cp-row" });
    for (const f of shown) if (f.kind !== "text") row.append(this.ctx.scalar(id, f));
    if (row.childElementCount) card.append(row);
    for (const f of shown) if (f.kind === "text" && f !== title) card.append(this.ctx.text(id, f));
    const tags = new ExpertisePanel(this.ctx, id, `this ${this.itemLabel.toLowerCase()}`, () =>
      this.fields.filter((f) => f.kind === "text").map((f) => `${id}.${f.id}`));
    this.tagPanels.set(id, tags);
    card.append(tags.element);
    this.wireReorder(card, id, handle);
    return card;
  }

  private wireReorder(card: HTMLElement, id: string, handle: HTMLElement) {
    card.addEventListener("keydown", (e) => {
      if (!e.altKey || e.shiftKey || e.ctrlKey || e.metaKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      // One keypress, one thing: inside a text of several lines Alt+Arrow is the editor's (it moves
      // the line, even when the line is already at the top or bottom); elsewhere in the card (the
      // title, the short fields, the buttons) it moves the card. Anything that already handled
      // the key (the editor moving a line of a title that holds several) wins too.
      const field = (e.target as Element).closest?.(".cp-field");
      if (e.defaultPrevented || (field && !field.classList.contains("cp-field-line"))) return;
      e.preventDefault();
      this.move(id, e.key === "ArrowUp" ? -1 : 1);
    });
    handle.addEventListener("dragstart", (e) => {
      this.dragging = id;
      card.classList.add("cp-dragging");
      e.dataTransfer?.setData("text/plain", id);
      e.dataTransfer?.setDragImage(card, 20, 20);
    });
    handle.addEventListener("dragend", () => {
      this.dragging = null;
      card.classList.remove("cp-dragging");
      this.list.querySelectorAll(".cp-drop-before, .cp-drop-after").forEach((x) => x.classList.remove("cp-drop-before", "cp-drop-after"));
    });
    card.addEventListener("dragover", (e) => {
      if (!this.dragging || this.dragging === id) return;
      e.preventDefault();
      const r = card.getBoundingClientRect();
      const before = e.clientY < r.top + r.height / 2;
      card.classList.toggle("cp-drop-before", before);
      card.classList.toggle("cp-drop-after", !before);
    });
    card.addEventListener("dragleave", () => card.classList.remove("cp-drop-before", "cp-drop-after"));
    card.addEventListener("drop", (e) => {
      e.preventDefault();
      const moving = this.dragging;
      card.classList.remove("cp-drop-before", "cp-drop-after");
      if (!moving || moving === id) return;
      const r = card.getBoundingClientRect();
      const before = e.clientY < r.top + r.height / 2;
      const live = this.live().filter((b) => b.id !== moving);
      const i = live.findIndex((b) => b.id === id);
      this.moveAfter(moving, before ? (i > 0 ? live[i - 1].id : null) : id);
    });
  }

  private teachCard(id: string): HTMLElement {
    const card = h(
      "li",
      { class: "cp-block", "data-block": id },
      h("h4", { class: "cp-block-head" }, h("span", { class: "cp-block-number" }), h("span", { class: "cp-block-title-text" })),
    );
    for (const seg of segments) {
      const approach = this.field(`${seg.id}_approach`);
      const lib = this.field(`${seg.id}_librarian`);
      const tea = this.field(`${seg.id}_teacher`);
      if (!approach && !lib && !tea) continue;
      const box = h("fieldset", { class: "cp-segment" }, h("legend", {}, seg.label));
      const lead = this.field(`${seg.id}_lead`);
      const row = h("div", { class: "cp-row" });
      if (approach) row.append(this.ctx.scalar(id, approach, "Co-teaching approach"));
      if (lead) row.append(this.ctx.scalar(id, lead, "Who leads"));
      box.append(row);
      const roles = h("div", { class: "cp-roles" });
      if (lib) roles.append(this.ctx.text(id, lib, { label: "What the librarian does" }));
      if (tea) roles.append(this.ctx.text(id, tea, { label: "What the teacher does" }));
      box.append(roles);
      card.append(box);
    }
    for (const f of this.fields)
      if (f.phase === this.view && !f.segment) card.append(f.kind === "text" ? this.ctx.text(id, f) : this.ctx.scalar(id, f));
    const unitId = location.pathname.split("/")[2];
    card.append(h("p", { class: "cp-no-print" }, h("a", { href: `/unit/${unitId}/reflect?checkin=${id}`, class: "cp-button-link", "data-action": "checkin" }, "Check in after this lesson")));
    return card;
  }
}
