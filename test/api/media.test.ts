import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { updateImageOrigins } from "../../worker/store";
import { purgeCatalogCache } from "../../worker/catalog";
import { createFrontDoor } from "../../worker/front-door";
import { pageDirectives } from "../../worker/lib/csp";
import { insertCategory, insertUser } from "../support/factories";
import { call, cookiesFrom, freshIp, json } from "../support/http";
import { passwordSignIn } from "../support/staff";

type Headers = Record<string, string>;
async function session(role: "customer" | "vendor" | "support" | "admin"): Promise<Headers> {
  const user = await insertUser(env.DB, { role });
  const res = await passwordSignIn(user, { "CF-Connecting-IP": freshIp() });
  return { Cookie: cookiesFrom(res), Origin: "http://store.test" };
}
const send = (method: string, path: string, body: unknown, headers: Headers) =>
  call(path, { method, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
const upload = (body: BodyInit, type: string, headers: Headers) =>
  call("/api/admin/products/images", { method: "POST", headers: { "Content-Type": type, ...headers }, body });
const bytesOf = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...p].map((ch) => ch.charCodeAt(0)) : p)));
const sha256 = async (b: Uint8Array<ArrayBuffer>) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", b))].map((x) => x.toString(16).padStart(2, "0")).join("");

// A 1×1 PNG, and the first bytes of each other accepted format (the server reads only the signature).
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (ch) => ch.charCodeAt(0));
const JPEG = bytesOf([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], "JFIF", [0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
const GIF = bytesOf("GIF89a", [1, 0, 1, 0, 0, 0, 0, 0x3b]);
const WEBP = bytesOf("RIFF", [26, 0, 0, 0], "WEBPVP8L", [13, 0, 0, 0, 0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const AVIF = bytesOf([0, 0, 0, 0x1c], "ftyp", "avif", [0, 0, 0, 0], "avif", "mif1", "miaf", [0, 0, 0, 0]);
const HEIC = bytesOf([0, 0, 0, 0x18], "ftyp", "heic", [0, 0, 0, 0], "mif1", "heic", [0, 0, 0, 0]);
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

let admin: Headers;
let others: Record<"support" | "customer" | "vendor", Headers>;
let category: Awaited<ReturnType<typeof insertCategory>>;

beforeAll(async () => {
  category = await insertCategory(env.DB, { slug: "media-things" });
  admin = await session("admin");
  others = { support: await session("support"), customer: await session("customer"), vendor: await session("vendor") };
  purgeCatalogCache();
}, 30_000);

describe("POST /api/admin/products/images → R2 → GET /media/uploads/:file", () => {
  it("stores the bytes in the MEDIA bucket under their sha-256 and serves them immutable, with the hash as ETag and 304 on revalidation", async () => {
    const res = await upload(PNG, "image/png", admin);
    expect(res.status).toBe(201);
    const hash = await sha256(PNG);
    const body = await json(res);
    expect(body).toEqual({ url: `/media/uploads/${hash}.png`, type: "image/png", bytes: PNG.byteLength });

    const object = await env.MEDIA.get(`uploads/${hash}.png`);
    expect(object?.httpMetadata?.contentType).toBe("image/png");
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(PNG);

    const served = await call(body.url);
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toBe("image/png");
    expect(served.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(served.headers.get("etag")).toBe(`"${hash}"`);
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);

    const again = await call(body.url, { headers: { "If-None-Match": `W/"x", "${hash}"` } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(`"${hash}"`);
    expect(await again.text()).toBe("");
    expect((await call(body.url, { headers: { "If-None-Match": '"other"' } })).status).toBe(200);

    // The same bytes again: same address, still one object; each upload is audited.
    expect((await json(await upload(PNG, "image/png", admin))).url).toBe(body.url);
    expect((await env.MEDIA.list({ prefix: `uploads/${hash}` })).objects).toHaveLength(1);
    const audits = await env.DB.prepare("select count(*) as n from audit_log where action = 'media.upload' and entity_id = ?").bind(`${hash}.png`).first();
    expect(audits).toEqual({ n: 2 });
  });

  it("takes the type from the bytes (JPEG, GIF, WebP, AVIF), whatever the client declared", async () => {
    for (const [bytes, type, ext] of [
      [JPEG, "image/jpeg", "jpg"],
      [GIF, "image/gif", "gif"],
      [WEBP, "image/webp", "webp"],
      [AVIF, "image/avif", "avif"],
    ] as const) {
      const res = await upload(bytes, "image/png", admin);
      expect(res.status, type).toBe(201);
      const { url } = await json(res);
      expect(url).toBe(`/media/uploads/${await sha256(bytes)}.${ext}`);
      const served = await call(url);
      expect(served.headers.get("content-type"), type).toBe(type);
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    }
  });

  it("refuses SVG, HEIC and other bytes with a 415 problem naming the file, empty files with 400, over 5 MiB with 413", async () => {
    for (const [bytes, declared] of [
      [SVG, "image/png"],
      [new TextEncoder().encode("<!doctype html><script>alert(1)</script>"), "image/jpeg"],
      [HEIC, "image/avif"],
      [PNG.slice(0, 4), "image/png"],
    ] as const) {
      const res = await upload(bytes, declared, admin);
      expect(res.status).toBe(415);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = await json(res);
      expect(problem.code).toBe("catalog.image_type");
      expect(problem.errors).toEqual([{ path: "file", message: "Not a PNG, JPEG, GIF, WebP or AVIF picture" }]);
    }
    const svgDeclared = await upload(SVG, "image/svg+xml", admin);
    expect(svgDeclared.status).toBe(415);
    expect((await json(svgDeclared)).errors[0].path).toBe("content-type");
    expect((await upload(PNG, "multipart/form-data", admin)).status).toBe(415);
    expect((await upload(new Uint8Array(0), "image/png", admin)).status).toBe(400);
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG);
    expect((await upload(big, "image/png", admin)).status).toBe(413);
    // Nothing refused reached the bucket.
    const keys = (await env.MEDIA.list({ prefix: "uploads/" })).objects.map((o) => o.key);
    expect(keys).not.toContain(`uploads/${await sha256(SVG)}.png`);
    expect(keys).not.toContain(`uploads/${await sha256(HEIC)}.avif`);
  });

  it("lets only admins upload", async () => {
    expect((await upload(PNG, "image/png", {})).status).toBe(401);
    for (const headers of Object.values(others)) expect((await upload(PNG, "image/png", headers)).status).toBe(403);
  });

  it("answers 404 for unknown or malformed names, and still serves the generated product pictures", async () => {
    expect((await call(`/media/uploads/${"0".repeat(64)}.png`)).status).toBe(404);
    expect((await call("/media/uploads/..%2Fsecret.png")).status).toBe(404);
    expect((await call(`/media/uploads/${"0".repeat(64)}.svg`)).status).toBe(404);
    const generated = await call("/media/products/linen-shirt/0.svg");
    expect(generated.status).toBe(200);
    expect(generated.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(generated.headers.get("cache-control")).toContain("immutable");
  });

  it("keeps serving pictures uploaded to KV before uploads moved to R2 (read fallback at /api/media/uploads/)", async () => {
    await env.CACHE.put("media:upload:img_0123456789abcdef.png", PNG, { metadata: { type: "image/png" } });
    const res = await call("/api/media/uploads/img_0123456789abcdef.png");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(PNG);
    expect((await call("/api/media/uploads/img_0000000000000000.png")).status).toBe(404);
  });
});

describe("PUT /api/admin/settings/image-origins", () => {
  const put = (origins: unknown, headers = admin) => send("PUT", "/api/admin/settings/image-origins", { origins }, headers);

  it("refuses anything but bare https origins, naming the entry", async () => {
    const bad: [string, string][] = [
      ["https://cdn.example.com/images", "Only the origin (https://host), no path, query or #"],
      ["https://cdn.example.com?x=1", "Only the origin (https://host), no path, query or #"],
      ["https://*.example.com", "Wildcards are not allowed: list each origin"],
      ["ftp://cdn.example.com", "Use an https:// origin"],
      ["javascript:alert(1)", "Use an https:// origin"],
      ["https://user:pw@cdn.example.com", "An origin has no user name or password"],
      ["https://cdn.example.com;script-src", "Write an origin like https://cdn.example.com"],
      ["cdn.example.com", "Write an origin like https://cdn.example.com"],
      ["http://cdn.example.com", "Use an https:// origin (plain http only for localhost or 127.0.0.1 outside production)"],
    ];
    for (const [origin, message] of bad) {
      const res = await put(["https://ok.example.com", origin]);
      expect(res.status, origin).toBe(400);
      expect((await json(res)).errors, origin).toEqual([{ path: "origins.1", message }]);
    }
    expect((await put("https://cdn.example.com")).status).toBe(400);
    expect((await send("PUT", "/api/admin/settings/image-origins", { origins: [], extra: 1 }, admin)).status).toBe(400);
    const settings = await json(await call("/api/admin/settings", { headers: admin }));
    expect(settings.imageOrigins).toEqual([]);
  });

  it("saves normalised, de-duplicated origins, audits the change, and shows them in the settings overview", async () => {
    const res = await put(["https://CDN.Example.com/", "https://img.example.org:8443", "https://cdn.example.com", "https://img.example.org:443"]);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ origins: ["https://cdn.example.com", "https://img.example.org:8443", "https://img.example.org"] });
    const settings = await json(await call("/api/admin/settings", { headers: admin }));
    expect(settings.imageOrigins).toEqual(["https://cdn.example.com", "https://img.example.org:8443", "https://img.example.org"]);
    const audit = await env.DB.prepare("select after from audit_log where action = 'settings.image_origins' order by at desc").first<{ after: string }>();
    expect(JSON.parse(audit?.after ?? "null")).toEqual(["https://cdn.example.com", "https://img.example.org:8443", "https://img.example.org"]);
  });

  it("accepts plain http only for loopback test servers, and never in production", async () => {
    expect((await put(["http://127.0.0.1:9701"])).status).toBe(200);
    const actor = { actorId: "usr_test", actorEmail: "admin@example.test", requestId: null };
    const production = { ...env, ENVIRONMENT: "production" } as Env;
    await expect(updateImageOrigins(production, actor, { origins: ["http://127.0.0.1:9701"] })).rejects.toMatchObject({
      status: 400,
      errors: [{ path: "origins.0", message: "Use an https:// origin" }],
    });
  });

  it("is for admins only", async () => {
    expect((await put([], {})).status).toBe(401);
    for (const headers of Object.values(others)) expect((await put([], headers)).status).toBe(403);
  });
});

describe("the page CSP is built from the allowed image origins", () => {
  // A page as Astro answers it: HTML with a policy of script/style hashes and no frame-ancestors.
  const door = createFrontDoor(
    async () =>
      new Response("<!doctype html><title>page</title>", {
        headers: { "Content-Type": "text/html", "Content-Security-Policy": "script-src 'self' 'sha256-abc'; style-src 'self'" },
      }),
  );
  async function pagePolicy(): Promise<Map<string, string>> {
    const ctx = createExecutionContext();
    const res = await door.fetch(new Request("http://store.test/about"), env, ctx);
    await waitOnExecutionContext(ctx);
    const header = res.headers.get("content-security-policy") ?? "";
    return new Map(
      header.split(";").map((d) => {
        const [name = "", ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
  }

  it("lists exactly the configured origins in img-src, and follows each change", async () => {
    await send("PUT", "/api/admin/settings/image-origins", { origins: ["https://cdn.example.com", "https://img.example.org:8443"] }, admin);
    let policy = await pagePolicy();
    expect(policy.get("img-src")).toBe("'self' data: https://cdn.example.com https://img.example.org:8443");
    expect(policy.get("script-src")).toBe("'self' 'sha256-abc'");
    expect(policy.get("default-src")).toBe("'self'");
    expect(policy.get("form-action")).toBe("'self'");
    expect(policy.get("frame-ancestors")).toBe("'none'");

    await send("PUT", "/api/admin/settings/image-origins", { origins: [] }, admin);
    policy = await pagePolicy();
    expect(policy.get("img-src")).toBe("'self' data:");
  });

  it("keeps deny-all for API answers and only adds frame-ancestors to pictures", async () => {
    await send("PUT", "/api/admin/settings/image-origins", { origins: ["https://cdn.example.com"] }, admin);
    const apiAnswer = await call("/api/health");
    expect(apiAnswer.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    const picture = await call("/media/products/linen-shirt/0.svg");
    expect(picture.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'");
  });

  it("takes extra form-action origins and drops anything that is not a bare origin", () => {
    const directives = pageDirectives({
      img: ["https://cdn.example.com", "https://x.example; script-src *", "*"],
      formAction: ["https://checkout.stripe.com"],
    });
    expect(directives).toContain("img-src 'self' data: https://cdn.example.com;");
    expect(directives).toContain("form-action 'self' https://checkout.stripe.com;");
    expect(directives).not.toContain("script-src");
  });
});

describe("product pictures must come from an allowed origin", () => {
  let n = 0;
  const product = (images: { url: string; alt?: string }[]) => {
    n++;
    return {
      name: `Media Mug ${n}`,
      status: "active",
      categoryId: category.id,
      images,
      variants: [{ sku: `MEDIA-MUG-${n}`, options: {}, price: 1500 }],
    };
  };

  it("refuses an address from another origin with a problem naming the field and the setting, and accepts it once allowed", async () => {
    await send("PUT", "/api/admin/settings/image-origins", { origins: ["https://cdn.example.com"] }, admin);
    const refused = await send(
      "POST",
      "/api/admin/products",
      product([{ url: "https://cdn.example.com/a.jpg" }, { url: "https://elsewhere.example/b.jpg" }, { url: "/\\evil.example/c.png" }]),
      admin,
    );
    expect(refused.status).toBe(400);
    const problem = await json(refused);
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(["images.2.url"]);

    const offsite = await send("POST", "/api/admin/products", product([{ url: "https://elsewhere.example/b.jpg" }]), admin);
    expect(offsite.status).toBe(400);
    const offsiteProblem = await json(offsite);
    expect(offsiteProblem.code).toBe("catalog.image_origin");
    expect(offsiteProblem.errors).toEqual([
      {
        path: "images.0.url",
        message: "https://elsewhere.example is not an allowed image origin: add it under Settings → Images (allowed image origins) first",
      },
    ]);

    const uploaded = (await json(await upload(GIF, "image/gif", admin))).url as string;
    const ok = await send("POST", "/api/admin/products", product([{ url: uploaded }, { url: "https://cdn.example.com/a.jpg" }]), admin);
    expect(ok.status).toBe(201);
    expect((await json(ok)).images.map((i: { url: string }) => i.url)).toEqual([uploaded, "https://cdn.example.com/a.jpg"]);
  });

  it("CSV import: a row whose images column names another origin is refused as <row>.images, and nothing is written", async () => {
    const csv = [
      "product_slug,product_name,status,category_slug,images,sku,price_minor",
      "media-lamp,Media Lamp,active,media-things,https://cdn.example.com/lamp.jpg,MEDIA-LAMP,4500",
      "media-vase,Media Vase,active,media-things,https://elsewhere.example/vase.jpg|/media/products/media-vase/0.svg,MEDIA-VASE,3500",
    ].join("\n");
    const res = await call("/api/admin/products/import?dryRun=false", { method: "POST", headers: { "Content-Type": "text/csv", ...admin }, body: csv });
    expect(res.status).toBe(400);
    expect((await json(res)).errors).toEqual([
      {
        path: "3.images",
        message: "https://elsewhere.example is not an allowed image origin: add it under Settings → Images (allowed image origins) first",
      },
    ]);
    expect(await env.DB.prepare("select count(*) as n from products where slug in ('media-lamp', 'media-vase')").first()).toEqual({ n: 0 });
  });
});
