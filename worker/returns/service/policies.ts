import { eq } from "drizzle-orm";
import { getDb } from "../../db/client";
import { AppError } from "../../lib/errors";
import type { AuditActor } from "../../lib/audit";
import { MemoCache } from "../../lib/memo-cache";
import { onCacheVersionChange } from "../../lib/cache-version";
import { commitSettingsChange } from "../../lib/settings-write";
import { type Block, blocksToHtml, parsePolicyMarkdown } from "../markdown";
import type { PolicyBody, PolicyView } from "../schema";
import { type PolicySlug, POLICY_SLUGS, storePolicies } from "../tables";
import { returnSettings } from "./settings";

const cache = new MemoCache(8);
onCacheVersionChange(() => cache.purge());

export const POLICY_TITLES: Record<PolicySlug, string> = {
  shipping: "Shipping policy",
  returns: "Returns policy",
  privacy: "Privacy policy",
  terms: "Terms of service",
};

/** What a policy says until staff write their own (the returns one follows the return settings). */
async function defaultBody(env: Env, slug: PolicySlug): Promise<string> {
  if (slug === "returns") {
    const s = await returnSettings(env);
    return [
      `You can return delivered items within **${s.windowDays} days** of delivery for a refund.`,
      "## How to return",
      "- Open your order (from your account, or the link in your order email) and choose **Return items**.",
      "- Pick the items, the quantity and a reason. We answer with instructions.",
      `- Return shipping is paid by ${s.shippingPaidBy === "store" ? "us" : "you"}.`,
      ...(s.restockingFeePercent > 0 ? [`- A restocking fee of ${s.restockingFeePercent}% is kept from refunds.`] : []),
      "## Refunds",
      "Once the parcel is back and checked, we refund what you paid for the items to your original payment method.",
    ].join("\n");
  }
  const text: Record<Exclude<PolicySlug, "returns">, string> = {
    shipping: "We ship within 1–2 business days. Delivery times and prices are shown at checkout for your address.",
    privacy: "We use your details only to run your orders and your account. We never sell them.",
    terms: "By ordering you agree to pay the price shown at checkout. Prices include the taxes shown there.",
  };
  return text[slug];
}

/** The policy a path names, or 404 `returns.policy_not_found`. */
export function policySlug(slug: string): PolicySlug {
  if (!(POLICY_SLUGS as readonly string[]).includes(slug)) throw new AppError("returns.policy_not_found", 404, "No such policy page.");
  return slug as PolicySlug;
}

/** A policy page: its title, Markdown source, the parsed blocks pages render and escaped HTML for apps. */
export async function getPolicy(env: Env, slug: PolicySlug): Promise<PolicyView & { blocks: Block[] }> {
  return cache.get(`policy:${slug}`, 60_000, async () => {
    const row = await getDb(env.DB).select().from(storePolicies).where(eq(storePolicies.slug, slug)).get();
    const body = row?.body ?? (await defaultBody(env, slug));
    const blocks = parsePolicyMarkdown(body);
    return { slug, title: row?.title ?? POLICY_TITLES[slug], body, html: blocksToHtml(blocks), updatedAt: row?.updatedAt ?? null, blocks };
  });
}

export async function listPolicies(env: Env) {
  return Promise.all(POLICY_SLUGS.map((slug) => getPolicy(env, slug)));
}

/** Staff rewrite a policy page (audited; cached pages purged everywhere). */
export async function updatePolicy(env: Env, actor: AuditActor, slug: PolicySlug, body: PolicyBody): Promise<PolicyView> {
  const before = await getPolicy(env, slug);
  const now = new Date().toISOString();
  await commitSettingsChange(
    env,
    actor,
    { action: "settings.policy", entityType: "store_policy", entityId: slug, before: { title: before.title, body: before.body }, after: body },
    [
      getDb(env.DB)
        .insert(storePolicies)
        .values({ slug, title: body.title, body: body.body, updatedBy: actor.actorId, updatedAt: now })
        .onConflictDoUpdate({ target: storePolicies.slug, set: { title: body.title, body: body.body, updatedBy: actor.actorId, updatedAt: now } }),
    ],
    { forget: () => cache.purge(), pagesChange: true },
  );
  const { blocks: _b, ...view } = await getPolicy(env, slug);
  return view;
}
