import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { listAssignableStaff } from "../../worker/support";
import { insertUser } from "../support/factories";
import { json } from "../support/http";
import { type Caller, send, signIn } from "../support/staff";

let agent: Caller;
let shopper: Caller;
beforeAll(async () => {
  [agent, shopper] = await Promise.all([signIn("support"), signIn("customer")]);
}, 60_000);

describe("the assignee choice: every active support-capable staff member", () => {
  it("lists active admin and support accounts by name, not customers, vendors or disabled staff; each may be assigned", async () => {
    const [zed, amy, vendor, customer, gone] = await Promise.all([
      insertUser(env.DB, { role: "support", name: "Zed Agent" }),
      insertUser(env.DB, { role: "admin", name: "Amy Admin" }),
      insertUser(env.DB, { role: "vendor", name: "Val Vendor" }),
      insertUser(env.DB, { role: "customer", name: "Cal Customer" }),
      insertUser(env.DB, { role: "support", name: "Gus Gone" }),
    ]);
    await env.DB.prepare("UPDATE users SET status = 'disabled' WHERE id = ?").bind(gone.id).run();
    const listed = await listAssignableStaff(env);
    const ids = listed.map((s) => s.id);
    const idOf = (u: { id: string }) => u.id;
    expect(ids).toEqual(expect.arrayContaining([idOf(zed), idOf(amy)]));
    for (const excluded of [vendor, customer, gone]) expect(ids).not.toContain(idOf(excluded));
    expect(listed.map((s) => s.name)).toEqual([...listed.map((s) => s.name)].sort((a, b) => a.localeCompare(b)));

    // Someone from the list (not the caller) can be assigned; someone not on it cannot.
    const created = await send("/api/support/tickets", "POST", shopper.headers, { subject: "Lost parcel", message: "Where did it go?" });
    const ticketId = (await json(created)).id as string;
    const assigned = await send(`/api/admin/support/tickets/${ticketId}`, "PATCH", agent.headers, { assigneeId: idOf(zed) });
    expect(assigned.status).toBe(200);
    expect(JSON.stringify(await json(assigned))).toContain("Zed Agent");
    const refused = await send(`/api/admin/support/tickets/${ticketId}`, "PATCH", agent.headers, { assigneeId: idOf(vendor) });
    expect(refused.status).toBe(400);
    expect((await json(refused)).errors.map((e: { path: string }) => e.path)).toEqual(["assigneeId"]);
  });
});
