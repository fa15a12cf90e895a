import { getDb } from "../../db/client";
import type { AuditActor } from "../../lib/audit";
import { commitSettingsChange } from "../../lib/settings-write";
import type { ReviewSettings } from "../schema";
import { reviewSettings as settingsTable } from "../tables";

const DEFAULTS: ReviewSettings = { moderation: "auto", reminderDays: 7 };

/** The store's review settings (moderation mode, reminder delay). */
export async function reviewSettings(env: Env): Promise<ReviewSettings> {
  const row = await env.DB.prepare("SELECT moderation, reminder_days FROM review_settings WHERE id = 1").first<{
    moderation: ReviewSettings["moderation"];
    reminder_days: number;
  }>();
  return row ? { moderation: row.moderation, reminderDays: row.reminder_days } : DEFAULTS;
}

/** Changes the review settings (audited, `settings.reviews`); answers the new settings. */
export async function updateReviewSettings(env: Env, actor: AuditActor, body: ReviewSettings): Promise<ReviewSettings> {
  const before = await reviewSettings(env);
  const db = getDb(env.DB);
  const values = { moderation: body.moderation, reminderDays: body.reminderDays, updatedAt: new Date().toISOString(), updatedBy: actor.actorId };
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.reviews", entityType: "settings", entityId: "reviews", before, after: body },
    [
      db
        .insert(settingsTable)
        .values({ id: 1, ...values })
        .onConflictDoUpdate({ target: settingsTable.id, set: values }),
    ],
    { forget: () => {}, pagesChange: false },
  );
  return body;
}
