import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { InventoryLedger } from "../../durable-objects/inventory-ledger";
import { listOutboxFor } from "../../worker/notifications";
import { insertCategory, insertProduct, insertUser } from "../support/factories";

const ledger = (sku: string) => env.INVENTORY_LEDGER.getByName(sku);

async function product(sku: string, stock: number, threshold = 5) {
  const category = await insertCategory(env.DB, { slug: `cat-${sku.toLowerCase()}` });
  await insertProduct(env.DB, {
    category,
    variants: [{ sku, title: "Default", options: {}, price: 1000, stockAvailable: stock, lowStockThreshold: threshold }],
  });
}

async function mirror(sku: string) {
  return env.DB.prepare(
    "select v.stock_available as available, p.in_stock as inStock from product_variants v join products p on p.id = v.product_id where v.sku = ?",
  )
    .bind(sku)
    .first<{ available: number; inStock: number }>();
}

beforeAll(async () => {
  await insertUser(env.DB, { role: "admin", email: "stock-admin@example.test" });
});

describe("InventoryLedger", () => {
  it("opens with the catalog's stock and reserves, commits and releases idempotently", async () => {
    await product("LED-A", 10);
    expect(await ledger("LED-A").snapshot("LED-A")).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
    expect(await ledger("LED-A").reserve("LED-A", "hold-1", 3, 60_000)).toEqual({ ok: true, holdId: "hold-1", available: 7 });
    // The same hold again: no second reservation.
    expect(await ledger("LED-A").reserve("LED-A", "hold-1", 3, 60_000)).toEqual({ ok: true, holdId: "hold-1", available: 7 });
    expect(await ledger("LED-A").commit("LED-A", "hold-1")).toEqual({ ok: true, onHand: 7 });
    expect(await ledger("LED-A").commit("LED-A", "hold-1")).toEqual({ ok: true, onHand: 7 });
    await ledger("LED-A").reserve("LED-A", "hold-2", 2, 60_000);
    expect(await ledger("LED-A").release("LED-A", "hold-2")).toEqual({ released: true });
    expect(await ledger("LED-A").release("LED-A", "hold-2")).toEqual({ released: false });
    expect(await ledger("LED-A").snapshot("LED-A")).toMatchObject({ onHand: 7, reserved: 0, available: 7 });
    const kinds = (await ledger("LED-A").movements("LED-A")).map((m) => m.kind).reverse();
    expect(kinds).toEqual(["init", "reserve", "commit", "reserve", "release"]);
    expect(await mirror("LED-A")).toEqual({ available: 7, inStock: 1 });
  });

  it("refuses to reserve more than is available and never goes negative", async () => {
    await product("LED-B", 2);
    expect(await ledger("LED-B").reserve("LED-B", "b-1", 3, 60_000)).toEqual({ ok: false, reason: "insufficient_stock", available: 2 });
    expect(await ledger("LED-B").reserve("LED-B", "b-2", 0, 60_000)).toMatchObject({ ok: false, reason: "invalid_quantity" });
    expect(await ledger("LED-B").reserve("LED-B", "b-3", 2, 60_000)).toMatchObject({ ok: true, available: 0 });
    expect(await mirror("LED-B")).toEqual({ available: 0, inStock: 0 });
  });

  it("sells exactly the stock to 500 concurrent buyers", async () => {
    await product("LED-RACE", 10);
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => ledger("LED-RACE").reserve("LED-RACE", `race-${i}`, 1, 60_000)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const snapshot = await ledger("LED-RACE").snapshot("LED-RACE");
    expect(snapshot).toMatchObject({ onHand: 10, reserved: 10, available: 0 });
    expect((await mirror("LED-RACE"))?.available).toBe(0);
  });

  it("releases expired holds by alarm, and a second alarm changes nothing", async () => {
    await product("LED-EXP", 5);
    await ledger("LED-EXP").reserve("LED-EXP", "short", 4, 60_000);
    // Let the hold's time run out without waiting a minute.
    await runInDurableObject(ledger("LED-EXP"), (instance: InventoryLedger, state) => {
      state.storage.sql.exec("update holds set expires_at = ? where id = 'short'", Date.now() - 1);
      return instance;
    });
    expect(await runDurableObjectAlarm(ledger("LED-EXP"))).toBe(true);
    const after = await ledger("LED-EXP").snapshot("LED-EXP");
    expect(after).toMatchObject({ reserved: 0, available: 5 });
    // Alarms are at-least-once: the same alarm again.
    await runInDurableObject(ledger("LED-EXP"), (instance: InventoryLedger) => instance.alarm());
    expect(await ledger("LED-EXP").snapshot("LED-EXP")).toEqual(after);
    expect((await ledger("LED-EXP").movements("LED-EXP")).filter((m) => m.kind === "expire")).toHaveLength(1);
  });

  it("commits a payment that arrives after its hold expired if stock is left, and refuses when it is not", async () => {
    await product("LED-LATE", 2);
    await ledger("LED-LATE").reserve("LED-LATE", "late-1", 1, 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await ledger("LED-LATE").commit("LED-LATE", "late-1", 1)).toEqual({ ok: true, onHand: 1 });
    await ledger("LED-LATE").reserve("LED-LATE", "late-2", 1, 1);
    await new Promise((r) => setTimeout(r, 5));
    await ledger("LED-LATE").reserve("LED-LATE", "other", 1, 60_000);
    expect(await ledger("LED-LATE").commit("LED-LATE", "late-2", 1)).toEqual({ ok: false, reason: "insufficient_stock" });
  });

  it("adjusts on-hand stock idempotently by operation id, never below what is held", async () => {
    await product("LED-ADJ", 3);
    const first = await ledger("LED-ADJ").adjust("LED-ADJ", "delivery-1", 20, "delivery");
    expect(first).toMatchObject({ ok: true, snapshot: { onHand: 23 } });
    expect(await ledger("LED-ADJ").adjust("LED-ADJ", "delivery-1", 20, "delivery")).toEqual(first);
    await ledger("LED-ADJ").reserve("LED-ADJ", "adj-hold", 20, 60_000);
    expect(await ledger("LED-ADJ").adjust("LED-ADJ", "damage-1", -5, "damaged")).toMatchObject({ ok: false, reason: "negative_stock" });
    const movements = await env.DB.prepare("select kind, quantity from stock_movements where sku = 'LED-ADJ' order by at, id").all();
    expect(movements.results.map((m) => m.kind)).toEqual(["init", "adjust", "reserve"]);
  });

  it("queues one low-stock alert per crossing for every admin, not one per sale", async () => {
    await product("LED-LOW", 8, 5);
    for (let i = 0; i < 6; i++) await ledger("LED-LOW").reserve("LED-LOW", `low-${i}`, 1, 60_000);
    let alerts: Awaited<ReturnType<typeof listOutboxFor>> = [];
    await expect
      .poll(
        async () => {
          alerts = (await listOutboxFor(env, "stock-admin@example.test", "low_stock")).filter((m) => m.subject === "Low stock: LED-LOW");
          return alerts.length;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(1);
    expect(alerts[0]?.subject).toBe("Low stock: LED-LOW");
    // Back above the threshold and down again: a second crossing, a second alert.
    for (let i = 0; i < 6; i++) await ledger("LED-LOW").release("LED-LOW", `low-${i}`);
    for (let i = 0; i < 4; i++) await ledger("LED-LOW").reserve("LED-LOW", `low-again-${i}`, 1, 60_000);
    await expect
      .poll(async () => (await listOutboxFor(env, "stock-admin@example.test", "low_stock")).filter((m) => m.subject === "Low stock: LED-LOW").length, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(2);
  }, 30_000);
});
