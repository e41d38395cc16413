// A collaborative text field: a CodeMirror view over the field's StreamPeer state, labelled for
// assistive technology, coloured by author, reporting the caret to the partner.
import { Compartment, Transaction, type Extension } from "@codemirror/state";
import { EditorView, keymap, placeholder as cmPlaceholder } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import type { UnitConnection } from "../sync/unit-connection";
import type { StreamPeer } from "../sync/stream-peer";
import { authorship, setAuthorRuns, type AuthorInfo } from "./authorship";
import { remoteCursors } from "./remote-cursors";
import { sharedWork } from "./blame";
import { lastSelection } from "./expertise";

/** Page-level observers of every field (the blame view follows the caret). */
export const hooks: { onCaret?: (stream: string, pos: number, focused: boolean) => void } = {};

/** Per-view settings (labels, placeholder), swapped in whenever a view mounts the state. */
const viewConfig = new Compartment();

/** Extensions every field's state carries (created with the peer, before any view exists). */
export function fieldExtensions(conn: UnitConnection, stream: string, info: AuthorInfo): Extension[] {
  let presenceTimer: ReturnType<typeof setTimeout> | null = null;
  let sent = ""; // the caret position last sent ("anchor head"), while the field has the focus
  return [
    history(),
    keymap.of([...defaultKeymap, ...historyKeymap]),
    EditorView.lineWrapping,
    authorship(info),
    remoteCursors(),
    sharedWork(),
    viewConfig.of([]),
    EditorView.updateListener.of((u) => {
      const peer = conn.peers.get(stream);
      if (!peer) return;
      const local = u.transactions.some((tr) => tr.docChanged && !tr.annotation(Transaction.remote));
      peer.viewUpdated(u.state, local, u.changes);
      const sel = u.state.selection.main;
      if (u.selectionSet && !sel.empty) Object.assign(lastSelection, { stream, from: sel.from, to: sel.to });
      if (u.selectionSet || u.focusChanged) hooks.onCaret?.(stream, sel.head, u.view.hasFocus);
      // Say where the caret is when it moves, and also when text changes around it (the partner
      // typing before it): the server hands the last position it heard to anyone who opens the
      // unit later, so it must be in today's text, not the text as it was.
      if (u.selectionSet || u.focusChanged || u.docChanged) {
        if (presenceTimer) clearTimeout(presenceTimer);
        presenceTimer = setTimeout(() => {
          const sel = u.view.state.selection.main;
          const where = `${sel.anchor} ${sel.head}`;
          if (!u.view.hasFocus || where === sent) return;
          sent = where;
          conn.presence(stream, sel.anchor, sel.head);
        }, 60);
      }
    }),
    EditorView.domEventHandlers({
      blur: () => {
        sent = "";
        conn.presence(null);
      },
    }),
  ];
}

export interface MountedField {
  readonly element: HTMLElement;
  readonly view: EditorView;
  destroy(): void;
}

export function mountTextField(
  peer: StreamPeer,
  info: AuthorInfo,
  opts: { labelId: string; describedBy?: string; placeholder?: string; singleLine?: boolean },
): MountedField {
  const element = document.createElement("div");
  element.className = "cp-field" + (opts.singleLine ? " cp-field-line" : "");
  element.dataset.stream = peer.stream;
  const extra: Extension[] = [
    EditorView.contentAttributes.of({
      "aria-labelledby": opts.labelId,
      ...(opts.describedBy ? { "aria-describedby": opts.describedBy } : {}),
    }),
  ];
  if (opts.placeholder) extra.push(cmPlaceholder(opts.placeholder));

  const makeView = () => {
    const v = new EditorView({ state: peer.state, parent: element });
    v.dispatch({ effects: [viewConfig.reconfigure(extra), setAuthorRuns.of(peer.displayRuns(info.me()))] });
    peer.attach({ get state() { return v.state; }, dispatch: (tr) => v.dispatch(tr) });
    return v;
  };
  let view = makeView();

  const off = peer.onChange((kind) => {
    if (kind === "reset") {
      view.destroy();
      view = makeView();
    } else {
      view.dispatch({ effects: setAuthorRuns.of(peer.displayRuns(info.me())) });
    }
  });

  return {
    element,
    get view() {
      return view;
    },
    destroy() {
      off();
      peer.detach();
      view.destroy();
    },
  };
}
