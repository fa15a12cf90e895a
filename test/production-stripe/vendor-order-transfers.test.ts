import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it, vi } from "vitest";
import { formatMoney } from "../../worker/lib/money";
import { refundOrder } from "../../worker/orders";
import { markPayoutFailed, markPayoutPaid, payoutById, queuePayoutRun } from "../../worker/vendors";
import { json } from "../support/http";
import { deliverPayoutMessages, messagesOf, runPayoutsNow } from "../support/payouts";
import { send } from "../support/staff";
import { connectedVendor, setAccount, shipAndDeliver, stripePurchase, stripeSdk } from "../support/stripe-connect";
import { addMember, insertVendor } from "../support/vendors";
import { sellerProduct } from "../support/vendors-money";

// Payouts per vendor order through Stripe Connect ("separate charges and transfers"), on a production store with a
// live-mode key: the real SDK in the Worker talks to the in-process fake Stripe, which this file also reads through
// the real SDK. Whole purchases (checkout, payment webhook, shipping, the carrier's delivery) run in each test.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const ctx = { actor: { kind: "system" as const }, origin: "http://store.test" };
const reversal = (vendorId: string, orderId: string, refunded: number) => ({
  kind: "reversal" as const,
  vendorId,
  currency: "USD",
  refundKey: `${orderId}:${refunded}`,
});
const balance = async (vendorId: string) =>
  (await env.DB.prepare("select coalesce(sum(amount), 0) as n from vendor_ledger where vendor_id = ?").bind(vendorId).first<{ n: number }>())?.n ?? 0;
const entries = async (vendorId: string, kind: string) =>
  (
    await env.DB.prepare(
      "select amount, idempotency_key as key, vendor_order_id as vo from vendor_ledger where vendor_id = ? and kind = ? order by created_at, id",
    )
      .bind(vendorId, kind)
      .all<{ amount: number; key: string; vo: string | null }>()
  ).results;
const payoutsOf = async (vendorId: string) =>
  (
    await env.DB.prepare(
      "select id, amount, provider, status, provider_reference as ref, vendor_order_id as vo from payouts where vendor_id = ? order by created_at, id",
    )
      .bind(vendorId)
      .all<{ id: string; amount: number; provider: string; status: string; ref: string | null; vo: string | null }>()
  ).results;
const transfersTo = async (account: string) => (await stripeSdk().transfers.list({ destination: account, limit: 100 })).data;
const fakeKeys = async () =>
  new Map(((await (await fetch("http://fake-stripe.test/__transfers")).json()) as { id: string; key: string }[]).map((t) => [t.id, t.key]));
const reversalsOf = async (transferId: string) =>
  ((await (await fetch("http://fake-stripe.test/__reversals")).json()) as { amount: number; transfer: string; key: string }[]).filter(
    (r) => r.transfer === transferId,
  );
interface StatementEntry {
  kind: string;
  vendorOrderId: string | null;
  payout: { id: string; provider: string; status: string; reference: string | null } | null;
}
/** The seller's statement as its owner reads it: the API's entries, and the CSV's rows as objects. */
async function statementOf(headers: Record<string, string>) {
  const page = await json(await send("/api/vendor/ledger?perPage=100", "GET", headers));
  const csv = await send("/api/vendor/ledger/export", "GET", headers);
  expect(csv.status).toBe(200);
  const [header, ...rows] = (await csv.text()).trim().split("\r\n");
  const names = (header ?? "").split(",");
  // None of these cells holds a comma or a quote (ids, references, the kind and the vendor order).
  const records = rows.map((r) => Object.fromEntries(r.split(",").map((cell, i) => [names[i], cell])));
  return { entries: page.items as StatementEntry[], csv: records, header };
}
/** The charge and PaymentIntent that paid an order, read back from Stripe through the SDK. */
async function chargeOf(orderId: string) {
  const payment = await env.DB.prepare("select provider_payment_id as pi from payments where order_id = ? and provider = 'stripe'")
    .bind(orderId)
    .first<{ pi: string }>();
  const intent = await stripeSdk().paymentIntents.retrieve(payment?.pi as string);
  return { intent, charge: intent.latest_charge as string };
}

describe("one Stripe transfer per vendor order", () => {
  it("pays each delivered vendor order with its own transfer: transfer_group of its order, source_transaction its charge", async () => {
    const a = await connectedVendor();
    const b = await connectedVendor();
    await sellerProduct("VOT-A", a.vendor.vendorId, 4_000);
    await sellerProduct("VOT-B", b.vendor.vendorId, 2_500);
    const first = await stripePurchase([
      { sku: "VOT-A", quantity: 1 },
      { sku: "VOT-B", quantity: 2 },
    ]);
    const second = await stripePurchase([{ sku: "VOT-A", quantity: 2 }]);
    const a1 = await shipAndDeliver(a.vendor, first);
    const b1 = await shipAndDeliver(b.vendor, first);
    const a2 = await shipAndDeliver(a.vendor, second);

    // The PaymentIntent was created with the order's transfer group.
    const paid1 = await chargeOf(first);
    const paid2 = await chargeOf(second);
    expect(paid1.intent.transfer_group).toBe(first);
    expect(paid2.intent.transfer_group).toBe(second);

    const run = await runPayoutsNow();
    const queuedA = run.queued.filter((q) => q.vendorId === a.vendor.vendorId);
    expect(queuedA.map((q) => [q.vendorOrderId, q.amount.amount]).sort()).toEqual(
      [
        [a1.id, a1.net],
        [a2.id, a2.net],
      ].sort(),
    );

    const keys = await fakeKeys();
    const toA = await transfersTo(a.account);
    expect(toA).toHaveLength(2);
    for (const [orderId, vo, paid] of [
      [first, a1, paid1],
      [second, a2, paid2],
    ] as const) {
      const transfer = toA.find((t) => t.transfer_group === orderId);
      expect(transfer).toMatchObject({ amount: vo.net, destination: a.account, source_transaction: paid.charge, transfer_group: orderId });
      expect(keys.get(transfer?.id as string)).toBe(`transfer:${vo.id}`);
    }
    const [toB] = await transfersTo(b.account);
    expect(toB).toMatchObject({ amount: b1.net, transfer_group: first, source_transaction: paid1.charge });
    expect(keys.get(toB?.id as string)).toBe(`transfer:${b1.id}`);

    // The ledger's transfer entries name the vendor order; each payout carries its transfer id.
    const rows = await payoutsOf(a.vendor.vendorId);
    expect(rows.map((p) => [p.vo, p.amount, p.status, p.provider]).sort()).toEqual(
      [
        [a1.id, a1.net, "paid", "stripe_connect"],
        [a2.id, a2.net, "paid", "stripe_connect"],
      ].sort(),
    );
    for (const p of rows) expect(toA.map((t) => t.id)).toContain(p.ref);
    expect((await entries(a.vendor.vendorId, "transfer")).map((e) => [e.vo, e.amount, e.key]).sort()).toEqual(
      rows.map((p) => [p.vo, -p.amount, `payout:${p.id}`]).sort(),
    );
    expect(await balance(a.vendor.vendorId)).toBe(0);
    expect(await balance(b.vendor.vendorId)).toBe(0);

    // The seller's statement shows each transfer entry's Stripe transfer id, read from its payout (the entry was
    // written before the transfer was sent and never changes); the CSV carries the payout and the same id.
    const statement = await statementOf(a.vendor.headers);
    expect(statement.header).toBe("date,kind,amount,currency,balance,order_id,vendor_order_id,payout_id,reference,note");
    for (const p of rows) expect(p.ref).toMatch(/^tr_/);
    expect(
      statement.entries
        .filter((e) => e.kind === "transfer")
        .map((e) => [e.vendorOrderId, e.payout])
        .sort(),
    ).toEqual(rows.map((p) => [p.vo, { id: p.id, provider: "stripe_connect", status: "paid", reference: p.ref }]).sort());
    expect(statement.entries.filter((e) => e.kind !== "transfer").every((e) => e.payout === null)).toBe(true);
    expect(
      statement.csv
        .filter((r) => r.kind === "transfer")
        .map((r) => [r.vendor_order_id, r.payout_id, r.reference])
        .sort(),
    ).toEqual(rows.map((p) => [p.vo, p.id, p.ref]).sort());
    expect(statement.csv.filter((r) => r.kind === "sale").every((r) => r.payout_id === "" && r.reference === "")).toBe(true);

    // The seller's payout list: one row per transfer with its vendor order and order number.
    const numbers = await env.DB.prepare("select id, number from orders where id in (?, ?)").bind(first, second).all<{ id: string; number: string }>();
    const numberOf = new Map(numbers.results.map((r) => [r.id, r.number]));
    const list = await json(await send("/api/vendor/payouts", "GET", a.vendor.headers));
    expect(list.items).toHaveLength(2);
    for (const item of list.items) {
      const vo = item.vendorOrderId === a1.id ? a1 : a2;
      const orderId = vo === a1 ? first : second;
      expect(item).toMatchObject({
        amount: { amount: vo.net, currency: "USD" },
        status: "paid",
        orderId,
        orderNumber: numberOf.get(orderId),
        vendorOrders: [{ vendorOrderId: vo.id, orderId, orderNumber: numberOf.get(orderId), amount: { amount: vo.net, currency: "USD" } }],
      });
    }
  });

  it("the fake Stripe refuses a transfer whose source_transaction is no charge it made", async () => {
    const { account } = await connectedVendor();
    await expect(
      stripeSdk().transfers.create({ amount: 100, currency: "usd", destination: account, source_transaction: "ch_unknown", transfer_group: "ord_x" }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(await transfersTo(account)).toEqual([]);
  });

  it("a manual seller is paid several vendor orders in one bank transfer; the ledger names each, and a failed one is paid again", async () => {
    const m = await insertVendor();
    await sellerProduct("VOT-M", m.vendorId, 3_000);
    const o1 = await stripePurchase([{ sku: "VOT-M", quantity: 1 }]);
    const o2 = await stripePurchase([{ sku: "VOT-M", quantity: 2 }]);
    const v1 = await shipAndDeliver(m, o1);
    const v2 = await shipAndDeliver(m, o2);
    await runPayoutsNow();
    const [payout] = await payoutsOf(m.vendorId);
    expect(payout).toMatchObject({ amount: v1.net + v2.net, provider: "manual", status: "pending", vo: null });
    const view = await payoutById(env, payout?.id as string);
    expect(view.vendorOrders.map((i) => [i.vendorOrderId, i.amount.amount]).sort()).toEqual(
      [
        [v1.id, v1.net],
        [v2.id, v2.net],
      ].sort(),
    );
    expect((await entries(m.vendorId, "transfer")).map((e) => [e.vo, e.amount, e.key]).sort()).toEqual(
      [
        [v1.id, -v1.net, `payout:${payout?.id}:${v1.id}`],
        [v2.id, -v2.net, `payout:${payout?.id}:${v2.id}`],
      ].sort(),
    );
    // Nothing more to pay until the bank transfer fails: then both vendor orders are credited back and paid again.
    expect((await runPayoutsNow()).queued.filter((q) => q.vendorId === m.vendorId)).toEqual([]);
    await markPayoutFailed(env, { actorId: "usr_test", actorEmail: "ops@example.test", requestId: null }, payout?.id as string, "Bounced by the bank");
    expect((await entries(m.vendorId, "transfer_reversal")).map((e) => [e.vo, e.amount]).sort()).toEqual(
      [
        [v1.id, v1.net],
        [v2.id, v2.net],
      ].sort(),
    );
    await runPayoutsNow();
    const again = await payoutsOf(m.vendorId);
    expect(again.map((p) => [p.amount, p.status])).toEqual([
      [v1.net + v2.net, "failed"],
      [v1.net + v2.net, "pending"],
    ]);
    expect(await balance(m.vendorId)).toBe(0);

    // Staff record the bank transfer: the statement shows its reference on both of its entries (API and CSV); the
    // failed payout's entries and their reversals name it with no reference.
    const [failed, sent] = again as [(typeof again)[number], (typeof again)[number]];
    const pending = await statementOf(m.headers);
    expect(pending.entries.filter((e) => e.payout?.id === sent.id).map((e) => e.payout?.reference)).toEqual([null, null]);
    await markPayoutPaid(env, { actorId: "usr_test", actorEmail: "ops@example.test", requestId: null }, sent.id, "BANK-2026-0107");
    const statement = await statementOf(m.headers);
    const refs = (id: string) => statement.entries.filter((e) => e.payout?.id === id).map((e) => [e.kind, e.payout?.status, e.payout?.reference]);
    expect(refs(sent.id)).toEqual([
      ["transfer", "paid", "BANK-2026-0107"],
      ["transfer", "paid", "BANK-2026-0107"],
    ]);
    expect(refs(failed.id).sort()).toEqual(
      [
        ["transfer", "failed", null],
        ["transfer", "failed", null],
        ["transfer_reversal", "failed", null],
        ["transfer_reversal", "failed", null],
      ].sort(),
    );
    expect(statement.entries.find((e) => e.payout?.id === sent.id)?.payout?.provider).toBe("manual");
    expect(statement.csv.filter((r) => r.reference === "BANK-2026-0107").map((r) => [r.kind, r.payout_id])).toEqual([
      ["transfer", sent.id],
      ["transfer", sent.id],
    ]);
  });
});

describe("exactly once", () => {
  it("a payment webhook replayed three times, two payout runs at once and redelivered messages make one transfer per vendor order", async () => {
    const c = await connectedVendor();
    const d = await connectedVendor();
    await sellerProduct("VOT-C", c.vendor.vendorId, 3_300);
    await sellerProduct("VOT-D", d.vendor.vendorId, 1_700);
    const orders = [
      await stripePurchase(
        [
          { sku: "VOT-C", quantity: 1 },
          { sku: "VOT-D", quantity: 1 },
        ],
        3,
      ),
      await stripePurchase([{ sku: "VOT-C", quantity: 3 }], 3),
    ];
    // The replays wrote each sale once.
    expect(await entries(c.vendor.vendorId, "sale")).toHaveLength(2);
    expect(await entries(d.vendor.vendorId, "sale")).toHaveLength(1);
    const vos = [
      await shipAndDeliver(c.vendor, orders[0] as string),
      await shipAndDeliver(d.vendor, orders[0] as string),
      await shipAndDeliver(c.vendor, orders[1] as string),
    ];
    const asOf = Date.now();
    const [r1, r2] = await Promise.all([queuePayoutRun(env, { now: asOf }), queuePayoutRun(env, { now: asOf })]);
    const mine = [...messagesOf(r1, asOf), ...messagesOf(r2, asOf)].filter(
      (m) => m.kind === "payout" && (m.vendorId === c.vendor.vendorId || m.vendorId === d.vendor.vendorId),
    );
    // Both runs saw the three vendor orders.
    expect(mine).toHaveLength(6);
    await Promise.all([
      deliverPayoutMessages(mine),
      deliverPayoutMessages(mine.slice().reverse(), { attempts: 2 }),
      deliverPayoutMessages(mine, { attempts: 3 }),
    ]);
    // The real queue delivers the runs' messages too, a moment later.
    await new Promise((r) => setTimeout(r, 2_500));
    const keys = await fakeKeys();
    const transfers = [...(await transfersTo(c.account)), ...(await transfersTo(d.account))];
    expect(transfers.map((t) => keys.get(t.id)).sort()).toEqual(vos.map((vo) => `transfer:${vo.id}`).sort());
    for (const vo of vos) {
      expect(transfers.find((t) => keys.get(t.id) === `transfer:${vo.id}`)?.amount).toBe(vo.net);
    }
    const ledger = [...(await entries(c.vendor.vendorId, "transfer")), ...(await entries(d.vendor.vendorId, "transfer"))];
    expect(ledger.map((e) => [e.vo, e.amount]).sort()).toEqual(vos.map((vo) => [vo.id, -vo.net]).sort());
    expect(await balance(c.vendor.vendorId)).toBe(0);
    expect(await balance(d.vendor.vendorId)).toBe(0);
  });
});

describe("refunds after a transfer", () => {
  it("reverses the share from THAT vendor order's transfer, not the seller's newest one", async () => {
    const f = await connectedVendor();
    const finance = await addMember(f.vendor.vendorId, "finance");
    const catalog = await addMember(f.vendor.vendorId, "catalog");
    await sellerProduct("VOT-F", f.vendor.vendorId, 4_000);
    const o1 = await stripePurchase([{ sku: "VOT-F", quantity: 1 }]);
    const v1 = await shipAndDeliver(f.vendor, o1);
    await runPayoutsNow();
    const o2 = await stripePurchase([{ sku: "VOT-F", quantity: 1 }]);
    await shipAndDeliver(f.vendor, o2);
    await runPayoutsNow();
    const [p1, p2] = await payoutsOf(f.vendor.vendorId);
    expect(p1?.vo).toBe(v1.id);
    const half = await refundOrder(env, o1, 2_000, "Arrived scratched", ctx);
    const msg = reversal(f.vendor.vendorId, o1, half.refunded.amount);
    await Promise.all([deliverPayoutMessages([msg]), deliverPayoutMessages([msg], { attempts: 2 })]);
    const back = await entries(f.vendor.vendorId, "transfer_reversal");
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ vo: v1.id, key: `clawback:${p1?.id}:${msg.refundKey}` });
    expect(await reversalsOf(p2?.ref as string)).toEqual([]);
    expect((await reversalsOf(p1?.ref as string)).map((r) => r.amount)).toEqual([back[0]?.amount]);
    // The share is what the refund took from the seller on that vendor order (its gross part less the commission given back).
    const share = await env.DB.prepare("select -sum(amount) as n from vendor_ledger where vendor_order_id = ? and kind in ('refund', 'commission_refund')")
      .bind(v1.id)
      .first<{ n: number }>();
    expect(back[0]?.amount).toBe(share?.n);
    expect(await balance(f.vendor.vendorId)).toBe(0);
    // The reversal's entry on the statement names the transfer it was taken from (API and CSV).
    const statement = await statementOf(f.vendor.headers);
    expect(statement.entries.filter((e) => e.kind === "transfer_reversal").map((e) => e.payout)).toEqual([
      { id: p1?.id, provider: "stripe_connect", status: "paid", reference: p1?.ref },
    ]);
    expect(statement.csv.filter((r) => r.kind === "transfer_reversal").map((r) => [r.payout_id, r.reference])).toEqual([[p1?.id, p1?.ref]]);

    // Announced to the owner and the finance member (not the catalog one), written with the entry: once each,
    // however often the message came (once more now, after the queue's own delivery).
    await deliverPayoutMessages([msg], { attempts: 3 });
    await new Promise((r) => setTimeout(r, 2_500));
    const number = (await env.DB.prepare("select number from orders where id = ?").bind(o1).first<{ number: string }>())?.number;
    const outbox = await env.DB.prepare(
      "select to_address as \"to\", subject, status from email_outbox where template = 'vendor_payout_reversed' and to_address in (?, ?, ?)",
    )
      .bind(f.vendor.email.toLowerCase(), finance.email.toLowerCase(), catalog.email.toLowerCase())
      .all<{ to: string; subject: string; status: string }>();
    expect(outbox.results.map((r) => r.to).sort()).toEqual([f.vendor.email.toLowerCase(), finance.email.toLowerCase()].sort());
    // The consumer claimed the queued rows and sent each once.
    await expect
      .poll(
        async () =>
          (
            await env.DB.prepare(
              "select count(*) as n from email_outbox where template = 'vendor_payout_reversed' and status = 'sent' and to_address in (?, ?)",
            )
              .bind(f.vendor.email.toLowerCase(), finance.email.toLowerCase())
              .first<{ n: number }>()
          )?.n,
        { timeout: 10_000, interval: 200 },
      )
      .toBe(2);
    for (const row of outbox.results) {
      expect(row.subject).toBe(`${formatMoney({ amount: back[0]?.amount as number, currency: "USD" })} was taken back from your payout for order ${number}`);
    }
  });

  it("takes what that transfer cannot cover from the seller's other transfers, newest first", async () => {
    const g = await connectedVendor();
    await sellerProduct("VOT-G0", g.vendor.vendorId, 1_500);
    await sellerProduct("VOT-G", g.vendor.vendorId, 5_000);
    // A first sale paid out, then refunded while the account refuses reversals: the seller owes its net.
    const o0 = await stripePurchase([{ sku: "VOT-G0", quantity: 1 }]);
    const v0 = await shipAndDeliver(g.vendor, o0);
    await runPayoutsNow();
    await setAccount(g.account, { refuse_reversals: true });
    const r0 = await refundOrder(env, o0, undefined, "Lost in transit", ctx);
    await deliverPayoutMessages([reversal(g.vendor.vendorId, o0, r0.refunded.amount)]);
    expect(await balance(g.vendor.vendorId)).toBe(-v0.net);
    // The refund also put the message on the real queue: let it be refused too before the account accepts reversals again.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await balance(g.vendor.vendorId)).toBe(-v0.net);
    await setAccount(g.account, { refuse_reversals: false });
    // The next transfer nets the debt; the one after is paid in full.
    const o1 = await stripePurchase([{ sku: "VOT-G", quantity: 1 }]);
    const v1 = await shipAndDeliver(g.vendor, o1);
    await runPayoutsNow();
    const o2 = await stripePurchase([{ sku: "VOT-G", quantity: 1 }]);
    const v2 = await shipAndDeliver(g.vendor, o2);
    await runPayoutsNow();
    const [p0, p1, p2] = await payoutsOf(g.vendor.vendorId);
    expect([p0?.amount, p1?.amount, p2?.amount]).toEqual([v0.net, v1.net - v0.net, v2.net]);
    expect(await balance(g.vendor.vendorId)).toBe(0);
    // A refund of o1 in full: its transfer has only v1.net - v0.net; the rest comes from the newest other transfer (o2's).
    const r1 = await refundOrder(env, o1, undefined, "Returned", ctx);
    const msg = reversal(g.vendor.vendorId, o1, r1.refunded.amount);
    await deliverPayoutMessages([msg]);
    await deliverPayoutMessages([msg], { attempts: 2 });
    expect((await reversalsOf(p1?.ref as string)).map((r) => r.amount)).toEqual([v1.net - v0.net]);
    expect((await reversalsOf(p2?.ref as string)).map((r) => r.amount)).toEqual([v0.net]);
    expect((await reversalsOf(p0?.ref as string)).map((r) => r.amount)).toEqual([]);
    expect((await entries(g.vendor.vendorId, "transfer_reversal")).map((e) => e.amount).reduce((s, x) => s + x, 0)).toBe(v1.net);
    expect(await balance(g.vendor.vendorId)).toBe(0);
  });

  it("what no transfer covers stays owed, and the next transfer nets it", async () => {
    // Paid by hand first (a bank transfer cannot be reversed), then through Stripe.
    const h = await connectedVendor();
    await env.DB.prepare("update vendors set payout_provider = 'manual' where id = ?").bind(h.vendor.vendorId).run();
    await sellerProduct("VOT-H0", h.vendor.vendorId, 2_000);
    await sellerProduct("VOT-H", h.vendor.vendorId, 6_000);
    const o0 = await stripePurchase([{ sku: "VOT-H0", quantity: 1 }]);
    const v0 = await shipAndDeliver(h.vendor, o0);
    await runPayoutsNow();
    expect((await payoutsOf(h.vendor.vendorId)).map((p) => p.provider)).toEqual(["manual"]);
    await env.DB.prepare("update vendors set payout_provider = 'stripe' where id = ?").bind(h.vendor.vendorId).run();
    const o1 = await stripePurchase([{ sku: "VOT-H", quantity: 1 }]);
    const v1 = await shipAndDeliver(h.vendor, o1);
    await runPayoutsNow();
    const [, p1] = await payoutsOf(h.vendor.vendorId);
    expect(p1).toMatchObject({ amount: v1.net, provider: "stripe_connect", vo: v1.id });
    // Refund o0 (paid by hand): nothing to reverse it from but o1's transfer, which is another order's: taken from it.
    // Then refund o1 in full: its transfer has v1.net - v0.net left; what is left owed is netted by the next transfer.
    const r0 = await refundOrder(env, o0, undefined, "Wrong size", ctx);
    await deliverPayoutMessages([reversal(h.vendor.vendorId, o0, r0.refunded.amount)]);
    expect((await reversalsOf(p1?.ref as string)).map((r) => r.amount)).toEqual([v0.net]);
    const r1 = await refundOrder(env, o1, undefined, "Returned", ctx);
    await deliverPayoutMessages([reversal(h.vendor.vendorId, o1, r1.refunded.amount)]);
    expect((await reversalsOf(p1?.ref as string)).map((r) => r.amount)).toEqual([v0.net, v1.net - v0.net]);
    expect(await balance(h.vendor.vendorId)).toBe(-v0.net);
    const o2 = await stripePurchase([{ sku: "VOT-H", quantity: 1 }]);
    const v2 = await shipAndDeliver(h.vendor, o2);
    await runPayoutsNow();
    const last = (await payoutsOf(h.vendor.vendorId)).at(-1);
    expect(last).toMatchObject({ vo: v2.id, amount: v2.net - v0.net });
    expect(await balance(h.vendor.vendorId)).toBe(0);
    // Ledger sums: sales less commissions, refunds, transfers and reversals add up to the balance.
    const sums = await env.DB.prepare("select kind, sum(amount) as n from vendor_ledger where vendor_id = ? group by kind")
      .bind(h.vendor.vendorId)
      .all<{ kind: string; n: number }>();
    const by = Object.fromEntries(sums.results.map((r) => [r.kind, r.n]));
    expect(by.transfer).toBe(-(v0.net + v1.net + v2.net - v0.net));
    expect(by.transfer_reversal).toBe(v1.net);
  });
});

describe("random refund sequences around per-vendor-order transfers", () => {
  it("leave every seller's balance equal to what it earned less what Stripe holds for it, with at most one transfer per vendor order", async () => {
    const a = await connectedVendor();
    const b = await connectedVendor();
    await sellerProduct("VOT-RA", a.vendor.vendorId, 2_345);
    await sellerProduct("VOT-RB", b.vendor.vendorId, 3_999);
    const earned = new Map<string, number>([
      [a.vendor.vendorId, 0],
      [b.vendor.vendorId, 0],
    ]);
    const vendorOrderIds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const orderId = await stripePurchase([
        { sku: "VOT-RA", quantity: 1 + round },
        { sku: "VOT-RB", quantity: 1 },
      ]);
      const total = (await env.DB.prepare("select grand_total as n from orders where id = ?").bind(orderId).first<{ n: number }>())?.n as number;
      const vos = (
        await env.DB.prepare("select id, vendor_id as vendorId, gross_total as gross, commission_total as commission from vendor_orders where order_id = ?")
          .bind(orderId)
          .all<{ id: string; vendorId: string; gross: number; commission: number }>()
      ).results;
      vendorOrderIds.push(...vos.map((vo) => vo.id));
      await shipAndDeliver(a.vendor, orderId);
      await shipAndDeliver(b.vendor, orderId);
      // Paid out before the refunds in some rounds, between them in others, or only after.
      const payAt = Math.floor(Math.random() * 3);
      if (payAt === 0) await runPayoutsNow();
      let refunded = 0;
      const parts = [1 + Math.floor(Math.random() * (total / 2)), ...(round === 2 ? [] : [1 + Math.floor(Math.random() * (total / 3))])];
      if (round === 1) parts.push(total - parts.reduce((s, p) => s + p, 0));
      for (const [i, amount] of parts.entries()) {
        const r = await refundOrder(env, orderId, amount, `part ${i + 1}`, ctx);
        refunded = r.refunded.amount;
        await deliverPayoutMessages([reversal(a.vendor.vendorId, orderId, refunded), reversal(b.vendor.vendorId, orderId, refunded)]);
        if (payAt === 1 && i === 0) await runPayoutsNow();
      }
      for (const vo of vos) {
        const back = (x: number) => (refunded >= total ? x : Math.floor((x * refunded) / total));
        earned.set(vo.vendorId, (earned.get(vo.vendorId) ?? 0) + vo.gross - vo.commission - back(vo.gross) + back(vo.commission));
      }
      await runPayoutsNow();
    }
    await new Promise((r) => setTimeout(r, 2_500));
    const keys = await fakeKeys();
    for (const { vendor, account } of [a, b]) {
      const transfers = await transfersTo(account);
      let atStripe = 0;
      for (const t of transfers) atStripe += t.amount - (await reversalsOf(t.id)).reduce((s, r) => s + r.amount, 0);
      expect(await balance(vendor.vendorId)).toBe((earned.get(vendor.vendorId) ?? 0) - atStripe);
      // Every transfer is a vendor order's, and no vendor order has two.
      const transferKeys = transfers.map((t) => keys.get(t.id) as string);
      expect(new Set(transferKeys).size).toBe(transferKeys.length);
      for (const key of transferKeys) expect(vendorOrderIds).toContain(key.replace(/^transfer:/, ""));
    }
  });
});
