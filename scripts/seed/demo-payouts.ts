// The demo marketplace's payouts go through the store's own payout code (worker/vendors): the queue consumer's
// `runPayout` creates a manual payout of everything a demo seller can be paid, with its payout items and
// `transfer` ledger entries in one batch, and `markPayoutPaid` records the bank transfer as staff do.
//
// The Worker's code does not run in Node as it is (extensionless imports, `cloudflare:` modules), so
// `npm run users:demo` bundles this file with esbuild (scripts/users.ts); the workerd tests import it directly.
// The whole API is imported for its side effects: the orders and returns domains register when a sale is released
// (its parcel's delivery plus the hold, no open return) exactly as the running store does.
import "../../worker/api";
import { markPayoutPaid, runPayout } from "../../worker/vendors";
import type { DemoPayoutRunner } from "./marketplace.ts";

/** The demo's payouts, run with `env` (the local D1 as `DB`; no Stripe key, so every payout is manual). */
export function demoPayouts(env: Env): DemoPayoutRunner {
  return {
    async pay({ id, vendorId, currency, asOf }) {
      await runPayout(env, { kind: "payout", payoutId: id, vendorId, currency, asOf, actor: null, vendorOrderId: null });
      const row = await env.DB.prepare("select status from payouts where id = ?").bind(id).first<{ status: "pending" | "paid" | "failed" }>();
      return row?.status ?? null;
    },
    async markPaid(id, reference) {
      await markPayoutPaid(env, { actorId: "system:demo-seed", actorEmail: "admin@demo.test", requestId: null }, id, reference);
    },
  };
}
