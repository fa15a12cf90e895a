import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeCatalogCache } from "../../worker/catalog";
import { insertCategory, insertProduct, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json, postJson } from "../support/http";
import { passwordSignIn } from "../support/staff";

// One country's address rules, edited by an admin, must be applied the same way by the address book
// (`POST /api/me/addresses`), by checkout (`POST /api/checkout`) and by the shipping quote.

async function signIn(role: "admin" | "customer"): Promise<string> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  expect(res.status).toBe(200);
  return cookiesFrom(res);
}

const send = async (cookie: string, path: string, method: string, body?: unknown) =>
  call(path, {
    method,
    headers: { "Content-Type": "application/json", Origin: "http://store.test", Cookie: cookie },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const BERLIN = { fullName: "Ada Lovelace", line1: "Unter den Linden 1", city: "Berlin", country: "DE" };

let admin = "";
let shopper = "";

beforeAll(async () => {
  admin = await signIn("admin");
  shopper = await signIn("customer");
  const category = await insertCategory(env.DB, { slug: "c-rules" });
  await insertProduct(env.DB, {
    slug: "rules-1",
    name: "Rules item",
    category,
    variants: [{ sku: "RULE-1", title: "Default", options: {}, price: 3000, stockAvailable: 50 }],
  });
  purgeCatalogCache();
});

/** A guest's fresh cart with one item (a placed order empties its cart), as its cookie. */
async function guestCart(): Promise<string> {
  const added = await postJson("/api/cart/items", { sku: "RULE-1", quantity: 1 });
  expect(added.status).toBe(200);
  return cookiesFrom(added);
}

/** What the address book, checkout and the quote say about one address: the field paths they refuse, or [] when accepted. */
async function verdicts(address: Record<string, string>) {
  const book = await send(shopper, "/api/me/addresses", "POST", address);
  const guest = await guestCart();
  const checkout = await send(guest, "/api/checkout", "POST", { email: "ada@example.test", shippingAddress: address, shippingOption: "standard" });
  const query = new URLSearchParams(Object.entries(address).filter(([k]) => ["country", "postalCode", "region"].includes(k)));
  const quote = await send(await guestCart(), `/api/shipping/quote?${query}`, "GET");
  const paths = async (res: Response, prefix = "") =>
    res.status < 300 ? [] : ((await json(res)).errors ?? []).map((e: { path: string }) => e.path.replace(prefix, "")).sort();
  return {
    book: { status: book.status, paths: await paths(book) },
    checkout: { status: checkout.status, paths: await paths(checkout, "shippingAddress.") },
    quote: { status: quote.status, paths: await paths(quote) },
  };
}

describe("address rules edited by an admin", () => {
  it("a changed postal pattern refuses and accepts the same codes in the address book, at checkout and in the quote", async () => {
    const edited = await send(admin, "/api/admin/settings/countries/DE", "PATCH", { postalPattern: "^\\d{4}$", postalExample: "1234" });
    expect(edited.status).toBe(200);

    // Five digits were right for Germany before the edit; now every path refuses them, naming the field.
    const old = await verdicts({ ...BERLIN, postalCode: "10115" });
    expect(old.book).toEqual({ status: 400, paths: ["postalCode"] });
    expect(old.checkout).toEqual({ status: 400, paths: ["postalCode"] });
    expect(old.quote).toEqual({ status: 400, paths: ["postalCode"] });

    // Four digits were wrong before; now every path takes them.
    const now = await verdicts({ ...BERLIN, postalCode: "1011" });
    expect(now.book.status).toBe(201);
    expect(now.checkout.status).toBe(201);
    expect(now.quote.status).toBe(200);
  });

  it("a region made required is required by the address book as by checkout", async () => {
    const edited = await send(admin, "/api/admin/settings/countries/DE", "PATCH", { regionRequired: true, regionLabel: "Bundesland" });
    expect(edited.status).toBe(200);

    const missing = await verdicts({ ...BERLIN, postalCode: "1011" });
    expect(missing.book).toEqual({ status: 400, paths: ["region"] });
    expect(missing.checkout).toEqual({ status: 400, paths: ["region"] });

    const withRegion = await verdicts({ ...BERLIN, postalCode: "1011", region: "BE" });
    expect(withRegion.book.status).toBe(201);
    expect(withRegion.checkout.status).toBe(201);
    expect(withRegion.quote.status).toBe(200);
  });
});
