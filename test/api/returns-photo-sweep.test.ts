import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { storePrivatePhoto } from "../../worker/media";
import { DAILY_CRON } from "../../worker/scheduled";
import worker from "../../worker/test-entry";
import { call, json } from "../support/http";
import { client, signedIn, stockProduct } from "../support/orders";
import { deliveredOrder, returnsUrl } from "../support/returns";

// Photos stored in R2 for a return whose request then failed are never pointed at by a row. The daily cron
// removes them once they are a day old, and nothing else: attached photos, young ones and public uploads stay.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const HOUR = 60 * 60 * 1000;
let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  await stockProduct("RPS-A", 100, 3000);
  admin = await signedIn("admin");
});

/** A small JPEG; each seed is another picture (so another content-addressed key). */
function jpeg(seed: number): Uint8Array<ArrayBuffer> {
  const seg = (marker: number, payload: number[]) => [0xff, marker, ((payload.length + 2) >> 8) & 0xff, (payload.length + 2) & 0xff, ...payload];
  return new Uint8Array([
    0xff,
    0xd8,
    ...seg(0xe0, [...new TextEncoder().encode("JFIF\0\x01\x01\0\0\x01\0\x01\0\0")]),
    ...seg(0xdb, [0, seed & 0xff, ...Array(63).fill(1)]),
    ...[0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0xd9],
  ]);
}
const upload = (returnId: string, token: string, bytes: Uint8Array<ArrayBuffer>) =>
  call(`/api/returns/${returnId}/photos?token=${token}`, {
    method: "POST",
    headers: { "Content-Type": "image/jpeg", Origin: "http://store.test" },
    body: bytes,
  });

async function runDailyCron(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled?.(createScheduledController({ cron: DAILY_CRON, scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}
const privateKeys = async () => (await env.MEDIA.list({ prefix: "private/" })).objects.map((o) => o.key).sort();
const attachedKeys = async () =>
  (await env.DB.prepare("select distinct object_key as k from return_photos order by k").all<{ k: string }>()).results.map((r) => r.k);

describe("the daily sweep of unattached return photos", () => {
  it("removes photos stored for requests that failed (never attached) once a day old; attached ones stay readable", async () => {
    const order = await deliveredOrder(admin, [{ sku: "RPS-A", quantity: 1 }]);
    const created = await client().send(returnsUrl(order.orderId, order.token), "POST", {
      resolution: "refund",
      lines: [{ orderLineId: order.line("RPS-A"), quantity: 1, reason: "Too small" }],
    });
    expect(created.status).toBe(201);
    const ret = await json(created);
    expect((await upload(ret.id, order.token, jpeg(1))).status).toBe(201);
    expect((await upload(ret.id, order.token, jpeg(2))).status).toBe(201);
    // Uploads racing for the last place: each is stored in R2 before the row that counts is written, so a loser
    // that got past the first count leaves its bytes unattached (whether one did depends on the interleaving).
    const raced = await Promise.all([3, 4, 5].map((seed) => upload(ret.id, order.token, jpeg(seed))));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    // What such a failed request leaves behind, for certain: the bytes stored, no row written.
    const { key: leftover } = await storePrivatePhoto(env, jpeg(6).buffer);

    const attached = await attachedKeys();
    expect(attached).toHaveLength(3);
    const orphans = (await privateKeys()).filter((k) => !attached.includes(k));
    expect(orphans).toContain(leftover);
    // A public upload under another prefix is none of the sweep's business.
    await env.MEDIA.put(`uploads/${"a".repeat(64)}.jpg`, jpeg(9));

    // Younger than a day: kept (its request could still be about to write the row).
    await runDailyCron(Date.now() + 23 * HOUR);
    expect(await privateKeys()).toEqual([...attached, ...orphans].sort());

    // A day later: only the unattached one goes.
    await runDailyCron(Date.now() + 25 * HOUR);
    expect(await privateKeys()).toEqual(attached);
    expect(await env.MEDIA.head(leftover)).toBeNull();
    expect(await env.MEDIA.head(`uploads/${"a".repeat(64)}.jpg`)).not.toBeNull();
    const photos = (await json(await call(`/api/returns/${ret.id}?token=${order.token}`))).photos as { id: string }[];
    expect(photos).toHaveLength(3);
    for (const photo of photos) {
      expect((await call(`/api/returns/${ret.id}/photos/${photo.id}?token=${order.token}`)).status).toBe(200);
      expect((await admin.send(`/api/admin/returns/${ret.id}/photos/${photo.id}`)).status).toBe(200);
    }

    // Running it again removes nothing more.
    await runDailyCron(Date.now() + 49 * HOUR);
    expect(await privateKeys()).toEqual(attached);
  });

  it("goes through more unattached photos than one query can name, and keeps every attached one", async () => {
    const attached = await attachedKeys();
    // 130 leftovers, more than the 90 keys one D1 query is given, so the attached check runs in chunks.
    const leftovers = Array.from({ length: 130 }, (_, i) => `private/${i.toString(16).padStart(64, "0")}.jpg`);
    for (const key of leftovers) await env.MEDIA.put(key, jpeg(7), { httpMetadata: { contentType: "image/jpeg" } });
    expect((await privateKeys()).length).toBe(attached.length + leftovers.length);
    await runDailyCron(Date.now() + 25 * HOUR);
    expect(await privateKeys()).toEqual(attached);
  });
});
