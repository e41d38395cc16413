// StructureModel: the unit's structure (unit values, lessons in order with tombstones) as the
// server confirmed it, plus this client's commands not yet confirmed, shown applied on top so
// the page reacts at once and keeps working offline. Commands are re-sent on reconnect; the
// server ignores ones it already applied (by client id and sequence number).
import type { Command, LessonState, StructureState, WireCommand } from "./protocol";

export interface PendingCommand {
  seq: number;
  cmd: Command;
}

/** Applies one command to a structure (a copy is returned); an invalid command changes nothing. */
export function applyCommand(s: StructureState, cmd: Command): StructureState {
  const lessons = s.lessons.map((l) => ({ ...l, values: { ...l.values } }));
  const values = { ...s.values };
  const index = (id: string) => lessons.findIndex((l) => l.id === id);
  const after = (id: string | null) => (id ? index(id) + 1 : 0);
  switch (cmd.op) {
    case "add_lesson":
      if (index(cmd.id) >= 0 || (cmd.after && index(cmd.after) < 0)) return s;
      lessons.splice(after(cmd.after), 0, { id: cmd.id, removed: false, values: {} });
      break;
    case "remove_lesson":
    case "restore_lesson": {
      const i = index(cmd.id);
      if (i < 0) return s;
      lessons[i].removed = cmd.op === "remove_lesson";
      break;
    }
    case "move_lesson": {
      const i = index(cmd.id);
      if (i < 0 || cmd.after === cmd.id || (cmd.after && index(cmd.after) < 0)) return s;
      const [moved] = lessons.splice(i, 1);
      lessons.splice(after(cmd.after), 0, moved);
      break;
    }
    case "set": {
      const target: Record<string, unknown> | undefined =
        cmd.block === "unit" ? values : lessons.find((l) => l.id === cmd.block)?.values;
      if (!target) return s;
      if (cmd.value === null) delete target[cmd.field];
      else target[cmd.field] = cmd.value;
      break;
    }
  }
  return { version: s.version, values, lessons };
}

export class StructureModel {
  confirmed: StructureState = { version: 0, values: {}, lessons: [] };
  pending: PendingCommand[] = [];
  private nextSeq = 1;

  /** Queues a command of ours; returns its sequence number. */
  add(cmd: Command): PendingCommand {
    const p = { seq: this.nextSeq++, cmd };
    this.pending.push(p);
    return p;
  }

  /** What the page shows: the confirmed structure with our pending commands applied. */
  view(): StructureState {
    return this.pending.reduce((s, p) => applyCommand(s, p.cmd), this.confirmed);
  }

  /** A command the server applied (anyone's). Returns false when it is out of order. */
  onCommand(wc: WireCommand, clientID: string): boolean {
    if (wc.v < this.confirmed.version) return true; // already have it
    if (wc.v !== this.confirmed.version) return false;
    this.confirmed = { ...applyCommand(this.confirmed, wc.cmd), version: wc.v + 1 };
    if (wc.clientID === clientID) this.settle(wc.seq);
    return true;
  }

  /** Our command `seq` is done (applied, acknowledged as a duplicate, or refused). */
  settle(seq: number): void {
    this.pending = this.pending.filter((p) => p.seq !== seq);
  }

  lesson(id: string): LessonState | undefined {
    return this.view().lessons.find((l) => l.id === id);
  }
}
