// ReflectionDrafts: a partner's reflection answers kept in this browser (localStorage) until the
// server has them, so a reload, a closed tab or a failed save loses no word; and the text written
// under prompts that went away (the protocol changed before it was saved), kept until its writer
// says they have copied what they need. One entry per user and reflection; signing out deletes the
// user's entries (shared school computers).
import type { Answer, Prompt } from "../api";

/** What the page had typed and the server had not confirmed yet. */
export interface LocalDraft {
  protocol: string;
  /** The prompts the answers were written to (ids in order, and their text). */
  prompts: Pick<Prompt, "id" | "text">[];
  answers: Record<string, Answer>;
  facet: string | null;
  at: number;
}

/** Text written under prompts that are no longer the reflection's. */
export interface CarriedText {
  /** The protocol's name they were written under. */
  from: string;
  items: { prompt: string; text: string }[];
}

interface Entry {
  draft?: LocalDraft;
  carried?: CarriedText[];
}

const PREFIX = "coplan-reflection";
const keyOf = (user: number, unit: string, reflection: number) => `${PREFIX}/${user}/${unit}/${reflection}`;

/** The keys of `user`'s entries (none when storage is disabled). */
function keysOf(user: number): string[] {
  const mine = `${PREFIX}/${user}/`;
  const keys: string[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k?.startsWith(mine)) keys.push(k);
    }
  } catch {
    // nothing kept
  }
  return keys;
}

function read(key: string): Entry {
  try {
    return JSON.parse(localStorage.getItem(key) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

function write(key: string, e: Entry): void {
  try {
    if (!e.draft && !e.carried?.length) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(e));
  } catch {
    // storage disabled or full: the draft then lives only in the page (and on the server once saved)
  }
}

/** The answers' text (and what they cite) under each prompt, without the empty ones. */
export function carriedFrom(from: string, prompts: Pick<Prompt, "id" | "text">[], answers: Record<string, Answer>): CarriedText | null {
  const items: CarriedText["items"] = [];
  for (const p of prompts) {
    const a = answers[p.id];
    if (!a) continue;
    const cited = (a.evidence ?? []).map((e) => e.label || String(e.ref)).filter(Boolean);
    const text = [a.text.trim() ? a.text : "", cited.length ? `(Cited: ${cited.join("; ")})` : ""].filter(Boolean).join("\n");
    if (text) items.push({ prompt: p.text, text });
  }
  // Answers to prompts the page no longer knows the text of (kept all the same).
  for (const [id, a] of Object.entries(answers))
    if (!prompts.some((p) => p.id === id) && a.text.trim()) items.push({ prompt: id, text: a.text });
  return items.length ? { from, items } : null;
}

export class ReflectionDrafts {
  private readonly key: string;

  constructor(user: number, unit: string, reflection: number) {
    this.key = keyOf(user, unit, reflection);
  }

  draft(): LocalDraft | null {
    return read(this.key).draft ?? null;
  }

  keepDraft(d: LocalDraft): void {
    write(this.key, { ...read(this.key), draft: d });
  }

  /** The server has the draft (as of `at`): the local copy goes, unless it changed since. */
  saved(at: number): void {
    const e = read(this.key);
    if (e.draft && e.draft.at <= at) write(this.key, { ...e, draft: undefined });
  }

  carried(): CarriedText[] {
    return read(this.key).carried ?? [];
  }

  /** Moves text out of the draft into what is shown (and kept) until dismissed. */
  carry(c: CarriedText | null): void {
    const e = read(this.key);
    write(this.key, { draft: undefined, carried: c ? [...(e.carried ?? []), c] : e.carried });
  }

  dismissCarried(): void {
    write(this.key, { ...read(this.key), carried: undefined });
  }

  /** Deletes every reflection draft this browser keeps for `user` (signing out). */
  static forgetUser(user: number): void {
    for (const k of keysOf(user)) localStorage.removeItem(k);
  }

  /** How many of `user`'s reflection drafts have not reached the server. */
  static unsaved(user: number): number {
    return keysOf(user).filter((k) => {
      const e = read(k);
      return e.draft || e.carried?.length;
    }).length;
  }
}
