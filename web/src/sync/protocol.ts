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

export interface BlockState {
  id: string;
  removed: boolean;
  values: Record<string, unknown>;
}

export interface CommentState {
  id: string;
  target: string;
  parent: string;
  author: number;
  time: number;
  text: string;
  resolved: boolean;
  resolvedBy: number;
  resolvedAt: number;
}

export interface TagState {
  id: string;
  area: string;
  target: string;
  from?: number;
  to?: number;
  by: number;
  taggedBy: number;
  time: number;
  acknowledgedBy: number[];
}

export interface StructureState {
  version: number;
  values: Record<string, unknown>;
  /** Who last set each unit value, and when: [userId, time]. */
  valuesBy?: Record<string, [number, number]>;
  lists: Record<string, BlockState[]>;
  comments: CommentState[];
  tags?: TagState[];
}

export type Command =
  | { op: "add_block"; list: string; id: string; after: string | null; values?: Record<string, unknown> }
  | { op: "remove_block"; id: string }
  | { op: "restore_block"; id: string }
  | { op: "move_block"; id: string; after: string | null }
  | { op: "set"; block: string; field: string; value: unknown }
  | { op: "add_comment"; id: string; target: string; parent: string | null; text: string }
  | { op: "resolve_comment"; id: string; resolved: boolean }
  | { op: "add_tag"; id: string; area: string; target: string; by?: number; from?: number; to?: number; version?: number }
  | { op: "acknowledge_tag"; id: string; acknowledged: boolean }
  | { op: "remove_tag"; id: string };

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
      expertise: { id: string; label: string }[];
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
  | { type: "members"; members: Member[] }
  | { type: "error"; code: string; message: string; ref?: { stream?: string; clientID?: string; seq?: number } };
