import { type AuditActor, actorFor } from "../../worker/lib/audit";
import { hasPermission, type Permission, type Role } from "../../worker/lib/context";
import { PAGE_REQUEST_ID_HEADER } from "../../worker/lib/request-log";
import { currentSession, loginUrl } from "./account";

/** Admin pages are personal to the staff member and change at once: never cached anywhere. */
export const ADMIN_CACHE_CONTROL = "private, no-store";

export type StaffSession = NonNullable<Awaited<ReturnType<typeof currentSession>>>;

export interface StaffAccess {
  session: StaffSession;
  /** True when the staff member may change things on this page (holds its permission, or for older pages is an admin). */
  canWrite: boolean;
  /** Whether the staff member holds `permission`, for pages with writes of more than one area (orders and refunds). */
  can: (permission: Permission) => boolean;
}

/**
 * The staff member on an admin page. The front door already let only admin
 * and support through; each page names who may *see* it (`read`, default both)
 * and who may *change* things on it (`write`, default admins). Anyone else
 * gets a Response to return at once (sign-in redirect or 403). With `permission`, who may change things
 * is whoever holds that permission (`write` is the older role list), and holding it also admits a staff
 * member whose account role is not in `read` (a support member given "catalog" reaches the products page).
 */
/** Who may open an admin section: an account role it is read by, or the section's permission. */
export interface SectionAccess {
  read?: Role[];
  permission?: Permission;
}

/**
 * The one rule for opening an admin section, shared by `requireStaff` (which refuses with 403) and the
 * admin navigation (which leaves out what would be refused).
 */
export function canOpen(principal: StaffSession["principal"], opts: SectionAccess): boolean {
  const read = opts.read ?? ["admin", "support"];
  return read.includes(principal.role) || (opts.permission !== undefined && hasPermission(principal, opts.permission));
}

export async function requireStaff(
  Astro: { request: Request; url: URL; response: { headers: Headers } },
  opts: { read?: Role[]; write?: Role[]; permission?: Permission } = {},
): Promise<StaffAccess | Response> {
  Astro.response.headers.set("Cache-Control", ADMIN_CACHE_CONTROL);
  const session = await currentSession(Astro.request);
  if (!session) return new Response(null, { status: 303, headers: { Location: loginUrl(Astro.url), "Cache-Control": ADMIN_CACHE_CONTROL } });
  const write = opts.write ?? ["admin"];
  const can = (permission: Permission) => hasPermission(session.principal, permission);
  if (!canOpen(session.principal, opts)) {
    return new Response("This section is for admins only.", {
      status: 403,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": ADMIN_CACHE_CONTROL },
    });
  }
  const canWrite = opts.permission ? can(opts.permission) : write.includes(session.principal.role);
  return { session, canWrite, can };
}

/**
 * The audit actor of a staff form post: the signed-in staff member plus the request id the front door
 * gave this request (the same id the answer carries as `X-Request-Id`). The one builder pages use.
 */
export function pageActor(staff: { principal: StaffSession["principal"] }, request: Request): AuditActor {
  return actorFor(staff.principal, request.headers.get(PAGE_REQUEST_ID_HEADER));
}
