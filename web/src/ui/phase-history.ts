// The unit page's list of phase changes: who moved the unit from which phase to which, and when
// (in the viewer's local time), as the server's record has them (GET /history, "phases"). Loaded
// when the page opens and again whenever the phase the server confirmed changes, so a partner's
// move shows once it is saved.
import { api, type PhaseChange } from "../api";
import { colorOf } from "./colors";
import { h } from "./dom";
import type { Member } from "../sync/protocol";

/** A time in the viewer's time zone, as the list shows it. */
export function localTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export class PhaseHistory {
  readonly element: HTMLElement;
  private readonly list = h("ol", { class: "cp-phase-changes" });
  private key: string | null = null;
  private loads = 0;
  /** The changes last loaded, or null before the first load succeeds (offline). */
  changes: PhaseChange[] | null = null;

  constructor(
    private readonly unitId: string,
    /** The phases in order (the template's phase choices); an unset phase is the first. */
    private readonly phases: { id: string; label: string }[],
    private readonly members: () => Member[],
    private readonly nameOf: (id: number) => string,
    /** Called after each load (the page shows who set the phase only until the list is there). */
    private readonly loaded: () => void,
  ) {
    this.element = h("section", { class: "cp-phase-history", "aria-labelledby": "phase-history-title", hidden: true },
      h("h2", { id: "phase-history-title" }, "Phase changes"), this.list);
  }

  /** Loads the list again when `key` (the confirmed phase and who set it) differs from the last. */
  update(key: string): void {
    if (key === this.key) return;
    this.key = key;
    void this.load();
  }

  private label(id: string | null): string {
    const p = this.phases.find((x) => x.id === id) ?? this.phases[0];
    return p?.label ?? id ?? "";
  }

  private async load(): Promise<void> {
    const n = ++this.loads;
    let phases: PhaseChange[];
    try {
      phases = (await api.history(this.unitId)).phases ?? [];
    } catch {
      if (n === this.loads) this.key = null; // try again on the next change
      return;
    }
    if (n !== this.loads) return; // a later load is under way
    // A phase not set yet is the first one: setting it to that is no move.
    this.changes = phases.filter((c) => this.label(c.from) !== this.label(c.to));
    this.list.replaceChildren(
      ...this.changes.map((c) =>
        h("li", { "data-op": c.op },
          h("strong", { class: `cp-swatch-${colorOf(this.members(), c.author)}` }, this.nameOf(c.author)),
          ` moved the unit from ${this.label(c.from)} to ${this.label(c.to)}`,
          h("span", { class: "cp-meta" }, " · ", h("time", { datetime: new Date(c.time).toISOString() }, localTime(c.time))),
        ),
      ),
    );
    this.element.hidden = !this.changes.length;
    this.loaded();
  }
}
