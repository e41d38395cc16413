// The days of a unit's history as the person looking at it lives them: the server counts ops by
// UTC quarter hour (every time zone's offset is a whole number of quarter hours, so none straddles
// a local midnight) and the browser groups those into its own local days, daylight saving included.
// Jumping by day moves between day boundaries: the unit as it was at the end of each day.

export interface LocalDay {
  /** The local date, YYYY-MM-DD. */
  day: string;
  first: number;
  last: number;
}

export function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** Consecutive quarter hours ([start, first op, last op]) on the same local date, as one day. */
export function localDays(slots: [number, number, number][]): LocalDay[] {
  const days: LocalDay[] = [];
  for (const [start, first, last] of slots) {
    const day = localDate(start);
    const prev = days[days.length - 1];
    if (prev && prev.day === day && prev.last + 1 === first) prev.last = last;
    else days.push({ day, first, last });
  }
  return days;
}

/** The moments a day jump stops at: the unit's creation (0) and the end of each day. */
function boundaries(days: LocalDay[], ops: number): number[] {
  return [0, ...days.map((d) => d.last).filter((n) => n < ops), ops];
}

/** The end of the day before the one `op` is in (0 from the first day). */
export function previousDay(days: LocalDay[], ops: number, op: number): number {
  return boundaries(days, ops).filter((b) => b < op).pop() ?? 0;
}

/** The end of the day `op` is in, or of the next day when `op` already is the end of its day. */
export function nextDay(days: LocalDay[], ops: number, op: number): number {
  return boundaries(days, ops).find((b) => b > op) ?? ops;
}
