import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { unsubscribeToken } from "../../worker/wishlist";
import { insertCategory, insertProduct } from "../support/factories";
import { call, json, postJson } from "../support/http";
import { client, signedIn } from "../support/orders";

// Named wish lists: several lists per signed-in shopper besides the default one, items moved between
// them, a share link per list, and every list reachable only by its owner.

beforeAll(async () => {
  const category = await insertCategory(env.DB, { slug: "named-lists" });
  for (const [slug, sku, stock] of [
    ["nl-mug", "NL-MUG", 5],
    ["nl-kettle", "NL-KETTLE", 3],
    ["nl-lamp", "NL-LAMP", 0],
  ] as const) {
    await insertProduct(env.DB, {
      slug,
      name: `Named ${slug.slice(3)}`,
      category,
      variants: [{ sku, title: "Default", options: {}, price: 2500, stockAvailable: stock }],
    });
  }
  purgeCatalogCache();
});

type Shopper = Awaited<ReturnType<typeof signedIn>>;
const skus = (list: { items: { sku: string }[] }) => list.items.map((i) => i.sku).sort();
const create = async (who: Shopper, name: string) => {
  const res = await who.send("/api/wishlists", "POST", { name });
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
};

describe("GET /api/wishlists", () => {
  it("lists the default list first even before its first save, then named lists oldest first", async () => {
    const shopper = await signedIn();
    const empty = await shopper.send("/api/wishlists");
    expect(empty.status).toBe(200);
    expect(empty.headers.get("cache-control")).toBe("private, no-store");
    expect(await json(empty)).toEqual({
      lists: [{ id: `wlu_${shopper.user.id}`, name: "Wishlist", isDefault: true, itemCount: 0, shareEnabled: false, shareUrl: null }],
      maxLists: 20,
    });
    await shopper.send("/api/wishlist/items", "POST", { sku: "NL-MUG" });
    const gifts = await create(shopper, "Gifts");
    const garden = await create(shopper, "Garden");
    await shopper.send(`/api/wishlists/${gifts.id}/items`, "POST", { sku: "NL-KETTLE" });
    await shopper.send(`/api/wishlists/${gifts.id}/items`, "POST", { sku: "NL-LAMP" });
    const { lists } = await json(await shopper.send("/api/wishlists"));
    expect(lists.map((l: { name: string; itemCount: number; isDefault: boolean }) => [l.name, l.itemCount, l.isDefault])).toEqual([
      ["Wishlist", 1, true],
      ["Gifts", 2, false],
      ["Garden", 0, false],
    ]);
    expect(garden.id).toMatch(/^wln_[0-9a-z]{16}$/);
  });

  it("shows a guest only their one list, and nothing without a cookie", async () => {
    expect((await json(await client().send("/api/wishlists"))).lists).toEqual([]);
    const guest = client();
    await guest.send("/api/wishlist/items", "POST", { sku: "NL-MUG" });
    const { lists } = await json(await guest.send("/api/wishlists"));
    expect(lists).toEqual([expect.objectContaining({ name: "Wishlist", isDefault: true, itemCount: 1 })]);
  });
});

describe("POST /api/wishlists", () => {
  it("creates an empty named list; a guest gets 401; a bad name 400 naming the field; a taken name 409 whatever its case", async () => {
    const shopper = await signedIn();
    const list = await create(shopper, "  Birthday ideas ");
    expect(list).toMatchObject({ name: "Birthday ideas", items: [], itemCount: 0, shareEnabled: false, shareUrl: null });

    const guest = await client().send("/api/wishlists", "POST", { name: "Mine" });
    expect(guest.status).toBe(401);

    for (const body of [{ name: "" }, { name: "x".repeat(61) }, { name: "Ok", owner: "someone" }, {}]) {
      const bad = await shopper.send("/api/wishlists", "POST", body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.headers.get("content-type")).toBe("application/problem+json");
    }
    const empty = await json(await shopper.send("/api/wishlists", "POST", { name: "  " }));
    expect(empty.errors).toContainEqual(expect.objectContaining({ path: "name" }));

    const taken = await shopper.send("/api/wishlists", "POST", { name: "BIRTHDAY IDEAS" });
    expect(taken.status).toBe(409);
    expect(await json(taken)).toMatchObject({ code: "wishlist.name_taken", errors: [expect.objectContaining({ path: "name" })] });
    // Another shopper may use the same name.
    await create(await signedIn(), "Birthday ideas");
  });

  it("concurrent creations stop at 20 lists, and one name is created once", async () => {
    const shopper = await signedIn();
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => shopper.send("/api/wishlists", "POST", { name: `List ${i}` })));
    const statuses = answers.map((r) => r.status);
    // The default list counts: 19 named lists fit beside it.
    expect(statuses.filter((s) => s === 201)).toHaveLength(19);
    expect(statuses.filter((s) => s === 409)).toHaveLength(6);
    const refused = answers.find((r) => r.status === 409) as Response;
    expect((await json(refused)).code).toBe("wishlist.too_many_lists");
    const count = await env.DB.prepare("select count(*) as n from wishlists where user_id = ?").bind(shopper.user.id).first<{ n: number }>();
    expect(count?.n).toBe(20);

    const other = await signedIn();
    const same = await Promise.all(Array.from({ length: 5 }, () => other.send("/api/wishlists", "POST", { name: "Holiday" })));
    expect(same.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const holiday = await env.DB.prepare("select count(*) as n from wishlists where user_id = ? and name = 'Holiday'")
      .bind(other.user.id)
      .first<{ n: number }>();
    expect(holiday?.n).toBe(1);
  });
});

describe("GET, PATCH and DELETE /api/wishlists/:listId", () => {
  it("reads, renames and shares the caller's own list", async () => {
    const shopper = await signedIn();
    const list = await create(shopper, "Kitchen");
    await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-KETTLE" });
    const read = await shopper.send(`/api/wishlists/${list.id}`);
    expect(read.status).toBe(200);
    expect(skus(await json(read))).toEqual(["NL-KETTLE"]);

    const renamed = await shopper.send(`/api/wishlists/${list.id}`, "PATCH", { name: "Cooking" });
    expect(renamed.status).toBe(200);
    expect((await json(renamed)).name).toBe("Cooking");
    // The default list may be renamed too, but not to a name in use.
    const clash = await shopper.send(`/api/wishlists/wlu_${shopper.user.id}`, "PATCH", { name: "cooking" });
    expect(clash.status).toBe(409);
    expect((await json(clash)).code).toBe("wishlist.name_taken");
    expect((await shopper.send(`/api/wishlists/${list.id}`, "PATCH", {})).status).toBe(400);
    expect((await shopper.send(`/api/wishlists/${list.id}`, "PATCH", { shareEnabled: "yes" })).status).toBe(400);

    const shared = await json(await shopper.send(`/api/wishlists/${list.id}`, "PATCH", { shareEnabled: true }));
    expect(shared.shareUrl).toMatch(/^\/wishlist\/shared\/[A-Za-z0-9_-]{32}$/);
    // Each list has its own link: the default list is still private.
    const defaults = await json(await shopper.send("/api/wishlist"));
    expect(defaults.shareUrl).toBeNull();
    const token = shared.shareUrl.split("/").pop();
    const seen = await call(`/api/wishlist/shared/${token}`);
    expect(seen.status).toBe(200);
    const text = await seen.text();
    expect(JSON.parse(text)).toEqual({ name: "Cooking", items: [expect.objectContaining({ sku: "NL-KETTLE" })] });
    for (const secret of [shopper.user.email, shopper.user.id, list.id]) expect(text).not.toContain(secret);
  });

  it("answers 404 for another shopper's list on every route, and changes nothing", async () => {
    const owner = await signedIn();
    const list = await create(owner, "Secret");
    await owner.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-MUG" });
    const stranger = await signedIn();
    const guest = client();
    for (const who of [stranger, guest]) {
      const attempts: [string, string, unknown?][] = [
        [`/api/wishlists/${list.id}`, "GET"],
        [`/api/wishlists/${list.id}`, "PATCH", { name: "Mine now" }],
        [`/api/wishlists/${list.id}`, "PATCH", { shareEnabled: true }],
        [`/api/wishlists/${list.id}`, "DELETE"],
        [`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-KETTLE" }],
        [`/api/wishlists/${list.id}/items/NL-MUG`, "DELETE"],
        [`/api/wishlists/${list.id}/items/NL-MUG/move`, "POST", { toListId: `wlu_${owner.user.id}` }],
        [`/api/wishlists/${list.id}/items/NL-MUG/move-to-cart`, "POST", {}],
        // Nor may a stranger move their own item onto the owner's list.
        [`/api/wishlists/wlu_${stranger.user.id}/items/NL-MUG/move`, "POST", { toListId: list.id }],
        [`/api/wishlists/wlu_${owner.user.id}`, "GET"],
      ];
      for (const [path, method, body] of attempts) {
        const res = await who.send(path, method, body);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await json(res)).code).toBe("wishlist.list_not_found");
      }
    }
    const after = await json(await owner.send(`/api/wishlists/${list.id}`));
    expect(after).toMatchObject({ name: "Secret", shareEnabled: false });
    expect(skus(after)).toEqual(["NL-MUG"]);
  });

  it("deletes a named list with its items; the default list stays (409)", async () => {
    const shopper = await signedIn();
    const list = await create(shopper, "Old");
    await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-MUG" });
    const gone = await shopper.send(`/api/wishlists/${list.id}`, "DELETE");
    expect(gone.status).toBe(200);
    expect((await json(gone)).lists.map((l: { name: string }) => l.name)).toEqual(["Wishlist"]);
    expect((await shopper.send(`/api/wishlists/${list.id}`)).status).toBe(404);
    const items = await env.DB.prepare("select count(*) as n from wishlist_items where wishlist_id = ?").bind(list.id).first<{ n: number }>();
    expect(items?.n).toBe(0);
    const kept = await shopper.send(`/api/wishlists/wlu_${shopper.user.id}`, "DELETE");
    expect(kept.status).toBe(409);
    expect((await json(kept)).code).toBe("wishlist.default_list");
    expect((await shopper.send("/api/wishlists/not-an-id", "DELETE")).status).toBe(400);
  });
});

describe("POST /api/wishlists/:listId/items/:sku/move", () => {
  it("moves an item with the price seen when it was saved, and refuses the same list, a missing item and a full target", async () => {
    const shopper = await signedIn();
    const defaultId = `wlu_${shopper.user.id}`;
    await shopper.send("/api/wishlist/items", "POST", { sku: "NL-MUG" });
    await env.DB.prepare("update wishlist_items set price_seen = 3000 where wishlist_id = ? and sku = 'NL-MUG'").bind(defaultId).run();
    const gifts = await create(shopper, "Gifts");
    const moved = await shopper.send(`/api/wishlists/${defaultId}/items/NL-MUG/move`, "POST", { toListId: gifts.id });
    expect(moved.status).toBe(200);
    const body = await json(moved);
    expect(skus(body.from)).toEqual([]);
    expect(body.to.items).toEqual([expect.objectContaining({ sku: "NL-MUG", priceWhenAdded: { amount: 3000, currency: "USD" }, priceDropped: true })]);

    const same = await shopper.send(`/api/wishlists/${gifts.id}/items/NL-MUG/move`, "POST", { toListId: gifts.id });
    expect(same.status).toBe(400);
    expect((await json(same)).errors).toContainEqual(expect.objectContaining({ path: "toListId" }));
    const missing = await shopper.send(`/api/wishlists/${defaultId}/items/NL-MUG/move`, "POST", { toListId: gifts.id });
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe("wishlist.item_not_found");
    expect((await shopper.send(`/api/wishlists/${gifts.id}/items/NL-MUG/move`, "POST", { toListId: 42 })).status).toBe(400);

    // A full target refuses and the item stays where it was.
    const full = await create(shopper, "Full");
    await env.DB.batch(
      Array.from({ length: 200 }, (_, i) =>
        env.DB.prepare("insert into wishlist_items (wishlist_id, sku, price_seen, currency) values (?, ?, 1, 'USD')").bind(full.id, `FILL-${i}`),
      ),
    );
    const refused = await shopper.send(`/api/wishlists/${gifts.id}/items/NL-MUG/move`, "POST", { toListId: full.id });
    expect(refused.status).toBe(409);
    expect((await json(refused)).code).toBe("wishlist.full");
    expect(skus(await json(await shopper.send(`/api/wishlists/${gifts.id}`)))).toEqual(["NL-MUG"]);
  });

  it("two concurrent moves of one item to different lists leave it on exactly one list", async () => {
    const shopper = await signedIn();
    const defaultId = `wlu_${shopper.user.id}`;
    await shopper.send("/api/wishlist/items", "POST", { sku: "NL-KETTLE" });
    const a = await create(shopper, "A");
    const b = await create(shopper, "B");
    const answers = await Promise.all([
      shopper.send(`/api/wishlists/${defaultId}/items/NL-KETTLE/move`, "POST", { toListId: a.id }),
      shopper.send(`/api/wishlists/${defaultId}/items/NL-KETTLE/move`, "POST", { toListId: b.id }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 404]);
    const rows = await env.DB.prepare("select wishlist_id from wishlist_items where sku = 'NL-KETTLE' and wishlist_id in (?, ?, ?)")
      .bind(defaultId, a.id, b.id)
      .all<{ wishlist_id: string }>();
    expect(rows.results).toHaveLength(1);
    expect([a.id, b.id]).toContain(rows.results[0]?.wishlist_id);
  });
});

describe("items and the cart on a named list", () => {
  it("adds, removes and moves to the cart on the named list only", async () => {
    const shopper = await signedIn();
    const list = await create(shopper, "Desk");
    const added = await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-MUG" });
    expect(added.status).toBe(200);
    expect((await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NOPE-1" })).status).toBe(404);
    expect((await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "nope" })).status).toBe(400);
    expect(skus(await json(await shopper.send("/api/wishlist")))).toEqual([]);
    const toCart = await shopper.send(`/api/wishlists/${list.id}/items/NL-MUG/move-to-cart`, "POST", {});
    expect(toCart.status).toBe(200);
    expect((await json(toCart)).cart.items).toEqual([expect.objectContaining({ sku: "NL-MUG", quantity: 1 })]);
    await shopper.send(`/api/wishlists/${list.id}/items`, "POST", { sku: "NL-LAMP" });
    expect((await shopper.send(`/api/wishlists/${list.id}/items/NL-LAMP/move-to-cart`, "POST", {})).status).toBe(409);
    const removed = await shopper.send(`/api/wishlists/${list.id}/items/NL-LAMP`, "DELETE");
    expect(skus(await json(removed))).toEqual([]);
    expect((await shopper.send(`/api/wishlists/${list.id}/items/NL-LAMP`, "DELETE")).status).toBe(404);
  });
});

describe("alerts with several lists", () => {
  type Mail = { subject: string };
  const mails = async (to: string) =>
    (await env.DB.prepare("select subject from email_outbox where template = 'wishlist_back_in_stock' and to_address = ?").bind(to.toLowerCase()).all<Mail>())
      .results;

  it("one email per shopper however many lists hold the item; a list made after unsubscribing stays silent", async () => {
    const admin = await signedIn("admin");
    const twice = await signedIn();
    await twice.send("/api/wishlist/items", "POST", { sku: "NL-LAMP" });
    const second = await create(twice, "Lighting");
    await twice.send(`/api/wishlists/${second.id}/items`, "POST", { sku: "NL-LAMP" });

    const quiet = await signedIn();
    await quiet.send("/api/wishlist/items", "POST", { sku: "NL-MUG" });
    expect((await postJson("/api/wishlist/unsubscribe", { token: await unsubscribeToken(env, quiet.user.id) })).status).toBe(200);
    const later = await create(quiet, "New since");
    await quiet.send(`/api/wishlists/${later.id}/items`, "POST", { sku: "NL-LAMP" });

    const restock = await admin.send("/api/admin/inventory/NL-LAMP/adjustments", "POST", { delta: 2, reason: "delivery" });
    expect(restock.status).toBe(200);
    await expect.poll(async () => (await mails(twice.user.email)).length, { timeout: 15_000, interval: 250 }).toBe(1);
    expect(await mails(quiet.user.email)).toEqual([]);
  });
});
