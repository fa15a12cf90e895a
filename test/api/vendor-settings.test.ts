import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { updateImageOrigins } from "../../worker/store";
import { publicVendorByHandle } from "../../worker/vendors";
import { insertUser } from "../support/factories";
import { json } from "../support/http";
import { send } from "../support/staff";
import { addMember, bearerFor, insertVendor, type VendorMemberCaller } from "../support/vendors";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const setup = { actorId: "usr_setup", actorEmail: "setup@example.test", requestId: null };
const ADDRESS = { fullName: "Returns desk", line1: "5 Dock Road", city: "Portland", region: "OR", postalCode: "97201", country: "us" };
let owner: VendorMemberCaller;

const patch = (who: { headers: Record<string, string> }, body: unknown) => send("/api/vendor/settings", "PATCH", who.headers, body);
const paths = async (res: Response) => ((await json(res)).errors as { path: string }[]).map((e) => e.path);

beforeAll(async () => {
  owner = await insertVendor();
  await updateImageOrigins(env, setup, { origins: ["https://images.example.test"] });
});

describe("PATCH /api/vendor/settings", () => {
  it("changes the profile, storefront and return address sent, audits the owner, and the storefront shows it", async () => {
    const res = await patch(owner, {
      name: "Oak & Iron",
      contactPhone: "+1 503 555 0100",
      about: "Hand-forged since 1998.",
      bannerUrl: "https://images.example.test/banner.jpg",
      returnAddress: ADDRESS,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      id: owner.vendorId,
      name: "Oak & Iron",
      contactPhone: "+1 503 555 0100",
      about: "Hand-forged since 1998.",
      bannerUrl: "https://images.example.test/banner.jpg",
      returnAddress: { ...ADDRESS, country: "US", company: null, line2: null, phone: null },
    });
    // Fields not sent stay as they were.
    expect(body.description).toBe("A test vendor.");
    expect(await json(await send("/api/vendor/settings", "GET", owner.headers))).toEqual(body);
    const audit = await env.DB.prepare("SELECT actor_id AS actorId, before, after FROM audit_log WHERE action = 'vendor.settings' AND entity_id = ?")
      .bind(owner.vendorId)
      .first<{ actorId: string; before: string; after: string }>();
    expect(audit?.actorId).toBe(owner.id);
    expect(JSON.parse(audit?.after ?? "{}")).toMatchObject({ name: "Oak & Iron" });
    const handle = (await env.DB.prepare("SELECT handle FROM vendors WHERE id = ?").bind(owner.vendorId).first<{ handle: string }>())?.handle ?? "";
    expect(await publicVendorByHandle(env, handle)).toMatchObject({
      name: "Oak & Iron",
      about: "Hand-forged since 1998.",
      bannerUrl: "https://images.example.test/banner.jpg",
    });
  });

  it("clears optional fields sent empty or null", async () => {
    const res = await patch(owner, { contactPhone: "", bannerUrl: null, returnAddress: null });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ contactPhone: null, bannerUrl: null, returnAddress: null });
  });

  it("names every invalid field, and changes nothing", async () => {
    const before = await json(await send("/api/vendor/settings", "GET", owner.headers));
    const res = await patch(owner, { name: "X", contactEmail: "not an email", returnAddress: { ...ADDRESS, line1: "" } });
    expect(res.status).toBe(400);
    expect((await paths(res)).sort()).toEqual(["contactEmail", "name", "returnAddress.line1"]);
    const banner = await patch(owner, { bannerUrl: "https://elsewhere.example.test/b.jpg" });
    expect(banner.status).toBe(400);
    expect(await paths(banner)).toEqual(["bannerUrl"]);
    // The storefront address, the status and payouts are not settings.
    for (const field of ["handle", "status", "payoutDetails"]) {
      const res = await patch(owner, { [field]: "active" });
      expect(res.status, field).toBe(400);
    }
    expect(await json(await send("/api/vendor/settings", "GET", owner.headers))).toEqual(before);
  });

  it("is the owner's: other member roles 403, customers 403, anonymous 401", async () => {
    for (const role of ["catalog", "orders", "finance"] as const) {
      const member = await addMember(owner.vendorId, role);
      expect((await patch(member, { about: "Not mine to change" })).status, role).toBe(403);
      expect((await send("/api/vendor/settings", "GET", member.headers)).status, role).toBe(403);
    }
    expect((await patch({ headers: await bearerFor(await insertUser(env.DB)) }, { about: "x" })).status).toBe(403);
    expect((await patch({ headers: {} }, { about: "x" })).status).toBe(401);
  });
});
