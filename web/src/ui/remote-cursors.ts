// Partners' carets and selections inside a text field, in the partner's colour, with their name.
// Positions come from presence messages; between messages they follow the text through every
// change, and they are clamped to the document.
import { StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, WidgetType, type DecorationSet } from "@codemirror/view";

export interface RemoteCursor {
  clientID: string;
  name: string;
  color: string;
  anchor: number;
  head: number;
}

export const setRemoteCursors = StateEffect.define<RemoteCursor[]>();

class CaretWidget extends WidgetType {
  constructor(readonly name: string, readonly color: string) {
    super();
  }
  eq(other: CaretWidget) {
    return other.name === this.name && other.color === this.color;
  }
  toDOM() {
    // The name is drawn by CSS (::after from data-name), so it never becomes part of the text
    // that copy, search or assistive technology see.
    const caret = document.createElement("span");
    caret.className = `cp-remote-caret cp-swatch-${this.color}`;
    caret.setAttribute("aria-hidden", "true");
    caret.dataset.name = this.name;
    return caret;
  }
  ignoreEvent() {
    return true;
  }
}

function build(cursors: RemoteCursor[], length: number): DecorationSet {
  const ranges = [];
  for (const c of cursors) {
    const anchor = Math.min(Math.max(0, c.anchor), length);
    const head = Math.min(Math.max(0, c.head), length);
    const from = Math.min(anchor, head), to = Math.max(anchor, head);
    if (to > from) ranges.push(Decoration.mark({ class: `cp-remote-selection cp-remote-${c.color}` }).range(from, to));
    ranges.push(Decoration.widget({ widget: new CaretWidget(c.name, c.color), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

const cursorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setRemoteCursors)) return build(e.value, tr.state.doc.length);
    return tr.docChanged ? deco.map(tr.changes) : deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function remoteCursors(): Extension {
  return cursorField;
}
