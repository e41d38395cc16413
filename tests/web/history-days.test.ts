// Jumping by day in the history uses the viewer's own days: the server's UTC quarter hours grouped
// in the browser's time zone (here Node's, switched with TZ), daylight saving and half- and
// quarter-hour offsets included; and the day jumps stop at the end of each day.
// Regression: the page jumped by the server's UTC days.
import { afterAll, describe, expect, it } from "vitest";
import { localDays, nextDay, previousDay } from "../../web/src/ui/history-days";

const saved = process.env.TZ;
afterAll(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});
const inZone = <T>(tz: string, f: () => T): T => {
  process.env.TZ = tz;
  return f();
};
const utc = (iso: string) => Date.parse(iso + "Z");

describe("the history's local days", () => {
  it("splits at the viewer's midnight, not UTC's (UTC+5:30)", () => {
    // 18:20 and 18:40 UTC are 23:50 and 00:10 in India: two days there, one in UTC.
    const slots: [number, number, number][] = [[utc("2025-03-10T18:15"), 1, 3], [utc("2025-03-10T18:30"), 4, 5],
      // 23:30 UTC and 00:15 UTC the next day are 05:00 and 05:45 in India: one day there, two in UTC.
      [utc("2025-03-11T23:30"), 6, 6], [utc("2025-03-12T00:15"), 7, 9]];
    expect(inZone("Asia/Kolkata", () => localDays(slots))).toEqual([
      { day: "2025-03-10", first: 1, last: 3 }, { day: "2025-03-11", first: 4, last: 5 }, { day: "2025-03-12", first: 6, last: 9 }]);
    expect(inZone("UTC", () => localDays(slots))).toEqual([
      { day: "2025-03-10", first: 1, last: 5 }, { day: "2025-03-11", first: 6, last: 6 }, { day: "2025-03-12", first: 7, last: 9 }]);
    // Nepal is UTC+5:45: its midnight is 18:15 UTC.
    expect(inZone("Asia/Kathmandu", () => localDays(slots)).map((d) => [d.first, d.last])).toEqual([[1, 5], [6, 9]]);
  });

  it("follows daylight saving time (New York, March 2026)", () => {
    // Before the change midnight is 05:00 UTC; after it (8 March), 04:00 UTC.
    const slots: [number, number, number][] = [[utc("2026-03-07T04:45"), 1, 1], [utc("2026-03-07T05:00"), 2, 2],
      [utc("2026-03-09T03:45"), 3, 3], [utc("2026-03-09T04:00"), 4, 4]];
    expect(inZone("America/New_York", () => localDays(slots))).toEqual([
      { day: "2026-03-06", first: 1, last: 1 }, { day: "2026-03-07", first: 2, last: 2 },
      { day: "2026-03-08", first: 3, last: 3 }, { day: "2026-03-09", first: 4, last: 4 }]);
  });

  it("jumps between the ends of days, from anywhere in a day", () => {
    const days = [{ day: "a", first: 1, last: 4 }, { day: "b", first: 5, last: 9 }, { day: "c", first: 10, last: 12 }];
    // Back: to the end of the day before the one shown, then the one before, then the start.
    expect([12, 10, 9, 5, 4, 2, 0].map((op) => previousDay(days, 12, op))).toEqual([9, 9, 4, 4, 0, 0, 0]);
    // Forward: to the end of the day shown, or of the next one from the end of a day.
    expect([0, 2, 4, 5, 9, 10, 12].map((op) => nextDay(days, 12, op))).toEqual([4, 4, 9, 9, 12, 12, 12]);
    expect([previousDay([], 0, 0), nextDay([], 0, 0)]).toEqual([0, 0]);
  });
});
