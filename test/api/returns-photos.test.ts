import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, json } from "../support/http";
import { client, signedIn, stockProduct } from "../support/orders";
import { deliveredOrder, returnsUrl } from "../support/returns";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let admin: Awaited<ReturnType<typeof signedIn>>;
let support: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  await stockProduct("RPH-A", 100, 3000);
  admin = await signedIn("admin");
  support = await signedIn("support");
});

// A small JPEG; `seed` is one value of its quantization table, so each seed is another picture. `exif` adds an
// APP1 segment naming a GPS position, which must not survive the upload.
function jpeg(seed: number, exif = false): Uint8Array<ArrayBuffer> {
  const seg = (marker: number, payload: number[]) => [0xff, marker, ((payload.length + 2) >> 8) & 0xff, (payload.length + 2) & 0xff, ...payload];
  const text = (s: string) => [...new TextEncoder().encode(s)];
  return new Uint8Array([
    0xff,
    0xd8,
    ...seg(0xe0, text("JFIF\0\x01\x01\0\0\x01\0\x01\0\0")),
    ...(exif ? seg(0xe1, text("Exif\0\0GPS 51.5007N 0.1246W")) : []),
    ...seg(0xdb, [0, seed & 0xff, ...Array(63).fill(1)]),
    ...[0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0xd9],
  ]);
}

const photosUrl = (returnId: string, token?: string, photoId?: string) =>
  `/api/returns/${returnId}/photos${photoId ? `/${photoId}` : ""}${token ? `?token=${token}` : ""}`;
const upload = (returnId: string, token: string | undefined, bytes: Uint8Array<ArrayBuffer>, type = "image/jpeg", cookie = "") =>
  call(photosUrl(returnId, token), {
    method: "POST",
    headers: { "Content-Type": type, Origin: "http://store.test", ...(cookie ? { Cookie: cookie } : {}) },
    body: bytes,
  });

/** A delivered order of RPH-A with a requested return of one unit (through the guest link). */
async function requested(who?: Awaited<ReturnType<typeof signedIn>>) {
  const order = await deliveredOrder(admin, [{ sku: "RPH-A", quantity: 1 }], who);
  const res = await (who ?? client()).send(returnsUrl(order.orderId, who ? undefined : order.token), "POST", {
    resolution: "refund",
    lines: [{ orderLineId: order.line("RPH-A"), quantity: 1, reason: "Too small", note: "Seam split" }],
  });
  expect(res.status).toBe(201);
  return { order, ret: await json(res) };
}

describe("POST /api/returns/:id/photos", () => {
  it("the shopper attaches a photo: stored without its metadata, listed on the return, readable by them and staff only", async () => {
    const { order, ret } = await requested();
    expect(ret.photos).toEqual([]);
    const res = await upload(ret.id, order.token, jpeg(1, true));
    expect(res.status).toBe(201);
    const view = await json(res);
    expect(view.photos).toHaveLength(1);
    expect(view.photos[0]).toMatchObject({ type: "image/jpeg", id: expect.stringMatching(/^rph_/) });
    const photoId = view.photos[0].id as string;

    // The owner (guest link) reads it; the answer is private and cannot run as a document.
    const mine = await call(photosUrl(ret.id, order.token, photoId));
    expect(mine.status).toBe(200);
    expect(mine.headers.get("content-type")).toBe("image/jpeg");
    expect(mine.headers.get("cache-control")).toBe("private, no-store");
    expect(mine.headers.get("x-content-type-options")).toBe("nosniff");
    const bytes = new Uint8Array(await mine.arrayBuffer());
    expect(new TextDecoder("latin1").decode(bytes)).not.toContain("GPS");
    expect(bytes[0]).toBe(0xff);

    // Staff (admin and support) read it through the staff API.
    expect((await admin.send(`/api/admin/returns/${ret.id}/photos/${photoId}`)).status).toBe(200);
    expect((await support.send(`/api/admin/returns/${ret.id}/photos/${photoId}`)).status).toBe(200);
    expect((await json(await admin.send(`/api/admin/returns/${ret.id}`))).photos).toHaveLength(1);

    // Nobody else: no link, a wrong token, another shopper, a customer on the staff route, a public media path.
    expect((await call(photosUrl(ret.id, undefined, photoId))).status).toBe(401);
    expect((await call(photosUrl(ret.id, "wrong-token", photoId))).status).toBe(404);
    const stranger = await signedIn("customer");
    expect((await stranger.send(photosUrl(ret.id, undefined, photoId))).status).toBe(404);
    expect((await stranger.send(`/api/admin/returns/${ret.id}/photos/${photoId}`)).status).toBe(403);
    expect((await call(`/api/admin/returns/${ret.id}/photos/${photoId}`)).status).toBe(401);
    const key = (await env.DB.prepare("select object_key as k from return_photos where id = ?").bind(photoId).first<{ k: string }>())?.k ?? "";
    expect(key).toMatch(/^private\/[0-9a-f]{64}\.jpg$/);
    expect((await call(`/media/uploads/${key.slice("private/".length)}`)).status).toBe(404);

    // A photo id is only found under its own return.
    const other = await requested();
    expect((await call(photosUrl(other.ret.id, other.order.token, photoId))).status).toBe(404);
    expect((await admin.send(`/api/admin/returns/${other.ret.id}/photos/${photoId}`)).status).toBe(404);
  });

  it("a signed-in owner attaches photos; a stranger cannot attach to their return", async () => {
    const shopper = await signedIn("customer");
    const { ret } = await requested(shopper);
    const res = await upload(ret.id, undefined, jpeg(2), "image/jpeg", shopper.cookie());
    expect(res.status).toBe(201);
    const stranger = await signedIn("customer");
    expect((await upload(ret.id, undefined, jpeg(3), "image/jpeg", stranger.cookie())).status).toBe(404);
    expect((await upload(ret.id, undefined, jpeg(3))).status).toBe(401);
    const owner = await env.DB.prepare("select owner from return_photos where return_id = ?").bind(ret.id).first<{ owner: string }>();
    expect(owner?.owner).toBe(`customer:${shopper.user.id}`);
  });

  it("refuses what is not a JPEG, PNG or WebP by its bytes, an empty body and a declared type outside the list", async () => {
    const { order, ret } = await requested();
    const gif = await upload(ret.id, order.token, new TextEncoder().encode("GIF89a......") as Uint8Array<ArrayBuffer>);
    expect(gif.status).toBe(415);
    expect((await json(gif)).errors[0].path).toBe("photos.0");
    const svg = await upload(ret.id, order.token, new TextEncoder().encode("<svg/>") as Uint8Array<ArrayBuffer>, "image/svg+xml");
    expect(svg.status).toBe(415);
    expect((await json(svg)).errors[0].path).toBe("content-type");
    expect((await upload(ret.id, order.token, new Uint8Array(0))).status).toBe(400);
    expect((await json(await call(photosUrl(ret.id, order.token).replace("/photos", "")))).photos).toEqual([]);
  });

  it("at most three per return, also when uploads race; none once staff looked at it", async () => {
    const { order, ret } = await requested();
    expect((await upload(ret.id, order.token, jpeg(10))).status).toBe(201);
    expect((await upload(ret.id, order.token, jpeg(11))).status).toBe(201);
    // Two at once for the last place: exactly one gets it.
    const raced = await Promise.all([upload(ret.id, order.token, jpeg(12)), upload(ret.id, order.token, jpeg(13))]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
    const fourth = await upload(ret.id, order.token, jpeg(14));
    expect(fourth.status).toBe(409);
    expect((await json(fourth)).code).toBe("returns.photo_limit");
    expect((await env.DB.prepare("select count(*) as n from return_photos where return_id = ?").bind(ret.id).first<{ n: number }>())?.n).toBe(3);

    const next = await requested();
    expect((await admin.send(`/api/admin/returns/${next.ret.id}/approve`, "POST", { instructions: "Send it back." })).status).toBe(200);
    const late = await upload(next.ret.id, next.order.token, jpeg(15));
    expect(late.status).toBe(409);
    expect((await json(late)).code).toBe("returns.photos_closed");
  });
});

describe("the shopper's own photos (what the order page shows)", () => {
  it("the order's returns list each photo; the signed-in owner loads them with the session alone, the guest with the link", async () => {
    const shopper = await signedIn("customer");
    const { order, ret } = await requested(shopper);
    expect((await upload(ret.id, undefined, jpeg(20), "image/jpeg", shopper.cookie())).status).toBe(201);
    expect((await upload(ret.id, undefined, jpeg(21), "image/jpeg", shopper.cookie())).status).toBe(201);

    // The order page reads the same view: two photos, oldest first.
    const listed = await json(await shopper.send(returnsUrl(order.orderId)));
    const photos = listed.returns[0].photos as { id: string }[];
    expect(photos).toHaveLength(2);
    for (const p of photos) {
      const res = await shopper.send(photosUrl(ret.id, undefined, p.id));
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    // Not another account, not without a session, not a guest link of another order.
    const other = await signedIn("customer");
    expect((await other.send(photosUrl(ret.id, undefined, photos[0]?.id))).status).toBe(404);
    expect((await call(photosUrl(ret.id, undefined, photos[0]?.id))).status).toBe(401);
    const guest = await requested();
    expect((await call(photosUrl(ret.id, guest.order.token, photos[0]?.id))).status).toBe(404);

    // A guest's order (through its link) lists and loads its photos the same way.
    expect((await upload(guest.ret.id, guest.order.token, jpeg(22))).status).toBe(201);
    const guestView = await json(await call(returnsUrl(guest.order.orderId, guest.order.token)));
    const [guestPhoto] = guestView.returns[0].photos as { id: string }[];
    expect((await call(photosUrl(guest.ret.id, guest.order.token, guestPhoto?.id))).status).toBe(200);
    expect((await shopper.send(photosUrl(guest.ret.id, undefined, guestPhoto?.id))).status).toBe(404);
  });
});

describe("the audit log of photos added later", () => {
  const photoAudits = async (returnId: string) =>
    (
      await env.DB.prepare(
        "select actor_id as actorId, actor_email as actorEmail, request_id as requestId, after from audit_log where entity_id = ? and action = 'return.photos_added' order by at, rowid",
      )
        .bind(returnId)
        .all<{ actorId: string; actorEmail: string; requestId: string | null; after: string }>()
    ).results;
  const orderEmail = async (orderId: string) => (await env.DB.prepare("select email from orders where id = ?").bind(orderId).first<{ email: string }>())?.email;

  it("each upload writes one row: who (guest or account, with the order's email), which return, how many", async () => {
    const { order, ret } = await requested();
    const res = await upload(ret.id, order.token, jpeg(30));
    expect(res.status).toBe(201);
    const [photo] = (await json(res)).photos as { id: string }[];
    const rows = await photoAudits(ret.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: "guest", actorEmail: await orderEmail(order.orderId), requestId: res.headers.get("x-request-id") });
    expect(JSON.parse(rows[0]?.after ?? "null")).toEqual({ photos: 1, photoIds: [photo?.id] });

    const shopper = await signedIn("customer");
    const mine = await requested(shopper);
    expect((await upload(mine.ret.id, undefined, jpeg(31), "image/jpeg", shopper.cookie())).status).toBe(201);
    expect(await photoAudits(mine.ret.id)).toEqual([expect.objectContaining({ actorId: shopper.user.id, actorEmail: await orderEmail(mine.order.orderId) })]);
  });

  it("a refused upload, and the loser of a race for the last place, write none", async () => {
    const { order, ret } = await requested();
    expect((await upload(ret.id, order.token, jpeg(40))).status).toBe(201);
    expect((await upload(ret.id, order.token, new Uint8Array(0))).status).toBe(400);
    expect((await upload(ret.id, order.token, jpeg(41))).status).toBe(201);
    const raced = await Promise.all([upload(ret.id, order.token, jpeg(42)), upload(ret.id, order.token, jpeg(43))]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await upload(ret.id, order.token, jpeg(44))).status).toBe(409);
    const rows = await photoAudits(ret.id);
    expect(rows).toHaveLength(3);
    const ids = rows.flatMap((r) => JSON.parse(r.after).photoIds as string[]).sort();
    const stored = (await env.DB.prepare("select id from return_photos where return_id = ? order by id").bind(ret.id).all<{ id: string }>()).results;
    expect(ids).toEqual(stored.map((s) => s.id));
  });
});
