import { env } from "cloudflare:workers";
import { memberCan, type VendorCapability, type VendorMembership, vendorMembershipOf } from "../../worker/vendors";
import { currentSession, loginUrl } from "./account";
import { ADMIN_CACHE_CONTROL } from "./admin";

export type VendorSession = NonNullable<Awaited<ReturnType<typeof currentSession>>>;

export interface VendorAccess {
  session: VendorSession;
  membership: VendorMembership;
  /** True when the member's role allows changes on this page (the page names its capability). */
  canWrite: boolean;
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": ADMIN_CACHE_CONTROL } });
}

/**
 * The vendor member on a `/vendor` page (the front door already admitted only vendor and admin roles). Every
 * query the page makes is scoped to `membership.vendorId`. A member whose vendor is pending or rejected, or
 * who is no member at all, gets a 403; a suspended vendor reads but cannot write.
 */
export async function requireVendorPage(
  Astro: { request: Request; url: URL; response: { headers: Headers } },
  capability?: VendorCapability,
): Promise<VendorAccess | Response> {
  Astro.response.headers.set("Cache-Control", ADMIN_CACHE_CONTROL);
  const session = await currentSession(Astro.request);
  if (!session) return new Response(null, { status: 303, headers: { Location: loginUrl(Astro.url), "Cache-Control": ADMIN_CACHE_CONTROL } });
  const membership = await vendorMembershipOf(env, session.principal.id);
  if (!membership) return plain(403, "This section is for vendor members.");
  if (membership.vendorStatus === "pending" || membership.vendorStatus === "rejected") return plain(403, `Your vendor account is ${membership.vendorStatus}.`);
  const canWrite = membership.vendorStatus === "active" && (capability === undefined || memberCan(membership.role, capability));
  return { session, membership, canWrite };
}

/** The answer to a form post from a member who may only look (their role, or a suspended seller). */
export function refused(): Response {
  return plain(403, "Your role in this seller, or the seller's status, does not allow changes here.");
}
