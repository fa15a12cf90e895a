/**
 * Back-in-stock and price-drop emails for wished items. Inventory and catalog announce their changes
 * through the hooks they export (they come earlier in the layer order and cannot call this domain);
 * this module registers on them when loaded. Each email goes through the email queue with an id made
 * of the event and the shopper, and the outbox sends an id once: a replayed adjustment or a queue
 * redelivery sends nothing twice. Guests' lists get no emails (the store has no address for them).
 */
import { type PriceChange, registerPriceListener } from "../catalog";
import { registerStockListener, type StockChange, stockReturnsSince } from "../inventory";
import { AppError } from "../lib/errors";
import { type EmailMessage, enqueueEmail } from "../notifications";
import { WISHED_ITEM_LISTED } from "./service/items";

type Wisher = { userId: string; email: string; name: string; priceSeen: number };

async function wishersOf(env: Env, sku: string): Promise<Wisher[]> {
  const rows = await env.DB.prepare(
    // One row per shopper however many of their lists hold the SKU (the highest price they saw), and
    // none for a shopper who turned alerts off on any list (the unsubscribe link covers them all).
    `select u.id as userId, u.email as email, u.name as name, max(i.price_seen) as priceSeen
     from wishlist_items i join wishlists w on w.id = i.wishlist_id join users u on u.id = w.user_id
     where i.sku = ? and u.status = 'active'
       and not exists (select 1 from wishlists x where x.user_id = u.id and x.alerts_enabled = 0)
       and ${WISHED_ITEM_LISTED}
     group by u.id`,
  )
    .bind(sku)
    .all<Wisher>();
  return rows.results;
}

const origin = (env: Env) => (env.PUBLIC_ORIGIN ?? "").replace(/\/+$/, "");

// Settled keys only, per secret: a shared promise would tie one request to another's I/O.
const keys = new Map<string, CryptoKey[]>();

async function signingKeys(env: Pick<Env, "PII_KEYS">): Promise<CryptoKey[]> {
  const secret = env.PII_KEYS;
  if (!secret) throw new Error("PII_KEYS is not configured");
  const known = keys.get(secret);
  if (known) return known;
  const parsed = JSON.parse(secret) as { active: string; keys: Record<string, string> };
  const ordered = [parsed.active, ...Object.keys(parsed.keys).filter((k) => k !== parsed.active)];
  const derived = await Promise.all(
    ordered.map(async (kid) => {
      const base = await crypto.subtle.importKey("raw", Buffer.from(parsed.keys[kid] ?? "", "base64"), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode("wishlist-unsubscribe-v1") },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      );
    }),
  );
  keys.set(secret, derived);
  return derived;
}

/** The token of a shopper's unsubscribe link: `<userId>.<HMAC>`; it never expires and names nothing else. */
export async function unsubscribeToken(env: Pick<Env, "PII_KEYS">, userId: string): Promise<string> {
  const [active] = await signingKeys(env);
  if (!active) throw new Error("PII_KEYS has no key");
  const mac = await crypto.subtle.sign("HMAC", active, new TextEncoder().encode(`wishlist-alerts:${userId}`));
  return `${userId}.${Buffer.from(mac).toString("base64url")}`;
}

/** The user id a token was signed for, or null for a forged or mangled token (any key of the ring). */
export async function verifyUnsubscribeToken(env: Pick<Env, "PII_KEYS">, token: string): Promise<string | null> {
  const dot = token.lastIndexOf(".");
  if (dot <= 0) return null;
  const userId = token.slice(0, dot);
  let mac: Uint8Array<ArrayBuffer>;
  try {
    mac = new Uint8Array(Buffer.from(token.slice(dot + 1), "base64url"));
  } catch {
    return null;
  }
  if (mac.length !== 32) return null;
  for (const key of await signingKeys(env)) {
    if (await crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`wishlist-alerts:${userId}`))) return userId;
  }
  return null;
}

/**
 * Turns off the wishlist alerts of the shopper a signed token names (the link in every alert email;
 * no sign-in needed). 400 `wishlist.invalid_token` for a token the store did not sign.
 */
export async function unsubscribeFromAlerts(env: Env, token: string): Promise<{ unsubscribed: true }> {
  const userId = await verifyUnsubscribeToken(env, token);
  if (!userId) {
    throw new AppError("wishlist.invalid_token", 400, "This unsubscribe link is not valid.", [{ path: "token", message: "Not a valid link" }]);
  }
  await env.DB.prepare("update wishlists set alerts_enabled = 0 where user_id = ?").bind(userId).run();
  return { unsubscribed: true };
}

/** Sends messages through the queue in the batch size it accepts. */
async function sendAll(env: Env, messages: EmailMessage[]): Promise<void> {
  if (messages.length === 1 && messages[0]) return enqueueEmail(env.EMAIL_QUEUE, messages[0]);
  for (let i = 0; i < messages.length; i += 100) {
    await env.EMAIL_QUEUE.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: "json" as const })));
  }
}

async function productOf(env: Env, sku: string) {
  return env.DB.prepare(
    "select p.slug as slug, p.name as name, v.title as variantTitle from product_variants v join products p on p.id = v.product_id where v.sku = ? and p.status = 'active'",
  )
    .bind(sku)
    .first<{ slug: string; name: string; variantTitle: string }>();
}

/** A SKU came back from zero available: one email per wisher for this change of the ledger. */
export async function alertBackInStock(env: Env, change: StockChange): Promise<void> {
  if (!(change.availableBefore <= 0 && change.availableAfter > 0)) return;
  const [wishers, product] = await Promise.all([wishersOf(env, change.sku), productOf(env, change.sku)]);
  if (!wishers.length || !product) return;
  const messages: EmailMessage[] = [];
  for (const w of wishers) {
    messages.push({
      id: `wishlist-stock:${change.sku}:${change.version}:${w.userId}`,
      template: "wishlist_back_in_stock",
      to: w.email,
      data: {
        name: w.name,
        productName: product.name,
        variantTitle: product.variantTitle,
        url: `${origin(env)}/p/${product.slug}`,
        unsubscribeUrl: `${origin(env)}/wishlist/unsubscribe?token=${encodeURIComponent(await unsubscribeToken(env, w.userId))}`,
      },
    });
  }
  await sendAll(env, messages);
}

/** Prices went down: one email per wisher whose price when adding is above the new one, per save. */
export async function alertPriceDrops(env: Env, changes: PriceChange[]): Promise<void> {
  for (const change of changes) {
    if (change.after >= change.before) continue;
    const wishers = (await wishersOf(env, change.sku)).filter((w) => w.priceSeen > change.after);
    const messages: EmailMessage[] = [];
    for (const w of wishers) {
      messages.push({
        id: `wishlist-price:${change.sku}:${change.changedAt}:${w.userId}`,
        template: "wishlist_price_drop",
        to: w.email,
        data: {
          name: w.name,
          productName: change.productName,
          variantTitle: change.variantTitle,
          price: change.after,
          previousPrice: change.before,
          currency: change.currency,
          url: `${origin(env)}/p/${change.productSlug}`,
          unsubscribeUrl: `${origin(env)}/wishlist/unsubscribe?token=${encodeURIComponent(await unsubscribeToken(env, w.userId))}`,
        },
      });
    }
    if (messages.length) await sendAll(env, messages);
  }
}

/**
 * The cron's catch-all for back-in-stock emails: reads inventory's mirror of ledger movements past the
 * last mark and alerts for each return to stock, whatever path it came by (an admin adjustment is also
 * announced at once by the stock listener below; both use the same email id, so the outbox sends it once).
 * The mark moves only after the emails are queued, so a failed sweep is repeated, never skipped; two
 * sweeps at once queue the same ids. Up to `rounds` × 500 movements per call.
 */
export async function sweepBackInStock(env: Env, rounds = 10): Promise<{ scanned: number; returns: number }> {
  const mark = await env.DB.prepare("select last_rowid as n from wishlist_sweeps where name = 'back_in_stock'").first<{ n: number }>();
  let from = mark?.n ?? 0;
  let scanned = 0;
  let found = 0;
  for (let round = 0; round < rounds; round++) {
    const { returns, scannedTo } = await stockReturnsSince(env, from);
    if (scannedTo === from) break;
    for (const change of returns) await alertBackInStock(env, change);
    found += returns.length;
    scanned += scannedTo - from;
    await env.DB.prepare(
      "insert into wishlist_sweeps (name, last_rowid) values ('back_in_stock', ?1) on conflict (name) do update set last_rowid = max(last_rowid, ?1)",
    )
      .bind(scannedTo)
      .run();
    from = scannedTo;
  }
  return { scanned, returns: found };
}

registerStockListener(alertBackInStock);
registerPriceListener(alertPriceDrops);
