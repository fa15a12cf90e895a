import { pruneAnalyticsEvents } from "./analytics/service";
import { expireAbandonedPayments } from "./payments/service";

/** Cron jobs (wrangler.toml `triggers.crons`): sweeps that must happen even when nobody calls. */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const expired = await expireAbandonedPayments(env, env.PUBLIC_ORIGIN ?? "");
  const removed = await pruneAnalyticsEvents(env.DB, 90);
  console.log(JSON.stringify({ level: "info", msg: "scheduled", cron: controller.cron, abandonedPaymentsExpired: expired, analyticsEventsPruned: removed }));
}
