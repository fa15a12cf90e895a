import { DurableObject } from "cloudflare:workers";

export type HoldStatus = "held" | "committed" | "released";

export interface StockSnapshot {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  version: number;
}

export type ReserveResult =
  | { ok: true; holdId: string; available: number }
  | { ok: false; reason: "insufficient_stock" | "hold_released" | "invalid_quantity"; available: number };
export type CommitResult = { ok: true; onHand: number } | { ok: false; reason: "insufficient_stock" | "unknown_hold" };
export type AdjustResult = { ok: true; snapshot: StockSnapshot } | { ok: false; reason: "negative_stock"; snapshot: StockSnapshot };

export type Movement = {
  id: string;
  kind: "init" | "reserve" | "commit" | "release" | "expire" | "adjust";
  quantity: number;
  onHandAfter: number;
  availableAfter: number;
  reason: string | null;
  refId: string | null;
  at: string;
};

/**
 * The stock of ONE SKU: on-hand units and reservations (holds) that expire.
 *
 * Every state change is a run of synchronous SQLite statements with no await
 * in between, so concurrent calls cannot interleave inside it and stock never
 * goes below zero (the measured alternative, read-then-write in D1, oversold).
 * Every method is idempotent by its id (hold id or adjustment id): a retried
 * call changes nothing the second time. Expired holds are released by the
 * alarm (at-least-once, so releasing is idempotent too) and lazily by any call.
 * After a change, the available figure is mirrored to D1 (versioned, so a late
 * mirror write never overwrites a newer one) and a low-stock alert is queued
 * once when available stock crosses the SKU's threshold.
 */
export class InventoryLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      create table if not exists ledger (sku text primary key, on_hand integer not null, version integer not null, threshold integer not null, alert_armed integer not null);
      create table if not exists holds (id text primary key, qty integer not null, expires_at integer not null, status text not null, created_at integer not null);
      create index if not exists holds_status_expiry on holds (status, expires_at);
      create table if not exists movements (seq integer primary key autoincrement, id text not null unique, kind text not null, quantity integer not null, on_hand_after integer not null, available_after integer not null, reason text, ref_id text, at text not null);
      create table if not exists applied (op_id text primary key, result text not null);
    `);
  }

  // ---- state helpers (synchronous) ----

  private row(): { sku: string; on_hand: number; version: number; threshold: number; alert_armed: number } | undefined {
    return this.sql.exec<{ sku: string; on_hand: number; version: number; threshold: number; alert_armed: number }>("select * from ledger").toArray()[0];
  }

  private reserved(): number {
    return this.sql.exec<{ n: number }>("select coalesce(sum(qty), 0) as n from holds where status = 'held'").one().n;
  }

  private snapshotSync(): StockSnapshot {
    const r = this.row();
    if (!r) throw new Error("ledger not initialised");
    const reserved = this.reserved();
    return { sku: r.sku, onHand: r.on_hand, reserved, available: r.on_hand - reserved, lowStockThreshold: r.threshold, version: r.version };
  }

  private record(kind: Movement["kind"], quantity: number, reason: string | null, refId: string | null, now: number): void {
    this.sql.exec("update ledger set version = version + 1");
    const s = this.snapshotSync();
    this.sql.exec(
      "insert into movements (id, kind, quantity, on_hand_after, available_after, reason, ref_id, at) values (?, ?, ?, ?, ?, ?, ?, ?)",
      `${s.sku}:${s.version}`,
      kind,
      quantity,
      s.onHand,
      s.available,
      reason,
      refId,
      new Date(now).toISOString(),
    );
  }

  /** Releases holds whose time is up. Returns how many. */
  private sweepExpired(now: number): number {
    const expired = this.sql.exec<{ id: string; qty: number }>("select id, qty from holds where status = 'held' and expires_at <= ?", now).toArray();
    for (const h of expired) {
      this.sql.exec("update holds set status = 'released' where id = ?", h.id);
      this.record("expire", h.qty, "hold expired", h.id, now);
    }
    return expired.length;
  }

  private async armAlarm(): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("select min(expires_at) as at from holds where status = 'held'").one().at;
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next) await this.ctx.storage.setAlarm(next);
  }

  /**
   * First use of this SKU: its opening stock and threshold come from the
   * catalog row the seed or admin created. Other calls wait meanwhile.
   */
  private async ready(sku: string): Promise<void> {
    if (this.row()) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.row()) return;
      const variant = await this.env.DB.prepare("select stock_available as stock, low_stock_threshold as threshold from product_variants where sku = ?")
        .bind(sku)
        .first<{ stock: number; threshold: number }>();
      const onHand = Math.max(0, variant?.stock ?? 0);
      const threshold = variant?.threshold ?? 5;
      this.sql.exec(
        "insert into ledger (sku, on_hand, version, threshold, alert_armed) values (?, ?, 0, ?, ?)",
        sku,
        onHand,
        threshold,
        onHand > threshold ? 1 : 0,
      );
      this.record("init", onHand, "opening stock from catalog", null, Date.now());
    });
  }

  /** After a change: mirror to D1 and raise a low-stock alert on a downward crossing. Outside the critical section. */
  private async publish(): Promise<void> {
    const s = this.snapshotSync();
    const r = this.row();
    let alert = false;
    if (r) {
      if (s.available <= s.lowStockThreshold && r.alert_armed === 1) {
        this.sql.exec("update ledger set alert_armed = 0");
        alert = true;
      } else if (s.available > s.lowStockThreshold && r.alert_armed === 0) {
        this.sql.exec("update ledger set alert_armed = 1");
      }
    }
    const fresh = this.sql
      .exec<Movement & { seq: number }>(
        "select seq, id, kind, quantity, on_hand_after as onHandAfter, available_after as availableAfter, reason, ref_id as refId, at from movements where seq > coalesce((select cast(result as integer) from applied where op_id = '#mirrored'), 0) order by seq",
      )
      .toArray();
    try {
      const db = this.env.DB;
      await db.batch([
        // What anonymous shoppers see (out of stock / "only N left" up to 5 / in stock) changes: move the catalog
        // version on (docs/caching.md) so cached product answers and pages are rendered again. Before the update.
        db
          .prepare(
            "insert into cache_versions (name, version) select 'catalog', 1 from product_variants where sku = ? and stock_version < ? and min(max(stock_available, 0), 6) <> min(max(?, 0), 6) on conflict (name) do update set version = version + 1",
          )
          .bind(s.sku, s.version, s.available),
        // The product's in-stock flag follows by trigger (search_variants_au, migration 0002).
        db
          .prepare("update product_variants set stock_available = ?, stock_version = ? where sku = ? and stock_version < ?")
          .bind(Math.max(0, s.available), s.version, s.sku, s.version),
        ...fresh.map((m) =>
          db
            .prepare(
              "insert into stock_movements (id, sku, kind, quantity, on_hand_after, available_after, reason, ref_id, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(id) do nothing",
            )
            .bind(m.id, s.sku, m.kind, m.quantity, m.onHandAfter, m.availableAfter, m.reason, m.refId, m.at),
        ),
      ]);
      const last = fresh.at(-1);
      if (last)
        this.sql.exec(
          "insert into applied (op_id, result) values ('#mirrored', ?) on conflict(op_id) do update set result = excluded.result",
          String(last.seq),
        );
    } catch (err) {
      // The next change (or the next alarm) mirrors again; versions keep it monotonic.
      console.error(JSON.stringify({ level: "error", msg: "stock mirror failed", sku: s.sku, error: String(err) }));
    }
    if (alert) {
      await this.env.EMAIL_QUEUE.send(
        {
          id: `lowstock:${s.sku}:${s.version}`,
          template: "low_stock",
          to: "admins",
          data: { sku: s.sku, available: s.available, threshold: s.lowStockThreshold },
        },
        { contentType: "json" },
      );
    }
  }

  // ---- RPC methods ----

  /** Stock on hand, reserved and available. */
  async snapshot(sku: string): Promise<StockSnapshot> {
    await this.ready(sku);
    if (this.sweepExpired(Date.now()) > 0) await this.publish();
    return this.snapshotSync();
  }

  /**
   * Holds `qty` units for `ttlMs`. Same `holdId` again: the same answer, no
   * second hold. Never leaves available stock below zero.
   */
  async reserve(sku: string, holdId: string, qty: number, ttlMs: number): Promise<ReserveResult> {
    await this.ready(sku);
    const now = Date.now();
    const swept = this.sweepExpired(now);
    const existing = this.sql.exec<{ status: HoldStatus }>("select status from holds where id = ?", holdId).toArray()[0];
    if (existing) {
      const available = this.snapshotSync().available;
      if (swept) await this.publish();
      return existing.status === "released" ? { ok: false, reason: "hold_released", available } : { ok: true, holdId, available };
    }
    if (!Number.isInteger(qty) || qty <= 0) return { ok: false, reason: "invalid_quantity", available: this.snapshotSync().available };
    const available = this.snapshotSync().available;
    if (available < qty) {
      if (swept) await this.publish();
      return { ok: false, reason: "insufficient_stock", available };
    }
    this.sql.exec("insert into holds (id, qty, expires_at, status, created_at) values (?, ?, ?, 'held', ?)", holdId, qty, now + ttlMs, now);
    this.record("reserve", qty, null, holdId, now);
    const after = this.snapshotSync().available;
    await this.armAlarm();
    await this.publish();
    return { ok: true, holdId, available: after };
  }

  /**
   * Turns a hold into a sale (on hand goes down). Idempotent. A hold that
   * expired meanwhile is re-reserved on the spot if stock is left; otherwise
   * the answer is `insufficient_stock` and the caller refunds.
   */
  async commit(sku: string, holdId: string, qtyIfExpired?: number): Promise<CommitResult> {
    await this.ready(sku);
    const now = Date.now();
    this.sweepExpired(now);
    const hold = this.sql.exec<{ qty: number; status: HoldStatus }>("select qty, status from holds where id = ?", holdId).toArray()[0];
    if (hold?.status === "committed") return { ok: true, onHand: this.snapshotSync().onHand };
    const qty = hold?.qty ?? qtyIfExpired;
    if (!qty) return { ok: false, reason: "unknown_hold" };
    if (!hold || hold.status === "released") {
      if (this.snapshotSync().available < qty) {
        await this.publish();
        return { ok: false, reason: "insufficient_stock" };
      }
      this.sql.exec(
        "insert into holds (id, qty, expires_at, status, created_at) values (?, ?, ?, 'committed', ?) on conflict(id) do update set status = 'committed', qty = excluded.qty",
        holdId,
        qty,
        now,
        now,
      );
    } else {
      this.sql.exec("update holds set status = 'committed' where id = ?", holdId);
    }
    this.sql.exec("update ledger set on_hand = on_hand - ?", qty);
    this.record("commit", qty, hold?.status === "held" ? null : "re-reserved after expiry", holdId, now);
    await this.publish();
    return { ok: true, onHand: this.snapshotSync().onHand };
  }

  /** Gives held units back. Idempotent; a committed hold is left alone. */
  async release(sku: string, holdId: string, reason = "released"): Promise<{ released: boolean }> {
    await this.ready(sku);
    const hold = this.sql.exec<{ qty: number; status: HoldStatus }>("select qty, status from holds where id = ?", holdId).toArray()[0];
    if (!hold || hold.status !== "held") return { released: false };
    this.sql.exec("update holds set status = 'released' where id = ?", holdId);
    this.record("release", hold.qty, reason, holdId, Date.now());
    await this.publish();
    return { released: true };
  }

  /**
   * Changes on-hand stock by `delta` (a delivery, a count, damage) with a
   * reason. Idempotent by `opId`. On hand may not drop below what is held.
   */
  async adjust(sku: string, opId: string, delta: number, reason: string): Promise<AdjustResult> {
    await this.ready(sku);
    const done = this.sql.exec<{ result: string }>("select result from applied where op_id = ?", opId).toArray()[0];
    if (done) return JSON.parse(done.result) as AdjustResult;
    this.sweepExpired(Date.now());
    const before = this.snapshotSync();
    if (!Number.isInteger(delta) || before.onHand + delta < before.reserved) return { ok: false, reason: "negative_stock", snapshot: before };
    this.sql.exec("update ledger set on_hand = on_hand + ?", delta);
    this.record("adjust", delta, reason, opId, Date.now());
    const result: AdjustResult = { ok: true, snapshot: this.snapshotSync() };
    this.sql.exec("insert into applied (op_id, result) values (?, ?)", opId, JSON.stringify(result));
    await this.publish();
    return result;
  }

  /** Sets the low-stock threshold. */
  async setThreshold(sku: string, threshold: number): Promise<StockSnapshot> {
    await this.ready(sku);
    this.sql.exec("update ledger set threshold = ?", threshold);
    await this.publish();
    return this.snapshotSync();
  }

  /** The newest movements, newest first. */
  async movements(sku: string, limit = 50): Promise<Movement[]> {
    await this.ready(sku);
    return this.sql
      .exec<Movement>(
        "select id, kind, quantity, on_hand_after as onHandAfter, available_after as availableAfter, reason, ref_id as refId, at from movements order by seq desc limit ?",
        limit,
      )
      .toArray();
  }

  /** Releases expired holds and re-arms for the next expiry. Safe to run twice. */
  override async alarm(): Promise<void> {
    if (!this.row()) return;
    if (this.sweepExpired(Date.now()) > 0) await this.publish();
    await this.armAlarm();
  }
}
