import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { awardBirthdayBonuses, forgetLoyaltySettings, redeemOptions } from "../../worker/loyalty";
import { insertUser } from "../support/factories";
import { freshIp, json } from "../support/http";
import { client, signedIn, stockProduct } from "../support/orders";
import { buyer, goodReview, reviewableProduct, type Staff } from "../support/reviews";
import { type Caller, send, signIn } from "../support/staff";

// The shopper's and staff's faces of loyalty that sit on other domains: the checkout page's points field (its
// cap), review and birthday bonuses, a guest's code through the cart merge, and who may adjust a balance.
let admin: Staff;
let adminApi: Caller;
type Member = Awaited<ReturnType<typeof signedIn>>;

const summary = async (m: Member) => json(await m.send("/api/loyalty"));
const give = async (userId: string, points: number) => {
  const res = await send("/api/admin/loyalty/adjustments", "POST", adminApi.headers, { userId, points, reason: "Test credit" });
  expect(res.status, await res.clone().text()).toBe(201);
};
/** A member's bonus rows and their reversals (a reviewer's order earnings left out). */
const entriesOf = (userId: string) =>
  env.DB.prepare("select kind, points, key from loyalty_entries where user_id = ? and key like 'bonus:%' order by created_at, rowid")
    .bind(userId)
    .all<{ kind: string; points: number; key: string }>()
    .then((r) => r.results);
const setModeration = (moderation: "auto" | "hold") => admin.send("/api/admin/settings/reviews", "PUT", { moderation, reminderDays: 7 });
const patchSettings = async (body: Record<string, unknown>) => {
  const res = await send("/api/admin/loyalty/settings", "PATCH", adminApi.headers, body);
  expect(res.status, await res.clone().text()).toBe(200);
  forgetLoyaltySettings();
};

beforeAll(async () => {
  admin = await signedIn("admin");
  adminApi = await signIn("admin");
  forgetLoyaltySettings();
}, 60_000);

describe("the checkout page's points field (redeemOptions)", { timeout: 60_000 }, () => {
  it("caps the points at the balance, the share of the goods and the per-order maximum, whichever is least", async () => {
    const m = await signedIn();
    await give(m.user.id, 1000);
    // 50 % of 25.00 is 12.50 = 1250 one-cent points; the balance (1000) is less.
    expect(await redeemOptions(env, m.user.id, 2500)).toEqual({
      available: 1000,
      pointValue: 1,
      minPoints: 100,
      maxPoints: 1000,
      maxPercent: 50,
      usable: true,
    });
    await give(m.user.id, 4000);
    expect((await redeemOptions(env, m.user.id, 2500))?.maxPoints).toBe(1250);
    await patchSettings({ maxRedeemPoints: 700 });
    expect((await redeemOptions(env, m.user.id, 2500))?.maxPoints).toBe(700);
    await patchSettings({ maxRedeemPoints: 50_000 });
  });

  it("not usable below the minimum; null while the program is paused", async () => {
    const m = await signedIn();
    await give(m.user.id, 99);
    expect(await redeemOptions(env, m.user.id, 10_000)).toMatchObject({ available: 99, maxPoints: 99, usable: false });
    // A cheap cart: 50 % of 1.50 is 75 points, under the 100-point minimum even with a large balance.
    await give(m.user.id, 1000);
    expect(await redeemOptions(env, m.user.id, 150)).toMatchObject({ maxPoints: 75, usable: false });
    await patchSettings({ enabled: false });
    expect(await redeemOptions(env, m.user.id, 10_000)).toBeNull();
    await patchSettings({ enabled: true });
  });
});

describe("review bonus", { timeout: 120_000 }, () => {
  it("a published review earns the bonus once per product; deleting it takes exactly that back; writing it again earns nothing", async () => {
    const slug = await reviewableProduct("LB-REV-A");
    const owner = await buyer(admin, "LB-REV-A");
    const posted = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview());
    expect(posted.status, await posted.clone().text()).toBe(201);
    const review = await json(posted);
    expect(review.status).toBe("published");
    expect((await summary(owner)).available).toBe(50);
    // An edit is not a new review.
    expect((await owner.send(`/api/reviews/${review.id}`, "PATCH", { rating: 4 })).status).toBe(200);
    expect((await summary(owner)).available).toBe(50);

    expect((await owner.send(`/api/reviews/${review.id}`, "DELETE")).status).toBe(204);
    expect((await summary(owner)).available).toBe(0);
    const again = await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview(3));
    expect(again.status).toBe(201);
    expect((await summary(owner)).available).toBe(0);
    expect((await entriesOf(owner.user.id)).map((e) => [e.kind, e.points])).toEqual([
      ["bonus", 50],
      ["reverse", -50],
    ]);
  });

  it("held reviews earn on approval, once; rejection takes it back; approving again gives nothing", async () => {
    expect((await setModeration("hold")).status).toBe(200);
    try {
      const slug = await reviewableProduct("LB-REV-B");
      const owner = await buyer(admin, "LB-REV-B");
      const held = await json(await owner.send(`/api/products/${slug}/reviews`, "POST", goodReview()));
      expect(held.status).toBe("pending");
      expect((await summary(owner)).available).toBe(0);
      // Two staff approving at once (and a replay) give one bonus.
      const approvals = await Promise.all(Array.from({ length: 3 }, () => admin.send(`/api/admin/reviews/${held.id}/approve`, "POST", {})));
      expect(approvals.map((r) => r.status)).toEqual([200, 200, 200]);
      expect((await summary(owner)).available).toBe(50);
      for (let i = 0; i < 2; i++)
        expect((await admin.send(`/api/admin/reviews/${held.id}/reject`, "POST", { reason: "personal_information" })).status).toBe(200);
      expect((await summary(owner)).available).toBe(0);
      expect((await admin.send(`/api/admin/reviews/${held.id}/approve`, "POST", {})).status).toBe(200);
      expect((await summary(owner)).available).toBe(0);
      expect((await entriesOf(owner.user.id)).map((e) => e.points)).toEqual([50, -50]);
    } finally {
      await setModeration("auto");
    }
  });
});

describe("birthday bonus", { timeout: 60_000 }, () => {
  it("PATCH /api/me keeps a month and day; an impossible date is a 400 naming birthday", async () => {
    const m = await signedIn();
    const bad = await m.send("/api/me", "PATCH", { birthday: "02-30" });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ errors: [{ path: "birthday" }] });
    expect((await m.send("/api/me", "PATCH", { birthday: "2026-04-17" })).status).toBe(400);
    const ok = await m.send("/api/me", "PATCH", { birthday: "04-17" });
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ birthday: "04-17" });
    expect(await json(await m.send("/api/me"))).toMatchObject({ birthday: "04-17" });
    expect(await json(await m.send("/api/me", "PATCH", { birthday: null }))).toMatchObject({ birthday: null });
  });

  it("the cron gives it once per year on the day (UTC), to that member only; reruns give nothing", async () => {
    const m = await signedIn();
    const other = await signedIn();
    await m.send("/api/me", "PATCH", { birthday: "06-09" });
    await other.send("/api/me", "PATCH", { birthday: "06-10" });
    await awardBirthdayBonuses(env, Date.UTC(2027, 5, 8, 23, 59));
    expect((await summary(m)).available).toBe(0);
    // Overlapping runs (a slow one still going when the next starts) give it once.
    await Promise.all([awardBirthdayBonuses(env, Date.UTC(2027, 5, 9, 0, 5)), awardBirthdayBonuses(env, Date.UTC(2027, 5, 9, 0, 5))]);
    await awardBirthdayBonuses(env, Date.UTC(2027, 5, 9, 0, 20));
    await awardBirthdayBonuses(env, Date.UTC(2027, 5, 9, 23, 50));
    expect((await summary(m)).available).toBe(200);
    expect((await summary(other)).available).toBe(0);
    await awardBirthdayBonuses(env, Date.UTC(2028, 5, 9, 12));
    expect((await summary(m)).available).toBe(400);
    expect((await entriesOf(m.user.id)).map((e) => e.key)).toEqual([`bonus:birthday:${m.user.id}:2027`, `bonus:birthday:${m.user.id}:2028`]);
  });

  it("a 29 February birthday is kept on 28 February in other years, on the 29th in leap years", async () => {
    const m = await signedIn();
    await m.send("/api/me", "PATCH", { birthday: "02-29" });
    await awardBirthdayBonuses(env, Date.UTC(2027, 1, 28, 10));
    expect((await summary(m)).available).toBe(200);
    await awardBirthdayBonuses(env, Date.UTC(2028, 1, 28, 10));
    expect((await summary(m)).available).toBe(200);
    await awardBirthdayBonuses(env, Date.UTC(2028, 1, 29, 10));
    expect((await summary(m)).available).toBe(400);
  });

  it("nothing while the bonus is 0", async () => {
    const m = await signedIn();
    await m.send("/api/me", "PATCH", { birthday: "07-01" });
    await patchSettings({ birthdayBonus: 0 });
    try {
      expect(await awardBirthdayBonuses(env, Date.UTC(2027, 6, 1, 10))).toBe(0);
      expect((await summary(m)).available).toBe(0);
    } finally {
      await patchSettings({ birthdayBonus: 200 });
    }
  });
});

describe("a guest's code through the cart merge at sign-in", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await stockProduct("LB-MERGE", 500, 4000);
    for (const code of ["GUESTTEN", "ACCOUNTFIVE"]) {
      const res = await send("/api/admin/promotions", "POST", adminApi.headers, {
        name: code,
        code,
        kind: "percentage",
        value: code === "GUESTTEN" ? 1000 : 500,
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
  });

  async function guestWithCode(code: string) {
    const guest = client();
    expect((await guest.send("/api/cart/items", "POST", { sku: "LB-MERGE", quantity: 1 })).status).toBe(200);
    expect((await guest.send("/api/cart/promotions", "POST", { code })).status).toBe(200);
    return guest;
  }
  const signInAs = async (who: ReturnType<typeof client>, user: { email: string; password: string }) => {
    const res = await who.send("/api/auth/login", "POST", { email: user.email, password: user.password }, { "CF-Connecting-IP": freshIp() });
    expect(res.status).toBe(200);
  };

  it("the account's cart takes the guest's code when it has none, with the per-line saving", async () => {
    const user = await insertUser(env.DB, { role: "customer" });
    const guest = await guestWithCode("GUESTTEN");
    await signInAs(guest, user);
    const cart = await json(await guest.send("/api/cart"));
    expect(cart.items).toHaveLength(1);
    expect(cart.promotions.code).toBe("GUESTTEN");
    expect(cart.promotions.discount).toEqual({ amount: 400, currency: "USD" });
    expect(cart.promotions.lineDiscounts).toEqual([{ amount: 400, currency: "USD" }]);
    // The guest cart keeps no code behind.
    const left = await env.DB.prepare("select count(*) as n from promotion_cart_codes where code = 'GUESTTEN' and cart_id not like 'user:%'").first<{
      n: number;
    }>();
    expect(left?.n).toBe(0);
  });

  it("an account cart with a code of its own keeps it", async () => {
    const user = await insertUser(env.DB, { role: "customer" });
    const account = client();
    await signInAs(account, user);
    expect((await account.send("/api/cart/items", "POST", { sku: "LB-MERGE", quantity: 1 })).status).toBe(200);
    expect((await account.send("/api/cart/promotions", "POST", { code: "ACCOUNTFIVE" })).status).toBe(200);
    const guest = await guestWithCode("GUESTTEN");
    await signInAs(guest, user);
    const cart = await json(await guest.send("/api/cart"));
    expect(cart.items[0].quantity).toBe(2);
    expect(cart.promotions.code).toBe("ACCOUNTFIVE");
  });
});

describe("who may adjust a member's points", { timeout: 120_000 }, () => {
  it('needs the "promotions" permission: a staff role with only "customers" is refused, one with "promotions" adjusts', async () => {
    const member = await signedIn();
    const staffer = await signIn("support");
    const role = async (name: string, permissions: string[]) => {
      const res = await send("/api/admin/staff-roles", "POST", adminApi.headers, { name, permissions });
      expect(res.status).toBe(201);
      const { id } = await json(res);
      expect((await send(`/api/admin/users/${staffer.id}/staff-role`, "PUT", adminApi.headers, { roleId: id })).status).toBe(200);
    };
    const adjust = () => send("/api/admin/loyalty/adjustments", "POST", staffer.headers, { userId: member.user.id, points: 25, reason: "Goodwill" });
    await role("Customer desk", ["customers"]);
    expect((await adjust()).status).toBe(403);
    // Reading a member's points needs no write permission.
    expect((await send(`/api/admin/loyalty/members/${member.user.id}`, "GET", staffer.headers)).status).toBe(200);
    await role("Loyalty desk", ["promotions"]);
    const ok = await adjust();
    expect(ok.status).toBe(201);
    expect(await json(ok)).toMatchObject({ userId: member.user.id, available: 25 });
    expect((await summary(member)).statement[0]).toMatchObject({ kind: "adjust", points: 25, reason: "Goodwill" });
  });
});
