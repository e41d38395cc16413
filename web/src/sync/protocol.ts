// Messages exchanged with the Coplan server over a unit's WebSocket (see docs/protocol.md).

export type ChangesJSON = unknown[];

export interface WireUpdate {
  v: number;
  clientID: string;
  seq: number;
  author: number;
  time: number;
  changes: ChangesJSON;
}

export interface FullStream {
  version: number;
  text: string;
  authors: [number, number][];
  reset?: boolean;
}

export interface CatchUpStream {
  from: number;
  updates: WireUpdate[];
}

export interface Member {
  id: number;
  name: string;
  role: string;
}

export interface LessonState {
  id: string;
  removed: boolean;
  values: Record<string, unknown>;
}

export interface StructureState {
  version: number;
  values: Record<string, unknown>;
  lessons: LessonState[];
}

export type Command =
  | { op: "add_lesson"; id: string; after: string | null }
  | { op: "remove_lesson"; id: string }
  | { op: "restore_lesson"; id: string }
  | { op: "move_lesson"; id: string; after: string | null }
  | { op: "set"; block: string; field: string; value: unknown };

export interface WireCommand {
  v: number;
  clientID: string;
  seq: number;
  author: number;
  time: number;
  cmd: Command;
}

export type ServerMessage =
  | {
      type: "welcome";
      unit: { id: string; template: unknown };
      you: Member;
      members: Member[];
      structure: StructureState;
      streams: Record<string, FullStream | CatchUpStream>;
    }
  | { type: "updates"; stream: string; updates: WireUpdate[] }
  | { type: "pushed"; stream: string; ok: boolean; version: number }
  | ({ type: "cmd" } & WireCommand)
  | { type: "cmd_ack"; clientID: string; seq: number }
  | { type: "presence"; user: number; clientID: string; stream: string | null; anchor?: number; head?: number }
  | { type: "online"; clients: { user: number; clientID: string }[] }
  | { type: "pong" }
  | { type: "error"; code: string; message: string; ref?: { stream?: string; clientID?: string; seq?: number } };
