import { env } from "cloudflare:workers";
import type { VendorMemberRole, VendorStatus } from "../../worker/vendors";
import { insertUser } from "./factories";
import { freshIp, json } from "./http";
import { type Caller, passwordSignIn } from "./staff";

let n = 0;

/** A signed-in (Bearer) member of a vendor, with what a test needs to sign them in again. */
export interface VendorMemberCaller extends Caller {
  vendorId: string;
  password: string;
}

/** Signs a user in with their password and answers Bearer headers. */
export async function bearerFor(user: { email: string; password: string }): Promise<Record<string, string>> {
  const body = await json(await passwordSignIn(user, { "CF-Connecting-IP": freshIp() }));
  return { Authorization: `Bearer ${body.accessToken}` };
}

/** A vendor (active unless told) written straight to its tables, with a signed-in member of `role` (owner by default). */
export async function insertVendor(opts: { status?: VendorStatus; role?: VendorMemberRole; handle?: string } = {}): Promise<VendorMemberCaller> {
  n++;
  const id = `ven_t${n}_${Date.now().toString(36)}`;
  const handle = opts.handle ?? `test-vendor-${n}-${Date.now().toString(36)}`;
  await env.DB.prepare("INSERT INTO vendors (id, handle, name, status, contact_email, country, description) VALUES (?, ?, ?, ?, ?, 'US', 'A test vendor.')")
    .bind(id, handle, `Vendor ${n}`, opts.status ?? "active", `${handle}@example.test`)
    .run();
  return addMember(id, opts.role ?? "owner");
}

/** Adds a new user to a vendor as `role` and signs them in. */
export async function addMember(vendorId: string, role: VendorMemberRole): Promise<VendorMemberCaller> {
  const user = await insertUser(env.DB, { role: "vendor" });
  await env.DB.prepare("INSERT INTO vendor_members (vendor_id, user_id, role) VALUES (?, ?, ?)").bind(vendorId, user.id, role).run();
  return { id: user.id, email: user.email, role: "vendor", password: user.password, vendorId, headers: await bearerFor(user) };
}
