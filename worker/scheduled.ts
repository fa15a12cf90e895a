import { pruneAnalyticsEvents } from "./analytics/service";

/** Cron jobs (wrangler.toml `triggers.crons`). Later issues add sweeps here (expired holds, outbox, reconciliation). */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const removed = await pruneAnalyticsEvents(env.DB, 90);
  console.log(JSON.stringify({ level: "info", msg: "scheduled", cron: controller.cron, analyticsEventsPruned: removed }));
}
