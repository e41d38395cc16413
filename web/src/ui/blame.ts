// The blame view of a unit page: for the text under the pointer or the caret, who wrote it and
// when, and whether the other partner later revised it (shared work, also marked in the text).
// Spans come from the server's replay of the op log; they are used for a field only while its
// text is the version they describe.
import { StateEffect, StateField, RangeSetBuilder, type Extension } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import { api, type BlameSpan } from "../api";
import type { UnitConnection } from "../sync/unit-connection";
import type { AuthorInfo } from "./authorship";
import { h } from "./dom";

export const setSharedRanges = StateEffect.define<{ from: number; to: number }[]>();

const sharedMark = Decoration.mark({ class: "cp-shared" });
const sharedField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects)
      if (e.is(setSharedRanges)) {
        const b = new RangeSetBuilder<Decoration>();
        for (const r of e.value) if (r.to > r.from && r.to <= tr.state.doc.length) b.add(r.from, r.to, sharedMark);
        return b.finish();
      }
    return tr.docChanged ? deco.map(tr.changes) : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function sharedWork(): Extension {
  return sharedField;
}

function when(ms: number): string {
  if (!ms) return "before this unit's history";
  return new Date(ms).toLocaleString(undefined, { month: "short", day: "numeric", year: "numeric", hour: "numeric", minute: "2-digit" });
}

export class BlameView {
  readonly bar: HTMLElement;
  private spans = new Map<string, { version: number; spans: BlameSpan[] }>();
  private loading: Promise<void> | null = null;
  private stale = true;
  /** No fetch before this time (ms since the epoch): at most one every 1.5 s. */
  private nextFetch = 0;

  constructor(private unitId: string, private conn: UnitConnection, private info: AuthorInfo) {
    this.bar = h("div", { class: "cp-blame-bar", role: "status", "aria-live": "polite", hidden: true });
  }

  private last: { stream: string; pos: number } | null = null;

  /** Shows who wrote the text at `pos` of `stream`, fetching the record first when needed (and
   * again, a few times, while the record does not describe the field's text yet: an edit of ours
   * still unconfirmed, or the partner's arriving meanwhile). */
  point(stream: string, pos: number, tries = 3): void {
    this.last = { stream, pos };
    const text = this.describe(stream, pos);
    if (text !== null) return this.show(text);
    this.refresh().then(() => {
      if (this.last?.stream !== stream || this.last.pos !== pos) return;
      const text = this.describe(stream, pos);
      if (text === null && tries > 1) return this.point(stream, pos, tries - 1);
      this.show(text);
    });
  }

  /** Describes who wrote the text at `pos` of `stream`, or null when not known for this version. */
  describe(stream: string, pos: number): string | null {
    const b = this.spans.get(stream);
    const peer = this.conn.peers.get(stream);
    if (!b || !peer || peer.version !== b.version || peer.unconfirmedCount) {
      this.stale = true;
      return null;
    }
    let at = 0;
    for (const [len, author, time, revisedBy] of b.spans) {
      if (pos < at + len || (pos === at + len && pos === peer.state.doc.length)) {
        const who = author ? this.info.nameOf(author) : "someone before this unit was copied";
        const shared = revisedBy && revisedBy !== author ? ` — revised by ${this.info.nameOf(revisedBy)} (shared work)` : "";
        return `Written by ${who}, ${when(time)}${shared}`;
      }
      at += len;
    }
    return null;
  }

  show(text: string | null): void {
    this.bar.hidden = !text;
    if (text) this.bar.textContent = text;
  }

  /** Fetches spans when text has changed since the last fetch, and marks shared work with them.
   * Regression: a fetch within 1.5 s of the last one answered with the old spans, so pointing at
   * text just after an edit showed nothing, and shared work a partner had just made was marked
   * only by the page's 20-second refresh. Now such a fetch waits out the 1.5 s instead. */
  refresh(): Promise<void> {
    if (this.loading) return this.loading;
    if (!this.stale && [...this.spans].every(([id, b]) => this.conn.peers.get(id)?.version === b.version)) return Promise.resolve();
    const wait = Math.max(0, this.nextFetch - Date.now());
    this.loading = new Promise((resolve) => setTimeout(resolve, wait))
      .then(() => api.blame(this.unitId))
      .then((r) => {
        this.spans = new Map(Object.entries(r.streams));
        this.stale = false;
        this.markShared();
      })
      .catch(() => {})
      .finally(() => {
        this.loading = null;
        this.nextFetch = Date.now() + 1500;
      });
    return this.loading;
  }

  /** Marks shared work in every field of the page the spans describe (the marks show only while
   * the blame view is on; the others keep theirs, carried through their edits). */
  private markShared(): void {
    for (const el of document.querySelectorAll<HTMLElement>(".cp-field[data-stream]")) {
      const ranges = this.sharedRanges(el.dataset.stream!);
      const view = EditorView.findFromDOM(el);
      if (ranges && view) view.dispatch({ effects: setSharedRanges.of(ranges) });
    }
  }

  /** Shared-work ranges of a field, when the spans describe its current text. */
  sharedRanges(stream: string): { from: number; to: number }[] | null {
    const b = this.spans.get(stream);
    const peer = this.conn.peers.get(stream);
    if (!b || !peer || peer.version !== b.version || peer.unconfirmedCount) return null;
    const out: { from: number; to: number }[] = [];
    let at = 0;
    for (const [len, author, , revisedBy] of b.spans) {
      if (revisedBy && revisedBy !== author) out.push({ from: at, to: at + len });
      at += len;
    }
    return out;
  }

  markStale(): void {
    this.stale = true;
  }
}
