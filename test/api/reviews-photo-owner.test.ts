import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, json } from "../support/http";
import { signedIn } from "../support/orders";
import { buyer, goodReview, reviewableProduct, type Shopper, type Staff } from "../support/reviews";

// Several shoppers buy and receive (a real scrypt hash each) on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

let admin: Staff;
beforeAll(async () => {
  admin = await signedIn("admin");
});

// A small JPEG; `seed` is one value of its quantization table (picture data, kept by the metadata stripper), so
// each call with another seed is another picture (uploads are stored by the hash of their bytes).
function jpeg(seed: number): Uint8Array<ArrayBuffer> {
  const seg = (marker: number, payload: number[]) => [0xff, marker, ((payload.length + 2) >> 8) & 0xff, (payload.length + 2) & 0xff, ...payload];
  const text = (s: string) => [...new TextEncoder().encode(s)];
  return new Uint8Array([
    0xff,
    0xd8,
    ...seg(0xe0, text("JFIF\0\x01\x01\0\0\x01\0\x01\0\0")),
    ...seg(0xdb, [0, seed & 0xff, ...Array(63).fill(1)]),
    0xff,
    0xda,
    0,
    8,
    1,
    1,
    0,
    0,
    0x3f,
    0,
    0x12,
    0x34,
    0xff,
    0xd9,
  ]);
}

const upload = async (who: Shopper, bytes: Uint8Array<ArrayBuffer>) => {
  const res = await call("/api/reviews/photos", {
    method: "POST",
    headers: { "Content-Type": "image/jpeg", Cookie: who.cookie(), Origin: "http://store.test" },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return (await json(res)).url as string;
};

describe("review photos belong to their uploader", () => {
  it("a shopper can attach only photos they uploaded: another shopper's upload and a path nobody uploaded are refused, naming the field", async () => {
    const slug = await reviewableProduct("PHO-OWN");
    const author = await buyer(admin, "PHO-OWN");
    const other = await signedIn("customer");
    const theirs = await upload(other, jpeg(11));
    const mine = await upload(author, jpeg(12));

    const stolen = await author.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [mine, theirs] });
    expect(stolen.status).toBe(400);
    const problem = await json(stolen);
    expect(problem.code).toBe("reviews.photo_not_yours");
    expect(problem.errors).toEqual([{ path: "photos.1", message: "Upload this photo yourself first" }]);
    // A path that looks like an upload but nobody uploaded (e.g. guessed): refused too.
    const guessed = `/media/uploads/${"a".repeat(64)}.png`;
    expect((await author.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [guessed] })).status).toBe(400);

    const created = await author.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [mine] });
    expect(created.status).toBe(201);
    const review = await json(created);
    expect(review.photos).toEqual([mine]);

    // Editing: keeping the review's own photos is fine; adding another shopper's is not.
    expect((await author.send(`/api/reviews/${review.id}`, "PATCH", { photos: [mine, theirs] })).status).toBe(400);
    const kept = await author.send(`/api/reviews/${review.id}`, "PATCH", { title: "Still does what it says", photos: [mine] });
    expect(kept.status).toBe(200);
    expect((await json(kept)).photos).toEqual([mine]);
  });

  it("two shoppers who upload the same picture may each use it (uploads share a path by their bytes)", async () => {
    const slug = await reviewableProduct("PHO-SAME");
    const first = await buyer(admin, "PHO-SAME");
    const second = await buyer(admin, "PHO-SAME");
    const a = await upload(first, jpeg(13));
    const b = await upload(second, jpeg(13));
    expect(b).toBe(a);
    expect((await first.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(), photos: [a] })).status).toBe(201);
    expect((await second.send(`/api/products/${slug}/reviews`, "POST", { ...goodReview(4), photos: [b] })).status).toBe(201);
  });
});
