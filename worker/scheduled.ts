import { analyticsSettings, pruneAnalyticsEvents, rollupRecentDays } from "./analytics";
import { runLoyaltySweeps } from "./loyalty";
import { sweepOrphanPrivatePhotos } from "./media";
import { expireAbandonedPayments, reconcileStripePayments } from "./orders";
import { loyaltyMaturityCheck } from "./returns";
import { sendReviewRequests } from "./reviews";
import { refreshRecommendations } from "./recommendations";
import { markSlaBreaches, sweepAbandonedChats } from "./support";
import { queuePayoutRun } from "./vendors";
import { sweepBackInStock } from "./wishlist";

/** The daily cron (wrangler.toml `triggers.crons`): reconciliation of payments against Stripe, queueing the vendor payout run, then the sweep of unattached private photos. */
export const DAILY_CRON = "30 3 * * *";

/** Cron jobs (wrangler.toml `triggers.crons`): sweeps that must happen even when nobody calls. */
export async function handleScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const origin = env.PUBLIC_ORIGIN ?? "";
  if (controller.cron === DAILY_CRON) {
    const reconciled = await reconcileStripePayments(env, origin, controller.scheduledTime);
    // After reconciliation, so payments it recovered are in the vendors' ledgers before they are paid.
    const payouts = await queuePayoutRun(env, { now: controller.scheduledTime });
    const orphanPhotos = await sweepOrphanPrivatePhotos(env, controller.scheduledTime);
    console.log(
      JSON.stringify({
        level: "info",
        msg: "scheduled",
        cron: controller.cron,
        reconciled: reconciled ? { ...reconciled, actions: reconciled.actions.length } : "no stripe",
        payoutsQueued: payouts.queued.length,
        orphanPhotosRemoved: orphanPhotos.removed,
      }),
    );
    return;
  }
  const swept = await expireAbandonedPayments(env, origin);
  const removed = await pruneAnalyticsEvents(env, (await analyticsSettings(env)).retentionDays);
  const rolledUp = await rollupRecentDays(env, controller.scheduledTime);
  const reviewRequests = await sendReviewRequests(env, origin, controller.scheduledTime);
  const slaBreaches = await markSlaBreaches(env);
  const chatsEnded = await sweepAbandonedChats(env);
  const backInStock = await sweepBackInStock(env);
  const recommendations = await refreshRecommendations(env, controller.scheduledTime);
  const loyalty = await runLoyaltySweeps(env, origin, loyaltyMaturityCheck, controller.scheduledTime);
  console.log(
    JSON.stringify({
      level: "info",
      msg: "scheduled",
      cron: controller.cron,
      abandonedPayments: swept,
      analyticsEventsPruned: removed,
      analyticsDaysRolledUp: rolledUp,
      slaBreaches,
      chatsEnded,
      reviewRequests,
      backInStock,
      recommendations,
      loyalty,
    }),
  );
}
