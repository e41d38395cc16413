// Author runs: who wrote each UTF-16 unit of a field, as [length, author] spans. Kept in step with
// the server's confirmed text through the same ChangeSets the server applied, so the browser can
// colour text by author without trusting anything but the server's record.
import type { ChangeSet } from "@codemirror/state";

export type Run = [number, number];

export class AuthorRuns {
  constructor(public runs: Run[] = []) {}

  get length(): number {
    let n = 0;
    for (const [len] of this.runs) n += len;
    return n;
  }

  /** Applies `changes` (which start in this text): inserted text gets `author`. */
  apply(changes: ChangeSet, author: number): void {
    const out: Run[] = [];
    let i = 0;
    let off = 0; // offset into this.runs[i]
    let pos = 0; // position in the old text
    const take = (n: number, keep: boolean) => {
      while (n > 0 && i < this.runs.length) {
        const [len, who] = this.runs[i];
        const part = Math.min(n, len - off);
        if (keep) appendRun(out, part, who);
        n -= part;
        off += part;
        if (off === len) {
          i++;
          off = 0;
        }
      }
    };
    changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
      take(fromA - pos, true);
      take(toA - fromA, false);
      appendRun(out, inserted.length, author);
      pos = toA;
    });
    take(Infinity, true);
    this.runs = out;
  }

  clone(): AuthorRuns {
    return new AuthorRuns(this.runs.map(([l, a]) => [l, a] as Run));
  }
}

function appendRun(out: Run[], len: number, who: number) {
  if (len <= 0) return;
  const last = out[out.length - 1];
  if (last && last[1] === who) last[0] += len;
  else out.push([len, who]);
}
