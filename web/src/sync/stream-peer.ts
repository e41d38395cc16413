// StreamPeer: one collaborative text field on the client. Holds the field's EditorState (with
// @codemirror/collab), pushes local updates to the server one batch at a time, applies the
// server's update stream with receiveUpdates (the only merge logic on the client is collab's),
// and keeps the server's author runs and text for the confirmed version. `snapshot()` and
// `StreamPeer.restore` carry a field, with its unconfirmed edits, across a page reload.
import { ChangeSet, EditorState, Text, Transaction, type Extension, type TransactionSpec } from "@codemirror/state";
import { collab, getSyncedVersion, receiveUpdates, sendableUpdates } from "@codemirror/collab";
import { AuthorRuns, type Run } from "./author-runs";
import type { ChangesJSON, FullStream, WireUpdate } from "./protocol";

/** Most updates sent in one push message (the server accepts up to 1000). */
export const MAX_UPDATES_PER_PUSH = 200;

/** "remote": server updates arrived (authors changed); "reset": the state was replaced. */
export type PeerEvent = "remote" | "reset";

/**
 * Everything needed to rebuild a peer after a reload: the confirmed field (version, text, author
 * runs), this client's unconfirmed changes in order (each applies to the text the previous one
 * left), and how many of our own updates the stream has confirmed (push `seq` continues from it).
 */
export interface PeerSnapshot extends FullStream {
  unconfirmed: ChangesJSON[];
  ownConfirmed: number;
}

/** What a peer needs from its connection. */
export interface PeerLink {
  readonly clientID: string;
  readonly online: boolean;
  send(message: unknown): void;
  /** Something is inconsistent: drop the socket and catch up again. */
  resync(reason: string): void;
}

/** Where the peer's state lives when an editor view shows it. */
export interface StateHost {
  readonly state: EditorState;
  dispatch(tr: Transaction): void;
}

export class StreamPeer {
  state: EditorState;
  readonly authors: AuthorRuns;
  /** The text at the synced version (the server's text, without our unconfirmed edits). */
  private confirmedDoc: Text;
  private host: StateHost | null = null;
  private inFlight = false;
  private waitFor = 0;
  private ownConfirmed = 0;
  private listeners = new Set<(kind: PeerEvent) => void>();
  private changeListeners = new Set<(changes: ChangeSet) => void>();

  constructor(
    readonly stream: string,
    private readonly link: PeerLink,
    initial: FullStream,
    private readonly extensions: Extension[] = [],
  ) {
    this.state = this.makeState(initial);
    this.confirmedDoc = this.state.doc;
    this.authors = new AuthorRuns(initial.authors.map(([l, a]) => [l, a] as Run));
  }

  /**
   * A peer rebuilt from `snapshot()` (the link must have the same clientID): the confirmed text at
   * its version, then the unconfirmed changes re-applied as local edits, so collab holds them as
   * unconfirmed again. When the server's catch-up contains some of them already (they were
   * accepted but the answer was lost), collab recognises them by clientID and nothing is applied
   * twice.
   */
  static restore(stream: string, link: PeerLink, saved: PeerSnapshot, extensions: Extension[] = []): StreamPeer {
    const peer = new StreamPeer(stream, link, saved, extensions);
    peer.ownConfirmed = saved.ownConfirmed;
    for (const json of saved.unconfirmed)
      peer.state = peer.state.update({ changes: ChangeSet.fromJSON(json), annotations: Transaction.addToHistory.of(false) }).state;
    return peer;
  }

  snapshot(): PeerSnapshot {
    return {
      version: this.version,
      text: this.confirmedDoc.toString(),
      authors: this.authors.runs.map(([l, a]) => [l, a] as Run),
      unconfirmed: sendableUpdates(this.state).map((u) => u.changes.toJSON()),
      ownConfirmed: this.ownConfirmed,
    };
  }

  private makeState(initial: FullStream): EditorState {
    return EditorState.create({
      doc: initial.text,
      extensions: [collab({ startVersion: initial.version, clientID: this.link.clientID }), ...this.extensions],
    });
  }

  get version(): number {
    return getSyncedVersion(this.state);
  }

  get text(): string {
    return this.state.doc.toString();
  }

  get unconfirmedCount(): number {
    return sendableUpdates(this.state).length;
  }

  /** An editor view takes over the state; it must call `viewUpdated` on every update. */
  attach(host: StateHost): void {
    this.host = host;
  }

  detach(): void {
    if (this.host) this.state = this.host.state;
    this.host = null;
  }

  /** Called by the attached view (or by `applyLocal`) after each transaction. */
  viewUpdated(state: EditorState, local: boolean, changes?: ChangeSet): void {
    this.state = state;
    if (changes && !changes.empty) for (const f of this.changeListeners) f(changes);
    if (local) this.maybePush();
  }

  /** Every change to the text, local or remote (for anchors that follow the text). */
  onChanges(f: (changes: ChangeSet) => void): () => void {
    this.changeListeners.add(f);
    return () => this.changeListeners.delete(f);
  }

  /** Applies a local change when no view is attached (tests, programmatic edits). */
  applyLocal(spec: TransactionSpec): void {
    const tr = this.state.update(spec);
    if (this.host) this.host.dispatch(tr);
    else this.viewUpdated(tr.state, true, tr.changes);
  }

  onChange(f: (kind: PeerEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private dispatch(tr: Transaction): void {
    if (this.host) this.host.dispatch(tr);
    else this.viewUpdated(tr.state, false, tr.changes);
  }

  maybePush(): void {
    if (this.inFlight || !this.link.online) return;
    const version = this.version;
    if (version < this.waitFor) return;
    const updates = sendableUpdates(this.state);
    if (!updates.length) return;
    const batch = updates.slice(0, MAX_UPDATES_PER_PUSH);
    this.inFlight = true;
    this.link.send({
      type: "push",
      stream: this.stream,
      version,
      updates: batch.map((u, i) => ({ clientID: u.clientID, seq: this.ownConfirmed + i + 1, changes: u.changes.toJSON() })),
    });
  }

  /** The server's answer to our push. */
  onPushed(ok: boolean, version: number): void {
    this.inFlight = false;
    if (!ok) this.waitFor = version; // push again once we have seen everything up to `version`
    this.maybePush();
  }

  /** The push failed for good (an error reply): stop waiting for it. */
  onPushError(): void {
    this.inFlight = false;
  }

  /** Updates from the server's stream, in version order. */
  onUpdates(updates: WireUpdate[]): void {
    const version = this.version;
    const fresh = updates.filter((u) => u.v >= version);
    if (!fresh.length) return;
    if (fresh[0].v !== version) {
      this.link.resync(`missing updates in ${this.stream}: have ${version}, got ${fresh[0].v}`);
      return;
    }
    // One update at a time: the server rebases a late push over each update in turn, and doing
    // the same here keeps both sides identical (CodeMirror's map is not compositional at ties).
    for (const u of fresh) {
      const update = { changes: ChangeSet.fromJSON(u.changes), clientID: u.clientID };
      this.authors.apply(update.changes, u.author);
      this.confirmedDoc = update.changes.apply(this.confirmedDoc);
      if (u.clientID === this.link.clientID) this.ownConfirmed++;
      this.dispatch(receiveUpdates(this.state, [update]));
    }
    this.emit();
    this.maybePush();
  }

  /** The connection dropped: whatever was in flight will be answered on the next connection. */
  onDisconnected(): void {
    this.inFlight = false;
    this.waitFor = 0;
  }

  /**
   * The server sent the whole field again although we had it (its history no longer reaches our
   * version). Local unsent edits cannot be rebased without that history; they are returned so the
   * caller can keep them for the user rather than drop them silently.
   */
  reset(full: FullStream): string | null {
    const lost = this.unconfirmedCount ? this.text : null;
    const fresh = this.makeState(full);
    if (this.host) {
      // A view cannot swap states through dispatch; the UI rebuilds its view on this event.
      this.host = null;
    }
    this.state = fresh;
    this.confirmedDoc = fresh.doc;
    this.authors.runs = full.authors.map(([l, a]) => [l, a] as Run);
    this.inFlight = false;
    this.waitFor = 0;
    this.emit("reset");
    return lost;
  }

  /** Author runs of the current text: the confirmed runs carried through our unsent updates. */
  displayRuns(me: number): Run[] {
    const runs = this.authors.clone();
    for (const u of sendableUpdates(this.state)) runs.apply(u.changes as ChangeSet, me);
    return runs.runs;
  }

  private emit(kind: PeerEvent = "remote") {
    for (const f of this.listeners) f(kind);
  }
}
