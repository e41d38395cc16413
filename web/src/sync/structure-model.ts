// StructureModel: the unit's structure (unit values, the blocks of each list in order with
// tombstones, comments) as the server confirmed it, plus this client's commands not yet
// confirmed, shown applied on top so the page reacts at once and keeps working offline. Commands
// are re-sent on reconnect; the server ignores ones it already applied (by client id and seq).
import type { BlockState, Command, StructureState, WireCommand } from "./protocol";

export interface PendingCommand {
  seq: number;
  cmd: Command;
}

/** Where a block lives: its list and its index there. */
function locate(s: StructureState, id: string): { list: string; index: number } | null {
  for (const [list, blocks] of Object.entries(s.lists)) {
    const index = blocks.findIndex((b) => b.id === id);
    if (index >= 0) return { list, index };
  }
  return null;
}

/**
 * Applies one command to a structure (returning a copy), the way the server does, for showing
 * our own pending commands before the server confirms them. An invalid command changes nothing.
 * `author` and `time` stamp comments.
 */
export function applyCommand(s: StructureState, cmd: Command, author = 0, time = 0): StructureState {
  const lists: Record<string, BlockState[]> = {};
  for (const [k, blocks] of Object.entries(s.lists)) lists[k] = blocks.map((b) => ({ ...b, values: { ...b.values } }));
  const next: StructureState = {
    version: s.version,
    values: { ...s.values },
    valuesBy: { ...(s.valuesBy ?? {}) },
    lists,
    comments: s.comments.map((c) => ({ ...c })),
    tags: (s.tags ?? []).map((t) => ({ ...t, acknowledgedBy: [...t.acknowledgedBy] })),
  };
  const at = (id: string) => locate(next, id);
  switch (cmd.op) {
    case "add_block": {
      const blocks = lists[cmd.list];
      if (!blocks || at(cmd.id)) return s;
      const after = cmd.after ? blocks.findIndex((b) => b.id === cmd.after) : -1;
      if (cmd.after && after < 0) return s;
      blocks.splice(after + 1, 0, { id: cmd.id, removed: false, values: { ...(cmd.values ?? {}) } });
      break;
    }
    case "remove_block":
    case "restore_block": {
      const p = at(cmd.id);
      if (!p) return s;
      lists[p.list][p.index].removed = cmd.op === "remove_block";
      break;
    }
    case "move_block": {
      const p = at(cmd.id);
      if (!p || cmd.after === cmd.id) return s;
      const blocks = lists[p.list];
      const [moved] = blocks.splice(p.index, 1);
      const after = cmd.after ? blocks.findIndex((b) => b.id === cmd.after) : -1;
      if (cmd.after && after < 0) return s;
      blocks.splice(after + 1, 0, moved);
      break;
    }
    case "set": {
      let target: Record<string, unknown> | undefined = next.values;
      if (cmd.block === "unit") next.valuesBy![cmd.field] = [author, time];
      else {
        const p = at(cmd.block);
        target = p ? lists[p.list][p.index].values : undefined;
      }
      if (!target) return s;
      if (cmd.value === null) delete target[cmd.field];
      else target[cmd.field] = cmd.value;
      break;
    }
    case "add_comment":
      if (next.comments.some((c) => c.id === cmd.id)) return s;
      next.comments.push({ id: cmd.id, target: cmd.target, parent: cmd.parent ?? "", author, time, text: cmd.text, resolved: false, resolvedBy: 0, resolvedAt: 0 });
      break;
    case "add_tag":
      if (next.tags!.some((t) => t.id === cmd.id)) return s;
      next.tags!.push({ id: cmd.id, area: cmd.area, target: cmd.target, from: cmd.from, to: cmd.to, by: cmd.by ?? author, taggedBy: author, time, acknowledgedBy: [] });
      break;
    case "acknowledge_tag": {
      const t = next.tags!.find((x) => x.id === cmd.id);
      if (!t) return s;
      t.acknowledgedBy = t.acknowledgedBy.filter((x) => x !== author);
      if (cmd.acknowledged) t.acknowledgedBy.push(author);
      break;
    }
    case "remove_tag":
      next.tags = next.tags!.filter((t) => t.id !== cmd.id);
      break;
    case "resolve_comment": {
      const c = next.comments.find((x) => x.id === cmd.id);
      if (!c) return s;
      c.resolved = cmd.resolved;
      c.resolvedBy = cmd.resolved ? author : 0;
      c.resolvedAt = cmd.resolved ? time : 0;
      break;
    }
  }
  return next;
}

/** The model as saved for reopening offline (see UnitConnection.snapshot). */
export interface StructureSnapshot {
  confirmed: StructureState;
  pending: PendingCommand[];
  nextSeq: number;
}

/**
 * How far a restored command counter jumps ahead of the saved one. A command sent after the last
 * save (a save follows within a fraction of a second) may have reached the server; the server
 * ignores any seq at or below the last it applied for this client, so the counter must never
 * reuse one. Gaps in seq are harmless.
 */
export const RESTORED_SEQ_GAP = 1000;

export const emptyStructure = (): StructureState => ({ version: 0, values: {}, lists: {}, comments: [] });

export class StructureModel {
  confirmed: StructureState = emptyStructure();
  pending: PendingCommand[] = [];
  /** Who "I" am, for stamping my pending comments. */
  me = 0;
  private nextSeq = 1;

  snapshot(): StructureSnapshot {
    return { confirmed: this.confirmed, pending: this.pending.map((p) => ({ ...p })), nextSeq: this.nextSeq };
  }

  restore(s: StructureSnapshot): void {
    this.confirmed = s.confirmed;
    this.pending = s.pending.map((p) => ({ ...p }));
    this.nextSeq = s.nextSeq + RESTORED_SEQ_GAP;
  }

  /** Queues a command of ours; returns its sequence number. */
  add(cmd: Command): PendingCommand {
    const p = { seq: this.nextSeq++, cmd };
    this.pending.push(p);
    return p;
  }

  /** What the page shows: the confirmed structure with our pending commands applied. */
  view(): StructureState {
    return this.pending.reduce((s, p) => applyCommand(s, p.cmd, this.me, Date.now()), this.confirmed);
  }

  /** A command the server applied (anyone's). Returns false when it is out of order. */
  onCommand(wc: WireCommand, clientID: string): boolean {
    if (wc.v < this.confirmed.version) return true; // already have it
    if (wc.v !== this.confirmed.version) return false;
    this.confirmed = { ...applyCommand(this.confirmed, wc.cmd, wc.author, wc.time), version: wc.v + 1 };
    if (wc.clientID === clientID) this.settle(wc.seq);
    return true;
  }

  /** Our command `seq` is done (applied, acknowledged as a duplicate, or refused). */
  settle(seq: number): void {
    this.pending = this.pending.filter((p) => p.seq !== seq);
  }

  block(id: string): BlockState | undefined {
    for (const blocks of Object.values(this.view().lists)) {
      const b = blocks.find((x) => x.id === id);
      if (b) return b;
    }
    return undefined;
  }
}
