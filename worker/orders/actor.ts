import type { PaymentProviderName } from "../payments";
import { carrierName } from "./carriers";

/**
 * Who made a change on an order's timeline. Stored in the `actor` column as
 * `customer:<user id>`, `admin:<user id>`, `guest`, `payment:<provider>`,
 * `carrier:<carrier>` or `system`; code builds and reads it only through the
 * helpers here.
 */
export type TimelineActor =
  | { kind: "customer"; userId: string }
  | { kind: "admin"; userId: string }
  | { kind: "guest" }
  | { kind: "payment"; provider: PaymentProviderName }
  | { kind: "carrier"; carrier: string }
  | { kind: "vendor"; vendorId: string; userId: string }
  | { kind: "system" };

export const actors = {
  customer: (userId: string): TimelineActor => ({ kind: "customer", userId }),
  admin: (userId: string): TimelineActor => ({ kind: "admin", userId }),
  guest: { kind: "guest" } as TimelineActor,
  payment: (provider: PaymentProviderName): TimelineActor => ({ kind: "payment", provider }),
  carrier: (carrier: string): TimelineActor => ({ kind: "carrier", carrier }),
  vendor: (vendorId: string, userId: string): TimelineActor => ({ kind: "vendor", vendorId, userId }),
  system: { kind: "system" } as TimelineActor,
};

/** The stored form of an actor. */
export function actorColumn(actor: TimelineActor): string {
  switch (actor.kind) {
    case "customer":
    case "admin":
      return `${actor.kind}:${actor.userId}`;
    case "payment":
      return `payment:${actor.provider}`;
    case "carrier":
      return `carrier:${actor.carrier}`;
    case "vendor":
      return `vendor:${actor.vendorId}:${actor.userId}`;
    default:
      return actor.kind;
  }
}

/** An actor from its stored form; anything unrecognised reads as the system. */
export function parseActor(stored: string): TimelineActor {
  const at = stored.indexOf(":");
  const kind = at < 0 ? stored : stored.slice(0, at);
  const rest = at < 0 ? "" : stored.slice(at + 1);
  if ((kind === "customer" || kind === "admin") && rest) return { kind, userId: rest };
  if (kind === "payment" && (rest === "test" || rest === "stripe")) return { kind, provider: rest };
  if (kind === "carrier" && rest) return { kind, carrier: rest };
  if (kind === "vendor" && rest.includes(":")) return { kind, vendorId: rest.slice(0, rest.indexOf(":")), userId: rest.slice(rest.indexOf(":") + 1) };
  if (kind === "guest") return actors.guest;
  return actors.system;
}

/** Whether the shopper made the change (the signed-in owner, or a guest with the order link). */
export function isShopper(actor: TimelineActor): boolean {
  return actor.kind === "customer" || actor.kind === "guest";
}

/** Who did it, as a shopper should read it. */
export function actorLabel(stored: string): string {
  const actor = parseActor(stored);
  if (isShopper(actor)) return "You";
  if (actor.kind === "payment") return "Payment";
  if (actor.kind === "carrier") return carrierName(actor.carrier);
  if (actor.kind === "vendor") return "Seller";
  return "Store";
}
