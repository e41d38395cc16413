// UnitConnection: the one WebSocket of an open unit. Says hello with the versions it already has,
// routes the server's messages to the field peers and the structure model, re-sends what is
// unconfirmed after every reconnect, and reconnects with exponential backoff and jitter.
// `snapshot()`/`restore()` carry the whole open unit, unconfirmed edits included, across a page
// reload (the browser keeps snapshots in IndexedDB, see offline-store.ts). It has no DOM
// dependency: the browser passes its WebSocket, tests pass the `ws` package.
import { sendableUpdates } from "@codemirror/collab";
import type { ChangeSet, Extension } from "@codemirror/state";
import { StreamPeer, type PeerLink, type PeerSnapshot } from "./stream-peer";
import { StructureModel, type StructureSnapshot } from "./structure-model";
import type { Command, FullStream, Member, ServerMessage, StructureState } from "./protocol";

/** The longest a passage tag waits for its field's edits to be confirmed (see sendCommands). */
const HOLD_MS = 10_000;

export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type ConnectionStatus = "connecting" | "online" | "offline" | "signedout" | "removed" | "closed";

export interface Presence {
  user: number;
  clientID: string;
  stream: string | null;
  anchor?: number;
  head?: number;
}

export interface ConnectionEvents {
  status: (s: ConnectionStatus) => void;
  welcome: () => void;
  structure: (s: StructureState) => void;
  peer: (p: StreamPeer) => void;
  online: (clients: { user: number; clientID: string }[]) => void;
  presence: (p: Presence) => void;
  error: (code: string, message: string) => void;
  lostText: (stream: string, text: string) => void;
  members: () => void;
}

/** An open unit as this client has it: enough to reopen it offline and sync it later. */
export interface UnitSnapshot {
  clientID: string;
  unitId: string;
  template: any;
  you: Member | null;
  members: Member[];
  expertise: { id: string; label: string }[];
  structure: StructureSnapshot;
  streams: Record<string, PeerSnapshot>;
}

export interface ConnectionOptions {
  url: string;
  makeSocket: (url: string) => SocketLike;
  clientID?: string;
  /** Editor extensions for a field's state (the browser's keymaps, decorations, listeners). */
  extensionsFor?: (stream: string) => Extension[];
  /** Backoff bounds for reconnecting, in ms. */
  minDelay?: number;
  maxDelay?: number;
}

export function newClientID(): string {
  const bytes = new Uint8Array(9);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 16);
}

export class UnitConnection implements PeerLink {
  /** Chosen before `connect()` (by the options, `restore()`, or the page); fixed after. */
  clientID: string;
  readonly peers = new Map<string, StreamPeer>();
  readonly structure = new StructureModel();
  status: ConnectionStatus = "connecting";
  you: Member | null = null;
  members: Member[] = [];
  template: any = null;
  expertise: { id: string; label: string }[] = [];
  unitId = "";
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private welcomed = false;
  private everWelcomed = false;
  private closedByUser = false;
  private handlers: { [K in keyof ConnectionEvents]: Set<ConnectionEvents[K]> } = {
    status: new Set(), welcome: new Set(), structure: new Set(), peer: new Set(),
    online: new Set(), presence: new Set(), error: new Set(), lostText: new Set(), members: new Set(),
  };

  constructor(private readonly opts: ConnectionOptions) {
    this.clientID = opts.clientID ?? newClientID();
  }

  get online(): boolean {
    return this.status === "online";
  }

  on<K extends keyof ConnectionEvents>(event: K, f: ConnectionEvents[K]): () => void {
    this.handlers[event].add(f);
    return () => this.handlers[event].delete(f);
  }

  private emit<K extends keyof ConnectionEvents>(event: K, ...args: Parameters<ConnectionEvents[K]>) {
    for (const f of this.handlers[event]) (f as (...a: unknown[]) => void)(...args);
  }

  connect(): void {
    this.closedByUser = false;
    this.open();
  }

  close(): void {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.socket?.close(1000, "bye");
    this.socket = null;
    this.setStatus("closed");
  }

  /**
   * Tries to connect now instead of when the backoff delay ends (the browser says the network is
   * back). Does nothing while connected or connecting, after close(), or once removed from the unit.
   */
  retryNow(): void {
    if (this.closedByUser || this.socket || this.status === "removed" || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.status !== "signedout") this.attempt = 0; // signed out: keep retrying slowly
    this.open();
  }

  /** Drops the current socket (as a network failure would); the connection comes back by itself. */
  drop(): void {
    this.socket?.close(4000, "dropped");
  }

  send(message: unknown): void {
    if (this.socket && this.socket.readyState === 1 && this.welcomed) this.socket.send(JSON.stringify(message));
  }

  resync(reason: string): void {
    console.warn(`coplan: resynchronising (${reason})`);
    this.drop();
  }

  command(cmd: Command): void {
    this.structure.add(cmd);
    if (cmd.op === "add_block") this.ensureBlockPeers(cmd.list, cmd.id);
    this.emit("structure", this.structure.view());
    this.sendCommands();
  }

  presence(stream: string | null, anchor = 0, head = 0): void {
    this.send(stream ? { type: "presence", stream, anchor, head } : { type: "presence", stream: null });
  }

  /** The unit as this client has it now (null before the first welcome or restore). */
  snapshot(): UnitSnapshot | null {
    if (!this.template) return null;
    const streams: Record<string, PeerSnapshot> = {};
    for (const [id, p] of this.peers) streams[id] = p.snapshot();
    return {
      clientID: this.clientID,
      unitId: this.unitId,
      template: this.template,
      you: this.you,
      members: this.members,
      expertise: this.expertise,
      structure: this.structure.snapshot(),
      streams,
    };
  }

  /**
   * Rebuilds the unit from a snapshot, before `connect()`. The connection takes the snapshot's
   * clientID, so the server's catch-up is recognised as its own where it already holds some of
   * the unconfirmed edits, and re-sent commands are deduplicated by (clientID, seq). On connect,
   * hello carries the restored versions and everything unconfirmed is pushed once welcomed.
   */
  restore(s: UnitSnapshot): void {
    if (this.socket || this.peers.size) throw new Error("restore() must come before connect()");
    const clientID = this.clientID;
    this.clientID = s.clientID;
    let peers: StreamPeer[];
    try {
      // Rebuild every field first: a snapshot that does not fit leaves the connection untouched.
      peers = Object.entries(s.streams).map(([id, saved]) => StreamPeer.restore(id, this, saved, this.opts.extensionsFor?.(id) ?? []));
    } catch (e) {
      this.clientID = clientID;
      throw e;
    }
    this.unitId = s.unitId;
    this.template = s.template;
    this.you = s.you;
    this.members = s.members;
    this.expertise = s.expertise;
    this.structure.restore(s.structure);
    if (s.you) this.structure.me = s.you.id;
    for (const p of peers) this.register(p);
  }

  /** Number of local edits and commands not yet confirmed by the server. */
  unconfirmed(): number {
    let n = this.structure.pending.length;
    for (const p of this.peers.values()) n += p.unconfirmedCount;
    return n;
  }

  private setStatus(s: ConnectionStatus) {
    if (this.status === s) return;
    this.status = s;
    this.emit("status", s);
  }

  private open() {
    this.welcomed = false;
    if (this.status !== "signedout") this.setStatus(this.attempt === 0 && !this.everWelcomed ? "connecting" : "offline");
    let socket: SocketLike;
    try {
      socket = this.opts.makeSocket(this.opts.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const streams: Record<string, number> = {};
      for (const [id, p] of this.peers) streams[id] = p.version;
      // batch: messages that queue up on the server arrive as one frame holding an array.
      socket.send(JSON.stringify({ type: "hello", clientID: this.clientID, streams, batch: true }));
      this.lastHeard = Date.now();
    };
    socket.onmessage = (ev) => {
      if (socket !== this.socket) return;
      this.lastHeard = Date.now();
      let frame: ServerMessage | ServerMessage[];
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      for (const msg of Array.isArray(frame) ? frame : [frame]) {
        if (socket !== this.socket) return; // a message of this frame closed the connection
        this.handle(msg);
      }
    };
    socket.onclose = (ev) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.welcomed = false;
      if (this.pingTimer) clearInterval(this.pingTimer);
      for (const p of this.peers.values()) p.onDisconnected();
      if (this.closedByUser) return;
      if (ev.code === 4003) {
        // No longer a member of this unit (removed, or the account's role changed): retrying
        // cannot help. What is unsent stays in this browser's offline store.
        this.setStatus("removed");
        return;
      }
      if (ev.code === 4001 || this.status === "signedout") {
        // The sign-in session ended: keep everything here, try again slowly (after a new sign-in
        // in another tab the cookie is valid again and the connection comes back by itself).
        this.setStatus("signedout");
        this.attempt = Math.max(this.attempt, 5);
        this.scheduleRetry();
        return;
      }
      this.setStatus("offline");
      this.scheduleRetry();
    };
    socket.onerror = () => {};
  }

  private resendTimer: ReturnType<typeof setTimeout> | null = null;

  /** Re-sends pending commands (the server acknowledges ones it already applied) and pushes. */
  private resendUnconfirmed() {
    this.sentSeq = 0;
    this.heldSince = 0; // a tag held before a reconnection waits for this connection's pushes
    this.sendCommands();
    for (const p of this.peers.values()) p.maybePush();
  }

  /** The last command sent on this connection: commands go out once each, in seq order. */
  private sentSeq = 0;
  private heldSince = 0;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Sends the pending commands this connection has not sent yet, in order. A tag on a passage
   * waits (and the commands after it with it) until its field has no unconfirmed edits of ours:
   * it then goes with the field's version, and the server carries the passage through what
   * partners wrote since, which we may not have seen yet. Regression (#5): the server read the
   * positions in its own text, so a tag made before a partner's edit earlier in the field had
   * reached us covered other words. A field whose edits stay unconfirmed for HOLD_MS (a push
   * refused for good) does not hold the commands back longer: the passage is then taken back
   * through our unconfirmed edits to the confirmed text.
   */
  private sendCommands() {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (!this.welcomed) return;
    for (const p of this.structure.pending) {
      if (p.seq <= this.sentSeq) continue;
      let cmd = p.cmd;
      const peer = cmd.op === "add_tag" && cmd.from !== undefined ? this.peers.get(cmd.target) : undefined;
      if (cmd.op === "add_tag" && peer && cmd.from !== undefined && cmd.to !== undefined) {
        const unconfirmed = sendableUpdates(peer.state);
        let { from, to } = cmd;
        if (unconfirmed.length) {
          if (!this.heldSince) this.heldSince = Date.now();
          const wait = this.heldSince + HOLD_MS - Date.now();
          if (wait > 0) {
            this.holdTimer = setTimeout(() => this.sendCommands(), wait);
            return;
          }
          for (const u of [...unconfirmed].reverse()) {
            const back = u.changes.invertedDesc;
            from = back.mapPos(from, 1);
            to = Math.max(from, back.mapPos(to, -1));
          }
        }
        cmd = { ...cmd, from, to, version: peer.version };
      }
      this.heldSince = 0;
      this.send({ type: "cmd", clientID: this.clientID, seq: p.seq, cmd });
      this.sentSeq = p.seq;
    }
  }

  private scheduleResend() {
    if (this.resendTimer) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = null;
      if (this.welcomed) this.resendUnconfirmed();
    }, 1000);
  }

  private scheduleRetry() {
    const min = this.opts.minDelay ?? 300;
    const max = this.opts.maxDelay ?? 15000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random());
    this.attempt = Math.min(this.attempt + 1, 16);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private handle(msg: ServerMessage) {
    switch (msg.type) {
      case "welcome":
        return this.onWelcome(msg);
      case "updates":
        this.peers.get(msg.stream)?.onUpdates(msg.updates);
        if (this.holdTimer) this.sendCommands(); // a held passage tag may go now
        return;
      case "pushed":
        this.peers.get(msg.stream)?.onPushed(msg.ok, msg.version);
        if (this.holdTimer) this.sendCommands();
        return;
      case "cmd": {
        if (msg.cmd.op === "add_tag") msg = { ...msg, cmd: this.toLocal(msg.cmd) };
        if (!this.structure.onCommand(msg, this.clientID)) return this.resync("structure out of order");
        if (msg.cmd.op === "add_block") this.ensureBlockPeers(msg.cmd.list, msg.cmd.id);
        this.emit("structure", this.structure.view());
        return;
      }
      case "cmd_ack":
        this.structure.settle(msg.seq);
        this.emit("structure", this.structure.view());
        return;
      case "online":
        this.emit("online", msg.clients);
        return;
      case "presence":
        this.emit("presence", msg);
        return;
      case "error":
        if (msg.code === "rate_limited") {
          // Not applied, and not refused for good: send it again in a moment. (Only a client sending
          // far faster than a person types meets this limit.)
          if (msg.ref?.stream) this.peers.get(msg.ref.stream)?.onPushError();
          this.scheduleResend();
          return;
        }
        if (msg.ref?.seq !== undefined && msg.ref.clientID === this.clientID) {
          this.structure.settle(msg.ref.seq);
          this.emit("structure", this.structure.view());
        }
        if (msg.ref?.stream) this.peers.get(msg.ref.stream)?.onPushError();
        this.emit("error", msg.code, msg.message);
        return;
      case "pong":
        return;
      case "members":
        this.members = msg.members;
        this.emit("members");
        return;
    }
  }

  private onWelcome(msg: Extract<ServerMessage, { type: "welcome" }>) {
    this.welcomed = true;
    this.everWelcomed = true;
    this.attempt = 0;
    this.you = msg.you;
    this.members = msg.members;
    this.template = msg.unit.template;
    this.expertise = msg.expertise ?? [];
    this.unitId = msg.unit.id;
    this.structure.me = msg.you.id;
    // The texts first: catching up moves the tags we had (and our pending ones) with the text.
    for (const [id, s] of Object.entries(msg.streams)) {
      const peer = this.peers.get(id);
      if ("from" in s) {
        peer?.onUpdates(s.updates);
      } else if (!peer) {
        this.addPeer(id, s);
      } else {
        const lost = peer.reset(s);
        if (lost !== null) this.emit("lostText", id, lost);
      }
    }
    // The server's structure is as of its texts now; its passage tags are carried through our
    // unconfirmed edits. Regression: it was taken before the texts caught up, so catching up moved
    // tags already in place a second time (onto other words, or out of range).
    this.structure.confirmed = { ...msg.structure, tags: msg.structure.tags?.map((t) => this.toLocal(t)) };
    for (const [list, blocks] of Object.entries(this.structure.view().lists))
      for (const b of blocks) this.ensureBlockPeers(list, b.id);
    this.setStatus("online");
    this.emit("welcome");
    this.emit("structure", this.structure.view());
    this.resendUnconfirmed();
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > 45_000) return this.drop();
      this.send({ type: "ping" });
    }, 15_000);
  }

  private addPeer(id: string, full: FullStream): StreamPeer {
    return this.register(new StreamPeer(id, this, full, this.opts.extensionsFor?.(id) ?? []));
  }

  private register(peer: StreamPeer): StreamPeer {
    const id = peer.stream;
    this.peers.set(id, peer);
    peer.onChanges((changes) => this.mapPassageTags(id, changes));
    this.emit("peer", peer);
    return peer;
  }

  /** Tags on passages follow the text as it changes (the server does the same on its side). */
  private mapPassageTags(stream: string, changes: ChangeSet) {
    const map = (t: { target: string; from?: number; to?: number }) => {
      if (t.target !== stream || t.from === undefined || t.to === undefined) return;
      t.from = changes.mapPos(t.from, 1);
      t.to = Math.max(t.from, changes.mapPos(t.to, -1));
    };
    for (const t of this.structure.confirmed.tags ?? []) map(t);
    for (const p of this.structure.pending) if (p.cmd.op === "add_tag") map(p.cmd);
  }

  /**
   * A passage position the server sent (in a field's text as the server has it, which is our
   * confirmed text when its message arrives) in our text: carried through our edits it has not
   * confirmed yet, as mapPassageTags carries tags. Regression: a tag that arrived while we had
   * unconfirmed edits before its passage covered other words here (until the page was reloaded).
   */
  private toLocal<T extends { target: string; from?: number; to?: number }>(t: T): T {
    const peer = this.peers.get(t.target);
    if (!peer || t.from === undefined || t.to === undefined) return t;
    let { from, to } = t;
    for (const u of sendableUpdates(peer.state)) {
      from = u.changes.mapPos(Math.min(from, u.changes.length), 1);
      to = Math.max(from, u.changes.mapPos(Math.min(to, u.changes.length), -1));
    }
    return { ...t, from, to };
  }

  /** A block's text fields exist (empty, version 0) as soon as the block does. */
  private ensureBlockPeers(list: string, blockId: string) {
    const fields: { id: string; kind: string }[] = this.template?.lists?.[list]?.fields ?? [];
    for (const f of fields)
      if (f.kind === "text" && !this.peers.has(`${blockId}.${f.id}`))
        this.addPeer(`${blockId}.${f.id}`, { version: 0, text: "", authors: [] });
  }
}
