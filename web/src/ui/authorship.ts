// Authorship colouring in an editor: a decoration field marking each span with its author's
// colour. Remote updates replace the whole set (computed from the server's author runs);
// local typing maps the set and marks the inserted text as ours until the server confirms it.
import { Facet, StateEffect, StateField, Transaction, type Extension, RangeSetBuilder } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";
import type { Run } from "../sync/author-runs";

/** Who is who; functions, because members are known only after the server's welcome. */
export interface AuthorInfo {
  me: () => number;
  nameOf: (id: number) => string;
  colorOf: (id: number) => string;
}

export const authorInfo = Facet.define<AuthorInfo, AuthorInfo>({
  combine: (v) => v[0] ?? { me: () => 0, nameOf: () => "", colorOf: () => "teal" },
});

export const setAuthorRuns = StateEffect.define<Run[]>();

const markCache = new Map<string, Decoration>();
function mark(info: AuthorInfo, author: number): Decoration {
  const color = info.colorOf(author);
  const key = `${author}:${color}`;
  let m = markCache.get(key);
  if (!m) {
    m = Decoration.mark({
      class: `cp-author cp-author-${color}`,
      attributes: { "data-author": String(author) },
    });
    markCache.set(key, m);
  }
  return m;
}

export function decorationsOf(info: AuthorInfo, runs: Run[]): DecorationSet {
  const b = new RangeSetBuilder<Decoration>();
  let pos = 0;
  for (const [len, author] of runs) {
    if (len > 0) b.add(pos, pos + len, mark(info, author));
    pos += len;
  }
  return b.finish();
}

const authorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setAuthorRuns)) return decorationsOf(tr.state.facet(authorInfo), e.value);
    if (!tr.docChanged) return deco;
    deco = deco.map(tr.changes);
    if (tr.annotation(Transaction.remote)) return deco; // the peer sends the exact runs next
    const info = tr.state.facet(authorInfo);
    const added: { from: number; to: number }[] = [];
    tr.changes.iterChanges((_fa, _ta, fromB, toB) => {
      if (toB > fromB) added.push({ from: fromB, to: toB });
    });
    if (!added.length) return deco;
    // Remove any mark over the inserted text, then mark it as ours.
    for (const r of added) deco = deco.update({ filterFrom: r.from, filterTo: r.to, filter: (f, t) => t <= r.from || f >= r.to });
    return deco.update({ add: added.map((r) => mark(info, info.me()).range(r.from, r.to)), sort: true });
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function authorship(info: AuthorInfo): Extension {
  return [authorInfo.of(info), authorField];
}
