import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { AppError } from "../../worker/lib/errors";
import { runBatch } from "../../worker/lib/d1-batch";
import { forgetLoyaltySettings, orderPointsReversalStatements } from "../../worker/loyalty";
import { actors, cancelOrder, refundOrder } from "../../worker/orders";
import { json, postJson } from "../support/http";
import { signedIn, stockProduct, US_ADDRESS } from "../support/orders";
import { type Caller, send, staffByRole } from "../support/staff";

// Points taken back by order LINE: a refund of some lines (a return) takes back exactly what those lines earned,
// under the rule stored at earning time, and gives back the points redeemed on them; an amount is spread over every
// line; a refund that completes the order takes back the rest exactly.
type Member = Awaited<ReturnType<typeof signedIn>>;
interface Line {
  id: string;
  sku: string;
  quantity: number;
  paid: number;
}
interface Placed {
  orderId: string;
  total: number;
  lines: Line[];
  earned: Record<string, number>;
  redeemed: Record<string, number>;
}

let admin: Caller;
const ctx = { actor: actors.system, origin: "http://store.test" };
const SKUS = [
  { sku: "LLN-A", price: 2500 },
  { sku: "LLN-B", price: 1333 },
  { sku: "LLN-C", price: 7999 },
  { sku: "LLN-D", price: 411 },
];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const give = async (userId: string, points: number) => {
  const res = await send("/api/admin/loyalty/adjustments", "POST", admin.headers, { userId, points, reason: "Test credit" });
  expect(res.status, await res.clone().text()).toBe(201);
};
const summary = async (m: Member) => json(await m.send("/api/loyalty"));

/** Per line: the points reversed (positive) and the redeemed points returned so far. */
async function perLine(orderId: string) {
  const rows = await env.DB.prepare(
    "select line, coalesce(-sum(case when kind = 'reverse' then points end), 0) as reversed, coalesce(sum(case when kind = 'return' then points end), 0) as returned, coalesce(-sum(case when kind = 'reverse' then spend end), 0) as spend from loyalty_entries where order_id = ? and line is not null group by line",
  )
    .bind(orderId)
    .all<{ line: string; reversed: number; returned: number; spend: number }>();
  return new Map(rows.results.map((r) => [r.line, r]));
}

async function placePaid(m: Member, items: { sku: string; quantity: number }[], redeem: number): Promise<Placed> {
  for (const i of items) expect((await m.send("/api/cart/items", "POST", i)).status).toBe(200);
  const res = await m.send("/api/checkout", "POST", {
    shippingAddress: US_ADDRESS,
    shippingOption: "standard",
    ...(redeem ? { redeemPoints: redeem } : {}),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  const placed = await json(res);
  expect((await postJson(`/api/checkout/test-payments/${placed.payment.redirectUrl.split("/").pop()}`, { outcome: "succeeded" })).status).toBe(200);
  const lines = await env.DB.prepare("select id, sku, quantity, line_total - discount_total as paid from order_lines where order_id = ? order by sku")
    .bind(placed.orderId)
    .all<Line>();
  const earn = await env.DB.prepare("select rule from loyalty_entries where key = ?").bind(`earn:${placed.orderId}`).first<{ rule: string }>();
  const red = await env.DB.prepare("select lines from loyalty_redemptions where order_id = ?").bind(placed.orderId).first<{ lines: string | null }>();
  return {
    orderId: placed.orderId,
    total: placed.total.amount,
    lines: lines.results,
    earned: JSON.parse(earn?.rule ?? "{}").lines ?? {},
    redeemed: red?.lines ? JSON.parse(red.lines) : {},
  };
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

beforeAll(async () => {
  ({ admin } = await staffByRole());
  for (const s of SKUS) await stockProduct(s.sku, 100_000, s.price);
  forgetLoyaltySettings();
}, 120_000);

describe("refunding lines", { timeout: 120_000 }, () => {
  it("a refund of one line takes back exactly that line's points and returns the points redeemed on it; the other line keeps its own", async () => {
    const m = await signedIn();
    await give(m.user.id, 5000);
    const p = await placePaid(
      m,
      [
        { sku: "LLN-A", quantity: 2 },
        { sku: "LLN-C", quantity: 1 },
      ],
      2000,
    );
    const [a, c] = p.lines as [Line, Line];
    expect(sum(p.redeemed)).toBe(2000);
    expect(p.earned[a.sku]).toBeGreaterThan(0);
    // Line A back in full (a return of both units): what was paid for it.
    await refundOrder(env, p.orderId, a.paid, "Return of A", ctx, [{ orderLineId: a.id, weight: a.paid }]);
    let lines = await perLine(p.orderId);
    expect(lines.get(a.sku)).toMatchObject({ reversed: p.earned[a.sku], returned: p.redeemed[a.sku], spend: a.paid });
    expect(lines.get(c.sku)).toBeUndefined();
    const s1 = await summary(m);
    expect(s1.pending).toBe(p.earned[c.sku] ?? 0);
    expect(s1.available).toBe(3000 + (p.redeemed[a.sku] ?? 0));
    // A further refund of line A (and its replay) takes nothing more: the line was refunded whole.
    const replay = await orderPointsReversalStatements(env, {
      orderId: p.orderId,
      key: "replayed",
      lines: p.lines.map((l) => ({ sku: l.sku, paid: l.paid })),
      refunded: [{ sku: a.sku, weight: a.paid }],
      amount: 0,
      total: p.total,
      full: false,
      reason: "Items refunded",
    });
    await runBatch(env.DB, replay);
    await runBatch(env.DB, replay);
    lines = await perLine(p.orderId);
    expect(lines.get(a.sku)).toMatchObject({ reversed: p.earned[a.sku], returned: p.redeemed[a.sku], spend: a.paid });
    // The rest of the order: C's points exactly, nothing more of A.
    await refundOrder(env, p.orderId, undefined, "the rest", ctx);
    lines = await perLine(p.orderId);
    expect(lines.get(a.sku)).toMatchObject({ reversed: p.earned[a.sku], returned: p.redeemed[a.sku] });
    expect(lines.get(c.sku)).toMatchObject({ reversed: p.earned[c.sku], returned: p.redeemed[c.sku], spend: c.paid });
    const s2 = await summary(m);
    expect(s2).toMatchObject({ available: 5000, pending: 0, owed: 0 });
    expect(s2.spend12Months.amount).toBe(0);
  });

  it("the rule stored at earning time decides what is taken back, not the rule in force at the refund", async () => {
    const m = await signedIn();
    const p = await placePaid(m, [{ sku: "LLN-C", quantity: 2 }], 0);
    const [c] = p.lines as [Line];
    const earned = p.earned[c.sku] ?? 0;
    expect(earned).toBe(Math.floor(c.paid / 100));
    const res = await send("/api/admin/loyalty/settings", "PATCH", admin.headers, { pointsPerUnit: 5 });
    expect(res.status).toBe(200);
    forgetLoyaltySettings();
    try {
      // One of two units back: half of what was paid, half of the points earned then.
      const half = Math.floor(c.paid / 2);
      await refundOrder(env, p.orderId, half, "One unit back", ctx, [{ orderLineId: c.id, weight: half }]);
      expect((await perLine(p.orderId)).get(c.sku)?.reversed).toBe(Math.floor((earned * half) / c.paid));
      await refundOrder(env, p.orderId, c.paid - half, "The other unit back", ctx, [{ orderLineId: c.id, weight: c.paid - half }]);
      expect((await perLine(p.orderId)).get(c.sku)?.reversed).toBe(earned);
      expect((await summary(m)).pending).toBe(0);
    } finally {
      await send("/api/admin/loyalty/settings", "PATCH", admin.headers, { pointsPerUnit: 1 });
      forgetLoyaltySettings();
    }
  });
});

describe("cancelling a paid order", { timeout: 120_000 }, () => {
  it("takes back every line's points and returns every redeemed point, once", async () => {
    const m = await signedIn();
    await give(m.user.id, 2000);
    const p = await placePaid(
      m,
      [
        { sku: "LLN-B", quantity: 3 },
        { sku: "LLN-D", quantity: 2 },
      ],
      900,
    );
    const c = { actor: actors.customer(m.user.id), origin: "http://store.test" };
    await cancelOrder(env, p.orderId, c, "changed my mind");
    await expect(cancelOrder(env, p.orderId, c, "again")).rejects.toThrow();
    const lines = await perLine(p.orderId);
    for (const l of p.lines) expect(lines.get(l.sku)).toMatchObject({ reversed: p.earned[l.sku] ?? 0, returned: p.redeemed[l.sku] ?? 0, spend: l.paid });
    expect(await summary(m)).toMatchObject({ available: 2000, pending: 0, owed: 0 });
  });
});

describe("race: two refunds of different lines at once", { timeout: 120_000 }, () => {
  it("each line's points are taken back once and exactly; a refund refused by the race takes nothing back", async () => {
    const m = await signedIn();
    await give(m.user.id, 3000);
    const p = await placePaid(
      m,
      [
        { sku: "LLN-A", quantity: 1 },
        { sku: "LLN-B", quantity: 2 },
        { sku: "LLN-D", quantity: 3 },
      ],
      1500,
    );
    const [a, b] = p.lines as [Line, Line, Line];
    const refundOf = (l: Line) => refundOrder(env, p.orderId, l.paid, `Return of ${l.sku}`, ctx, [{ orderLineId: l.id, weight: l.paid }]);
    const results = await Promise.allSettled([refundOf(a), refundOf(b)]);
    const lines = await perLine(p.orderId);
    for (const [i, l] of [a, b].entries()) {
      const r = results[i] as PromiseSettledResult<unknown>;
      if (r.status === "fulfilled") expect(lines.get(l.sku)).toMatchObject({ reversed: p.earned[l.sku], returned: p.redeemed[l.sku] });
      else {
        expect((r.reason as AppError).code).toBe("orders.refund_conflict");
        expect(lines.get(l.sku)).toBeUndefined();
      }
    }
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    // The refused one, tried again, takes back its own line.
    for (const [i, l] of [a, b].entries()) if ((results[i] as PromiseSettledResult<unknown>).status === "rejected") await refundOf(l);
    const after = await perLine(p.orderId);
    for (const l of [a, b]) expect(after.get(l.sku)).toMatchObject({ reversed: p.earned[l.sku], returned: p.redeemed[l.sku], spend: l.paid });
    expect([...after.keys()].sort()).toEqual([a.sku, b.sku].sort());
  });

  it("the ledger statements themselves: refunds of the same and of different lines committed at once never take back more than earned", async () => {
    const m = await signedIn();
    await give(m.user.id, 3000);
    const p = await placePaid(
      m,
      [
        { sku: "LLN-A", quantity: 2 },
        { sku: "LLN-C", quantity: 2 },
      ],
      1200,
    );
    const [a, c] = p.lines as [Line, Line];
    const paidLines = p.lines.map((l) => ({ sku: l.sku, paid: l.paid }));
    // Six refunds, each of 60 % of one line, built from the same reading and committed concurrently.
    const batches = await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const l = i % 2 ? a : c;
        return orderPointsReversalStatements(env, {
          orderId: p.orderId,
          key: `race-${i}`,
          lines: paidLines,
          refunded: [{ sku: l.sku, weight: Math.floor((l.paid * 6) / 10) }],
          amount: 0,
          total: p.total,
          full: false,
          reason: "Items refunded",
        });
      }),
    );
    await Promise.all(batches.map((b) => runBatch(env.DB, b)));
    const lines = await perLine(p.orderId);
    for (const l of [a, c]) expect(lines.get(l.sku)).toMatchObject({ reversed: p.earned[l.sku], returned: p.redeemed[l.sku], spend: l.paid });
  });
});

describe("property: random orders and random sequences of partial refunds and returns", { timeout: 300_000 }, () => {
  for (let n = 0; n < 5; n++) {
    it(`case ${n}: per line never more than earned or redeemed, and exactly all of it at the end`, async () => {
      const r = rng(4242 + n);
      const m = await signedIn();
      await give(m.user.id, 20_000);
      const picked = SKUS.filter(() => r() < 0.7);
      const items = (picked.length >= 2 ? picked : SKUS.slice(0, 2)).map((s) => ({ sku: s.sku, quantity: 1 + Math.floor(r() * 3) }));
      const goods = items.reduce((s, i) => s + (SKUS.find((x) => x.sku === i.sku)?.price ?? 0) * i.quantity, 0);
      const maxPoints = Math.floor(goods / 2);
      const redeem = maxPoints >= 100 && r() < 0.8 ? 100 + Math.floor(r() * (maxPoints - 100)) : 0;
      const p = await placePaid(m, items, redeem);
      expect(sum(p.redeemed)).toBe(redeem);
      // The oracle: how much of what was paid for each line the refunds have covered so far.
      const covered = new Map(p.lines.map((l) => [l.sku, 0]));
      const unitsBack = new Map(p.lines.map((l) => [l.sku, 0]));
      const target = (part: number, l: Line) => {
        const c = Math.min(l.paid, covered.get(l.sku) ?? 0);
        return c >= l.paid ? part : Math.floor((part * c) / l.paid);
      };
      let refunded = 0;
      const steps = 1 + Math.floor(r() * 4);
      for (let k = 0; k < steps; k++) {
        const left = p.total - refunded;
        if (r() < 0.6) {
          // A return of some units of one line: what was paid for those units, the last units taking what is left.
          const l = p.lines[Math.floor(r() * p.lines.length)] as Line;
          const back = unitsBack.get(l.sku) ?? 0;
          if (back >= l.quantity) continue;
          const units = 1 + Math.floor(r() * (l.quantity - back));
          const weight = back + units === l.quantity ? l.paid - Math.floor((l.paid * back) / l.quantity) : Math.floor((l.paid * units) / l.quantity);
          if (weight <= 0 || weight >= left) continue;
          await refundOrder(env, p.orderId, weight, `Return ${k}`, ctx, [{ orderLineId: l.id, weight }]);
          unitsBack.set(l.sku, back + units);
          covered.set(l.sku, (covered.get(l.sku) ?? 0) + weight);
          refunded += weight;
        } else {
          if (left <= 1) break;
          const part = 1 + Math.floor(r() * (left - 1));
          await refundOrder(env, p.orderId, part, `Goodwill ${k}`, ctx);
          for (const l of p.lines) covered.set(l.sku, (covered.get(l.sku) ?? 0) + Math.floor((l.paid * part) / p.total));
          refunded += part;
        }
        const lines = await perLine(p.orderId);
        for (const l of p.lines) {
          const got = lines.get(l.sku) ?? { reversed: 0, returned: 0 };
          const e = p.earned[l.sku] ?? 0;
          const back = p.redeemed[l.sku] ?? 0;
          expect(got.reversed, `${l.sku} reversed after step ${k}`).toBe(target(e, l));
          expect(got.returned, `${l.sku} returned after step ${k}`).toBe(target(back, l));
          expect(got.reversed).toBeLessThanOrEqual(e);
          expect(got.returned).toBeLessThanOrEqual(back);
        }
      }
      await refundOrder(env, p.orderId, undefined, "the rest", ctx);
      const lines = await perLine(p.orderId);
      for (const l of p.lines) {
        expect(lines.get(l.sku)?.reversed ?? 0).toBe(p.earned[l.sku] ?? 0);
        expect(lines.get(l.sku)?.returned ?? 0).toBe(p.redeemed[l.sku] ?? 0);
      }
      const s = await summary(m);
      expect(s).toMatchObject({ available: 20_000, pending: 0, owed: 0 });
      expect(s.spend12Months.amount).toBe(0);
    });
  }
});
