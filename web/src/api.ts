// Calls to Coplan's JSON HTTP API. Errors come back as ApiError with the server's code.
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? "http_" + res.status, data?.error?.message ?? res.statusText);
  return data as T;
}

export interface User {
  id: number;
  username: string;
  name: string;
  role: string;
}

export interface UnitSummary {
  id: string;
  title: string;
  template: string;
  archived: boolean;
  createdAt: number;
  lastEdit: number;
  grade: string;
  subject: string;
  phase: string;
  copiedFrom: string | null;
  members: User[];
  online: number[];
}

export interface Timeline {
  ops: number;
  firstTime: number;
  lastTime: number;
  /** UTC days (the history page groups `slots` into the viewer's local days instead). */
  days: { day: string; first: number; last: number; byUser: Record<string, number> }[];
  /** The same ops by UTC quarter hour: [start ms, first op, last op]. */
  slots: [number, number, number][];
  checkpoints: number[];
  /** Every edit that changed the unit's phase, in order (null: not set, the first phase). */
  phases: PhaseChange[];
}

export interface PhaseChange {
  op: number;
  time: number;
  author: number;
  from: string | null;
  to: string | null;
}

export interface PastState {
  op: number;
  ops: number;
  at?: { time: number; author: number; kind: string };
  structure: import("./sync/protocol").StructureState;
  streams: Record<string, { version: number; text: string; authors: [number, number][] }>;
}

/** [length, author, time, revisedBy] */
export type BlameSpan = [number, number, number, number];

export interface Evidence {
  kind: "section" | "block" | "moment";
  ref: string | number;
  label: string;
}

export interface Answer {
  text: string;
  evidence?: Evidence[];
}

export interface Prompt {
  id: string;
  text: string;
  action: boolean;
  source: string;
}

export interface Reflection {
  id: number;
  kind: "unit" | "checkin";
  protocol: string;
  lesson: string;
  createdAt: number;
  state: "open" | "revealed";
  /** The protocol can still change: nobody has written an answer or a rating yet. */
  canChangeProtocol: boolean;
  me: { prompts: Prompt[]; answers: Record<string, Answer>; facet: string; agree: string; submitted: boolean };
  partners: { user: number; submitted: boolean }[];
  everyone?: Record<string, { prompts: Prompt[]; answers: Record<string, Answer>; facet: string; agree: string }>;
  suggestion?: { facet: string; label: string; reasons: string[] } | null;
  agreed?: string | null;
}

export interface ReflectionList {
  reflections: Reflection[];
  protocols: { id: string; name: string; summary: string; credit: string; kind: string }[];
  facets: { credit: string; list: { id: string; label: string; description: string }[] };
}

export interface ActionItem {
  id: number;
  text: string;
  author: number;
  createdAt: number;
  fromUnit: string;
  fromTitle: string;
  done: boolean;
}

export interface Partnership {
  id: number;
  name: string;
  members: User[];
}

export interface TemplateSummary {
  id: string;
  name: string;
  summary: string;
}

/** One unit in the collaboration log (see docs/protocol.md, "Collaboration log"). */
export interface LogRow {
  id: string;
  title: string;
  archived: boolean;
  startDate: string;
  endDate: string;
  schoolYear: string;
  members: User[];
  partners: User[];
  grade: string;
  subject: string;
  course: string;
  students: number | null;
  phase: string;
  phaseLabel: string;
  phasesCompleted: string[];
  lessons: number;
  approaches: Record<string, number>;
  standards: string[];
  depth: string | null;
  depthLabel: string;
  balance: { phase: string; label: string; byUser: Record<string, number> }[];
  expertise: Record<string, { brought: Record<string, number>; learned: Record<string, number> }>;
  outcomes: { participants: number | null; metExpectations: number | null };
}

export interface LogTotals {
  units: number;
  lessons: number;
  students: number;
  participants: number;
  metExpectations: number;
  partners: number;
  approaches: Record<string, number>;
  standards: Record<string, number>;
  depth: Record<string, number>;
  grades: Record<string, number>;
  subjects: Record<string, number>;
  phasesCompleted: Record<string, number>;
  balance: Record<string, { label: string; byRole: Record<string, number> }>;
}

export interface LogFilters {
  year?: string;
  grade?: string;
  subject?: string;
  partner?: number | string;
}

export interface CollaborationLog {
  rows: LogRow[];
  totals: LogTotals;
  labels: { approaches: Record<string, string>; phases: Record<string, string>; facets: Record<string, string> };
  options: { years: string[]; grades: string[]; subjects: string[]; partners: User[] };
}

export interface SchoolCounts {
  id?: number;
  name?: string;
  units: number;
  partnerships: number;
  teachersReached: number;
  librarians: number;
  students: number;
  lessons: number;
  grades: Record<string, number>;
  subjects: Record<string, number>;
  depth: Record<string, number>;
  approaches: Record<string, number>;
  outcomes: { participants: number; metExpectations: number };
}

export interface StudentNote {
  id: number;
  author: number;
  text: string;
  createdAt: number;
}

/** The query string for log filters (empty values left out). */
export function logQuery(f: LogFilters): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== "" && v !== 0) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const api = {
  me: () => call<{ user: User | null }>("GET", "/api/me"),
  signIn: (username: string, password: string) => call<{ user: User }>("POST", "/api/signin", { username, password }),
  signOut: () => call<unknown>("POST", "/api/signout", {}),
  units: () => call<{ units: UnitSummary[] }>("GET", "/api/units"),
  partnerships: () => call<{ partnerships: Partnership[] }>("GET", "/api/partnerships"),
  templates: () => call<{ templates: TemplateSummary[] }>("GET", "/api/templates"),
  createUnit: (partnership: number, template: string, title: string) =>
    call<{ unit: UnitSummary }>("POST", "/api/units", { partnership, template, title }),
  duplicateUnit: (id: string, title?: string) => call<{ unit: UnitSummary }>("POST", `/api/units/${id}/duplicate`, { title }),
  archiveUnit: (id: string, archived: boolean) => call<{ unit: UnitSummary }>("POST", `/api/units/${id}/archive`, { archived }),
  unit: (id: string) => call<{ unit: UnitSummary }>("GET", `/api/units/${id}`),
  template: (id: string) => call<{ template: any }>("GET", `/api/templates/${id}`),
  history: (id: string) => call<Timeline>("GET", `/api/units/${id}/history`),
  historyAt: (id: string, op: number) => call<PastState>("GET", `/api/units/${id}/history/${op}`),
  restore: (id: string, body: { op: number; stream?: string; block?: string; field?: string }) => call<unknown>("POST", `/api/units/${id}/restore`, body),
  blame: (id: string) => call<{ ops: number; streams: Record<string, { version: number; spans: BlameSpan[] }> }>("GET", `/api/units/${id}/blame`),
  /** The contribution figures now, or as of the unit's first `op` edits. */
  contributions: (id: string, op?: number) => call<any>("GET", `/api/units/${id}/contributions${op === undefined ? "" : `?op=${op}`}`),
  reflections: (id: string) => call<ReflectionList>("GET", `/api/units/${id}/reflections`),
  startReflection: (id: string, kind: string, protocol: string, lesson?: string) =>
    call<{ reflection: Reflection }>("POST", `/api/units/${id}/reflections`, { kind, protocol, lesson }),
  changeProtocol: (id: string, rid: number, protocol: string) =>
    call<{ reflection: Reflection }>("POST", `/api/units/${id}/reflections/${rid}/protocol`, { protocol }),
  /** `protocol` and `prompts` (ids, in order) are what the answers were written to: when the
   * reflection no longer has them, nothing is saved (ApiError "protocol_changed"). */
  saveReflection: (id: string, rid: number, protocol: string, prompts: string[], answers: Record<string, Answer>, facet: string | null) =>
    call<{ reflection: Reflection }>("POST", `/api/units/${id}/reflections/${rid}`, { protocol, prompts, answers, facet }),
  submitReflection: (id: string, rid: number) => call<{ reflection: Reflection }>("POST", `/api/units/${id}/reflections/${rid}/submit`, {}),
  agreeFacet: (id: string, rid: number, facet: string) => call<{ reflection: Reflection }>("POST", `/api/units/${id}/reflections/${rid}/agree`, { facet }),
  invite: (id: string, role: string) => call<{ link: string; role: string; expiresAt: number }>("POST", `/api/units/${id}/invitations`, { role }),
  peekInvitation: (token: string) =>
    call<{ invitation: { unit: string; role: string; from: string; expiresAt: number }; signedIn: User | null }>("GET", `/api/invitations/${token}`),
  acceptInvitation: (token: string, body: { username?: string; name?: string; password?: string }) =>
    call<{ unit: string; user: User }>("POST", `/api/invitations/${token}/accept`, body),
  changePassword: (current: string, password: string) => call<unknown>("POST", "/api/me/password", { current, password }),
  admin: {
    users: () => call<{ users: (User & { disabled: boolean; school: number | null; schools?: number[] })[] }>("GET", "/api/admin/users"),
    createUser: (b: { username: string; name: string; role: string; password: string; school?: number }) => call<{ user: User }>("POST", "/api/admin/users", b),
    updateUser: (id: number, b: Record<string, unknown>) => call<{ user: User }>("POST", `/api/admin/users/${id}`, b),
    partnerships: () => call<{ partnerships: Partnership[] }>("GET", "/api/admin/partnerships"),
    createPartnership: (name: string, members: number[]) => call<unknown>("POST", "/api/admin/partnerships", { name, members }),
    schools: () => call<{ schools: { id: number; name: string }[] }>("GET", "/api/admin/schools"),
    createSchool: (name: string) => call<unknown>("POST", "/api/admin/schools", { name }),
    audit: () => call<{ entries: { id: number; time: number; username: string; action: string; detail: unknown; address: string }[] }>("GET", "/api/admin/audit"),
  },
  log: (f: LogFilters = {}) => call<CollaborationLog>("GET", `/api/log${logQuery(f)}`),
  /** The log's figures for the annual report (recorded in the audit log as an export). */
  report: (f: LogFilters = {}) => call<CollaborationLog>("GET", `/api/report${logQuery(f)}`),
  /** Tells the server the unit page is being printed (recorded in the audit log as an export). */
  recordPrint: (id: string) => call<unknown>("POST", `/api/units/${id}/print`, {}),
  coordinatorSummary: () =>
    call<{ schools: SchoolCounts[]; all: SchoolCounts; labels: { facets: Record<string, string>; approaches: Record<string, string> } }>("GET", "/api/coordinator/summary"),
  studentNotes: (id: string) => call<{ enabled: boolean; notes: StudentNote[] }>("GET", `/api/units/${id}/student-notes`),
  setStudentNotes: (id: string, enabled: boolean) => call<{ enabled: boolean; notes: StudentNote[] }>("POST", `/api/units/${id}/student-notes/settings`, { enabled }),
  addStudentNote: (id: string, text: string) => call<{ note: StudentNote }>("POST", `/api/units/${id}/student-notes`, { text }),
  deleteStudentNote: (id: string, note: number) => call<{ enabled: boolean; notes: StudentNote[] }>("DELETE", `/api/units/${id}/student-notes/${note}`),
  deleteStudentNotes: (id: string) => call<{ enabled: boolean; notes: StudentNote[] }>("DELETE", `/api/units/${id}/student-notes`),
  actionItems: (id: string) => call<{ items: ActionItem[] }>("GET", `/api/units/${id}/action-items`),
  setActionDone: (id: string, item: number, done: boolean) => call<{ items: ActionItem[] }>("POST", `/api/units/${id}/action-items/${item}`, { done }),
};
