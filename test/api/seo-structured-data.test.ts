import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { getProductBySlug, purgeCatalogCache } from "../../worker/catalog";
import { productSeller, productStructuredData } from "../../worker/seo";
import { vendors } from "../../worker/vendors/tables";
import { getDb } from "../../worker/db/client";
import { insertCategory, insertProduct } from "../support/factories";
import { call, json } from "../support/http";
import { merchantListingProblems } from "../support/merchant-listing";
import { signedIn } from "../support/orders";
import { buyer, type Staff } from "../support/reviews";
import { expectRoleMatrix, staffByRole } from "../support/staff";

// Several shoppers buy, receive and review (a real scrypt hash each) on a shared 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

const ORIGIN = "https://shop.example";
let admin: Staff;

async function insertVendor(handle: string, name: string, status: "pending" | "active" | "rejected" | "suspended", updatedAt = "2026-11-20T08:00:00.000Z") {
  const id = `ven_${handle.replace(/-/g, "_")}`;
  await getDb(env.DB)
    .insert(vendors)
    .values({ id, handle, name, status, contactEmail: `${handle}@vendors.test`, country: "US", updatedAt });
  return id;
}

beforeAll(async () => {
  admin = await signedIn("admin");
});

describe("Product JSON-LD from published reviews, shipping, seller and identifiers", () => {
  it("carries only published reviews, US standard shipping per offer, the GTIN/MPN, and passes every merchant-listing check", async () => {
    const category = await insertCategory(env.DB, { slug: "sd-lamps", name: "Lamps" });
    await insertProduct(env.DB, {
      slug: "sd-lamp",
      name: "Structured Lamp",
      category,
      brandId: null,
      variants: [
        // 45.00 and 0.8 kg: the US standard band up to 49.99 (5.99 for the first kg).
        { sku: "SD-LAMP-S", title: "Small", options: { size: "S" }, price: 4500, stockAvailable: 100, weightGrams: 800, gtin: "4006381333931", mpn: null },
        // 80.00: over the US free-shipping threshold of 75.00.
        { sku: "SD-LAMP-L", title: "Large", options: { size: "L" }, price: 8000, stockAvailable: 100, weightGrams: 2500, gtin: null, mpn: "LMP-L-01" },
      ],
    });
    purgeCatalogCache();

    const before = await productStructuredData(env, await getProductBySlug(env, "sd-lamp"), ORIGIN);
    // No published review yet: no rating at all (schema.org forbids an empty AggregateRating).
    expect(before.aggregateRating).toBeUndefined();
    expect(before.review).toBeUndefined();

    // Two delivered buyers review (published at once), then staff switch to holding reviews and a third waits.
    const first = await buyer(admin, "SD-LAMP-S");
    expect(
      (await first.send("/api/products/sd-lamp/reviews", "POST", { rating: 5, title: "Bright and warm", body: "Lights the whole desk evenly." })).status,
    ).toBe(201);
    const second = await buyer(admin, "SD-LAMP-S");
    expect((await second.send("/api/products/sd-lamp/reviews", "POST", { rating: 4, title: "Good lamp", body: "Sturdy base, short cable." })).status).toBe(201);
    expect((await admin.send("/api/admin/settings/reviews", "PUT", { moderation: "hold", reminderDays: 7 })).status).toBe(200);
    const third = await buyer(admin, "SD-LAMP-S");
    const held = await third.send("/api/products/sd-lamp/reviews", "POST", { rating: 1, title: "Held back", body: "This one waits for a moderator." });
    expect(held.status).toBe(201);
    expect((await json(held)).status).toBe("pending");

    // No purge here: the isolate kept the first digest (no reviews), and publishing a review drops it.
    const ld = await productStructuredData(env, await getProductBySlug(env, "sd-lamp"), ORIGIN);
    expect(ld.aggregateRating).toEqual({ "@type": "AggregateRating", ratingValue: 4.5, reviewCount: 2, bestRating: 5, worstRating: 1 });
    const reviews = ld.review as { name: string; reviewRating: { ratingValue: number }; author: { name: string }; datePublished: string }[];
    expect(reviews.map((r) => r.name).sort()).toEqual(["Bright and warm", "Good lamp"]);
    expect(JSON.stringify(ld)).not.toContain("Held back");
    for (const r of reviews) {
      expect(r.author.name).toBeTruthy();
      expect(r.datePublished).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }

    // Identifiers: the product's are its first variant's; each offer carries its own.
    expect(ld.gtin).toBe("4006381333931");
    const offers = ld.offers as Record<string, unknown>[];
    expect(offers[0]).toMatchObject({ sku: "SD-LAMP-S", gtin: "4006381333931" });
    expect(offers[0]?.mpn).toBeUndefined();
    expect(offers[1]).toMatchObject({ sku: "SD-LAMP-L", mpn: "LMP-L-01" });
    expect(offers[1]?.gtin).toBeUndefined();

    // Shipping to the main country (US by default) at each offer's own price and weight.
    expect(offers[0]?.shippingDetails).toEqual({
      "@type": "OfferShippingDetails",
      shippingRate: { "@type": "MonetaryAmount", value: 5.99, currency: "USD" },
      shippingDestination: { "@type": "DefinedRegion", addressCountry: "US" },
      deliveryTime: {
        "@type": "ShippingDeliveryTime",
        handlingTime: { "@type": "QuantitativeValue", minValue: 0, maxValue: 0, unitCode: "DAY" },
        transitTime: { "@type": "QuantitativeValue", minValue: 3, maxValue: 5, unitCode: "DAY" },
      },
    });
    expect(offers[1]?.shippingDetails).toMatchObject({ shippingRate: { value: 0, currency: "USD" } });
    // The store's own product names no seller.
    expect(offers[0]?.seller).toBeUndefined();

    const problems = merchantListingProblems(ld);
    expect(problems.required).toEqual([]);
    // Only the brand is missing, because this product has none.
    expect(problems.recommended).toEqual(["brand.name"]);
  });

  it("quotes the main country the storefront settings name, and leaves shipping out where the store does not ship", async () => {
    const category = await insertCategory(env.DB, { slug: "sd-mugs", name: "Mugs" });
    await insertProduct(env.DB, {
      slug: "sd-mug",
      name: "Structured Mug",
      category,
      variants: [{ sku: "SD-MUG", title: "Default", options: {}, price: 2000, stockAvailable: 5, weightGrams: 400 }],
    });
    purgeCatalogCache();
    const moved = await admin.send("/api/admin/settings/storefront", "PATCH", { mainCountry: "ca" });
    expect(moved.status).toBe(200);
    expect((await json(moved)).mainCountry).toBe("CA");
    const ca = await productStructuredData(env, await getProductBySlug(env, "sd-mug"), ORIGIN);
    const [offer] = ca.offers as Record<string, unknown>[];
    expect(offer?.shippingDetails).toMatchObject({ shippingRate: { value: 12.99 }, shippingDestination: { addressCountry: "CA" } });
    expect(offer?.hasMerchantReturnPolicy).toMatchObject({ applicableCountry: "CA" });

    // A country without a zone: no made-up shipping.
    await env.DB.prepare("update countries set ships = 0 where code = 'CA'").run();
    const { purgeShippingCache } = await import("../../worker/shipping");
    purgeShippingCache();
    const none = await productStructuredData(env, await getProductBySlug(env, "sd-mug"), ORIGIN);
    expect((none.offers as Record<string, unknown>[])[0]?.shippingDetails).toBeUndefined();
    await env.DB.prepare("update countries set ships = 1 where code = 'CA'").run();
    purgeShippingCache();
    expect((await admin.send("/api/admin/settings/storefront", "PATCH", { mainCountry: "US" })).status).toBe(200);
  });

  it("names an active vendor as the seller of its products, and no seller once it is suspended", async () => {
    const category = await insertCategory(env.DB, { slug: "sd-vendor", name: "Vendor goods" });
    const vendorId = await insertVendor("sd-potter", "Clay & Kiln Studio", "active");
    await insertProduct(env.DB, {
      slug: "sd-bowl",
      name: "Vendor Bowl",
      category,
      vendorId,
      variants: [{ sku: "SD-BOWL", title: "Default", options: {}, price: 3000, stockAvailable: 5 }],
    });
    purgeCatalogCache();
    const ld = await productStructuredData(env, await getProductBySlug(env, "sd-bowl"), ORIGIN);
    expect((ld.offers as Record<string, unknown>[])[0]?.seller).toEqual({ "@type": "Organization", name: "Clay & Kiln Studio" });
    // The product page hands over its own seller read: the same seller.
    const bowl = await getProductBySlug(env, "sd-bowl");
    const fromPage = await productStructuredData(env, bowl, ORIGIN, productSeller(env, bowl.id));
    expect((fromPage.offers as Record<string, unknown>[])[0]?.seller).toEqual({ "@type": "Organization", name: "Clay & Kiln Studio" });

    // Suspended straight in D1, as another isolate's write looks from here before its version bump is seen: the
    // seller is kept per isolate until then.
    await env.DB.prepare("update vendors set status = 'suspended' where id = ?").bind(vendorId).run();
    const kept = await productStructuredData(env, bowl, ORIGIN);
    expect((kept.offers as Record<string, unknown>[])[0]?.seller).toEqual({ "@type": "Organization", name: "Clay & Kiln Studio" });
    // What a status change's version bump does in every isolate (the product itself is no longer listed then).
    purgeCatalogCache();
    await expect(getProductBySlug(env, "sd-bowl")).rejects.toMatchObject({ status: 404 });
    const suspended = await productStructuredData(env, bowl, ORIGIN);
    expect((suspended.offers as Record<string, unknown>[])[0]?.seller).toBeUndefined();
  });
});

describe("GTIN and MPN on the staff product API", () => {
  it("refuses a GTIN with a wrong check digit naming the field, stores a valid one, and keeps it when a save leaves it out", async () => {
    const category = await insertCategory(env.DB, { slug: "sd-gtin", name: "Gtin" });
    const spec = (variant: Record<string, unknown>) => ({
      name: "Barcode Bottle",
      description: "A bottle.",
      status: "active",
      categoryId: category.id,
      variants: [{ sku: "SD-BOTTLE", options: {}, price: 1500, weightGrams: 300, ...variant }],
    });
    const bad = await admin.send("/api/admin/products", "POST", spec({ gtin: "4006381333932" }));
    expect(bad.status).toBe(400);
    const problem = await json(bad);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: "variants.0.gtin" })]));
    const short = await admin.send("/api/admin/products", "POST", spec({ gtin: "12345" }));
    expect(short.status).toBe(400);

    const created = await admin.send("/api/admin/products", "POST", spec({ gtin: "036000291452", mpn: "BTL-500" }));
    expect(created.status).toBe(201);
    const product = await json(created);
    expect(product.variants[0]).toMatchObject({ gtin: "036000291452", mpn: "BTL-500" });

    // A form or CSV file that does not know the fields leaves them as they are; null clears.
    const kept = await admin.send(`/api/admin/products/${product.id}`, "PUT", {
      ...spec({ price: 1400 }),
      slug: product.slug,
      expectedUpdatedAt: product.updatedAt,
    });
    expect(kept.status).toBe(200);
    const keptBody = await json(kept);
    expect(keptBody.variants[0]).toMatchObject({ price: 1400, gtin: "036000291452", mpn: "BTL-500" });
    const cleared = await admin.send(`/api/admin/products/${product.id}`, "PUT", {
      ...spec({ mpn: null }),
      slug: product.slug,
      expectedUpdatedAt: keptBody.updatedAt,
    });
    expect((await json(cleared)).variants[0]).toMatchObject({ gtin: "036000291452", mpn: null });

    purgeCatalogCache();
    const detail = await json(await call(`/api/products/${product.slug}`));
    expect(detail.variants[0]).toMatchObject({ gtin: "036000291452", mpn: null });
  });
});

describe("GET /sitemap.xml and /sitemaps/vendors-<n>.xml", () => {
  it("lists a vendor sitemap once there is an active vendor, with only active vendors' /v/ pages and their lastmod", async () => {
    const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    await insertVendor("sd-weaver", "Loom Works", "active", "2026-11-25T09:30:00.000Z");
    await insertVendor("sd-pending", "Not Yet", "pending");
    await insertVendor("sd-rejected", "Never", "rejected");
    const index = await (await call("/sitemap.xml")).text();
    expect(locs(index)).toContain("http://store.test/sitemaps/vendors-1.xml");
    const res = await call("/sitemaps/vendors-1.xml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    const xml = await res.text();
    const urls = locs(xml);
    expect(urls).toContain("http://store.test/v/sd-weaver");
    expect(urls).not.toContain("http://store.test/v/sd-pending");
    expect(urls).not.toContain("http://store.test/v/sd-rejected");
    expect(xml).toContain("<url><loc>http://store.test/v/sd-weaver</loc><lastmod>2026-11-25T09:30:00.000Z</lastmod></url>");
    expect((await call("/sitemaps/vendors-2.xml")).status).toBe(404);
  });
});

describe("/.well-known app-link files and PATCH /api/admin/settings/storefront", () => {
  it("answers valid empty files before any app is set, then the apps the settings name", async () => {
    const aasa = await call("/.well-known/apple-app-site-association");
    expect(aasa.status).toBe(200);
    expect(aasa.headers.get("content-type")).toBe("application/json");
    expect(await aasa.json()).toEqual({ applinks: { details: [] }, webcredentials: { apps: [] } });
    const links = await call("/.well-known/assetlinks.json");
    expect(links.status).toBe(200);
    expect(links.headers.get("content-type")).toBe("application/json");
    expect(await links.json()).toEqual([]);

    const fingerprint = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, "0")).join(":");
    const saved = await admin.send("/api/admin/settings/storefront", "PATCH", {
      appName: "Northwind",
      appShortName: "Northwind",
      themeColor: "#123ABC",
      backgroundColor: "#ffffff",
      appleAppIds: ["ABCDE12345.com.northwind.store"],
      androidApps: [{ packageName: "com.northwind.store", sha256Fingerprints: [fingerprint] }],
    });
    expect(saved.status).toBe(200);
    expect(await json(saved)).toMatchObject({ themeColor: "#123abc", appleAppIds: ["ABCDE12345.com.northwind.store"] });

    const apple = await (await call("/.well-known/apple-app-site-association")).json<{
      applinks: { details: { appIDs: string[]; components: { "/": string }[] }[] };
    }>();
    expect(apple.applinks.details).toHaveLength(1);
    expect(apple.applinks.details[0]?.appIDs).toEqual(["ABCDE12345.com.northwind.store"]);
    expect(apple.applinks.details[0]?.components).toContainEqual({ "/": "/p/*" });
    expect(await (await call("/.well-known/assetlinks.json")).json()).toEqual([
      {
        relation: ["delegate_permission/common.handle_all_urls"],
        target: { namespace: "android_app", package_name: "com.northwind.store", sha256_cert_fingerprints: [fingerprint.toUpperCase()] },
      },
    ]);

    // The change is audited with what it was before.
    const audit = await env.DB.prepare("select before, after from audit_log where action = 'settings.storefront' order by rowid desc limit 1").first<{
      before: string;
      after: string;
    }>();
    expect(JSON.parse(audit?.after ?? "{}")).toMatchObject({ appName: "Northwind", themeColor: "#123abc" });

    // Clearing the apps empties the files again.
    expect((await admin.send("/api/admin/settings/storefront", "PATCH", { appleAppIds: [], androidApps: [] })).status).toBe(200);
    expect(await (await call("/.well-known/assetlinks.json")).json()).toEqual([]);
  });

  it("refuses malformed values naming each field (400), and only staff with the settings permission may read or change them", async () => {
    const bad = await admin.send("/api/admin/settings/storefront", "PATCH", {
      themeColor: "red",
      appShortName: "A name far too long",
      appleAppIds: ["com.northwind.store"],
      androidApps: [{ packageName: "store", sha256Fingerprints: ["AB:CD"] }],
      mainCountry: "USA",
    });
    expect(bad.status).toBe(400);
    const paths = ((await json(bad)).errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(["androidApps.0.packageName", "androidApps.0.sha256Fingerprints.0", "appShortName", "appleAppIds.0", "mainCountry", "themeColor"]);
    expect((await admin.send("/api/admin/settings/storefront", "PATCH", { surprise: true })).status).toBe(400);

    const callers = await staffByRole();
    await expectRoleMatrix(callers, { path: "/api/admin/settings/storefront" }, ["admin"]);
    await expectRoleMatrix(callers, { path: "/api/admin/settings/storefront", method: "PATCH", body: () => ({ themeColor: "#2a211b" }) }, ["admin"]);
  });
});
