import type { TicketPriority, TicketStatus } from "./tables";

/**
 * The one transition table of a ticket's status. Staff may move a ticket along these edges; shopper replies
 * move it by `afterCustomerReply` (which can reopen a resolved or closed ticket), staff replies by
 * `afterStaffReply`. Merged tickets are closed and stay closed.
 */
export const TICKET_TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ["open", "waiting_on_customer", "resolved", "closed"],
  open: ["waiting_on_customer", "resolved", "closed"],
  waiting_on_customer: ["open", "resolved", "closed"],
  resolved: ["open", "closed", "reopened"],
  closed: ["reopened"],
  reopened: ["open", "waiting_on_customer", "resolved", "closed"],
};

/** True when staff may move a ticket from `from` to `to`. */
export function canMoveTicket(from: TicketStatus, to: TicketStatus): boolean {
  return TICKET_TRANSITIONS[from].includes(to);
}

/** The status after the shopper writes: a waiting ticket is open again, a resolved or closed one reopens. */
export function afterCustomerReply(status: TicketStatus): TicketStatus {
  if (status === "waiting_on_customer") return "open";
  if (status === "resolved" || status === "closed") return "reopened";
  return status;
}

/** The status after a staff reply the shopper sees: the ball is in the shopper's court unless staff chose otherwise. */
export function afterStaffReply(status: TicketStatus, chosen?: TicketStatus): TicketStatus {
  if (chosen && (chosen === status || canMoveTicket(status, chosen))) return chosen;
  return status === "closed" ? status : "waiting_on_customer";
}

/** Statuses in which the SLA clocks run (the store owes an answer). */
export const OPEN_STATUSES: readonly TicketStatus[] = ["new", "open", "reopened"];

/** SLA targets per priority, in minutes: first staff response, and resolution. */
export const SLA_TARGETS: Readonly<Record<TicketPriority, { firstResponse: number; resolution: number }>> = {
  urgent: { firstResponse: 60, resolution: 8 * 60 },
  high: { firstResponse: 4 * 60, resolution: 24 * 60 },
  normal: { firstResponse: 8 * 60, resolution: 48 * 60 },
  low: { firstResponse: 24 * 60, resolution: 96 * 60 },
};

/** Due times for a ticket created (or re-prioritised) at `from`. */
export function slaDue(priority: TicketPriority, from: Date): { firstResponseDueAt: string; resolutionDueAt: string } {
  const t = SLA_TARGETS[priority];
  return {
    firstResponseDueAt: new Date(from.getTime() + t.firstResponse * 60_000).toISOString(),
    resolutionDueAt: new Date(from.getTime() + t.resolution * 60_000).toISOString(),
  };
}

export type SlaState = "ok" | "due_soon" | "breached" | "met";

/** The state of one SLA clock at `now`: met once done, breached past due, due soon in the last quarter of its window. */
export function slaState(dueAt: string | null, doneAt: string | null, startedAt: string, now: Date): SlaState {
  if (!dueAt) return "ok";
  if (doneAt) return doneAt <= dueAt ? "met" : "breached";
  const due = Date.parse(dueAt);
  if (now.getTime() > due) return "breached";
  const window = due - Date.parse(startedAt);
  return due - now.getTime() < window / 4 ? "due_soon" : "ok";
}
