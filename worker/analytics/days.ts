/** Store-local days and their UTC bounds (reports and rollups count a day in the store's time zone). */

const DAY_MS = 86_400_000;

/** Minutes the zone is ahead of UTC at `instant`. */
function offsetMinutes(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The UTC instant at which local `day` (YYYY-MM-DD) begins in `timeZone`; right across DST changes. */
export function dayStart(day: string, timeZone: string): Date {
  const midnightUtc = Date.parse(`${day}T00:00:00Z`);
  let t = midnightUtc - offsetMinutes(timeZone, midnightUtc) * 60_000;
  // The offset at the guess may differ from the offset at local midnight (a DST change that day): settle it.
  t = midnightUtc - offsetMinutes(timeZone, t) * 60_000;
  return new Date(t);
}

/** `[start, end)` of local `day` as ISO strings, comparable with stored `occurred_at` / `created_at`. */
export function dayBounds(day: string, timeZone: string): { start: string; end: string } {
  return { start: dayStart(day, timeZone).toISOString(), end: dayStart(addDays(day, 1), timeZone).toISOString() };
}

/** The local day (YYYY-MM-DD) that `instant` falls on in `timeZone`. */
export function localDay(instant: Date | number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
