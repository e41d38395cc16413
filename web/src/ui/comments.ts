// Discussion on a section: short threads for the conversations that are not the plan itself,
// which either partner can resolve (and reopen). Text is always shown as text.
import type { CommentState } from "../sync/protocol";
import { newId } from "./block-list";
import { h, uid } from "./dom";
import type { PageContext } from "./page-context";

function when(ms: number): string {
  if (!ms) return "";
  return new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
}

export class CommentsPanel {
  readonly element: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly threads: HTMLElement;
  private readonly replyBoxes = new Map<string, HTMLElement>();

  constructor(private ctx: PageContext, private target: string, label: string) {
    const panelId = uid("comments");
    this.toggle = h("button", { type: "button", class: "cp-comments-toggle secondary", "aria-expanded": "false", "aria-controls": panelId });
    this.threads = h("div", { class: "cp-threads" });
    const textId = uid("new-comment");
    const text = h("textarea", { id: textId, rows: 2, maxlength: 4000, class: "cp-comment-input" });
    const start = h("form", { class: "cp-comment-form" },
      h("label", { for: textId }, `Start a discussion about ${label}`),
      text,
      h("button", { type: "submit", class: "secondary" }, "Post"),
    );
    start.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!text.value.trim()) return;
      this.ctx.conn.command({ op: "add_comment", id: newId("c"), target, parent: null, text: text.value });
      text.value = "";
    });
    this.panel = h("div", { id: panelId, class: "cp-comments", hidden: true, role: "region", "aria-label": `Discussion: ${label}` }, this.threads, start);
    this.toggle.addEventListener("click", () => {
      const open = this.panel.hidden;
      this.panel.hidden = !open;
      this.toggle.setAttribute("aria-expanded", String(open));
      if (open) text.focus();
    });
    this.element = h("div", { class: "cp-comments-wrap" }, this.toggle, this.panel);
    this.update();
  }

  update(): void {
    const all = this.ctx.conn.structure.view().comments.filter((c) => c.target === this.target);
    const roots = all.filter((c) => !c.parent);
    const open = roots.filter((c) => !c.resolved).length;
    this.toggle.textContent = roots.length ? `Discussion (${open} open${roots.length > open ? `, ${roots.length - open} resolved` : ""})` : "Discuss";
    this.threads.replaceChildren();
    const ordered = [...roots.filter((c) => !c.resolved), ...roots.filter((c) => c.resolved)];
    for (const root of ordered) this.threads.append(this.thread(root, all.filter((c) => c.parent === root.id)));
  }

  private line(c: CommentState): HTMLElement {
    const who = this.ctx.info.nameOf(c.author);
    return h(
      "div",
      { class: "cp-comment", "data-comment": c.id },
      h("span", { class: `cp-comment-author cp-swatch-${this.ctx.info.colorOf(c.author)}` }, who),
      h("span", { class: "cp-comment-time" }, ` · ${when(c.time)}`),
      h("p", { class: "cp-comment-text" }, c.text),
    );
  }

  private thread(root: CommentState, replies: CommentState[]): HTMLElement {
    const art = h("article", { class: `cp-thread${root.resolved ? " cp-resolved" : ""}`, "data-thread": root.id }, this.line(root));
    for (const r of replies) art.append(h("div", { class: "cp-reply" }, this.line(r)));
    if (root.resolved) {
      art.append(
        h("p", { class: "cp-resolved-note" }, `Resolved by ${this.ctx.info.nameOf(root.resolvedBy)} · ${when(root.resolvedAt)} `,
          h("button", { type: "button", class: "link", onclick: () => this.ctx.conn.command({ op: "resolve_comment", id: root.id, resolved: false }) }, "Reopen"),
        ),
      );
      return art;
    }
    let box = this.replyBoxes.get(root.id);
    if (!box) {
      const id = uid("reply");
      const text = h("textarea", { id, rows: 1, maxlength: 4000, class: "cp-comment-input" });
      const form = h("form", { class: "cp-comment-form" }, h("label", { for: id, class: "cp-visually-hidden" }, "Reply"), text,
        h("button", { type: "submit", class: "secondary" }, "Reply"));
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        if (!text.value.trim()) return;
        this.ctx.conn.command({ op: "add_comment", id: newId("c"), target: this.target, parent: root.id, text: text.value });
        text.value = "";
      });
      box = h("div", { class: "cp-reply-box" }, form,
        h("button", { type: "button", class: "secondary", "data-action": "resolve", onclick: () => this.ctx.conn.command({ op: "resolve_comment", id: root.id, resolved: true }) }, "Resolve"));
      this.replyBoxes.set(root.id, box);
    }
    art.append(box);
    return art;
  }
}
