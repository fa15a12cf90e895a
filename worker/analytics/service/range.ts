import { AppError } from "../../lib/errors";
import { addDays, daysBetween, localDay } from "../days";
import type { ReportQuery } from "../schema";

/** Longest range one report covers (a leap year). */
export const MAX_REPORT_DAYS = 366;

export interface ReportRange {
  from: string;
  to: string;
}

/** The range a query asks for: the last 30 days up to today (store time) unless both ends are given. */
export function reportRange(query: ReportQuery, timeZone: string, now = new Date()): ReportRange {
  const today = localDay(now, timeZone);
  const to = query.to ?? today;
  const from = query.from ?? addDays(to, -29);
  if (from > to)
    throw new AppError("analytics.invalid_range", 400, "The range ends before it starts.", [{ path: "from", message: "Must be on or before `to`" }]);
  if (daysBetween(from, to).length > MAX_REPORT_DAYS)
    throw new AppError("analytics.invalid_range", 400, `A report covers at most ${MAX_REPORT_DAYS} days.`, [
      { path: "from", message: `At most ${MAX_REPORT_DAYS} days before \`to\`` },
    ]);
  return { from, to };
}

/** The period of the same length that ends the day before `range` starts. */
export function comparisonRange(range: ReportRange): ReportRange {
  const length = daysBetween(range.from, range.to).length;
  return { from: addDays(range.from, -length), to: addDays(range.from, -1) };
}
