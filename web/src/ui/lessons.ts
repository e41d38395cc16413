// The lesson sequence: add, reorder (buttons and keyboard), remove with undo. In the plan tab
// each lesson shows its title, date, length and objectives; in the teach tab, the co-teaching
// approach and each partner's role for the beginning, middle and end, plus notes.
import type { LessonState } from "../sync/protocol";
import { h, toast } from "./dom";
import type { PageContext } from "./page-context";

const segments = [
  { id: "begin", label: "Beginning" },
  { id: "middle", label: "Middle" },
  { id: "end", label: "End" },
];

function newLessonId(): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  return "l" + Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}

export class LessonList {
  readonly element: HTMLElement;
  private list: HTMLOListElement;
  private cards = new Map<string, HTMLElement>();
  private empty: HTMLElement;

  constructor(private ctx: PageContext, private mode: "plan" | "teach") {
    this.list = h("ol", { class: "cp-lessons", "aria-label": "Lessons" });
    this.empty = h("p", { class: "cp-empty" }, mode === "plan" ? "No lessons yet. Add the first one below." : "Add lessons in the Co-plan tab first.");
    this.element = h("div", { class: "cp-lesson-list" }, this.empty, this.list);
    if (mode === "plan") {
      this.element.append(
        h("button", { type: "button", class: "primary", "data-action": "add-lesson", onclick: () => this.add() }, "+ Add a lesson"),
      );
    }
  }

  private live(): LessonState[] {
    return this.ctx.conn.structure.view().lessons.filter((l) => !l.removed);
  }

  add(): void {
    const live = this.live();
    const id = newLessonId();
    this.ctx.conn.command({ op: "add_lesson", id, after: live.length ? live[live.length - 1].id : null });
    // Focus the new lesson's title once it is on the page.
    setTimeout(() => (this.cards.get(id)?.querySelector(".cm-content") as HTMLElement | null)?.focus(), 0);
  }

  private move(id: string, delta: -1 | 1): void {
    const live = this.live();
    const i = live.findIndex((l) => l.id === id);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= live.length) return;
    const after = delta < 0 ? (j > 0 ? live[j - 1].id : null) : live[j].id;
    this.ctx.conn.command({ op: "move_lesson", id, after });
    toast(`Lesson moved ${delta < 0 ? "up" : "down"}.`);
  }

  private remove(id: string, title: string): void {
    this.ctx.conn.command({ op: "remove_lesson", id });
    toast(`Removed “${title || "Untitled lesson"}”.`, {
      label: "Undo",
      run: () => this.ctx.conn.command({ op: "restore_lesson", id }),
    });
  }

  private titleOf(id: string): string {
    return this.ctx.conn.peers.get(`${id}.title`)?.text.trim() ?? "";
  }

  update(): void {
    const live = this.live();
    this.empty.hidden = live.length > 0;
    const keep = new Set(live.map((l) => l.id));
    for (const [id, card] of this.cards)
      if (!keep.has(id)) {
        this.ctx.release(card);
        card.remove();
        this.cards.delete(id);
      }
    live.forEach((l, index) => {
      let card = this.cards.get(l.id);
      if (!card) {
        card = this.mode === "plan" ? this.planCard(l.id) : this.teachCard(l.id);
        this.cards.set(l.id, card);
      }
      const number = card.querySelector(".cp-lesson-number");
      if (number) number.textContent = `Lesson ${index + 1}`;
      const heading = card.querySelector(".cp-lesson-title-text");
      if (heading) heading.textContent = this.titleOf(l.id) || "Untitled lesson";
      card.querySelectorAll<HTMLButtonElement>("[data-action=up]").forEach((b) => (b.disabled = index === 0));
      card.querySelectorAll<HTMLButtonElement>("[data-action=down]").forEach((b) => (b.disabled = index === live.length - 1));
      // Re-append in order only when out of place, so focus and editors survive.
      if (this.list.children[index] !== card) {
        const hadFocus = card.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
        this.list.insertBefore(card, this.list.children[index] ?? null);
        hadFocus?.focus();
      }
    });
  }

  private field(id: string) {
    return this.ctx.template.lesson_fields.find((f) => f.id === id);
  }

  private planCard(id: string): HTMLElement {
    const f = (name: string) => this.field(name);
    const controls = h(
      "div",
      { class: "cp-lesson-controls" },
      h("button", { type: "button", "data-action": "up", "aria-label": "Move lesson up", onclick: () => this.move(id, -1) }, "↑"),
      h("button", { type: "button", "data-action": "down", "aria-label": "Move lesson down", onclick: () => this.move(id, 1) }, "↓"),
      h("button", { type: "button", class: "danger", "data-action": "remove", onclick: () => this.remove(id, this.titleOf(id)) }, "Remove"),
    );
    const card = h("li", { class: "cp-lesson", "data-lesson": id });
    card.append(
      h("div", { class: "cp-lesson-head" }, h("span", { class: "cp-lesson-number" }), controls),
      f("title") ? this.ctx.text(id, f("title")!, { singleLine: true, placeholder: "Lesson title" }) : "",
      h("div", { class: "cp-row" }, f("date") ? this.ctx.scalar(id, f("date")!) : "", f("minutes") ? this.ctx.scalar(id, f("minutes")!) : ""),
      f("objectives") ? this.ctx.text(id, f("objectives")!) : "",
    );
    card.addEventListener("keydown", (e) => {
      // Alt+ArrowUp / Alt+ArrowDown move the lesson from anywhere inside it.
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      e.preventDefault();
      this.move(id, e.key === "ArrowUp" ? -1 : 1);
    });
    return card;
  }

  private teachCard(id: string): HTMLElement {
    const card = h(
      "li",
      { class: "cp-lesson", "data-lesson": id },
      h("h3", { class: "cp-lesson-head" }, h("span", { class: "cp-lesson-number" }), ": ", h("span", { class: "cp-lesson-title-text" })),
    );
    for (const seg of segments) {
      const approach = this.field(`${seg.id}_approach`);
      const lib = this.field(`${seg.id}_librarian`);
      const tea = this.field(`${seg.id}_teacher`);
      const box = h("fieldset", { class: "cp-segment" }, h("legend", {}, seg.label));
      if (approach) box.append(this.ctx.scalar(id, approach, "Co-teaching approach"));
      const roles = h("div", { class: "cp-roles" });
      if (lib) roles.append(this.ctx.text(id, lib, { label: "What the librarian does" }));
      if (tea) roles.append(this.ctx.text(id, tea, { label: "What the teacher does" }));
      box.append(roles);
      card.append(box);
    }
    for (const name of ["notes", "adjustments"]) {
      const spec = this.field(name);
      if (spec) card.append(this.ctx.text(id, spec));
    }
    return card;
  }
}
